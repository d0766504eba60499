"""Benchmark the forecast models on the full real panel: fit time and ESS per second, nutpie vs PyMC.

Writes ``bench/results/models.json``. Usage::

    python bench/bench_models.py [--draws 1000] [--tune 1000] [--chains 2]
                                 [--backends nutpie pymc] [--models event_logit trajectory]
                                 [--target AFG|none] [--origin 2023]
                                 [--variants '{}' '{"center_design": false}' ...]

``--target none --origin 2016`` is one backtest fit (every country alike, all spaces); each
``--variants`` entry is a JSON table of model options (one record per variant and backend).
The sampler-independent cost is ``gradient_evaluations`` (leapfrog steps over tuning and draws);
``ess_bulk_per_1000_gradients`` compares parameterisations whatever the machine's load.

Each record: model, backend, options, rows, compile+sampling wall seconds, process CPU seconds, min
bulk/tail ESS, max R-hat, divergences, ESS per wall second (min bulk ESS / sampling seconds), and
the machine's load average at start and end (other processes on a shared 2-core machine inflate
wall time; CPU seconds / chains approximates an idle machine's wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

from analogcast._io import atomic_write_json


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def run_one(model_name: str, backend: str, draws: int, tune: int, chains: int, seed: int,
            options: dict, target: str | None = "AFG", origin: int | None = None,
            target_accept: float | None = None) -> dict:
    from analogcast.data import load_events, load_panel
    from analogcast.models import diagnostics, get_model, sample_model

    panel, events = load_panel(), load_events()
    model = get_model(model_name, **{k: v for k, v in options.items() if not k.startswith("_")})
    t0 = time.perf_counter()
    origin = int(panel["year"].max()) if origin is None else origin
    kw: dict = {}
    if target is None:
        from analogcast.data import SPACES

        kw["spaces"] = list(SPACES)
    data = model.prepare(panel, events, target=target, origin=origin, **kw)
    pm_model = model.build(data, None)
    t_build = time.perf_counter() - t0
    load0 = os.getloadavg()[0]
    c0 = _cpu()
    t0 = time.perf_counter()
    tree = sample_model(pm_model, draws=draws, tune=tune, chains=chains, seed=seed, backend=backend,
                        target_accept=target_accept,
                        adaptation=options.get("_adaptation", "diag") if backend == "nutpie" else "diag")
    wall = time.perf_counter() - t0
    cpu = _cpu() - c0
    diag = diagnostics(tree)
    ss = tree["sample_stats"].to_dataset()
    steps_var = "n_steps" if "n_steps" in ss else "tree_size" if "tree_size" in ss else None
    return {
        "model": model_name, "backend": backend, "draws": draws, "tune": tune, "chains": chains,
        "options": {k: v for k, v in options.items()},
        "rows": int(data.meta.get("n_rows_fit", data.meta.get("n_rows", 0))),
        "build_seconds": round(t_build, 2),
        "sample_wall_seconds": round(wall, 2), "sample_cpu_seconds": round(cpu, 2),
        "min_ess_bulk": round(diag["min_ess_bulk"], 1), "min_ess_tail": round(diag["min_ess_tail"], 1),
        "max_rhat": round(diag["max_rhat"], 4), "divergences": diag["divergences"],
        "ess_bulk_per_wall_second": round(diag["min_ess_bulk"] / wall, 3),
        "ess_bulk_per_cpu_second": round(diag["min_ess_bulk"] / max(cpu, 1e-9), 3),
        "mean_leapfrog_steps": float(ss[steps_var].mean()) if steps_var else None,
        "target": target, "origin": origin, "target_accept": target_accept,
        # kept draws' mean trajectory length x every iteration (tuning included): an estimate
        "gradient_evaluations": (int(float(ss[steps_var].mean()) * (tune + draws) * chains)
                                 if steps_var else None),
        "ess_bulk_per_1000_gradients": (round(1000 * diag["min_ess_bulk"] / (float(ss[steps_var].mean())
                                        * (tune + draws) * chains), 3) if steps_var else None),
        "worst_ess_variable": _worst(tree),
        "loadavg_start": round(load0, 2), "loadavg_end": round(os.getloadavg()[0], 2),
    }


def _worst(tree) -> str:
    import arviz_stats as azs

    post = tree["posterior"].to_dataset()
    ess = {v: float(azs.ess(post[[v]], method="bulk")[v].min()) for v in post.data_vars}
    return min(ess, key=ess.__getitem__)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--backends", nargs="+", default=["nutpie", "pymc"])
    ap.add_argument("--models", nargs="+", default=["event_logit"])
    ap.add_argument("--target", default="AFG", help="V-Dem id, or 'none' (a backtest fit)")
    ap.add_argument("--origin", type=int, default=None)
    ap.add_argument("--target-accept", type=float, default=None)
    ap.add_argument("--variants", nargs="+", default=["{}"], help="JSON tables of model options")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "models.json"))
    args = ap.parse_args(argv)
    records = []
    target = None if args.target.lower() == "none" else args.target
    for model in args.models:
        for variant in args.variants:
            opts: dict = json.loads(variant)
            for backend in args.backends:
                rec = run_one(model, backend, args.draws, args.tune, args.chains, args.seed, opts,
                              target=target, origin=args.origin, target_accept=args.target_accept)
                print(json.dumps(rec), flush=True)
                records.append(rec)
    out = {
        "benchmark": "models", "python": sys.version.split()[0], "platform": platform.platform(),
        "cpu_count": os.cpu_count(), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "numpy": np.__version__, "records": records,
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Compile and sampling time of one backtest fit, by nutpie compiler (numba or JAX) and cache state.

Each measurement runs in a fresh process. ``cold`` points PyTensor's compile cache
(``base_compiledir``) at a new empty directory, as on a fresh machine or CI; ``warm`` reuses the
directory the cold run filled. The fit is ``event_logit`` at one backtest origin (every country, all
seven spaces) with the backtest's short settings (``analogcast.evaluation.engine.FAST``), chains in
two threads. Writes ``bench/results/compile.json``. Usage::

    python bench/bench_compile.py [--origin 2016] [--compilers numba jax] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analogcast._io import atomic_write_json

CHILD = r'''
import json, os, sys, time
t0 = time.perf_counter()
import numpy as np
import nutpie
from analogcast.data import SPACES, load_events, load_panel
from analogcast.evaluation.engine import FAST
from analogcast.models import get_model
from analogcast.models.convergence import diagnostics
from analogcast.models.sampling import _clean_tree, exact_numerics, nutpie_compiler
origin = int(sys.argv[1])
panel, events = load_panel(), load_events()
m = get_model("event_logit")
data = m.prepare(panel, events, target=None, origin=origin, spaces=list(SPACES))
pmm = m.build(data, None)
t_import = time.perf_counter() - t0
comp = nutpie_compiler()
with exact_numerics():
    t = time.perf_counter()
    compiled = nutpie.compile_pymc_model(pmm, backend=comp, gradient_backend="jax" if comp == "jax" else "pytensor")
    t_compile = time.perf_counter() - t
    t = time.perf_counter()
    tree = nutpie.sample(compiled, draws=int(FAST["draws"]), tune=int(FAST["tune"]), chains=2, cores=2,
                         seed=1, progress_bar=False, target_accept=float(FAST["target_accept"]))
    t_sample = time.perf_counter() - t
ss = tree["sample_stats"]
steps = float(ss["n_steps"].mean())
diag = diagnostics(_clean_tree(tree))
print(json.dumps({"compiler": comp, "rows": int(data.meta["n_rows_fit"]), "setup_seconds": round(t_import, 1),
                  "compile_seconds": round(t_compile, 1), "sample_seconds": round(t_sample, 1),
                  "mean_leapfrog_steps": steps, "divergences": int(diag["divergences"]),
                  "min_ess_bulk": round(float(diag["min_ess_bulk"]), 1), "max_rhat": round(float(diag["max_rhat"]), 4),
                  "alpha_mean": [round(float(v), 4) for v in np.ravel(tree["posterior"]["alpha"].mean(("chain", "draw")).values)[:4]]}))
'''


def _run(compiler: str, origin: int, cache: str) -> dict:
    env = dict(os.environ, ANALOGCAST_NUTPIE_COMPILER=compiler, JAX_PLATFORMS="cpu",
               PYTENSOR_FLAGS=f"base_compiledir={cache}")
    load0 = os.getloadavg()[0]
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(origin)], env=env, capture_output=True, text=True, check=True)
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    rec.update(process_seconds=round(time.perf_counter() - t, 1), loadavg_start=round(load0, 2),
               loadavg_end=round(os.getloadavg()[0], 2))
    return rec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origin", type=int, default=2016)
    ap.add_argument("--compilers", nargs="+", default=["numba", "jax"])
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "compile.json"))
    args = ap.parse_args(argv)
    records = []
    for comp in args.compilers:
        with tempfile.TemporaryDirectory(prefix="ac-compile-") as cache:
            for state in ("cold", "warm"):
                rec = {"cache": state, "origin": args.origin, **_run(comp, args.origin, cache)}
                print(json.dumps(rec), flush=True)
                records.append(rec)
    out = {"benchmark": "compile", "python": sys.version.split()[0], "platform": platform.platform(),
           "cpu_count": os.cpu_count(), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "records": records}
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

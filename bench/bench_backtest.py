"""Benchmark of the backtest: wall time with 1 and 2 Dask workers, per-fit time, fast vs NUTS.

Usage (from the repository root)::

    .venv/bin/python bench/bench_backtest.py                      # full strict backtest, 1 and 2 workers
    .venv/bin/python bench/bench_backtest.py --origins 2010-2011 --workers 1 2
    .venv/bin/python bench/bench_backtest.py --validate           # fast nutpie vs reference NUTS
    .venv/bin/python bench/bench_backtest.py --from-runs out/strict out/barometer   # record CLI runs

Writes (merging with what is there) ``bench/results/backtest.json``: per run the configuration,
wall seconds, number of workers, number of fits, per-fit seconds (median, mean, max) of the
Bayesian model and of each baseline, and the load average of the machine while it ran (the
2-core benchmark machine is shared; a high load average means the wall times are pessimistic).
``--validate`` fits the registry model (``event_logit``) for a few origins with the fast settings
used for the scores (``analogcast.evaluation.engine.FAST``) and with the reference NUTS settings
(``REFERENCE``: 2 chains x 1,000 draws after 1,000 tuning steps) and reports the mean and maximum
absolute difference of the forecast probabilities and the log-loss of each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results" / "backtest.json"


def _load_results() -> dict:
    if RESULTS.exists():
        return json.loads(RESULTS.read_text())
    return {"machine": {}, "runs": [], "validation": []}


def _save(res: dict) -> None:
    res["machine"] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2, sort_keys=True, default=float) + "\n")


def _fit_stats(tasks: pd.DataFrame) -> dict[str, dict[str, float]]:
    out = {}
    for model, g in tasks.groupby("model"):
        s = g["seconds"].to_numpy(float)
        out[str(model)] = {
            "n_fits": int(s.size),
            "median_s": float(np.median(s)),
            "mean_s": float(s.mean()),
            "max_s": float(s.max()),
            "total_s": float(s.sum()),
        }
    return out


def _years(text: str) -> tuple[int, ...]:
    """``"2005-2020"``, ``"2010,2016"`` or a mix of both."""
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.strip().partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return tuple(out)


def bench_runs(origins: tuple[int, ...], workers: list[int], protocol: str) -> list[dict]:
    """Run the backtest with each number of workers and time it."""
    from analogcast.evaluation.engine import BacktestConfig, run_backtest

    rows = []
    for n in workers:
        load0 = os.getloadavg()[0]
        cfg = BacktestConfig(origins=origins, protocol=protocol, workers=n)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        res = run_backtest(cfg)
        wall = time.perf_counter() - t0
        rows.append(
            {
                "source": "bench_backtest.py",
                "protocol": protocol,
                "origins": [origins[0], origins[-1]],
                "n_origins": len(origins),
                "spaces": list(cfg.spaces),
                "workers": n,
                "fit_threads": cfg.threads_per_fit(),
                "wall_seconds": wall,
                "fits": _fit_stats(res.tasks),
                "loadavg_start_end": [load0, os.getloadavg()[0]],
            }
        )
        print(f"{protocol} {origins[0]}-{origins[-1]} workers={n}: {wall:.0f} s")
    return rows


def record_runs(dirs: list[str], note: str = "") -> list[dict]:
    """Timing of backtests already run with ``analogcast backtest`` (run.json + tasks.csv);
    ``note`` says what each run was (a model variant, the machine's load)."""
    rows = []
    for d in dirs:
        run = json.loads((Path(d) / "run.json").read_text())
        tasks = pd.read_csv(Path(d) / "tasks.csv")
        cfg = run["config"]
        rows.append(
            {
                "source": f"analogcast backtest --out {d}",
                "protocol": cfg["protocol"],
                "origins": [min(cfg["origins"]), max(cfg["origins"])],
                "n_origins": len(cfg["origins"]),
                "spaces": cfg["spaces"],
                "workers": run.get("n_workers"),
                "fit_threads": run.get("fit_threads"),
                "wall_seconds": run["wall_seconds"],
                "model_options": run.get("model_options"),
                "note": note,
                "fits": _fit_stats(tasks),
                "bayes_divergences": {
                    "fits_with_any": int(
                        (tasks.get("divergences", pd.Series(dtype=float)) > 0).sum()
                    ),
                    "total": float(tasks.get("divergences", pd.Series(dtype=float)).sum()),
                },
            }
        )
    return rows


def validate(
    origins: tuple[int, ...], spaces: list[str], protocol: str, seed: int = 1
) -> list[dict]:
    """The registry model's fast backtest settings against reference NUTS, per origin: forecast
    probabilities and pooled log-loss of every space (one joint fit per origin and setting)."""
    from analogcast.data import load_events, load_panel
    from analogcast.evaluation.engine import FAST, REFERENCE, run_model_task
    from analogcast.evaluation.scores import log_loss
    from analogcast.models import get_model

    panel, events = load_panel(), load_events()
    level_prior = get_model("event_logit").options["sigma_year_prior"]
    rows = []
    for t in origins:
        out = {}
        for method in ("nutpie", "nuts"):
            t0 = time.perf_counter()
            fc, info = run_model_task(panel, events, None, t, tuple(spaces), protocol,  # type: ignore[arg-type]
                                      "event_logit", method, seed, threads=2)
            out[method] = (fc, info[0], time.perf_counter() - t0)
        fast, ref = out["nutpie"][0], out["nuts"][0]
        for d, short in (("opening", "up"), ("closing", "down")):
            y = fast[f"y_{d}"].to_numpy(float)
            ok = ~np.isnan(y)
            pf, pr = fast[f"p_{d}"].to_numpy(float), ref[f"p_{d}"].to_numpy(float)
            diff = np.abs(pf - pr)
            row = {
                "origin": t, "spaces": spaces, "direction": d, "protocol": protocol,
                "model": "event_logit", "fast": dict(FAST), "reference": dict(REFERENCE),
                "mean_abs_diff": float(diff.mean()), "max_abs_diff": float(diff.max()),
                "log_loss_fast": log_loss(y[ok], pf[ok]),
                "log_loss_reference": log_loss(y[ok], pr[ok]),
                "seconds_fast": out["nutpie"][2], "seconds_reference": out["nuts"][2],
                "divergences_fast": out["nutpie"][1].get("divergences"),
                "divergences_reference": out["nuts"][1].get("divergences"),
                # each fit's delta-method Monte Carlo SE of this log-loss (every row here)
                "mcse_fast": out["nutpie"][1].get(f"mcse_{short}_all7"),
                "mcse_reference": out["nuts"][1].get(f"mcse_{short}_all7"),
                "model_options": {"sigma_year_prior": level_prior},
                "date": time.strftime("%Y-%m-%d", time.gmtime()),
                "load_average": os.getloadavg()[0],
            }
            rows.append(row)
            print(json.dumps(row, default=float))
    return rows


def main() -> None:
    from analogcast.data import BAROMETER_SPACES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", default="2005-2020")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--protocol", default="strict", choices=("strict", "barometer"))
    ap.add_argument("--validate", action="store_true", help="fast vs reference NUTS on a subset")
    ap.add_argument("--validate-origins", default="2010,2016")
    ap.add_argument("--validate-spaces", default=",".join(BAROMETER_SPACES))
    ap.add_argument("--from-runs", nargs="*", default=None, metavar="DIR")
    ap.add_argument("--note", default="", help="with --from-runs: what the runs were")
    ap.add_argument("--loco", action="store_true", help="analogy prior vs none, LOCO backcasts")
    args = ap.parse_args()
    res = _load_results()
    if args.loco:
        from analogcast.evaluation.loco import run_loco

        t0 = time.perf_counter()
        rows, summary = run_loco()
        res["loco"] = {
            "summary": summary.to_dict(orient="records"),
            "rows": rows.to_dict(orient="records"),
            "seconds": time.perf_counter() - t0,
        }
        print(summary.to_string(index=False))
    elif args.from_runs:
        res["runs"] += record_runs(args.from_runs, args.note)
    elif args.validate:
        res["validation"] += validate(
            _years(args.validate_origins), args.validate_spaces.split(","), args.protocol
        )
    else:
        res["runs"] += bench_runs(_years(args.origins), args.workers, args.protocol)
    _save(res)


if __name__ == "__main__":
    main()

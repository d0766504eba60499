"""Benchmark: load the shipped panel (``analogcast.load_panel()``); target < 0.2 s per warm load.

Usage::

    python bench/bench_data.py [--repeat N] [--out bench/results/data.json]

The first load (cold: files read and decoded) and ``N`` warm loads are timed with wall-clock and
process CPU time, with the machine's load average, since wall time on a busy machine overstates
the cost. Writes ``bench/results/data.json`` (atomically). Moved here from the test suite: speed
targets live in benchmarks, never in timed tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 0.2


def _timed(fn) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="warm loads after the first (cold) one")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "data.json")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    from analogcast._io import atomic_write_json
    from analogcast.data import load_panel

    cold_wall, cold_cpu = _timed(load_panel)
    warm = [_timed(load_panel) for _ in range(args.repeat)]
    walls = [w for w, _ in warm]
    mean_warm = statistics.fmean(walls)
    result = {
        "benchmark": "data.load_panel",
        "cold_wall_s": round(cold_wall, 4),
        "cold_cpu_s": round(cold_cpu, 4),
        "warm_wall_s": [round(w, 4) for w in walls],
        "warm_cpu_s": [round(c, 4) for _, c in warm],
        "warm_mean_wall_s": round(mean_warm, 4),
        "limit_s": LIMIT_S,
        "passed": mean_warm < LIMIT_S,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "niceness": os.nice(0),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    atomic_write_json(args.out, result)
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the main job end to end with its stage profile: ``analogcast run SPEC``.

Runs ``analogcast run`` in a fresh process (imports, compilation, sampling, log densities,
forecasts, the saved run and both reports), then reads the stage timings and convergence
diagnostics the run saved in its ``metadata.json``. The report stage is the wall time left after
the fit and forecasts (the ``run`` command renders HTML and PDF after saving). Records the peak
resident memory of the child process and the machine's load average at start and end (another
process on a shared 2-core machine inflates wall time).

Usage::

    python bench/bench_main_job.py [SPEC] [--seed N ...] [--label after] [--out JSON]

Each ``--seed`` is one run; records are appended to ``--out`` under ``--label`` (records with the
same label are replaced), so ``before`` and ``after`` profiles sit side by side in one file.
Target (issue 15): <= 120 s wall for the whole job from an installed venv.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 120.0


def run_once(spec: Path, seed: int | None, extra: list[str]) -> dict:
    """One ``analogcast run`` in a child process; its stage profile and diagnostics."""
    exe = Path(sys.executable).parent / "analogcast"
    with tempfile.TemporaryDirectory(prefix="bench_main_") as tmp:
        out_dir, rep_dir = Path(tmp) / "run", Path(tmp) / "reports"
        cmd = [str(exe), "run", str(spec), "--out-dir", str(out_dir), "--report-dir", str(rep_dir), "-q"]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        cmd += extra
        load0 = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"analogcast run failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        meta = json.loads((out_dir / "metadata.json").read_text(encoding="utf-8"))
        timings = {k: round(float(v), 2) for k, v in meta.get("timings", {}).items()}
        fit_and_forecast = float(timings.get("total", 0.0)) + float(timings.get("forecast", 0.0))
        reports = sorted(p.name for p in rep_dir.rglob("*") if p.is_file())
    diag = meta.get("diagnostics", {})
    return {
        "seed": seed, "wall_seconds": round(wall, 1),
        "cpu_seconds": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024.0, 0),
        "stages": timings,
        "outside_fit_seconds": round(wall - fit_and_forecast, 1),
        "diagnostics": diag,
        "reports": reports,
        "loadavg_start": round(load0, 2), "loadavg_end": round(os.getloadavg()[0], 2),
        "within_target": wall <= TARGET_S,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", nargs="?", type=Path, default=ROOT / "fits" / "afghanistan.toml")
    ap.add_argument("--seed", type=int, nargs="*", default=[None], help="one run per seed (default: the spec's)")
    ap.add_argument("--label", default="current", help="name of this profile (e.g. before, after)")
    ap.add_argument("--note", default="", help="what this profile measures (code state, load)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "main_job.json")
    ap.add_argument("extra", nargs="*", help="more arguments for analogcast run (after --)")
    args = ap.parse_args(argv)

    from analogcast._io import atomic_write_json

    records = [run_once(args.spec, s, args.extra) for s in args.seed]
    for r in records:
        print(json.dumps(r), flush=True)
    old = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    profiles = {k: v for k, v in old.get("profiles", {}).items() if k != args.label}
    profiles[args.label] = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "note": args.note,
        "spec": str(args.spec.relative_to(ROOT) if args.spec.is_relative_to(ROOT) else args.spec),
        "records": records,
    }
    out = {
        "benchmark": "main_job", "target_wall_seconds": TARGET_S, "python": sys.version.split()[0],
        "platform": platform.platform(), "cpu_count": os.cpu_count(), "profiles": profiles,
    }
    atomic_write_json(args.out, out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

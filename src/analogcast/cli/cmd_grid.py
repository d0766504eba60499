"""``analogcast grid SPEC --set KEY=V1,V2 ... --out DIR``: a grid of independent fits on Dask.

Every cell (the Cartesian product of the ``--set`` values) is the spec with those keys replaced,
validated before any sampling, fitted and saved as a run directory ``DIR/<cell>/``; then
``DIR/grid.csv`` and ``DIR/grid.json`` summarise them (:mod:`analogcast.runs.grid`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analogcast.cli.cmd_fit import _non_negative, _positive, cli_warnings
from analogcast.errors import UserInputError

NAME = "grid"
HELP = (
    "Fit a grid of spec variants (--set KEY=V1,V2, Cartesian product) as independent tasks on "
    "Dask; save each as a run directory and summarise them in grid.csv / grid.json."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the flags of ``analogcast grid``."""
    parser.add_argument(
        "spec", metavar="SPEC", help="base fit specification, e.g. fits/afghanistan.toml"
    )
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        required=True,
        metavar="KEY=V1,V2",
        help="a dotted spec key and its values, e.g. prior=none,priors/afghanistan_saudi_iran.toml, "
        "sampler.draws=200,400 or scenarios.isolation.oda_gni=1,5 (repeat for more axes)",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output directory")
    parser.add_argument(
        "--workers",
        type=_non_negative,
        default=2,
        metavar="N",
        help="LocalCluster workers (one thread each); 0 runs in this process (default 2)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (its workers must "
        "see the spec's prior file and --out); default: start a LocalCluster",
    )
    parser.add_argument(
        "--draws", type=_positive, metavar="N", help="posterior draws per chain, every cell"
    )
    parser.add_argument(
        "--tune", type=_non_negative, metavar="N", help="tuning steps per chain, every cell"
    )
    parser.add_argument(
        "--chains", type=_positive, metavar="N", help="number of chains, every cell"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace existing cell run directories"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress messages, errors only"
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``analogcast grid``."""
    from analogcast._tasks import check_scheduler
    from analogcast.cli._guard import load_spec_checked
    from analogcast.runs.grid import parse_set, run_grid

    grid: dict[str, list[object]] = {}
    for item in args.sets:
        key, values = parse_set(item)
        if key in grid:
            raise UserInputError(f"--set {key} is given twice; list all its values in one --set")
        grid[key] = values
    if args.scheduler is not None:
        check_scheduler(args.scheduler)
    spec = load_spec_checked(args.spec).with_overrides(draws=args.draws, tune=args.tune, chains=args.chains)
    with cli_warnings(args.quiet):
        result = run_grid(
            spec,
            grid,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            overwrite=args.overwrite,
            spec_path=args.spec,
            progress=not args.quiet,
        )
    meta = result.meta
    if not args.quiet:
        bad = [c["name"] for c in meta["cells"] if c["convergence_problems"]]
        if bad:
            print(
                f"analogcast: warning: convergence checks failed for {len(bad)} cell(s): "
                f"{', '.join(bad)} (see grid.json; rerun with more --draws/--tune)",
                file=sys.stderr,
            )
        print(
            f"grid: {len(result.cells)} cells in {result.wall_seconds:.0f} s on "
            f"{meta['workers'] or 'no'} Dask workers; wrote {result.out / 'grid.csv'} and grid.json"
        )
    return 0

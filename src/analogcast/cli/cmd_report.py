"""``analogcast report RUN_DIR``: render a saved run's report as HTML and/or PDF.

The run is loaded with :func:`analogcast.runs.load_run`, which verifies every file's sha256 and
refuses a tampered run (exit 1, one line). Reports are written atomically as
``<out>/<name>.html`` (self-contained: no network requests) and ``<out>/<name>.pdf``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analogcast.errors import UserInputError

NAME = "report"
HELP = "Render a saved run's report (self-contained HTML and/or PDF)."


def _formats(text: str) -> tuple[str, ...]:
    from analogcast.reporting.render import parse_formats

    try:
        return parse_formats(text)
    except UserInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``analogcast report`` arguments."""
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a saved run directory (fits/runs/<name>)")
    parser.add_argument(
        "--format",
        dest="formats",
        metavar="FMT",
        type=_formats,
        default=("html", "pdf"),
        help="comma-separated: html, pdf (default html,pdf)",
    )
    parser.add_argument("--out", metavar="DIR", type=Path, default=Path("reports"), help="output directory (default reports/)")
    parser.add_argument("--name", metavar="NAME", default=None, help="file name stem (default: the run's name)")
    parser.add_argument(
        "--backtest",
        metavar="DIR",
        type=Path,
        default=None,
        help="include backtest skill from an 'analogcast backtest --out DIR' directory (default: RUN_DIR/backtest if present)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Entry point of ``analogcast report``."""
    if not args.run_dir.is_dir():
        raise UserInputError(f"run directory {args.run_dir} does not exist (expected e.g. fits/runs/<name>, written by 'analogcast fit')")
    if args.out.exists() and not args.out.is_dir():
        raise UserInputError(f"--out {args.out} exists and is not a directory")
    if args.backtest is not None and not (args.backtest / "scores.csv").is_file() and not args.backtest.is_file():
        raise UserInputError(f"--backtest {args.backtest}: no scores.csv there (write one with 'analogcast backtest --out DIR')")
    from analogcast.reporting import render_report
    from analogcast.runs import load_run

    run_obj = load_run(args.run_dir)
    outputs = render_report(run_obj, args.out, formats=args.formats, name=args.name, backtest=args.backtest)
    if not args.quiet:
        for out in outputs:
            print(out)
    sys.stdout.flush()
    return 0

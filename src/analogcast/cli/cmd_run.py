"""``analogcast run SPEC``: fit + forecasts + reports in one go (what ``make demo`` runs).

Same options as ``analogcast fit`` plus ``--report-dir`` and ``--report-format``. The report
is rendered from the saved, re-verified run, exactly as ``analogcast report RUN_DIR`` would.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from analogcast.cli.cmd_fit import (
    add_fit_arguments,
    cli_warnings,
    convergence_error,
    fit_and_save,
    preflight_fit,
)
from analogcast.errors import AnalogcastError

NAME = "run"
HELP = "Fit a spec, save the run and render its reports (fit + forecasts + reports)."

_FORMATS = ("html", "pdf")


class ReportError(AnalogcastError):
    """Rendering failed after the run was saved (exit 1, one line naming the saved run)."""


def _formats(text: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(s.strip().lower() for s in text.split(",") if s.strip()))
    bad = [s for s in items if s not in _FORMATS]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"report formats must be a comma-separated subset of {','.join(_FORMATS)}, got '{text}'")
    return items


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``analogcast run`` arguments."""
    add_fit_arguments(parser)
    parser.add_argument("--report-dir", metavar="DIR", type=Path, default=Path("reports"), help="where reports go (default reports/)")
    parser.add_argument("--report-format", metavar="FMT", type=_formats, default=_FORMATS, help="html,pdf (default both)")
    parser.add_argument(
        "--backtest",
        metavar="DIR",
        type=Path,
        default=None,
        help="include backtest skill from an 'analogcast backtest --out DIR' directory (its scores.csv) in the report",
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``analogcast run``."""
    from analogcast.cli.cmd_report import check_report_targets
    from analogcast.evaluation.outputs import read_scores
    from analogcast.reporting import render_report
    from analogcast.runs import load_run

    spec, _ = preflight_fit(args)  # the spec and --out-dir, before any sampling
    check_report_targets(args.report_dir, spec.run_name, args.report_format, flag="--report-dir")
    if args.backtest is not None:
        read_scores(args.backtest)
    with cli_warnings(args.quiet):
        _, path, failure = fit_and_save(args)
        if not args.quiet:
            print(f"analogcast: rendering {', '.join(args.report_format)} report(s) into {args.report_dir}", file=sys.stderr)
        saved = load_run(path)
        try:
            outputs = render_report(saved, args.report_dir, formats=args.report_format, backtest=args.backtest)
        except AnalogcastError:
            raise
        except Exception as exc:  # the fit is saved: say how to retry instead of losing it in a traceback
            if os.environ.get("ANALOGCAST_DEBUG"):
                raise
            raise ReportError(
                f"rendering the report failed ({type(exc).__name__}: {exc}); the run is saved at {path}: "
                f"retry with 'analogcast report {path}' (set ANALOGCAST_DEBUG=1 for the traceback)"
            ) from exc
    if not args.quiet:
        for out in outputs:
            print(out)
        print(path)
    if failure is not None and args.strict:  # reports are rendered first, so they can be inspected
        raise convergence_error(failure)
    return 0

"""``analogcast report RUN_DIR``: render a saved run's report as HTML and/or PDF.

The run is loaded with :func:`analogcast.runs.load_run`, which verifies every file's sha256 and
refuses a tampered run (exit 1, one line naming the file). ``--allow-mismatch`` renders it anyway:
each problem is printed as a warning on stderr and the report opens with a red banner saying the
run failed its integrity check and which files. Reports are written atomically as
``<out>/<name>.html`` (self-contained: no network requests) and ``<out>/<name>.pdf``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from analogcast.cli._guard import raise_if_interrupted
from analogcast.cli.cmd_fit import cli_warnings
from analogcast.errors import DataIntegrityError, UserInputError

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
    parser.add_argument(
        "--allow-mismatch",
        action="store_true",
        help=(
            "load a run whose files don't match their recorded hashes (or whose data changed since the fit), "
            "with a warning; the report then opens with a red banner naming the failed integrity checks"
        ),
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors (integrity warnings are always printed)")


def _load(run_dir: Path, allow_mismatch: bool) -> tuple[object, list[str]]:
    """The run and its integrity problems (empty unless ``allow_mismatch`` let a mismatch through)."""
    from analogcast.runs import load_run, verify_run

    if not allow_mismatch:
        try:
            return load_run(run_dir), []
        except DataIntegrityError as exc:
            try:
                problems = verify_run(run_dir)
            except DataIntegrityError:
                raise exc from None  # not a readable run at all: the loader's own message
            if not problems:
                raise
            more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
            raise DataIntegrityError(
                f"run {run_dir} failed its integrity check: {problems[0]}{more}; "
                "use --allow-mismatch to render it anyway (the report will carry a warning banner)"
            ) from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_obj = load_run(run_dir, allow_mismatch=True)
    problems = []
    suffix = " (loaded anyway: allow_mismatch=True)"
    for w in caught:
        text = str(w.message)
        if text.endswith(suffix):  # load_run's integrity problems: one line each, and into the banner
            problems.append(text.removesuffix(suffix))
            print(f"analogcast report: warning: {problems[-1]}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if problems:
        print(f"analogcast report: warning: rendering run {run_dir} despite {len(problems)} integrity problem(s) (--allow-mismatch)", file=sys.stderr)
    sys.stderr.flush()
    return run_obj, problems


def check_report_targets(out: Path, stem: str, formats: tuple[str, ...] | list[str], flag: str = "--out") -> None:
    """Refuse, before rendering, report files that could not be written (one line each).

    ``out`` must be a writable directory (or creatable), ``stem`` a plain file name, and
    ``<out>/<stem>.<fmt>`` must not be a directory or another non-file.
    """
    from analogcast._io import check_output_dir, check_output_file, short_path

    check_output_dir(out, flag)
    if not stem or "/" in stem or "\x00" in stem or stem.startswith(".") or stem != stem.strip():
        raise UserInputError(f"--name {short_path(stem, 60)!r} is not a plain file name (no '/', no leading '.' or spaces)")
    for fmt in formats:
        target = out / f"{stem}.{fmt}"
        if len(target.name.encode("utf-8", "surrogateescape")) > 255:
            raise UserInputError(f"--name is {len(stem)} characters long; report file names can be at most 255 bytes, choose a shorter --name")
        check_output_file(target, flag)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``analogcast report``."""
    from analogcast._io import short_path

    if not args.run_dir.is_dir():
        raise UserInputError(
            f"run directory {short_path(args.run_dir)} does not exist or is not a directory "
            "(expected e.g. fits/runs/<name>, written by 'analogcast fit')"
        )
    if args.name is not None:
        check_report_targets(args.out, args.name, args.formats)
    else:
        from analogcast._io import check_output_dir

        check_output_dir(args.out, "--out")
    if args.backtest is not None:
        from analogcast.evaluation.outputs import read_scores

        read_scores(args.backtest)
    from analogcast.reporting import build_report_context, render_report
    from analogcast.reporting.render import report_name

    with cli_warnings(args.quiet):  # e.g. extra files in the run: one line each, none under -q
        run_obj, problems = _load(args.run_dir, args.allow_mismatch)
        check_report_targets(args.out, args.name or report_name(run_obj), args.formats)
        ctx = build_report_context(run_obj, backtest=args.backtest, integrity_problems=problems)
        check_report_targets(args.out, args.name or report_name(run_obj, ctx), args.formats)
        raise_if_interrupted()
        outputs = render_report(run_obj, args.out, formats=args.formats, name=args.name, context=ctx)
    if not args.quiet:
        for out in outputs:
            print(out)
    sys.stdout.flush()
    return 0

"""``analogcast fit SPEC``: validate a spec, fit its models, forecast, save a run directory.

Exit codes: 0 ok; 1 bad input (spec, flags, files), one line on stderr; 2 convergence
failure under ``--strict`` (the run is still saved, so it can be inspected).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from analogcast.errors import ConvergenceError

NAME = "fit"
HELP = "Fit a spec (fits/*.toml) and save the run (posterior, forecasts, metadata)."


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by ``fit`` and ``run``."""
    parser.add_argument("spec", metavar="SPEC", help="fit specification, e.g. fits/afghanistan.toml")
    parser.add_argument("--draws", type=_positive, metavar="N", help="posterior draws per chain (overrides [sampler])")
    parser.add_argument("--tune", type=_non_negative, metavar="N", help="tuning steps per chain (overrides [sampler])")
    parser.add_argument("--chains", type=_positive, metavar="N", help="number of chains (overrides [sampler])")
    parser.add_argument("--backend", choices=("nutpie", "pymc"), help="sampler backend (overrides [sampler])")
    parser.add_argument("--seed", type=_non_negative, metavar="N", help="master seed (overrides the spec's seed)")
    parser.add_argument("--out-dir", metavar="DIR", type=Path, help="run directory to write (default fits/runs/<name>)")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing run directory (default: keep it and write <name>-2, <name>-3, ...)",
    )
    parser.add_argument("--posterior-format", choices=("netcdf", "zarr"), default="netcdf", help="posterior file format (default netcdf)")
    parser.add_argument("--strict", action="store_true", help="exit 2 if convergence checks fail (R-hat, ESS, divergences, BFMI)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or messages, errors only")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``analogcast fit`` arguments."""
    add_fit_arguments(parser)


@contextlib.contextmanager
def cli_warnings(quiet: bool) -> Iterator[None]:
    """Show warnings as one ``analogcast: warning:`` line each (none under ``--quiet``)."""

    def show(message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        if not quiet:
            print(f"analogcast: warning: {message}", file=sys.stderr)

    loggers = [logging.getLogger(n) for n in ("pymc", "pytensor", "nutpie")]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("default", UserWarning)
        if quiet:
            warnings.simplefilter("ignore")
            for lg in loggers:
                lg.setLevel(logging.ERROR)
        warnings.showwarning = show
        try:
            yield
        finally:
            for lg, lv in zip(loggers, levels, strict=True):
                lg.setLevel(lv)


def fit_and_save(args: argparse.Namespace) -> tuple[Any, Path, str | None]:
    """Load the spec, fit, forecast and save; return ``(run, run_dir, convergence_failure)``.

    ``convergence_failure`` is a one-line description of failed convergence checks, or
    ``None``; callers raise :func:`convergence_error` for it under ``--strict``. Raises
    ``UserInputError`` for bad input.
    """
    from analogcast.cli._guard import raise_if_interrupted
    from analogcast.runs import run_spec, save_run

    spec, dest = preflight_fit(args)
    progress = not args.quiet
    run = run_spec(
        spec,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        backend=args.backend,
        seed=args.seed,
        progress=progress,
    )
    raise_if_interrupted()  # never save what a Ctrl-C cut short
    path = save_run(
        run,
        dest,
        if_exists="overwrite" if args.overwrite else "suffix",
        posterior_format=args.posterior_format,
        extra_metadata={"command": ["analogcast", *sys.argv[1:]] if sys.argv else [], "spec_file": str(args.spec)},
    )
    if progress:
        if Path(path).absolute() != Path(dest).absolute():
            print(f"analogcast: {dest} already exists; kept it and wrote {path} (use --overwrite to replace)", file=sys.stderr)
        print(f"analogcast: saved run {path} ({run.timings.get('total', 0):.1f} s fit)", file=sys.stderr)
        _print_summary(run)
    problems = run.convergence_problems()
    failure: str | None = None
    if problems:
        failure = f"convergence checks failed for {path}: " + "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        if progress and not args.strict:
            print(f"analogcast: warning: {failure}", file=sys.stderr)
    return run, Path(path), failure


def preflight_fit(args: argparse.Namespace) -> tuple[Any, Path]:
    """Load the spec and check the run directory, before any sampling; return ``(spec, dest)``.

    Raises ``UserInputError`` (one line) for a bad spec or a run directory that could not be
    written (under a file, unwritable, a name clash with ``--overwrite``, a name too long).
    """
    from analogcast.cli._guard import load_spec_checked
    from analogcast.runs import check_run_dir, default_run_dir

    spec = load_spec_checked(args.spec)
    if args.out_dir is not None:
        dest = check_run_dir(args.out_dir, overwrite=args.overwrite, flag="--out-dir")
    else:
        dest = check_run_dir(default_run_dir(spec.run_name), overwrite=args.overwrite, flag="--out-dir (default)")
    return spec, dest


def convergence_error(failure: str) -> ConvergenceError:
    """The ``--strict`` error (exit 2) for a saved run that failed its convergence checks."""
    return ConvergenceError(failure + " (run saved; rerun with more --draws/--tune)")


def _print_summary(run: Any) -> None:
    """A compact forecasts table on stdout: P(opening)/P(closing) per scenario at the last horizon."""
    table = run.table
    try:
        h = int(table["horizon"].max())
        sub = table[table["horizon"] == h]
        wide = sub.pivot(index="space", columns="scenario", values="p_opening")
        wide = wide.reindex(index=list(dict.fromkeys(sub["space"])), columns=list(dict.fromkeys(sub["scenario"])))
    except (KeyError, ValueError):  # a table without the usual columns: print it as is
        print(table.to_string(index=False))
        return
    print(f"P(opening event within {h} years of {run.origin}), {run.target}, posterior mean:")
    print(wide.to_string(float_format=lambda x: f"{x:.2f}"))


def run(args: argparse.Namespace) -> int:
    """Entry point of ``analogcast fit``."""
    with cli_warnings(args.quiet):
        _, path, failure = fit_and_save(args)
    if not args.quiet:
        print(path)
    if failure is not None and args.strict:
        raise convergence_error(failure)
    return 0

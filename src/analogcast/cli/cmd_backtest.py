"""``analogcast backtest``: rolling-origin backtest under the strict or the Barometer's protocol."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from analogcast.cli.cmd_fit import _non_negative, _positive
from analogcast.errors import UserInputError, did_you_mean
from analogcast.models.registry import BACKTEST_MODELS

NAME = "backtest"
HELP = (
    "Rolling-origin backtest of two-year opening/closing forecasts for every country, with "
    "baselines; writes forecasts.csv (Barometer format), scores.csv and reliability plots."
)

# registry models (the forecasting engine) first, then the baselines (evaluation.engine.MODELS)
_MODELS = (*BACKTEST_MODELS, "climatology", "persistence", "gbm")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the flags of ``analogcast backtest``."""
    parser.add_argument(
        "--from-years",
        default="2005-2020",
        metavar="FIRST-LAST",
        help="forecast origins t (forecasts for t+1..t+2), e.g. 2005-2020 or 2010 (default 2005-2020)",
    )
    parser.add_argument(
        "--spaces",
        default="all",
        help="'all' or a comma-separated list of spaces (default all seven)",
    )
    parser.add_argument(
        "--protocol",
        choices=("strict", "barometer"),
        default="strict",
        help="strict: nothing observed after t is used (our skill); barometer: the Barometer's "
        "own window (rows up to t-1, shipped labels), for like-for-like comparison only",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (default: start a LocalCluster)",
    )
    parser.add_argument(
        "--workers",
        type=_non_negative,
        default=2,
        metavar="N",
        help="LocalCluster workers (one thread each); 0 runs in this process (default 2)",
    )
    parser.add_argument(
        "--models",
        default=",".join(_MODELS),
        help=f"comma-separated models, the first is written to forecasts.csv (default {','.join(_MODELS)})",
    )
    parser.add_argument(
        "--method",
        choices=("nutpie", "nuts"),
        default="nutpie",
        help="inference for the registry model: nutpie (short NUTS runs, default) or nuts (long reference runs)",
    )
    parser.add_argument("--seed", type=_non_negative, default=20261126, help="base seed (default 20261126)")
    parser.add_argument(
        "--fit-threads",
        type=_positive,
        default=None,
        metavar="N",
        help="threads per Bayesian fit (its chains in parallel; same forecasts whatever N). "
        "Default: CPUs / local workers, or 1 with --scheduler",
    )


def parse_years(text: str) -> tuple[int, ...]:
    """``"2005-2020"`` -> ``(2005, ..., 2020)``; ``"2010"``; ``"2005,2010,2015-2016"``."""
    years: list[int] = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", part)
        if not m:
            raise UserInputError(
                f"--from-years {text!r}: expected FIRST-LAST such as 2005-2020, one year, "
                "or a comma-separated list of those"
            )
        first = int(m.group(1))
        last = int(m.group(2) or first)
        if last < first:
            raise UserInputError(f"--from-years {text!r}: the last year is before the first")
        years.extend(range(first, last + 1))
    return tuple(sorted(set(years)))


def _parse_list(text: str, choices: tuple[str, ...], flag: str) -> tuple[str, ...]:
    if text.strip().lower() == "all":
        return choices
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise UserInputError(f"{flag} is empty; use 'all' or a comma-separated list")
    for s in items:
        if s not in choices:
            raise UserInputError(
                f"{flag}: unknown value {s!r}; choose from {', '.join(choices)}."
                + did_you_mean(s, choices)
            )
    return tuple(dict.fromkeys(items))


def run(args: argparse.Namespace) -> int:
    """Run the backtest and write its outputs; print a one-screen summary."""
    from analogcast._io import check_output_dir, check_output_file
    from analogcast._tasks import check_scheduler
    from analogcast.data._spaces import SPACES  # the data package (pandas): not at parser build
    from analogcast.evaluation.engine import BacktestConfig, run_backtest
    from analogcast.evaluation.outputs import write_backtest

    origins = parse_years(args.from_years)
    spaces = _parse_list(args.spaces, tuple(SPACES), "--spaces")
    models = _parse_list(args.models, _MODELS, "--models")
    out = check_output_dir(Path(args.out), "--out")
    for name in ("forecasts.csv", "truth.csv", "scores.csv", "tasks.csv", "run.json", *(f"forecasts_{m}.csv" for m in models), *(f"reliability_{m}.png" for m in models)):
        check_output_file(out / name, "--out")
    if args.scheduler is not None:
        check_scheduler(args.scheduler)
    config = BacktestConfig(
        origins=origins,
        spaces=spaces,
        protocol=args.protocol,
        models=models,
        method=args.method,
        workers=args.workers,
        scheduler=args.scheduler,
        seed=args.seed,
        fit_threads=args.fit_threads,
    )
    result = run_backtest(config, progress=True)
    written = write_backtest(result, out)
    from analogcast.evaluation.outputs import scores_table

    sc = scores_table(result.forecasts)
    pooled = sc[sc["space"] == "barometer6"][
        ["model", "direction", "n", "log_loss", "roc_auc", "pr_auc", "ece"]
    ]
    span = (
        f"{origins[0]}-{origins[-1]}"
        if origins == tuple(range(origins[0], origins[-1] + 1))
        else ",".join(map(str, origins))
    )
    print(
        f"backtest ({config.protocol}) origins {span}, {len(spaces)} spaces, "
        f"{result.wall_seconds:.0f} s on {result.meta.get('n_workers') or 'no'} Dask workers, "
        f"{result.meta.get('fit_threads')} thread(s) per fit"
    )
    print(pooled.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {len(written)} files to {out}")
    return 0

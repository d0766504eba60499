"""``analogcast`` command: one sub-command per module ``analogcast.cli.cmd_<name>``.

Each ``cmd_*`` module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Errors that are the user's (:class:`analogcast.errors.AnalogcastError`) print one line to stderr
and exit with their ``exit_code`` (1 for bad input, 2 for convergence failure under ``--strict``);
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from analogcast._version import __version__
from analogcast.errors import AnalogcastError

COMMANDS = ("data", "priors", "fit", "run", "report", "backtest", "grid")


class _Parser(argparse.ArgumentParser):
    """argparse that exits 1 (user error) with one line, as the rest of the CLI does."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(1, f"analogcast: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="analogcast", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"analogcast {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"analogcast.cli.cmd_{name}")
        except ModuleNotFoundError as exc:  # a stage not built yet
            if exc.name != f"analogcast.cli.cmd_{name}":
                raise
            continue
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 1
    try:
        return int(args._run(args) or 0)
    except AnalogcastError as exc:
        print(f"analogcast {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("analogcast: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``analogcast`` command: one sub-command per module ``analogcast.cli.cmd_<name>``.

Each ``cmd_*`` module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Errors that are the user's (:class:`analogcast.errors.AnalogcastError`) print one line to stderr
and exit with their ``exit_code`` (1 for bad input, 2 for convergence failure under ``--strict``);
never a traceback. Anything else that escapes a command (operating-system errors such as a full
disk or a path under a file, input nested too deeply, undecodable text) is also one line naming
the path and a fix, exit 1 (``ANALOGCAST_DEBUG=1`` re-raises it for the traceback). Ctrl-C exits
130 with "interrupted" and a command saves nothing after it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import unicodedata
from collections.abc import Sequence

from analogcast._version import __version__
from analogcast.cli._guard import describe_error, install_signal_handlers, restore_signal_handlers
from analogcast.errors import AnalogcastError

COMMANDS = ("data", "priors", "fit", "run", "report", "backtest", "grid")


class _Parser(argparse.ArgumentParser):
    """argparse that exits 1 (user error) with one line, as the rest of the CLI does."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(1, f"analogcast: error: {_one_line(message)} (see '{_one_line(self.prog)} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="analogcast", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"analogcast {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:  # every command exists: a missing module is a packaging error, not skipped
        mod = importlib.import_module(f"analogcast.cli.cmd_{name}")
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def _one_line(text: str) -> str:
    """``text`` on one line: control, format and line-separator characters shown escaped."""
    out = []
    for ch in str(text):
        if ch in "\n\t" or ch == " ":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch in "\x1c\x1d\x1e\x85":
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii") if ch != "\r" else "\\r")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``analogcast`` command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        print(f"analogcast: error: a command is required: one of {', '.join(COMMANDS)} (see 'analogcast --help')", file=sys.stderr)
        return 1
    previous = install_signal_handlers()
    handler = _progress_handler(quiet=bool(getattr(args, "quiet", False)))
    try:
        return int(args._run(args) or 0)
    except AnalogcastError as exc:
        print(f"analogcast {args.command}: error: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("analogcast: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback (the standard for every error)
        if os.environ.get("ANALOGCAST_DEBUG"):
            raise
        print(f"analogcast {args.command}: error: {_one_line(describe_error(exc))}", file=sys.stderr)
        return 1
    finally:
        restore_signal_handlers(previous)
        logging.getLogger("analogcast").removeHandler(handler)


def _progress_handler(*, quiet: bool) -> logging.Handler:
    """The library reports progress through ``logging`` (loggers ``analogcast.*``); the CLI shows
    it on stderr, one line each (INFO progress; none with -q)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))  # messages carry their prefix
    handler.setLevel(logging.INFO)
    # warnings reach the user once, through the commands' own warning lines (cli_warnings);
    # this handler shows progress only, and nothing under -q
    handler.addFilter(lambda record: not quiet and record.levelno < logging.WARNING)
    root = logging.getLogger("analogcast")
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    return handler


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""What every command shares for failing cleanly: signals, input files, error lines.

* :func:`install_signal_handlers`: Ctrl-C (SIGINT) raises ``KeyboardInterrupt`` and is remembered
  (:func:`interrupted`), so a library that swallows it or returns partial results cannot make a
  command save them; SIGTERM exits through ``finally`` blocks (temporary files removed).
* :func:`check_input_file`: one-line errors for a path that is missing, a directory, a FIFO or
  device, a symbolic-link loop, or unreadable, before any parser sees it.
* :func:`load_spec_checked`: :func:`analogcast.fitting.load_spec` behind those checks, with
  input nested too deeply for the parser reported as such.
* :func:`describe_error`: the one line printed for an exception that is not an
  :class:`~analogcast.errors.AnalogcastError` (operating-system errors, nesting, decoding).
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import threading
from pathlib import Path
from typing import Any

from analogcast._io import short_path
from analogcast.errors import UserInputError, did_you_mean

__all__ = [
    "install_signal_handlers",
    "restore_signal_handlers",
    "interrupted",
    "raise_if_interrupted",
    "check_input_file",
    "load_spec_checked",
    "describe_error",
]

_INTERRUPTED = threading.Event()


def _on_sigint(signum: int, frame: Any) -> None:
    _INTERRUPTED.set()
    raise KeyboardInterrupt


def _on_sigterm(signum: int, frame: Any) -> None:
    _INTERRUPTED.set()
    raise SystemExit(128 + signum)


def install_signal_handlers() -> dict[int, Any]:
    """SIGINT -> remembered ``KeyboardInterrupt``; SIGTERM -> ``SystemExit(143)`` (main thread only).

    Returns the previous handlers, for :func:`restore_signal_handlers`.
    """
    _INTERRUPTED.clear()
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, _on_sigint)
    signal.signal(signal.SIGTERM, _on_sigterm)
    return previous


def restore_signal_handlers(previous: dict[int, Any]) -> None:
    """Put back the handlers :func:`install_signal_handlers` replaced (for in-process callers)."""
    for sig, handler in previous.items():
        if handler is not None:
            signal.signal(sig, handler)


def interrupted() -> bool:
    """True once SIGINT or SIGTERM arrived during this command."""
    return _INTERRUPTED.is_set()


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if the command was interrupted (call before saving anything)."""
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt


def check_input_file(path: str | os.PathLike[str], what: str) -> Path:
    """Refuse an input path that is not a readable regular file, with one line naming it.

    Parameters
    ----------
    path
        The file to read.
    what
        What it is, for the message, e.g. ``"spec file"`` or ``"prior file"``.
    """
    p = Path(path)
    shown = short_path(p)
    if "\x00" in str(p):
        raise UserInputError(f"{what} {shown!r}: the path contains a NUL character")
    try:
        st = p.stat()
    except FileNotFoundError:
        if p.is_symlink():
            raise UserInputError(f"{what} {shown}: a broken symbolic link; point it at a file") from None
        hint = ""
        try:
            if p.parent.is_dir():
                hint = did_you_mean(p.name, [c.name for c in p.parent.iterdir() if c.name != p.name and c.is_file()])
        except OSError:
            hint = ""
        raise UserInputError(f"{what} {shown} not found.{hint}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserInputError(f"{what} {shown}: a symbolic-link loop; point it at a file") from None
        if exc.errno == errno.ENOTDIR:
            raise UserInputError(f"{what} {shown}: a component of the path is a file, not a directory") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise UserInputError(f"{what} {shown}: the path is too long") from None
        raise UserInputError(f"{what} {shown}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserInputError(f"{what} {shown} is a directory; give the file inside it, e.g. {short_path(p / 'NAME.toml')}")
    if not stat.S_ISREG(st.st_mode):
        raise UserInputError(f"{what} {shown} is not a regular file (a FIFO, socket or device); give a file")
    try:
        with open(p, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise UserInputError(f"{what} {shown}: cannot read it ({exc.strerror or exc}); check its permissions") from None
    return p


def load_spec_checked(path: str | os.PathLike[str]) -> Any:
    """:func:`analogcast.fitting.load_spec` after :func:`check_input_file`; nesting too deep is an input error."""
    from analogcast.fitting import load_spec

    check_input_file(path, "spec file")
    try:
        return load_spec(path)
    except RecursionError:
        raise UserInputError(f"spec file {short_path(path)}: nested too deeply to read; a spec needs only a few levels of tables") from None


def describe_error(exc: BaseException) -> str:
    """One line for an exception that escaped a command: what happened, where, what would fix it."""
    if isinstance(exc, OSError):
        where = " ".join(short_path(f) for f in (exc.filename, exc.filename2) if f is not None)
        reason = exc.strerror or str(exc) or type(exc).__name__
        fixes = {
            errno.ENOSPC: "free some disk space or write elsewhere",
            errno.EDQUOT: "free some disk space or write elsewhere",
            errno.EACCES: "check the permissions or choose another location",
            errno.EPERM: "check the permissions or choose another location",
            errno.EROFS: "the file system is read-only: choose another location",
            errno.ENOTDIR: "a component of the path is a file: choose another location",
            errno.EISDIR: "that is a directory: give a file name",
            errno.ENOENT: "check that the path exists",
            errno.ENAMETOOLONG: "choose a shorter name",
            errno.ELOOP: "the path is a symbolic-link loop",
            errno.ECONNREFUSED: "check the address and that the service is running",
        }
        fix = fixes.get(exc.errno or -1, "check the path and try again")
        return f"{reason}{': ' + where if where else ''} ({fix})"
    if isinstance(exc, RecursionError):
        return "an input file is nested too deeply to read (thousands of levels); check the file named on the command line"
    if isinstance(exc, UnicodeDecodeError):
        return f"an input file is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
    if isinstance(exc, MemoryError):
        return "out of memory; ask for fewer draws, paths or cells"
    return f"internal error ({type(exc).__name__}: {short_path(str(exc), 200)}); set ANALOGCAST_DEBUG=1 for the traceback and please report it"

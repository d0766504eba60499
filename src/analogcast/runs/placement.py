"""Placing a run directory safely: a temporary sibling renamed into place, stale temporaries of
interrupted saves tidied up, and the checks :func:`check_run_dir` makes before any sampling.

Used by :mod:`analogcast.runs.store` (see its "Safety" section).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Literal

from analogcast._io import check_output_dir, short_path
from analogcast.errors import UserInputError
from analogcast.runs.metadata import RUN_FORMAT

__all__ = ["IfExists", "SAVE_PAUSE_ENV", "TMP_MARK", "OLD_MARK", "check_run_dir", "clean_stale",
           "fsync_dir", "fsync_file", "is_run", "pause", "place"]

#: environment variable: seconds to pause between save steps (tests only)
SAVE_PAUSE_ENV = "ANALOGCAST_TEST_SAVE_PAUSE"
#: name marks of a save's temporary directory and of a run moved aside by ``--overwrite``
TMP_MARK = ".tmp-"
OLD_MARK = ".old-"

#: what ``save_run`` does when the run directory exists
IfExists = Literal["suffix", "error", "overwrite"]


def fsync_file(path: Path) -> None:
    """Flush ``path``'s contents to disk."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a directory entry (its renames) to disk, where the filesystem allows it."""
    with contextlib.suppress(OSError):  # not every filesystem allows it
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def pause() -> None:
    """Sleep ``$ANALOGCAST_TEST_SAVE_PAUSE`` seconds between save steps (tests that kill a save)."""
    delay = os.environ.get(SAVE_PAUSE_ENV)
    if delay:
        time.sleep(float(delay))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_run(path: Path) -> bool:
    """True if ``path`` holds a finished run's ``metadata.json``."""
    try:
        meta = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(meta, dict) and meta.get("format") == RUN_FORMAT


def clean_stale(dest: Path) -> None:
    """Tidy up after interrupted saves of ``dest`` whose process is gone.

    Temporary directories are removed. A run moved aside by an interrupted ``--overwrite``
    is put back if nothing replaced it, else removed.
    """
    if not dest.parent.is_dir():
        return
    for mark in (OLD_MARK, TMP_MARK):
        for p in sorted(dest.parent.glob(f".{dest.name}{mark}*")):
            pid_text = p.name[len(f".{dest.name}{mark}") :].split("-", 1)[0]
            if not pid_text.isdigit() or _pid_alive(int(pid_text)):
                continue
            if mark == OLD_MARK and not dest.exists() and is_run(p):
                os.rename(p, dest)
            else:
                shutil.rmtree(p, ignore_errors=True)


def place(tmp: Path, dest: Path, if_exists: IfExists) -> Path:
    """Rename ``tmp`` onto ``dest`` (or a suffixed sibling); never merges into an existing run."""
    if if_exists == "overwrite" and dest.exists():
        if not dest.is_dir() or (any(dest.iterdir()) and not is_run(dest)):
            raise UserInputError(f"refusing to replace {dest}: it is not an analogcast run directory")
        old = dest.parent / f".{dest.name}{OLD_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(dest, old)
        try:
            os.rename(tmp, dest)
        except OSError:
            os.rename(old, dest)  # put the old run back
            raise
        shutil.rmtree(old, ignore_errors=True)
        return dest
    candidates = [dest] if if_exists == "error" else [dest, *(dest.with_name(f"{dest.name}-{i}") for i in range(2, 1000))]
    for cand in candidates:
        if cand.exists() and (not cand.is_dir() or any(cand.iterdir())):
            continue
        try:
            os.rename(tmp, cand)  # atomic; fails if cand became a non-empty directory meanwhile
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                continue
            raise
        return cand
    if if_exists == "error":
        raise UserInputError(f"run directory {dest} already exists; pass --overwrite to replace it or --out-dir to choose another")
    raise UserInputError(f"run directory {dest} and its suffixed names -2..-999 all exist; clean up {dest.parent}")


def check_run_dir(path: str | os.PathLike[str], *, overwrite: bool = False, flag: str | None = "--out-dir") -> Path:
    """Refuse, before any sampling, a run directory :func:`save_run` could not write.

    Checks what ``save_run`` needs: a plain name (not starting with '.'), the directory and its
    parent writable and not under a file (:func:`analogcast._io.check_output_dir`), and with
    ``overwrite`` an existing directory that is a run (or empty), never another folder.

    Raises
    ------
    UserInputError
        One line naming ``flag``, the path and the fix.
    """
    dest = Path(path).expanduser()
    label = f"{flag} {short_path(dest)}" if flag else short_path(dest)
    absolute = dest.absolute()
    if absolute == Path(absolute.anchor) or dest.name in ("", ".", ".."):
        raise UserInputError(f"{label}: a run directory needs a name of its own, e.g. {short_path(absolute / 'runs' / 'myrun')}")
    if dest.name.startswith("."):
        raise UserInputError(f"{label}: a run directory name must not start with '.'")
    check_output_dir(dest, flag)
    check_output_dir(absolute.parent, flag)  # the temporary directory and any -2, -3 sibling go there
    if overwrite and dest.is_dir() and any(dest.iterdir()) and not is_run(dest):
        raise UserInputError(f"{label} exists and is not an analogcast run directory; --overwrite replaces only runs, choose another --out-dir")
    return dest

"""Small I/O helpers shared by every stage: hashing, atomic writes, output preflight.

:func:`check_output_dir` and :func:`check_output_file` are the one place every command checks
where it will write (before any sampling or other long work): not under a file, writable, no
clash with an existing file or directory, names the file system accepts. They raise
:class:`~analogcast.errors.UserInputError` with one line naming the flag, the path and the fix.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analogcast.errors import UserInputError

__all__ = [
    "sha256_file",
    "sha256_bytes",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "atomic_path",
    "check_output_dir",
    "check_output_file",
    "clean_stale_temps",
    "short_path",
]

#: Longest file-name component most file systems accept (bytes).
NAME_MAX = 255
#: Longest path Linux accepts (bytes).
PATH_MAX = 4096
#: A temporary file whose writer's pid cannot be read is stale after this many seconds.
_STALE_SECONDS = 600.0


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    A crash or kill while writing leaves ``target`` as it was (absent or the old version).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (temporary name, then rename)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    return atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_json(target: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented, key-sorted JSON to ``target`` atomically."""
    return atomic_write_text(target, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def clean_stale_temps(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files a killed writer of ``target`` left beside it; return them.

    :func:`atomic_path` names its temporary ``.<name>.<pid>-<random>.tmp``; one whose process is
    gone is removed. A temporary without a readable pid (an older format) is removed once it is
    more than ten minutes old. Files that cannot be removed are left alone.
    """
    target = Path(target)
    removed: list[Path] = []
    try:
        candidates = list(target.parent.glob(f".{glob_escape(target.name)}.*.tmp"))
    except OSError:
        return removed
    for tmp in candidates:
        middle = tmp.name[len(target.name) + 2 : -len(".tmp")]
        m = re.fullmatch(r"(\d+)-\w+", middle)
        try:
            if m:
                pid = int(m.group(1))
                if pid == os.getpid() or _pid_alive(pid):
                    continue
            elif time.time() - tmp.lstat().st_mtime < _STALE_SECONDS:
                continue
            if tmp.is_file() and not tmp.is_symlink():
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed


def glob_escape(name: str) -> str:
    """``name`` with the glob metacharacters ``*?[`` escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def short_path(path: str | os.PathLike[str], limit: int = 120) -> str:
    """``path`` as text, its middle elided when longer than ``limit`` characters (for messages)."""
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-(limit // 2) :]}"


def _label(flag: str | None, path: Path) -> str:
    return f"{flag} {short_path(path)}" if flag else short_path(path)


def _check_names(path: Path, label: str) -> None:
    if "\x00" in str(path):
        raise UserInputError(f"{label}: the path contains a NUL character; choose a plain path")
    if len(os.fsencode(str(path.absolute()))) >= PATH_MAX:
        raise UserInputError(f"{label}: the path is longer than the system allows ({PATH_MAX} bytes); choose a shorter one")
    for part in path.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise UserInputError(
                f"{label}: the name '{part[:40]}...' is {len(os.fsencode(part))} bytes long; "
                f"file names can be at most {NAME_MAX} bytes, choose a shorter one"
            )


def _nearest_existing(path: Path, label: str) -> Path:
    """The nearest ancestor of ``path`` (or ``path``) that exists; refuse if it is not a directory."""
    probe = path.absolute()
    chain = [probe, *probe.parents]
    for i, p in enumerate(chain):
        try:
            p.stat()
        except FileNotFoundError:
            if p.is_symlink():
                raise UserInputError(f"{label}: {p} is a broken symbolic link; remove it or choose another location") from None
            continue
        except NotADirectoryError:
            continue  # a component further up is a file: found on a later step
        except OSError as exc:
            raise UserInputError(f"{label}: cannot use {p} ({_reason(exc)}); choose another location") from None
        if i > 0 and not p.is_dir():
            raise UserInputError(f"{label}: {p} is a file, not a directory, so nothing can be written under it; choose another location")
        return p
    return Path(probe.anchor)  # pragma: no cover - the root always exists


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _check_writable(directory: Path, label: str) -> None:
    """Create and remove a probe file in ``directory`` (catches read-only mounts that ``access`` misses)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".analogcast-probe-", dir=directory)
    except OSError as exc:
        hint = "a full disk" if exc.errno == errno.ENOSPC else "permissions"
        raise UserInputError(
            f"{label}: cannot write in {directory} ({_reason(exc)}); check {hint} or choose another location"
        ) from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass


def check_output_dir(path: str | os.PathLike[str], flag: str | None = None) -> Path:
    """Refuse, before any long work, an output directory that could not be written.

    Parameters
    ----------
    path
        The directory a command will create (with its parents) or write into.
    flag
        The command-line flag that named it, e.g. ``"--out-dir"``, for the message.

    Returns
    -------
    pathlib.Path
        ``path``, unchanged.

    Raises
    ------
    UserInputError
        ``path`` exists and is not a directory; an ancestor is a file; the nearest existing
        directory is not writable; a name is too long.
    """
    path = Path(path).expanduser()
    label = _label(flag, path)
    _check_names(path, label)
    existing = _nearest_existing(path, label)
    if existing == path.absolute() and not existing.is_dir():
        raise UserInputError(f"{label} exists and is not a directory; choose a directory")
    _check_writable(existing, label)
    return path


def check_output_file(
    path: str | os.PathLike[str],
    flag: str | None = None,
    *,
    overwrite: bool = True,
    overwrite_flag: str = "--overwrite",
) -> Path:
    """Refuse, before any long work, an output file that could not be written.

    Parameters
    ----------
    path
        The file a command will write (atomically: its directory must be writable).
    flag
        The command-line flag that named it, for the message.
    overwrite
        ``False``: an existing file is refused (the message names ``overwrite_flag``).
    overwrite_flag
        The flag that allows replacing an existing file.

    Raises
    ------
    UserInputError
        ``path`` is a directory or another non-regular file; it exists and ``overwrite`` is
        false; its directory is under a file, not writable; a name is too long.
    """
    path = Path(path).expanduser()
    label = _label(flag, path)
    if not path.name or path.name in (".", ".."):
        raise UserInputError(f"{label}: expected a file name, got a directory; add a file name such as prior.toml")
    _check_names(path, label)
    existing = _nearest_existing(path, label)
    if existing == path.absolute():
        if path.is_dir():
            raise UserInputError(f"{label} is a directory, not a file; remove it or choose another path")
        if not path.is_file():
            raise UserInputError(f"{label} exists and is not a regular file; choose another path")
        if not overwrite:
            raise UserInputError(f"{label} already exists; pass {overwrite_flag} to replace it or choose another path")
        existing = path.absolute().parent
    _check_writable(existing, label)
    return path

"""Locate and read the shipped data files (package resources), turning bad files into clear errors."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from analogcast.errors import DataIntegrityError

__all__ = [
    "data_dir",
    "read_table",
    "read_manifest",
    "cached_manifest",
    "cache_key",
    "file_sha256",
    "MANIFEST_NAME",
]

MANIFEST_NAME = "MANIFEST.json"


def data_dir() -> Path:
    """Folder of the shipped data files (``analogcast/data/files``), via :mod:`importlib.resources`."""
    return Path(str(resources.files("analogcast.data").joinpath("files")))


def _resolve(directory: Path | str | None) -> Path:
    return Path(directory) if directory is not None else data_dir()


def file_sha256(path: Path) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(directory: Path | str | None = None) -> dict[str, Any]:
    """Parse ``MANIFEST.json`` of ``directory`` (default: the package data).

    Raises
    ------
    DataIntegrityError
        If the manifest is missing or not valid JSON with a ``files`` mapping.
    """
    path = _resolve(directory) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataIntegrityError(f"data manifest not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataIntegrityError(f"data manifest {path} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise DataIntegrityError(f"data manifest {path} has no 'files' mapping")
    return manifest


def read_table(
    name: str,
    directory: Path | str | None = None,
    *,
    required: list[str] | tuple[str, ...] = (),
    dtype: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Read one shipped ``.csv.gz`` table.

    Parameters
    ----------
    name
        File name inside the data folder, e.g. ``"spaces.csv.gz"``.
    directory
        Another copy of the data folder (default: the package data).
    required
        Columns that must be present.
    dtype
        Optional pandas dtypes.

    Raises
    ------
    DataIntegrityError
        Naming the file, if it is missing, not gzip, truncated, garbled, or lacks required columns.
    """
    path = _resolve(directory) / name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataIntegrityError(f"data file missing: {path}") from None
    try:
        text = gzip.decompress(raw) if name.endswith(".gz") else raw
        df = pd.read_csv(
            io.BytesIO(text), dtype=dtype, keep_default_na=False, na_values=[""], encoding="utf-8"
        )
    except (
        OSError,
        EOFError,
        zlib.error,
        UnicodeDecodeError,
        ValueError,
        pd.errors.ParserError,
    ) as exc:
        raise DataIntegrityError(f"data file {path} is malformed or truncated ({exc})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataIntegrityError(f"data file {path} lacks column(s) {missing}")
    return df


Stamp = tuple[tuple[str, int, int], ...]


def cache_key(directory: Path | str | None) -> tuple[str | None, Stamp]:
    """Cache key of a data folder: ``(None, ())`` for the package data (read-only, cached for the
    process); for another folder its path plus each file's (name, size, mtime), so an edited copy
    is re-read."""
    if directory is None:
        return None, ()
    folder = Path(directory)
    try:
        stamp = tuple(
            sorted(
                (p.name, p.stat().st_size, p.stat().st_mtime_ns)
                for p in folder.iterdir()
                if p.is_file()
            )
        )
    except OSError:
        stamp = ()
    return str(folder), stamp


@lru_cache(maxsize=8)
def _cached_manifest(directory: str | None, stamp: Stamp) -> dict[str, Any]:
    return read_manifest(directory)


def cached_manifest(directory: Path | str | None = None) -> dict[str, Any]:
    """:func:`read_manifest`, cached per folder version (do not mutate the result)."""
    return _cached_manifest(*cache_key(directory))

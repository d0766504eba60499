"""Provenance of the shipped data: hash checks, ``data_sha256``, citations, coverage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analogcast.data._files import (
    MANIFEST_NAME,
    cached_manifest,
    data_dir,
    file_sha256,
    read_manifest,
)

__all__ = [
    "FileCheck",
    "check_files",
    "data_sha256",
    "citations",
    "licenses",
    "coverage",
    "manifest",
]


@dataclass(frozen=True)
class FileCheck:
    """Result of :func:`check_files`."""

    directory: Path
    ok: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every listed file exists and matches its sha256."""
        return not self.mismatched and not self.missing


def manifest(directory: Path | str | None = None) -> dict:
    """The parsed ``MANIFEST.json`` (a fresh copy)."""
    return read_manifest(directory)


def check_files(directory: Path | str | None = None) -> FileCheck:
    """Verify every file listed in ``MANIFEST.json`` against its recorded sha256.

    Parameters
    ----------
    directory
        A copy of the data folder (default: the package data). Its own ``MANIFEST.json`` is used.

    Returns
    -------
    FileCheck
        Files that match (``ok``), differ (``mismatched``), are absent (``missing``), and files in the
        folder that the manifest does not list (``unlisted``, informational).
    """
    folder = Path(directory) if directory is not None else data_dir()
    m = read_manifest(folder)
    res = FileCheck(directory=folder)
    for name in sorted(m["files"]):
        path = folder / name
        if not path.is_file():
            res.missing.append(name)
        elif file_sha256(path) != m["files"][name].get("sha256"):
            res.mismatched.append(name)
        else:
            res.ok.append(name)
    present = {p.name for p in folder.iterdir() if p.is_file()} - {MANIFEST_NAME}
    res.unlisted.extend(sorted(present - set(m["files"])))
    return res


def data_sha256(directory: Path | str | None = None) -> str:
    """sha256 over the manifest's per-file hashes (``"name sha256\\n"`` lines, sorted by name).

    Stable across machines and installs; changes whenever any shipped file changes. Other stages
    record it for provenance.
    """
    files = cached_manifest(directory)["files"]
    lines = "".join(f"{name} {files[name]['sha256']}\n" for name in sorted(files))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def citations(directory: Path | str | None = None) -> list[str]:
    """Citation strings of every shipped dataset (deduplicated, in manifest order)."""
    out: list[str] = []
    for meta in cached_manifest(directory)["files"].values():
        cites = meta.get("citations") or meta.get("citation") or []
        for text in [cites] if isinstance(cites, str) else cites:
            if text and text not in out:
                out.append(str(text))
    return out


def licenses(directory: Path | str | None = None) -> dict[str, str]:
    """File name -> license statement, from the manifest."""
    return {
        name: str(meta.get("license", ""))
        for name, meta in cached_manifest(directory)["files"].items()
    }


def coverage(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Coverage of every panel variable: non-missing cells, share missing, years and countries with data.

    Returns
    -------
    pandas.DataFrame
        Index: variable; columns ``file``, ``n_values``, ``missing_share`` (over the 172 x 56 grid),
        ``first_year``, ``last_year``, ``countries``.
    """
    from analogcast.data.panel import load_panel

    ds = load_panel(data_dir=data_dir)
    rows = []
    years = ds["year"].values
    for name in ds.data_vars:
        a = ds[name].values
        has = ~np.isnan(a)
        yrs = years[has.any(axis=0)]
        rows.append(
            {
                "variable": name,
                "file": ds[name].attrs.get("file", ""),
                "n_values": int(has.sum()),
                "missing_share": float(1 - has.mean()),
                "first_year": int(yrs.min()) if yrs.size else None,
                "last_year": int(yrs.max()) if yrs.size else None,
                "countries": int(has.any(axis=1).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("variable")

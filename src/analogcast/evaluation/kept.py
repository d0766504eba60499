"""Kept results: evaluation outputs computed once per data hash and shipped as package data.

Some checks depend only on the shipped data (no sampling) but take too long to recompute in every
report: the checks of the aid terms (:mod:`analogcast.evaluation.aid_checks`) and the
leave-one-country-out check of the analogy priors in new regimes
(:func:`analogcast.evaluation.loco.new_regime_loco`). They are kept under
``analogcast/evaluation/files/`` with the sha256 of the data they were computed on; a report
quotes them only when that hash is its run's (``make aid-checks``, ``make loco`` recompute them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["KEPT_DIR", "kept_file", "read_kept", "write_kept"]

#: Where the kept results live inside the package.
KEPT_DIR = "evaluation/files"

_REMAKE = {"aid_checks": "make aid-checks", "loco_new_regime": "make loco"}


def kept_file(name: str) -> Any:
    """The package resource ``evaluation/files/<name>`` (a Traversable)."""
    from importlib.resources import files

    return files("analogcast").joinpath(KEPT_DIR).joinpath(name)


def read_kept(stem: str, data_sha256: str | None) -> tuple[dict[str, Any] | None, str]:
    """The kept ``<stem>.json`` if it was computed on the data with hash ``data_sha256``.

    Returns ``(meta, "")``, or ``(None, reason)`` with one sentence saying why not (for a report).
    """
    remake = _REMAKE.get(stem, "the command that made it")
    try:
        meta = json.loads(kept_file(f"{stem}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, f"The kept {stem.replace('_', ' ')} results are missing from this installation ({remake})."
    if not isinstance(meta, dict):
        return None, f"The kept {stem.replace('_', ' ')} results are damaged ({remake})."
    kept = str(meta.get("data_sha256", ""))
    if not data_sha256 or kept != data_sha256:
        return None, (f"The kept {stem.replace('_', ' ')} results were computed on other data "
                      f"({kept[:12] or 'unknown'}; this run {str(data_sha256 or 'unknown')[:12]}): "
                      f"recompute them with `{remake}`.")
    return meta, ""


def write_kept(stem: str, meta: dict[str, Any], table_csv: str | None = None,
               directory: str | Path | None = None) -> dict[str, Any]:
    """Write ``<stem>.json`` (``meta`` plus the data hash and producer version) and optionally
    ``<stem>.csv``, atomically; ``directory`` defaults to the package's own ``evaluation/files``.
    Returns the JSON contents written."""
    from analogcast._io import atomic_write_json, atomic_write_text
    from analogcast._version import __version__
    from analogcast.data import data_sha256

    out = Path(directory) if directory else Path(__file__).resolve().parent / "files"
    out.mkdir(parents=True, exist_ok=True)
    full = {"analogcast_version": __version__, "data_sha256": data_sha256(), **meta}
    if table_csv is not None:
        atomic_write_text(out / f"{stem}.csv", table_csv)
    atomic_write_json(out / f"{stem}.json", full)
    return full

"""Atomic writes: all or nothing, with the usual file mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from analogcast._io import atomic_path, atomic_write_text, sha256_file


def test_atomic_write_replaces_and_uses_umask_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary left behind


def test_failed_write_leaves_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old")
    before = sha256_file(target)
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed while writing")
    assert sha256_file(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]

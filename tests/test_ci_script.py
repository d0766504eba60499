"""``.ci/run`` refuses to go on under ``CI=true`` when Chromium or pdftotext is missing after its
install attempt (so the browser and PDF-TOC tests cannot skip their way to a green CI)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_ci(tmp_path: Path, ci: str) -> subprocess.CompletedProcess[str]:
    """``.ci/run`` with a PATH holding only bash and dirname: no apt-get, chromium, pdftotext or make."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    return subprocess.run([str(bin_dir / "bash"), str(ROOT / ".ci" / "run")], env={"PATH": str(bin_dir), "CI": ci},
                          capture_output=True, text=True, timeout=60)


def test_ci_fails_without_chromium_and_pdftotext(tmp_path: Path) -> None:
    proc = _run_ci(tmp_path, "true")
    assert proc.returncode == 1, proc.stderr
    assert "missing after the install attempt: chromium pdftotext" in proc.stderr
    assert "command not found" not in proc.stderr  # it stopped there, before `make`


def test_outside_ci_it_warns_and_goes_on(tmp_path: Path) -> None:
    proc = _run_ci(tmp_path, "false")
    assert "warning: missing chromium pdftotext" in proc.stderr
    assert proc.returncode == 127 and "make" in proc.stderr  # went on to `make` (absent from this PATH)

"""``.ci/run`` refuses to go on under ``CI=true`` when Chromium or pdftotext is missing after its
install attempt (so the browser and PDF-TOC tests cannot skip their way to a green CI).

Each tool is checked on its own (a PATH holding a stand-in for one of them), ``CI`` unset counts
as ``CI=true``, and ``tests/external_tools.require_program`` fails under CI and skips otherwise."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_ci(tmp_path: Path, ci: str | None, present: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``.ci/run`` with a PATH holding only bash, dirname and stand-ins for the tools in
    ``present``: no apt-get or make. ``ci=None`` leaves ``CI`` unset."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for tool in present:  # found by `command -v`, never run before the check
        stub = bin_dir / tool
        stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        stub.chmod(0o755)
    env = {"PATH": str(bin_dir)} | ({} if ci is None else {"CI": ci})
    return subprocess.run([str(bin_dir / "bash"), str(ROOT / ".ci" / "run")], env=env,
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


@pytest.mark.parametrize("present,missing", [(("chromium",), "pdftotext"), (("pdftotext",), "chromium")])
def test_ci_fails_when_either_tool_is_missing(tmp_path: Path, present: tuple[str, ...], missing: str) -> None:
    """A failed poppler install with Chromium present (or the reverse) stops CI too."""
    proc = _run_ci(tmp_path, "true", present)
    assert proc.returncode == 1, proc.stderr
    assert f"missing after the install attempt: {missing} (" in proc.stderr


def test_ci_unset_counts_as_ci(tmp_path: Path) -> None:
    """``.ci/run`` sets CI=true unless the caller set CI, so a bare run is strict too."""
    proc = _run_ci(tmp_path, None)
    assert proc.returncode == 1, proc.stderr
    assert "missing after the install attempt: chromium pdftotext" in proc.stderr


def test_require_program_fails_under_ci_and_skips_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    from external_tools import require_program

    assert require_program("/usr/bin/x", "x", "apt-get install x") == "/usr/bin/x"
    for ci, outcome, words in (("true", pytest.fail.Exception, "CI=true requires it"),
                               ("false", pytest.skip.Exception, "pdftotext not installed")):
        monkeypatch.setenv("CI", ci)
        # catch every outcome (a skip raised here must not skip this test)
        with pytest.raises(BaseException) as info:  # noqa: B017
            require_program(None, "pdftotext", "apt-get install poppler-utils")
        assert type(info.value) is outcome and words in str(info.value), (ci, info.value)

"""``analogcast report --allow-mismatch``: a tampered run is refused (exit 1, one line naming the
file and the flag) unless the flag is given; then it renders, warns on stderr and the report opens
with a red integrity banner naming the file.

Uses the session's real saved run (conftest ``tiny_run_dir``), copied before it is tampered with.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analogcast.cli.main import main


@pytest.fixture(scope="module")
def saved(tiny_run_dir: Path) -> Path:
    return tiny_run_dir


def _tamper(saved: Path, dest: Path) -> Path:
    shutil.copytree(saved, dest)
    csv = dest / "forecasts.csv"
    data = bytearray(csv.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")  # a digit of the last probability
    csv.write_bytes(bytes(data))
    return dest


def test_tampered_run_is_refused_with_a_hint(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _tamper(saved, tmp_path / "tampered")
    code = main(["report", str(bad), "--format", "html", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1, err
    assert err[0].startswith("analogcast report: error:")
    assert "forecasts.csv" in err[0] and "--allow-mismatch" in err[0]
    assert "Traceback" not in err[0]
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_allow_mismatch_renders_with_a_red_banner(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _tamper(saved, tmp_path / "tampered")
    out = tmp_path / "r"
    code = main(["report", str(bad), "--format", "html", "--out", str(out), "--allow-mismatch", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0
    # the warning is never silent, even with --quiet
    warn = [line for line in captured.err.splitlines() if line.startswith("analogcast report: warning:")]
    assert any("forecasts.csv" in line for line in warn), captured.err
    html = (out / "tiny.html").read_text(encoding="utf-8")
    assert 'id="integrity-banner"' in html
    banner = html.split('id="integrity-banner"', 1)[1].split("</div>", 1)[0]
    assert "failed its integrity check" in banner and "forecasts.csv" in banner
    # at the top: before the contents and every section
    assert html.index('id="integrity-banner"') < html.index('class="toc"')
    assert '<div class="banner banner-fail" role="alert" id="integrity-banner">' in html  # the diagnostics banner's red style


def test_intact_run_has_no_integrity_banner(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r"
    assert main(["report", str(saved), "--format", "html", "--out", str(out), "--allow-mismatch", "--quiet"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert 'id="integrity-banner"' not in (out / "tiny.html").read_text(encoding="utf-8")

"""``analogcast report`` on a REAL tiny run: fit (2 spaces, 2 scenarios, 2 x 50 draws), save, report.

Marked ``slow``: even 2 x 50 draws take a few minutes to compile and sample. Checks the CLI contract (exit 0, both files; a tampered run is refused with exit 1 and one line),
that the narrative quotes the table of a real run, and that user strings from the spec file are
escaped. Skips with a message while the fitting/scenario stages are not importable.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

# a real fit takes minutes (compilation, data preparation): the slow tier (`make test-slow`)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
XSS = "<script>alert(1)</script>"

SPEC = f'''
title = "Tiny report test {XSS}"
name = "tiny"
target = "AFG"
origin = 2023
spaces = ["associational", "electoral"]
horizons = [2, 5]
level = 0.89
seed = 11

[model]
names = ["event_logit"]

[prior]
file = "{ROOT / "priors" / "afghanistan_saudi_iran.toml"}"

[sampler]
draws = 50
tune = 50
chains = 2

[[scenarios]]
name = "status_quo"
label = "Status quo {XSS}"
note = "Aid as now {XSS}"
oda_gni = 15.0
alt_patrons = 1
sanctions = 13

[[scenarios]]
name = "isolation"
label = "Isolation"
note = "No aid."
oda_gni = 0.0
alt_patrons = 0
sanctions = 13
'''


def _stages_ready() -> str | None:
    # through the packages' public names (importing a submodule such as
    # analogcast.scenarios.engine directly would shadow the lazy function of the same name)
    for pkg, name in (("analogcast.scenarios", "forecast"), ("analogcast.runs", "save_run"), ("analogcast.fitting", "fit")):
        try:
            getattr(importlib.import_module(pkg), name)
        except (ImportError, AttributeError) as exc:
            return f"{pkg}.{name} not available yet ({exc})"
    return None


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    why = _stages_ready()
    if why:
        pytest.skip(f"needs a real run: {why}")
    from analogcast.fitting import load_spec
    from analogcast.runs import run_spec, save_run

    d = tmp_path_factory.mktemp("tiny")
    spec_path = d / "tiny.toml"
    spec_path.write_text(SPEC, encoding="utf-8")
    run = run_spec(load_spec(spec_path), draws=50, tune=50, chains=2, progress=False)
    return Path(save_run(run, d / "runs" / "tiny"))


def test_cli_report_from_a_saved_run(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from analogcast.cli.main import main

    out = tmp_path / "reports"
    assert main(["report", str(run_dir), "--format", "html,pdf", "--out", str(out)]) == 0
    html, pdf = out / "tiny.html", out / "tiny.pdf"
    assert html.is_file() and pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    text = html.read_text(encoding="utf-8")
    assert XSS not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in text.lower()
    # narrative numbers equal their table cells (the synthetic-run test's parser)
    from test_report import _parse

    doc = _parse(text)
    assert doc.narrative
    for key, val in doc.narrative:
        assert doc.cells.get(key) == val, key
    printed = capsys.readouterr().out.split()
    assert str(html) in printed and str(pdf) in printed


def test_cli_report_refuses_a_tampered_run(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from analogcast.cli.main import main

    bad = tmp_path / "tampered"
    shutil.copytree(run_dir, bad)
    csv = bad / "forecasts.csv"
    data = bytearray(csv.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")
    csv.write_bytes(bytes(data))
    code = main(["report", str(bad), "--format", "html", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("analogcast report: error:")
    assert not (tmp_path / "r" / "tiny.html").exists()

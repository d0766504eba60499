"""The report of a REAL run (the session's ``tiny_run``: a fitted, saved and reloaded run), rendered
through ``analogcast report``: every number in the executive summary is the text of the table cell
it quotes, and every forecast and P(A > B) cell is the value in the run's ``forecasts.csv`` /
``contrasts.csv`` (parsed back from the HTML; ``tests/report_check.py``)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd
import pytest

from analogcast.cli.main import main
from report_check import check_report, parse_report


@pytest.fixture(scope="module")
def html(tiny_run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("real_report")
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["report", str(tiny_run_dir), "--format", "html", "--out", str(out), "--name", "tiny"])
    assert code == 0, err.getvalue()
    return (out / "tiny.html").read_text(encoding="utf-8")


def test_summary_table_and_csv_agree(html: str, tiny_run_dir: Path) -> None:
    n = check_report(html, tiny_run_dir)
    fc = pd.read_csv(tiny_run_dir / "forecasts.csv")
    # every row and direction of forecasts.csv was found and compared, and the summary quoted
    # at least one 5-year probability per scenario plus the contrast sentence's P(A > B)
    assert n["forecast_cells"] >= 2 * len(fc) == 2 * 2 * 1 * 2
    assert n["narrative"] >= 2 + 1 and n["contrast_cells"] >= 1


def test_the_check_catches_a_wrong_number(html: str, tiny_run_dir: Path, tmp_path: Path) -> None:
    """The checker is not vacuous: the same report against a forecasts.csv whose values moved by
    two percentage points, or whose interval is the 95% one, is refused."""
    fc = pd.read_csv(tiny_run_dir / "forecasts.csv")
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "contrasts.csv").write_bytes((tiny_run_dir / "contrasts.csv").read_bytes())
    fc.assign(p_opening=fc["p_opening"] + 0.02).to_csv(moved / "forecasts.csv", index=False)
    with pytest.raises(AssertionError, match="mean printed"):
        check_report(html, moved)
    from analogcast.runs import load_run
    from analogcast.scenarios import forecasts_table

    wide = forecasts_table(load_run(tiny_run_dir).forecasts, level=0.95)
    wide.to_csv(moved / "forecasts.csv", index=False)
    with pytest.raises(AssertionError, match="(low|high) printed"):
        check_report(html, moved)


def test_user_strings_of_a_real_run_are_escaped(html: str) -> None:
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert parse_report(html).cells  # and the escaped labels did not break the table parsing


def test_cases_like_this_one_with_the_kept_backtest(tiny_run_dir: Path, tmp_path: Path) -> None:
    """With a backtest attached, section 8 scores it on the target's classes and the summary
    carries the caution when the class's forecasts erred in one direction (here the kept strict
    backtest's openings, over-forecast for Afghanistan's class), with the table's numbers."""
    import json
    import shutil

    from analogcast.data.provenance import data_sha256

    kept = Path(__file__).resolve().parents[1] / "reports" / "backtest" / "strict"
    bt = tmp_path / "bt"
    bt.mkdir()
    for name in ("forecasts.csv", "scores.csv"):
        shutil.copy(kept / name, bt / name)
    info = json.loads((kept / "run.json").read_text(encoding="utf-8"))
    info["data_sha256"] = data_sha256()  # the tiny run's data are the shipped data
    (bt / "run.json").write_text(json.dumps(info), encoding="utf-8")
    out = tmp_path / "rep"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["report", str(tiny_run_dir), "--format", "html", "--out", str(out),
                     "--name", "t", "--backtest", str(bt)])
    assert code == 0
    html = (out / "t.html").read_text(encoding="utf-8")
    assert "Cases like this one" in html and 'id="class-skill-table"' in html
    body = html.split('id="sec-class-skill"')[1]
    assert "were too high for such cases" in body
    summary = html.split('id="sec-backtest"')[0]
    assert "forecasts for cases like" in summary  # the executive summary's caution

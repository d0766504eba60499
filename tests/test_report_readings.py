"""The report's "two models, one story" subsection (``analogcast.reporting.readings``) and the
level-matched history it quotes (``analogcast.evaluation.level_history``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analogcast.evaluation.level_history import LevelHistory, level_matched_history
from analogcast.reporting.readings import GAP_PP, event_model_skill, readings_section

SPACES = ["women", "economic"]
SCEN = [{"name": "a", "label": "A"}, {"name": "b", "label": "B"}]


def _fc(p_event: dict[str, float], p_traj: dict[str, float], move: float = 0.006) -> xr.Dataset:
    """Forecasts with constant per-space probabilities (both directions) and index paths that
    move by exactly ``move`` in the second year."""
    draws = 4
    shape = (len(SCEN), len(SPACES), 2, 1, draws)
    dims = ("scenario", "space", "horizon", "chain", "draw")

    def arr(p: dict[str, float]) -> np.ndarray:
        a = np.empty(shape)
        for i, sp in enumerate(SPACES):
            a[:, i] = p[sp]
        return a

    idx = np.empty((len(SCEN), len(SPACES), 3, 1, draws))
    origin = np.array([0.01, 0.5])
    for i in range(len(SPACES)):
        idx[:, i] = origin[i] + move
    return xr.Dataset(
        {"p_opening": (dims, arr(p_event)), "p_closing": (dims, arr(p_event)),
         "p_opening_traj": (dims, arr(p_traj)), "p_closing_traj": (dims, arr(p_traj)),
         "index": (("scenario", "space", "year", "chain", "draw"), idx),
         "index_origin": (("space",), origin)},
        coords={"scenario": [s["name"] for s in SCEN], "space": SPACES, "horizon": [2, 5],
                "year": [2024, 2025, 2026]})


def _hist(sp: str, p: float) -> LevelHistory:
    return LevelHistory(space=sp, level=0.01, n=200, low=0.0, high=0.05, first_year=1970,
                        last_year=2017, p_opening={2: p, 5: p}, p_closing={2: p, 5: p})


def test_every_gap_above_the_threshold_gets_one_sentence_and_none_below() -> None:
    fc = _fc({"women": 0.70, "economic": 0.40}, {"women": 0.05, "economic": 0.40 - GAP_PP / 100 + 0.01})
    hist = {"women": _hist("women", 0.20), "economic": _hist("economic", 0.30)}
    r = readings_section(fc, SCEN, SPACES, [2, 5], {"women": 0.03, "economic": 0.03},
                         history=hist, target_name="Afghanistan")
    assert r is not None
    # women: 65 points in 2 directions x 2 horizons; economic: 14 points, under the threshold
    assert len(r.gaps) == 4
    assert all(g.startswith("Women's space") for g in r.gaps)
    g = r.gaps[0]
    assert "the event model gives 70%, the trajectory model 5%" in g
    assert "20% saw an opening within 2 years, closer to the trajectory model" in g
    assert "median 0.006 in two years, against the 0.03 that an event needs" in g
    women_rows = [row for row in r.table.rows if row[0] == "Women's"]
    assert [row[-1] for row in women_rows] == ["+65"] * 4
    assert women_rows[0][3:6] == ["70%", "5%", "20%"]


def test_history_closer_to_the_event_model_is_said_so() -> None:
    fc = _fc({"women": 0.30, "economic": 0.3}, {"women": 0.02, "economic": 0.3})
    r = readings_section(fc, SCEN, ["women"], [2], {"women": 0.03}, history={"women": _hist("women", 0.25)})
    assert r is not None and len(r.gaps) == 2
    assert "closer to the event model" in r.gaps[0]


def test_without_history_the_table_says_why() -> None:
    fc = _fc({"women": 0.5, "economic": 0.5}, {"women": 0.5, "economic": 0.5})
    r = readings_section(fc, SCEN, SPACES, [2], {"women": 0.03, "economic": 0.03}, history=None,
                         history_note="History is not shown: other data.")
    assert r is not None and not r.gaps
    assert {row[5] for row in r.table.rows} == {"n/a"}
    assert r.table.note.endswith("History is not shown: other data.")


def test_a_run_without_the_trajectory_reading_has_no_section() -> None:
    fc = _fc({"women": 0.5, "economic": 0.5}, {"women": 0.5, "economic": 0.5}).drop_vars("p_opening_traj")
    assert readings_section(fc, SCEN, SPACES, [2], {"women": 0.03, "economic": 0.03}, history=None) is None


def test_skill_clause_reads_the_strict_pooled_rows_of_the_model() -> None:
    df = pd.DataFrame({"protocol": ["strict"] * 4, "model": ["event_logit"] * 2 + ["gbm"] * 2,
                       "space": ["barometer6"] * 4, "direction": ["up", "down"] * 2,
                       "n": [100] * 4, "log_loss": [0.2981, 0.3549, 0.1, 0.1]})
    got = event_model_skill(df)
    assert "0.298 for openings and 0.355 for closings over 100 country-years" in got
    assert event_model_skill(df[df["model"] == "gbm"]) == ""
    assert event_model_skill(None) == ""


def test_level_matched_history_counts_what_followed_by_hand() -> None:
    """Four countries on a 10-year panel: the nearest-by-level rows and their outcome windows,
    counted by hand."""
    years = np.arange(2000, 2010)
    value = np.array([[0.01] * 10, [0.02] * 10, [0.5] * 10, [0.011] * 10])
    opening = np.zeros((4, 10))
    closing = np.zeros((4, 10))
    opening[0, 3] = 1.0          # country 0: an opening in 2003
    closing[1, 8] = 1.0          # country 1: a closing in 2008
    value[1, 9] = np.nan         # country 1's 2009 is not observed
    ev = xr.Dataset(
        {k: (("country", "year", "space"), v[..., None]) for k, v in
         {"value": value, "opening": opening, "closing": closing}.items()},
        coords={"country": ["A", "B", "C", "T"], "year": years, "space": ["women"]})
    # horizon 2: origins 2000..2007 are eligible for A and C; B only where 2009 is not needed
    r = level_matched_history(ev, "women", 0.01, [1, 2], [0.005], k=8, exclude="T")
    assert r.n == 8 and r.low == r.high == 0.01   # the eight rows of A (2000-2007)
    # A's opening in 2003 follows origins 2001 and 2002 within 2 years, 2002 within 1
    assert r.p_opening == {1: pytest.approx(1 / 8), 2: pytest.approx(2 / 8)}
    assert r.p_closing == {1: 0.0, 2: 0.0}
    assert r.p_rise[(2, 0.005)] == 0.0
    wide = level_matched_history(ev, "women", 0.01, [2], k=15, exclude="T")
    # 8 rows of A, then B's eligible origins 2000-2006 (2007 needs 2009): its closing in 2008
    # follows origins 2006 and 2007 -> only 2006 is eligible
    assert wide.n == 15 and wide.p_closing[2] == pytest.approx(1 / 15)


def test_report_renders_the_subsection_with_the_runs_numbers(tiny_paths_run) -> None:
    """A real run with both readings: the rendered table's event and trajectory cells are the
    ranges over scenarios of the run's own posterior means; history is shown for the shipped
    data, and a run whose data hash is not the shipped data's says why it is missing."""
    import dataclasses
    import html as html_lib
    import re

    from analogcast.reporting import build_report_context, render_html
    from analogcast.reporting.readings import _fmt_range

    run = tiny_paths_run
    fc = run.forecasts

    def first_row(r) -> tuple[list[str], str, list[int]]:
        ctx = build_report_context(r, with_figures=False)
        assert ctx.readings is not None
        page = render_html(ctx)
        block = page[page.index('id="table-readings"'): page.index("</table>", page.index('id="table-readings"'))]
        cells = [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", block, flags=re.S)]
        return cells[:7], page, list(ctx.horizons)

    first, page, horizons = first_row(run)
    sp, h = str(fc["space"].values[0]), horizons[0]
    m = fc["p_opening"].sel(space=sp, horizon=h).mean(("chain", "draw"))
    t = fc["p_opening_traj"].sel(space=sp, horizon=h).mean(("chain", "draw"))
    assert first[3] == _fmt_range(float(m.min()), float(m.max()))
    assert first[4] == _fmt_range(float(t.min()), float(t.max()))
    assert first[5] != "n/a" and "History is not shown" not in page
    other = dataclasses.replace(run, result=dataclasses.replace(
        run.result, provenance={**run.result.provenance, "data_sha256": "0" * 64}))
    first, page, _ = first_row(other)
    assert first[5] == "n/a"
    assert "History is not shown" in page


def test_summary_caution_names_the_largest_excess_over_history() -> None:
    from analogcast.reporting.readings import history_caution

    fc = _fc({"women": 0.70, "economic": 0.30}, {"women": 0.05, "economic": 0.30})
    hist = {"women": _hist("women", 0.20), "economic": _hist("economic", 0.25)}
    r = readings_section(fc, SCEN, SPACES, [2, 5], {"women": 0.03, "economic": 0.03}, history=hist)
    text = history_caution(r, 5, "Afghanistan")
    assert "for 1 space," in text and "Women's space, openings, 70% against 20%" in text
    # economic is 5 points above history: no caution for it; none at all when history agrees
    calm = readings_section(_fc({"women": 0.3, "economic": 0.3}, {"women": 0.3, "economic": 0.3}),
                            SCEN, SPACES, [5], {"women": 0.03, "economic": 0.03}, history=hist)
    assert history_caution(calm, 5, "Afghanistan") == ""
    assert history_caution(None, 5, "Afghanistan") == ""


def test_summary_caution_names_only_the_directions_above_history() -> None:
    from analogcast.reporting.readings import history_caution

    fc = _fc({"women": 0.70, "economic": 0.30}, {"women": 0.05, "economic": 0.30})
    fc["p_closing"] = fc["p_closing"] * 0 + 0.01
    hist = {"women": _hist("women", 0.20), "economic": _hist("economic", 0.25)}
    r = readings_section(fc, SCEN, SPACES, [5], {"women": 0.03, "economic": 0.03}, history=hist)
    text = history_caution(r, 5, "Afghanistan")
    assert text.startswith("History is less hopeful than the event model")
    assert "probability of an opening within 5 years" in text


def test_rise_history_sentence_spans_the_spaces() -> None:
    from analogcast.reporting.readings import rise_history_sentence

    a = LevelHistory(space="women", level=0.01, n=200, low=0.0, high=0.05, first_year=1970,
                     last_year=2017, p_rise={(5, 0.05): 0.19})
    b = LevelHistory(space="economic", level=0.5, n=200, low=0.4, high=0.6, first_year=1970,
                     last_year=2017, p_rise={(5, 0.05): 0.14})
    text = rise_history_sentence({"women": a, "economic": b}, SPACES, 5, 0.05, "Afghanistan")
    assert "14% (Economic space) to 19% (Women's space) had an index at least 0.05 higher 5 years later" in text
    assert rise_history_sentence({"women": a}, ["women"], 2, 0.05, "Afghanistan") == ""
    assert rise_history_sentence(None, SPACES, 5, 0.05, "Afghanistan") == ""

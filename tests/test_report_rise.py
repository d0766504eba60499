"""The report's trajectory-model subsections: incremental liberalization and women's legal rights (WBL).

Runs are REAL: ``tiny_paths_run`` (conftest: both registry models fitted on one space, 2 x 60
draws), ``tiny_run`` (``event_logit`` only), and, where a state is needed that no small fit is in,
a ``Run`` of the real classes with one field changed (no WBL outputs; the WBL series cut a year).
Expected numbers are recomputed here from the run's draws.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from analogcast.data import load_panel
from analogcast.reporting import build_report_context, render_html
from analogcast.reporting.outcomes import paths_not_fitted
from analogcast.reporting.tables import fmt_delta, fmt_interval, fmt_score, fmt_score_interval
from analogcast.runs import Run
from conftest import XSS


class _Tables(HTMLParser):
    """Collects ``{table id: [[cell text, ...], ...]}``, keyed cells ``{data-key: text}`` and element ids."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.keyed: dict[str, str] = {}
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "table":
            self._table = a.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell, self._key = [], a.get("data-key")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            text = re.sub(r"\s+", " ", "".join(self._cell)).strip()
            self.tables[self._table][-1].append(text)
            if self._key:
                self.keyed[self._key] = text
            self._cell = self._key = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parse(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def run(tiny_paths_run) -> Run:
    return tiny_paths_run


def _with_data(run: Run, name: str, **changes: object) -> Run:
    """``run`` whose model ``name``'s (real, frozen) ``ModelData`` has fields replaced."""
    data = {**run.data, name: dataclasses.replace(run.data[name], **changes)}
    return dataclasses.replace(run, result=dataclasses.replace(run.result, data=data))


@pytest.fixture(scope="module")
def ctx(run):
    return build_report_context(run, with_figures=False)


@pytest.fixture(scope="module")
def html(ctx) -> str:
    return render_html(ctx)


def test_the_run_has_trajectory_outputs(run) -> None:
    fc = run.forecasts
    for v in ("p_rise", "wbl", "wbl_origin", "p_wbl_rise"):
        assert v in fc, v
    assert set(fc["p_rise"].dims) == {"chain", "draw", "scenario", "space", "horizon", "delta"}
    assert set(fc["wbl"].dims) == {"chain", "draw", "scenario", "year"}
    assert set(fc["p_wbl_rise"].dims) == {"chain", "draw", "scenario", "horizon", "delta"}
    assert float(fc["p_rise"].min()) >= 0 and float(fc["p_rise"].max()) <= 1


def test_rise_and_wbl_subsections_are_shown(html: str, ctx, run) -> None:
    doc = _parse(html)
    assert "Incremental liberalization" in html
    assert "<h3>Women's legal rights (World Bank WBL index)</h3>" in html
    assert {"sub-rise", "sub-wbl", "table-wbl", "rise-sentence"} <= doc.ids
    assert "trajectory-not-fitted" not in doc.ids
    # one table per main horizon and delta
    deltas = [float(d) for d in run.forecasts["delta"].values]
    assert [t.id for t in ctx.rise_tables] == [
        f"table-rise-{h}-{fmt_delta(d).replace('.', 'p')}" for d in deltas for h in ctx.horizons
    ]
    # the subsection comes after the fan charts, inside the scenario-forecasts section
    i_fore, i_rise, i_ana = html.index('id="sec-forecasts"'), html.index('id="sub-rise"'), html.index('id="sec-analogies"')
    assert i_fore < i_rise < html.index('id="sub-wbl"') < i_ana
    # the delta sentence explains the 0-1 scale; the WBL caveat reads the data's last year
    assert "runs from 0 to 1" in ctx.rise_text
    assert "laws on the books" in ctx.wbl_text and "not how they are applied" in ctx.wbl_text
    wbl = load_panel(countries=[run.target])["wbl_index"].sel(country=run.target).dropna("year")
    last = int(wbl["year"].max())
    assert f"ends in {last}" in ctx.wbl_text
    # the year is read from the data, not the origin (in the shipped data both are 2023): cut the
    # target's last WBL value from the path model's data and the sentence moves with it
    cut_run = run
    for name in [m for m in run.models if "wbl_index" in run.data[m].target_history]:
        th = run.data[name].target_history.copy(deep=True)
        th["wbl_index"].loc[{"year": last}] = np.nan
        cut_run = _with_data(cut_run, name, target_history=th)
    cut = build_report_context(cut_run, with_figures=False)
    before = int(wbl["year"].sel(year=slice(None, last - 1)).max())
    assert f"ends in {before}" in cut.wbl_text and f"ends in {last}" not in cut.wbl_text


def test_rise_numbers_come_from_rise_table(html: str, ctx, run) -> None:
    """Every rise cell is the mean and equal-tailed interval of the run's ``p_rise`` draws,
    formatted by fmt_interval; the sentence quotes cells."""
    doc = _parse(html)
    fc, a = run.forecasts, (1 - ctx.level) / 2

    def draws(scen: str, sp: str, h: int, d: float) -> dict[str, float]:
        p = fc["p_rise"].sel(scenario=scen, space=sp, horizon=h).sel(delta=d, method="nearest").values.ravel()
        lo, hi = np.quantile(p, [a, 1 - a])
        return {"p_rise": float(p.mean()), "p_rise_low": float(lo), "p_rise_high": float(hi)}

    checked = 0
    for t in ctx.rise_tables:
        rows = doc.tables[t.id]
        _, h, d = t.id.rsplit("-", 2)
        h, d = int(h), float(d.replace("p", "."))
        header, body = rows[0], rows[1:]
        assert header[0] == "Scenario" and len(body) == len(ctx.scenarios)
        for s, row in zip(ctx.scenarios, body, strict=True):
            assert row[0] == s["label"]
            for sp, text in zip(ctx.spaces, row[1:], strict=True):
                r = draws(s["name"], sp, h, d)
                assert text == fmt_interval(r["p_rise"], r["p_rise_low"], r["p_rise_high"]), (s, sp, h, d)
                checked += 1
    assert checked == len(ctx.rise_tables) * len(ctx.scenarios) * len(ctx.spaces)
    # one concrete number parsed back: the mean percentage of the first cell
    r0 = draws(ctx.scenarios[0]["name"], ctx.spaces[0], ctx.horizons[0], float(run.forecasts["delta"][0]))
    first = doc.tables[ctx.rise_tables[0].id][1][1]
    m = re.match(r"(<1|>99|\d+)% \((<1|>99|\d+)–(<1|>99|\d+)%\)", first)
    assert m
    for g, v in zip(m.groups(), (r0["p_rise"], r0["p_rise_low"], r0["p_rise_high"]), strict=True):
        # whole percentages, with <1 / >99 for the ends (README: never printed as 0% or 100%)
        assert g == ("<1" if v < 0.005 else ">99" if v >= 0.995 else str(round(100 * v))), (g, v)
    # the sentence's numbers are the text of the cells they quote, at the longest main horizon
    sent = re.search(r'<p class="lead rise" id="rise-sentence">(.*?)</p>', html, re.S)
    assert sent
    quoted = re.findall(r'data-key="([^"]+)">([^<]+)</span>', sent.group(1))
    assert quoted
    for key, text in quoted:
        assert doc.keyed[key] == html_lib.unescape(text)
        assert key.endswith(f"|{max(ctx.horizons)}")


def test_wbl_table_numbers(html: str, ctx, run) -> None:
    doc = _parse(html)
    fc = run.forecasts
    origin = int(fc.attrs["origin"])
    rows = doc.tables["table-wbl"]
    header, body = rows[0], rows[1:]
    assert header[1] == f"WBL {origin}"
    assert len(body) == len(ctx.scenarios)
    a = (1 - ctx.level) / 2
    for s, row in zip(ctx.scenarios, body, strict=True):
        assert row[0] == s["label"] and row[1] == fmt_score(float(fc["wbl_origin"]))
        for h in ctx.horizons:
            col = header.index(f"Expected WBL {origin + h}")
            w = fc["wbl"].sel(scenario=s["name"], year=origin + h)
            q = w.quantile([a, 1 - a], dim=("chain", "draw")).values
            assert row[col] == fmt_score_interval(float(w.mean()), q[0], q[1])
            for d in fc["delta"].values:
                col = header.index(f"P(+{100 * float(d):g} points by {origin + h})")
                p = fc["p_wbl_rise"].sel(scenario=s["name"], horizon=h, delta=d)
                q = p.quantile([a, 1 - a], dim=("chain", "draw")).values
                assert row[col] == fmt_interval(float(p.mean()), q[0], q[1])


def test_without_trajectory_outputs_the_subsections_are_absent(tiny_run) -> None:
    r = tiny_run  # event_logit only
    assert "p_rise" not in r.forecasts
    ctx = build_report_context(r, with_figures=False)
    html = render_html(ctx)
    doc = _parse(html)
    assert not ctx.rise_tables and ctx.wbl_table is None
    assert "Incremental liberalization" not in html
    assert "World Bank WBL index)" not in html
    assert not any(i.startswith("table-rise") for i in doc.ids) and "table-wbl" not in doc.ids
    assert "trajectory-not-fitted" in doc.ids
    assert paths_not_fitted().replace("'", "&#39;") in html


def test_trajectory_without_wbl_says_so(run) -> None:
    """The real run's forecasts without the WBL outputs (what option ``wbl = false`` leaves out)."""
    fc = run.forecasts.drop_vars(["wbl", "wbl_origin", "p_wbl_rise"])
    ctx = build_report_context(dataclasses.replace(run, forecasts=fc), with_figures=False)
    html = render_html(ctx)
    assert ctx.rise_tables and ctx.wbl_table is None
    assert "Incremental liberalization" in html and "wbl = false" in html


def test_scenario_labels_are_escaped_in_the_new_tables(html: str, ctx) -> None:
    doc = _parse(html)
    assert "script" not in doc.tags
    assert XSS not in html
    esc = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for tid in [t.id for t in ctx.rise_tables] + ["table-wbl"]:
        labels = [row[0] for row in doc.tables[tid][1:]]
        assert labels == [f"Status quo {XSS}", "Isolation"], tid  # shown as text (conftest's labels)
        start = html.index(f'id="{tid}"')
        assert esc in html[start : html.index("</table>", start)]
    sent = re.search(r'id="rise-sentence">(.*?)</p>', html, re.S)
    assert sent and "<script>" not in sent.group(1) and esc in sent.group(1)

"""Notebook displays of a REAL tiny run, its fit and its prior (``tiny_run`` in conftest.py).

They check what a reader of the display relies on: user strings are escaped (a ``<script>``
scenario label is text), the numbers are the run's (recomputed here from the draws), a failed
convergence check is red and only that one, and the plain ``repr`` stays one short line.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from analogcast._display import RED, Cell, Flag, TableBlock, evaluate_diagnostics, html_table

XSS = "<script>alert(1)</script>"
PCT = re.compile(r"^(<1|>99|\d+)% \((<1|>99|\d+)–(<1|>99|\d+)%\)$")


def _pct_range(text: str) -> tuple[float, float]:
    """The percentages a printed part stands for: ``"<1"`` is [0, 1), ``">99"`` (99, 100], ``"n"`` n."""
    if text == "<1":
        return 0.0, 1.0
    if text == ">99":
        return 99.0, 100.0
    return float(text), float(text)


def _close(text: str, value: float, tol: float = 1.0) -> bool:
    lo, hi = _pct_range(text)
    return lo - tol <= 100 * value <= hi + tol


class _Parsed(HTMLParser):
    """Tags, the text of each table cell, which cells are red, and all text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._td: tuple[dict[str, str | None], list[str]] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "td":
            self._td = (dict(attrs), [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._td is not None:
            self.cells.append((self._td[0], " ".join("".join(self._td[1]).split())))
            self._td = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._td is not None:
            self._td[1].append(data)

    def red(self) -> list[str]:
        return [t for a, t in self.cells if RED in (a.get("style") or "")]

    def keyed(self) -> dict[str, str]:
        return {str(a["data-key"]): t for a, t in self.cells if a.get("data-key")}

    def all_text(self) -> str:
        return "".join(self.text)


def _passing(result):
    good = {"max_rhat": 1.002, "min_ess_bulk": 900.0, "min_ess_tail": 800.0, "divergences": 0, "min_bfmi": 0.9}
    return dataclasses.replace(result, diagnostics={**good, "by_model": {"event_logit": dict(good)}})


# -- Run ----------------------------------------------------------------------------------------


def test_run_display_is_escaped_and_shows_the_draws(tiny_run) -> None:
    html = tiny_run._repr_html_()
    p = _Parsed(html)
    assert "script" not in p.tags, "a user label became markup"
    assert "<script>" not in html
    assert f"Status quo {XSS}" in p.all_text(), "the label must come out as text"
    assert f"Tiny run {XSS}" in p.all_text()
    assert "leading model, event_logit" in p.all_text()
    assert "href" not in html and "<a " not in html, "a display links nowhere"
    cells = p.keyed()
    fc = tiny_run.forecasts["p_opening"]
    a = (1 - tiny_run.level) / 2
    want = {(s, h) for s in ("status_quo", "isolation") for h in (2, 5)}
    assert {(k.split("|")[1], int(k.split("|")[3])) for k in cells} == want
    for (s, h) in want:
        text = cells[f"p_opening|{s}|women|{h}"]
        m = PCT.match(text)
        assert m, text
        draws = fc.sel(scenario=s, space="women", horizon=h).values.ravel()
        lo, hi = np.quantile(draws, [a, 1 - a])
        # whole percentages of the posterior mean and equal-tailed interval (CSV rounding <= 1 point)
        assert _close(m.group(1), draws.mean()), (s, h, text)
        assert _close(m.group(2), lo) and _close(m.group(3), hi), (s, h, text)


def test_run_display_reports_failed_checks_in_red(tiny_run) -> None:
    good = dataclasses.replace(tiny_run, result=_passing(tiny_run.result))
    assert "Convergence checks pass." in _Parsed(good._repr_html_()).all_text()
    bad_diag = {**good.result.diagnostics, "by_model": {"event_logit": {**good.result.diagnostics["by_model"]["event_logit"], "divergences": 3}}}
    bad = dataclasses.replace(tiny_run, result=dataclasses.replace(good.result, diagnostics=bad_diag))
    html = bad._repr_html_()
    assert "3 divergent transitions" in html
    assert f'style="color:{RED};font-weight:bold">Failed convergence checks' in html


# -- FitResult ----------------------------------------------------------------------------------


def test_fit_display_marks_exactly_the_failed_check(tiny_run) -> None:
    good = _passing(tiny_run.result)
    p = _Parsed(good._repr_html_())
    assert p.red() == []
    assert "All convergence checks pass." in p.all_text()
    assert "2 chains x 60 draws" in p.all_text()
    by = dict(good.diagnostics["by_model"]["event_logit"], max_rhat=1.2)
    bad = dataclasses.replace(good, diagnostics={**good.diagnostics, "max_rhat": 1.2, "by_model": {"event_logit": by}})
    p = _Parsed(bad._repr_html_())
    assert p.red() == ["1.200"], p.red()
    assert "1 convergence check(s) failed" in p.all_text()
    # the display and --strict agree on what fails
    assert bad.convergence_problems() == ["event_logit: max R-hat 1.200 > 1.01"]
    assert "1 failed check" in repr(bad) and "all checks pass" in repr(good)


def test_fit_display_shows_models_timings_and_a_short_repr(tiny_run) -> None:
    r = tiny_run.result
    p = _Parsed(r._repr_html_())
    assert "event_logit" in p.all_text()
    timing_cells = [t for a, t in p.cells]
    assert f"{r.timings['total']:.1f}" in timing_cells
    assert f"Tiny run {XSS}" in p.all_text() and "script" not in p.tags
    text = repr(r)
    assert text.startswith("FitResult(event_logit 2 chains x 60 draws") and "\n" not in text and len(text) < 200


# -- AnalogPrior --------------------------------------------------------------------------------


def test_prior_display_ess_and_conflicts(tiny_run) -> None:
    prior = tiny_run.prior
    p = _Parsed(prior._repr_html_())
    text = p.all_text()
    assert "Analogy prior for AFG" in text and "robust_map" in text
    cells = [t for _, t in p.cells]
    for sp in prior.spaces:
        for d in ("opening", "closing"):
            assert f"{prior.get(sp, d).ess:.1f}" in cells
    flagged = sorted(f"{prior.get(sp, d).conflict_p:.3f} conflict" for sp in prior.spaces for d in ("opening", "closing") if prior.get(sp, d).conflict_p is not None and prior.get(sp, d).conflict_p < 0.05)
    assert flagged, "the shipped prior has a conflict (economic openings): the test needs one"
    assert sorted(p.red()) == flagged
    for a in prior.meta.analogs:
        assert a in cells
    short = repr(prior)
    assert short.startswith("AnalogPrior(AFG from SAU") and len(short) < 200


def test_prior_display_escapes_meta(tiny_run) -> None:
    evil = tiny_run.prior.with_meta(method=XSS, window=XSS)
    html = evil._repr_html_()
    assert "<script>" not in html and "script" not in _Parsed(html).tags
    assert XSS in _Parsed(html).all_text()


# -- the shared helper --------------------------------------------------------------------------


def test_html_table_escapes_every_kind_of_cell() -> None:
    t = TableBlock(
        id='x" onload="evil',
        caption=XSS,
        header=[XSS],
        rows=[[XSS, Flag(XSS, False), Cell(key=XSS, mean=0.2, low=0.1, high=0.3)]],
        note=XSS,
    )
    html = html_table(t)
    p = _Parsed(html)
    assert "script" not in p.tags and "<script>" not in html
    assert p.all_text().count(XSS) == 5  # caption, header, cell, flag, note
    assert 'onload="evil' not in html
    assert p.red() == [XSS]


@pytest.mark.parametrize(("rhat", "limit", "passed"), [(1.02, None, False), (1.02, 1.05, True), (1.01, None, True)])
def test_diagnostic_limits(rhat: float, limit: float | None, passed: bool) -> None:
    checks = evaluate_diagnostics({"max_rhat": rhat}, {"max_rhat": limit} if limit else None)
    assert checks[0].name == "max_rhat" and checks[0].passed is passed
    assert [c.passed for c in checks[1:]] == [None] * 4, "missing values are not recorded, not passes"

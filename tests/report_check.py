"""Checks a rendered HTML report against the CSV files of the run it was rendered from.

Used by the tests on REAL runs (``tests/test_report_real.py`` on the session's ``tiny_run`` and
``tests/test_cli_fit.py`` on the report ``analogcast run`` writes). Numbers are parsed back from
the HTML with the standard library's parser and compared with ``forecasts.csv`` /
``contrasts.csv`` by the README's printing rule (whole percentages, ``<1`` below 0.5%, ``>99`` from
99.5%), independently of the package's own formatter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

PCT = r"(<1|>99|\d{1,2})"
INTERVAL = re.compile(rf"^{PCT}% \({PCT}–{PCT}%\)$")
SINGLE = re.compile(rf"^{PCT}%$")
#: the CSVs hold 4 decimals: a value may be 5e-5 away from the one the report rounded
CSV_EPS = 5e-5


@dataclass
class ParsedReport:
    """Keyed numbers of a report: ``narrative`` (key, text) in the executive summary, in order, and
    ``cells`` key -> every text of a table cell carrying that key."""

    narrative: list[tuple[str, str]] = field(default_factory=list)
    cells: dict[str, list[str]] = field(default_factory=dict)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = ParsedReport()
        self._sections: list[str] = []
        self._open: list[tuple[str, str, list[str]]] = []  # (tag, key, text parts)
        self._depth: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self._sections.append(str(a.get("id") or ""))
        if tag in ("span", "td") and a.get("data-key"):
            self._open.append((tag, str(a["data-key"]), []))
        elif tag in ("span", "td"):
            self._open.append((tag, "", []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._sections:
            self._sections.pop()
        if tag in ("span", "td") and self._open:
            open_tag, key, parts = self._open.pop()
            assert open_tag == tag, f"unbalanced <{open_tag}> closed by </{tag}>"
            text = " ".join("".join(parts).split())
            if self._open:  # a span inside a keyed cell: its text belongs to the cell too
                self._open[-1][2].append("".join(parts))
            if not key:
                return
            if tag == "td":
                self.out.cells.setdefault(key, []).append(text)
            elif "sec-summary" in self._sections and not any(k for t, k, _ in self._open if t == "td"):
                self.out.narrative.append((key, text))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)


def parse_report(html: str) -> ParsedReport:
    """Parse the keyed numbers of a report's HTML."""
    p = _Parser()
    p.feed(html)
    p.close()
    return p.out


def pct_matches(token: str, value: float, eps: float = CSV_EPS) -> bool:
    """Whether a printed percentage (``"21"``, ``"<1"``, ``">99"``) is ``value`` (a probability
    read from a CSV with 4 decimals) printed by the README's rule."""
    if token == "<1":
        return value < 0.005 + eps
    if token == ">99":
        return value >= 0.995 - eps
    k = int(token)
    # k must be the nearest whole percentage, and never 0 or 100 (README: no certainties)
    return 1 <= k <= 99 and abs(100 * value - k) <= 0.5 + 100 * eps


def check_report(html: str, run_dir: Path) -> dict[str, int]:
    """Assert that the report's numbers are the run's: every number quoted in the executive summary
    is the text of the table cell with the same key, and every forecast cell (mean and interval
    ends) and every P(A > B) cell is the value in ``forecasts.csv`` / ``contrasts.csv``.

    Returns counts of what was checked (``narrative``, ``forecast_cells``, ``contrast_cells``)."""
    doc = parse_report(html)
    assert doc.narrative, "the executive summary quotes no keyed number"
    for key, text in doc.narrative:
        assert key in doc.cells, f"summary number {text!r} ({key}) has no table cell"
        assert set(doc.cells[key]) == {text}, f"{key}: summary says {text!r}, tables say {doc.cells[key]}"
    fc = pd.read_csv(run_dir / "forecasts.csv")
    n_fc = 0
    for row in fc.itertuples():
        for d in ("opening", "closing"):
            key = f"p_{d}|{row.scenario}|{row.space}|{row.horizon}"
            texts = doc.cells.get(key, [])
            assert texts, f"forecasts.csv row {key} has no cell in the report"
            vals = (getattr(row, f"p_{d}"), getattr(row, f"p_{d}_low"), getattr(row, f"p_{d}_high"))
            for text in texts:
                m = INTERVAL.match(text)
                assert m, f"{key}: {text!r} is not 'mean% (low–high%)'"
                for token, v, what in zip(m.groups(), vals, ("mean", "low", "high"), strict=True):
                    assert pct_matches(token, v), f"{key}: {what} printed {token}%, forecasts.csv has {v}"
                n_fc += 1
    ct = pd.read_csv(run_dir / "contrasts.csv")
    n_ct = 0
    for row in ct.itertuples():
        key = f"p_a_gt_b|{row.scenario_a}>{row.scenario_b}|{row.space}|{row.horizon}"
        for text in doc.cells.get(key, []):
            m = SINGLE.match(text)
            assert m and pct_matches(m.group(1), row.p_a_gt_b), \
                f"{key}: printed {text!r}, contrasts.csv has P(A > B) = {row.p_a_gt_b}"
            n_ct += 1
    return {"narrative": len(doc.narrative), "forecast_cells": n_fc, "contrast_cells": n_ct}

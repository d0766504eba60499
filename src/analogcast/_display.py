"""How analogcast shows numbers and tables: shared by the report and the notebook displays.

A neutral helper (like :mod:`analogcast._io`): the report's tables (``reporting.tables``), its
diagnostics (``reporting.checks``) and the notebook displays of ``AnalogPrior``, ``FitResult`` and
``Run`` (``_repr_html_``, built in :mod:`analogcast._reprs`) all print probabilities, intervals,
space names and convergence checks with the functions here, so a number reads the same in a
notebook as in the report. :func:`html_table` turns a :class:`TableBlock` into an HTML table with
every string escaped by MarkupSafe (the same escaping as the report's Jinja2 autoescape), inline
styles only, no scripts and no links.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SPACE_LABELS",
    "space_label",
    "fmt_pct",
    "fmt_interval",
    "fmt_score",
    "fmt_score_interval",
    "cell_key",
    "Cell",
    "Flag",
    "TableBlock",
    "main_horizons",
    "DIAGNOSTICS",
    "Check",
    "evaluate_diagnostics",
    "html_table",
    "html_block",
    "RED",
]

#: Display names of the spaces ("women" reads as "women's space").
SPACE_LABELS: dict[str, str] = {
    "associational": "associational",
    "informational": "informational",
    "individual": "individual",
    "governing": "governing",
    "electoral": "electoral",
    "economic": "economic",
    "women": "women's",
}

#: Colour of a failed check or a flagged conflict (the report's banner red).
RED = "#b00020"


def space_label(sp: str) -> str:
    """``"Associational"``, ``"Women's"``: a space's display name, capitalised."""
    return SPACE_LABELS.get(sp, sp).capitalize()


def fmt_pct(p: float) -> str:
    """A probability as a whole percentage: ``0.213 -> "21%"``, ``"<1%"``, ``">99%"``, ``"n/a"``.

    Never ``0%`` or ``100%``: a posterior share of draws is not a certainty.
    """
    if p is None or not math.isfinite(float(p)):
        return "n/a"
    p = float(p)
    if p < 0.005:
        return "<1%"
    if p >= 0.995:
        return ">99%"
    # round() rounds half to even: 0.005 would print as "0%" without the clamp. The inner round
    # drops last-bit noise first, so a share that is exactly a half-percent (0.055, a share of
    # draws) prints the same whichever order its mean was summed in (0.05499999999999999 and
    # 0.05500000000000001 printed "5%" and "6%")
    return f"{min(99, max(1, round(round(100 * p, 9)))):d}%"


def _fmt_end(p: float) -> str:
    """An interval end: a whole percentage without the sign, by the rule of :func:`fmt_pct`
    (``"12"``, ``"<1"``, ``">99"``; never ``0`` or ``100``)."""
    return fmt_pct(p).removesuffix("%")


def fmt_interval(mean: float, low: float, high: float) -> str:
    """``"21% (12–33%)"``: the mean and both interval ends by the rule of :func:`fmt_pct`, so no
    part is ever printed as 0% or 100% (``"<1% (<1–2%)"``, ``">99% (97–>99%)"``)."""
    return f"{fmt_pct(mean)} ({_fmt_end(low)}–{_fmt_end(high)}%)"


def fmt_score(x: float) -> str:
    """A 0-100 score (the WBL index) with one decimal: ``33.746 -> "33.7"``, ``"n/a"``."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{round(float(x), 9):.1f}"  # last-bit noise dropped first, as in fmt_pct


def fmt_score_interval(mean: float, low: float, high: float) -> str:
    """``"33.7 (31.9–36.2)"``: a 0-100 score and its interval, each by :func:`fmt_score`."""
    return f"{fmt_score(mean)} ({fmt_score(low)}–{fmt_score(high)})"


def cell_key(quantity: str, scenario: str, space: str, horizon: int) -> str:
    """Identifier shared by a table cell and the narrative number that quotes it."""
    return f"{quantity}|{scenario}|{space}|{int(horizon)}"


@dataclass(frozen=True)
class Cell:
    """One printed estimate: the numbers, their text, and the key linking table and narrative."""

    key: str
    mean: float
    low: float
    high: float
    #: ``"pct"`` (a probability, :func:`fmt_interval`) or ``"score"`` (0-100, :func:`fmt_score_interval`)
    kind: str = "pct"

    @property
    def text(self) -> str:
        """The printed form, e.g. ``"21% (12–33%)"`` (or ``"33.7 (31.9–36.2)"`` for a score)."""
        if self.kind == "score":
            return fmt_score_interval(self.mean, self.low, self.high)
        return fmt_interval(self.mean, self.low, self.high)

    @property
    def mean_text(self) -> str:
        """The printed mean alone."""
        return fmt_score(self.mean) if self.kind == "score" else fmt_pct(self.mean)

    @property
    def interval_text(self) -> str:
        """The printed interval alone, e.g. ``"(12–33%)"``."""
        return self.text[len(self.mean_text) + 1 :]


@dataclass(frozen=True)
class Flag:
    """A table cell that passed or failed a check: failed cells are shown in red and bold."""

    text: str
    ok: bool | None = True


@dataclass
class TableBlock:
    """A table ready for the template: header strings and rows of strings or :class:`Cell`."""

    id: str
    caption: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""


def main_horizons(available: Sequence[int], wanted: Sequence[int] = (2, 5, 10)) -> list[int]:
    """The headline horizons: ``wanted`` where available, else up to three spread over ``available``."""
    avail = sorted({int(h) for h in available})
    got = [h for h in wanted if h in avail]
    if got:
        return got
    if len(avail) <= 3:
        return avail
    step = (len(avail) - 1) / 2
    idx = sorted({round(i * step) for i in range(3)})
    return [avail[i] for i in idx]


# -- convergence checks -------------------------------------------------------------------------

#: name -> (label, comparison, threshold, explanation): the checks of the report and the displays.
DIAGNOSTICS: dict[str, tuple[str, str, float, str]] = {
    "max_rhat": ("Largest R-hat", "<=", 1.01, "chains agree with each other"),
    "min_ess_bulk": ("Smallest bulk ESS", ">=", 400, "enough independent draws for means and intervals"),
    "min_ess_tail": ("Smallest tail ESS", ">=", 400, "enough independent draws for the interval ends"),
    "divergences": ("Divergent transitions", "==", 0, "the sampler explored the posterior without bias warnings"),
    "min_bfmi": ("Smallest BFMI", ">=", 0.3, "momentum resampling explores the energy distribution"),
}


@dataclass(frozen=True)
class Check:
    """One diagnostic: its value, threshold, and whether it passed (``None`` = not recorded)."""

    name: str
    label: str
    value: str
    threshold: str
    passed: bool | None
    meaning: str


def _fmt_diag(name: str, v: float) -> str:
    if name == "max_rhat":
        return f"{v:.3f}"
    if name in ("min_ess_bulk", "min_ess_tail", "divergences"):
        return f"{v:,.0f}"
    return f"{v:.2f}"


def evaluate_diagnostics(diag: Mapping[str, Any] | None, limits: Mapping[str, float] | None = None) -> list[Check]:
    """Compare a diagnostics dict (``max_rhat``, ``min_ess_bulk``, ...) with :data:`DIAGNOSTICS`.

    A missing or non-finite value is reported as not recorded and counts as a failure (an
    unaudited fit is not a passing fit).

    Parameters
    ----------
    diag
        One model's diagnostics (or the worst over models).
    limits
        Threshold overrides by name (e.g. ``analogcast.fitting.THRESHOLDS``); the comparison and
        labels stay those of :data:`DIAGNOSTICS`.
    """
    diag = dict(diag or {})
    out: list[Check] = []
    for name, (label, op, default, meaning) in DIAGNOSTICS.items():
        thr = float((limits or {}).get(name, default))
        raw = diag.get(name)
        try:
            v = float(raw)
        except (TypeError, ValueError):
            v = float("nan")
        if not math.isfinite(v):
            out.append(Check(name, label, "not recorded", f"{op} {_fmt_diag(name, thr)}", None, meaning))
            continue
        ok = {"<=": v <= thr, ">=": v >= thr, "==": v == thr}[op]
        out.append(Check(name, label, _fmt_diag(name, v), f"{op} {_fmt_diag(name, thr)}", bool(ok), meaning))
    return out


# -- HTML ---------------------------------------------------------------------------------------

_TABLE = "border-collapse:collapse;margin:0.3em 0 0.8em 0;font-size:0.9em"
_TH = "text-align:left;padding:2px 8px;border-bottom:1px solid #999"
_TD = "text-align:left;padding:2px 8px;border-bottom:1px solid #e4e4e4;white-space:nowrap"
_BAD = f"color:{RED};font-weight:bold"


def _cell_html(c: Any) -> str:
    from markupsafe import escape

    if isinstance(c, Flag):
        style = _TD if c.ok is True else f"{_TD};{_BAD}"
        return f'<td style="{style}">{escape(c.text)}</td>'
    if isinstance(c, Cell):
        return (
            f'<td style="{_TD}" data-key="{escape(c.key)}">{escape(c.mean_text)} '
            f'<span style="color:#666">{escape(c.interval_text)}</span></td>'
        )
    return f'<td style="{_TD}">{escape(str(c))}</td>'


def html_table(t: TableBlock) -> str:
    """The table as HTML: caption, header and rows, every string escaped (MarkupSafe).

    Cells may be strings, :class:`Cell` (mean and interval, as in the report) or :class:`Flag`
    (red and bold when its check failed). Inline styles only, so it renders in any notebook.
    """
    from markupsafe import escape

    head = "".join(f'<th scope="col" style="{_TH}">{escape(h)}</th>' for h in t.header)
    body = "".join("<tr>" + "".join(_cell_html(c) for c in r) + "</tr>" for r in t.rows)
    cap = f'<caption style="text-align:left;font-weight:bold;padding-bottom:2px">{escape(t.caption)}</caption>' if t.caption else ""
    note = f'<p style="color:#555;font-size:0.85em;margin:0 0 0.6em 0">{escape(t.note)}</p>' if t.note else ""
    return f'<table id="{escape(t.id)}" style="{_TABLE}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}'


def html_block(title: str, lines: Sequence[str | Flag], tables: Sequence[TableBlock]) -> str:
    """A display: an escaped title, short escaped lines (a failed :class:`Flag` in red), tables.

    Capped in width and height (scrolls inside), so it fits on a screen; it links nowhere.
    """
    from markupsafe import escape

    parts = ['<div class="analogcast-display" style="max-width:60em;max-height:40em;overflow:auto;font-family:sans-serif">']
    parts.append(f'<p style="font-weight:bold;font-size:1.05em;margin:0 0 0.3em 0">{escape(title)}</p>')
    for line in lines:
        if isinstance(line, Flag):
            style = "" if line.ok is True else f' style="{_BAD}"'
            parts.append(f'<p style="margin:0.1em 0"><span{style}>{escape(line.text)}</span></p>')
        else:
            parts.append(f'<p style="margin:0.1em 0">{escape(line)}</p>')
    parts += [html_table(t) for t in tables]
    parts.append("</div>")
    return "".join(parts)

"""Two readings of openings and closings, one story: the event model leads, the other is explained.

A run with a lead event model (the first fitted model declaring events, scored by ``analogcast
backtest``) and a model of index paths (declaring ``paths`` and its own event tag) holds two
probabilities of an opening (and of a closing) for each scenario, space and horizon: ``p_opening``
from the lead model and ``p_opening_<tag>``, read off the path model's simulated index paths with
the same event coder. Which models these are comes from the registry's declarations
(:class:`analogcast.models.contract.ModelOutputs`). They can differ a lot. This module builds the
report's account of it:

* which model leads (the scored one) and, when the run's report has a backtest, what it scored;
* a table with both readings (range over scenarios) beside the **level-matched history**
  (:mod:`analogcast.evaluation.level_history`): what followed in the panel from the ``K_MATCH``
  country-years whose index was closest to the target's at the origin;
* one sentence for every space, direction and horizon where the two readings differ by more than
  :data:`GAP_PP` percentage points: both numbers, which of them history is closer to, and the size
  of the path model's two-year moves against the event's cutpoint (an event needs a move
  larger than the cutpoint within one or two years).

Every number comes from the run's forecasts or, for the history, from the shipped events when
their hash is the run's data hash (otherwise the history column says why it is missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from analogcast._display import TableBlock, fmt_pct, space_label
from analogcast.evaluation.level_history import LevelHistory, level_matched_history
from analogcast.models.contract import event_variable
from analogcast.models.registry import (
    available_models,
    in_registry_order,
    lead_event_model,
    model_outputs,
)

__all__ = ["GAP_PP", "Pair", "Readings", "reading_pair", "event_model_skill", "history_caution", "readings_section",
           "rise_history_sentence", "shipped_history"]

#: a gap between the two readings larger than this (percentage points) gets its own sentence
GAP_PP = 15.0

_WORD = {"opening": "openings", "closing": "closings"}


@dataclass(frozen=True)
class Pair:
    """The two models whose readings are compared (from the registry's declarations)."""

    lead: str
    lead_label: str
    other: str
    other_label: str
    other_tag: str

    @property
    def other_short(self) -> str:
        """The label without its article (``"path model"`` for ``"the path model"``)."""
        return self.other_label.removeprefix("the ")


def reading_pair(models: Sequence[str] | None = None) -> Pair | None:
    """The lead event model and the first other model with index paths and its own event tag,
    among ``models`` (default: every registered model), or ``None``."""
    names = in_registry_order(models if models is not None else available_models())
    lead = lead_event_model(names)
    if lead is None:
        return None
    for n in names:
        out = model_outputs(n)
        if n != lead and out.events and out.paths and out.event_tag:
            return Pair(lead, model_outputs(lead).label, n, out.label, out.event_tag)
    return None


@dataclass(frozen=True)
class Readings:
    """The report's two-readings subsection."""

    lead: str
    table: TableBlock
    gaps: list[str] = field(default_factory=list)
    #: (space, direction, horizon, event model's mid-range probability, history's share) where the
    #: event model is more than GAP_PP points above history
    above_history: list[tuple[str, str, int, float, float]] = field(default_factory=list)


def event_model_skill(scores: pd.DataFrame | None, model: str | None = None) -> str:
    """One clause with the model's pooled strict log-loss from a backtest's ``scores.csv`` frame,
    or ``""`` when the frame does not score it (``model``: default the lead event model)."""
    if model is None:
        model = lead_event_model(available_models())
    if scores is None or scores.empty or "model" not in scores.columns:
        return ""
    df = scores[(scores["model"] == model)]
    if "protocol" in df.columns:
        df = df[df["protocol"] == "strict"]
    if "space" in df.columns:
        df = df[df["space"] == "barometer6"]
    if "log_loss" not in df.columns or df.empty:
        return ""
    ll = {str(r["direction"]): float(r["log_loss"]) for _, r in df.iterrows()}
    if not {"up", "down"} <= set(ll):
        return ""
    n = int(df["n"].iloc[0]) if "n" in df.columns else 0
    rows = f" over {n:,} country-years" if n else ""
    return (f"; in the strict backtest (section 8) its two-year forecasts scored a log-loss of "
            f"{ll['up']:.3f} for openings and {ll['down']:.3f} for closings{rows}")


def _range(da: xr.DataArray) -> tuple[float, float]:
    m = da.mean(("chain", "draw")) if "chain" in da.dims else da
    return float(m.min()), float(m.max())


def _fmt_range(lo: float, hi: float) -> str:
    a, b = fmt_pct(lo), fmt_pct(hi)
    return a if a == b else f"{a.removesuffix('%')}–{b}"


def _median_move(fc: xr.Dataset, space: str, scenario: str) -> float:
    """Median absolute two-year change of the path model's simulated index paths (first
    two forecast years from the origin's level), one scenario."""
    idx = fc["index"].sel(space=space, scenario=scenario)
    x0 = float(fc["index_origin"].sel(space=space))
    second = idx.isel(year=1).values.ravel()
    return float(np.median(np.abs(second - x0)))


def readings_section(fc: xr.Dataset, scen: Sequence[Mapping[str, str]], spaces: Sequence[str],
                     horizons: Sequence[int], cutpoints: Mapping[str, float], *,
                     history: Mapping[str, LevelHistory] | None, history_note: str = "",
                     skill: str = "", target_name: str = "the target",
                     models: Sequence[str] | None = None) -> Readings | None:
    """The subsection, or ``None`` when the run lacks either reading.

    Parameters
    ----------
    fc
        The run's forecasts (``p_opening``, ``p_closing``, the path model's ``p_opening_<tag>``,
        ``p_closing_<tag>``, ``index``, ``index_origin``).
    scen
        Scenarios in report order (``name``, ``label``); the first is the reference for the
        path model's moves.
    history
        Space -> :class:`analogcast.evaluation.level_history.LevelHistory`, or ``None`` (then
        ``history_note`` says why).
    skill
        :func:`event_model_skill` of the report's backtest (may be empty).
    models
        The run's fitted models (default: every registered model): which two readings are
        compared (:func:`reading_pair`).
    """
    pair = reading_pair(models)
    if pair is None:
        return None
    other = {d: event_variable(d, pair.other_tag) for d in ("opening", "closing")}
    need = ("p_opening", "p_closing", *other.values(), "index", "index_origin")
    if any(v not in fc for v in need) or not scen:
        return None
    ref = str(scen[0]["name"])
    lead = (f"Openings and closings lead with {pair.lead_label} ({pair.lead}), the model the "
            f"backtest (analogcast backtest) scores{skill}. {_sentence(pair.other_label)}'s reading of the "
            "same events off its simulated index paths is shown beside it; it has no backtest of "
            f"its own. The History column is what followed the country-years whose index was "
            f"closest to {target_name}'s at the origin.")
    header = ["Space", "Events", "Horizon", f"{_sentence(pair.lead_label.removeprefix('the '))} (leads)",
              _sentence(pair.other_short), "History", "Gap (points)"]
    rows: list[list[str]] = []
    gaps: list[str] = []
    above: list[tuple[str, str, int, float, float]] = []
    for sp in spaces:
        h_sp = history.get(sp) if history is not None else None
        for d in ("opening", "closing"):
            for h in horizons:
                e_lo, e_hi = _range(fc[f"p_{d}"].sel(space=sp, horizon=h))
                t_lo, t_hi = _range(fc[other[d]].sel(space=sp, horizon=h))
                e_mid, t_mid = (e_lo + e_hi) / 2, (t_lo + t_hi) / 2
                gap = 100 * (e_mid - t_mid)
                hist_p = (h_sp.p_opening if d == "opening" else h_sp.p_closing).get(int(h)) if h_sp else None
                rows.append([space_label(sp), _WORD[d], f"{int(h)} years", _fmt_range(e_lo, e_hi),
                             _fmt_range(t_lo, t_hi),
                             fmt_pct(hist_p) if hist_p is not None else "n/a",
                             f"{gap:+.0f}"])
                if hist_p is not None and 100 * (e_mid - hist_p) > GAP_PP:
                    above.append((sp, d, int(h), e_mid, float(hist_p)))
                if abs(gap) <= GAP_PP:
                    continue
                gaps.append(_gap_sentence(fc, sp, d, int(h), (e_lo, e_hi), (t_lo, t_hi), hist_p,
                                          h_sp, float(cutpoints[sp]), ref, pair.other_label))
    note = (f"Ranges run over the scenarios (posterior means). Gap: event model minus {pair.other_short}, "
            "in percentage points, at the middle of each range. History conditions on the "
            "index level only (no regime, covariates or country), so it is a check, not a forecast.")
    if history is None and history_note:
        note += " " + history_note
    table = TableBlock(id="table-readings",
                       caption="Two readings of the same events, and what followed a similar level in history",
                       header=header, rows=rows, note=note)
    return Readings(lead=lead, table=table, gaps=gaps, above_history=above)


def history_caution(readings: Readings | None, horizon: int, target_name: str) -> str:
    """The executive summary's caution when the event model's opening or closing probabilities at
    ``horizon`` are more than :data:`GAP_PP` points above the level-matched history, else ``""``."""
    if readings is None:
        return ""
    hits = [a for a in readings.above_history if a[2] == int(horizon)]
    if not hits:
        return ""
    sp, d, _, p, hp = max(hits, key=lambda a: a[3] - a[4])
    n_sp = len({a[0] for a in hits})
    dirs = {a[1] for a in hits}
    mood = " and ".join(w for k, w in (("opening", "less hopeful"), ("closing", "less alarming"))
                        if k in dirs)
    what = " or ".join(w for k, w in (("opening", "an opening"), ("closing", "a closing"))
                       if k in dirs)
    return (f"History is {mood} than the event model: for {n_sp} space{'s' if n_sp > 1 else ''}, "
            f"its probability of {what} within {int(horizon)} years is more than {GAP_PP:.0f} "
            f"points above the share of the country-years nearest {target_name}'s level that saw "
            f"one (largest: {space_label(sp)} space, {_WORD[d]}, {fmt_pct(p)} against "
            f"{fmt_pct(hp)}); see \"Two models, one story\".")


def _sentence(text: str) -> str:
    """``text`` with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def _gap_sentence(fc: xr.Dataset, sp: str, d: str, h: int, ev: tuple[float, float],
                  tr: tuple[float, float], hist_p: float | None, h_sp: LevelHistory | None, cut: float,
                  ref: str, other: str) -> str:
    """One sentence: the two readings, which one history is closer to, and why they differ
    (``other``: the path model's label)."""
    first = (f"{space_label(sp)} space, {_WORD[d]} within {h} years: the event model gives "
             f"{_fmt_range(*ev)}, {other} {_fmt_range(*tr)}")
    if hist_p is not None and h_sp is not None:
        e_mid, t_mid = sum(ev) / 2, sum(tr) / 2
        closer = "the event model" if abs(e_mid - hist_p) < abs(t_mid - hist_p) else other
        first += (f"; of the {h_sp.n} country-years nearest its level (index {h_sp.low:.2f} to "
                  f"{h_sp.high:.2f}, {h_sp.first_year}-{h_sp.last_year}), {fmt_pct(hist_p)} saw "
                  f"{'an opening' if d == 'opening' else 'a closing'} within {h} years, closer to "
                  f"{closer}")
    moves = (f"{other}'s paths move the index by a median "
             f"{_median_move(fc, sp, ref):.3f} in two years, ")
    if sum(tr) < sum(ev):
        why = (f"against the {cut:.2f} that an event needs, while the event model reads the hazard "
               "from the events of similar country-years and of recent years")
    else:
        why = (f"against the event's cutpoint of {cut:.2f}, so many of its paths cross it, while "
               "the event model's hazard, fitted to the events of similar country-years and of "
               "recent years, is lower")
    return f"{first}. They differ because {moves}{why}."


def shipped_history(data_sha256: str | None, levels: Mapping[str, float], horizons: Sequence[int],
                    exclude: str | None, deltas: Sequence[float] = ()
                    ) -> tuple[dict[str, LevelHistory] | None, str]:
    """Level-matched history of each space from the shipped events, if they are the run's data.

    Returns ``(history, reason)``: ``history`` maps space -> ``LevelHistory``; it is ``None``
    (and ``reason`` says why in one sentence) when the run's data hash is unknown or is not the
    shipped data's.
    """
    import math

    from analogcast.data import load_events
    from analogcast.data.provenance import data_sha256 as shipped_sha256

    if not data_sha256:
        return None, "History is not shown: this run does not record the hash of its data."
    if data_sha256 != shipped_sha256():
        return None, ("History is not shown: this run was fitted on other data than the "
                      "package's (data hashes differ).")
    events = load_events()
    out: dict[str, LevelHistory] = {}
    for sp, lv in levels.items():
        if lv is None or not math.isfinite(float(lv)):
            continue
        out[sp] = level_matched_history(events, sp, float(lv), horizons, deltas, exclude=exclude)
    return out, ""


def rise_history_sentence(history: Mapping[str, LevelHistory] | None, spaces: Sequence[str],
                          horizon: int, delta: float, target_name: str) -> str:
    """One sentence setting the rise table beside history: of the country-years nearest the
    target's level in each space, the share whose index was at least ``delta`` higher ``horizon``
    years later (range over the spaces); ``""`` without history or that delta."""
    if not history:
        return ""
    got = {sp: history[sp].p_rise.get((int(horizon), float(delta)))
           for sp in spaces if sp in history}
    got = {k: v for k, v in got.items() if v is not None}
    if not got:
        return ""
    lo, hi = min(got, key=got.get), max(got, key=got.get)
    span = (f"{fmt_pct(got[lo])} ({space_label(lo)} space) to {fmt_pct(got[hi])} "
            f"({space_label(hi)} space)" if lo != hi else f"{fmt_pct(got[lo])}")
    return (f"In history, of the country-years nearest {target_name}'s level in each space, "
            f"{span} had an index at least {delta:g} higher {int(horizon)} years later "
            "(\"Two models, one story\" sets this history beside the event model's opening "
            "probabilities).")

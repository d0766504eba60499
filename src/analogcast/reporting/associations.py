"""The report's table of what a fitted event model associates with aid, sanctions and patrons.

Issue 13 asks that an implausible sign be shown and explained, neither hidden nor forced. The table
lists, for every fitted model whose posterior has a common slope ``beta0(covariate, direction)``,
the terms a scenario moves: posterior mean per standard deviation of the covariate in the training
rows (log-odds scale), the equal-tailed interval at the report's level, and the posterior
probability that the slope is positive. Sentences are built from those numbers only; the
sanctions sentence appears when the fitted sign is the counter-intuitive one (more openings or
fewer closings after more sanctions) and says what else produces that sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from analogcast.reporting.tables import TableBlock

__all__ = ["POLICY_TERMS", "Associations", "policy_associations"]

#: design covariate -> row label (the terms a scenario moves, directly or through alt_patrons)
POLICY_TERMS: dict[str, str] = {
    "aid": "Aid (log1p ODA, % of GNI)",
    "aid_cw": "Aid x Cold-War era",
    "aid_patron": "Aid x patron alignment",
    "patron_align": "UN-vote alignment with China/Russia vs the US",
    "cn_fin": "Chinese official finance (log1p, % of GDP)",
    "sanctions": "Active sanction cases (log1p, two years earlier)",
    "sanctions_cw": "Sanctions x Cold-War era",
}

_SLOPE_DIMS = {"chain", "draw", "covariate", "direction"}
#: posterior probability beyond which a sign is called clear in a sentence
CLEAR = 0.9


@dataclass(frozen=True)
class Associations:
    """The section: one table per model with a common slope, and sentences built from it."""

    tables: tuple[TableBlock, ...]
    sentences: tuple[str, ...]


def _fmt(x: float) -> str:
    return f"{x:+.2f}"


def _fmt_p(p: float) -> str:
    """A posterior probability to two decimals, never printed as a certain 0 or 1."""
    if p < 0.005:
        return "<0.01"
    if p > 0.995:
        return ">0.99"
    return f"{p:.2f}"


def _summary(draws: np.ndarray, level: float) -> tuple[float, float, float, float]:
    q = (1.0 - level) / 2.0
    return (float(draws.mean()), float(np.quantile(draws, q)), float(np.quantile(draws, 1.0 - q)),
            float((draws > 0).mean()))


def policy_associations(tree: xr.DataTree | None, level: float) -> Associations | None:
    """The policy terms' common slopes of every model in ``tree`` that has them.

    Parameters
    ----------
    tree
        The fit's DataTree (one child per model, each with a ``posterior`` group).
    level
        Interval level of the report (e.g. 0.89).

    Returns
    -------
    Associations or None
        ``None`` when no model has a ``beta0(chain, draw, covariate, direction)`` slope with a
        policy term.
    """
    if tree is None:
        return None
    tables: list[TableBlock] = []
    sentences: list[str] = []
    pct = f"{round(100 * level):d}%"
    for name, node in tree.children.items():
        if "posterior" not in node.children or "beta0" not in node["posterior"].data_vars:
            continue
        b = node["posterior"]["beta0"]
        if set(b.dims) != _SLOPE_DIMS:
            continue
        terms = [t for t in POLICY_TERMS if t in b["covariate"].values]
        directions = [str(d) for d in b["direction"].values]
        if not terms:
            continue
        stats = {(t, d): _summary(np.asarray(b.sel(covariate=t, direction=d).values).ravel(), level)
                 for t in terms for d in directions}
        rows = [[POLICY_TERMS[t], *[f"{_fmt(m)} ({_fmt(lo)} to {_fmt(hi)}); P(>0) {_fmt_p(p)}"
                                    for m, lo, hi, p in (stats[(t, d)] for d in directions)]]
                for t in terms]
        tables.append(TableBlock(
            id=f"table-associations-{name}",
            caption=(f"What {name} associates with openings and closings: common slope across spaces "
                     f"per SD of the covariate (log-odds), posterior mean ({pct} interval) and the "
                     "probability that it is positive"),
            header=["Term", *[d.capitalize() + "s" for d in directions]],
            rows=rows,
            note=("Associations across countries and years, not effects: each space's slope varies "
                  "around this common one, and a scenario's forecast also moves through the "
                  "missing-data state and the other terms."),
        ))
        sentences.extend(_sanction_sentences(name, stats, directions, pct))
    if not tables:
        return None
    return Associations(tables=tuple(tables), sentences=tuple(sentences))


def _sanction_sentences(name: str, stats: dict[tuple[str, str], tuple[float, float, float, float]],
                        directions: list[str], pct: str) -> list[str]:
    """One sentence when sanctions carry the counter-intuitive sign (clearly, by ``CLEAR``)."""
    parts = []
    if "opening" in directions and ("sanctions", "opening") in stats:
        m, lo, hi, p = stats[("sanctions", "opening")]
        if p >= CLEAR:
            parts.append(f"more openings ({_fmt(m)}, {pct}: {_fmt(lo)} to {_fmt(hi)}; P(>0) {_fmt_p(p)})")
    if "closing" in directions and ("sanctions", "closing") in stats:
        m, lo, hi, p = stats[("sanctions", "closing")]
        if 1.0 - p >= CLEAR:
            parts.append(f"fewer closings ({_fmt(m)}, {pct}: {_fmt(lo)} to {_fmt(hi)}; "
                         f"P(<0) {_fmt_p(1.0 - p)})")
    if not parts:
        return []
    return [
        f"In {name}, more active sanction cases two years earlier go with {' and '.join(parts)}. "
        "This is not evidence that sanctions open regimes, and the model does not force the sign "
        "either way. A likely reason, not tested here: sanctions are imposed on regimes that have "
        "already repressed, so they mark countries whose indices are already low, where an index "
        "has more room to rise and less to fall, and the model's level and room terms may absorb "
        "only part of that. Scenarios with more sanctions inherit the association."
    ]

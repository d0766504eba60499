"""Plain-language sentences generated from the report's table rows.

Every number in a sentence is a :class:`Num` that carries the key of the table cell it quotes
(:func:`analogcast.reporting.tables.cell_key`) and the cell's printed text, so the HTML marks it up
as ``<span class="num" data-key=...>`` and a test can check sentence against table. No number is
computed here that the tables do not also show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from analogcast.reporting.run_inputs import path_model_caveat
from analogcast.reporting.tables import SPACE_LABELS, Cell, cell_key, fmt_delta, fmt_pct, rise_key

__all__ = ["Num", "Sentence", "space_phrase", "scenario_ranking", "build_narrative", "Narrative", "rise_cells",
           "rise_sentence", "contrast_sentence", "IDENTIFICATION_CAVEAT", "CAUSAL_VERBS"]



@dataclass(frozen=True)
class Num:
    """A number quoted in a sentence: the table cell ``key`` and its printed ``text``."""

    key: str
    text: str


Segment = str | Num


@dataclass
class Sentence:
    """A sentence as a list of plain-text and number segments (escaped when rendered)."""

    segments: list[Segment]
    kind: str = "text"

    @property
    def text(self) -> str:
        """The sentence as plain text."""
        return "".join(s.text if isinstance(s, Num) else s for s in self.segments)


@dataclass
class Narrative:
    """The executive summary: lead sentences, per-scenario bullets, contrasts, cautions."""

    lead: list[Sentence] = field(default_factory=list)
    scenario_bullets: list[Sentence] = field(default_factory=list)
    contrasts: list[Sentence] = field(default_factory=list)
    cautions: list[Sentence] = field(default_factory=list)


def space_phrase(space: str) -> str:
    """``"associational space"``, ``"women's space"``."""
    return f"{SPACE_LABELS.get(space, space)} space"


def _horizon_phrase(h: int) -> str:
    return f"{int(h)}-year"


def cells(rows: pd.DataFrame, quantity: str, horizon: int) -> dict[tuple[str, str], Cell]:
    """``(scenario, space) -> Cell`` for one quantity (``p_opening``/``p_closing``) and horizon."""
    sub = rows[rows["horizon"] == int(horizon)]
    out: dict[tuple[str, str], Cell] = {}
    for r in sub.itertuples(index=False):
        d = r._asdict()
        out[(d["scenario"], d["space"])] = Cell(
            key=cell_key(quantity, d["scenario"], d["space"], horizon),
            mean=float(d[quantity]),
            low=float(d[f"{quantity}_low"]),
            high=float(d[f"{quantity}_high"]),
        )
    return out


def scenario_ranking(rows: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Rank scenarios by their mean rank across spaces of the opening probability at ``horizon``.

    Returns
    -------
    pandas.DataFrame
        ``scenario, mean_rank, n_best, n_worst, n_spaces`` sorted best first (rank 1 = highest
        probability of an opening).
    """
    sub = rows[rows["horizon"] == int(horizon)]
    wide = sub.pivot(index="space", columns="scenario", values="p_opening")
    order = list(dict.fromkeys(sub["scenario"]))
    wide = wide.loc[:, order]
    ranks = wide.rank(axis=1, ascending=False, method="min")
    out = pd.DataFrame(
        {
            "scenario": order,
            "mean_rank": [float(ranks[s].mean()) for s in order],
            "n_best": [int((ranks[s] == 1).sum()) for s in order],
            "n_worst": [int((ranks[s] == ranks.max(axis=1)).sum()) for s in order],
            "n_spaces": [int(wide.shape[0])] * len(order),
        }
    )
    return out.sort_values(["mean_rank", "n_best"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _n(k: int, word: str) -> str:
    """``"1 year"``, ``"5 years"``."""
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _evidence(p: float) -> str:
    if p >= 0.9 or p <= 0.1:
        return ""
    if p >= 0.75 or p <= 0.25:
        return " (moderate evidence)"
    return " (weak evidence: the two scenarios are hard to tell apart)"


#: The one-line identification caveat said at the first scenario contrast of the summary.
IDENTIFICATION_CAVEAT = (
    "These contrasts are associations under the model's assumptions, not causal effects: donors "
    "choose where aid goes and sanctions follow repression, and a placebo test finds future aid "
    "related to past openings (section 6)."
)
#: Verbs a sentence about a scenario contrast must not use (observational contrasts are associations).
CAUSAL_VERBS: tuple[str, ...] = ("raises", "lowers", "increases", "reduces", "causes", "boosts", "cuts")


def contrast_sentence(
    row: Mapping,
    open_cells: Mapping[tuple[str, str], Cell],
    labels: Mapping[str, str],
    subject: str | None = None,
    *,
    caveat: bool = False,
) -> Sentence:
    """One scenario contrast in words of association, from one contrasts row and two table cells.

    ``row`` has the higher-mean scenario as ``scenario_a``. With ``subject = scenario_a`` (default):
    ``"Conditional engagement is associated with a higher 5-year probability of an opening in
    associational space: 21% (12–33%), against 9% (4–16%) under Isolation; the probability that it
    is higher is 97%."`` With ``subject = scenario_b`` the same numbers from B's side ("a lower ...
    probability ..."). ``caveat = True`` (the first contrast of the summary) prefixes "Under the
    model's assumptions, " and appends :data:`IDENTIFICATION_CAVEAT`.
    """
    a, b, sp, h = row["scenario_a"], row["scenario_b"], row["space"], int(row["horizon"])
    ca, cb = open_cells[(a, sp)], open_cells[(b, sp)]
    p = float(row["p_a_gt_b"])
    pkey = cell_key("p_a_gt_b", f"{a}>{b}", sp, h)
    if subject == b:
        subj, other, c_subj, c_other, cmp_word = b, a, cb, ca, "lower"
    else:
        subj, other, c_subj, c_other, cmp_word = a, b, ca, cb, "higher"
    lead = "Under the model's assumptions, " if caveat else ""
    segs: list[Segment] = [
        f"{lead}{labels[subj]} is associated with a {cmp_word} {_horizon_phrase(h)} probability of an "
        f"opening in {space_phrase(sp)}: ",
        Num(c_subj.key, c_subj.text),
        ", against ",
        Num(c_other.key, c_other.text),
        f" under {labels[other]}; the probability that it is {cmp_word} is ",
        Num(pkey, fmt_pct(p)),
        f"{_evidence(p)}.",
    ]
    if caveat:
        segs.append(" " + IDENTIFICATION_CAVEAT)
    return Sentence(segs, kind="contrast")


def pick_contrasts(
    rows: pd.DataFrame, horizon: int, ranking: pd.DataFrame, reference: str | None, max_n: int = 6
) -> list[tuple[str, str, str, str]]:
    """Choose which ``(scenario_a, scenario_b, space, subject)`` contrasts to state.

    ``scenario_a`` has the higher mean; ``subject`` is the scenario the sentence is about. Best
    versus worst scenario in the spaces where they differ most (about the best), then each other
    scenario against the reference scenario in the space where it differs most (about it).
    """
    sub = rows[rows["horizon"] == int(horizon)].set_index(["scenario", "space"])["p_opening"]
    spaces = list(dict.fromkeys(rows["space"]))
    picked: list[tuple[str, str, str, str]] = []

    def add(x: str, y: str, sp: str) -> None:
        hi, lo = (x, y) if sub[(x, sp)] >= sub[(y, sp)] else (y, x)
        if all((p[0], p[1], p[2]) != (hi, lo, sp) for p in picked):
            picked.append((hi, lo, sp, x))

    order = list(ranking["scenario"])
    if len(order) < 2:
        return picked
    best, worst = order[0], order[-1]
    gaps = sorted(spaces, key=lambda sp: -abs(sub[(best, sp)] - sub[(worst, sp)]))
    for sp in gaps[: min(3, len(gaps))]:
        add(best, worst, sp)
    if reference is not None:
        for s in order:
            if s in (reference,) or len(picked) >= max_n:
                continue
            sp = max(spaces, key=lambda q: abs(sub[(s, q)] - sub[(reference, q)]))
            add(s, reference, sp)
    return picked[:max_n]


def build_narrative(
    rows: pd.DataFrame,
    contrasts: pd.DataFrame,
    *,
    labels: Mapping[str, str],
    target_name: str,
    origin: int | None,
    horizon: int,
    level: float,
    ranking: pd.DataFrame,
    spaces: Sequence[str],
    diagnostics_ok: bool,
    conflict_spaces: Sequence[str] = (),
) -> Narrative:
    """Write the executive summary from the forecast rows and the chosen contrasts.

    Parameters
    ----------
    rows
        The forecasts table (:func:`analogcast.reporting.tables.forecast_rows`).
    contrasts
        Contrast rows for the pairs chosen by :func:`pick_contrasts` (higher mean as ``scenario_a``),
        with a ``subject`` column naming the scenario each sentence is about.
    labels
        Scenario name -> display label (user text; escaped by the template).
    target_name, origin
        The target country and forecast origin year.
    horizon
        The headline horizon in years.
    level
        Interval level (e.g. 0.89).
    ranking
        Output of :func:`scenario_ranking`.
    spaces
        Spaces in display order.
    diagnostics_ok
        Whether every sampler diagnostic passed (adds a caution otherwise).
    conflict_spaces
        Spaces whose analogy prior conflicts with the target's own data, as ``"economic"`` or
        ``"economic (closings)"``.
    """
    nar = Narrative()
    hp = _horizon_phrase(horizon)
    lvl = f"{round(100 * level):d}%"
    since = f" after {origin}" if origin is not None else ""
    nar.lead.append(
        Sentence(
            [
                f"This report gives, for {target_name}, the probability of at least one opening (a "
                f"marked liberalizing change) and of at least one closing in each democratic space "
                f"within a given number of years{since}, under {_n(len(labels), 'aid scenario')}. Each "
                f"figure is a posterior mean with its {lvl} interval in brackets."
            ]
        )
    )
    open_cells = cells(rows, "p_opening", horizon)
    close_cells = cells(rows, "p_closing", horizon)
    order = list(ranking["scenario"])
    if len(order) >= 2:
        best, worst = ranking.iloc[0], ranking.iloc[-1]
        nar.lead.append(
            Sentence(
                [
                    f"Under the model's assumptions, the scenario with the highest {hp} probability of "
                    f"an opening is {labels[best.scenario]}, highest in {best.n_best} of {best.n_spaces} "
                    f"spaces; the lowest is {labels[worst.scenario]}, lowest in {worst.n_worst} "
                    f"of {worst.n_spaces}."
                ],
                kind="ranking",
            )
        )
    for s in order:
        segs: list[Segment] = [f"{labels[s]}: "]
        for i, sp in enumerate(spaces):
            c = open_cells[(s, sp)]
            segs += [f"{SPACE_LABELS.get(sp, sp)} ", Num(c.key, c.text)]
            segs.append("; " if i < len(spaces) - 1 else ".")
        nar.scenario_bullets.append(Sentence(segs, kind="scenario"))
    for i, r in enumerate(contrasts.to_dict("records")):
        nar.contrasts.append(contrast_sentence(r, open_cells, labels, r.get("subject"), caveat=i == 0))
    # the highest closing risk
    if close_cells:
        (s, sp), c = max(close_cells.items(), key=lambda kv: kv[1].mean)
        nar.lead.append(
            Sentence(
                [
                    f"The highest risk of a closing is in {space_phrase(sp)} under {labels[s]}: ",
                    Num(c.key, c.text),
                    f" within {_n(horizon, 'year')}.",
                ],
                kind="closing",
            )
        )
    if not diagnostics_ok:
        nar.cautions.append(
            Sentence(
                [
                    "The sampler's diagnostics failed at least one threshold (see the banner and "
                    "the Diagnostics section): treat every number in this report as provisional."
                ],
                kind="caution",
            )
        )
    if conflict_spaces:
        names = ", ".join(
            f"{space_phrase(s.split(' (')[0])} ({s.split(' (')[1].rstrip(')')})" if " (" in s else space_phrase(s)
            for s in conflict_spaces
        )
        nar.cautions.append(
            Sentence(
                [
                    "Prior-data conflict: the analogous countries disagree with the target's own "
                    f"recent history in {names}; there the forecast leans more on the target's own "
                    "data and on the robust part of the prior."
                ],
                kind="caution",
            )
        )
    return nar




def rise_cells(rise: pd.DataFrame, horizon: int, delta: float) -> dict[tuple[str, str], Cell]:
    """``(scenario, space) -> Cell`` of P(index rises by >= ``delta``) at ``horizon``.

    ``rise`` is :func:`analogcast.reporting.tables.rise_rows` (``analogcast.scenarios.rise_table``).
    """
    sub = rise[(rise["horizon"] == int(horizon)) & ((rise["delta"] - float(delta)).abs() < 1e-9)]
    return {
        (str(r["scenario"]), str(r["space"])): Cell(
            key=cell_key(rise_key(delta), str(r["scenario"]), str(r["space"]), horizon),
            mean=float(r["p_rise"]),
            low=float(r["p_rise_low"]),
            high=float(r["p_rise_high"]),
        )
        for r in sub.to_dict("records")
    }


def rise_sentence(
    rise: pd.DataFrame,
    *,
    labels: Mapping[str, str],
    horizon: int,
    delta: float,
    origin: int | None = None,
) -> Sentence | None:
    """One sentence on incremental liberalization, quoting two cells of the rise table.

    The space where a rise of at least ``delta`` within ``horizon`` years is most likely (highest
    probability under any scenario), the scenario that makes it most likely there and, when there
    are several scenarios, the one that makes it least likely.
    """
    cs = rise_cells(rise, horizon, delta)
    if not cs:
        return None
    (best_s, sp), best = max(cs.items(), key=lambda kv: kv[1].mean)
    there = {s: c for (s, x), c in cs.items() if x == sp}
    when = f"between {origin} and {origin + int(horizon)}" if origin is not None else f"over {int(horizon)} years"
    segs: list[Segment] = [
        f"A rise of at least {fmt_delta(delta)} {when} "
        f"is most likely in {space_phrase(sp)}, and most likely there under {labels.get(best_s, best_s)}: ",
        Num(best.key, best.text),
    ]
    if len(there) > 1:
        worst_s, worst = min(there.items(), key=lambda kv: kv[1].mean)
        segs += [", against ", Num(worst.key, worst.text), f" under {labels.get(worst_s, worst_s)}"]
    segs.append(".")
    if len(there) > 1:
        # the path model's own caveat on its scenario comparisons (never in the executive summary)
        caveat = path_model_caveat()
        if caveat:
            segs.append(" " + caveat)
    return Sentence(segs, kind="rise")

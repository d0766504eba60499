"""The report's "Model and assumptions" material: what identifies the effects, the kept checks of
the aid terms, and the prior-sensitivity tables."""

from __future__ import annotations

import math

from analogcast.reporting.sensitivity import PSENSE_EXPLANATION, Sensitivity
from analogcast.reporting.tables import TableBlock, fmt_pct, space_label

__all__ = ["IDENTIFICATION", "aid_check_sentences", "psense_summary_table", "sensitivity_table"]


IDENTIFICATION = [
    "Openings and closings are modelled jointly for all spaces with a hierarchical logit: each "
    "country-year's chance of an event depends on covariates measured the year before, year "
    "effects that absorb global trends, and country effects.",
    "The target's own baseline hazard (theta) carries the analogy prior: the analog countries' "
    "event rates, pooled with between-country heterogeneity and discounted, so the analogies count "
    "as a stated number of country-years (the effective sample size) and no more.",
    "Aid enters as log(1 + ODA as % of GNI), 0 for countries that receive none; its association may "
    "differ in the Cold War, when alternative patrons existed for every regime (years up to 1990; "
    "Dunning 2004), and with each country's measured alignment with China and Russia relative to the "
    "US in UN General Assembly votes. Chinese official finance (AidData) enters on its own. Sanctions "
    "enter two years before the outcome, because sanctions follow repression. 'Alternative patrons "
    "available' in a scenario sets the measured alignment and Chinese finance to the level of Iran "
    "and Myanmar in 2015-2019; 'no alternative patrons' to Afghanistan's 2002-2019 level. In UN votes "
    "these two levels are close (Afghanistan's republic voted with the non-aligned majority), so "
    "these scenarios differ mainly through Chinese finance.",
    "Limits: this is an observational association across countries and years, not a randomized "
    "effect. Aid responds to expected political change, so the estimate can be confounded by what "
    "donors know; year and country effects remove only common trends and stable differences. "
    "Scenario paths move the named covariates only; everything else holds at its last observed value.",
]


_SHORT = {
    "associational": "Assoc.",
    "informational": "Inform.",
    "individual": "Indiv.",
    "governing": "Govern.",
    "electoral": "Elect.",
    "economic": "Econ.",
    "women": "Women's",
}


def psense_summary_table(sens: Sensitivity) -> tuple[TableBlock | None, str]:
    """The psense_summary table and the sentence above it (or why it is unavailable)."""
    if not sens.psense_summary:
        return None, sens.psense_summary_note
    models = {r["model"] for r in sens.psense_summary}
    many = len(models) > 1
    body = [
        [
            *([r["model"]] if many else []),
            r["meaning"],
            r["parameter"],
            f"{r['prior']:.3f}",
            f"{r['likelihood']:.3f}",
            "no issue" if r["diagnosis"] == "✓" else r["diagnosis"],
        ]
        for r in sens.psense_summary
    ]
    only = next(iter(models)) if not many else ""
    return (
        TableBlock(
            id="table-psense-summary",
            caption="Prior and likelihood sensitivity of the headline parameters (arviz-stats psense_summary"
            + (f", model {only}" if only else "")
            + "; 0.05 or more = sensitive)",
            header=[*(["Model"] if many else []), "Parameter", "Posterior variable", "Prior", "Likelihood", "Diagnosis (arviz-stats)"],
            rows=body,
            note="Priors power-scaled: "
            + "; ".join(
                (f"{m}: " if many else "") + ", ".join(next(r["prior_scaled"] for r in sens.psense_summary if r["model"] == m))
                for m in sorted(models)
            )
            + ".",
        ),
        PSENSE_EXPLANATION,
    )


def sensitivity_table(sens: Sensitivity, spaces: list[str], label: str) -> TableBlock:
    body = []
    for r in sens.rows:
        k = r.max_khat
        if not math.isfinite(k):
            ktxt = "—"
        else:
            kk = k if abs(k) >= 0.005 else 0.0
            ktxt = f"{kk:.2f} ok" if k <= 0.7 else f"{kk:.2f} unreliable"
        body.append([r.label, r.method, *[fmt_pct(r.values.get(sp, float("nan"))) for sp in spaces], ktxt])
    return TableBlock(
        id="table-sensitivity",
        caption=f"Probability of at least one opening within {sens.horizon} years under {label}, as fitted and under alternative analogy priors",
        header=["Alternative", "Method", *[_SHORT.get(sp, space_label(sp)) for sp in spaces], "Max k-hat"],
        rows=body,
        note="Each alternative changes the prior of one space at a time and reweights the posterior draws (Pareto-smoothed importance sampling); k-hat above 0.7 means the reweighted number cannot be trusted without a refit.",
    )


def aid_check_sentences(data_sha256: str | None) -> list[str]:
    """The kept checks of the aid terms (placebo, stability, leave-one-region-out) and what the
    data identify about aid x patron alignment, if they were computed on the run's data; else one
    sentence saying why they are missing."""
    from analogcast.evaluation.aid_checks import assumption_sentences, kept_checks

    checks, meta, reason = kept_checks(data_sha256)
    if checks is None:
        return [reason]
    ident = meta.get("identification") if isinstance(meta.get("identification"), dict) else None
    try:
        return assumption_sentences(checks, ident) + [
            f"Computed once on the shipped data (sha256 {str(data_sha256)[:12]}, the run's) by "
            f"{meta.get('producer', 'analogcast')}."]
    except (KeyError, ValueError, TypeError) as exc:  # a damaged kept table: say so, keep the report
        return [f"The kept aid checks could not be read ({type(exc).__name__}); recompute them with "
                "`make aid-checks`."]

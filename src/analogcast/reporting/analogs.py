"""The analogies section: which cases, their weights and why, ESS, shares and conflict.

Reads the analogy prior (``analogcast.priors.AnalogPrior`` or any object with ``meta`` and
per-(space, direction) mixtures, ESS, ESS shares, evidence and conflict p-values) and, for the
"why", recomputes the similarity table with ``analogcast.priors.similarity.suggest_weights``
when the prior does not store one. Also builds the prior rebuilder the sensitivity analysis uses
(the alternatives a run saved, else rebuilt: :mod:`analogcast.priors.alternatives`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from analogcast.data import DIRECTIONS
from analogcast.priors.alternatives import (
    Mixtures,
    override_key,
    rebuild_meta,
    rebuild_opening,
    rebuildable,
)
from analogcast.reporting import run_inputs
from analogcast.reporting.tables import TableBlock, fmt_any, fmt_pct
from analogcast.reporting.tables import space_label as _space_label

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CONFLICT_ALPHA", "analogs_section", "prior_rebuilder", "PriorRebuilder", "rebuild_many"]

#: Conflict p-values below this flag prior-data conflict (as ``analogcast.priors`` does).
CONFLICT_ALPHA = 0.05


def analogs_section(prior: Any, spaces: list[str], theta: xr.DataArray | None) -> dict[str, Any] | None:
    if prior is None:
        return None
    meta = run_inputs.prior_meta(prior)
    analogs = [str(a) for a in meta.get("analogs", []) or []]
    weights = list(meta.get("weights", []) or [])
    if isinstance(meta.get("weights"), dict):
        wmap = {str(k): float(v) for k, v in meta["weights"].items()}
    else:
        wmap = {a: float(w) for a, w in zip(analogs, weights, strict=False)}
    if wmap:
        tot = sum(wmap.values()) or 1.0
        wmap = {k: v / tot for k, v in wmap.items()}
    ess_rows, conflict_spaces, shares_total = [], [], {a: 0.0 for a in analogs}
    n_share = 0
    for sp in spaces:
        for d in DIRECTIONS:
            sp_prior = run_inputs.space_prior(prior, sp, d)
            ess = run_inputs.as_float(sp_prior.ess if sp_prior is not None else None)
            pc = run_inputs.as_float(sp_prior.conflict_p if sp_prior is not None else None)
            share = sp_prior.ess_share if sp_prior is not None else None
            share = {str(k): float(v) for k, v in share.items()} if isinstance(share, Mapping) else {}
            for a, v in share.items():
                shares_total[str(a)] = shares_total.get(str(a), 0.0) + float(v)
            n_share += bool(share)
            mean_txt = ""
            try:
                from analogcast.reporting.sensitivity import MixtureParams, mixture_mean_expit

                mean_txt = fmt_pct(mixture_mean_expit(MixtureParams.of(prior.mixture(sp, d))))
            except Exception:  # noqa: BLE001
                mean_txt = "n/a"
            post_txt = "n/a"
            if theta is not None:
                th = theta.sel(space=sp, direction=d)
                p = 1 / (1 + xr.ufuncs.exp(-th))
                post_txt = fmt_pct(float(p.mean()))
            flag = math.isfinite(pc) and pc < CONFLICT_ALPHA
            if flag:
                conflict_spaces.append(f"{sp} ({d}s)")
            top = max(share, key=share.get) if share else ""
            ess_rows.append(
                [
                    _space_label(sp),
                    d,
                    mean_txt,
                    post_txt,
                    "n/a" if not math.isfinite(ess) else f"{ess:.1f}",
                    f"{top} ({fmt_pct(share[top])})" if top else "n/a",
                    "n/a" if not math.isfinite(pc) else (f"{pc:.3f}" + (" — conflict" if flag else "")),
                ]
            )
    shares = {a: v / n_share for a, v in shares_total.items()} if n_share else {}
    sim_block = _similarity_block(prior, meta, analogs, wmap)
    tension = _tension(meta, analogs)
    model_block = _model_evidence_block(prior, spaces, analogs, str(meta.get("evidence_source") or ""))
    evidence_block = _evidence_block(prior, spaces, analogs, fitted=model_block is not None)
    meta_rows = [
        [k.replace("_", " "), fmt_any(meta[k])]
        for k in ("target", "method", "discount", "robust_weight", "window", "tau_prior", "version", "created")
        if k in meta and meta[k] not in (None, "")
    ]
    return {
        "analogs": analogs,
        "weights": wmap,
        "shares": shares,
        "meta_rows": meta_rows,
        "similarity": sim_block,
        "tension": tension,
        "track_record": [],  # filled by the report context (needs the run's data hash)
        "evidence": evidence_block,
        "model_evidence": model_block,
        "ess": TableBlock(
            id="table-ess",
            caption="Analogy prior per space and direction: yearly hazard (prior mean, posterior mean), prior ESS in country-years, the analog with the largest ESS share, prior-data conflict p-value",
            header=["Space", "Direction", "Prior mean", "Posterior mean", "Prior ESS", "Largest share", "Conflict p"],
            rows=ess_rows,
            note=f"A conflict p-value below {CONFLICT_ALPHA} means the target's own events are surprising under the analogy prior.",
        ),
        "conflict_spaces": conflict_spaces,
    }


_SIM_COLUMNS = {
    "regime": "Regime (0-3)",
    "women_civil_liberties": "Women's civil liberties",
    "log_gdp_per_capita": "log GDP per capita",
    "resource_rents": "Resource rents (% GDP)",
    "region": "Region",
    "distance": "Distance",
    "weight": "Similarity weight",
}


def _similarity_block(prior: Any, meta: dict[str, Any], analogs: list[str], used: dict[str, float]) -> TableBlock | None:
    """The similarity table, recomputed with ``priors.similarity.suggest_weights`` (an
    ``AnalogPrior`` stores the weights it used, not the table)."""
    sim: pd.DataFrame | None = None
    source = ""
    if analogs and meta.get("target"):
        try:
            from analogcast.priors.similarity import suggest_weights

            window = meta.get("window")
            years = None if window in (None, "", "all") else window
            _, sim = suggest_weights(str(meta["target"]), analogs, years=years)
            sim = sim.reset_index()
            source = "recomputed with analogcast.priors.similarity.suggest_weights (pre-period covariate means; bandwidth 1)"
        except Exception:  # noqa: BLE001 - the table is explanatory, not essential
            sim = None
    if sim is None or sim.empty:
        return None
    first = sim.columns[0]
    cols = [c for c in _SIM_COLUMNS if c in sim.columns]
    header = ["Country", *[_SIM_COLUMNS[c] for c in cols], "Weight used"]
    rows = []
    for rec in sim.to_dict("records"):
        c = str(rec[first])
        vals = []
        for k in cols:
            v = rec[k]
            if k == "weight":
                vals.append("target" if c == str(meta.get("target")) else fmt_pct(v))
            elif k == "region":
                vals.append(_region(v))
            else:
                vals.append(fmt_any(float(v)) if isinstance(v, int | float) and math.isfinite(float(v)) else "—")
        rows.append([c, *vals, fmt_pct(used[c]) if c in used else "—"])
    return TableBlock(
        id="table-similarity",
        caption="Which cases and why: the analogs' resemblance to the target (country means over the window)",
        header=header,
        rows=rows,
        note=f"Distance: standardised differences on the covariates, a different region counting as one standard deviation; similarity weight = exp(-distance²/2), normalised. Table {source}. 'Weight used' is the analog weight the prior was built with.",
    )


def _tension(meta: dict[str, Any], analogs: list[str]) -> str:
    """Where the chosen analogs rank by similarity among all countries (selection on the outcome)."""
    if not analogs or not meta.get("target"):
        return ""
    try:
        from analogcast.priors.similarity import analog_tension

        window = meta.get("window")
        _, sentence = analog_tension(str(meta["target"]), analogs,
                                     years=None if window in (None, "", "all") else window)
        return sentence
    except Exception:  # noqa: BLE001 - explanatory: a report without it beats no report
        return ""


def _region(v: Any) -> str:
    try:
        from analogcast.data import REGION_NAMES

        return str(REGION_NAMES.get(int(v), v))
    except Exception:  # noqa: BLE001
        return str(v)


def _analog_rows(prior: Any, spaces: list[str], analogs: list[str],
                 cell: Callable[[Any, str], str | None]) -> list[list[Any]] | None:
    """One row per analog, one column per space, each cell ``opening · closing`` as ``cell(space
    prior, analog)`` gives it ("—" for ``None``); ``None`` when no cell has anything."""
    rows, found = [], False
    for a in analogs:
        row: list[Any] = [a]
        for sp in spaces:
            parts = []
            for d in DIRECTIONS:
                sp_prior = run_inputs.space_prior(prior, sp, d)
                text = cell(sp_prior, a) if sp_prior is not None else None
                found = found or text is not None
                parts.append("—" if text is None else text)
            row.append(" · ".join(parts))
        rows.append(row)
    return rows if found else None


def _fitted_intercept(sp_prior: Any, analog: str) -> str | None:
    hit = next((e for e in sp_prior.model_evidence if str(e[0]) == analog), None)
    return None if hit is None else f"{float(hit[1]):.2f} ± {float(hit[2]):.2f}"


def _event_counts(sp_prior: Any, analog: str) -> str | None:
    hit = next((e for e in sp_prior.evidence or () if e.label == analog), None)  # a spell's label, not its country
    return None if hit is None else f"{hit.events}/{hit.years}"


def _model_evidence_block(prior: Any, spaces: list[str], analogs: list[str], source: str) -> TableBlock | None:
    """Each analog's fitted intercept per space (the model-scale evidence), if the prior has it."""
    rows = _analog_rows(prior, spaces, analogs, _fitted_intercept)
    if rows is None:
        return None
    return TableBlock(
        id="table-model-evidence",
        caption="The evidence the prior is built from: each analog's fitted intercept (log-odds of an "
                "event in a year, at its own mean covariates), opening · closing, posterior mean ± sd",
        header=["Analog", *[_space_label(sp) for sp in spaces]],
        rows=rows,
        note=("Fit: " + source + ". " if source else "") + "The intercepts come from the event model "
             "fitted on every country without the target's current spell, so they are on the scale of "
             "the target's own intercept. A dash: the analog has no coded year there (no elections, or "
             "an event the index level makes impossible). Each is pooled towards its region, which "
             "matters most for a short spell.",
    )


def _evidence_block(prior: Any, spaces: list[str], analogs: list[str], fitted: bool = False) -> TableBlock | None:
    """Each analog's events / coded country-years per space (the evidence the prior summarises)."""
    rows = _analog_rows(prior, spaces, analogs, _event_counts)
    if rows is None:
        return None
    return TableBlock(
        id="table-evidence",
        caption=("The analogs' event counts, for reference (the prior is built from the fitted intercepts "
                 "above): openings · closings / coded country-years, per space") if fitted else
                "The analogs' evidence: openings · closings / coded country-years, per space",
        header=["Analog", *[_space_label(sp) for sp in spaces]],
        rows=rows,
    )


#: rebuild every override at once (kept name; the work is :func:`analogcast.priors.alternatives.rebuild_opening`)
rebuild_many = rebuild_opening


class PriorRebuilder:
    """Alternative analogy priors for the sensitivity section, rebuilt on first use.

    ``saved``: the alternatives the run saved (:func:`analogcast.reporting.run_inputs.saved_alternatives`,
    keyed by :func:`~analogcast.priors.alternatives.override_key`); only what they lack is rebuilt,
    every missing one of :func:`analogcast.reporting.sensitivity.rebuild_jobs` in one pass (the
    event data loaded once, opening mixtures only). Calling the object with the overrides
    (``discount=...`` or ``analogs=(...)``) returns ``(space, direction) -> mixture`` (opening
    direction only). (Rebuilding in a worker process while figures are drawn was measured and did
    not pay on this 2-CPU machine: the worker's start-up costs as much as it saves.)
    """

    def __init__(self, meta: dict[str, Any], spaces: list[str], shares: dict[str, float] | None = None,
                 saved: Mapping[tuple[Any, ...], Mixtures] | None = None) -> None:
        from analogcast.reporting.sensitivity import rebuild_jobs

        self.meta = dict(meta)
        self.spaces = list(spaces)
        self.labelled_jobs = rebuild_jobs(self.meta, shares=shares)
        self.jobs = [over for _, over in self.labelled_jobs]
        self.saved = dict(saved or {})
        self._results: dict[tuple[Any, ...], Mixtures] | None = None

    def _all(self) -> dict[tuple[Any, ...], Mixtures]:
        if self._results is None:
            missing = [over for over in self.jobs if override_key(over) not in self.saved]
            self._results = {**self.saved, **rebuild_opening(self.meta, missing, self.spaces)}
        return self._results

    def __call__(self, **over: Any) -> Any:
        got = self._all().get(override_key(over))
        if got is None:
            got = rebuild_opening(self.meta, [over], self.spaces)[override_key(over)]
        if "error" in got:
            raise RuntimeError(got["error"][0])

        from analogcast.reporting.sensitivity import MixtureParams

        def mixture_of(space: str, direction: str) -> MixtureParams:
            if direction != "opening" or space not in got:
                raise KeyError(f"rebuilt prior has no {space}/{direction}")
            w, m, s, labels = got[space]
            return MixtureParams(np.asarray(w, float), np.asarray(m, float), np.asarray(s, float), tuple(labels))

        return mixture_of


def prior_rebuilder(prior: Any, spaces: list[str], shares: dict[str, float] | None = None,
                    saved: Mapping[tuple[Any, ...], Mixtures] | None = None) -> PriorRebuilder | None:
    """A :class:`PriorRebuilder` for a real analogy prior (``map``/``robust_map``/``power``), or ``None``."""
    if not rebuildable(run_inputs.prior_meta(prior)):
        return None
    return PriorRebuilder(rebuild_meta(prior, spaces), spaces, shares, saved)

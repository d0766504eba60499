"""The analogy prior's evidence on the event model's scale: a fit of the lead event model
(:data:`analogcast.models.registry.EVIDENCE_MODEL`) without the target's current spell, read at
every analog's (or spell's) intercept.

``theta[space, direction]``, the parameter the analogy prior informs, is the target's log-odds of
an event at its own mean covariates and mean year effect in that model. Building the prior
from the analogs' raw event rates put it on another scale (``bench/results/prior_scale.json``: the
count route differs from the fitted intercepts by up to 2.9 logit, most for closings). This
module fits the same registry model, with the same default options, on every country, with

* each analog spell (``AFG:1996-2000``) as its own unit (option ``spell_units``), so the fit has
  an intercept for it;
* the target's rows from ``current_from`` on left out (option ``drop_spells``; all the target's
  rows outside analog spells when ``current_from`` is not given), so the target's current data
  enter the main fit's likelihood only once;

and returns each analog's intercept, posterior mean and sd, as
:class:`analogcast.priors.ModelScaleEvidence`. A zero-count analog gets a finite intercept with
its uncertainty (the hierarchy pools it towards its region), so it carries the information it has.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analogcast.errors import UserInputError
from analogcast.models.convergence import THRESHOLDS
from analogcast.models.registry import EVIDENCE_MODEL
from analogcast.priors.build import ModelScaleEvidence
from analogcast.priors.spells import Analog, parse_analog

__all__ = ["EvidenceFit", "fit_analog_evidence", "evidence_options"]

_log = logging.getLogger(__name__)

MODEL = EVIDENCE_MODEL


@dataclass(frozen=True)
class EvidenceFit:
    """The evidence and how it was fitted.

    Attributes
    ----------
    evidence
        Per (space, direction): each analog's intercept ``(label, mean, sd)``.
    options
        The evidence model's options (``spell_units`` and ``drop_spells`` included).
    diagnostics
        Convergence summary (``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``, ``divergences``).
    draws, chains, seed
        Sampler settings.
    """

    evidence: ModelScaleEvidence
    options: dict[str, Any]
    diagnostics: dict[str, Any]
    draws: int
    chains: int
    seed: int


def evidence_options(target: str, analogs: Sequence[Analog], origin: int, current_from: int | None,
                     first_year: int, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Options of the evidence fit: spell analogs as units, the target's current
    spell (or, without ``current_from``, its whole record) dropped."""
    opts = dict(base or {})
    opts.pop("target_since", None)
    opts["spell_units"] = [a.label for a in analogs if a.is_spell]
    start = int(current_from) if current_from is not None else int(first_year)
    opts["drop_spells"] = [f"{target}:{start}-{int(origin) + 1}"]
    return opts


def fit_analog_evidence(
    target: str,
    analogs: Sequence[str | Analog],
    *,
    origin: int,
    current_from: int | None,
    spaces: Sequence[str] | None = None,
    draws: int = 1000,
    tune: int = 500,
    chains: int = 2,
    seed: int = 20240601,
    options: dict[str, Any] | None = None,
    panel: Any = None,
    events: Any = None,
) -> EvidenceFit:
    """Fit the evidence model without the target's current spell and read the analogs' intercepts.

    Parameters
    ----------
    target
        Target country id (resolved).
    analogs
        Analog countries and spells (``"SAU"``, ``"AFG:1996-2000"``), resolved ids.
    origin
        Last data year of the fit (the main job's origin).
    current_from
        First year of the target's current spell (dropped from the fit).
    spaces
        Spaces to fit (default all).
    draws, tune, chains, seed
        nutpie settings.
    options
        Other options of the evidence model (default: the model's defaults, as the main job uses).
    panel, events
        Data (default the shipped package data).

    Returns
    -------
    EvidenceFit

    Raises
    ------
    UserInputError
        An analog without coded years in the fit (one line, before sampling).
    """
    from analogcast import data as acdata
    from analogcast.models import get_model, sample_model
    from analogcast.models.convergence import diagnostics

    specs = [parse_analog(a) for a in analogs]
    if not specs:
        raise UserInputError("the model-scale evidence needs at least one analog (--analogs SAU,IRN)")
    panel = acdata.load_panel() if panel is None else panel
    events = acdata.load_events() if events is None else events
    first = int(np.asarray(panel["year"].values).min())
    opts = evidence_options(target, specs, origin, current_from, first, options)
    model = get_model(MODEL, **opts)
    data = model.prepare(panel, events, target=None, origin=int(origin),
                         spaces=list(spaces) if spaces is not None else None)
    units = set(map(str, data.meta["countries"]))
    labels = [a.label for a in specs]
    absent = [lab for lab in labels if lab not in units]
    if absent:
        raise UserInputError(f"analogs = {','.join(absent)}: no coded country-year in the event "
                             f"model's data up to {origin}; choose analogs the data code")
    dropped = f"from {current_from}" if current_from is not None else "outside its analog spells"
    _log.info("analog evidence: fitting %s on %d units without %s's rows %s (%d x %d draws)",
              MODEL, len(units), target, dropped, chains, draws)
    pm_model = model.build(data, None)
    tree = sample_model(pm_model, draws=draws, tune=tune, chains=chains, seed=seed, backend="nutpie")
    diag = dict(diagnostics(tree))
    for key, limit in THRESHOLDS.items():
        val = diag.get(key)
        bad = val is not None and (val > limit if key == "max_rhat" else val < limit)
        if bad:
            _log.warning("analog evidence fit: %s = %.3f (threshold %s); consider more --evidence-draws",
                         key, val, limit)
    post = tree["posterior"].to_dataset()
    draws_by_cell = model.unit_intercept_draws(post, data, labels)
    keep = {k: [(lab, round(float(v.mean()), 6), round(float(v.std()), 6)) for lab, v in cell.items()]
            for k, cell in draws_by_cell.items()}
    diag.update(_intercept_diagnostics(draws_by_cell, post.sizes["chain"], post.sizes["draw"]))
    source = (f"{MODEL} fitted without {target}'s rows {dropped} "
              f"(origin {origin}, {chains} x {draws} draws, seed {seed}; max R-hat "
              f"{diag.get('max_rhat', float('nan')):.3f}, min bulk ESS "
              f"{diag.get('min_ess_bulk', float('nan')):.0f}, divergences {diag.get('divergences', 0)}; "
              f"the analogs' intercepts: max R-hat {diag['intercepts_max_rhat']:.3f}, min bulk / tail ESS "
              f"{diag['intercepts_min_ess_bulk']:.0f} / {diag['intercepts_min_ess_tail']:.0f}): "
              "each analog's mean log-odds over its coded rows")
    return EvidenceFit(ModelScaleEvidence(keep, source), opts, diag, draws, chains, seed)


def _intercept_diagnostics(cells: dict[tuple[str, str], dict[str, np.ndarray]], chains: int,
                           draws: int) -> dict[str, float]:
    """R-hat and bulk / tail ESS (arviz-stats) of the analogs' intercepts themselves."""
    import warnings

    import arviz_stats as azs
    import xarray as xr

    ds = xr.Dataset({f"{s}.{d}.{lab}": (("chain", "draw"), v.reshape(chains, draws))
                     for (s, d), cell in cells.items() for lab, v in cell.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rhat, bulk, tail = azs.rhat(ds), azs.ess(ds, method="bulk"), azs.ess(ds, method="tail")

    def pick(res: xr.Dataset, how: str) -> float:
        vals = np.array([float(res[v]) for v in res.data_vars])
        return float(np.nanmax(vals) if how == "max" else np.nanmin(vals))

    return {"intercepts_max_rhat": pick(rhat, "max"), "intercepts_min_ess_bulk": pick(bulk, "min"),
            "intercepts_min_ess_tail": pick(tail, "min")}

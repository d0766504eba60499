"""Do analogy priors help? Leave-one-country-out backcasts of analog-style cases.

For a case ``(target, origin t, analogs)`` and every space and direction, the target's probability
of an event in ``t + 1 .. t + 2`` is forecast twice, with the analogy prior
(:func:`analogcast.priors.build_prior`, ``robust_map`` by default) and with no analogy
(``method="none"``: ``Normal(logit(base rate), 1.5)``), and scored against the shipped label of
row ``t``. Everything is strict: the analogs' and the target's events are recoded on series cut
at ``t`` (so the priors, the base rate and the target's own evidence use nothing after ``t``), the
analogs' window ends at ``t - 1``, and the target is never among its own analogs.

The forecast is one parameter per space and direction, ``theta`` = the target's logit yearly
hazard, as in the priors' contract: the prior (a normal mixture) is updated by quadrature with the
target's own coded years in ``t - own_years .. t - 1`` (binomial likelihood; ``own_years = 0`` gives
the prior predictive alone, as for a country without history), and the forecast is the posterior
mean of ``1 - (1 - h)^2``, ``h = logistic(theta)``. This isolates what the prior contributes; it is
not the full covariate model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.evaluation.features import SPACE_INDEX, space_index_frame
from analogcast.evaluation.protocol import DIRECTIONS, _code_rows, truth_labels
from analogcast.evaluation.scores import log_loss

__all__ = ["LocoCase", "CASES", "cut_events", "predictive_two_year", "loco_case", "run_loco"]


@dataclass(frozen=True)
class LocoCase:
    """A backcast case: target country, origin year and its analogs."""

    target: str
    origin: int
    analogs: tuple[str, ...]


#: The issue's analog-style cases; analogs are the other Gulf monarchies for Saudi Arabia and
#: the region's large, long-lived autocracies for Iran (chosen before looking at any score).
CASES: tuple[LocoCase, ...] = (
    LocoCase("SAU", 2015, ("ARE", "KWT", "OMN", "QAT", "JOR", "IRN")),
    LocoCase("IRN", 2008, ("SAU", "SYR", "EGY", "IRQ", "PAK", "DZA")),
)

_GRID = np.linspace(-14.0, 8.0, 4401)


def cut_events(panel: xr.Dataset, origin: int) -> xr.Dataset:
    """Yearly ``opening`` / ``closing`` of every space recoded on series cut at ``origin``."""
    spaces = [s for s, v in SPACE_INDEX.items() if v in panel]
    ups, downs = [], []
    for s in spaces:
        wide = space_index_frame(panel, s)
        wide = wide.loc[:, wide.columns <= origin]
        u, d = _code_rows(wide.to_numpy(), s)
        ups.append(u)
        downs.append(d)
    years = panel["year"].values[panel["year"].values <= origin]
    coords = {"country": panel["country"].values, "year": years, "space": spaces}
    return xr.Dataset(
        {
            "opening": (("country", "year", "space"), np.stack(ups, axis=-1)),
            "closing": (("country", "year", "space"), np.stack(downs, axis=-1)),
        },
        coords=coords,
    )


def predictive_two_year(mixture, events: float, years: float, horizon: int = 2) -> float:
    """Posterior mean of ``1 - (1 - h)^horizon`` given ``events`` in ``years`` (quadrature).

    ``mixture`` is a prior on ``theta = logit(h)`` with a ``logpdf`` method (``NormalMixture``).
    """
    lp = np.asarray(mixture.logpdf(_GRID), float)
    log_h = -np.logaddexp(0.0, -_GRID)
    log_1mh = -np.logaddexp(0.0, _GRID)
    lp = lp + events * log_h + (years - events) * log_1mh
    w = np.exp(lp - lp.max())
    w /= w.sum()
    return float(np.sum(w * (1.0 - np.exp(horizon * log_1mh))))


def loco_case(
    case: LocoCase,
    panel: xr.Dataset,
    events: xr.Dataset,
    *,
    method: str = "robust_map",
    own_years: Sequence[int] = (0, 10),
) -> pd.DataFrame:
    """Forecasts with and without the analogy prior for every space and direction of ``case``.

    Returns one row per space, direction and ``own_years``: ``y`` (shipped label of row
    ``origin``), ``p_analogy``, ``p_none``, ``own_events``, ``own_years``, ``prior_mean``.
    """
    from analogcast.priors import build_prior

    t = case.origin
    cut = cut_events(panel, t)
    spaces = list(cut["space"].values)
    kw = {"events": cut, "data_sha256": f"strict-cut-{t}", "spaces": spaces}
    p_an = build_prior(case.target, list(case.analogs), method=method, window=(None, t - 1), **kw)
    p_no = build_prior(case.target, [], method="none", **kw)
    rows = []
    for s in spaces:
        truth = truth_labels(events, s).loc[(case.target, t)]
        for d in DIRECTIONS:
            own = cut[d].sel(country=case.target, space=s)
            for k in own_years:
                window = own.sel(year=slice(t - k, t - 1)) if k else own.isel(year=slice(0, 0))
                coded = window.values[~np.isnan(window.values)]
                x, n = float(coded.sum()), float(coded.size)
                rows.append(
                    {
                        "target": case.target,
                        "origin": t,
                        "space": s,
                        "direction": d,
                        "own_years": k,
                        "own_events": x,
                        "own_coded_years": n,
                        "y": float(truth[f"y_{d}"]),
                        "p_analogy": predictive_two_year(p_an.mixture(s, d), x, n),
                        "p_none": predictive_two_year(p_no.mixture(s, d), x, n),
                        "prior_mean_analogy": float(p_an.mixture(s, d).mean()),
                        "prior_mean_none": float(p_no.mixture(s, d).mean()),
                    }
                )
    return pd.DataFrame(rows)


def run_loco(
    cases: Sequence[LocoCase] = CASES,
    *,
    panel: xr.Dataset | None = None,
    events: xr.Dataset | None = None,
    method: str = "robust_map",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All cases: (per-outcome forecasts, log-loss per case and ``own_years``)."""
    from analogcast.data import load_events, load_panel

    panel = load_panel() if panel is None else panel
    events = load_events() if events is None else events
    rows = pd.concat([loco_case(c, panel, events, method=method) for c in cases], ignore_index=True)
    summary = []
    for (target, origin, k), g in rows.groupby(["target", "origin", "own_years"], sort=False):
        g = g[g["y"].notna()]
        summary.append(
            {
                "target": target,
                "origin": origin,
                "own_years": k,
                "n_outcomes": len(g),
                "n_events": int(g["y"].sum()),
                "log_loss_analogy": log_loss(g["y"], g["p_analogy"]),
                "log_loss_none": log_loss(g["y"], g["p_none"]),
            }
        )
    return rows, pd.DataFrame(summary)

"""Analogy priors for the trajectory model: the target's drift intercept per series.

The ``trajectory`` model (``analogcast.models.trajectory``) writes the yearly change of the logit
index, in the years it moves, as ``dy = a - kappa (y - ybar) + rho dy_prev + (X - Xbar) beta + g + e``.
Its target-specific term is the drift intercept ``a`` at the target's own mean covariates. Each
analog (or spell) ``j`` gives an estimate of its own ``a_j`` on that scale:

``a_hat_j = mean(dy)`` over the analog's years in which the index moved, ``se_j = sd(dy) / sqrt(m_j / D)``

with ``m_j`` the moved years and ``D`` = 2 (consecutive yearly changes of a smoothed expert-coded
index are positively correlated; a lag-one autocorrelation of 1/3 gives a variance inflation of
about 2). The mean-reversion and covariate terms average near zero over a country's own years
(``y - ybar`` is centred on the running mean, covariates on the country's mean), so ``a_hat_j`` is
the model-scale drift up to those small averages; a fitted trajectory model without the target
would give it exactly (pass such estimates through ``drift_evidence``).

The prior on the target's ``a`` is the MAP over the analogs' estimates (normal likelihoods, tau
integrated over ``HalfNormal(0.05)``: drift intercepts are a few hundredths of a logit unit a
year), robustified with weight ``robust_weight`` towards the model's own default
``N(0, 0.1^2)`` (the region-intercept prior), and discounted and weighted like the event prior.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.special import logit

from analogcast.errors import UserInputError
from analogcast.priors.methods import TauPrior, map_prior, power_prior
from analogcast.priors.mixture import NormalMixture
from analogcast.priors.spells import Analog

__all__ = [
    "DriftPrior",
    "DriftEvidence",
    "drift_evidence",
    "build_drift",
    "DRIFT_TAU",
    "DRIFT_VAGUE_SD",
    "DRIFT_DESIGN_EFFECT",
]

DRIFT_TAU = TauPrior("halfnormal", 0.05)
DRIFT_VAGUE_SD: float = 0.1
DRIFT_DESIGN_EFFECT: float = 2.0
_CLIP = (0.005, 0.995)
_MOVE_EPS = 1e-9


@dataclass(frozen=True)
class DriftEvidence:
    """One analog's drift estimate for one series: ``mean`` and ``se`` of dy over ``moved`` years."""

    label: str
    mean: float
    se: float
    moved: int


@dataclass(frozen=True)
class DriftPrior:
    """Prior on the target's drift intercept for one trajectory series (``mixture``), and its evidence."""

    series: str
    mixture: NormalMixture
    evidence: tuple[DriftEvidence, ...]
    tau_median: float | None = None


def _series_values(panel: xr.Dataset, series: str) -> tuple[str, float]:
    from analogcast.data import SPACES

    if series == "wbl":
        return "wbl_index", 100.0
    return SPACES[series], 1.0


def drift_evidence(
    panel: xr.Dataset, analog: Analog, series: str, window: tuple[int | None, int | None] = (None, None)
) -> DriftEvidence | None:
    """``a_hat`` and ``se`` of one analog (whole country in ``window``, or its spell); None if < 3 moves."""
    var, scale = _series_values(panel, series)
    if var not in panel or analog.country not in set(map(str, panel["country"].values)):
        return None
    s = panel[var].sel(country=analog.country).to_series().astype(float) / scale
    y = logit(np.clip(s.to_numpy(), *_CLIP))
    yrs = s.index.to_numpy()
    dy = np.full_like(y, np.nan)
    dy[1:] = np.diff(y)
    if analog.is_spell:
        mask = analog.years(yrs)
    else:
        lo, hi = window
        mask = np.ones(yrs.shape, bool)
        if lo is not None:
            mask &= yrs >= lo
        if hi is not None:
            mask &= yrs <= hi
    v = dy[mask & np.isfinite(dy)]
    v = v[np.abs(v) > _MOVE_EPS]
    if v.size < 3:
        return None
    sd = float(np.std(v, ddof=1))
    se = max(sd, 1e-4) / math.sqrt(v.size / DRIFT_DESIGN_EFFECT)
    return DriftEvidence(analog.label, float(np.mean(v)), se, int(v.size))


def build_drift(
    evidence: Sequence[DriftEvidence],
    power: Mapping[str, float],
    method: str,
    robust_weight: float,
    series: str,
) -> DriftPrior | None:
    """The drift prior of one series from the analogs' estimates (None when no analog has one)."""
    use = [e for e in evidence if power.get(e.label, 0.0) > 0]
    if not use or method == "none":
        return None
    y = np.array([e.mean for e in use])
    se = np.array([e.se for e in use]) / np.sqrt([power[e.label] for e in use])
    if method == "power":
        mix = power_prior(y, se, 1.0, label="power")
        tau_med = None
    elif method in ("map", "robust_map"):
        res = map_prior(y, se, DRIFT_TAU, k=3, label="map")
        mix, tau_med = res.mixture, res.tau_median
    else:  # pragma: no cover - checked by build_prior
        raise UserInputError(f"method = {method!r} has no drift prior")
    if method == "robust_map" and robust_weight > 0:
        mix = NormalMixture.combine(
            [(1 - robust_weight, mix), (robust_weight, NormalMixture.normal(0.0, DRIFT_VAGUE_SD, "vague"))]
        )
    return DriftPrior(series, mix, tuple(evidence), tau_med)

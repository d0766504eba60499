"""Prior predictive summaries and the prior-data conflict check for the target.

Both are computed by deterministic quadrature over the prior (no sampling):

* :func:`prob_any_event` - the implied probability of at least one event within ``h`` years,
  ``1 - (1 - p)^h`` with ``p = logistic(theta)``; since it is monotone in ``theta`` its prior
  quantiles are the transformed quantiles of ``theta``.
* :func:`conflict_pvalue` - Box's (1980) prior predictive check of the target's own recent
  record: with ``Y ~ Binomial(n, logistic(theta))``, ``theta ~ prior``, the two-sided tail
  probability ``min(1, 2 min(P(Y <= y), P(Y >= y)))`` of the observed count ``y`` of events in
  its last ``n`` coded years. Values below :data:`CONFLICT_ALPHA` flag prior-data conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from analogcast.errors import UserInputError
from analogcast.priors.mixture import NormalMixture, quadrature_nodes

__all__ = [
    "CONFLICT_ALPHA",
    "PredictiveSummary",
    "prob_any_event",
    "predictive_pmf",
    "conflict_pvalue",
]

CONFLICT_ALPHA: float = 0.05


@dataclass(frozen=True)
class PredictiveSummary:
    """Mean, central interval (and optionally median) of a prior-implied probability."""

    mean: float
    lower: float
    upper: float
    prob: float = 0.89
    median: float | None = None


def prob_any_event(mix: NormalMixture, horizon: int = 2, prob: float = 0.89) -> PredictiveSummary:
    """Prior distribution of P(at least one event within ``horizon`` years).

    Parameters
    ----------
    mix
        Prior on the logit yearly hazard.
    horizon
        Years ahead (>= 1).
    prob
        Mass of the central interval.
    """
    if horizon < 1:
        raise UserInputError(f"horizon = {horizon} must be >= 1 year")

    def g(t: np.ndarray | float) -> np.ndarray:
        # 1 - (1 - p)^h computed as -expm1(h * log(1 - p)), log(1 - p) = -softplus(t)
        return -np.expm1(-horizon * np.logaddexp(0.0, t))

    t, w = quadrature_nodes(mix)
    mean = float(np.sum(w * mix.pdf(t) * g(t)))
    lo, hi = mix.interval(prob)
    return PredictiveSummary(mean, float(g(lo)), float(g(hi)), prob)


def predictive_pmf(mix: NormalMixture, n: int) -> np.ndarray:
    """Prior predictive pmf of the number of events in ``n`` years, ``P(Y = 0..n)``."""
    if n < 0:
        raise UserInputError(f"years = {n} must be >= 0")
    t, w = quadrature_nodes(mix)
    mass = w * mix.pdf(t)
    p = special.expit(t)
    y = np.arange(n + 1)
    pmf = stats.binom.pmf(y[None, :], n, p[:, None]).T @ mass
    return pmf / pmf.sum()


def conflict_pvalue(mix: NormalMixture, x: int, n: int) -> float:
    """Two-sided prior predictive tail probability of ``x`` events in ``n`` years (NaN if ``n = 0``)."""
    if n == 0:
        return float("nan")
    if not 0 <= x <= n:
        raise UserInputError(f"need 0 <= events <= years (got events = {x}, years = {n})")
    pmf = predictive_pmf(mix, n)
    lower = float(pmf[: x + 1].sum())
    upper = float(pmf[x:].sum())
    return float(min(1.0, 2.0 * min(lower, upper)))

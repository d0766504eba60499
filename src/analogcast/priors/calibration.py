"""The default scale calibration: from an analog's mean yearly rate to the model's ``theta``.

The models put the prior on ``theta[s, d]``, the target's logit hazard at its own mean covariates:
the *mean of the logit hazard* over its years. An analog's event count estimates its *mean yearly
rate*. The two differ because the hazard varies within a country from year to year (with the index
level, recent change, years since the last move, year shocks): by Jensen's inequality, for rare
events ``logit(mean rate) > mean logit hazard``. With a within-country spread ``e ~ N(0, v)`` of the
linear predictor, the logistic-normal approximation ``E[logistic(theta + e)] ~= logistic(theta /
kappa)``, ``kappa = sqrt(1 + pi v / 8)``, gives ``theta ~= kappa * logit(mean rate)``.

:data:`KAPPA` holds kappa per space and direction, measured by ``bench/priors_calibration.py`` on the
shipped data (2026-11-29): a fixed-effects logit of each yearly event on the event model's dynamic
covariates at t-1, the RoW regime category and year dummies, then, over the countries with at least
one event, the least-squares slope of theta_c (mean linear predictor) on logit(mean fitted hazard).
The implied gaps ``logit(rate) - theta`` average 0.41-1.08 logit across spaces and directions;
the issue measured 0.25-0.6 between the raw-rate prior and the fitted event model's intercepts,
whose shrinkage and smaller covariate set leave less within-country spread. So the default is an
approximation in the right direction. When a fitted event model without the target is available,
pass its per-analog intercepts instead (``build_prior(..., evidence=...)``): that route needs no
calibration. ``kappa = 1`` reproduces the uncalibrated raw-rate scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from analogcast.errors import UserInputError

__all__ = ["KAPPA", "kappa_for"]

KAPPA: Mapping[tuple[str, str], float] = MappingProxyType(
    {
        ("associational", "opening"): 1.226,
        ("associational", "closing"): 1.270,
        ("informational", "opening"): 1.295,
        ("informational", "closing"): 1.305,
        ("individual", "opening"): 1.250,
        ("individual", "closing"): 1.258,
        ("governing", "opening"): 1.182,
        ("governing", "closing"): 1.261,
        ("electoral", "opening"): 1.356,
        ("electoral", "closing"): 1.166,
        ("economic", "opening"): 1.268,
        ("economic", "closing"): 1.213,
        ("women", "opening"): 1.170,
        ("women", "closing"): 1.391,
    }
)


def kappa_for(space: str, direction: str, override: float | None = None) -> float:
    """kappa of one cell: ``override`` if given (>= 1 expected, > 0 required), else :data:`KAPPA` (1 if absent)."""
    if override is not None:
        k = float(override)
        if not k > 0 or k != k or k == float("inf"):
            raise UserInputError(f"kappa = {override} must be a positive number (1 = no calibration)")
        return k
    return float(KAPPA.get((space, direction), 1.0))

"""Seeded simulations: does the MAP prior cover a new country's true hazard at its stated rate?

Data-generating process (the MAP model itself): ``theta_j ~ N(mu, tau^2)`` for ``J`` analogs and for the
new country; each analog shows ``x_j ~ Binomial(n_j, logistic(theta_j))`` events in ``n_j`` coded years
(or, in the exact-calibration check, a normal estimate with known se). The MAP prior from the analogs
must cover the new country's ``theta`` in its central 89% interval about 89% of the time.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from analogcast.priors import TauPrior, logit_estimate, map_prior


def _covers(seed: int, mu: float, tau: float, prob: float = 0.89, k: int | None = 4) -> bool:
    rng = np.random.default_rng(seed)
    j = 2 + seed % 5  # 2..6 analogs
    theta = rng.normal(mu, tau, j)
    new = rng.normal(mu, tau)
    n = rng.integers(30, 61, j)  # 30-60 coded years per analog
    x = rng.binomial(n, special.expit(theta))
    est = [logit_estimate(a, b) for a, b in zip(x, n, strict=True)]
    prior = map_prior(
        [e[0] for e in est], [e[1] for e in est], TauPrior("halfnormal", 1.0), k=k
    ).mixture
    lo, hi = prior.interval(prob)
    return bool(lo <= new <= hi)


def test_map_89_interval_covers_new_country_with_known_hyperparameters() -> None:
    """100 seeded replications, mu = logit(0.12), tau = 0.5 (inside the default prior's bulk).

    Binomial noise in 100 replications has sd 3.1 points, so 80-96% is about +-3 sd around 89%.
    Uses the exact quadrature predictive (fast); the slow tier repeats it with the stored 4-component
    mixture, and test_priors_maths bounds the compression error.
    """
    cover = [_covers(seed, mu=-2.0, tau=0.5, k=None) for seed in range(100)]
    rate = float(np.mean(cover))
    assert 0.80 <= rate <= 0.96, rate


@pytest.mark.slow
@pytest.mark.parametrize("mu,tau", [(-1.5, 0.5), (-2.5, 0.5), (-2.0, 0.7)])
def test_map_coverage_other_known_hyperparameters(mu: float, tau: float) -> None:
    cover = [_covers(1000 + seed, mu=mu, tau=tau) for seed in range(200)]
    rate = float(np.mean(cover))
    assert 0.82 <= rate <= 0.95, rate  # +-3 sd of 200 replications around 89%


@pytest.mark.slow
def test_map_is_exactly_calibrated_when_tau_is_drawn_from_its_prior() -> None:
    """Averaged over the tau prior (normal data, known se) Bayesian intervals are exactly calibrated.

    1000 replications: sd of the coverage is 1 point, so the band 86-92% is +-3 sd.
    """
    hits89, hits50 = [], []
    for seed in range(1000):
        rng = np.random.default_rng(50_000 + seed)
        j = 2 + seed % 5
        tau = abs(rng.normal(0.0, 1.0))  # HalfNormal(1), the prior used below
        mu = rng.normal(-2.0, 1.0)  # flat prior on mu makes the interval location-equivariant
        theta = rng.normal(mu, tau, j)
        new = rng.normal(mu, tau)
        se = rng.uniform(0.3, 0.9, j)
        y = rng.normal(theta, se)
        prior = map_prior(y, se, TauPrior("halfnormal", 1.0), k=None).mixture
        lo, hi = prior.interval(0.89)
        hits89.append(lo <= new <= hi)
        lo, hi = prior.interval(0.50)
        hits50.append(lo <= new <= hi)
    assert 0.86 <= np.mean(hits89) <= 0.92, np.mean(hits89)
    assert 0.45 <= np.mean(hits50) <= 0.55, np.mean(hits50)

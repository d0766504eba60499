"""Observation densities of the registry models, written for the sampler's speed.

The same densities as PyMC's ``Bernoulli(logit_p=eta)`` and ``StudentT(nu, mu, sigma)``, with
fewer special-function evaluations per row. The log density and its gradient are what nutpie
evaluates some 10^5 times per fit, and on the models' 10^4-10^5 rows the elementwise special
functions, not the design products, are most of their cost:

* PyMC's Bernoulli writes ``switch(y, log(p), log(1 - p))`` with a bounds check on ``p``: both
  branches (two softplus, each with three exponentials once compiled by JAX) and a sigmoid are
  evaluated for every row. :func:`bernoulli_logit` writes the same log mass as
  ``y * eta - softplus(eta)``, with ``softplus(x) = max(x, 0) + log1p(exp(-|x|))``, which is exact
  and never overflows.
* PyMC's StudentT with a per-row ``nu`` evaluates ``lgamma`` twice per row (and ``digamma`` twice
  in the gradient), although ``nu`` takes one value per series. :func:`student_t` evaluates the
  normalising constant once per group and gathers it.

Measured with ``bench/bench_gradient.py`` (``bench/results/gradient.json``, 2-core machine): one log
density and gradient call as nutpie makes it took 18% less time for the main job's ``event_logit``
(1.30 -> 1.07 ms), 28% less for its ``trajectory`` (1.02 -> 0.74 ms) and 14% less on a backtest fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pytensor.tensor as pt

__all__ = ["bernoulli_logit", "student_t", "softplus"]


def softplus(x: Any) -> pt.TensorVariable:
    """``log(1 + exp(x))`` as ``max(x, 0) + log1p(exp(-|x|))``: exact for every finite ``x``."""
    import pytensor.tensor as pt

    return pt.maximum(x, 0.0) + pt.log1p(pt.exp(-pt.abs(x)))


def _bernoulli_logit_logp(value: Any, eta: Any) -> pt.TensorVariable:
    return value * eta - softplus(eta)


def _bernoulli_logit_random(eta: np.ndarray, rng: np.random.Generator | None = None,
                            size: tuple[int, ...] | None = None) -> np.ndarray:
    from scipy.special import expit

    assert rng is not None  # PyMC always passes the generator
    return rng.binomial(1, expit(eta), size=size).astype(np.float64)


def bernoulli_logit(name: str, eta: Any, observed: np.ndarray) -> Any:
    """An observed Bernoulli variable with log-odds ``eta``, inside a ``pm.Model`` context.

    Parameters
    ----------
    name
        Variable name (the ``log_likelihood`` group uses it).
    eta
        Log-odds per row, a PyTensor vector.
    observed
        0/1 outcomes per row.

    Returns
    -------
    TensorVariable
        The observed random variable; its log mass is ``y * eta - softplus(eta)`` per row.
    """
    import pymc as pm

    y = np.asarray(observed, dtype=np.float64)
    if y.size and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"{name}: Bernoulli outcomes must be 0 or 1")
    return pm.CustomDist(name, eta, logp=_bernoulli_logit_logp, random=_bernoulli_logit_random,
                         observed=y)


def _student_t_logp(value: Any, nu: Any, log_norm: Any, mu: Any, sigma: Any) -> pt.TensorVariable:
    import pytensor.tensor as pt

    z = (value - mu) / sigma
    return log_norm - pt.log(sigma) - (nu + 1.0) / 2.0 * pt.log1p(z * z / nu)


def _student_t_random(nu: np.ndarray, log_norm: np.ndarray, mu: np.ndarray, sigma: np.ndarray,
                      rng: np.random.Generator | None = None,
                      size: tuple[int, ...] | None = None) -> np.ndarray:
    assert rng is not None  # PyMC always passes the generator
    return mu + sigma * rng.standard_t(nu, size=size)


def student_t(name: str, nu: Any, group: np.ndarray, mu: Any, sigma: Any,
              observed: np.ndarray) -> Any:
    """An observed Student-t variable whose degrees of freedom are shared within groups.

    Parameters
    ----------
    name
        Variable name.
    nu
        Degrees of freedom per group, a PyTensor vector of length ``G``.
    group
        Group (0..G-1) of each row.
    mu, sigma
        Location and scale per row.
    observed
        The values per row.

    Returns
    -------
    TensorVariable
        The observed random variable; its log density per row is PyMC's ``StudentT`` log density
        with ``nu[group]``, with ``lgamma((nu + 1) / 2) - lgamma(nu / 2) - log(pi nu) / 2``
        evaluated once per group.
    """
    import pymc as pm
    import pytensor.tensor as pt

    g = np.asarray(group, dtype=np.int64)
    log_norm = pt.gammaln((nu + 1.0) / 2.0) - pt.gammaln(nu / 2.0) - 0.5 * pt.log(np.pi * nu)
    return pm.CustomDist(name, nu[g], log_norm[g], mu, sigma, logp=_student_t_logp,
                         random=_student_t_random, observed=np.asarray(observed, dtype=np.float64))

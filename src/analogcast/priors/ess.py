"""Effective sample size of a prior, in country-years.

One country-year is one Bernoulli observation (event or not) of the target's yearly hazard
``p = logistic(theta)``; its Fisher information on the logit scale is ``p (1 - p)``.

Three numbers are reported for each prior (all in country-years):

``ess`` (ELIR, reference information; the headline)
    The expected local-information ratio of Neuenschwander, Weber, Schmidli and O'Hagan (2020),
    ``E_prior[ i_prior(theta) / i_ref ]`` with ``i_prior = -d^2/dtheta^2 log p(theta)``, taking as the
    unit information the Bernoulli information at the prior's reference rate
    ``p_ref = logistic(E[theta])``: ``i_ref = p_ref (1 - p_ref)``. This is RBesT's ELIR for normal
    mixtures with reference scale ``sigma = 1 / sqrt(i_ref)``. It is exact for the conjugate normal
    case (``N(m, s^2)`` has ESS ``1 / (s^2 i_ref)``), additive in information, exactly linear in the
    power-prior discount, and equals 1 for the unit-information robust component by construction.
``ess_moment``
    ``1 / (Var[theta] i_ref)``: the ESS of the normal with the prior's mean and variance.
``ess_local``
    ELIR with the *local* Bernoulli information ``p(theta)(1 - p(theta))`` instead of ``i_ref``
    (RBesT's ``ess(mix, family = binomial)``). It is the more literal reading for a binary outcome,
    but a normal on the logit scale is not the conjugate shape there: its tails reach hazards where
    a country-year carries almost no information, so ``ess_local`` exceeds ``ess`` by the factor
    ``E[1 / (p(1-p))] p_ref(1-p_ref)`` (about ``exp(s^2 / 2)`` for ``N(m, s^2)``), strongly so for
    rare events with few data. It is reported as a sensitivity figure.

The ELIR integral itself is one function, :func:`elir`, whatever the prior family and scale;
:func:`ess_beta` applies it to a Beta prior on the probability scale with the binomial unit
information ``1 / (p (1 - p))`` and reproduces the known ESS ``a + b`` (a test checks this).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
from scipy import integrate, special, stats

from analogcast.errors import UserInputError
from analogcast.priors.mixture import NormalMixture, quadrature_nodes

__all__ = [
    "elir",
    "ess_beta",
    "ess_mixture",
    "reference_rate",
    "EssMethod",
]

EssMethod = Literal["elir", "moment", "local"]

Fn = Callable[[np.ndarray], np.ndarray]


def elir(pdf: Fn, prior_info: Fn, unit_info: Fn, nodes: np.ndarray, weights: np.ndarray) -> float:
    """Expected local-information ratio ``integral pdf(t) i_prior(t) / i_unit(t) dt``.

    Parameters
    ----------
    pdf
        Prior density.
    prior_info
        ``-d^2/dt^2 log pdf(t)``.
    unit_info
        Fisher information of one observation (one country-year) at ``t``.
    nodes, weights
        A quadrature rule on the prior's support.
    """
    dens = pdf(nodes)
    live = dens > 0  # far-tail nodes contribute nothing (and unit_info may underflow there)
    t = nodes[live]
    return float(np.sum(weights[live] * dens[live] * prior_info(t) / unit_info(t)))


def _beta_rule(h: float = 1.0 / 64.0, t_max: float = 4.5) -> tuple[np.ndarray, np.ndarray]:
    """Tanh-sinh (double-exponential) rule on (0, 1): exact to rounding for endpoint singularities.

    ``p = logistic(pi sinh t)`` on an equispaced ``t`` grid, weight ``h pi cosh t p (1 - p)``; the
    Beta ELIR integrand behaves like ``p^(a - 2)`` near 0, which this rule integrates to ~1e-14.
    """
    t = np.arange(-t_max, t_max + h / 2, h)
    x = np.pi * np.sinh(t)
    p = special.expit(x)
    w = h * np.pi * np.cosh(t) * special.expit(x) * special.expit(-x)
    keep = (p > 0) & (p < 1)
    return p[keep], w[keep]


def ess_beta(a: float, b: float, method: Literal["elir", "moment"] = "elir") -> float:
    """ESS of ``Beta(a, b)`` on the probability scale for binomial data (known answer ``a + b``).

    ``elir`` integrates the ELIR with the binomial unit information ``1 / (p (1 - p))`` and the
    Beta's observed information ``(a - 1) / p^2 + (b - 1) / (1 - p)^2`` (needs ``a, b > 1``: at
    ``a = 1`` the term ``(a - 1) E[(1 - p) / p]`` is ``0 * infinity``, whose limit ``b`` the integral
    cannot see). ``moment`` matches
    mean and variance: ``m (1 - m) / v - 1``.
    """
    if a <= 0 or b <= 0:
        raise UserInputError(f"Beta parameters must be > 0 (got a = {a}, b = {b})")
    if method == "moment":
        m = a / (a + b)
        v = a * b / ((a + b) ** 2 * (a + b + 1))
        return m * (1 - m) / v - 1.0
    if method != "elir":
        raise UserInputError(f"method = {method!r} is not one of 'elir', 'moment'")
    if a <= 1 or b <= 1:
        raise UserInputError(f"ELIR of Beta(a, b) needs a, b > 1 (got a = {a}, b = {b})")
    nodes, weights = _beta_rule()
    return elir(
        lambda p: stats.beta.pdf(p, a, b),
        lambda p: (a - 1) / p**2 + (b - 1) / (1 - p) ** 2,
        lambda p: 1.0 / (p * (1 - p)),
        nodes,
        weights,
    )


def _beta_elir_quad(a: float, b: float) -> float:
    """Same ELIR integral by adaptive ``quad`` (independent check used in tests)."""

    def f(p: float) -> float:
        return float(
            stats.beta.pdf(p, a, b) * ((a - 1) / p**2 + (b - 1) / (1 - p) ** 2) * p * (1 - p)
        )

    return float(integrate.quad(f, 0.0, 1.0, limit=400, epsabs=0, epsrel=1e-12)[0])


def reference_rate(mix: NormalMixture, kappa: float = 1.0) -> float:
    """``p_ref = logistic(E[theta] / kappa)``: the rate at which one country-year's information is taken."""
    return float(special.expit(mix.mean() / kappa))


def ess_mixture(
    mix: NormalMixture, method: EssMethod = "elir", p_ref: float | None = None, kappa: float = 1.0
) -> float:
    """ESS of a prior on the logit yearly hazard, in country-years (see the module docstring).

    Parameters
    ----------
    mix
        The prior.
    method
        ``"elir"`` (reference information, the headline), ``"moment"`` or ``"local"`` (ELIR with the
        local Bernoulli information).
    p_ref
        Reference rate for ``elir``/``moment``; default :func:`reference_rate` of ``mix``. Analog
        shares pass the combined prior's rate so every analog is measured in the same unit.
    kappa
        Scale factor of the model's ``theta`` (:mod:`analogcast.priors.calibration`): a country-year
        is a Bernoulli at rate ``p = logistic(theta / kappa)``, whose information on ``theta`` is
        ``p (1 - p) / kappa^2``. 1 = theta is the logit of the yearly rate itself.
    """
    if p_ref is None:
        p_ref = reference_rate(mix, kappa)
    elif not 0.0 < p_ref < 1.0:
        raise UserInputError(f"p_ref = {p_ref} must be inside (0, 1)")
    i_ref = p_ref * (1.0 - p_ref) / kappa**2
    if method == "moment":
        return 1.0 / (mix.var() * i_ref)
    nodes, weights = quadrature_nodes(mix)
    if method == "elir":
        return elir(mix.pdf, mix.neg_d2logpdf, lambda t: np.full_like(t, i_ref), nodes, weights)
    if method == "local":

        def unit(t: np.ndarray) -> np.ndarray:
            # p (1 - p) = exp(-softplus(t) - softplus(-t)), no cancellation in the tails
            u = t / kappa
            return np.exp(-np.logaddexp(0.0, u) - np.logaddexp(0.0, -u)) / kappa**2

        return elir(mix.pdf, mix.neg_d2logpdf, unit, nodes, weights)
    raise UserInputError(f"ESS method = {method!r} is not one of 'elir', 'moment', 'local'")


def normal_local_elir(mean: float, sd: float) -> float:
    """Closed form of ``ess_mixture(N(mean, sd^2), "local")``: ``(2 + 2 cosh(mean) e^{sd^2/2}) / sd^2``."""
    return (2.0 + 2.0 * math.cosh(mean) * math.exp(sd * sd / 2.0)) / (sd * sd)

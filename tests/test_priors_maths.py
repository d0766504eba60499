"""Closed-form and numerical checks of the analogy-prior maths (no data needed)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from analogcast.errors import UserInputError
from analogcast.priors import (
    NormalMixture,
    TauPrior,
    conflict_pvalue,
    ess_beta,
    ess_mixture,
    kl_divergence,
    map_known_tau,
    map_prior,
    power_prior,
    predictive_pmf,
    prob_any_event,
    reduce_mixture,
    robustify,
    update_mixture,
    vague_prior,
)
from analogcast.priors.ess import _beta_elir_quad, normal_local_elir
from analogcast.priors.evidence import logit_estimate
from analogcast.priors.methods import discounted_se, unit_information_sd

# ---------------------------------------------------------------------- NormalMixture


def test_mixture_is_frozen_and_tuple_backed() -> None:
    m = NormalMixture((0.3, 0.7), (0.0, 1.0), (1.0, 2.0))
    assert isinstance(m.weights, tuple) and isinstance(m.means, tuple) and isinstance(m.sds, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.weights = (1.0,)  # type: ignore[misc]


def test_mixture_density_moments_and_quantiles() -> None:
    m = NormalMixture((0.3, 0.7), (-1.0, 2.0), (0.5, 1.5))
    x = np.linspace(-6, 8, 41)
    ref = 0.3 * stats.norm.pdf(x, -1, 0.5) + 0.7 * stats.norm.pdf(x, 2, 1.5)
    np.testing.assert_allclose(m.pdf(x), ref, rtol=1e-12)
    assert m.mean() == pytest.approx(0.3 * -1 + 0.7 * 2)
    assert m.var() == pytest.approx(0.3 * (0.25 + 1) + 0.7 * (2.25 + 4) - 1.1**2)
    for q in (0.01, 0.3, 0.5, 0.89, 0.999):
        assert float(m.cdf(m.ppf(q))) == pytest.approx(q, abs=1e-10)
    draws = m.sample(np.random.default_rng(20261126), 200_000)
    assert draws.mean() == pytest.approx(m.mean(), abs=4 * m.sd() / math.sqrt(200_000))
    assert draws.var() == pytest.approx(m.var(), rel=0.02)


def test_neg_d2logpdf_matches_finite_differences() -> None:
    m = NormalMixture((0.2, 0.5, 0.3), (-3.0, -1.0, 0.5), (0.4, 1.1, 2.5))
    x = np.linspace(-6, 4, 23)
    h = 1e-4
    fd = -(m.logpdf(x + h) - 2 * m.logpdf(x) + m.logpdf(x - h)) / h**2
    np.testing.assert_allclose(m.neg_d2logpdf(x), fd, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weights": (0.5, 0.6), "means": (0, 1), "sds": (1, 1)},
        {"weights": (1.0,), "means": (0,), "sds": (0,)},
        {"weights": (1.0,), "means": (float("nan"),), "sds": (1,)},
        {"weights": (0.5, 0.5), "means": (0,), "sds": (1, 1)},
    ],
)
def test_mixture_rejects_bad_parameters(kwargs: dict) -> None:
    with pytest.raises(UserInputError):
        NormalMixture(**kwargs)


# ---------------------------------------------------------------------- ESS


@pytest.mark.parametrize("a,b", [(2.0, 2.0), (5.0, 15.0), (1.5, 40.0), (30.0, 3.2), (2.5, 40.2)])
def test_beta_elir_is_a_plus_b(a: float, b: float) -> None:
    assert ess_beta(a, b) == pytest.approx(a + b, rel=1e-9)
    assert _beta_elir_quad(a, b) == pytest.approx(a + b, rel=1e-8)  # independent integrator
    assert ess_beta(a, b, "moment") == pytest.approx(a + b, rel=1e-12)


def test_beta_elir_rejects_a_or_b_at_most_one() -> None:
    with pytest.raises(UserInputError, match="a = 1"):
        ess_beta(1.0, 3.0)


@pytest.mark.parametrize("m,s", [(-2.0, 0.4), (-4.6, 1.4), (0.3, 0.1), (-1.0, 2.0)])
def test_normal_prior_ess_closed_forms(m: float, s: float) -> None:
    mix = NormalMixture.normal(m, s)
    p = special.expit(m)
    assert ess_mixture(mix, "elir") == pytest.approx(1 / (s * s * p * (1 - p)), rel=1e-10)
    assert ess_mixture(mix, "moment") == pytest.approx(1 / (s * s * p * (1 - p)), rel=1e-12)
    assert ess_mixture(mix, "local") == pytest.approx(normal_local_elir(m, s), rel=1e-9)


def test_mixture_elir_agrees_with_monte_carlo() -> None:
    mix = NormalMixture((0.6, 0.4), (-2.5, -2.0), (0.5, 1.6))
    p = special.expit(mix.mean())
    draws = mix.sample(np.random.default_rng(7), 400_000)
    vals = mix.neg_d2logpdf(draws) / (p * (1 - p))
    mc, se = vals.mean(), vals.std() / math.sqrt(vals.size)
    assert ess_mixture(mix, "elir") == pytest.approx(mc, abs=4 * se)


def test_unit_information_vague_component_has_ess_one() -> None:
    for m in (-4.0, -2.0, 0.0, 1.0):
        assert ess_mixture(NormalMixture.normal(m, unit_information_sd(m))) == pytest.approx(
            1.0, rel=1e-10
        )


# ---------------------------------------------------------------------- evidence


def test_logit_estimate_formula() -> None:
    theta, se = logit_estimate(3, 50)
    assert theta == pytest.approx(special.logit(3.5 / 51))
    assert se == pytest.approx(math.sqrt(1 / 3.5 + 1 / 47.5))
    theta0, se0 = logit_estimate(0, 40)
    assert math.isfinite(theta0) and math.isfinite(se0)
    with pytest.raises(UserInputError, match="events = 5"):
        logit_estimate(5, 4)


# ---------------------------------------------------------------------- MAP

Y = np.array([-3.0, -2.2, -2.7])
S = np.array([0.45, 0.6, 0.5])


@pytest.mark.parametrize("tau", [0.0, 0.2, 0.7, 2.0])
def test_map_with_known_tau_is_the_analytic_normal(tau: float) -> None:
    res = map_prior(Y, S, TauPrior("fixed", tau))
    v = 1 / (S**2 + tau**2)
    mean, var = float(np.sum(v * Y) / np.sum(v)), tau**2 + 1 / float(np.sum(v))
    assert res.mixture.n_components == 1
    assert res.mixture.mean() == pytest.approx(mean, abs=1e-14)
    assert res.mixture.var() == pytest.approx(var, rel=1e-14)
    assert map_known_tau(Y, S, tau) == pytest.approx((mean, var), rel=1e-14)


def _map_moments_by_quad(y: np.ndarray, s: np.ndarray, scale: float) -> tuple[float, float]:
    """Predictive mean/variance integrating tau with scipy quad (independent of the GL rule)."""

    def parts(tau: float) -> tuple[float, float, float]:
        v = 1 / (s**2 + tau**2)
        mu = np.sum(v * y) / np.sum(v)
        lik = np.sum(v) ** -0.5 * np.prod(v) ** 0.5 * math.exp(-0.5 * np.sum(v * (y - mu) ** 2))
        return stats.halfnorm.pdf(tau, scale=scale) * lik, mu, tau**2 + 1 / np.sum(v)

    z = integrate.quad(lambda t: parts(t)[0], 0, np.inf, epsrel=1e-11)[0]
    m1 = integrate.quad(lambda t: parts(t)[0] * parts(t)[1], 0, np.inf, epsrel=1e-11)[0] / z
    m2 = (
        integrate.quad(
            lambda t: parts(t)[0] * (parts(t)[2] + parts(t)[1] ** 2), 0, np.inf, epsrel=1e-11
        )[0]
        / z
    )
    return m1, m2 - m1**2


@pytest.mark.parametrize("scale", [0.25, 1.0])
def test_map_quadrature_matches_independent_integration(scale: float) -> None:
    res = map_prior(Y, S, TauPrior("halfnormal", scale))
    mean, var = _map_moments_by_quad(Y, S, scale)
    # tanh-sinh on the prior's probability scale: agrees with adaptive quad to ~1e-12
    assert res.exact.mean() == pytest.approx(mean, abs=1e-10)
    assert res.exact.var() == pytest.approx(var, rel=1e-9)
    # compression keeps mean and variance (moment-preserving merges + EM)
    assert res.mixture.mean() == pytest.approx(res.exact.mean(), abs=1e-9)
    assert res.mixture.var() == pytest.approx(res.exact.var(), rel=1e-9)
    assert res.tau_lower < res.tau_median < res.tau_upper


@pytest.mark.parametrize(
    "y,s,tau",
    [
        (Y, S, TauPrior()),
        (np.array([-4.67]), np.array([1.42]), TauPrior()),
        (np.array([-4.67, -2.1]), np.array([2.0, 0.59]), TauPrior()),
        (
            np.array([-4.5, -1.0, -3.0, -2.0, -2.5, -1.7]),
            np.array([1.4, 0.3, 0.3, 0.5, 0.4, 0.8]),
            TauPrior("halfcauchy", 0.5),
        ),
    ],
)
def test_map_compression_error_is_small(y: np.ndarray, s: np.ndarray, tau: TauPrior) -> None:
    res = map_prior(y, s, tau)
    assert res.mixture.n_components <= 4
    assert res.compression_kl < 2e-3  # nats
    assert kl_divergence(res.exact, res.mixture) == pytest.approx(res.compression_kl)
    sd = res.exact.sd()
    # quantile error in units of the prior sd: bulk (89% interval ends and inside) and far tails
    for q in (0.055, 0.25, 0.5, 0.75, 0.945):
        assert abs(res.exact.ppf(q) - res.mixture.ppf(q)) < 0.02 * sd, q
    for q in (0.005, 0.995):
        assert abs(res.exact.ppf(q) - res.mixture.ppf(q)) < 0.1 * sd, q
    assert ess_mixture(res.mixture) == pytest.approx(ess_mixture(res.exact), rel=0.01)


def test_reduce_mixture_preserves_moments_and_caps_components() -> None:
    big = NormalMixture(
        tuple(np.full(10, 0.1)), tuple(np.linspace(-2, 2, 10)), tuple(np.linspace(0.3, 1.2, 10))
    )
    small = reduce_mixture(big, 3)
    assert small.n_components == 3
    assert small.mean() == pytest.approx(big.mean(), abs=1e-10)
    assert small.var() == pytest.approx(big.var(), rel=1e-10)


def test_map_tau_prior_matters_with_two_analogs() -> None:
    narrow = map_prior(Y[:2], S[:2], TauPrior("halfnormal", 0.25))
    wide = map_prior(Y[:2], S[:2], TauPrior("halfnormal", 2.0))
    assert ess_mixture(narrow.mixture) > 2 * ess_mixture(wide.mixture)


def test_tau_prior_parse() -> None:
    assert TauPrior.parse("HalfNormal(0.5)") == TauPrior("halfnormal", 0.5)
    assert TauPrior.parse("halfcauchy(1)") == TauPrior("halfcauchy", 1.0)
    assert TauPrior.parse("0.7") == TauPrior("halfnormal", 0.7)
    assert TauPrior.parse("Fixed(0)").scale == 0.0
    with pytest.raises(UserInputError, match="tau prior = 'Gamma"):
        TauPrior.parse("Gamma(2)")


# ---------------------------------------------------------------------- power prior


@pytest.mark.parametrize("a0", [0.1, 0.25, 0.5, 0.8])
def test_power_prior_ess_is_linear_in_a0(a0: float) -> None:
    full = power_prior(Y, S, 1.0)
    part = power_prior(Y, S, a0)
    assert part.mean() == pytest.approx(full.mean(), abs=1e-14)
    for method in ("elir", "moment"):
        assert ess_mixture(part, method) == pytest.approx(a0 * ess_mixture(full, method), rel=1e-10)


def test_power_prior_is_the_pooled_normal_to_the_power_a0() -> None:
    prec = 1 / S**2
    part = power_prior(Y, S, 0.5)
    assert part.mean() == pytest.approx(np.sum(prec * Y) / prec.sum())
    assert part.var() == pytest.approx(1 / (0.5 * prec.sum()))


def test_discounted_se_is_likelihood_power() -> None:
    se = discounted_se([0.5, 0.5], 0.5, [1.0, 0.25])
    np.testing.assert_allclose(1 / se**2, [0.5 * 4, 0.125 * 4])
    with pytest.raises(UserInputError, match=r"discount = 1.5 is outside \(0, 1\]"):
        discounted_se([0.5], 1.5)
    with pytest.raises(UserInputError, match="weights"):
        discounted_se([0.5, 0.5], 1.0, [0.0, 0.0])


# ---------------------------------------------------------------------- robust MAP and the update


def _informative() -> NormalMixture:
    return map_prior([-3.0, -2.8, -3.2], [0.4, 0.5, 0.45]).mixture


def test_robustify_adds_unit_information_component() -> None:
    info = _informative()
    rob = robustify(info, 0.2)
    assert rob.weight_of("vague") == pytest.approx(0.2)
    assert rob.mean() == pytest.approx(info.mean())
    vague = rob.component("vague")
    assert ess_mixture(vague) == pytest.approx(1.0, rel=1e-10)
    with pytest.raises(UserInputError, match=r"robust_weight = 1.0 is outside \[0, 1\)"):
        robustify(info, 1.0)
    assert robustify(info, 0.0) == info


def test_vague_weight_rises_with_conflict_and_falls_with_agreement() -> None:
    rob = robustify(_informative(), 0.2)  # centred near a 5% yearly rate
    conflict = update_mixture(rob, 8, 10)
    agree = update_mixture(rob, 1, 20)
    assert conflict.weight_of("vague") > 0.2 + 0.3
    assert agree.weight_of("vague") < 0.2 - 0.05
    assert conflict.mean() > agree.mean()


def test_update_mixture_matches_brute_force_posterior() -> None:
    prior = NormalMixture((0.7, 0.3), (-2.5, -1.0), (0.6, 1.8), ("map", "vague"))
    x, n = 4, 15
    t = np.linspace(-20, 15, 200_001)
    lik = stats.binom.pmf(x, n, special.expit(t))
    comp = [
        w * stats.norm.pdf(t, m, s) * lik
        for w, m, s in zip(prior.weights, prior.means, prior.sds, strict=True)
    ]
    marg = np.array([integrate.trapezoid(c, t) for c in comp])
    post = update_mixture(prior, x, n)
    np.testing.assert_allclose(post.weights, marg / marg.sum(), rtol=1e-8)
    total = sum(comp)
    mean = integrate.trapezoid(total * t, t) / integrate.trapezoid(total, t)
    assert post.mean() == pytest.approx(mean, abs=1e-7)
    assert post.labels == prior.labels


# ---------------------------------------------------------------------- predictive checks


def test_predictive_of_a_sharp_prior_is_binomial() -> None:
    p = 0.1
    sharp = NormalMixture.normal(float(special.logit(p)), 1e-4)
    np.testing.assert_allclose(
        predictive_pmf(sharp, 10), stats.binom.pmf(np.arange(11), 10, p), atol=1e-6
    )
    s = prob_any_event(sharp, 2)
    assert s.mean == pytest.approx(1 - (1 - p) ** 2, abs=1e-5)
    assert s.lower <= s.mean <= s.upper
    # two-sided tail probability: 6/10 events at p = 0.1 is far out; 1/10 is typical
    expected = 2 * stats.binom.sf(5, 10, p)
    assert conflict_pvalue(sharp, 6, 10) == pytest.approx(expected, rel=1e-4)
    assert conflict_pvalue(sharp, 6, 10) < 0.05
    assert conflict_pvalue(sharp, 1, 10) > 0.5
    assert math.isnan(conflict_pvalue(sharp, 0, 0))


def test_prob_any_event_interval_maps_theta_quantiles() -> None:
    mix = NormalMixture((0.5, 0.5), (-3.0, -1.5), (0.7, 0.9))
    s = prob_any_event(mix, 2, 0.89)
    lo, hi = mix.interval(0.89)
    assert s.lower == pytest.approx(1 - (1 - special.expit(lo)) ** 2)
    assert s.upper == pytest.approx(1 - (1 - special.expit(hi)) ** 2)
    draws = special.expit(mix.sample(np.random.default_rng(3), 200_000))
    assert s.mean == pytest.approx(np.mean(1 - (1 - draws) ** 2), abs=3e-3)


def test_vague_prior_is_normal_at_base_rate() -> None:
    v = vague_prior(0.04)
    assert v.mean() == pytest.approx(special.logit(0.04)) and v.sd() == pytest.approx(1.5)
    with pytest.raises(UserInputError):
        vague_prior(0.0)

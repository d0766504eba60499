"""The fast observation densities (``analogcast.models.likelihoods``) are the densities they
replace: scipy's closed forms, PyMC's gradients, and the two models' whole log density."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import stats

from analogcast.models import likelihoods as L

RNG = np.random.default_rng(20261207)


def _logp_fn(build, *inputs):
    """Compile the summed observed log density of a one-variable model built by ``build``."""
    with pm.Model() as m:
        build(*inputs)
    return m.compile_logp(vars=m.observed_RVs, sum=False), m


def test_bernoulli_logit_matches_scipy_including_extreme_log_odds() -> None:
    eta = np.concatenate([RNG.normal(0, 3, 200), [-800.0, -40.0, -1e-9, 0.0, 1e-9, 40.0, 800.0]])
    y = (RNG.random(eta.size) < 0.4).astype(float)
    y[-7:] = [0, 1, 1, 0, 1, 0, 1]
    fn, _ = _logp_fn(lambda: L.bernoulli_logit("y", pt.as_tensor(eta), y))
    got = fn({})[0]
    # log p(y | eta) with p = expit(eta), computed stably: -logaddexp(0, -eta) / -logaddexp(0, eta)
    want = np.where(y == 1, -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta))
    assert np.all(np.isfinite(got))
    # y = 1 at large eta: eta - softplus(eta) cancels, so the error is absolute, about eps * |eta|
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15 * np.abs(eta).max())
    # the middle of the range against scipy's Bernoulli directly
    mid = np.abs(eta) < 30
    ref = stats.bernoulli.logpmf(y[mid], 1 / (1 + np.exp(-eta[mid])))
    np.testing.assert_allclose(got[mid], ref, rtol=1e-9)


def test_bernoulli_logit_gradient_equals_pymc_bernoulli() -> None:
    eta0 = RNG.normal(-2, 2.5, 300)
    y = (RNG.random(300) < 0.2).astype(float)
    e = pt.vector("e")

    def grad_of(make):
        with pm.Model() as m:
            make(e)
        lp = m.logp(vars=m.observed_RVs)
        return pytensor.function([e], pytensor.grad(lp, e))(eta0)

    g_new = grad_of(lambda e: L.bernoulli_logit("y", e, y))
    g_pm = grad_of(lambda e: pm.Bernoulli("y", logit_p=e, observed=y))
    np.testing.assert_allclose(g_new, g_pm, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_new, y - 1 / (1 + np.exp(-eta0)), rtol=1e-10, atol=1e-12)


def test_bernoulli_logit_refuses_non_binary_outcomes() -> None:
    with pm.Model(), pytest.raises(ValueError, match="must be 0 or 1"):
        L.bernoulli_logit("y", pt.zeros(3), np.array([0.0, 1.0, 2.0]))


def test_student_t_matches_scipy_with_groups() -> None:
    n, groups = 400, np.array([2.3, 4.0, 30.0])
    g = RNG.integers(0, 3, n)
    mu, sigma = RNG.normal(0, 1, n), np.exp(RNG.normal(-1, 0.5, n))
    x = mu + sigma * RNG.standard_t(groups[g])
    fn, _ = _logp_fn(lambda: L.student_t("x", pt.as_tensor(groups), g, pt.as_tensor(mu),
                                         pt.as_tensor(sigma), x))
    got = fn({})[0]
    np.testing.assert_allclose(got, stats.t.logpdf(x, groups[g], loc=mu, scale=sigma), rtol=1e-11)


def test_student_t_gradient_equals_pymc_student_t() -> None:
    n = 250
    g = RNG.integers(0, 4, n)
    x = RNG.standard_t(5.0, n) * 0.3
    nu_v, mu_v, ls_v = pt.vector("nu"), pt.vector("mu"), pt.vector("ls")
    point = [np.array([2.5, 3.0, 9.0, 40.0]), RNG.normal(0, 0.2, n), RNG.normal(-1.0, 0.3, n)]

    def grads(make):
        with pm.Model() as m:
            make()
        lp = m.logp(vars=m.observed_RVs)
        return pytensor.function([nu_v, mu_v, ls_v], pytensor.grad(lp, [nu_v, mu_v, ls_v]))(*point)

    new = grads(lambda: L.student_t("x", nu_v, g, mu_v, pt.exp(ls_v), x))
    ref = grads(lambda: pm.StudentT("x", nu=nu_v[g], mu=mu_v, sigma=pt.exp(ls_v), observed=x))
    for a, b in zip(new, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_random_draws_follow_the_densities() -> None:
    eta = np.full(20_000, -1.0)
    y = pm.draw(pm.CustomDist.dist(pt.as_tensor(eta), logp=L._bernoulli_logit_logp,
                                   random=L._bernoulli_logit_random), random_seed=1)
    # mean 0.2689; sd of the mean 0.0031: 4 sd
    assert abs(y.mean() - 1 / (1 + np.e)) < 0.0125
    assert set(np.unique(y)) <= {0.0, 1.0}
    x = L._student_t_random(np.full(20_000, 5.0), np.zeros(20_000), np.full(20_000, 1.0),
                            np.full(20_000, 2.0), rng=np.random.default_rng(2))
    # variance of t_5 * 2 is 4 * 5/3 = 6.67; the sample variance's sd here is about 0.25
    assert abs(x.var() - 4 * 5 / 3) < 1.0
    assert abs(x.mean() - 1.0) < 0.08


@pytest.mark.parametrize("name", ["event_logit", "trajectory"])
def test_models_total_log_density_unchanged(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each model's whole log density and gradient at a random point equal those of the same
    model built with PyMC's Bernoulli / StudentT (what it used before)."""
    import analogcast.models.event as E
    import analogcast.models.trajectory as T
    from analogcast.data import load_events, load_panel
    from analogcast.models import get_model

    panel, events = load_panel(), load_events()
    opts = {"countries": 12, "start": 1995} if name == "trajectory" else {}
    model = get_model(name, **opts)
    data = model.prepare(panel, events, target="AFG", origin=2023, spaces=["women", "electoral"])
    new = model.build(data, None)

    def old_b(nm, eta, y):
        return pm.Bernoulli(nm, logit_p=eta, observed=y)

    def old_t(nm, nu, g, mu, s, y):
        return pm.StudentT(nm, nu=nu[g], mu=mu, sigma=s, observed=y)

    monkeypatch.setattr(E, "bernoulli_logit", old_b)
    monkeypatch.setattr(T, "bernoulli_logit", old_b)
    monkeypatch.setattr(T, "student_t", old_t)
    old = model.build(data, None)
    rng = np.random.default_rng(3)
    ip = new.initial_point()
    point = {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in ip.items()}
    lp_new, lp_old = new.compile_logp()(point), old.compile_logp()(point)
    assert np.isfinite(lp_new)
    np.testing.assert_allclose(lp_new, lp_old, rtol=1e-12)
    g_new, g_old = new.compile_dlogp()(point), old.compile_dlogp()(point)
    np.testing.assert_allclose(g_new, g_old, rtol=1e-9, atol=1e-9)

"""The backtest's hierarchical logit: design (and its spline bases) use training rows only; seeded
fits reproduce; the smooth terms recover a known non-linear effect on simulated data."""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.data import load_events, load_panel
from analogcast.evaluation import bayes
from analogcast.evaluation.baselines import climatology
from analogcast.evaluation.features import make_features
from analogcast.evaluation.protocol import OriginSet, origin_set
from analogcast.evaluation.scores import log_loss
from analogcast.evaluation.smooth import fit_basis


@pytest.fixture(scope="module")
def data() -> OriginSet:
    panel = load_panel()
    return origin_set(panel, load_events(), make_features(panel), origin=2012, space="women")


def test_design_scales_on_training_rows_only(data: OriginSet) -> None:
    d = bayes.design(data, "opening")
    # standardised on training rows: mean 0 over training rows for non-indicator columns
    cont = [i for i, c in enumerate(d.columns) if not c.startswith("miss_")]
    assert np.allclose(d.x[:, cont].mean(axis=0), 0.0, atol=1e-8)
    # the forecast rows' values never move the training design
    shifted = OriginSet(
        origin=data.origin,
        space=data.space,
        protocol=data.protocol,
        train=data.train,
        test=data.test.assign(**{c: data.test[c] * 3 + 1 for c in data.features if c != "region"}),
        features=data.features,
        meta=data.meta,
    )
    d_shifted = bayes.design(shifted, "opening")
    np.testing.assert_array_equal(d_shifted.x, d.x)
    # the spline bases (knots, centring, scale) come from training rows only too
    np.testing.assert_array_equal(d_shifted.z, d.z)
    assert not np.array_equal(d_shifted.z_test, d.z_test)
    assert d.x.shape[1] == d.x_test.shape[1] == len(d.columns)
    assert d.n_country == 172 and (d.country_test >= 0).all()
    # fixed widths, so one compiled model serves every origin and space
    assert d.z.shape[1] == d.z_test.shape[1] == len(bayes.SMOOTH_TERMS) * (bayes.N_INTERIOR + 2)
    assert np.allclose(d.z.mean(axis=0), 0.0, atol=0.02)  # exactly 0 over non-missing rows
    assert "own_lvl_sq" not in d.columns
    assert "own_lvl_sq" in bayes.design(data, "opening", variant="linear").columns


def test_smooth_basis_uses_training_values_only() -> None:
    rng = np.random.default_rng(3)
    train = rng.normal(size=500)
    basis = fit_basis(train, n_interior=4)
    z = basis(train)
    assert z.shape == (500, 6)
    assert np.allclose(z.mean(axis=0), 0.0, atol=1e-10) and np.isclose(z[:, 0].std(), 1.0)
    # outside the training range the basis is clamped to its boundary values; NaN contributes 0
    test = np.array([train.min() - 5.0, train.max() + 5.0, np.nan])
    np.testing.assert_allclose(basis(test)[:2], basis(np.array([train.min(), train.max()])))
    np.testing.assert_array_equal(basis(test)[2], 0.0)
    # knots and boundary are the training values' (quantiles, min, max)
    assert basis.lo == train.min() and basis.hi == train.max()
    np.testing.assert_allclose(basis.knots[4:-4], np.quantile(train, [0.2, 0.4, 0.6, 0.8]))
    # many ties (a feature that is often exactly 0) still give the same width
    tied = np.where(rng.random(500) < 0.7, 0.0, rng.normal(size=500))
    assert fit_basis(tied, n_interior=4).n_columns == 6
    with pytest.raises(ValueError):
        fit_basis(np.zeros(50))


@pytest.mark.slow
def test_smooth_terms_recover_a_nonlinear_effect() -> None:
    """Simulated data: the true log-odds are a hump in x (rare events at both ends of the scale,
    as for a bounded index). The ``gam`` model must recover the hump's shape; the linear model
    cannot."""
    import nutpie

    rng = np.random.default_rng(20261126)
    n = 3000
    xv = rng.uniform(0.0, 1.0, n)
    f_true = -3.0 + 3.0 * np.sin(np.pi * xv)  # hump: p ~ 0.05 at the ends, 0.5 in the middle
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-f_true))).astype(float)
    basis = fit_basis(xv)
    grid = np.linspace(0.02, 0.98, 49)
    xs = ((xv - xv.mean()) / xv.std())[:, None]
    d = bayes.Design(
        x=xs, y=y, country=np.zeros(n, int), region=np.zeros(n, int),
        x_test=((grid - xv.mean()) / xv.std())[:, None], country_test=np.zeros(grid.size, int),
        region_test=np.zeros(grid.size, int), n_country=1, n_region=1, columns=("x",),
        variant="gam", z=basis(xv), z_test=basis(grid),
        smooth_of=np.zeros(basis.n_columns, int), n_smooth=1,
    )  # fmt: skip
    trace = nutpie.sample(
        nutpie.compile_pymc_model(bayes.build(d)), draws=300, tune=300, chains=2, seed=5,
        progress_bar=False, cores=1,
    )  # fmt: skip
    p = bayes._predict(d, trace.posterior)
    f_hat = np.log(p / (1 - p))
    truth = -3.0 + 3.0 * np.sin(np.pi * grid)
    # shape recovered: centred curves agree to within 0.4 on the logit scale, correlation > 0.95
    err = (f_hat - f_hat.mean()) - (truth - truth.mean())
    assert np.abs(err).max() < 0.4, np.abs(err).max()
    assert np.corrcoef(f_hat, truth)[0, 1] > 0.95


@pytest.mark.slow
def test_seeded_fit_reproduces_and_beats_climatology(data: OriginSet) -> None:
    p1, info = bayes.fit_predict(data, "opening", seed=11)
    p2, _ = bayes.fit_predict(data, "opening", seed=11)
    np.testing.assert_array_equal(p1, p2)
    assert ((p1 > 0) & (p1 < 1)).all()
    y = data.test["y_opening"].to_numpy(float)
    ok = ~np.isnan(y)
    assert log_loss(y[ok], p1[ok]) < log_loss(y[ok], climatology(data, "opening")[ok])
    assert info["divergences"] <= 5


def test_fit_threads_change_wall_time_only(data: OriginSet) -> None:
    """Chains in one thread or in two give the same forecasts, to the last bit (tiny fit)."""
    tiny = {"chains": 2, "tune": 30, "draws": 20}
    p1, _ = bayes.fit_predict(data, "closing", seed=5, settings=tiny, threads=1)
    p2, _ = bayes.fit_predict(data, "closing", seed=5, settings=tiny, threads=2)
    np.testing.assert_array_equal(p1, p2)
    p3, _ = bayes.fit_predict(data, "closing", seed=6, settings=tiny, threads=2)
    assert not np.array_equal(p1, p3)  # the seed, not the thread count, decides


def test_threads_per_fit_splits_the_cpus() -> None:
    from analogcast.evaluation.engine import BacktestConfig

    assert BacktestConfig(fit_threads=3).threads_per_fit() == 3
    assert BacktestConfig(scheduler="tcp://127.0.0.1:1").threads_per_fit() == 1
    one, two = BacktestConfig(workers=1), BacktestConfig(workers=2)
    assert one.threads_per_fit() >= two.threads_per_fit() >= 1
    with pytest.raises(Exception, match="fit-threads"):
        BacktestConfig(fit_threads=0)


def test_forecasts_do_not_depend_on_what_the_process_fitted_first(data: OriginSet) -> None:
    """One compiled model per process serves every design (``with_data``); a fit must not depend
    on which design compiled it (the full 2005-2020 run once differed by worker for that reason)."""
    panel = load_panel()
    other = origin_set(panel, load_events(), make_features(panel), origin=2008, space="electoral")
    tiny = {"chains": 1, "tune": 30, "draws": 20}
    bayes._COMPILED.clear()
    fresh, _ = bayes.fit_predict(data, "opening", seed=9, settings=tiny)
    bayes._COMPILED.clear()
    bayes.fit_predict(other, "opening", seed=1, settings=tiny)  # compiles with another design
    reused, _ = bayes.fit_predict(data, "opening", seed=9, settings=tiny)
    np.testing.assert_array_equal(fresh, reused)

"""Fast tests of the forecast models on SIMULATED panels (analogcast.models.simulate).

No real data here; no MCMC except one tiny PyMC run. Posterior draws for prediction tests are
drawn with numpy (``fake_posterior``), which exercise the same code paths.
"""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.errors import UserInputError
from analogcast.models import diagnostics, get_model
from analogcast.models.design import INTERACTIONS, MISSING_GROUPS, dynamic_grid
from analogcast.models.simulate import fake_posterior, simulate_panel

SPACES2 = ("associational", "electoral")


@pytest.fixture(scope="module")
def sim():
    return simulate_panel(n_countries=12, years=(1966, 2005), spaces=SPACES2, seed=3)


def test_registry_errors():
    with pytest.raises(UserInputError, match="event_logit"):
        get_model("event_logt")
    with pytest.raises(UserInputError, match="aid_prior_sd"):
        get_model("event_logit", aid_prior_sdd=0.5)
    with pytest.raises(UserInputError, match="> 0"):
        get_model("event_logit", aid_prior_sd=-1)
    with pytest.raises(UserInputError, match="control_fraction"):
        get_model("event_logit", control_fraction=0)


def test_prepare_rows_and_covariates(sim):
    panel, events, _ = sim
    d = get_model("event_logit", control_fraction=0.5).prepare(
        panel, events, target="C000", origin=2004, spaces=SPACES2, start=1970)
    a = d.arrays
    assert d.spaces == SPACES2
    assert np.isfinite(a["XZ"]).all()
    assert a["XZ"].shape == (a["y"].size, len(d.covariates) + len(d.dynamic))
    assert np.all(np.diff(a["obs_sd"]) >= 0)  # rows sorted by (space, direction) block
    assert a["fit_mask"][a["y"] == 1].all()  # every event is kept by the case-control thinning
    assert {"aid", "aid_cw", "sanctions", "sanctions_cw"} <= set(d.covariates)
    # 5% of ODA is missing in the simulation: an explicit indicator, never a silent zero
    assert "miss_aid" in d.covariates
    assert set(d.covariates) - {s for s in d.covariates if s.startswith("miss_")} <= {
        m for g in MISSING_GROUPS.values() for m in g} | {"sanctions"} | set(INTERACTIONS)
    # target centred on its own training mean
    tc = int(a["target_c"])
    t_rows = a["obs_c"] == tc
    np.testing.assert_allclose(a["XZ"][t_rows].mean(axis=0)[: len(d.covariates)], 0.0, atol=1e-8)
    assert max(d.meta["years"]) == 2004 and min(d.meta["years"]) == 1970


def test_no_lookahead(sim):
    """Changing data after the origin changes nothing in the design (standardised on training rows)."""
    panel, events, _ = sim
    m = get_model("event_logit", control_fraction=1.0)
    d1 = m.prepare(panel, events, target="C001", origin=1995, spaces=SPACES2)
    p2 = panel.copy(deep=True)
    p2["DT.ODA.ODAT.GN.ZS"].loc[{"year": slice(1996, None)}] = 1e4
    p2["v2xcs_ccsi"].loc[{"year": slice(1996, None)}] = 0.5
    e2 = events.copy(deep=True)
    e2["opening"].loc[{"year": slice(1996, None)}] = 1.0
    d2 = m.prepare(p2, e2, target="C001", origin=1995, spaces=SPACES2)
    np.testing.assert_array_equal(d1.arrays["XZ"], d2.arrays["XZ"])
    np.testing.assert_array_equal(d1.arrays["y"], d2.arrays["y"])


def test_bad_target_origin_space(sim):
    panel, events, _ = sim
    m = get_model("event_logit")
    with pytest.raises(UserInputError, match="after the end of the data"):
        m.prepare(panel, events, target="C000", origin=2006, spaces=SPACES2)
    with pytest.raises(UserInputError, match="not in the panel"):
        m.prepare(panel, events, target="XXX", origin=2000, spaces=SPACES2)
    with pytest.raises(UserInputError, match="unknown space"):
        m.prepare(panel, events, target="C000", origin=2000, spaces=["electorall"])


def test_dynamic_grid_years_since_move():
    x = np.array([[0.1, 0.1, 0.3, 0.3, 0.3, np.nan]])
    g = dynamic_grid(x, 0.05)
    # row t holds values at t-1: level, 2-year change, log1p years since the last large move
    assert np.isnan(g[0, 0]).all()
    np.testing.assert_allclose(g[0, 3, 0], 0.3)
    np.testing.assert_allclose(g[0, 4, 1], 0.2)  # x[3] - x[1]
    np.testing.assert_allclose(np.expm1(g[0, 5, 2]), 2.0)  # move at t=2, measured at t=4


def test_build_event_model_logp_finite(sim):
    panel, events, _ = sim
    m = get_model("event_logit")
    d = m.prepare(panel, events, target="C000", origin=2004, spaces=SPACES2)
    pmm = m.build(d, None)
    names = {v.name for v in pmm.free_RVs}
    assert {"theta", "alpha", "beta0", "z_beta", "year_opening", "gamma", "z_country"} <= names
    lp = pmm.compile_logp()(pmm.initial_point())
    assert np.isfinite(lp)


def test_event_predict_shapes_and_monotone(sim):
    panel, events, _ = sim
    m = get_model("event_logit")
    d = m.prepare(panel, events, target="C000", origin=2004, spaces=SPACES2)
    post = fake_posterior("event_logit", d, draws=20, chains=2)
    X = d.future_common({"DT.ODA.ODAT.GN.ZS": np.array([[0.0] * 10, [20.0] * 10])}, 10)
    assert X.shape == (2, 10, len(d.covariates))
    out = m.predict(post, d, X, [1, 2, 5, 10], np.random.default_rng(0))
    p = out["opening"]
    assert p.shape == (40, 2, 2, 4)
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(np.diff(p, axis=-1) >= -1e-12)  # P(event within H) grows with H


def test_event_ppc_shapes(sim):
    panel, events, _ = sim
    m = get_model("event_logit")
    d = m.prepare(panel, events, target="C000", origin=2004, spaces=SPACES2)
    post = fake_posterior("event_logit", d, draws=5)
    pp = m.posterior_predictive(post, d, np.random.default_rng(0))
    assert pp["share"].dims == ("sample", "space", "direction")
    obs = d.arrays["y"][d.arrays["obs_sd"] == 0].mean()
    assert pp["observed_share"].sel(space="associational", direction="opening") == pytest.approx(obs)


def test_trajectory_prepare_build_simulate(sim):
    panel, events, _ = sim
    m = get_model("trajectory", n_paths=5)
    d = m.prepare(panel, events, target="C002", origin=2004, spaces=SPACES2)
    assert d.meta["series"][: len(SPACES2)] == list(SPACES2)
    assert "wbl" in d.meta["series"]
    pmm = m.build(d)
    assert np.isfinite(pmm.compile_logp()(pmm.initial_point()))
    post = fake_posterior("trajectory", d, draws=4)
    X = d.future_common({}, 11)
    paths = m.simulate(post, d, X, np.random.default_rng(0), n_steps=11)
    assert paths.shape == (8, 1, len(d.meta["series"]), 5, 11)
    assert np.all((paths > 0) & (paths < 1))
    pp = m.posterior_predictive(post, d, np.random.default_rng(0))
    assert pp["rep_move"].dims == ("sample", "series")
    assert np.all((pp["rep_move"] >= 0) & (pp["rep_move"] <= 1))
    np.testing.assert_allclose(pp["observed_move"], [d.arrays["moved"][d.arrays["obs_s"] == k].mean()
                                                     for k in range(len(d.meta["series"]))])


def test_trajectory_hurdle_and_running_mean(sim):
    """The hurdle flags, the running-mean centring and the within-centred drift, computed by hand."""
    panel, events, _ = sim
    m = get_model("trajectory", wbl=False)
    d = m.prepare(panel, events, target="C002", origin=2004, spaces=SPACES2)
    a = d.arrays
    np.testing.assert_array_equal(a["moved"], (np.abs(a["dy"]) > 1e-9).astype(int))
    # row -> (country, year, series): the running mean is over years up to t-1, nothing later
    from analogcast.models.trajectory import to_logit

    countries = d.meta["countries"]
    for r in (0, 17, a["dy"].size // 2, a["dy"].size - 1):
        c = countries[a["obs_c"][r]]
        year = d.meta["years"][a["obs_t"][r]]
        from analogcast.data import SPACES

        x = panel[SPACES[SPACES2[a["obs_s"][r]]]].sel(country=c, year=slice(None, year - 1)).values
        y = to_logit(x)
        assert a["y_prev"][r] == pytest.approx(y[-1])
        assert a["y_prev_c"][r] == pytest.approx(y[-1] - np.nanmean(y))
    # the drift covariates are centred within each country
    cy_c = np.zeros(a["Xc"].shape[0], dtype=int)
    cy_c[a["obs_cy"]] = a["obs_c"]
    for c in np.unique(a["obs_c"])[:5]:
        np.testing.assert_allclose(a["Xc"][cy_c == c].mean(axis=0), 0.0, atol=1e-9)
    assert not any(k.startswith("miss_") for k in d.meta["drift_covariates"])


def test_trajectory_country_sample(sim):
    panel, events, _ = sim
    m = get_model("trajectory", countries=5, sample_seed=3)
    d = m.prepare(panel, events, target="C002", origin=2004, spaces=SPACES2)
    chosen = d.meta["countries"]
    assert len(chosen) == 5 and "C002" in chosen
    regions = panel["region"].sel(country=chosen).values
    assert len(set(regions.tolist())) == len(set(panel["region"].values.tolist()))  # every region
    again = get_model("trajectory", countries=5, sample_seed=3).prepare(
        panel, events, target="C002", origin=2004, spaces=SPACES2)
    assert again.meta["countries"] == chosen
    other = get_model("trajectory", countries=5, sample_seed=4).prepare(
        panel, events, target="C002", origin=2004, spaces=SPACES2)
    assert other.meta["countries"] != chosen
    for bad in (1, -2, 2.5, True):
        with pytest.raises(UserInputError, match="countries"):
            get_model("trajectory", countries=bad)


def test_sample_and_diagnostics_tiny():
    """A tiny PyMC run through sample_model and diagnostics (SIMULATED data)."""
    import pymc as pm

    from analogcast.models import sample_model

    with pm.Model() as model:
        pm.Normal("mu", 0, 1)
        pm.Normal("obs", model.named_vars["mu"], 1, observed=np.array([0.1, -0.3, 0.5]))
    tree = sample_model(model, draws=100, tune=100, chains=2, seed=1, backend="pymc")
    assert {"posterior", "sample_stats"} <= set(tree.children)
    diag = diagnostics(tree)
    assert set(diag) >= {"max_rhat", "min_ess_bulk", "min_ess_tail", "divergences", "min_bfmi"}
    assert diag["max_rhat"] < 1.1 and diag["divergences"] >= 0
    with pytest.raises(UserInputError, match="backend"):
        sample_model(model, backend="stan")

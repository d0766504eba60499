"""Fast tests of the forecast models on SIMULATED panels (analogcast.models.simulate).

No real data here; no MCMC except one tiny PyMC run. Posterior draws for prediction tests are
drawn with numpy (``fake_posterior``), which exercise the same code paths.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from analogcast.errors import UserInputError
from analogcast.models import diagnostics, get_model
from analogcast.models.design import INTERACTIONS, MISSING_GROUPS, dynamic_grid, years_since_move
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
    assert a["XZ"].shape == (a["y"].size, len(d.covariates) + len(d.dynamic) + d.meta["n_smooth"])
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
    # outcome year 2004 would need 2005 to be coded: the last training year is origin - 1
    assert max(d.meta["years"]) == 2003 and min(d.meta["years"]) == 1970


def _perturb_after(ds: xr.Dataset, origin: int, seed: int) -> xr.Dataset:
    """Replace EVERY float variable's values after ``origin`` (every country) with noise on the
    variable's own scale (as ``tests/test_eval_protocol.py`` does); 0/1 event labels are flipped."""
    rng = np.random.default_rng(seed)
    out = ds.copy(deep=True)
    later = out["year"] > origin
    for name, da in out.data_vars.items():
        if "year" not in da.dims or not np.issubdtype(da.dtype, np.floating):
            continue
        v = da.values
        if np.isin(v[~np.isnan(v)], (0.0, 1.0)).all():
            noise = xr.DataArray(1.0 - np.nan_to_num(v, nan=0.0), dims=da.dims, coords=da.coords)
        else:
            lo, hi = np.nanmin(v), np.nanmax(v)
            noise = xr.DataArray(rng.uniform(lo, hi, da.shape), dims=da.dims, coords=da.coords)
        out[name] = da.where(~later, noise)
    return out


def _canon(obj):
    """JSON-able form of scaling entries: arrays as lists, fitted smooth bases as their fields."""
    import dataclasses

    if isinstance(obj, dict):
        return {str(k): _canon(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canon(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_canon(v) for v in obj.tolist()] if obj.ndim else _canon(obj.item())
    if dataclasses.is_dataclass(obj):
        return _canon(dataclasses.asdict(obj))
    if isinstance(obj, float) and np.isnan(obj):
        return "nan"
    return obj


def _assert_same_data(d1, d2) -> None:
    """Every array, scaling, meta entry, observed outcome and target history identical."""
    assert d1.covariates == d2.covariates and d1.dynamic == d2.dynamic
    assert set(d1.arrays) == set(d2.arrays)
    for k in d1.arrays:
        np.testing.assert_array_equal(d1.arrays[k], d2.arrays[k], err_msg=f"arrays[{k!r}]")
    assert json.dumps(_canon(d1.scaling), sort_keys=True) == json.dumps(_canon(d2.scaling), sort_keys=True)
    assert json.dumps(d1.meta, sort_keys=True, default=str) == json.dumps(d2.meta, sort_keys=True, default=str)
    xr.testing.assert_identical(d1.observed, d2.observed)
    xr.testing.assert_identical(d1.target_history, d2.target_history)


@pytest.mark.parametrize("name,opts", [("event_logit", {"control_fraction": 1.0}),
                                       ("event_logit", {}),
                                       ("trajectory", {}),
                                       ("trajectory", {"countries": 6, "sample_seed": 1})])
def test_no_lookahead(sim, name, opts):
    """Replacing every panel variable and every event label after the origin (all countries) with
    noise changes nothing that ``prepare`` returns; changing the origin year itself does."""
    panel, events, _ = sim
    origin = 1995
    m = get_model(name, **opts)
    clean = m.prepare(panel, events, target="C001", origin=origin, spaces=SPACES2)
    p2, e2 = _perturb_after(panel, origin, seed=1), _perturb_after(events, origin, seed=2)
    # the perturbation is real: every float variable differs after the origin
    for v in panel.data_vars:
        if np.issubdtype(panel[v].dtype, np.floating) and panel[v].sel(year=origin + 1).notnull().any():
            assert not panel[v].sel(year=slice(origin + 1, None)).equals(p2[v].sel(year=slice(origin + 1, None))), v
    assert not events["opening"].sel(year=origin + 1).equals(e2["opening"].sel(year=origin + 1))
    _assert_same_data(clean, m.prepare(p2, e2, target="C001", origin=origin, spaces=SPACES2))
    # positive control: the comparison is sensitive to data the model may use (the origin year)
    p3 = _perturb_after(panel, origin - 1, seed=1)
    with pytest.raises(AssertionError):
        _assert_same_data(clean, m.prepare(p3, events, target="C001", origin=origin, spaces=SPACES2))


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


def _years_since_move_by_recursion(x: np.ndarray, cutpoint: float, cap: float) -> np.ndarray:
    """The definition, year by year (the loop dynamic_grid used before it was vectorised)."""
    n_c, n_t = x.shape
    since = np.full_like(x, np.nan)
    run, started = np.zeros(n_c), np.zeros(n_c, dtype=bool)
    for t in range(n_t):
        obs = ~np.isnan(x[:, t])
        big = np.zeros(n_c, dtype=bool) if t == 0 else np.abs(np.nan_to_num(x[:, t] - x[:, t - 1])) > cutpoint
        run = np.where(obs & started & ~big, run + 1, np.where(obs, 0.0, run))
        run = np.where(obs & ~started, 0.0, run)
        started |= obs
        since[:, t] = np.where(obs, np.minimum(run, cap), np.nan)
    return since


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.one_of(st.none(), st.sampled_from([0.0, 0.02, 0.04, 0.1, 0.3, 0.31])),
                      min_size=1, max_size=40), min_size=1, max_size=6).filter(
        lambda rows: len({len(r) for r in rows}) == 1),
    st.sampled_from([2.0, 5.0, 30.0]),
)
def test_years_since_move_equals_its_recursive_definition(rows, cap) -> None:
    x = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=np.float64)
    got = years_since_move(x, 0.05, cap)
    want = _years_since_move_by_recursion(x, 0.05, cap)
    np.testing.assert_array_equal(got, want)


def test_build_event_model_logp_finite(sim):
    panel, events, _ = sim
    m = get_model("event_logit")
    d = m.prepare(panel, events, target="C000", origin=2004, spaces=SPACES2)
    pmm = m.build(d, None)
    names = {v.name for v in pmm.free_RVs}
    assert {"theta", "alpha_c", "beta0", "z_beta", "year_opening", "gamma", "z_country"} <= names
    assert "alpha" in pmm.named_vars and "alpha" not in names  # derived from alpha_c
    lp = pmm.compile_logp()(pmm.initial_point())
    assert np.isfinite(lp)


def test_centred_design_is_the_same_likelihood(sim):
    """``center_design`` only reparameterises: at alpha_c = alpha + (block means) . coef, the
    centred model's likelihood equals the uncentred model's, row for row in total."""
    panel, events, _ = sim
    rng = np.random.default_rng(3)
    m1, m0 = get_model("event_logit"), get_model("event_logit", center_design=False)
    d1 = m1.prepare(panel, events, target="C000", origin=2004, spaces=SPACES2)
    d0 = m0.prepare(panel, events, target="C000", origin=2004, spaces=SPACES2)
    c, u = m1.build(d1, None), m0.build(d0, None)
    point = {k: v + 0.3 * rng.standard_normal(np.shape(v)) for k, v in u.initial_point().items()}
    # alpha (uncentred) -> alpha_c: alpha_c - alpha is the shift, which does not depend on alpha_c
    pc = {("alpha_c" if k == "alpha" else k): v for k, v in point.items()}
    alpha_of = c.compile_fn(c.replace_rvs_by_values([c["alpha"]])[0], inputs=c.value_vars,
                            on_unused_input="ignore")
    shift = pc["alpha_c"] - alpha_of(pc)
    assert np.abs(shift).max() > 1e-3  # the covariates are not centred already: the test can fail
    pc["alpha_c"] = point["alpha"] + shift
    np.testing.assert_allclose(alpha_of(pc), point["alpha"], atol=1e-10)
    ll = {name: mod.compile_fn(mod.logp(vars=mod.observed_RVs), inputs=mod.value_vars, on_unused_input="ignore")
          for name, mod in (("c", c), ("u", u))}
    np.testing.assert_allclose(ll["c"](pc), ll["u"](point), rtol=1e-10)


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


def test_diagnostics_on_known_draws():
    """Counts and statistics of a hand-made tree with known answers: 3 divergent draws, chains
    centred 10 sds apart (R-hat far above 1), and an alternating energy series, whose BFMI
    E[(E_t - E_{t-1})^2] / Var(E) is 4(n - 1)/n (n draws)."""
    import xarray as xr

    n = 50
    rng = np.random.default_rng(0)
    mu = np.stack([rng.normal(0, 1, n), rng.normal(10, 1, n)])
    ok = np.stack([rng.normal(0, 1, n), rng.normal(0, 1, n)])
    diverging = np.zeros((2, n), dtype=bool)
    diverging[0, [3, 9]] = diverging[1, 20] = True
    energy = np.tile(np.arange(n) % 2, (2, 1)).astype(float)
    coords = {"chain": [0, 1], "draw": np.arange(n)}
    tree = xr.DataTree.from_dict({
        "posterior": xr.Dataset({"mu": (("chain", "draw"), mu), "ok": (("chain", "draw"), ok)}, coords=coords),
        "sample_stats": xr.Dataset({"diverging": (("chain", "draw"), diverging),
                                    "energy": (("chain", "draw"), energy)}, coords=coords),
    })
    diag = diagnostics(tree)
    assert diag["divergences"] == 3
    assert diag["max_rhat"] > 1.5 and diag["worst_rhat_var"] == "mu"  # rank-normalised: 1.83 here
    assert diagnostics(tree, var_names=["ok"])["max_rhat"] < 1.1
    assert diag["min_bfmi"] == pytest.approx(4 * (n - 1) / n, rel=1e-12)
    assert diag["n_draws"] == 2 * n


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
    # a Normal posterior: nothing for NUTS to diverge on, chains agree
    assert diag["max_rhat"] < 1.1 and diag["divergences"] == 0 and diag["n_draws"] == 200
    with pytest.raises(UserInputError, match="backend"):
        sample_model(model, backend="stan")

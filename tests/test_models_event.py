"""The event model's time structure, feasibility and case-control thinning, on the real panel.

Fast: the model is prepared on real data, but posteriors are drawn with numpy
(``analogcast.models.simulate.fake_posterior``) where a forecast is checked, so no sampling.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import expit, logit

from analogcast.data import CUTPOINTS, SPACES, feasible_events, load_events, load_panel
from analogcast.models import get_model
from analogcast.models.event import case_control
from analogcast.models.simulate import fake_posterior

SPACES3 = ["associational", "individual", "women"]


@pytest.fixture(scope="module")
def real() -> tuple:
    panel, events = load_panel(), load_events()
    model = get_model("event_logit")
    data = model.prepare(panel, events, target="AFG", origin=2023, spaces=SPACES3)
    return panel, events, model, data


def test_no_row_whose_label_needs_a_year_after_the_origin(real) -> None:
    panel, events, model, data = real
    years = np.asarray(data.meta["years"])
    assert years.max() == 2022  # 2023 can only be coded when it is an event: not data
    # and for an earlier origin the same holds on the cut series
    d15 = model.prepare(panel, events, target="AFG", origin=2015, spaces=["women"])
    assert max(d15.meta["years"]) == 2014
    t = np.asarray(d15.meta["years"])[d15.arrays["obs_t"]]
    assert t.max() == 2014
    # the last year's rows would have been almost all events: check that dropping them matters
    y2022 = data.arrays["y"][years[data.arrays["obs_t"]] == 2022]
    assert 0.0 < y2022.mean() < 0.5


def test_every_row_of_the_target_is_kept(real) -> None:
    panel, _, _, data = real
    a = data.arrays
    tc = int(a["target_c"])
    mine = a["obs_c"] == tc
    assert mine.sum() == data.meta["n_rows_target"] > 100
    assert a["fit_mask"][mine].all(), "a target row was thinned"
    assert (a["offset_rows"][mine] == 0).all()
    # every feasible, codable target year of each space is a row
    years = np.asarray(data.meta["years"])
    for si, s in enumerate(SPACES3):
        x = panel[SPACES[s]].sel(country="AFG").values.astype(float)
        yrs = panel["year"].values.astype(int)
        rows = mine & (a["obs_sd"] == si * 2 + 1)  # closings
        got = set(years[a["obs_t"][rows]].tolist())
        prev2 = np.r_[np.nan, np.nan, x[:-2]]
        prev1 = np.r_[np.nan, x[:-1]]
        _, fd = feasible_events(prev2, prev1, CUTPOINTS[s])
        nxt = np.r_[x[1:], np.nan]
        want = {int(y) for y, f, ok, p in zip(yrs, fd, ~np.isnan(nxt), ~np.isnan(prev2), strict=True)
                if f and ok and p and 1973 <= y <= 2022}
        # rows also need the dynamic covariates (two-year change: x[t-3]); allow the first years
        assert want - got <= {1970, 1971, 1972, 1973}, (s, sorted(want - got))


def test_infeasible_rows_are_not_in_the_likelihood(real) -> None:
    _, _, _, data = real
    assert data.meta["n_rows_infeasible_dropped"] > 100
    lv = data.arrays["XZ"][:, len(data.covariates)]  # standardised level column
    assert np.isfinite(lv).all()


def test_case_control_offset_recovers_the_base_rate() -> None:
    rng = np.random.default_rng(3)
    n, p_true, f = 60_000, 0.06, 0.2
    y = (rng.random(n) < p_true).astype(float)
    protected = np.zeros(n, bool)
    protected[:500] = True
    keep, off = case_control(y, f, protected, seed=11)
    assert keep[protected].all() and (off[protected] == 0).all()
    assert keep.sum() < 0.3 * n  # rows were thinned

    def nll(a: float, offset: np.ndarray) -> float:
        eta = a + offset[keep]
        return float(-(y[keep] * eta - np.logaddexp(0, eta)).sum())

    a_hat = minimize_scalar(lambda a: nll(a, off), bounds=(-8, 2), method="bounded").x
    se = 1.0 / np.sqrt(n * p_true * (1 - p_true))
    assert abs(a_hat - logit(p_true)) < 4 * se * np.sqrt(1 / f)
    # without the offset the intercept is biased by about -log(f): the test can fail
    a_bad = minimize_scalar(lambda a: nll(a, np.zeros(n)), bounds=(-8, 2), method="bounded").x
    assert a_bad - logit(p_true) > 0.8 * -np.log(f)


def _forecast(data, model, post, horizons, seed=0):
    X = data.future_common({}, 11)[:1]
    return model.predict(post, data, X, horizons, np.random.default_rng(seed))


def test_impossible_next_year_closings_have_probability_zero(real) -> None:
    panel, _, model, data = real
    post = fake_posterior("event_logit", data, draws=30, chains=2, seed=1)
    post["alpha"] = post["alpha"] + 6.0  # hazards near 1 wherever an event is possible
    post["theta"] = post["theta"] + 6.0
    p = _forecast(data, model, post, [1, 2, 5])
    x = panel[[SPACES[s] for s in SPACES3]].sel(country="AFG", year=[2022, 2023])
    for si, s in enumerate(SPACES3):
        a, b = (float(v) for v in x[SPACES[s]].values)
        _, fd = feasible_events(a, b, CUTPOINTS[s])
        assert not bool(fd)
        assert (p["closing"][:, 0, si, 0] == 0.0).all(), s  # exactly 0, every draw
        assert p["opening"][:, 0, si, 0].mean() > 0.9  # openings are possible and near-certain
        # later horizons are bounded by the chance of reaching a level from which a closing is
        # possible, which needs a climb above the cutpoint: well below 1 within two years
        assert p["closing"][:, 0, si, 1].mean() < 0.5, s
        assert (np.diff(p["closing"][:, 0, si], axis=-1) >= -1e-12).all()  # monotone in H


def test_later_horizons_bounded_by_reaching_a_feasible_level(real) -> None:
    _, _, model, data = real
    post = fake_posterior("event_logit", data, draws=30, chains=2, seed=2)
    p = _forecast(data, model, post, [1, 3, 5, 10], seed=5)
    hi = post.copy()
    hi["alpha"], hi["theta"] = post["alpha"] + 12.0, post["theta"] + 12.0
    # with hazards ~1 the event happens as soon as it is possible: P = P(feasible by H)
    p_max = _forecast(data, model, hi, [1, 3, 5, 10], seed=5)
    assert (p["closing"] <= p_max["closing"] + 1e-9).all()
    assert (p_max["closing"][:, 0, :, -1] < 1.0).any()


def test_year_effects_carry_the_recent_level(real) -> None:
    from analogcast.models.event_forecast import _post_arrays, _year_paths

    _, _, _, data = real
    post = fake_posterior("event_logit", data, draws=400, chains=2, seed=3)
    post["year_effect"][dict(year=-1)] = 1.5  # a high last fitted year
    post["sigma_year"][:] = 0.1
    ye = _year_paths(_post_arrays(post), data, 3, np.random.default_rng(0))[:, 0]  # path 0
    # random walk: the level carries on; the spread grows with the steps from the last fitted
    # year (origin - 1): 2, 3 and 4 steps for origin + 1 .. origin + 3
    assert abs(ye[:, 0].mean() - 1.5) < 0.02 and abs(ye[:, 2].mean() - 1.5) < 0.03
    np.testing.assert_allclose(ye[:, :, 0].std(axis=0), 0.1 * np.sqrt([2, 3, 4]), rtol=0.12)
    # an AR(1) posterior decays towards its mean instead
    post["rho_year"] = post["sigma_year"] * 0 + 0.8
    post["year_mean"] = post["sigma_year"] * 0
    ye = _year_paths(_post_arrays(post), data, 3, np.random.default_rng(0))[:, 0]  # path 0
    assert abs(ye[:, 0].mean() - 1.5 * 0.8**2) < 0.03


def test_per_draw_probabilities_average_to_the_posterior_mean(real) -> None:
    """``all_country_event_probs(per_draw=True)`` gives each draw's probability; with the same
    random stream their mean over draws is the posterior-mean forecast, NaN where the index is
    missing, and the draws really differ (so a Monte Carlo error computed from them is not 0)."""
    from analogcast.models.event_forecast import all_country_event_probs

    panel, events, model, _ = real
    d = model.prepare(panel, events, target=None, origin=2012, spaces=["women", "electoral"])
    post = fake_posterior("event_logit", d, draws=15, chains=2, seed=4).drop_vars("theta")
    mean = all_country_event_probs(post, d, 2, np.random.default_rng(7))
    draws = all_country_event_probs(post, d, 2, np.random.default_rng(7), per_draw=True)
    for k in ("opening", "closing"):
        assert draws[k].shape == (*mean[k].shape, 30)
        np.testing.assert_allclose(draws[k].mean(axis=-1), mean[k], rtol=1e-12, atol=1e-15)
        ok = ~np.isnan(mean[k])
        assert np.isnan(draws[k][~ok]).all() and (draws[k][ok].std(axis=-1) > 0).any()


def test_backtest_mode_has_no_target_and_forecasts_every_country(real) -> None:
    panel, events, model, _ = real
    d = model.prepare(panel, events, target=None, origin=2012, spaces=["women"])
    assert int(d.arrays["target_c"]) == -1 and (d.arrays["offset_rows"] > 0).all()
    post = fake_posterior("event_logit", d, draws=10, chains=2, seed=4).drop_vars("theta")
    out = model.predict_all(post, d, 2, np.random.default_rng(1))
    x = panel["v2x_gencl"].sel(year=2012).values
    assert np.isnan(out["opening"][:, 0]).sum() == np.isnan(x).sum()
    ok = ~np.isnan(x)
    po = out["opening"][ok, 0]
    assert ((po >= 0) & (po < 1)).all()
    assert (po[x[ok] < 0.9] > 0).all()  # openings are possible away from the ceiling
    # at the ceiling (index within a cutpoint of 1) a next-year opening is impossible, so the
    # two-year probability is far below that of countries just beneath it
    top = x[ok] > 1 - CUTPOINTS["women"]
    if top.any():
        assert po[top].mean() < expit(0) * po[x[ok] < 0.9].mean()


def _raw_dynamic(d, space: str, rows: np.ndarray, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Dynamic covariate ``name`` of training ``rows`` back on its own scale (undoing the
    standardisation, and the target's centring on its own rows)."""
    a = d.arrays
    sc = d.scaling["dynamic"][space]
    j = d.dynamic.index(name)
    tm = np.where(a["obs_c"][rows] == int(a["target_c"]), sc["target_mean"][j], 0.0)
    return (a["XZ"][rows, len(d.covariates) + j] + tm) * sc["scale"][j] + sc["centre"][j]


def test_cross_space_change_closed_form_and_no_look_ahead() -> None:
    from analogcast.models.design import cross_space_grid

    a = np.array([[0.50, 0.52, 0.57, 0.40, 0.30, 0.10]])
    b = np.array([[0.20, np.nan, 0.20, 0.26, 0.26, 0.26]])
    g = cross_space_grid({"a": a, "b": b}, {"a": 0.04, "b": 0.02})
    assert g.shape == (1, 6, 2)
    assert np.isnan(g[0, :3, 0]).all() and np.isnan(g[0, :2, 1]).all()
    # column t: mean over spaces of (x[t-1] - x[t-3]) / cutpoint
    assert g[0, 3, 0] == pytest.approx(((0.57 - 0.50) / 0.04 + (0.20 - 0.20) / 0.02) / 2)
    assert g[0, 4, 0] == pytest.approx((0.40 - 0.52) / 0.04)  # b is missing in t-3: a alone
    assert g[0, 5, 0] == pytest.approx(((0.30 - 0.57) / 0.04 + (0.26 - 0.20) / 0.02) / 2)
    # share of spaces that rose by more than their cutpoint from t-2 to t-1
    assert g[0, 2, 1] == pytest.approx(0.0)  # a: +0.02 < 0.04; b missing
    assert g[0, 3, 1] == pytest.approx(1.0)  # a: +0.05 > 0.04; b missing in t-2
    assert g[0, 4, 1] == pytest.approx(0.5)  # a fell; b rose 0.06 > 0.02
    assert g[0, 5, 1] == pytest.approx(0.0)
    # values from year t on never change column t
    a2, b2 = a.copy(), b.copy()
    a2[0, 4:], b2[0, 4:] = 0.9, 0.0
    g2 = cross_space_grid({"a": a2, "b": b2}, {"a": 0.04, "b": 0.02})
    np.testing.assert_array_equal(g2[0, :5], g[0, :5])


def test_cross_space_training_rows_do_not_read_after_the_origin(real) -> None:
    panel, events, model, _ = real
    d = model.prepare(panel, events, target="AFG", origin=2010, spaces=["women"])
    assert d.dynamic[-2:] == ("spaces_change2", "spaces_rising")
    # another space (not modelled) changed after the origin: the design must not move
    p2 = panel.copy(deep=True)
    var = SPACES["informational"]
    p2[var] = p2[var].where(p2["year"] <= 2010, 0.99)
    d2 = model.prepare(p2, events, target="AFG", origin=2010, spaces=["women"])
    np.testing.assert_array_equal(d.arrays["XZ"], d2.arrays["XZ"])
    # the forecast's covariates of origin + 1 do not move either, while a change at the origin
    # itself does move them
    from analogcast.models.event_forecast import _cross_terms

    p3 = panel.copy(deep=True)
    p3[var] = p3[var].where(p3["year"] != 2010, 0.99)
    d3 = model.prepare(p3, events, target="AFG", origin=2010, spaces=["women"])
    t_all = int(np.flatnonzero(np.asarray(d.meta["all_countries"]) == "AFG")[0])

    def step_one(dd):
        paths = {s: np.zeros((1, 1, 1)) for s in dd.scaling["history"]}
        return _cross_terms(dd, paths, lambda s: dd.scaling["history"][s][t_all, -3:], 1)[0, 0, 0]

    np.testing.assert_array_equal(step_one(d2), step_one(d))
    assert not np.allclose(step_one(d3), step_one(d))


def test_cross_space_forecast_step_one_matches_the_training_design(real) -> None:
    """The covariate a forecast from origin T uses for year T + 1 is the one a fit with a later
    origin puts on the training row of year T + 1 (same data, same formula)."""
    from analogcast.models.event_forecast import _cross_terms

    panel, events, model, _ = real
    d15 = model.prepare(panel, events, target="AFG", origin=2015, spaces=["women"])
    d17 = model.prepare(panel, events, target="AFG", origin=2017, spaces=["women"])
    t_all = int(np.flatnonzero(np.asarray(d15.meta["all_countries"]) == "AFG")[0])
    paths = {s: np.zeros((1, 1, 1)) for s in d15.scaling["history"]}
    got = _cross_terms(d15, paths, lambda s: d15.scaling["history"][s][t_all, -3:], 1)[0, 0, 0]
    a = d17.arrays
    years = np.asarray(d17.meta["years"])
    row = np.flatnonzero((a["obs_c"] == int(a["target_c"])) & (years[a["obs_t"]] == 2016))[:1]
    for i, name in enumerate(("spaces_change2", "spaces_rising")):
        assert got[i] == pytest.approx(_raw_dynamic(d17, "women", row, name)[0], abs=1e-9), name
    # Afghanistan's regime collapsed in 2021: the 2023 origin's value is far below 0
    d23 = model.prepare(panel, events, target="AFG", origin=2023, spaces=["women"])
    v23 = _cross_terms(d23, paths, lambda s: d23.scaling["history"][s][t_all, -3:], 1)[0, 0, 0]
    assert v23[0] < -2.0


def test_index_room_closed_form() -> None:
    from analogcast.models.design import ROOM_CAP, index_room

    level = np.array([0.0, 0.015, 0.03, 0.09, 0.12, 0.5, 0.94, 0.985, np.nan])
    got = index_room(level, 0.03)
    assert got.shape == (9, 2)
    np.testing.assert_allclose(got[:5, 0], [0.0, 0.5, 1.0, 3.0, ROOM_CAP])
    np.testing.assert_allclose(got[5:8, 1], [ROOM_CAP, 2.0, 0.5])
    assert (got[:6, 1] == ROOM_CAP).all() and (got[5:8, 0] == ROOM_CAP).all()
    assert np.isnan(got[8]).all()
    assert index_room(level.reshape(3, 3), 0.03).shape == (3, 3, 2)


def test_index_room_training_columns_and_forecast_step_one_agree(real) -> None:
    """The training columns are min(level / cutpoint, cap) and min((1 - level) / cutpoint, cap) of
    the row's own level column, and the value a forecast from origin T uses for year T + 1 is the
    one a fit with a later origin puts on the training row of year T + 1."""
    from analogcast.models.design import ROOM_CAP
    from analogcast.models.event_forecast import _series_terms

    panel, events, model, _ = real
    d15 = model.prepare(panel, events, target="AFG", origin=2015, spaces=["women"])
    d17 = model.prepare(panel, events, target="AFG", origin=2017, spaces=["women"])
    assert "floor_room" in d17.dynamic and "ceiling_room" in d17.dynamic
    a = d17.arrays

    def raw(row: np.ndarray, name: str) -> np.ndarray:
        return _raw_dynamic(d17, "women", row, name)

    rows = np.arange(a["y"].size)
    lvl, floor, ceil = raw(rows, "level"), raw(rows, "floor_room"), raw(rows, "ceiling_room")
    cut = CUTPOINTS["women"]
    np.testing.assert_allclose(floor, np.minimum(lvl / cut, ROOM_CAP), atol=1e-9)
    np.testing.assert_allclose(ceil, np.minimum((1 - lvl) / cut, ROOM_CAP), atol=1e-9)
    # rows near either bound exist on the real data
    assert (floor < ROOM_CAP).sum() > 100 and (ceil < ROOM_CAP).sum() > 100
    # step one of a forecast from 2015: only one column's gamma is 1, so lin is its z value
    t_all = int(np.flatnonzero(np.asarray(d15.meta["all_countries"]) == "AFG")[0])
    hist = d15.scaling["history"]["women"][t_all, -6:]
    series = np.concatenate([hist, [np.nan]])[None, :]
    s15 = d15.scaling["dynamic"]["women"]
    row = np.flatnonzero((a["obs_c"] == int(a["target_c"]))
                         & (np.asarray(d17.meta["years"])[a["obs_t"]] == 2016))[0]
    for name in ("floor_room", "ceiling_room"):
        j = d15.dynamic.index(name)
        gamma = np.zeros((1, len(d15.dynamic), 1, 2))
        gamma[0, j, 0, :] = 1.0
        lin, _ = _series_terms(d15, "women", series, 1, {"gamma": gamma}, 0, tmean=False,
                               cross=np.zeros((1, 1, 2)))  # the cross-space columns weigh 0
        got = lin[0, 0, 0] * s15["scale"][j] + s15["centre"][j]
        assert got == pytest.approx(raw(np.array([row]), name)[0], abs=1e-9), name


def test_without_index_room_the_design_has_no_room_columns(real) -> None:
    panel, events, _, _ = real
    d = get_model("event_logit", index_room=False).prepare(panel, events, target="AFG",
                                                           origin=2015, spaces=["women"])
    assert not {"floor_room", "ceiling_room"} & set(d.dynamic)
    assert d.dynamic[-2:] == ("spaces_change2", "spaces_rising")


def test_year_shocks_are_not_carried_forward(real) -> None:
    """Local level + noise: a forecast continues the filtered level of the last fitted year, not
    its shock. Closed forms: the steady-state Kalman filter of a local-level model, and with no
    level noise the level is the mean of the years."""
    from analogcast.models.event_forecast import _post_arrays, _year_paths
    from analogcast.models.year_effects import filtered_level

    rng = np.random.default_rng(0)
    n_y = 60
    ys = np.zeros((1, n_y, 1))
    ys[0, -1, 0] = 1.0  # a spike in the last year after a flat history
    sl, se = np.array([[0.1]]), np.array([[0.3]])
    mean, var = filtered_level(ys, sl, se)
    q = (0.1 / 0.3) ** 2  # steady state: P = s2e * (-q + sqrt(q^2 + 4q)) / 2 before the update
    p_pred = 0.3**2 * (q + np.sqrt(q**2 + 4 * q)) / 2
    gain = p_pred / (p_pred + 0.3**2)
    assert mean[0, 0] == pytest.approx(gain * 1.0, rel=1e-6)
    assert var[0, 0] == pytest.approx((1 - gain) * p_pred, rel=1e-6)
    # no level noise: the level is the mean of the years, known to s2e / n
    y2 = rng.normal(0.4, 0.3, size=(1, n_y, 1))
    m2, v2 = filtered_level(y2, np.array([[0.0]]), se)
    assert m2[0, 0] == pytest.approx(y2.mean(), rel=1e-9)
    assert v2[0, 0] == pytest.approx(0.09 / n_y, rel=1e-9)

    _, _, _, data = real
    post = fake_posterior("event_logit", data, draws=1000, chains=2, seed=7)
    post["year_effect"][:] = 0.0
    post["year_effect"][dict(year=-1)] = 2.0  # a spike in the last fitted year
    post["sigma_year"][:] = 0.1
    post["sigma_year_noise"] = post["sigma_year"] * 0 + 0.3
    ye = _year_paths(_post_arrays(post), data, 3, np.random.default_rng(0))[:, 0]  # path 0
    assert np.abs(ye.mean(axis=0) - gain * 2.0).max() < 0.03  # mostly not carried on
    want = np.sqrt(var[0, 0] + 0.1**2 * np.array([2, 3, 4]) + 0.3**2)
    np.testing.assert_allclose(ye[:, :, 1].std(axis=0), want, rtol=0.06)


def test_one_space_has_no_between_space_scales(real) -> None:
    """With one space there is nothing to pool across: no ``sigma_beta`` / ``sigma_gamma`` (an
    SD fitted from a single group is a funnel), and the space's slopes are the common slopes;
    with two spaces both scales are back."""
    panel, events, model, _ = real
    one = model.build(model.prepare(panel, events, target=None, origin=2010, spaces=["women"]))
    free = {v.name for v in one.free_RVs}
    assert not {"sigma_beta", "sigma_gamma", "z_beta"} & free
    assert {"beta0", "gamma0"} <= free and {"beta", "gamma"} <= set(one.named_vars)
    two = model.build(model.prepare(panel, events, target=None, origin=2010,
                                    spaces=["women", "electoral"]))
    assert {"sigma_beta", "sigma_gamma"} <= {v.name for v in two.free_RVs}


@pytest.mark.parametrize("scale", [0.5, 0.2])
def test_sigma_year_priors_closed_form(scale: float) -> None:
    """``sigma_year``'s default prior is Gamma(2, rate) with the half-normal's mean
    ``scale * sqrt(2/pi)`` (so its density vanishes at 0 and its mode is half the mean);
    ``sigma_year_prior = "halfnormal"`` gives HalfNormal(scale); ``sigma_year_noise`` stays a
    HalfNormal(scale) either way. Log densities against scipy."""
    import pymc as pm
    from scipy import stats

    from analogcast.models.year_effects import year_effects

    x = np.array([1e-6, 0.01, 0.05, 0.2, 0.45, 1.3])
    mean = scale * np.sqrt(2.0 / np.pi)
    want = {"gamma": stats.gamma(a=2.0, scale=mean / 2.0).logpdf(x),
            "halfnormal": stats.halfnorm(scale=scale).logpdf(x)}
    for kind, lp_want in want.items():
        with pm.Model(coords={"year": np.arange(8), "direction": ["opening", "closing"]}) as m:
            year_effects(8, ("opening", "closing"), scale, noise=True, level_prior=kind)
        for name, target in (("sigma_year", lp_want), ("sigma_year_noise", want["halfnormal"])):
            got = [float(pm.logp(m[name], np.array([v, v])).eval()[0]) for v in x]
            np.testing.assert_allclose(got, target, rtol=1e-7, atol=1e-8, err_msg=f"{kind}: {name}")
    # the boundary: at 1e-6 the gamma's log density is more than 9 nats below its largest value
    # on the grid, where the half-normal's is at its maximum
    assert want["gamma"][0] < want["gamma"].max() - 9
    assert want["halfnormal"][0] == want["halfnormal"].max()
    with pytest.raises(ValueError, match="level_prior"):
        with pm.Model(coords={"year": np.arange(8), "direction": ["opening", "closing"]}):
            year_effects(8, ("opening", "closing"), scale, noise=True, level_prior="cauchy")


def test_event_model_takes_the_sigma_year_prior_option(real) -> None:
    """The model's ``sigma_year`` is the option's distribution (Gamma by default)."""
    panel, events, _, _ = real
    for kind, op in (("gamma", "Gamma"), ("halfnormal", "HalfNormal")):
        m = get_model("event_logit", sigma_year_prior=kind)
        pmm = m.build(m.prepare(panel, events, target=None, origin=2010, spaces=["women"]))
        assert type(pmm["sigma_year"].owner.op).__name__.startswith(op), (kind, pmm["sigma_year"].owner.op)


def test_year_paths_of_a_draw_come_in_antithetic_pairs(real) -> None:
    """Several year paths per draw: every path has the one-path distribution (the walk's spread
    grows as sqrt of the steps since the last fitted year), the two paths of a pair mirror each
    other about the draw's expected path, so a pair's mean is that path exactly, and distinct
    pairs are independent."""
    from analogcast.models.event_forecast import _post_arrays, _year_paths

    _, _, _, data = real
    post = fake_posterior("event_logit", data, draws=1000, chains=2, seed=5)
    post["year_effect"][dict(year=-1)] = 1.5
    post["sigma_year"][:] = 0.1
    if "sigma_year_noise" in post:
        post = post.drop_vars("sigma_year_noise")
    ye = _year_paths(_post_arrays(post), data, 3, np.random.default_rng(2), n_paths=4)
    assert ye.shape == (2000, 4, 3, 2)
    for j in range(4):
        np.testing.assert_allclose(ye[:, j, :, 0].std(axis=0), 0.1 * np.sqrt([2, 3, 4]), rtol=0.08)
    np.testing.assert_allclose(ye[:, 0::2] + ye[:, 1::2], 2 * 1.5, atol=1e-12)
    c = np.corrcoef(ye[:, 0, 2, 0], ye[:, 2, 2, 0])[0, 1]
    assert abs(c) < 0.1  # 2,000 draws: sd of a null correlation about 0.022


@pytest.mark.parametrize("noise", [True, False])
def test_year_walk_density_is_the_local_level_models(noise: bool) -> None:
    """The year effects' potential is the density of the steps under the local-level model,
    ``steps = u[t] + e[t] - e[t-1]``, against scipy's multivariate normal with the tridiagonal
    covariance built here (up to the 2 pi constant), at several scales and step vectors."""
    import pymc as pm
    import pytensor.tensor as pt
    from scipy.stats import multivariate_normal

    from analogcast.models.year_effects import year_effects

    n = 12
    with pm.Model(coords={"year": list(range(n)), "direction": ["opening"]}) as model:
        year_effects(n, ["opening"], 0.5, noise=noise)
    walk = model.compile_fn(model.replace_rvs_by_values([model.potentials[0]])[0],
                            inputs=model.value_vars, on_unused_input="ignore")
    rng = np.random.default_rng(3)
    for sl, se in [(0.2, 0.5), (0.7, 0.1), (0.05, 0.05)]:
        if not noise:
            se = 0.0
        # draw a year path from the generative model, centred as the ZeroSumNormal is
        level = np.cumsum(rng.normal(0, sl, n))
        y = level + rng.normal(0, se, n)
        y -= y.mean()
        cov = (sl**2 + 2 * se**2) * np.eye(n - 1) - se**2 * (np.eye(n - 1, k=1) + np.eye(n - 1, k=-1))
        want = multivariate_normal(np.zeros(n - 1), cov).logpdf(np.diff(y)) + (n - 1) / 2 * np.log(2 * np.pi)
        point = {"sigma_year_log__": np.log([sl])}
        if noise:
            point["sigma_year_noise_log__"] = np.log([se])
        # the free ZeroSumNormal coordinates of y: PyMC's own forward transform
        zs = model.rvs_to_transforms[model["year_opening"]]
        point["year_opening_zerosum__"] = zs.forward(pt.as_tensor(y)).eval()
        wide = 10 * sl
        cancel = 0.5 * np.sum(y**2) / wide**2 + (n - 1) * np.log(wide)
        assert float(walk(point)) == pytest.approx(want + cancel, rel=1e-9, abs=1e-9)


def test_forecast_linear_predictor_is_the_models_own(real) -> None:
    """The numpy linear predictor the forecasts and the posterior predictive use equals the PyMC
    model's log-likelihood at the same draws (the target's intercept, year effects, offsets and
    all): a term missing on one side changes the Bernoulli log-likelihood of some rows."""
    import pymc as pm
    from pymc.stats import compute_log_likelihood

    from analogcast.models.event_forecast import linear_predictor

    _, _, model, data = real
    pmm = model.build(data, None)
    with pmm:
        prior = pm.sample_prior_predictive(draws=3, random_seed=11, var_names=[
            v.name for v in pmm.free_RVs + pmm.deterministics])
    post = prior["prior"].to_dataset()
    assert float(np.abs(post["year_effect"]).min()) > 1e-4  # the year effects are exercised
    ll = compute_log_likelihood(xr_tree(post), model=pmm, extend_inferencedata=False,
                                progressbar=False)["events"].stack(sample=("chain", "draw"))
    eta = linear_predictor(post, data)
    fm = np.flatnonzero(data.arrays["fit_mask"])
    eta = eta[:, fm] + data.arrays["offset_rows"][fm]
    y = data.arrays["y"][fm]
    ours = y * -np.logaddexp(0.0, -eta) + (1 - y) * -np.logaddexp(0.0, eta)
    np.testing.assert_allclose(ours, ll.transpose("sample", ...).values, rtol=0, atol=1e-8)


def xr_tree(post):  # a DataTree holding one posterior group
    import xarray as xr

    return xr.DataTree.from_dict({"posterior": post})



# -- the target's current spell (option target_since) -------------------------------------------


@pytest.fixture(scope="module")
def spell(real) -> tuple:
    panel, events, _, whole = real
    split = get_model("event_logit", target_since=2010).prepare(
        panel, events, target="AFG", origin=2023, spaces=SPACES3)
    none = get_model("event_logit").prepare(panel, events, target=None, origin=2023, spaces=SPACES3)
    return whole, split, none


def _target_rows(data, years_from: int | None = None) -> np.ndarray:
    a = data.arrays
    years = np.asarray(data.meta["years"])[a["obs_t"]]
    afg = list(data.meta["countries"]).index("AFG")
    mine = np.isin(a["obs_c"], [int(a["target_c"]), afg])
    return mine if years_from is None else mine & (years >= years_from)


def test_spell_rows_carry_theta_and_earlier_rows_are_an_ordinary_countrys(spell) -> None:
    whole, split, _ = spell
    a = split.arrays
    years = np.asarray(split.meta["years"])[a["obs_t"]]
    afg = list(split.meta["countries"]).index("AFG")
    tc = int(a["target_c"])
    assert tc == len(split.meta["countries"])  # one index past the fitted countries
    # the same target rows as without the split (every one kept), now divided at 2010
    assert _target_rows(split).sum() == _target_rows(whole).sum() == split.meta["n_rows_target"]
    assert a["fit_mask"][_target_rows(split)].all()
    assert set(years[a["obs_c"] == tc]) == set(range(2010, 2023))
    assert years[a["obs_c"] == afg].max() == 2009
    # ybar averages the year effects over the spell's years only
    W = a["target_year_weights"]
    win = np.asarray(split.meta["years"])
    assert (W[:, win < 2010] == 0).all() and np.allclose(W.sum(axis=1), 1.0)


def test_rows_before_the_spell_have_everyone_elses_design(spell) -> None:
    """Before the spell the target's rows equal its rows when no country is the target (same
    training scaling, no target centring); the spell's rows are centred on their own mean."""
    _, split, none = spell
    afg = list(split.meta["countries"]).index("AFG")
    for data, c in ((split, afg), (none, list(none.meta["countries"]).index("AFG"))):
        assert (data.arrays["obs_c"] == c).any()
    a, b = split.arrays, none.arrays
    ya, yb = (np.asarray(d.meta["years"]) for d in (split, none))
    for sd in range(len(SPACES3) * 2):
        ra = (a["obs_c"] == afg) & (a["obs_sd"] == sd)
        rb = (b["obs_c"] == list(none.meta["countries"]).index("AFG")) & (b["obs_sd"] == sd) \
            & (yb[b["obs_t"]] < 2010)
        assert np.array_equal(ya[a["obs_t"][ra]], yb[b["obs_t"][rb]])
        assert np.allclose(a["XZ"][ra], b["XZ"][rb])
        rs = (a["obs_c"] == int(a["target_c"])) & (a["obs_sd"] == sd)
        n_dyn = len(split.dynamic)
        # dynamic columns (the last n_dyn) centred on the spell's own mean in every block
        assert np.allclose(a["XZ"][rs][:, -n_dyn:].mean(axis=0), 0.0, atol=1e-9)


def test_a_spell_without_coded_years_is_refused_in_one_line(real) -> None:
    from analogcast.errors import UserInputError

    panel, events, _, _ = real
    with pytest.raises(UserInputError, match=r"target_since = 2023.*last coded year is 2022"):
        get_model("event_logit", target_since=2023).prepare(
            panel, events, target="AFG", origin=2023, spaces=SPACES3)

"""Scenario engine tests on SIMULATED panels with numpy-drawn fake posteriors (no MCMC, no real data)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analogcast.errors import UserInputError
from analogcast.models import get_model
from analogcast.models.covariates import alt_patrons_levels
from analogcast.models.simulate import fake_posterior, simulate_panel
from analogcast.scenarios import (
    Scenario,
    contrasts,
    default_scenarios,
    forecast,
    forecasts_table,
    index_table,
    rise_table,
    scenarios_from_spec,
)
from analogcast.scenarios.table import FORECAST_COLUMNS

SPACES2 = ("associational", "electoral")


@pytest.fixture(scope="module")
def result():
    panel, events, _ = simulate_panel(n_countries=10, years=(1966, 2004), spaces=SPACES2, seed=5)
    tree = {}
    data = {}
    for name, opts in (("event_logit", {}), ("trajectory", {"n_paths": 4})):
        m = get_model(name, **opts)
        d = m.prepare(panel, events, target="C000", origin=2004, spaces=SPACES2)
        tree[f"{name}/posterior"] = fake_posterior(name, d, draws=15, seed=2)
        data[name] = d
    return SimpleNamespace(tree=xr.DataTree.from_dict(tree), data=data)


@pytest.fixture(scope="module")
def fc(result):
    return forecast(result, default_scenarios(), horizons=[1, 2, 5, 10], deltas=(0.02, 0.05), seed=7)


# ---------------------------------------------------------------- Scenario validation
def test_scenario_unknown_covariate():
    with pytest.raises(UserInputError, match="unknown covariate 'oda_gnii'.*'oda_gni'"):
        Scenario("x", paths={"oda_gnii": 3})


def test_scenario_negative_aid():
    with pytest.raises(UserInputError, match="oda_gni must be >= 0"):
        Scenario("x", paths={"oda_gni": -1})
    with pytest.raises(UserInputError, match=">= 0"):
        Scenario("x", paths={"oda_gni": [2.0, -0.5]})


def test_scenario_other_errors():
    with pytest.raises(UserInputError, match="0 .*or 1"):
        Scenario("x", paths={"alt_patrons": 2})
    with pytest.raises(UserInputError, match="hold"):
        Scenario("x", paths={"sanctions": "lots"})
    with pytest.raises(UserInputError, match="name"):
        Scenario("bad name!")
    with pytest.raises(UserInputError, match="twice"):
        scenarios_from_spec([{"name": "a"}, {"name": "a"}])
    with pytest.raises(UserInputError, match="1 to 10"):
        Scenario("x", paths={"oda_gni": list(range(11))})


def test_scenario_forms_and_paths(result):
    flat = Scenario.from_mapping({"name": "a", "label": "A", "oda_gni": 4.0, "NY.GDP.PCAP.KD.ZG": [1, 2]})
    nested = Scenario.from_mapping({"name": "a", "paths": {"oda_gni": 4.0, "gdp_growth": [1, 2]}})
    assert flat.paths == nested.paths
    d = result.data["event_logit"]
    np.testing.assert_allclose(flat.path("NY.GDP.PCAP.KD.ZG", d, 4), [1, 2, 2, 2])
    hold = Scenario("h").path("DT.ODA.ODAT.GN.ZS", d, 3)
    assert np.all(hold == d.last_observed("DT.ODA.ODAT.GN.ZS"))
    # alt_patrons no longer sets the era flag: it sets the measured patron covariates
    lv = alt_patrons_levels()
    assert Scenario("p", paths={"alt_patrons": 1}).path("patron_align", d, 2).tolist() == [lv[1]["patron_align"]] * 2
    assert Scenario("p", paths={"alt_patrons": [0, 1]}).path("cn_fin_gdp", d, 3).tolist() == [
        lv[0]["cn_fin_gdp"], lv[1]["cn_fin_gdp"], lv[1]["cn_fin_gdp"]]
    assert Scenario("p", paths={"alt_patrons": 1, "patron_align": 0.1}).path("patron_align", d, 1).tolist() == [0.1]
    assert [s.name for s in scenarios_from_spec({"b": {"oda_gni": 1}, "c": {}})] == ["b", "c"]
    assert len(default_scenarios()) == 5


# ---------------------------------------------------------------- forecast
def test_forecast_bad_horizons(result):
    for bad in ([0], [11], [2.5]):
        with pytest.raises(UserInputError, match="horizon"):
            forecast(result, default_scenarios()[:1], horizons=bad)


def test_forecast_contents(fc):
    for v in ("p_opening", "p_closing", "p_opening_traj", "p_closing_traj"):
        assert fc[v].dims == ("scenario", "space", "horizon", "chain", "draw")
        x = fc[v].values
        assert np.all((x >= 0) & (x <= 1))
        assert np.all(np.diff(x, axis=2) >= -1e-12)
    assert fc["index"].dims == ("scenario", "space", "year", "chain", "draw")
    assert fc["p_rise"].dims == ("scenario", "space", "horizon", "delta", "chain", "draw")
    # a larger rise threshold is never more likely
    assert np.all(fc["p_rise"].sel(delta=0.05) <= fc["p_rise"].sel(delta=0.02) + 1e-12)
    assert "wbl" in fc and fc.attrs["assumptions"]
    assert list(fc["scenario"].values) == [s.name for s in default_scenarios()]
    assert fc["year"].values[0] == 2005


def test_forecast_reproducible(result):
    a = forecast(result, default_scenarios()[:2], horizons=[2], seed=1)
    b = forecast(result, default_scenarios()[:2], horizons=[2], seed=1)
    xr.testing.assert_equal(a, b)


def test_aid_moves_event_forecast(result):
    """With aid's coefficient non-zero, scenarios differing only in aid differ draw by draw."""
    scen = [Scenario("lo", paths={"oda_gni": 0.0}), Scenario("hi", paths={"oda_gni": 40.0})]
    f = forecast(result, scen, horizons=[5], seed=3)
    diff = f["p_opening"].sel(scenario="hi") - f["p_opening"].sel(scenario="lo")
    assert float(np.abs(diff).max()) > 0


# ---------------------------------------------------------------- tables and contrasts
def test_forecasts_table(fc):
    df = forecasts_table(fc, level=0.89)
    assert tuple(df.columns) == FORECAST_COLUMNS
    assert len(df) == 5 * 2 * 4
    for d in ("opening", "closing"):
        assert ((df[f"p_{d}_low"] <= df[f"p_{d}"]) & (df[f"p_{d}"] <= df[f"p_{d}_high"])).all()
        assert df[[f"p_{d}", f"p_{d}_low", f"p_{d}_high"]].apply(lambda c: c.between(0, 1)).all().all()
    with pytest.raises(UserInputError, match="level"):
        forecasts_table(fc, level=1.5)


def test_contrasts(fc):
    c = contrasts(fc, level=0.89, horizons=[2, 5])
    assert list(c.columns) == ["scenario_a", "scenario_b", "space", "horizon", "diff_mean",
                               "diff_low", "diff_high", "p_a_gt_b"]
    assert len(c) == 5 * 4 * 2 * 2
    assert (c["diff_low"] <= c["diff_high"]).all() and c["p_a_gt_b"].between(0, 1).all()
    ab = c.set_index(["scenario_a", "scenario_b", "space", "horizon"])
    x = ab.loc[("isolation", "status_quo", "electoral", 5)]
    y = ab.loc[("status_quo", "isolation", "electoral", 5)]
    assert x["diff_mean"] == pytest.approx(-y["diff_mean"])


def test_index_and_rise_tables(fc):
    it = index_table(fc)
    assert list(it.columns) == ["scenario", "space", "year", "mean", "low", "high"]
    assert (it["low"] <= it["high"]).all()
    rt = rise_table(fc)
    assert isinstance(rt, pd.DataFrame) and rt["p_rise"].between(0, 1).all()


def test_models_with_different_draw_counts(result):
    """[sampler.models.trajectory] may give the trajectory model more draws than event_logit: the
    forecast thins its draws to the event model's count, evenly spaced."""
    more = result.tree["trajectory/posterior"].to_dataset()
    more = xr.concat([more, more.assign_coords(draw=more["draw"] + more.sizes["draw"])], dim="draw")
    tree = xr.DataTree.from_dict({"event_logit/posterior": result.tree["event_logit/posterior"].to_dataset(),
                                  "trajectory/posterior": more})
    both = SimpleNamespace(tree=tree, data=result.data)
    out = forecast(both, default_scenarios(), horizons=[2], seed=7)
    assert out.sizes["draw"] == result.tree["event_logit/posterior"].sizes["draw"]
    assert out["index"].sizes["draw"] == out["p_opening"].sizes["draw"]
    assert np.isfinite(out["p_opening_traj"].values).all()

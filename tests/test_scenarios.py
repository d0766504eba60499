"""Scenario engine tests on SIMULATED panels with numpy-drawn fake posteriors (no MCMC, no real data)."""

from __future__ import annotations

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
from fit_results import fit_result

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
    return fit_result(tree, data)


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


def _with_aid_terms(result, aid: float, aid_cw: float):
    """``result`` with the event model's aid coefficients set exactly (every draw, space and
    direction): ``beta[aid] = aid``, ``beta[aid_cw] = aid_cw``; all other parameters unchanged."""
    post = result.tree["event_logit/posterior"].to_dataset()
    beta = post["beta"].copy()
    beta.loc[{"covariate": "aid"}] = aid
    beta.loc[{"covariate": "aid_cw"}] = aid_cw
    tree = xr.DataTree.from_dict({"event_logit/posterior": post.assign(beta=beta)})
    return fit_result(tree, {"event_logit": result.data["event_logit"]})


def _aid_diff(res, alt_patrons: int) -> np.ndarray:
    """P(hi aid) - P(lo aid) per draw, both directions, for scenarios differing only in aid."""
    scen = [Scenario("lo", paths={"oda_gni": 0.0, "alt_patrons": alt_patrons}),
            Scenario("hi", paths={"oda_gni": 40.0, "alt_patrons": alt_patrons})]
    f = forecast(res, scen, horizons=[1, 5], seed=3)
    return np.stack([(f[v].sel(scenario="hi") - f[v].sel(scenario="lo")).values
                     for v in ("p_opening", "p_closing")])


def _p_hi(res, alt_patrons: int) -> np.ndarray:
    """P(event) under the high-aid scenario, shaped like :func:`_aid_diff`."""
    scen = [Scenario("lo", paths={"oda_gni": 0.0, "alt_patrons": alt_patrons}),
            Scenario("hi", paths={"oda_gni": 40.0, "alt_patrons": alt_patrons})]
    f = forecast(res, scen, horizons=[1, 5], seed=3)
    return np.stack([f[v].sel(scenario="hi").values for v in ("p_opening", "p_closing")])


def test_aid_moves_event_forecast(result):
    """A known positive aid effect raises P(event) in EVERY draw, space, horizon and direction
    where the event is possible (the future year shocks and index paths are shared across
    scenarios, so the comparison is exact per draw); the aid x Cold-War term never acts in
    forecast years."""
    pos = _with_aid_terms(result, aid=0.5, aid_cw=0.0)
    for cw in (0, 1):
        d = _aid_diff(pos, cw)
        # an event the coder cannot produce from the target's level has probability exactly 0 in
        # both scenarios (feasibility); everywhere else the positive effect shows in every draw
        hi = _p_hi(pos, cw)
        assert (d[hi == 0] == 0).all()
        assert (d[hi > 0] > 1e-6).all(), f"alt_patrons={cw}: aid's positive effect not positive in every draw"
        assert (hi > 0).mean() > 0.5
    # the Cold-War era ends in 1990: forecast years have cw = 0 whatever alt_patrons says (which
    # now sets the measured patron covariates), so the aid x Cold-War term never acts in a
    # forecast -- a large negative era effect leaves aid's positive effect positive ...
    sw = _with_aid_terms(result, aid=0.5, aid_cw=-5.0)
    for cw in (0, 1):
        ok = _p_hi(sw, cw) > 0
        assert (_aid_diff(sw, cw)[ok] > 0).all()
    # ... and the era term alone moves nothing
    only_cw = _with_aid_terms(result, aid=0.0, aid_cw=0.5)
    for cw in (0, 1):
        np.testing.assert_allclose(_aid_diff(only_cw, cw), 0.0, atol=1e-12)


# ---------------------------------------------------------------- tables and contrasts
LEVEL = 0.89  # the spec default; the tables are checked against numpy at exactly this level


def _draws(da: xr.DataArray, **sel) -> np.ndarray:
    """All posterior draws (chains x draws, flattened) of one cell of a forecast variable."""
    return np.asarray(da.sel(**sel).transpose("chain", "draw").values, dtype=float).ravel()


def _eti(x: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Equal-tailed interval recomputed with numpy's own quantiles."""
    lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def test_forecasts_table(fc):
    """Every cell is the mean and the equal-tailed LEVEL interval of its draws, recomputed here."""
    df = forecasts_table(fc, level=LEVEL)
    assert tuple(df.columns) == FORECAST_COLUMNS
    assert len(df) == 5 * 2 * 4
    assert set(zip(df.scenario, df.space, df.horizon, strict=True)) == {
        (str(a), str(b), int(c)) for a in fc.scenario.values for b in fc.space.values
        for c in fc.horizon.values}
    for row in df.itertuples():
        for d in ("opening", "closing"):
            x = _draws(fc[f"p_{d}"], scenario=row.scenario, space=row.space, horizon=row.horizon)
            lo, hi = _eti(x)
            got = (getattr(row, f"p_{d}"), getattr(row, f"p_{d}_low"), getattr(row, f"p_{d}_high"))
            np.testing.assert_allclose(got, (x.mean(), lo, hi), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{row.scenario}/{row.space}/{row.horizon}/{d}")
    # the interval really is the requested one: a 95% interval is strictly wider somewhere
    wide = forecasts_table(fc, level=0.95)
    assert (wide["p_opening_high"] - wide["p_opening_low"]
            > df["p_opening_high"] - df["p_opening_low"] + 1e-9).any()
    with pytest.raises(UserInputError, match="level"):
        forecasts_table(fc, level=1.5)


def test_contrasts(fc):
    """diff_mean, the LEVEL interval of the per-draw difference and P(A > B), recomputed here."""
    c = contrasts(fc, level=LEVEL, horizons=[2, 5])
    assert list(c.columns) == ["scenario_a", "scenario_b", "space", "horizon", "diff_mean",
                               "diff_low", "diff_high", "p_a_gt_b"]
    assert len(c) == 5 * 4 * 2 * 2
    for row in c.itertuples():
        cell = {"space": row.space, "horizon": row.horizon}
        diff = (_draws(fc["p_opening"], scenario=row.scenario_a, **cell)
                - _draws(fc["p_opening"], scenario=row.scenario_b, **cell))
        lo, hi = _eti(diff)
        np.testing.assert_allclose((row.diff_mean, row.diff_low, row.diff_high, row.p_a_gt_b),
                                   (diff.mean(), lo, hi, float(np.mean(diff > 0))),
                                   rtol=1e-12, atol=1e-12,
                                   err_msg=f"{row.scenario_a} vs {row.scenario_b}, {row.space}, {row.horizon}")
    # the fixture's scenarios really differ, so P(A > B) and P(A < B) are told apart
    assert ((c["p_a_gt_b"] > 0.9) | (c["p_a_gt_b"] < 0.1)).any()


def test_index_and_rise_tables(fc):
    """Fan-chart bands and P(rise >= delta): mean and LEVEL interval of the draws, recomputed here."""
    it = index_table(fc, level=LEVEL)
    assert list(it.columns) == ["scenario", "space", "year", "mean", "low", "high"]
    assert len(it) == fc.sizes["scenario"] * fc.sizes["space"] * fc.sizes["year"]
    for row in it.itertuples():
        x = _draws(fc["index"], scenario=row.scenario, space=row.space, year=row.year)
        np.testing.assert_allclose((row.mean, row.low, row.high), (x.mean(), *_eti(x)),
                                   rtol=1e-12, atol=1e-12)
    rt = rise_table(fc, level=LEVEL)
    assert isinstance(rt, pd.DataFrame)
    assert list(rt.columns) == ["scenario", "space", "horizon", "delta", "p_rise", "p_rise_low",
                                "p_rise_high"]
    assert len(rt) == fc.sizes["scenario"] * fc.sizes["space"] * fc.sizes["horizon"] * fc.sizes["delta"]
    for row in rt.itertuples():
        x = _draws(fc["p_rise"], scenario=row.scenario, space=row.space, horizon=row.horizon,
                   delta=row.delta)
        np.testing.assert_allclose((row.p_rise, row.p_rise_low, row.p_rise_high), (x.mean(), *_eti(x)),
                                   rtol=1e-12, atol=1e-12)
    # the rows are not degenerate: some fan-chart band has width, some P(rise) is strictly inside (0, 1)
    assert (it["high"] - it["low"] > 1e-6).any() and rt["p_rise"].between(1e-6, 1 - 1e-6).any()


def test_models_with_different_draw_counts(result):
    """[sampler.models.trajectory] may give the trajectory model more draws than event_logit: the
    forecast thins its draws to the event model's count, evenly spaced."""
    more = result.tree["trajectory/posterior"].to_dataset()
    more = xr.concat([more, more.assign_coords(draw=more["draw"] + more.sizes["draw"])], dim="draw")
    tree = xr.DataTree.from_dict({"event_logit/posterior": result.tree["event_logit/posterior"].to_dataset(),
                                  "trajectory/posterior": more})
    both = fit_result(tree, result.data)
    out = forecast(both, default_scenarios(), horizons=[2], seed=7)
    assert out.sizes["draw"] == result.tree["event_logit/posterior"].sizes["draw"]
    assert out["index"].sizes["draw"] == out["p_opening"].sizes["draw"]
    assert np.isfinite(out["p_opening_traj"].values).all()


def test_scenario_note_is_the_specs_field_and_description_an_alias() -> None:
    """One field name across the spec and Scenario (issue 16): ``note``; ``description`` (the old
    name of Scenario's field) is still read."""
    sc = Scenario(name="a", note="aid as now", oda_gni=5.0)  # a spec table's flat form, as keywords
    assert sc.note == "aid as now" and sc.to_dict()["note"] == "aid as now"
    assert "description" not in sc.to_dict() and "description" not in sc.model_dump()
    assert Scenario.from_mapping({"name": "b", "description": "old runs"}).note == "old runs"


# ---------------------------------------------------------------- one scenario type (issue 16 item 2)
_SPEC_HEAD = 'title = "t"\ntarget = "AFG"\norigin = 2023\nspaces = ["women"]\n[model]\nnames = ["event_logit"]\n'


def test_the_spec_holds_the_engines_scenario_type() -> None:
    """The spec's ``[[scenarios]]`` tables ARE ``analogcast.scenarios.Scenario`` objects: the engine,
    the run store and the report receive them as they are, not a copy converted from another class."""
    import analogcast.fitting
    import analogcast.fitting.spec
    import analogcast.scenarios
    from analogcast.fitting import parse_spec
    from analogcast.runs.run import spec_scenarios

    spec = parse_spec(_SPEC_HEAD + '[[scenarios]]\nname = "a"\noda_gni = 5.0\n'
                      '[[scenarios]]\nname = "b"\nlabel = "B"\npaths = {sanctions = [1, 2]}\n')
    assert all(type(s) is analogcast.scenarios.Scenario for s in spec.scenarios)
    assert analogcast.scenarios.Scenario is Scenario
    assert all(a is b for a, b in zip(spec_scenarios(spec), spec.scenarios, strict=True))
    assert all(a is b for a, b in zip(scenarios_from_spec(spec.scenarios), spec.scenarios, strict=True))
    assert spec.scenarios[1] == Scenario("b", "B", {"sanctions": [1, 2]})
    assert not hasattr(analogcast.fitting.spec, "ScenarioSpec") and "ScenarioSpec" not in analogcast.fitting.__all__


@pytest.mark.parametrize("written", [
    "oda_gni = -1.0", "oda_gni = [2.0, -0.5]", "sanctions = 2.5", "alt_patrons = 2", 'oda_gni = "lots"',
    "oda_gni = true", "oda_gni = inf", "oda_gni = []", f"oda_gni = {list(range(11))}",
    "paths = {oda_gdp = 1.0}", "paths = [1, 2]", 'label = 3',
])
def test_a_value_the_spec_refuses_is_refused_alike_by_scenario(written: str) -> None:
    """The same check, the same words: only where it happened differs (``t.toml: scenarios.s.`` in a
    spec, ``scenario 's': `` when built directly)."""
    import tomllib

    from analogcast.fitting import parse_spec

    with pytest.raises(UserInputError) as by_spec:
        parse_spec(_SPEC_HEAD + f'[[scenarios]]\nname = "s"\n{written}\n', source="t.toml")
    table = {"name": "s", **tomllib.loads(written)}
    with pytest.raises(UserInputError) as direct:
        Scenario(**table)
    with pytest.raises(UserInputError) as mapped:
        Scenario.from_mapping(table)
    spec_msg, direct_msg = str(by_spec.value), str(direct.value)
    assert direct_msg.startswith("scenario 's': ") and str(mapped.value) == direct_msg
    problem = direct_msg.removeprefix("scenario 's': ")
    assert spec_msg == f"t.toml: scenarios.s.{problem}", (spec_msg, direct_msg)
    assert "\n" not in spec_msg


def test_a_name_the_spec_refuses_is_refused_alike_by_scenario() -> None:
    from analogcast.fitting import parse_spec

    with pytest.raises(UserInputError) as by_spec:
        parse_spec(_SPEC_HEAD + '[[scenarios]]\nname = "bad name!"\n', source="t.toml")
    with pytest.raises(UserInputError) as direct:
        Scenario("bad name!")
    assert str(by_spec.value) == f"t.toml: scenarios.bad name!.{direct.value}"


def test_scenario_forms_round_trip_and_old_spec_tables_load() -> None:
    """Positional and keyword construction agree; the spec's form (``model_dump``) and the forecast's
    record (``to_dict``) read back; a table as the old ``ScenarioSpec`` wrote it (``label = ""``,
    ``[scenarios.paths]``) in a saved run's ``spec.toml`` still loads."""
    import pickle
    import tomllib

    from analogcast.fitting import parse_spec

    a = Scenario("a_b", "", {"oda_gni": [1, 2], "NY.GDP.PCAP.KD.ZG": 3}, "n")
    assert a == Scenario(name="a_b", paths={"oda_gni": (1.0, 2.0), "gdp_growth": 3.0}, note="n")
    assert dict(a.paths) == {"oda_gni": (1.0, 2.0), "gdp_growth": 3.0}
    assert dict(a.variables) == {"DT.ODA.ODAT.GN.ZS": (1.0, 2.0), "NY.GDP.PCAP.KD.ZG": 3.0}
    assert a.label == "" and a.display_label == "a b" and a.to_dict()["label"] == "a b"
    assert Scenario.from_mapping(a.model_dump()) == a
    assert Scenario.from_mapping(a.to_dict()).paths == a.paths
    assert pickle.loads(pickle.dumps(a)) == a and hash(a) == hash(Scenario.from_mapping(a.model_dump()))
    with pytest.raises(TypeError):
        a.paths["oda_gni"] = 1.0  # type: ignore[index]
    with pytest.raises(Exception):  # noqa: B017 - frozen
        a.name = "c"  # type: ignore[misc]
    with pytest.raises(TypeError, match="multiple values"):
        Scenario("a", name="b")
    old = tomllib.loads(_SPEC_HEAD + '[[scenarios]]\nname = "status_quo"\nlabel = ""\nnote = "x"\n'
                        '[scenarios.paths]\noda_gni = 15.0\nalt_patrons = 1.0\nsanctions = [13.0, 12.0]\n')
    spec = parse_spec(_SPEC_HEAD + '[[scenarios]]\nname = "status_quo"\nlabel = ""\nnote = "x"\n'
                      '[scenarios.paths]\noda_gni = 15.0\nalt_patrons = 1.0\nsanctions = [13.0, 12.0]\n')
    assert spec.to_dict()["scenarios"] == old["scenarios"]  # written back as it was read
    assert parse_spec(spec.to_toml()) == spec


def test_forecast_takes_a_fit_result_not_a_look_alike(result):
    """The engine's input is a typed FitResult: an object that merely has .tree and .data is refused."""
    from types import SimpleNamespace

    with pytest.raises(TypeError, match="takes a FitResult"):
        forecast(SimpleNamespace(tree=result.tree, data=result.data), default_scenarios()[:1], horizons=[2])

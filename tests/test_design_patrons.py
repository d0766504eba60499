"""Aid, sanctions, patrons and missingness in the common design (issue 13), on the real panel."""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.data import load_panel
from analogcast.errors import UserInputError
from analogcast.models.covariates import CATALOGUE, validate_value
from analogcast.models.design import (
    COLD_WAR_END,
    INTERACTIONS,
    MISSING_GROUPS,
    ModelData,
    common_design,
)
from analogcast.scenarios.scenario import Scenario, resolve_paths, scenario_notes


@pytest.fixture(scope="module")
def design():
    panel = load_panel(years=(1968, 2023))
    years = panel["year"].values
    countries = [str(c) for c in panel["country"].values]
    t_idx = countries.index("AFG")
    train = np.ones((len(countries), len(years)), dtype=bool)
    train[:, :2] = False  # no lagged covariates yet
    train &= np.isfinite(panel["v2x_regime"].transpose("country", "year").values)
    cd = common_design(panel, train, t_idx, train[t_idx])
    data = ModelData(
        model="event_logit", target="AFG", origin=2023, start=1970, spaces=("women",),
        covariates=cd.names, scaling={"common": cd.scaling},
        target_history=panel.sel(country="AFG").sel(year=slice(None, 2023)),
    )
    return panel, cd, data, t_idx, train


def test_patron_and_interaction_columns_present(design):
    _, cd, *_ = design
    for name in ("patron_align", "cn_fin", "aid", "aid_cw", "aid_patron", "sanctions", "sanctions_cw",
                 "miss_aid", "miss_patron", "miss_cnfin"):
        assert name in cd.names, name


def test_interaction_columns_are_zero_off_era(design):
    panel, cd, _, t_idx, _ = design
    years = panel["year"].values
    for name, lag in (("aid_cw", 1), ("sanctions_cw", 2)):
        j = cd.names.index(name)
        x = cd.X[..., j].copy()
        x[t_idx] += cd.scaling[name]["target_mean"]  # undo the target centring
        off = years - lag > COLD_WAR_END
        assert np.all(x[:, off] == 0.0), name  # exactly, including rows with missing aid
        on = ~off & (years - lag >= 1968)
        assert np.count_nonzero(x[:, on]) > 1000, name
    # the interaction is the product of the scaled main column and the era, never mean-filled
    ja, jc = cd.names.index("aid"), cd.names.index("aid_cw")
    rows = np.arange(cd.X.shape[0]) != t_idx
    on = years - 1 <= COLD_WAR_END
    ratio = cd.X[rows][:, on, jc] * cd.scaling["aid_cw"]["scale"]
    np.testing.assert_allclose(ratio, cd.X[rows][:, on, ja], rtol=1e-12, atol=1e-12)


def test_oda_structural_zero_versus_missing(design):
    panel, cd, _, t_idx, _ = design
    countries = [str(c) for c in panel["country"].values]
    years = list(panel["year"].values)
    j, jm = cd.names.index("aid"), cd.names.index("miss_aid")
    deu = countries.index("DEU")
    # Germany is no ODA recipient: aid is a value (0), not missing
    assert np.all(cd.X[deu, 2:, j] == 0.0)
    assert np.all(cd.X[deu, 2:, jm] + cd.scaling["miss_aid"]["centre"] == 0.0)
    # Afghanistan 1990 (ODA % of GNI missing 1982-2008): missing, indicator 1
    row = years.index(1990)
    assert cd.X[t_idx, row, jm] + cd.scaling["miss_aid"]["target_mean"] + cd.scaling["miss_aid"]["centre"] == 1.0
    # every recipient's ODA is missing in 2020-2023 (the WDI series ends in 2019)
    row = years.index(2022)
    assert cd.X[deu, row, jm] + cd.scaling["miss_aid"]["centre"] == 0.0


def test_sanctions_enter_two_years_before_the_outcome(design):
    panel, cd, _, _, _ = design
    countries = [str(c) for c in panel["country"].values]
    years = list(panel["year"].values)
    c = countries.index("ZAF")
    j = cd.names.index("sanctions")
    raw = panel["n_active_cases"].sel(country="ZAF").values
    t = years.index(1990)
    assert cd.X[c, t, j] == pytest.approx(np.log1p(raw[t - 2]) / cd.scaling["sanctions"]["scale"], rel=1e-12)


def test_scenarios_never_set_missingness(design):
    _, cd, data, *_ = design
    # aid is missing for Afghanistan in 2023: the indicator stays 1 whatever aid a scenario types in
    scen = [Scenario("hold"), Scenario("aid", paths={"oda_gni": 25.0}), Scenario("none", paths={"oda_gni": 0.0}),
            Scenario("pat", paths={"alt_patrons": 0, "sanctions": 3})]
    X = data.future_common(resolve_paths(scen, data), 10)
    for ind in MISSING_GROUPS:
        if ind not in cd.names:
            continue
        j = cd.names.index(ind)
        assert np.ptp(X[..., j]) == 0.0, ind  # identical across scenarios and years
    state = data.missing_state()
    assert state["miss_aid"] == 1.0 and state["miss_patron"] == 1.0  # ODA and UNGA end in 2019
    jm = cd.names.index("miss_aid")
    sc = cd.scaling["miss_aid"]
    assert X[0, 0, jm] == pytest.approx(1.0 - sc["centre"] - sc["target_mean"])
    # and the aid value itself moves
    ja = cd.names.index("aid")
    assert X[1, 0, ja] > X[0, 0, ja] > X[2, 0, ja]


def test_future_sanctions_lag_and_patron_interaction(design):
    _, cd, data, *_ = design
    scen = [Scenario("a", paths={"sanctions": 0}), Scenario("b", paths={"sanctions": 40})]
    X = data.future_common(resolve_paths(scen, data, 3), 3)
    j = cd.names.index("sanctions")
    assert X[0, 0, j] == X[1, 0, j]  # row 0 (hazard of origin+1) uses the observed count of origin-1
    assert X[1, 1, j] > X[0, 1, j]
    # aid x patron alignment moves with alignment when aid > 0, and is 0 at zero aid
    scen = [Scenario(n, paths={"oda_gni": a, "patron_align": p})
            for n, a, p in (("a", 0.0, -0.5), ("b", 0.0, 0.8), ("c", 20.0, -0.5), ("d", 20.0, 0.8))]
    X = data.future_common(resolve_paths(scen, data, 1), 1)
    k = cd.names.index("aid_patron")
    tm = cd.scaling["aid_patron"]["target_mean"]
    assert X[0, 0, k] + tm == 0.0 and X[1, 0, k] + tm == 0.0
    assert X[3, 0, k] > X[2, 0, k]
    # the era flag of forecast years is 0: aid x Cold War is 0 in every scenario
    jc = cd.names.index("aid_cw")
    assert np.all(X[..., jc] + cd.scaling["aid_cw"]["target_mean"] == 0.0)
    assert set(INTERACTIONS) <= set(cd.names)


def test_extrapolation_warning_and_bounds(design, caplog):
    _, _, data, *_ = design
    notes = scenario_notes([Scenario("big", paths={"sanctions": 1500}), Scenario("ok", paths={"sanctions": 5})],
                           data)
    assert len(notes) == 1 and "'big'" in notes[0] and "outside the range seen in the training data" in notes[0]
    assert any("big" in r.getMessage() for r in caplog.records)
    for key, bad, msg in (("oda_gni", 1e9, "oda_gni must be <= 1000"), ("sanctions", 1e6, "sanctions must be <="),
                          ("sanctions", 2.5, "whole number"), ("oda_gni", True, "oda_gni = True is not a number"),
                          ("patron_align", 1.5, "patron_align must be <= 1")):
        with pytest.raises(UserInputError, match=msg):
            validate_value(key, bad)
    assert {c.key for c in CATALOGUE} >= {"oda_gni", "sanctions", "alt_patrons", "patron_align", "cn_finance"}


def test_metadata_records_the_scenario_to_covariate_mapping(tiny_run_dir):
    import json

    from analogcast.models.covariates import alt_patrons_levels

    meta = json.loads((tiny_run_dir / "metadata.json").read_text(encoding="utf-8"))
    by = {m["name"]: m for m in meta["scenario_covariates"]}
    lv = alt_patrons_levels()
    assert by["status_quo"]["given"]["alt_patrons"] == 1
    assert by["status_quo"]["covariates"]["patron_align"] == pytest.approx(lv[1]["patron_align"])
    assert by["isolation"]["covariates"]["cn_fin_gdp"] == pytest.approx(lv[0]["cn_fin_gdp"])
    assert by["isolation"]["covariates"]["DT.ODA.ODAT.GN.ZS"] == 0.0
    assert "n_active_cases" in by["isolation"]["covariates"]
    assert any("Iran and Myanmar" in n for n in by["status_quo"]["notes"])
    assert isinstance(meta["scenario_warnings"], list)

"""load_panel: values, coords, attrs, missingness conventions (its speed: bench/bench_data.py)."""

from __future__ import annotations

import numpy as np
import pytest

import analogcast as ac
from analogcast.data import SPACES, load_panel
from analogcast.data._variables import VARIABLES
from analogcast.errors import UnknownCountryError, UserInputError


@pytest.fixture(scope="module")
def panel():
    return load_panel()


def test_sau_gencl_2019(panel):
    assert round(float(panel.sel(country="SAU", year=2019)["v2x_gencl"]), 3) == 0.199
    assert round(float(ac.load_panel().sel(country="SAU", year=2019)["v2x_gencl"]), 3) == 0.199


def test_dims_coords_universe(panel):
    assert panel["v2x_gencl"].dims == ("country", "year")
    assert panel.sizes == {"country": 172, "year": 56}
    assert int(panel["year"][0]) == 1968 and int(panel["year"][-1]) == 2023
    for c in ("country_name", "region", "region_name", "gwcode", "vdem_id", "wb_code"):
        assert c in panel.coords
    afg = panel.sel(country="AFG")
    assert (
        int(afg["gwcode"]) == 700
        and int(afg["region"]) == 6
        and str(afg["wb_code"].values) == "AFG"
    )
    assert int(panel.sel(country="IRN")["gwcode"]) == 630
    assert str(panel.sel(country="SAU")["region_name"].values) == "Middle East and North Africa"
    assert set(np.unique(panel["region"])) == {1, 2, 3, 4, 5, 6}


def test_every_variable_described(panel):
    for name in panel.data_vars:
        for key in ("source", "units", "description"):
            assert panel[name].attrs.get(key), (name, key)
    for idx in SPACES.values():
        assert idx in panel.data_vars
    for name in (
        "v2x_gender",
        "v2x_regime",
        "v2x_polyarchy",
        "v2x_libdem",
        "v2x_civlib",
        "NY.GDP.PCAP.KD",
        "pop",
        "infmort",
        "pt_coup",
        "state_age",
        "DT.ODA.ODAT.GN.ZS",
        "DT.ODA.ODAT.PC.ZS",
        "NY.GDP.PETR.RT.ZS",
        "IT.NET.USER.ZS",
        "SL.TLF.CACT.FE.ZS",
        "wbl_index",
        "n_active_cases",
        "n_new_cases",
        "n_us_sender",
        "n_un_sender",
        "n_eu_sender",
        "n_obj_democracy",
        "n_obj_human_rights",
        "n_trade",
        "n_financial",
    ):
        assert name in panel.data_vars, name
    assert set(panel.data_vars) == set(VARIABLES)


def test_missing_is_nan_not_zero(panel):
    # no ODA values after 2019; v2x_gencl starts in 1970
    assert np.isnan(panel["DT.ODA.ODAT.GN.ZS"].sel(year=2021)).all()
    assert np.isnan(panel["v2x_gencl"].sel(year=1969)).all()
    # Afghanistan's ODA % of GNI is missing 1982-2008 (GNI missing), not 0
    assert np.isnan(panel["DT.ODA.ODAT.GN.ZS"].sel(country="AFG", year=1995))
    # countries without World Bank data stay NaN
    assert np.isnan(panel["wbl_index"].sel(country="DDR")).all()
    assert str(panel.sel(country="DDR")["wb_code"].values) == ""
    # Armenia did not exist before 1991: no spaces values, GSDB NaN
    arm = panel.sel(country="ARM", year=1980)
    assert np.isnan(arm["v2xcs_ccsi"]) and np.isnan(arm["n_active_cases"])


def test_gsdb_absent_is_zero_and_counts(panel):
    sau = panel["n_active_cases"].sel(country="SAU")
    assert float(sau.sel(year=2010)) == 0.0
    assert float(sau.sel(year=2021)) == 4.0  # cases 1115, 1152, 1286, 1287
    assert float(panel["n_obj_democracy"].sel(country="SAU", year=2021)) == 2.0
    assert "0" in panel["n_active_cases"].attrs["source"]
    # Soviet Union sanctions are on Russia's (gwcode 365) rows up to 1991
    assert float(panel["n_active_cases"].sel(country="RUS", year=1980)) > 0


def test_wbl_is_aligned_to_previous_year(panel):
    from analogcast.data._files import read_table

    wbl = read_table("wbl.csv.gz")
    row = wbl[(wbl["iso3"] == "SAU") & (wbl["report_year"] == 2021)].iloc[0]
    assert float(panel["wbl_index"].sel(country="SAU", year=2020)) == row["wbl_index"]
    assert "report_year - 1" in panel["wbl_index"].attrs["source"]


def test_multi_spell_countries(panel):
    # Czechia is gwcode 315 to 1992 and 316 from 1993: covariates from both spells
    cze = panel.sel(country="CZE")
    assert not np.isnan(cze["pop"].sel(year=1980)) and not np.isnan(cze["pop"].sel(year=2000))
    assert int(cze["gwcode"]) == 316


def test_selection_and_copies():
    ds = load_panel(countries=["afghanistan", 670, "irn"], years=(2000, 2005))
    assert list(ds["country"].values) == ["AFG", "SAU", "IRN"]
    assert list(ds["year"].values) == list(range(2000, 2006))
    ds["v2x_gencl"][:] = -1.0
    # a fresh load still gives the shipped value (read here from the raw V-Dem table), not -1
    from analogcast.data._files import read_table

    raw = read_table("vdem_v14_lite.csv.gz").query("country_text_id == 'AFG' and year == 2000")
    assert float(load_panel(countries="AFG", years=2000)["v2x_gencl"].squeeze()) == float(raw["v2x_gencl"].iloc[0])
    with pytest.raises(UnknownCountryError):
        load_panel(countries="Afganistann xyz")
    with pytest.raises(UserInputError):
        load_panel(years=(1950, 1960))

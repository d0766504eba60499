"""Country crosswalk: round trips, resolution, unmatched listing, errors."""

from __future__ import annotations

import pytest

from analogcast.data import (
    country_table,
    crosswalk,
    gwcode_to_text_id,
    load_panel,
    resolve_country,
    text_id_to_gwcode,
    text_id_to_wb,
    unmatched_countries,
    wb_to_text_id,
)
from analogcast.errors import UnknownCountryError


def test_known_codes():
    assert text_id_to_gwcode("AFG") == 700
    assert text_id_to_gwcode("SAU") == 670
    assert text_id_to_gwcode("IRN") == 630
    ct = country_table()
    assert ct.loc["AFG", "vdem_id"] == 36 and ct.loc["AFG", "wb_code"] == "AFG"


def test_round_trips_for_every_country():
    ct = country_table()
    assert len(ct) == 172
    for tid in ct.index:
        assert gwcode_to_text_id(text_id_to_gwcode(tid)) == tid
        assert resolve_country(tid.lower()) == tid
        assert resolve_country(str(ct.loc[tid, "country_name"]).upper()) == tid
        assert resolve_country(int(ct.loc[tid, "gwcode"])) == tid
        wb = text_id_to_wb(tid)
        if wb:
            assert wb_to_text_id(wb) == tid
            assert resolve_country(wb) == tid
    # every gwcode of every spell maps back, including the two-spell countries
    cw = crosswalk()
    assert len(cw) == 174
    for r in cw.itertuples():
        assert gwcode_to_text_id(r.gwcode) == r.country_text_id
        assert text_id_to_gwcode(r.country_text_id, year=r.gw_first_year) == r.gwcode
    assert text_id_to_gwcode("CZE", year=1990) == 315 and text_id_to_gwcode("CZE") == 316
    assert text_id_to_gwcode("SRB", year=2000) == 345 and text_id_to_gwcode("SRB") == 340


def test_panel_coords_agree_with_crosswalk():
    ds = load_panel(countries=["AFG", "SAU", "IRN", "XKX"])
    assert list(ds["gwcode"].values) == [700, 670, 630, 347]
    assert list(ds["wb_code"].values) == ["AFG", "SAU", "IRN", "XKX"]
    # Kosovo's WBL code KSV was recoded to XKX, so it has WBL values
    assert float(ds["wbl_index"].sel(country="XKX", year=2020)) > 0


def test_unmatched_are_listed_not_dropped():
    um = unmatched_countries()
    assert {"source", "code", "name", "first_year", "last_year", "reason"} <= set(um.columns)
    by_src = um.groupby("source")["code"].apply(set)
    assert {"DDR", "VDR", "YMD"} <= by_src["crosswalk"]  # panel countries with no World Bank code
    assert {"BHR", "MLT", "PSE", "HKG"} <= by_src["vdem_v14_lite"]
    assert "PSE" in by_src["gsdb_v4"] and "MLT" in by_src["wdi_selected"]
    assert "KSV" not in by_src["wbl_2024_panel"]
    # every source code is either a panel country (or alias) or listed
    assert not (set(um["code"]) & set(country_table().index) - {"DDR", "VDR", "YMD"})


def test_unknown_country_names_input_and_suggests():
    with pytest.raises(UnknownCountryError) as exc:
        resolve_country("XYZ")
    assert "'XYZ'" in str(exc.value)
    with pytest.raises(UnknownCountryError) as exc:
        resolve_country("Afganistan")
    msg = str(exc.value)
    assert "'Afganistan'" in msg and "Afghanistan" in msg and "AFG" in msg
    assert isinstance(exc.value, KeyError) and isinstance(exc.value, ValueError)


def test_country_name_is_the_panels_name():
    """The report's display name of a target comes from the shipped data, for every country."""
    from analogcast.data import country_name

    assert country_name("AFG") == "Afghanistan" and country_name("SAU") == "Saudi Arabia"
    panel = load_panel(years=[2000])
    for tid, name in zip(panel["country"].values, panel["country_name"].values, strict=True):
        assert country_name(str(tid)) == str(name)
    with pytest.raises(UnknownCountryError, match="'ZZZ'"):
        country_name("ZZZ")
    with pytest.raises(UnknownCountryError, match="not a V-Dem text id"):
        country_name("Afghanistan")  # a name resolves, but is not a text id

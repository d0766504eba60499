"""Alternative-patron data: UNGA voting agreement and Chinese official finance on the panel."""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.data import citations, load_panel, manifest, unmatched_countries
from analogcast.data._files import data_dir, read_table


@pytest.fixture(scope="module")
def panel():
    return load_panel()


def test_afghanistan_2019_agreement_with_the_us(panel):
    # the data check of issue 13 (Voeten's data via unvotes: 0.2000 in the shared file)
    assert round(float(panel["agree_us"].sel(country="AFG", year=2019)), 3) == 0.200


def test_patron_variables_have_attrs(panel):
    for v in ("agree_us", "agree_cn", "agree_ru", "unga_votes", "cn_fin_gdp", "oda_recipient"):
        assert {"source", "units", "description"} <= set(panel[v].attrs), v
        assert panel[v].attrs["units"]


def test_historic_codes_are_crosswalked(panel):
    un = read_table("unga_agreement.csv.gz")
    # Czechoslovakia's seat is Czechia's before 1993, Yugoslavia's is Serbia's, the USSR's Russia's
    assert un.loc[(un.country_text_id == "CZE") & (un.year == 1985), "iso3"].item() == "CSK"
    assert un.loc[(un.country_text_id == "SRB") & (un.year == 1985), "iso3"].item() == "YUG"
    assert un.loc[(un.country_text_id == "RUS") & (un.year == 1985), "iso3"].item() == "RUS"
    for c in ("CZE", "SRB", "RUS", "DDR", "YMD"):
        assert np.isfinite(float(panel["agree_us"].sel(country=c, year=1985))), c
    # a state's agreement with itself is empty, never 1 or 0
    assert np.isnan(float(panel["agree_ru"].sel(country="RUS", year=1985)))
    assert np.isnan(float(panel["agree_us"].sel(country="USA", year=2000)))
    um = unmatched_countries()
    assert {"MLT", "BHS"} <= set(um.loc[um.source == "unga_agreement", "code"])
    assert {"31", "835"} <= set(um.loc[um.source == "china_finance_gcdf3", "code"].astype(str))


def test_agreement_needs_ten_roll_calls(panel):
    # 2020 has a single roll call in the source: no agreement score that year
    assert panel["agree_us"].sel(year=2020).isnull().all()
    assert int(panel["unga_votes"].sel(country="AFG", year=2020)) == 1


def test_chinese_finance_zero_versus_unknown(panel):
    cf = panel["cn_fin_gdp"]
    assert cf.sel(year=slice(1968, 1999)).isnull().all()  # GCDF starts in 2000
    assert cf.sel(year=slice(2022, 2023)).isnull().all()
    # Afghanistan is a GCDF recipient: years without a commitment are 0, not NaN
    afg = cf.sel(country="AFG", year=slice(2000, 2021)).values
    assert np.isfinite(afg).all() and (afg == 0).sum() >= 1 and (afg > 0).sum() >= 15
    # never in GCDF 3.0 (a high-income donor): unknown, not 0
    assert cf.sel(country="USA").isnull().all()
    # the ratio recomputed from the shipped files for one cell
    raw = read_table("china_finance.csv.gz")
    row = raw[(raw.gwcode == 700) & (raw.year == 2004)]
    num = float(row[["oda_amt", "oof_amt", "vof_amt"]].sum(axis=1).item())
    gdp = float(panel["NY.GDP.MKTP.KD"].sel(country="AFG", year=2004))
    assert float(cf.sel(country="AFG", year=2004)) == pytest.approx(100 * num / gdp, rel=1e-12)


def test_oda_recipient_status(panel):
    r = panel["oda_recipient"]
    assert (r.sel(country=["DEU", "USA", "JPN"]) == 0).all()  # never recipients
    assert (r.sel(country="AFG") == 1).all()  # a recipient through its gaps (1982-2008) and 2020-23
    assert float(r.sel(country="SAU", year=2007)) == 1 and float(r.sel(country="SAU", year=2008)) == 0
    assert (r.sel(country="TUR") == 1).all()  # a data gap after 1970, not a graduation
    assert r.sel(country="VDR").isnull().all()  # no World Bank code: unknown


def test_manifest_provenance_and_citations():
    files = manifest()["files"]
    for name in ("unga_agreement.csv.gz", "china_finance.csv.gz"):
        meta = files[name]
        for key in ("producer", "version", "license", "citation", "source_repository", "sha256"):
            assert meta.get(key), (name, key)
        assert (data_dir() / name).is_file()
    assert "CC0" in files["unga_agreement.csv.gz"]["license"]
    cites = " ".join(citations())
    assert "Voeten" in cites and "Custer" in cites and "Bailey" in cites

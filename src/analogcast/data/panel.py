"""``load_panel``: the country-year panel (spaces indices and covariates) as an ``xarray.Dataset``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.data._files import Stamp, cache_key, read_table
from analogcast.data._variables import DERIVED, MIN_UNGA_VOTES, ODA_GRADUATES, VARIABLES
from analogcast.data.crosswalk import country_table, crosswalk, resolve_countries
from analogcast.errors import UserInputError

__all__ = ["load_panel", "YEARS", "select"]

#: First and last year of the panel.
YEARS: tuple[int, int] = (1968, 2023)

YearsArg = int | slice | tuple[int, int] | range | Iterable[int] | None


def _grid(
    df: pd.DataFrame,
    key: pd.Series,
    year: pd.Series,
    cols: Iterable[str],
    countries: pd.Index,
    years: np.ndarray,
) -> dict[str, np.ndarray]:
    """Scatter long rows into (country, year) float arrays; rows outside the grid are ignored."""
    ci = countries.get_indexer(key)
    yi = (year.to_numpy() - years[0]).astype(np.int64)
    ok = (ci >= 0) & (yi >= 0) & (yi < len(years))
    out: dict[str, np.ndarray] = {}
    for c in cols:
        arr = np.full((len(countries), len(years)), np.nan)
        arr[ci[ok], yi[ok]] = pd.to_numeric(df[c], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )[ok]
        out[c] = arr
    return out


def _cols_of(file: str) -> list[str]:
    return [v for v, meta in VARIABLES.items() if meta.file == file and v not in DERIVED]


def _oda_recipient(
    oda_gni: np.ndarray, oda_pc: np.ndarray, countries: pd.Index, wb_code: np.ndarray, years: np.ndarray
) -> np.ndarray:
    """1 recipient / 0 not a recipient / NaN unknown, per (country, year); see VARIABLES."""
    has = ~np.isnan(oda_gni) | ~np.isnan(oda_pc)
    out = np.where(has.any(axis=1, keepdims=True), 1.0, 0.0) * np.ones_like(oda_gni)
    out[np.asarray(wb_code) == ""] = np.nan  # no World Bank code: recipient status unknown
    for i, c in enumerate(countries):
        if c in ODA_GRADUATES and has[i].any():
            last = years[np.flatnonzero(has[i])[-1]]
            out[i, years > last] = 0.0
    return out


def _cn_fin_gdp(cf: pd.DataFrame, tid: pd.Series, gdp: np.ndarray, countries: pd.Index,
                years: np.ndarray) -> np.ndarray:
    """Chinese commitments (ODA-like + OOF + vague, constant 2021 US$) in % of GDP; see VARIABLES."""
    total = cf[["oda_amt", "oof_amt", "vof_amt"]].sum(axis=1)
    amt = _grid(cf.assign(_t=total), tid, cf["year"], ["_t"], countries, years)["_t"]
    present = np.isin(countries.to_numpy(), tid.dropna().unique())
    lo, hi = int(cf["year"].min()), int(cf["year"].max())
    window = (years >= lo) & (years <= hi)
    amt = np.where(present[:, None] & window[None, :] & np.isnan(amt), 0.0, amt)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(gdp > 0, 100.0 * amt / gdp, np.nan)


@lru_cache(maxsize=4)
def _build_panel(directory: str | None, stamp: Stamp = ()) -> xr.Dataset:
    ct = country_table(directory)
    cw = crosswalk(directory)
    countries = pd.Index(ct.index, name="country")
    years = np.arange(YEARS[0], YEARS[1] + 1)
    gw_to_tid = pd.Series(cw["country_text_id"].to_numpy(), index=cw["gwcode"].to_numpy())
    wb_to_tid = pd.Series(ct.index.to_numpy(), index=ct["wb_code"].to_numpy())
    wb_to_tid = wb_to_tid[wb_to_tid.index != ""]
    arrays: dict[str, np.ndarray] = {}

    sp = read_table("spaces.csv.gz", directory, required=("gwcode", "year", "country_text_id"))
    exists = _grid(
        sp.assign(_one=1.0), sp["country_text_id"], sp["year"], ["_one"], countries, years
    )["_one"]
    arrays.update(
        _grid(sp, sp["country_text_id"], sp["year"], _cols_of("spaces.csv.gz"), countries, years)
    )

    for file in (
        "gdp.csv.gz",
        "population.csv.gz",
        "infmort.csv.gz",
        "ptcoups.csv.gz",
        "state_age.csv.gz",
    ):
        cols = _cols_of(file)
        df = read_table(file, directory, required=("gwcode", "year", *cols))
        arrays.update(_grid(df, df["gwcode"].map(gw_to_tid), df["year"], cols, countries, years))

    cols = _cols_of("vdem_v14_lite.csv.gz")
    df = read_table("vdem_v14_lite.csv.gz", directory, required=("country_text_id", "year", *cols))
    arrays.update(_grid(df, df["country_text_id"], df["year"], cols, countries, years))

    cols = _cols_of("wdi.csv.gz")
    df = read_table("wdi.csv.gz", directory, required=("iso3", "year", *cols))
    arrays.update(_grid(df, df["iso3"].map(wb_to_tid), df["year"], cols, countries, years))

    wb_code = ct["wb_code"].reindex(countries).fillna("").to_numpy()
    arrays["oda_recipient"] = _oda_recipient(
        arrays["DT.ODA.ODAT.GN.ZS"], arrays["DT.ODA.ODAT.PC.ZS"], countries, wb_code, years
    )

    cols = _cols_of("wbl.csv.gz")
    df = read_table("wbl.csv.gz", directory, required=("iso3", "report_year", *cols))
    arrays.update(
        _grid(df, df["iso3"].map(wb_to_tid), df["report_year"] - 1, cols, countries, years)
    )

    cols = _cols_of("gsdb_counts.csv.gz")
    df = read_table("gsdb_counts.csv.gz", directory, required=("country_text_id", "year", *cols))
    gs = _grid(df, df["country_text_id"], df["year"], cols, countries, years)
    for c, arr in gs.items():
        # absent within GSDB coverage (1949-2023) = no active sanction; NaN where the country is not in the data
        filled = np.where(np.isnan(arr), 0.0, arr)
        arrays[c] = np.where(exists == 1.0, filled, np.nan)

    un = read_table(
        "unga_agreement.csv.gz",
        directory,
        required=("country_text_id", "year", "n_votes", "agree_us", "agree_cn", "agree_ru"),
    )
    ug = _grid(un, un["country_text_id"], un["year"], ["n_votes", "agree_us", "agree_cn", "agree_ru"],
               countries, years)
    few = ~(ug["n_votes"] >= MIN_UNGA_VOTES)
    for c in ("agree_us", "agree_cn", "agree_ru"):
        arrays[c] = np.where(few, np.nan, ug[c])
    arrays["unga_votes"] = ug["n_votes"]

    cf = read_table(
        "china_finance.csv.gz", directory, required=("gwcode", "year", "oda_amt", "oof_amt", "vof_amt")
    )
    arrays["cn_fin_gdp"] = _cn_fin_gdp(
        cf, cf["gwcode"].map(gw_to_tid), arrays["NY.GDP.MKTP.KD"], countries, years
    )

    data_vars = {}
    for name, meta in VARIABLES.items():
        data_vars[name] = xr.Variable(
            ("country", "year"),
            arrays[name],
            attrs={
                "source": meta.source,
                "units": meta.units,
                "description": meta.description,
                "file": meta.file,
            },
        )
    ds = xr.Dataset(
        data_vars,
        coords={
            "country": ("country", countries.to_numpy().astype(str)),
            "year": ("year", years),
            "country_name": ("country", ct["country_name"].to_numpy().astype(str)),
            "region": ("country", ct["e_regionpol_6C"].to_numpy().astype(np.int64)),
            "region_name": ("country", ct["region_name"].to_numpy().astype(str)),
            "gwcode": ("country", ct["gwcode"].to_numpy().astype(np.int64)),
            "vdem_id": ("country", ct["vdem_id"].to_numpy().astype(np.int64)),
            "wb_code": ("country", ct["wb_code"].to_numpy().astype(str)),
        },
    )
    ds["country"].attrs = {"description": "V-Dem country_text_id (ISO3-like)"}
    ds["gwcode"].attrs = {
        "description": "Gleditsch-Ward code (latest; CZE was 315 to 1992, SRB was 345 to 2005; see crosswalk())"
    }
    ds["region"].attrs = {"description": "V-Dem e_regionpol_6C politico-geographic region (1-6)"}
    ds["wb_code"].attrs = {"description": "World Bank economy code; '' when the country has none"}
    ds.attrs = {
        "title": "analogcast country-year panel",
        "universe": "the Democratic Spaces Barometer's 172 countries (V-Dem v14), 1968-2023",
        "missing": "NaN means missing (never 0), except GSDB sanction counts (0 = no recorded active "
        "sanction), cn_fin_gdp (0 = no recorded Chinese commitment of a GCDF recipient, 2000-2021) and "
        "oda_recipient (0 = not an ODA recipient)",
        "citations": "see analogcast.data.citations()",
    }
    return ds


def _years_index(years: YearsArg) -> list[int] | slice | None:
    lo, hi = YEARS
    if years is None:
        return None
    if isinstance(years, slice):
        return years
    if isinstance(years, (int, np.integer)):
        sel = [int(years)]
    elif isinstance(years, tuple) and len(years) == 2:
        sel = list(range(int(years[0]), int(years[1]) + 1))
    else:
        sel = [int(y) for y in years]
    bad = [y for y in sel if y < lo or y > hi]
    if bad or not sel:
        raise UserInputError(f"years {bad or sel} outside the panel's {lo}-{hi}")
    return sel


def select(ds: xr.Dataset, countries: object = None, years: YearsArg = None) -> xr.Dataset:
    """Subset a (country, year) dataset by countries (any accepted spelling) and years."""
    tids = resolve_countries(countries)  # type: ignore[arg-type]
    if tids is not None:
        ds = ds.sel(country=tids)
    ysel = _years_index(years)
    if ysel is not None:
        ds = ds.sel(year=ysel)
    return ds


def load_panel(
    countries: str | int | Iterable[str | int] | None = None,
    years: YearsArg = None,
    *,
    data_dir: Path | str | None = None,
) -> xr.Dataset:
    """Load the country-year panel.

    Parameters
    ----------
    countries
        ``None`` for all 172, or one/many countries in any spelling :func:`resolve_country` accepts.
    years
        ``None`` (1968-2023), one year, an inclusive ``(first, last)`` tuple, a ``slice`` or an
        iterable of years.
    data_dir
        Read another copy of the data folder instead of the package data.

    Returns
    -------
    xarray.Dataset
        Dims ``(country, year)``; coords ``country`` (V-Dem text id), ``country_name``, ``region``
        (``e_regionpol_6C``), ``region_name``, ``gwcode``, ``vdem_id``, ``wb_code``. Variables keep
        their source names; each has ``source``, ``units``, ``description`` attrs. Missing is NaN
        (GSDB counts: 0 = no recorded sanction). A fresh copy each call (parsed data are cached).

    Examples
    --------
    >>> import analogcast as ac                                          # doctest: +SKIP
    >>> float(ac.load_panel().sel(country="SAU", year=2019)["v2x_gencl"])  # doctest: +SKIP
    0.199
    """
    ds = _build_panel(*cache_key(data_dir))
    return select(ds, countries, years).copy(deep=True)

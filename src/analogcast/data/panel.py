"""``load_panel``: the country-year panel (spaces indices and covariates) as an ``xarray.Dataset``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.data._files import Stamp, cache_key, read_table
from analogcast.data._variables import VARIABLES
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
    return [v for v, meta in VARIABLES.items() if meta.file == file]


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
        "missing": "NaN means missing (never 0), except GSDB sanction counts: 0 = no recorded active sanction",
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

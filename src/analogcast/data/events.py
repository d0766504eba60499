"""``load_events``: opening/closing events per country, year and space, coded with ERT-lite."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.data._files import Stamp, cache_key, read_table
from analogcast.data._spaces import BAROMETER_SPACES, CUTPOINTS, SPACES
from analogcast.data.coder import code_events, mask_series_start, next2
from analogcast.data.crosswalk import country_table, crosswalk
from analogcast.data.panel import YEARS, YearsArg, select

__all__ = ["load_events", "load_barometer_events", "space_series"]


@lru_cache(maxsize=4)
def _series(
    directory: str | None, stamp: Stamp = ()
) -> tuple[np.ndarray, pd.DataFrame, dict[str, np.ndarray]]:
    """Index values per Gleditsch-Ward spell: (years, spells table, {space: (n_spell, n_year)})."""
    cw = crosswalk(directory).reset_index(drop=True)
    years = np.arange(YEARS[0], YEARS[1] + 1)
    gi = pd.Index(cw["gwcode"])
    sp = read_table("spaces.csv.gz", directory, required=("gwcode", "year", *SPACES.values())[:-1])
    lite = read_table(
        "vdem_v14_lite.csv.gz", directory, required=("country_text_id", "year", "v2x_gencl")
    )
    out: dict[str, np.ndarray] = {}
    rows = gi.get_indexer(sp["gwcode"])
    cols = sp["year"].to_numpy() - years[0]
    exists = np.zeros((len(cw), len(years)), dtype=bool)
    exists[rows, cols] = True
    for space in BAROMETER_SPACES:
        arr = np.full((len(cw), len(years)), np.nan)
        arr[rows, cols] = sp[SPACES[space]].to_numpy(dtype=float)
        out[space] = arr
    # women: V-Dem v14 v2x_gencl on the same country-year spells (from 1970)
    gencl = lite.set_index(["country_text_id", "year"])["v2x_gencl"]
    tid = cw["country_text_id"].to_numpy()[rows]
    key = pd.MultiIndex.from_arrays([tid, sp["year"].to_numpy()])
    arr = np.full((len(cw), len(years)), np.nan)
    arr[rows, cols] = gencl.reindex(key).to_numpy(dtype=float)
    out["women"] = arr
    out["_exists"] = exists.astype(float)
    return years, cw, out


def space_series(
    directory: Path | str | None = None,
) -> tuple[np.ndarray, pd.DataFrame, dict[str, np.ndarray]]:
    """Index series per Gleditsch-Ward spell, the unit the Barometer codes events on.

    Returns ``(years, spells, values)``: ``spells`` is :func:`crosswalk` (one row per spell),
    ``values[space]`` a ``(n_spells, n_years)`` array (NaN outside the spell). Copies.
    """
    years, cw, out = _series(*cache_key(directory))
    return years.copy(), cw.copy(), {k: v.copy() for k, v in out.items() if not k.startswith("_")}


@lru_cache(maxsize=4)
def _build_events(directory: str | None, stamp: Stamp = ()) -> xr.Dataset:
    years, cw, values = _series(directory, stamp)
    ct = country_table(directory)
    countries = pd.Index(ct.index)
    ci = countries.get_indexer(cw["country_text_id"])
    shape = (len(countries), len(years), len(SPACES))
    res = {
        k: np.full(shape, np.nan) for k in ("opening", "closing", "up_next2", "down_next2", "value")
    }
    for s, space in enumerate(SPACES):
        x = values[space]
        up, down = code_events(x, CUTPOINTS[space])
        up, down = mask_series_start(up, x), mask_series_start(down, x)
        has = ~np.isnan(x)
        up_n2, down_n2 = next2(up, valid=has), next2(down, valid=has)
        for name, arr in (
            ("opening", up),
            ("closing", down),
            ("up_next2", up_n2),
            ("down_next2", down_n2),
            ("value", x),
        ):
            target = res[name][:, :, s]
            # spells of the same country never overlap: write only where the spell has data
            for r in range(len(cw)):
                m = has[r]
                target[ci[r], m] = arr[r, m]
    attrs_common = {
        "source": "analogcast ERT-lite coder (analogcast.data.coder) on V-Dem v14 indices"
    }
    ds = xr.Dataset(
        {
            "opening": (
                ("country", "year", "space"),
                res["opening"],
                {
                    **attrs_common,
                    "units": "1/0",
                    "description": "Opening event in the year (ERT-lite, up); NaN where the year cannot be coded (first two years and last year of a series unless a rule fires; no data)",
                },
            ),
            "closing": (
                ("country", "year", "space"),
                res["closing"],
                {
                    **attrs_common,
                    "units": "1/0",
                    "description": "Closing event in the year (ERT-lite on -x); NaN where not codable",
                },
            ),
            "up_next2": (
                ("country", "year", "space"),
                res["up_next2"],
                {
                    **attrs_common,
                    "units": "1/0",
                    "description": "1 if an opening happens in t+1 or t+2 (Barometer's dv_*_up_next2 construction: uncodable years count 0); NaN where t+2 is beyond 2023 or no data",
                },
            ),
            "down_next2": (
                ("country", "year", "space"),
                res["down_next2"],
                {
                    **attrs_common,
                    "units": "1/0",
                    "description": "1 if a closing happens in t+1 or t+2; NaN where not yet observable",
                },
            ),
            "value": (
                ("country", "year", "space"),
                res["value"],
                {
                    "source": "V-Dem v14 (spaces.csv.gz; women: vdem_v14_lite.csv.gz)",
                    "units": "index 0-1",
                    "description": "The space's index value coded",
                },
            ),
        },
        coords={
            "country": countries.to_numpy().astype(str),
            "year": years,
            "space": list(SPACES),
            "index": ("space", list(SPACES.values())),
            "cutpoint": ("space", [CUTPOINTS[s] for s in SPACES]),
        },
        attrs={
            "coder": "ERT-lite (Democratic Spaces Barometer episode_coder, min_f = 0.1), coded per Gleditsch-Ward "
            "series (CZE and SRB restart in 1993 and 2006, as in the Barometer)",
            "cutpoints": "six spaces: the Barometer's frozen cutpoints; women: 0.03 computed as the Barometer does",
            "women": "v2x_gencl from V-Dem v14 lite starts in 1970, so women events start in 1972",
        },
    )
    return ds


def load_events(
    countries: str | int | Iterable[str | int] | None = None,
    years: YearsArg = None,
    *,
    data_dir: Path | str | None = None,
) -> xr.Dataset:
    """Opening and closing events per country, year and space.

    Parameters
    ----------
    countries, years
        As in :func:`analogcast.data.load_panel`.
    data_dir
        Read another copy of the data folder.

    Returns
    -------
    xarray.Dataset
        Dims ``(country, year, space)`` (spaces in :data:`SPACES` order); variables ``opening``,
        ``closing`` (1/0, NaN where the coder cannot code the year), ``up_next2``, ``down_next2``
        (1 if an event happens in t+1 or t+2; NaN where not yet observable), and ``value`` (the
        index coded). Coords ``index`` and ``cutpoint`` per space. The six Barometer spaces use its
        frozen cutpoints and reproduce its coded events; ``women`` (``v2x_gencl``) uses 0.03.
    """
    ds = _build_events(*cache_key(data_dir))
    return select(ds, countries, years).copy(deep=True)


def load_barometer_events(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The Barometer's own coded events as shipped (``barometer_events.csv.gz``), by gwcode and year.

    Columns ``gwcode``, ``year``, then per index ``dv_<index>_change`` (up/down/same/first year of
    independence), ``dv_<index>_up_next2``, ``dv_<index>_down_next2`` (NaN where not observable).
    """
    cols = ["gwcode", "year"]
    for space in BAROMETER_SPACES:
        i = SPACES[space]
        cols += [f"dv_{i}_change", f"dv_{i}_up_next2", f"dv_{i}_down_next2"]
    return read_table("barometer_events.csv.gz", data_dir, required=cols)

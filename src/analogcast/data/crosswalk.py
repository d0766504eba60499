"""Country crosswalk: V-Dem text id <-> V-Dem numeric id <-> Gleditsch-Ward gwcode <-> World Bank code.

The panel's countries are the Democratic Spaces Barometer's 172 countries, keyed by V-Dem text id
(``AFG``, ``SAU``, ``IRN``). Two of them span two Gleditsch-Ward codes over time (Czechia: 315 to
1992, 316 from 1993; Serbia: 345 to 2005, 340 from 2006); both codes resolve to the text id. Country
codes of any source that do not map to a panel country are listed by :func:`unmatched_countries`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from analogcast.data._files import Stamp, cache_key, read_table
from analogcast.errors import UnknownCountryError, did_you_mean

__all__ = [
    "crosswalk",
    "country_table",
    "country_name",
    "resolve_country",
    "resolve_countries",
    "text_id_to_gwcode",
    "gwcode_to_text_id",
    "text_id_to_wb",
    "wb_to_text_id",
    "unmatched_countries",
]

_CROSSWALK_COLUMNS = (
    "country_text_id",
    "vdem_id",
    "gwcode",
    "gw_first_year",
    "gw_last_year",
    "country_name",
    "wb_code",
    "e_regionpol_6C",
    "region_name",
)


@lru_cache(maxsize=4)
def _crosswalk(directory: str | None, stamp: Stamp = ()) -> pd.DataFrame:
    df = read_table(
        "crosswalk.csv.gz", directory, required=_CROSSWALK_COLUMNS, dtype={"wb_code": str}
    )
    df["wb_code"] = df["wb_code"].fillna("")
    return df


def crosswalk(directory: Path | str | None = None) -> pd.DataFrame:
    """All (text id, gwcode) spells: one row per Gleditsch-Ward code of each panel country.

    Columns: ``country_text_id``, ``vdem_id``, ``gwcode``, ``gw_first_year``, ``gw_last_year``
    (years of that gwcode in the spaces data), ``country_name``, ``wb_code`` (``""`` if none),
    ``e_regionpol_6C``, ``region_name``.
    """
    return _crosswalk(*cache_key(directory)).copy()


@lru_cache(maxsize=4)
def _country_table(directory: str | None, stamp: Stamp = ()) -> pd.DataFrame:
    cw = _crosswalk(directory, stamp)
    latest = cw.sort_values("gw_last_year").groupby("country_text_id").tail(1)
    out = latest.set_index(latest["country_text_id"].rename("country")).sort_index()
    return out


def country_table(directory: Path | str | None = None) -> pd.DataFrame:
    """One row per panel country, with its latest gwcode.

    Index ``country`` (V-Dem text id, as the panel's dim); columns as :func:`crosswalk`, including
    ``country_text_id``.
    """
    return _country_table(*cache_key(directory)).copy()


def country_name(text_id: str) -> str:
    """The display name of a panel country, e.g. ``country_name("AFG") == "Afghanistan"``.

    Parameters
    ----------
    text_id
        A V-Dem text id (a run's ``target``).

    Returns
    -------
    str
        The crosswalk's ``country_name`` of the country's latest Gleditsch-Ward spell.

    Raises
    ------
    UnknownCountryError
        If ``text_id`` is not a panel country (with suggestions, as :func:`resolve_country`).
    """
    tbl = _country_table(*cache_key(None))
    if text_id in tbl.index:
        return str(tbl.at[text_id, "country_name"])
    resolve_country(text_id)  # raises with suggestions unless text_id is a name or another code
    raise UnknownCountryError(f"{text_id!r} is not a V-Dem text id; give one, e.g. 'AFG'.")


@lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, str], dict[str, str]]:
    """(exact key -> text id, display label -> text id) for every accepted spelling."""
    cw = _crosswalk(None)
    keys: dict[str, str] = {}
    labels: dict[str, str] = {}
    for r in cw.itertuples(index=False):
        tid = str(r.country_text_id)
        for k in (tid, str(r.country_name), str(r.gwcode), r.wb_code):
            if k:
                keys[str(k).strip().lower()] = tid
        labels[tid] = tid
        labels[str(r.country_name)] = tid
    return keys, labels


def resolve_country(text: str | int) -> str:
    """Resolve a country given as V-Dem text id, name, gwcode or World Bank code to its text id.

    Case-insensitive; surrounding blanks ignored. Numbers are read as Gleditsch-Ward codes
    (V-Dem numeric ids are not accepted here because they overlap gwcodes; use :func:`crosswalk`).

    Parameters
    ----------
    text
        ``"AFG"``, ``"afghanistan"``, ``700`` or ``"700"``, ``"afg"`` (WB code) ...

    Returns
    -------
    str
        The V-Dem text id, e.g. ``"AFG"``.

    Raises
    ------
    UnknownCountryError
        Naming the input and suggesting close matches.

    Examples
    --------
    >>> resolve_country("saudi arabia")        # doctest: +SKIP
    'SAU'
    """
    keys, labels = _lookup()
    key = str(text).strip().lower()
    if key in keys:
        return keys[key]
    hint = did_you_mean(str(text).strip(), labels, n=3)
    if hint:
        # name the text ids of the suggestions too
        names = [n for n in labels if f"'{n}'" in hint]
        ids = sorted({labels[n] for n in names})
        hint = f"{hint[:-1]} ({', '.join(ids)})?"
    else:
        hint = " No close match; analogcast.data.country_table() lists the 172 countries."
    raise UnknownCountryError(
        f"unknown country {str(text)!r}: give a V-Dem text id (e.g. 'AFG'), a country name, a "
        f"Gleditsch-Ward code or a World Bank code.{hint}"
    )


def resolve_countries(
    countries: str | int | list[str | int] | tuple[str | int, ...] | None,
) -> list[str] | None:
    """Resolve one or many countries (``None`` stays ``None``), keeping order, without duplicates."""
    if countries is None:
        return None
    items = [countries] if isinstance(countries, (str, int)) else list(countries)
    out: list[str] = []
    for c in items:
        tid = resolve_country(c)
        if tid not in out:
            out.append(tid)
    return out


def text_id_to_gwcode(text_id: str, year: int | None = None) -> int:
    """Gleditsch-Ward code of a panel country (in ``year``, or its latest code)."""
    tid = resolve_country(text_id)
    cw = _crosswalk(None)
    rows = cw[cw["country_text_id"] == tid].sort_values("gw_first_year")
    if year is not None:
        inside = rows[(rows["gw_first_year"] <= year) & (rows["gw_last_year"] >= year)]
        if len(inside):
            return int(inside["gwcode"].iloc[0])
    return int(rows["gwcode"].iloc[-1])


def gwcode_to_text_id(gwcode: int) -> str:
    """V-Dem text id of a Gleditsch-Ward code (raises :class:`UnknownCountryError` if not a panel code)."""
    cw = _crosswalk(None)
    hit = cw.loc[cw["gwcode"] == int(gwcode), "country_text_id"]
    if hit.empty:
        raise UnknownCountryError(f"unknown Gleditsch-Ward code {gwcode!r}: not a panel country")
    return str(hit.iloc[0])


def text_id_to_wb(text_id: str) -> str:
    """World Bank code of a panel country, ``""`` if it has none (see :func:`unmatched_countries`)."""
    return str(_country_table(None).loc[resolve_country(text_id), "wb_code"])


def wb_to_text_id(wb_code: str) -> str:
    """V-Dem text id of a World Bank code (raises :class:`UnknownCountryError` if unmatched)."""
    ct = _country_table(None)
    hit = ct.index[ct["wb_code"].str.upper() == str(wb_code).strip().upper()]
    if hit.empty:
        raise UnknownCountryError(f"unknown World Bank code {wb_code!r}: not a panel country")
    return str(hit[0])


def unmatched_countries(directory: Path | str | None = None) -> pd.DataFrame:
    """Country codes that do not map, per source, with years and reason (never dropped silently).

    Columns: ``source`` (``vdem_v14_lite``, ``wdi_selected``, ``wbl_2024_panel``, ``gsdb_v4``, or
    ``crosswalk`` for panel countries without a World Bank code), ``code``, ``name``,
    ``first_year``, ``last_year``, ``reason``.
    """
    return read_table(
        "unmatched.csv.gz",
        directory,
        required=("source", "code", "name", "first_year", "last_year", "reason"),
    )

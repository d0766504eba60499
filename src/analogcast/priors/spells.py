"""Analogs as countries or country-spells, and regime spells proposed from the panel.

An analog is written ``SAU`` (the whole coded history, restricted by ``--window``) or
``AFG:1996-2000`` (the years 1996-2000 of that country only; ``--window`` does not apply to a
spell). A spell of the *target* country is allowed: the target's own earlier regime is then
evidence like any other analog, which the user can weight (``--weights AFG:1996-2000=0.5``). The
target's *current* spell is what the prior informs, so a target spell must end before it starts
(``current_from``).

:func:`regime_spells` proposes spells from the panel's Regimes of the World category
(``v2x_regime``: a new spell starts in every year whose category differs from the year before);
it is a suggestion only -- the user's spell list decides (RoW does not separate, for example,
Afghanistan's monarchy, communist state and first Taliban emirate: all are closed autocracies).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from analogcast.errors import UserInputError

__all__ = ["Analog", "parse_analog", "parse_analogs", "regime_spells", "REGIME_NAMES"]

REGIME_NAMES: dict[int, str] = {
    0: "closed autocracy",
    1: "electoral autocracy",
    2: "electoral democracy",
    3: "liberal democracy",
}

_SPELL_RE = re.compile(r"^\s*([^:]+?)\s*:\s*(\d{4})\s*-\s*(\d{4})\s*$")


@dataclass(frozen=True)
class Analog:
    """An analog country, or one spell (inclusive years) of a country.

    Attributes
    ----------
    country
        Country as written (resolved to a V-Dem id by the caller).
    first, last
        The spell's years, or None for the whole country.
    """

    country: str
    first: int | None = None
    last: int | None = None

    @property
    def is_spell(self) -> bool:
        """True for a country-spell."""
        return self.first is not None

    @property
    def label(self) -> str:
        """``SAU`` or ``AFG:1996-2000`` (the key used in the prior file)."""
        return self.country if self.first is None else f"{self.country}:{self.first}-{self.last}"

    def with_country(self, country: str) -> Analog:
        """The same analog with its country replaced by the resolved id."""
        return Analog(country, self.first, self.last)

    def years(self, all_years: np.ndarray) -> np.ndarray:
        """Boolean mask of ``all_years`` inside the spell (all True for a whole country)."""
        y = np.asarray(all_years)
        if self.first is None:
            return np.ones(y.shape, dtype=bool)
        return (y >= self.first) & (y <= int(self.last))  # type: ignore[arg-type]


def parse_analog(text: str | Analog, flag: str = "analogs") -> Analog:
    """``"SAU"`` -> whole country; ``"AFG:1996-2000"`` -> a spell. Bad spells raise one clear line."""
    if isinstance(text, Analog):
        return text
    t = str(text).strip()
    if ":" not in t:
        if not t:
            raise UserInputError(f"{flag} has an empty entry; use e.g. {flag} SAU,IRN,AFG:1996-2000")
        return Analog(t)
    m = _SPELL_RE.match(t)
    if not m:
        raise UserInputError(
            f"{flag} = {t!r} is not a country or a spell like AFG:1996-2000 (country:YYYY-YYYY)"
        )
    first, last = int(m.group(2)), int(m.group(3))
    if first > last:
        raise UserInputError(
            f"{flag} = {t!r}: the spell starts after it ends; write it as "
            f"{m.group(1)}:{last}-{first}"
        )
    return Analog(m.group(1), first, last)


def parse_analogs(items: str | Iterable[str | Analog], flag: str = "analogs") -> list[Analog]:
    """A comma-separated string or a sequence of analog specs -> :class:`Analog` list."""
    if isinstance(items, str):
        items = [t for t in items.split(",") if t.strip()]
    return [parse_analog(t, flag) for t in items]


def check_spell_coverage(analog: Analog, years: Sequence[int] | np.ndarray, flag: str = "analogs") -> None:
    """Refuse a spell with no year inside ``years`` (the coded years of the event data)."""
    yrs = np.asarray(years)
    if analog.is_spell and not analog.years(yrs).any():
        raise UserInputError(
            f"{flag} = {analog.label!r}: the spell has no coded years "
            f"(event data span {int(yrs.min())}-{int(yrs.max())})"
        )


def regime_spells(panel: xr.Dataset, country: str, variable: str = "v2x_regime") -> list[tuple[int, int, int]]:
    """Spells ``(first, last, category)`` of constant ``v2x_regime`` for ``country`` (NaN years skipped).

    A new spell starts in every year whose category differs from the previous observed year.
    """
    if variable not in panel:
        raise UserInputError(f"panel has no variable {variable!r} to propose regime spells from")
    s = panel[variable].sel(country=country).to_series().dropna()
    out: list[tuple[int, int, int]] = []
    for year, value in s.items():
        v = int(round(float(value)))
        if out and out[-1][2] == v and int(year) == out[-1][1] + 1:
            out[-1] = (out[-1][0], int(year), v)
        else:
            out.append((int(year), int(year), v))
    return out


def regime_changes(panel: xr.Dataset, variable: str = "v2x_regime") -> list[tuple[str, int, int, int]]:
    """Every regime change in the panel: ``(country, year, from_category, to_category)``.

    Rule: ``v2x_regime`` in year ``t`` differs from year ``t - 1`` (both observed). The year of
    the change is ``t``, the first year of the new spell.
    """
    da = panel[variable].transpose("country", "year")
    vals = np.asarray(da.values, dtype=float)
    years = np.asarray(da["year"].values)
    countries = [str(c) for c in da["country"].values]
    out = []
    prev, cur = vals[:, :-1], vals[:, 1:]
    ok = np.isfinite(prev) & np.isfinite(cur) & (np.round(prev) != np.round(cur))
    for i, j in zip(*np.nonzero(ok), strict=True):
        out.append((countries[i], int(years[j + 1]), int(round(prev[i, j])), int(round(cur[i, j]))))
    return out

"""What each analog country says about the target's yearly event hazards.

For space ``s`` and direction ``d`` (``opening`` / ``closing``), analog ``j`` contributes its event
count ``x_j`` out of ``n_j`` coded country-years inside the window (from
:func:`analogcast.data.load_events`; uncoded years, NaN, are not counted). On the models' scale,
the logit yearly hazard, its estimate and delta-method standard error are

``theta_hat_j = logit((x_j + 0.5) / (n_j + 1))``,  ``se_j^2 = 1 / (x_j + 0.5) + 1 / (n_j - x_j + 0.5)``

(the half-count correction keeps both finite when an analog had no events, the usual case for
rare transitions). This module is pure: it reads an events ``xr.Dataset`` passed to it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import xarray as xr

from analogcast.data import DIRECTIONS
from analogcast.errors import UserInputError
from analogcast.priors.spells import Analog, check_spell_coverage, parse_analog

__all__ = [
    "DIRECTIONS",
    "AnalogEvidence",
    "Window",
    "parse_window",
    "logit_estimate",
    "collect_evidence",
    "target_recent_counts",
    "base_rates",
    "design_effects",
    "count_episodes",
]



def logit_estimate(x: float, n: float) -> tuple[float, float]:
    """``(theta_hat, se)`` of the logit yearly hazard from ``x`` events in ``n`` coded years."""
    if not (n > 0 and 0 <= x <= n):
        raise UserInputError(
            f"need 0 <= events <= years and years > 0 (got events = {x}, years = {n})"
        )
    theta = math.log((x + 0.5) / (n - x + 0.5))
    se = math.sqrt(1.0 / (x + 0.5) + 1.0 / (n - x + 0.5))
    return theta, se


@dataclass(frozen=True)
class AnalogEvidence:
    """One analog's evidence for one space and direction.

    Attributes
    ----------
    country
        V-Dem text id.
    events, years
        Events and coded country-years in the window.
    first_year, last_year
        Span of the coded years used (None when ``years == 0``).
    episodes
        Runs of consecutive event years among them (an uncoded year ends a run).
    label
        ``SAU`` or, for a spell, ``AFG:1996-2000`` (default: ``country``).
    """

    country: str
    events: int
    years: int
    first_year: int | None = None
    last_year: int | None = None
    episodes: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.country)

    @property
    def theta_hat(self) -> float:
        """``logit((x + 0.5) / (n + 1))``."""
        return logit_estimate(self.events, self.years)[0]

    @property
    def se(self) -> float:
        """Delta-method standard error of :attr:`theta_hat`."""
        return logit_estimate(self.events, self.years)[1]


@dataclass(frozen=True)
class Window:
    """Inclusive year range; either end may be open (None)."""

    first: int | None = None
    last: int | None = None

    def __post_init__(self) -> None:
        if self.first is not None and self.last is not None and self.first > self.last:
            raise UserInputError(
                f"window = {self} starts after it ends; use e.g. --window 1990-2020"
            )

    def __str__(self) -> str:
        if self.first is None and self.last is None:
            return "all"
        return (
            f"{'' if self.first is None else self.first}-{'' if self.last is None else self.last}"
        )

    @property
    def is_all(self) -> bool:
        """True when the window has no bounds."""
        return self.first is None and self.last is None

    def select(self, years: np.ndarray) -> np.ndarray:
        """Boolean mask of ``years`` inside the window."""
        years = np.asarray(years)
        mask = np.ones(years.shape, dtype=bool)
        if self.first is not None:
            mask &= years >= self.first
        if self.last is not None:
            mask &= years <= self.last
        return mask


_WINDOW_RE = re.compile(r"^\s*(\d{4})?\s*(?:-|:|\.\.)\s*(\d{4})?\s*$")


def parse_window(value: str | Sequence[int | None] | Window | None) -> Window:
    """``None``/``"all"`` -> all years; ``"1990-2020"``, ``"1990-"``, ``"-2000"``, ``(1990, 2020)``."""
    if value is None or isinstance(value, Window):
        return value or Window()
    if isinstance(value, str):
        if value.strip().lower() in ("", "all"):
            return Window()
        if re.fullmatch(r"\s*\d{4}\s*", value):
            y = int(value)
            return Window(y, y)
        m = _WINDOW_RE.match(value)
        if not m or (m.group(1) is None and m.group(2) is None):
            raise UserInputError(
                f"window = {value!r} is not a year range; use e.g. --window 1990-2020 or 'all'"
            )
        return Window(
            int(m.group(1)) if m.group(1) else None, int(m.group(2)) if m.group(2) else None
        )
    try:
        first, last = value
    except (TypeError, ValueError):
        raise UserInputError(f"window = {value!r} is not a (first, last) pair of years") from None
    return Window(None if first is None else int(first), None if last is None else int(last))


def count_episodes(years: np.ndarray, values: np.ndarray) -> int:
    """Runs of consecutive event years (``values == 1``) among coded years; NaN or a gap ends a run."""
    yrs = np.asarray(years)
    ev = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0) > 0.5
    if not ev.any():
        return 0
    starts = ev.copy()
    starts[1:] &= ~(ev[:-1] & (np.diff(yrs) == 1))
    return int(starts.sum())


def _counts(
    events: xr.Dataset, analog: Analog, space: str, direction: str, window: Window
) -> AnalogEvidence:
    da = events[direction].sel(country=analog.country, space=space)
    yrs = np.asarray(da["year"].values)
    vals = np.asarray(da.values, dtype=float)
    inside = analog.years(yrs) if analog.is_spell else window.select(yrs)
    mask = inside & np.isfinite(vals)
    n = int(mask.sum())
    x = int(np.round(vals[mask].sum())) if n else 0
    ep = count_episodes(yrs[inside], vals[inside]) if n else 0
    return AnalogEvidence(
        analog.country,
        x,
        n,
        int(yrs[mask].min()) if n else None,
        int(yrs[mask].max()) if n else None,
        episodes=ep,
        label=analog.label,
    )


def collect_evidence(
    events: xr.Dataset,
    analogs: Sequence[str | Analog],
    window: Window | None = None,
    spaces: Iterable[str] | None = None,
) -> Mapping[tuple[str, str], tuple[AnalogEvidence, ...]]:
    """Evidence of every analog for every (space, direction).

    Parameters
    ----------
    events
        Dataset with dims ``(country, year, space)`` and variables ``opening``, ``closing``.
    analogs
        V-Dem text ids (already resolved) or :class:`~analogcast.priors.spells.Analog` (a spell).
    window
        Years used for whole-country analogs; default all (a spell uses its own years).
    spaces
        Spaces; default all in ``events``.

    Returns
    -------
    Mapping
        ``(space, direction) -> tuple of AnalogEvidence`` in the order of ``analogs``. An analog with
        no coded year in a space is kept with ``years = 0`` (it contributes nothing there).

    Raises
    ------
    UserInputError
        An analog missing from the data, or with no coded year at all in the window.
    """
    window = window or Window()
    space_list = list(events["space"].values) if spaces is None else list(spaces)
    known = set(map(str, events["country"].values))
    out: dict[tuple[str, str], tuple[AnalogEvidence, ...]] = {}
    specs = [parse_analog(a) for a in analogs]
    yrs = np.asarray(events["year"].values)
    for a in specs:
        if a.country not in known:
            raise UserInputError(
                f"analog = {a.label!r} has no event data (not in the events dataset)"
            )
        check_spell_coverage(a, yrs)
    for s in space_list:
        for d in DIRECTIONS:
            out[(s, d)] = tuple(_counts(events, a, s, d, window) for a in specs)
    for a in specs:
        if all(ev.years == 0 for key, evs in out.items() for ev in evs if ev.label == a.label):
            if a.is_spell:
                raise UserInputError(
                    f"analogs = {a.label!r}: the spell has no coded years "
                    f"(event data span {int(yrs.min())}-{int(yrs.max())})"
                )
            raise UserInputError(
                f"window = {window} has no coded years for analog {a.label!r} "
                f"(event data span {int(yrs.min())}-{int(yrs.max())}); widen --window"
            )
    return MappingProxyType(out)


def target_recent_counts(
    events: xr.Dataset, target: str, space: str, direction: str, k: int = 10
) -> tuple[int, int, tuple[int, int] | None]:
    """Events and coded years of the target in its last ``k`` coded years: ``(x, n, (first, last))``."""
    if target not in set(map(str, events["country"].values)):
        return 0, 0, None
    da = events[direction].sel(country=target, space=space)
    yrs = np.asarray(da["year"].values)
    vals = np.asarray(da.values, dtype=float)
    ok = np.isfinite(vals)
    yrs, vals = yrs[ok], vals[ok]
    if yrs.size == 0:
        return 0, 0, None
    order = np.argsort(yrs)[-k:]
    return (
        int(np.round(vals[order].sum())),
        int(order.size),
        (int(yrs[order].min()), int(yrs[order].max())),
    )


def base_rates(events: xr.Dataset, window: Window | None = None) -> Mapping[tuple[str, str], float]:
    """Pooled yearly event rate over all countries (coded years only) per (space, direction).

    Used by the ``none`` method; ``(x + 0.5) / (n + 1)`` so it is inside (0, 1).
    """
    window = window or Window()
    inside = np.asarray(window.select(events["year"].values), dtype=bool)
    rates: dict[str, np.ndarray] = {}
    for d in DIRECTIONS:
        # (space, country, year) values in the window; events are 0/1, so the sums are exact
        vals = np.asarray(events[d].transpose("space", "country", "year").values, dtype=float)[:, :, inside]
        rates[d] = (np.nansum(vals, axis=(1, 2)) + 0.5) / (np.isfinite(vals).sum(axis=(1, 2)) + 1.0)
    spaces = map(str, events["space"].values)
    return MappingProxyType({(s, d): float(rates[d][i]) for i, s in enumerate(spaces) for d in DIRECTIONS})


def design_effects(
    events: xr.Dataset, spaces: Iterable[str] | None = None
) -> Mapping[tuple[str, str], float]:
    """Mean length of an event episode (event years / episodes) over every country and year.

    Events come in multi-year episodes (a rise coded in 2001, 2002 and 2003 is one transition), so
    ``n`` yearly trials carry the information of about ``n / D`` independent ones, ``D`` the mean
    episode length: counts are divided by ``D`` (Kish's design effect for clustered samples). For a
    rare event that starts with hazard ``q`` and lasts ``D`` years, ``x / D`` events in ``n / D``
    trials gives the same posterior for the event-year rate ``p ~ q D`` as counting the episodes
    themselves, zero counts included (Gamma(a, n) on ``q`` is Gamma(a, n / D) on ``q D``).
    Pooled over countries because one analog's few episodes cannot estimate it (and a zero-count
    analog has none).
    """
    space_list = list(map(str, events["space"].values)) if spaces is None else list(spaces)
    yrs = np.asarray(events["year"].values)
    out: dict[tuple[str, str], float] = {}
    consecutive = np.diff(yrs) == 1
    for s in space_list:
        for d in DIRECTIONS:
            vals = np.asarray(events[d].sel(space=s).transpose("country", "year").values, float)
            x = float(np.nansum(vals))
            # count_episodes of every country's row at once: an episode starts at an event year
            # not preceded by an event in the year before
            ev = np.nan_to_num(vals, nan=0.0) > 0.5
            starts = ev.copy()
            starts[:, 1:] &= ~(ev[:, :-1] & consecutive)
            ep = int(starts.sum())
            out[(s, d)] = max(1.0, x / ep) if ep else 1.0
    return MappingProxyType(out)

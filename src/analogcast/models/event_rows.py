"""Rows of ``event_logit``: the coded series, case-control thinning and country-spell masks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from analogcast.data import DIRECTIONS
from analogcast.errors import UserInputError, did_you_mean

__all__ = ["case_control", "spell_masks", "code_series", "CodedSeries"]


def spell_masks(spells: Sequence[str], countries: np.ndarray, years: np.ndarray,
                 option: str) -> dict[str, tuple[int, np.ndarray]]:
    """``label -> (country index, year mask)`` of option ``spell_units`` / ``drop_spells``
    (labels validated by the options schema; country ids exact, no overlap within a country)."""
    from analogcast.priors.spells import parse_analog

    out: dict[str, tuple[int, np.ndarray]] = {}
    known = [str(c) for c in countries]
    for text in spells:
        a = parse_analog(text, option)
        hit = np.flatnonzero(countries == a.country)
        if hit.size == 0:
            raise UserInputError(f"option {option}: {a.label} names an unknown country "
                                 f"'{a.country}'.{did_you_mean(a.country, known)}")
        mask = a.years(years)
        for lab, (ci, m) in out.items():
            if ci == int(hit[0]) and (m & mask).any():
                raise UserInputError(f"option {option}: {a.label} overlaps {lab}")
        out[a.label] = (int(hit[0]), mask)
    return out


def case_control(y: np.ndarray, fraction: float, protected: np.ndarray,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Case-control thinning: keep every event, every ``protected`` row (the target's) and each
    other non-event row with probability ``fraction``.

    Returns ``(keep, offset)``: the kept rows, and the per-row logit offset ``-log(fraction)``
    for rows that were subject to thinning (0 for protected rows), so that
    ``logit P(y = 1 | kept) = eta + offset`` (Prentice and Pyke 1979; King and Zeng 2001).
    """
    u01 = np.random.default_rng(np.random.SeedSequence(int(seed))).random(np.asarray(y).size)
    keep = (np.asarray(y) == 1) | (u01 < fraction) | np.asarray(protected, bool)
    offset = np.where(np.asarray(protected, bool) | (fraction >= 1.0), 0.0, -np.log(fraction))
    return keep, offset


def _cut_events(x: np.ndarray, space: str) -> tuple[np.ndarray, np.ndarray]:
    """ERT-lite events on series already cut at the origin (first two years masked)."""
    from analogcast.data import CUTPOINTS, code_events
    from analogcast.data.coder import mask_series_start

    up, down = code_events(x, float(CUTPOINTS[space]))
    return mask_series_start(up, x), mask_series_start(down, x)


def _shipped_events(events: xr.Dataset, countries: np.ndarray, years: np.ndarray, space: str,
                    direction: str) -> np.ndarray:
    if space not in events["space"].values:
        raise UserInputError(f"events have no space '{space}'.")
    da = events[direction].sel(space=space).reindex(country=countries, year=years)
    return np.asarray(da.transpose("country", "year").values, dtype=np.float64)


@dataclass(frozen=True)
class CodedSeries:
    """The index series cut at the origin and what ``event_logit`` codes from them.

    Attributes
    ----------
    xs
        Space -> index ``(country, grid year)``, NaN after the origin.
    dyn_grids
        Space -> dynamic covariates ``(country, grid year, column)``.
    labels, valid
        ``(space, direction)`` -> event labels and the training mask (coded, feasible, with every
        covariate present).
    series_spaces
        Spaces whose series are read (every space with ``cross``).
    dyn_names
        Names of the dynamic columns.
    n_infeasible
        Coded rows of the modelled spaces left out as infeasible.
    """

    xs: dict[str, np.ndarray]
    dyn_grids: dict[str, np.ndarray]
    labels: dict[tuple[str, str], np.ndarray]
    valid: dict[tuple[str, str], np.ndarray]
    series_spaces: tuple[str, ...]
    dyn_names: tuple[str, ...]
    n_infeasible: int


def code_series(panel: xr.Dataset, panel_g: xr.Dataset, events: xr.Dataset | None, countries: np.ndarray,
                grid_years: np.ndarray, origin: int, in_window: np.ndarray, spaces_t: Sequence[str],
                protocol: str, *, room: bool, cross: bool) -> CodedSeries:
    """Events, feasibility and dynamic covariates of every series (see ``EventLogit.prepare``)."""
    from analogcast.data import CUTPOINTS, SPACES, feasible_events
    from analogcast.models.design import (
        CROSS_SPACE_NAMES,
        DYNAMIC_NAMES,
        ROOM_NAMES,
        cross_space_grid,
        dynamic_grid,
        index_room,
    )

    xs: dict[str, np.ndarray] = {}
    dyn_grids: dict[str, np.ndarray] = {}
    labels: dict[tuple[str, str], np.ndarray] = {}
    valid: dict[tuple[str, str], np.ndarray] = {}
    n_infeasible = 0
    # with the cross-space covariate every space's series in the panel is read (and its
    # quiet moves kept for the forecast paths), whichever spaces are modelled; only modelled
    # spaces give rows
    series_spaces = (tuple(s for s in SPACES if s in spaces_t or SPACES[s] in panel)
                     if cross else spaces_t)
    for s in series_spaces:
        x_full = np.asarray(panel_g[SPACES[s]].transpose("country", "year").values, dtype=float)
        x = x_full.copy()
        x[:, grid_years > origin] = np.nan
        xs[s] = x
        dyn = dynamic_grid(x, float(CUTPOINTS[s]))
        if room:
            dyn = np.concatenate([dyn, index_room(dyn[..., 0], float(CUTPOINTS[s]))], axis=-1)
        dyn_grids[s] = dyn
        ok_dyn = ~np.isnan(dyn).any(axis=-1)
        # outcome year t is codable only if t + 1 is observed (the coder looks ahead one year)
        xl = x if protocol == "strict" else x_full
        nxt = np.zeros_like(ok_dyn)
        nxt[:, :-1] = ~np.isnan(xl[:, 1:])
        prev2 = np.full_like(x, np.nan)
        prev2[:, 2:] = x[:, :-2]
        prev1 = np.full_like(x, np.nan)
        prev1[:, 1:] = x[:, :-1]
        f_up, f_down = feasible_events(prev2, prev1, float(CUTPOINTS[s]))
        if protocol == "strict":
            up, down = _cut_events(x, s)
        else:
            up = _shipped_events(events, countries, grid_years, s, "opening")
            down = _shipped_events(events, countries, grid_years, s, "closing")
        for d, y, f in (("opening", up, f_up), ("closing", down, f_down)):
            coded = ~np.isnan(y) & ok_dyn & in_window[None, :] & nxt
            bad = coded & ~f & (y == 1)
            if bad.any():  # cannot happen with the coder's own rule (tests/test_data_feasible)
                raise RuntimeError(f"{s} {d}: an event was coded where it is infeasible")
            if s in spaces_t:
                n_infeasible += int((coded & ~f).sum())
            labels[(s, d)] = y
            valid[(s, d)] = coded & f
    dyn_names = (*DYNAMIC_NAMES, *ROOM_NAMES) if room else DYNAMIC_NAMES
    if cross:
        xgrid = cross_space_grid(xs, CUTPOINTS)
        dyn_names = (*dyn_names, *CROSS_SPACE_NAMES)
        ok_x = ~np.isnan(xgrid).any(axis=-1)
        for s in spaces_t:
            dyn_grids[s] = np.concatenate([dyn_grids[s], xgrid], axis=-1)
            for d in DIRECTIONS:
                valid[(s, d)] = valid[(s, d)] & ok_x
    return CodedSeries(xs, dyn_grids, labels, valid, tuple(series_spaces), tuple(dyn_names), n_infeasible)

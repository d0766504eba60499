"""What followed in history from a similar level: the level-matched reference for a forecast.

For a space and the target's index level at the origin, take the ``k`` country-years of the
shipped panel whose index was closest to that level (any country, any year whose outcome window
is fully observed), and count what happened next:

* ``p_opening[h]`` / ``p_closing[h]``: the share with at least one coded opening / closing in
  years ``t+1 .. t+h`` (the event definition of the forecasts);
* ``p_rise[(h, delta)]``: the share whose index in ``t+h`` was at least ``delta`` above its value
  in ``t`` (the definition of P(rise >= delta)).

It conditions on the level only: no regime, covariates or country effects. It is the reference a
reader can check by hand against either model's reading, not a forecast, and the report uses it
only to say which of two disagreeing readings history is closer to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

__all__ = ["K_MATCH", "LevelHistory", "level_matched_history"]

#: country-years matched by level
K_MATCH = 200


@dataclass(frozen=True)
class LevelHistory:
    """The level-matched history of one space (see the module docstring)."""

    space: str
    level: float
    #: country-years matched, and the index range they span
    n: int
    low: float
    high: float
    #: first and last year of the matched country-years
    first_year: int
    last_year: int
    p_opening: dict[int, float] = field(default_factory=dict)
    p_closing: dict[int, float] = field(default_factory=dict)
    p_rise: dict[tuple[int, float], float] = field(default_factory=dict)


def level_matched_history(events: xr.Dataset, space: str, level: float, horizons: Sequence[int],
                          deltas: Sequence[float] = (), *, k: int = K_MATCH,
                          exclude: str | None = None) -> LevelHistory:
    """The ``k`` country-years closest to ``level`` in ``space`` and what followed them.

    Parameters
    ----------
    events
        The coded events (:func:`analogcast.data.load_events`): ``opening``, ``closing`` (NaN where
        the coder cannot decide a year) and ``value`` (the index), dims ``(country, year, space)``.
    space, level
        The space and the target's index at the origin.
    horizons, deltas
        Outcome windows in years, and rise thresholds in index units.
    k
        Country-years matched (the nearest by ``|index - level|``; ties by country and year).
    exclude
        A country to leave out (the target itself, so its own history does not count twice).

    Returns
    -------
    LevelHistory
        Shares over the same ``k`` country-years for every horizon: a country-year is eligible
        only if every outcome up to the longest horizon is observed.
    """
    hz = sorted({int(h) for h in horizons})
    if not hz or hz[0] < 1:
        raise ValueError(f"horizons must be positive integers, got {list(horizons)}")
    ev = events.sel(space=space)
    if exclude is not None and exclude in ev["country"].values:
        ev = ev.drop_sel(country=exclude)
    x = ev["value"].transpose("country", "year").values.astype(float)
    up = ev["opening"].transpose("country", "year").values.astype(float)
    down = ev["closing"].transpose("country", "year").values.astype(float)
    years = ev["year"].values.astype(int)
    H = hz[-1]
    n_c, n_t = x.shape
    if n_t <= H:
        raise ValueError(f"the panel has {n_t} years, fewer than the longest horizon + 1 ({H + 1})")
    T = n_t - H  # origins t = 0 .. T-1 have years t+1 .. t+H in the panel
    win = np.arange(T)[:, None] + np.arange(1, H + 1)  # (T, H): years t+1 .. t+H
    ok = (np.isfinite(x[:, :T])
          & np.isfinite(up[:, win]).all(axis=-1) & np.isfinite(down[:, win]).all(axis=-1)
          & np.isfinite(x[:, win]).all(axis=-1))
    cc, tt = np.nonzero(ok)
    if cc.size == 0:
        raise ValueError(f"no country-year of space {space!r} has its next {H} years observed")
    dist = np.abs(x[cc, tt] - float(level))
    order = np.lexsort((tt, cc, dist))[: int(k)]
    cc, tt = cc[order], tt[order]
    after_up = np.nan_to_num(up[cc[:, None], win[tt]])  # (k, H)
    after_down = np.nan_to_num(down[cc[:, None], win[tt]])
    rise = x[cc[:, None], win[tt]] - x[cc, tt][:, None]
    p_open = {h: float((after_up[:, :h].max(axis=1) > 0).mean()) for h in hz}
    p_close = {h: float((after_down[:, :h].max(axis=1) > 0).mean()) for h in hz}
    p_rise = {(h, float(d)): float((rise[:, h - 1] >= float(d) - 1e-12).mean()) for h in hz for d in deltas}
    xs = x[cc, tt]
    return LevelHistory(space=space, level=float(level), n=int(cc.size), low=float(xs.min()),
                        high=float(xs.max()), first_year=int(years[tt].min()),
                        last_year=int(years[tt].max()), p_opening=p_open, p_closing=p_close,
                        p_rise=p_rise)

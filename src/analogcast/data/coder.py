"""ERT-lite opening/closing event coder of the Democratic Spaces Barometer, in numpy.

The rule (Barometer ``episode_coder``, ``type = "mod"``, ``min_f = 0.1``): with ``cp`` the cutpoint and
``d1(t) = x[t] - x[t-1]``, year ``t`` is an opening ("up") when any of

* ``d1(t) > cp`` (one-year jump);
* ``x[t] - x[t-2] > cp`` and ``d1(t) > min_f*cp`` and ``d1(t-1) > min_f*cp`` (two-year climb, looking back);
* ``x[t+1] - x[t-1] > cp`` and ``d1(t) > min_f*cp`` and ``d1(t+1) > min_f*cp`` (two-year climb, ahead).

Closings ("down") are the same rule on ``-x``. A year whose window (``t-2 .. t+1``) is incomplete is
*uncodable* (NaN) unless one of the rules above already fires with the values that exist, exactly as
the Barometer leaves the first two years and the last year of a series uncoded (``NA``) but still
sets 1 where a rule fires. Comparisons are plain IEEE doubles, as in the Barometer's R code (no
rounding, no epsilon). Together with index values bit-identical to those the Barometer read (the
shipped ``spaces.csv.gz`` is parsed like R's readr, see ``_readr.py``) this reproduces the Barometer's
coded events and two-year labels on every row of all six spaces (``tests/test_data_events.py``).

Missing values (NaN) split a series: each run of observed years is coded as its own series, so a
panel row padded with NaN before independence is coded like the Barometer's shorter series.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analogcast.data._spaces import MIN_F

__all__ = [
    "code_events",
    "code_direction",
    "next2",
    "mask_series_start",
    "compute_cutpoint",
    "changes_label",
    "series_changes",
    "feasible_events",
]


def _shift(a: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """``out[..., t] = a[..., t - k]`` (NaN where out of range); ``k`` may be negative."""
    out = np.full_like(a, np.nan)
    if k > 0:
        out[..., k:] = a[..., :-k]
    elif k < 0:
        out[..., :k] = a[..., -k:]
    else:
        out[...] = a
    return out


def _uncodable(xa: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Years whose ERT-lite window ``t-2 .. t+1`` is incomplete (or missing)."""
    n = np.isnan(xa)
    unc = n.copy()
    unc[..., 1:] |= n[..., :-1]
    unc[..., 2:] |= n[..., :-2]
    unc[..., :-1] |= n[..., 1:]
    unc[..., :2] = True
    unc[..., -1] = True
    return unc


def _events(
    d1: NDArray[np.float64], d2: NDArray[np.float64], cp: float, thr: float, sign: float
) -> NDArray[np.bool_]:
    """ERT-lite rule on padded changes ``d1[t] = x[t]-x[t-1]``, ``d2[t] = x[t]-x[t-2]`` (NaN padded).

    ``sign = -1`` codes closings: ``-d > cp`` is evaluated as ``d < -cp``, which is the same IEEE
    comparison as the Barometer's coding of ``-x`` (negation is exact).
    """
    if sign > 0:
        big, small, big2 = d1 > cp, d1 > thr, d2 > cp
    else:
        big, small, big2 = d1 < -cp, d1 < -thr, d2 < -cp
    # two-year climb ending in t: d2[t] > cp, d1[t] > thr, d1[t-1] > thr
    pair = big2
    pair[..., 1:] &= small[..., 1:] & small[..., :-1]
    pair[..., :1] = False
    event = big
    event |= pair  # looking back: the climb ends in t
    event[..., :-1] |= pair[..., 1:]  # looking ahead: the climb ends in t+1
    return event


def code_direction(x: ArrayLike, cutpoint: float, *, min_f: float = MIN_F) -> NDArray[np.float64]:
    """Code upward events (openings) of ``x`` with the ERT-lite rule.

    Parameters
    ----------
    x
        Index values, years on the last axis (any leading shape). NaN marks a missing year.
        For closings pass ``-x``.
    cutpoint
        Event threshold (> 0).
    min_f
        Minimum yearly change factor of the two-year rules.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``: 1.0 event, 0.0 no event, NaN uncodable (window incomplete and no rule fires).
    """
    return code_events(x, cutpoint, min_f=min_f)[0]


def code_events(
    x: ArrayLike, cutpoint: float, *, min_f: float = MIN_F
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Code openings and closings of one or many index series (NaN-aware, vectorised).

    Parameters
    ----------
    x
        Index values with years on the last axis, e.g. shape ``(n_years,)`` for one series or
        ``(n_series, n_years)`` / ``(n_draws, n_countries, n_years)`` for many. Years must be
        consecutive; NaN marks a missing year and splits the series.
    cutpoint
        The space's cutpoint (see :data:`analogcast.data.CUTPOINTS`).
    min_f
        Minimum yearly change factor of the two-year rules (Barometer default 0.1).

    Returns
    -------
    (up, down)
        Float arrays shaped like ``x``: 1.0 event, 0.0 none, NaN where the year cannot be coded
        (the first two years and the last year of each observed run, unless a rule already fires,
        and missing years).

    Examples
    --------
    >>> up, down = code_events([0.5, 0.5, 0.5, 0.6, 0.6, 0.6], 0.05)
    >>> up.tolist()
    [nan, nan, 0.0, 1.0, 0.0, nan]
    """
    xa = np.asarray(x, dtype=np.float64)
    if xa.ndim == 0:
        raise ValueError("code_events needs at least one axis (years on the last axis)")
    cp = float(cutpoint)
    thr = cp * min_f
    d1 = np.full_like(xa, np.nan)
    d2 = np.full_like(xa, np.nan)
    np.subtract(xa[..., 1:], xa[..., :-1], out=d1[..., 1:])
    np.subtract(xa[..., 2:], xa[..., :-2], out=d2[..., 2:])
    unc = _uncodable(xa)
    out = []
    for sign in (1.0, -1.0):
        ev = _events(d1, d2, cp, thr, sign)
        res = ev.astype(np.float64)
        res[unc & ~ev] = np.nan
        out.append(res)
    return out[0], out[1]


def next2(events: ArrayLike, *, valid: ArrayLike | None = None) -> NDArray[np.float64]:
    """Two-year-ahead label: 1 if an event happens in ``t+1`` or ``t+2``, as the Barometer builds it.

    The Barometer's ``dv_*_next2`` construction: an uncodable year (NaN) counts as no event; the label
    is NaN in the last two years of the array (``t+2`` not yet observed); where ``t+1`` or ``t+2`` lies
    after the end of a series that stops earlier (a state that dissolves: ``valid`` False there), the
    label is 0 even if ``t+1`` has an event (the Barometer's convention, reproduced on purpose).

    Parameters
    ----------
    events
        Event indicators (1/0/NaN), years on the last axis.
    valid
        Boolean mask (same shape) of the years where the series has data, or ``None`` (all valid).
        Labels are NaN where ``valid`` is False.

    Returns
    -------
    numpy.ndarray
        1.0 / 0.0 / NaN, same shape as ``events``.

    Examples
    --------
    >>> next2([0, 0, 1, 0, 0]).tolist()
    [1.0, 1.0, 0.0, nan, nan]
    """
    ev = np.asarray(events, dtype=np.float64)
    hit = np.nan_to_num(ev, nan=0.0) > 0
    ok = np.ones(ev.shape, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    lead1 = np.zeros_like(hit)
    lead2 = np.zeros_like(hit)
    ok1 = np.zeros_like(ok)
    ok2 = np.zeros_like(ok)
    lead1[..., :-1] = hit[..., 1:]
    lead2[..., :-2] = hit[..., 2:]
    ok1[..., :-1] = ok[..., 1:]
    ok2[..., :-2] = ok[..., 2:]
    out = ((lead1 | lead2) & ok1 & ok2).astype(np.float64)
    out[..., -2:] = np.nan
    out[~ok] = np.nan
    return out


def mask_series_start(events: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    """Set the first two years of every observed run of ``x`` to NaN in ``events``.

    The Barometer labels them "first year of independence" (not coded), even where the ERT-lite rule
    would fire in the second year; :func:`analogcast.data.load_events` does the same.
    """
    ev = np.array(events, dtype=np.float64)
    xa = np.asarray(x, dtype=np.float64)
    start = np.isnan(_shift(xa, 1)) | np.isnan(_shift(xa, 2))
    ev[start] = np.nan
    return ev


def changes_label(up: ArrayLike, down: ArrayLike) -> NDArray[np.str_]:
    """Barometer-style ``dv_<index>_change`` labels: ``"up"``, ``"down"`` or ``"same"``.

    Uncodable years (NaN in both) are ``"same"``, as the Barometer fills them before writing.
    """
    u = np.asarray(up, dtype=np.float64)
    d = np.asarray(down, dtype=np.float64)
    out = np.full(u.shape, "same", dtype="<U4")
    out[d == 1] = "down"
    out[u == 1] = "up"
    return out


def compute_cutpoint(changes: Iterable[float] | ArrayLike) -> float:
    """Cutpoint from year-to-year changes, computed as the Barometer does.

    The cutpoint is the mean of two sample standard deviations (``ddof=1``, as R's ``sd``): that of
    the changes that are not negative (``>= 0``) and that of the changes that are not positive
    (``<= 0``), rounded *up* to the next 0.01. Pass every country's year-to-year changes, with
    the first year of each series counted as a change of 0; NaNs are ignored.

    On ``spaces_1968_2023.csv`` this gives 0.07, 0.05, 0.04, 0.05, 0.05, 0.04 (electoral,
    associational, individual, informational, governing, economic) and on V-Dem v14 ``v2x_gencl``
    (1970-2023) 0.03, the ``women`` cutpoint.

    Parameters
    ----------
    changes
        Year-to-year changes (1-D).

    Returns
    -------
    float
        The cutpoint, a multiple of 0.01.
    """
    c = np.asarray(list(changes) if not isinstance(changes, np.ndarray) else changes, dtype=float)
    c = c[~np.isnan(c)]
    pos = c[c >= 0]
    neg = c[c <= 0]
    if pos.size < 2 or neg.size < 2:
        raise ValueError(
            "compute_cutpoint needs at least two non-negative and two non-positive changes"
        )
    raw = (float(np.std(pos, ddof=1)) + float(np.std(neg, ddof=1))) / 2.0
    # round up to the next 0.01; the inner round guards against 0.05*100 = 5.000000000000001
    return math.ceil(round(raw * 100.0, 9)) / 100.0


def series_changes(x: ArrayLike) -> NDArray[np.float64]:
    """Year-to-year changes of series (years on the last axis), the first observed year counting 0.

    Helper for :func:`compute_cutpoint`: NaN years are dropped; the first year of each observed run
    gives a change of 0.
    """
    xa = np.asarray(x, dtype=np.float64)
    d = xa - _shift(xa, 1)
    first = ~np.isnan(xa) & np.isnan(_shift(xa, 1))
    d[first] = 0.0
    return d[~np.isnan(d)]


def feasible_events(
    x_prev2: ArrayLike, x_prev1: ArrayLike, cutpoint: float, *, min_f: float = MIN_F
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Whether the ERT-lite coder *can* code an opening / a closing in year ``t``, given the index
    in ``t - 2`` and ``t - 1`` and whatever values ``[0, 1]`` allows in ``t`` and ``t + 1``.

    For closings (openings are the same on ``1 - x``), with ``thr = min_f * cutpoint``, the three
    rules of :func:`code_events` can fire only if

    * one-year fall or two-year fall ahead: ``x[t-1] > cutpoint`` (the index cannot fall below 0);
    * two-year fall looking back: ``x[t-2] - x[t-1] > thr`` (already falling), ``x[t-2] > cutpoint``
      and ``x[t-1] > thr``.

    So from an index within one cutpoint of 0 that is not already falling, no closing is possible
    next year: its probability is exactly 0, whatever a hazard model says.

    Parameters
    ----------
    x_prev2, x_prev1
        Index values in ``t - 2`` and ``t - 1`` (broadcastable; NaN in ``x_prev2`` switches the
        look-back rule off, NaN in ``x_prev1`` makes both infeasible).
    cutpoint
        The space's cutpoint.
    min_f
        Minimum yearly change factor of the two-year rules.

    Returns
    -------
    (up_ok, down_ok)
        Boolean arrays: an opening / a closing in year ``t`` is possible.

    Examples
    --------
    >>> up, down = feasible_events(0.02, 0.01, 0.03)
    >>> bool(up), bool(down)
    (True, False)
    """
    a = np.asarray(x_prev2, dtype=np.float64)
    b = np.asarray(x_prev1, dtype=np.float64)
    cp = float(cutpoint)
    thr = cp * float(min_f)
    with np.errstate(invalid="ignore"):
        down = (b > cp) | ((a - b > thr) & (a > cp) & (b > thr))
        up = ((1.0 - b) > cp) | ((b - a > thr) & ((1.0 - a) > cp) & ((1.0 - b) > thr))
    ok = ~np.isnan(b)
    return up & ok, down & ok

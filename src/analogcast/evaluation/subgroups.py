"""Scores on the cases the toolkit exists for, not only pooled over every country-year.

A pooled log-loss is dominated by stable democracies and stable autocracies in mid-scale. The
Afghanistan forecast lives elsewhere, so the backtest also scores, per model and direction, the
forecast rows of two subgroups, defined from data observed by the origin only:

``near_floor``
    The space's index at the origin lies within two cutpoints of 0 (``x[t] <= 2 * cutpoint``):
    autocracies at the bottom of the scale, where closings are nearly impossible and openings are
    what a donor hopes for.
``after_closing``
    A closing was coded in the space in one of the three years up to the origin (``t-2 .. t``,
    coded on the series cut at the origin, so nothing after ``t`` is read): new regimes and
    countries just after a collapse.

Each group is scored with :func:`analogcast.evaluation.scores.score_frame`, including the expected
calibration error (10 equal-count bins; with few rows, read it with its ``n``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["SUBGROUPS", "subgroup_flags", "subgroup_scores"]

SUBGROUPS: tuple[str, ...] = ("near_floor", "after_closing")


def subgroup_flags(panel: xr.Dataset, forecasts: pd.DataFrame) -> pd.DataFrame:
    """Boolean columns ``near_floor`` and ``after_closing`` for each forecast row.

    ``forecasts`` needs ``space``, ``origin`` and ``country`` columns (a backtest's forecasts).
    """
    from analogcast.data import CUTPOINTS, SPACES, code_events

    out = pd.DataFrame(index=forecasts.index, columns=list(SUBGROUPS), dtype=bool)
    out[:] = False
    countries = pd.Index(panel["country"].values.astype(str))
    years = panel["year"].values.astype(int)
    for (space, origin), rows in forecasts.groupby(["space", "origin"], sort=False):
        cp = float(CUTPOINTS[space])
        x = panel[SPACES[space]].transpose("country", "year").values.astype(float)
        x = x[:, years <= origin]
        _, down = code_events(x, cp)  # coded on the series cut at the origin
        recent = np.nan_to_num(down[:, -3:], nan=0.0).max(axis=1) > 0
        ci = countries.get_indexer(rows["country"].astype(str))
        level = x[ci, -1]
        out.loc[rows.index, "near_floor"] = level <= 2 * cp
        out.loc[rows.index, "after_closing"] = recent[ci]
    return out.astype(bool)


def subgroup_scores(panel: xr.Dataset, forecasts: pd.DataFrame,
                    spaces: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Scores per model, subgroup and direction (``up`` / ``down``), spaces pooled.

    Parameters
    ----------
    panel
        ``load_panel()``.
    forecasts
        A backtest's forecasts (``model``, ``space``, ``origin``, ``country``, ``p_opening``,
        ``p_closing``, ``y_opening``, ``y_closing``).
    spaces
        Spaces to pool (default: the six Barometer spaces, as the pooled scores are).
    """
    from analogcast.data import BAROMETER_SPACES
    from analogcast.evaluation.scores import score_frame  # scikit-learn: imported when scoring

    keep = forecasts["space"].isin(spaces or BAROMETER_SPACES)
    fc = forecasts[keep]
    flags = subgroup_flags(panel, fc)
    frames = []
    for g in SUBGROUPS:
        sub = fc[flags[g].to_numpy()]
        for d, lab in (("opening", "up"), ("closing", "down")):
            long = pd.DataFrame({"model": sub["model"], "y": sub[f"y_{d}"], "p": sub[f"p_{d}"]})
            sc = score_frame(long, by=["model"])
            sc.insert(1, "subgroup", g)
            sc.insert(2, "direction", lab)
            frames.append(sc)
    return pd.concat(frames, ignore_index=True)

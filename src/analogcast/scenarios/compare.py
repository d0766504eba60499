"""Pairwise scenario contrasts of horizon probabilities, per posterior draw."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.errors import UserInputError
from analogcast.scenarios.table import check_level

__all__ = ["contrasts"]

COLUMNS: tuple[str, ...] = ("scenario_a", "scenario_b", "space", "horizon", "diff_mean",
                            "diff_low", "diff_high", "p_a_gt_b")


def contrasts(
    fc: xr.Dataset,
    *,
    level: float = 0.89,
    outcome: str = "p_opening",
    horizons: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Posterior of ``P_A - P_B`` for every ordered pair of distinct scenarios.

    Parameters
    ----------
    fc
        Output of ``forecast``.
    level
        Equal-tailed interval probability (0 < level < 1).
    outcome
        Variable of ``fc`` with dims (scenario, space, horizon, chain, draw).
    horizons
        Subset of horizons (default: all in ``fc``).

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario_a, scenario_b, space, horizon, diff_mean, diff_low, diff_high,
        p_a_gt_b``; the difference is computed draw by draw, so its interval reflects the joint
        posterior (not a difference of intervals).
    """
    lv = check_level(level)
    if outcome not in fc:
        raise UserInputError(f"forecast has no outcome '{outcome}'; available: {', '.join(fc.data_vars)}.")
    da = fc[outcome]
    if horizons is not None:
        da = da.sel(horizon=list(horizons))
    da = da.stack(sample=("chain", "draw")).transpose("scenario", "space", "horizon", "sample")
    v = da.values
    names = [str(s) for s in da["scenario"].values]
    spaces = [str(s) for s in da["space"].values]
    hz = [int(h) for h in da["horizon"].values]
    q = [(1 - lv) / 2, 1 - (1 - lv) / 2]
    rows = []
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i == j:
                continue
            diff = v[i] - v[j]  # (space, horizon, sample)
            mean = diff.mean(axis=-1)
            lo, hi = np.quantile(diff, q, axis=-1)
            pgt = (diff > 0).mean(axis=-1)
            for si, s in enumerate(spaces):
                for hi_, h in enumerate(hz):
                    rows.append((a, b, s, h, float(mean[si, hi_]), float(lo[si, hi_]),
                                 float(hi[si, hi_]), float(pgt[si, hi_])))
    return pd.DataFrame(rows, columns=list(COLUMNS))

"""The report's single source of numbers: forecast rows, contrasts, and how a number is printed.

The scenario table, the figures and the narrative all read the rows built here, and every
probability is printed by :func:`fmt_pct` / :func:`fmt_interval`, so a number in a sentence is the
same string as the number in its table cell (a test parses both). How a number prints, the cells
and table blocks live in :mod:`analogcast._display` (shared with the notebook displays of priors,
fits and runs) and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import xarray as xr

from analogcast._display import (
    SPACE_LABELS,
    Cell,
    TableBlock,
    cell_key,
    fmt_interval,
    fmt_pct,
    fmt_score,
    fmt_score_interval,
    main_horizons,
    space_label,
)

__all__ = [
    "SPACE_LABELS",
    "TABLE_COLUMNS",
    "Cell",
    "fmt_pct",
    "fmt_interval",
    "cell_key",
    "forecast_rows",
    "contrast_rows",
    "main_horizons",
    "TableBlock",
    "space_label",
    "fmt_any",
    "fmt_score",
    "fmt_score_interval",
    "fmt_delta",
    "rise_key",
    "rise_rows",
    "wbl_rows",
    "wbl_rise_rows",
]

TABLE_COLUMNS = (
    "scenario",
    "space",
    "horizon",
    "p_opening",
    "p_opening_low",
    "p_opening_high",
    "p_closing",
    "p_closing_low",
    "p_closing_high",
)


def fmt_delta(delta: float) -> str:
    """A rise threshold on the 0-1 index scale: ``0.05 -> "0.05"``, ``0.1 -> "0.10"``."""
    d = float(delta)
    return f"{d:.2f}" if abs(round(d, 2) - d) < 1e-9 else f"{d:g}"


def rise_key(delta: float) -> str:
    """The ``quantity`` part of :func:`cell_key` for P(rise >= delta): ``"p_rise_0.05"``."""
    return f"p_rise_{fmt_delta(delta)}"


def _eti(x: xr.DataArray, level: float) -> tuple[xr.DataArray, xr.DataArray]:
    a = (1.0 - level) / 2.0
    q = x.quantile([a, 1.0 - a], dim=("chain", "draw"))
    return q.isel(quantile=0, drop=True), q.isel(quantile=1, drop=True)


def forecast_rows(
    forecasts: xr.Dataset, level: float, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The forecasts table (``TABLE_COLUMNS``), from the run's stored table or from the draws.

    Parameters
    ----------
    forecasts
        ``p_opening`` and ``p_closing`` with dims (scenario, space, horizon, chain, draw).
    level
        Equal-tailed interval level (used only when ``table`` is ``None``).
    table
        The run's own ``forecasts_table`` (preferred: it is what ``forecasts.csv`` holds).

    Returns
    -------
    pandas.DataFrame
        One row per scenario, space and horizon, in the run's scenario and space order.
    """
    if table is not None and set(TABLE_COLUMNS) <= set(table.columns):
        out = table.loc[:, list(TABLE_COLUMNS)].copy()
    else:
        parts = {}
        for q in ("p_opening", "p_closing"):
            da = forecasts[q]
            lo, hi = _eti(da, level)
            parts[q] = da.mean(("chain", "draw"))
            parts[f"{q}_low"] = lo
            parts[f"{q}_high"] = hi
        ds = xr.Dataset(parts)
        out = (
            ds.to_dataframe()
            .reset_index()
            .loc[:, list(TABLE_COLUMNS)]
        )
    out["scenario"] = out["scenario"].astype(str)
    out["space"] = out["space"].astype(str)
    out["horizon"] = out["horizon"].astype(int)
    scen_order = {s: i for i, s in enumerate(map(str, forecasts["scenario"].values))}
    space_order = {s: i for i, s in enumerate(map(str, forecasts["space"].values))}
    out = out[out["scenario"].isin(scen_order) & out["space"].isin(space_order)]
    out = out.sort_values(
        by=["scenario", "space", "horizon"],
        key=lambda c: c.map(scen_order) if c.name == "scenario" else (c.map(space_order) if c.name == "space" else c),
    )
    return out.reset_index(drop=True)


def contrast_rows(
    forecasts: xr.Dataset,
    level: float,
    pairs: Sequence[tuple[str, str]],
    horizons: Sequence[int],
    outcome: str = "p_opening",
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Contrasts ``P_A - P_B`` per draw for the given ordered scenario pairs.

    Uses the run's stored contrasts when they cover a pair, else computes them from the draws
    (same definition as ``analogcast.scenarios.compare``: equal-tailed interval at ``level``,
    ``p_a_gt_b`` the share of draws with ``P_A > P_B``).

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario_a, scenario_b, space, horizon, diff_mean, diff_low, diff_high, p_a_gt_b``.
    """
    cols = ["scenario_a", "scenario_b", "space", "horizon", "diff_mean", "diff_low", "diff_high", "p_a_gt_b"]
    rows: list[dict] = []
    stored = None
    if table is not None and set(cols) <= set(table.columns) and outcome == "p_opening":
        stored = table.assign(
            scenario_a=table["scenario_a"].astype(str),
            scenario_b=table["scenario_b"].astype(str),
            space=table["space"].astype(str),
            horizon=table["horizon"].astype(int),
        )
    da = forecasts[outcome]
    for a, b in pairs:
        for h in horizons:
            got = None
            if stored is not None:
                got = stored[(stored.scenario_a == a) & (stored.scenario_b == b) & (stored.horizon == int(h))]
                if got.empty:
                    got = None
            if got is not None:
                rows += got.loc[:, cols].to_dict("records")
                continue
            diff = da.sel(scenario=a, horizon=h) - da.sel(scenario=b, horizon=h)
            lo, hi = _eti(diff, level)
            mean = diff.mean(("chain", "draw"))
            gt = (diff > 0).mean(("chain", "draw"))
            for sp in map(str, da["space"].values):
                rows.append(
                    {
                        "scenario_a": a,
                        "scenario_b": b,
                        "space": sp,
                        "horizon": int(h),
                        "diff_mean": float(mean.sel(space=sp)),
                        "diff_low": float(lo.sel(space=sp)),
                        "diff_high": float(hi.sel(space=sp)),
                        "p_a_gt_b": float(gt.sel(space=sp)),
                    }
                )
    return pd.DataFrame(rows, columns=cols)


def rise_rows(forecasts: xr.Dataset, level: float) -> pd.DataFrame | None:
    """P(index rises by >= delta) per scenario, space, horizon and delta, or ``None`` without ``p_rise``.

    The rows are :func:`analogcast.scenarios.rise_table` (the scenarios stage's own summary), with
    plain types: ``scenario, space, horizon, delta, p_rise, p_rise_low, p_rise_high``.
    """
    if "p_rise" not in forecasts:
        return None
    from analogcast.scenarios import rise_table

    out = rise_table(forecasts, level).copy()
    out["scenario"] = out["scenario"].astype(str)
    out["space"] = out["space"].astype(str)
    out["horizon"] = out["horizon"].astype(int)
    out["delta"] = out["delta"].astype(float)
    return out.reset_index(drop=True)


def wbl_rows(forecasts: xr.Dataset, level: float, horizons: Sequence[int]) -> pd.DataFrame | None:
    """Simulated WBL index (0-100) at origin + H: ``scenario, horizon, year, wbl, wbl_low, wbl_high``.

    ``None`` when the forecast has no ``wbl`` (the path model was fitted without it). The
    year of horizon H is ``origin + H`` (``forecasts.attrs["origin"]``, else the first forecast
    year minus one).
    """
    if "wbl" not in forecasts or "year" not in forecasts["wbl"].dims:
        return None
    da = forecasts["wbl"]
    years = [int(y) for y in da["year"].values]
    origin = forecasts.attrs.get("origin")
    origin = int(origin) if origin is not None else min(years) - 1
    rows = []
    lo, hi = _eti(da, level)
    mean = da.mean(("chain", "draw"))
    for s in map(str, da["scenario"].values):
        for h in horizons:
            y = origin + int(h)
            if y not in years:
                continue
            rows.append(
                {
                    "scenario": s,
                    "horizon": int(h),
                    "year": y,
                    "wbl": float(mean.sel(scenario=s, year=y)),
                    "wbl_low": float(lo.sel(scenario=s, year=y)),
                    "wbl_high": float(hi.sel(scenario=s, year=y)),
                }
            )
    return pd.DataFrame(rows, columns=["scenario", "horizon", "year", "wbl", "wbl_low", "wbl_high"])


def wbl_rise_rows(forecasts: xr.Dataset, level: float) -> pd.DataFrame | None:
    """P(WBL index rises by >= delta x 100 points): ``scenario, horizon, delta, p, p_low, p_high``."""
    if "p_wbl_rise" not in forecasts:
        return None
    da = forecasts["p_wbl_rise"]
    lo, hi = _eti(da, level)
    ds = xr.Dataset({"p": da.mean(("chain", "draw")), "p_low": lo, "p_high": hi}).transpose("scenario", "horizon", "delta")
    out = ds.to_dataframe().reset_index().loc[:, ["scenario", "horizon", "delta", "p", "p_low", "p_high"]]
    out["scenario"] = out["scenario"].astype(str)
    out["horizon"] = out["horizon"].astype(int)
    out["delta"] = out["delta"].astype(float)
    return out


def fmt_any(v: Any) -> str:
    """Any value as short text (floats to 3 significant digits, sequences joined)."""
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, list | tuple):
        return ", ".join(fmt_any(x) for x in v)
    return str(v)

"""Summary tables of forecasts: the issue's ``forecasts.csv``, fan-chart bands, rise probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.data import DIRECTIONS
from analogcast.errors import UserInputError
from analogcast.models.contract import TableSpec
from analogcast.models.registry import declaring, in_registry_order, model_outputs

__all__ = ["forecasts_table", "index_table", "rise_table", "wbl_table", "check_level", "FORECAST_COLUMNS",
           "TABLE_BUILDERS", "declared_tables"]

FORECAST_COLUMNS: tuple[str, ...] = (
    "scenario", "space", "horizon", "p_opening", "p_opening_low", "p_opening_high",
    "p_closing", "p_closing_low", "p_closing_high",
)


def _who(variable: str) -> str:
    """``'name'`` of the registered model(s) whose forecast carries ``variable``."""
    return " or ".join(repr(n) for n in declaring(variable)) or "a"


def check_level(level: float) -> float:
    """Validate an interval probability (0 < level < 1)."""
    lv = float(level)
    if not 0.0 < lv < 1.0:
        raise UserInputError(f"interval level {level!r} must be between 0 and 1 (e.g. 0.89).")
    return lv


def _summ(da: xr.DataArray, level: float) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    s = da.stack(sample=("chain", "draw"))
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    qs = s.quantile(q, dim="sample")
    return s.mean("sample"), qs.isel(quantile=0, drop=True), qs.isel(quantile=1, drop=True)


def forecasts_table(fc: xr.Dataset, level: float = 0.89) -> pd.DataFrame:
    """One row per (scenario, space, horizon) with posterior means and equal-tailed intervals.

    Columns are exactly ``FORECAST_COLUMNS``; probabilities are in [0, 1] and low <= p <= high
    (the mean of a draw set lies between its quantiles whenever level >= ~0.5; values are clipped
    to guarantee it for narrow levels).
    """
    lv = check_level(level)
    parts = {}
    for d in DIRECTIONS:
        if f"p_{d}" not in fc:
            raise UserInputError(f"forecast has no 'p_{d}'.")
        m, lo, hi = _summ(fc[f"p_{d}"], lv)
        parts[f"p_{d}"] = m
        parts[f"p_{d}_low"] = xr.apply_ufunc(np.minimum, lo, m)
        parts[f"p_{d}_high"] = xr.apply_ufunc(np.maximum, hi, m)
    ds = xr.Dataset(parts).transpose("scenario", "space", "horizon")
    df = ds.to_dataframe().reset_index()
    df = df[[c for c in df.columns if c in FORECAST_COLUMNS]]
    df["horizon"] = df["horizon"].astype(int)
    for c in FORECAST_COLUMNS[3:]:
        df[c] = df[c].clip(0.0, 1.0)
    return df[list(FORECAST_COLUMNS)].reset_index(drop=True)


def index_table(fc: xr.Dataset, level: float = 0.89) -> pd.DataFrame:
    """Fan-chart data: ``scenario, space, year, mean, low, high`` of simulated index paths."""
    lv = check_level(level)
    if "index" not in fc:
        raise UserInputError(f"forecast has no index paths (fit the {_who('index')} model).")
    m, lo, hi = _summ(fc["index"], lv)
    ds = xr.Dataset({"mean": m, "low": lo, "high": hi}).transpose("scenario", "space", "year")
    df = ds.to_dataframe().reset_index()
    return df[["scenario", "space", "year", "mean", "low", "high"]]


def rise_table(fc: xr.Dataset, level: float = 0.89) -> pd.DataFrame:
    """``scenario, space, horizon, delta, p_rise, p_rise_low, p_rise_high`` (incremental
    liberalization: P(index rises by at least delta within H years))."""
    lv = check_level(level)
    if "p_rise" not in fc:
        raise UserInputError(f"forecast has no p_rise (fit the {_who('p_rise')} model).")
    m, lo, hi = _summ(fc["p_rise"], lv)
    # as in forecasts_table: the mean always lies inside its interval
    ds = xr.Dataset({"p_rise": m, "p_rise_low": xr.apply_ufunc(np.minimum, lo, m),
                     "p_rise_high": xr.apply_ufunc(np.maximum, hi, m)})
    ds = ds.transpose("scenario", "space", "horizon", "delta")
    df = ds.to_dataframe().reset_index()
    return df[["scenario", "space", "horizon", "delta", "p_rise", "p_rise_low", "p_rise_high"]]


def wbl_table(fc: xr.Dataset, level: float = 0.89) -> pd.DataFrame:
    """Women's legal rights (WBL index, 0-100) per scenario, horizon and delta.

    Columns ``scenario, horizon, delta, wbl_origin, wbl_mean, wbl_low, wbl_high, p_rise,
    p_rise_low, p_rise_high``: the simulated index at ``origin + horizon`` and P(it rises by at
    least ``100 * delta`` points by then). Requires a model declaring ``wbl`` (with ``wbl = true``).
    """
    lv = check_level(level)
    if "p_wbl_rise" not in fc or "wbl" not in fc:
        raise UserInputError(f"forecast has no WBL outcome (fit the {_who('wbl')} model with wbl = true).")
    origin = int(fc.attrs.get("origin", int(fc["year"].values[0]) - 1))
    years = [origin + int(h) for h in fc["horizon"].values]
    level_at = fc["wbl"].sel(year=years).rename(year="horizon").assign_coords(horizon=fc["horizon"].values)
    m, lo, hi = _summ(level_at, lv)
    lvl = xr.Dataset({"wbl_mean": m, "wbl_low": lo, "wbl_high": hi}).to_dataframe().reset_index()
    pm_, plo, phi = _summ(fc["p_wbl_rise"], lv)
    plo, phi = xr.apply_ufunc(np.minimum, plo, pm_), xr.apply_ufunc(np.maximum, phi, pm_)
    rise = xr.Dataset({"p_rise": pm_, "p_rise_low": plo, "p_rise_high": phi}).transpose(
        "scenario", "horizon", "delta").to_dataframe().reset_index()
    df = rise.merge(lvl[["scenario", "horizon", "wbl_mean", "wbl_low", "wbl_high"]], on=["scenario", "horizon"])
    df.insert(3, "wbl_origin", float(fc["wbl_origin"]))
    cols = ["scenario", "horizon", "delta", "wbl_origin", "wbl_mean", "wbl_low", "wbl_high",
            "p_rise", "p_rise_low", "p_rise_high"]
    return df[cols].reset_index(drop=True)


#: ``TableSpec.kind`` -> builder ``(forecasts, level) -> DataFrame``: the kinds of table a model
#: may declare (kinds of quantity, not models)
TABLE_BUILDERS = {
    "index": index_table,
    "rise": rise_table,
    "wbl": wbl_table,
}


def declared_tables(models: Sequence[str], fc: xr.Dataset, level: float) -> dict[str, pd.DataFrame]:
    """File name -> table for every table the fitted ``models`` declare and ``fc`` can fill.

    Parameters
    ----------
    models
        Registry names of the fitted models (any order; read in registry order).
    fc
        The run's forecast dataset.
    level
        Interval level of the tables.
    """
    out: dict[str, pd.DataFrame] = {}
    for name in in_registry_order(models):
        spec: TableSpec
        for spec in model_outputs(name).tables:
            if spec.file in out or not spec.available(fc):
                continue
            builder = TABLE_BUILDERS.get(spec.kind)
            if builder is None:
                raise ValueError(f"model {name!r} declares table {spec.file!r} of unknown kind {spec.kind!r}; "
                                 f"known: {', '.join(TABLE_BUILDERS)}")
            out[spec.file] = builder(fc, level=level)
    return out

"""Backtest features: one row per country-year, built only from values observed by that year.

Every feature of row ``(country, r)`` is a function of panel values at years ``<= r`` (levels at
``r``, changes from ``r - k`` to ``r``, counts over past windows). So when the panel is cut, or
perturbed, after an origin ``t``, the features of every row ``r <= t`` are unchanged; the strict
protocol relies on it and ``tests/test_eval_protocol.py`` checks it. Nothing here is standardised
or imputed: scaling and missing-value handling belong to each model and use its training rows
only.

The same feature table feeds the gradient-boosting baseline and the Bayesian backtest model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.data._spaces import SPACES

__all__ = ["SPACE_INDEX", "OPTIONAL_COVARIATES", "space_index_frame", "make_features"]

#: space -> V-Dem index name (the data stage's ``SPACES``, as a plain dict).
SPACE_INDEX: dict[str, str] = dict(SPACES)

#: feature name -> (candidate panel variables, first found is used; transform).
OPTIONAL_COVARIATES: dict[str, tuple[tuple[str, ...], str]] = {
    "log_gdppc": (("NY.GDP.PCAP.KD", "gdp_pc", "gdppc"), "log"),
    "gdppc_growth": (("NY.GDP.PCAP.KD.ZG", "gdp_pc_growth"), "identity"),
    "log_pop": (("pop", "population"), "log"),
    "infmort": (("infmort_yearadj", "infmort"), "identity"),
    "coups_5y": (("pt_attempt_num5yrs", "pt_coup_num5yrs"), "identity"),
    "log_state_age": (("state_age",), "log"),
    "regime": (("v2x_regime",), "identity"),
    "log1p_oda": (("DT.ODA.ODAT.GN.ZS", "oda_gni"), "log1p_pos"),
    "sanctions": (("n_active_cases", "sanctions"), "identity"),
}


def space_index_frame(panel: xr.Dataset, space: str) -> pd.DataFrame:
    """The index of ``space`` as a wide frame, countries by years (NaN where missing)."""
    var = SPACE_INDEX[space]
    da = panel[var].transpose("country", "year")
    return pd.DataFrame(
        da.values.astype(float),
        index=pd.Index(da["country"].values, name="country"),
        columns=pd.Index(da["year"].values.astype(int), name="year"),
    )


def _transform(values: np.ndarray, how: str) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if how == "log":
            return np.where(values > 0, np.log(values), np.nan)
        if how == "log1p_pos":
            return np.log1p(np.clip(values, 0, None))
    return values


def _long(wide: np.ndarray) -> np.ndarray:
    """(country, year) -> the long order of ``MultiIndex.from_product([countries, years])``."""
    return wide.reshape(-1)


def make_features(panel: xr.Dataset, spaces: Sequence[str] | None = None) -> pd.DataFrame:
    """Feature table of every country-year of ``panel``.

    Parameters
    ----------
    panel
        ``analogcast.data.load_panel()`` (dims ``country``, ``year``).
    spaces
        Spaces whose index levels and changes enter as features (default: every space whose index
        is in the panel).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(country, year)``; columns ``region`` (int), then for each space
        ``lvl_<space>`` (level at r), ``d1_<space>`` (r - 1 to r), ``d3_<space>`` (r - 3 to r),
        then the optional covariates found in the panel (see :data:`OPTIONAL_COVARIATES`).
        ``attrs["covariates"]`` records the panel variable behind each optional feature.
    """
    if spaces is None:
        spaces = [s for s, v in SPACE_INDEX.items() if v in panel]
    countries = panel["country"].values
    years = panel["year"].values.astype(int)
    cols: dict[str, np.ndarray] = {}
    for s in spaces:
        x = space_index_frame(panel, s).to_numpy()
        d1 = np.full_like(x, np.nan)
        d1[:, 1:] = x[:, 1:] - x[:, :-1]
        d3 = np.full_like(x, np.nan)
        d3[:, 3:] = x[:, 3:] - x[:, :-3]
        cols[f"lvl_{s}"] = _long(x)
        cols[f"d1_{s}"] = _long(d1)
        cols[f"d3_{s}"] = _long(d3)
    used: dict[str, str] = {}
    for name, (candidates, how) in OPTIONAL_COVARIATES.items():
        var = next((c for c in candidates if c in panel.data_vars), None)
        if var is None:
            continue
        vals = panel[var].transpose("country", "year").values.astype(float)
        cols[name] = _long(_transform(vals, how))
        used[name] = var
    index = pd.MultiIndex.from_product([countries, years], names=["country", "year"])
    out = pd.DataFrame(cols, index=index)
    if "region" in panel.coords:
        region = np.asarray(panel["region"].values, dtype=float)
        out.insert(0, "region", np.repeat(region, years.size))
    else:
        out.insert(0, "region", np.nan)
    out.attrs["covariates"] = used
    return out

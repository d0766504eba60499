"""Suggested analog weights from similarity on pre-period covariates.

Each country is summarised by its mean over ``years`` of: regime type (``v2x_regime``, 0-3),
women's civil liberties (``v2x_gencl``), log GDP per capita (``NY.GDP.PCAP.KD``), total natural
resource rents % of GDP (``NY.GDP.TOTL.RT.ZS``, else oil rents ``NY.GDP.PETR.RT.ZS``) and region.
Continuous covariates are standardised by their standard deviation across all countries in the
panel; the squared distance between the target and candidate ``j`` is

``d_j^2 = sum_k ((x_target,k - x_j,k) / sd_k)^2 + 1[region differs]``

(a different region counts as one standard deviation). Covariates the target lacks are left out;
when a candidate lacks some, its distance is scaled up by ``K / K_available`` (the mean squared
standardised difference times the number of covariates). Weights are
``exp(-d_j^2 / (2 bandwidth^2))`` normalised to sum to 1 (a Gaussian kernel).
:func:`~analogcast.priors.build_prior` rescales whatever weights it gets so the largest is 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.errors import UserInputError
from analogcast.priors.evidence import Window, parse_window

__all__ = [
    "SIMILARITY_COVARIATES",
    "suggest_weights",
    "country_means",
    "rank_similar",
    "analog_tension",
]

#: column in the similarity table -> panel variables tried in order, and whether it is logged
SIMILARITY_COVARIATES = MappingProxyType(
    {
        "regime": (("v2x_regime",), False),
        "women_civil_liberties": (("v2x_gencl",), False),
        "log_gdp_per_capita": (("NY.GDP.PCAP.KD", "gdp_pc", "e_gdppc"), True),
        "resource_rents": (("NY.GDP.TOTL.RT.ZS", "NY.GDP.PETR.RT.ZS"), False),
    }
)


def _country_means(panel: xr.Dataset, window: Window) -> pd.DataFrame:
    years = panel["year"].values
    sel = panel.isel(year=np.flatnonzero(window.select(years)))
    if sel.sizes.get("year", 0) == 0:
        raise UserInputError(
            f"years = {window} selects no year of the covariate panel "
            f"({int(years.min())}-{int(years.max())})"
        )
    cols: dict[str, pd.Series] = {}
    for name, (sources, logged) in SIMILARITY_COVARIATES.items():
        src = next((s for s in sources if s in sel.data_vars), None)
        if src is None:
            continue
        da = sel[src].astype(float)
        if logged:
            da = np.log(da.where(da > 0))
        cols[name] = da.mean("year", skipna=True).to_series()
    df = pd.DataFrame(cols)
    if "region" in panel.coords:
        df["region"] = panel["region"].to_series().reindex(df.index)
    df.index = df.index.astype(str)
    return df


def suggest_weights(
    target: str,
    candidates: Sequence[str],
    bandwidth: float = 1.0,
    years: str | tuple[int | None, int | None] | Window | None = None,
    panel: xr.Dataset | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Similarity weights of candidate analogs for ``target``, and the table behind them.

    Parameters
    ----------
    target
        Target country (resolved through :func:`analogcast.data.resolve_country` unless ``panel`` given).
    candidates
        Candidate analogs: countries other than the target, or country-spells (``AFG:1996-2000``,
        the target's own included), whose covariates are averaged over the spell's years.
    bandwidth
        Kernel bandwidth in standardised units (> 0): smaller concentrates weight on the closest.
    years
        Pre-period whose covariate means are compared (e.g. ``"2000-2020"``); default all panel years.
    panel
        Covariate panel to use instead of :func:`analogcast.data.load_panel` (tests).

    Returns
    -------
    weights : dict
        Candidate -> weight, summing to 1.
    table : pandas.DataFrame
        One row per country (target first): covariate means, standardised differences ``d_<cov>``,
        ``region_differs``, ``distance``, ``n_covariates`` used, ``weight``. ``table.attrs`` holds the
        standardising sds and the bandwidth.
    """
    if not (isinstance(bandwidth, int | float) and math.isfinite(bandwidth) and bandwidth > 0):
        raise UserInputError(f"bandwidth = {bandwidth} must be a positive number")
    from analogcast.priors.spells import parse_analog

    specs = [parse_analog(c, "candidates") for c in candidates]
    if panel is None:
        from analogcast.data import load_panel, resolve_country

        panel = load_panel()
        tgt = resolve_country(target)
        specs = [a.with_country(resolve_country(a.country)) for a in specs]
    else:
        tgt = str(target).upper()
        specs = [a.with_country(a.country.upper()) for a in specs]
    cands = [a.label for a in specs]
    if not cands:
        raise UserInputError("candidates is empty; name at least one candidate analog")
    if tgt in cands:
        raise UserInputError(f"candidates = {','.join(cands)} include the target {tgt}")
    means = _country_means(panel, parse_window(years))
    for a in specs:
        if a.is_spell:  # the spell's own covariate means, under its label
            row = _country_means(panel, Window(a.first, a.last)).reindex([a.country])
            row.index = [a.label]
            means = pd.concat([means, row])
    for c in (tgt, *cands):
        if c not in means.index:
            raise UserInputError(f"country = {c!r} is not in the covariate panel")
    cont = [
        c for c in SIMILARITY_COVARIATES if c in means.columns and np.isfinite(means.at[tgt, c])
    ]
    sds = {c: float(means[c].std(skipna=True)) for c in cont}
    cont = [c for c in cont if sds[c] > 0]
    use_region = "region" in means.columns and pd.notna(means.at[tgt, "region"])
    k_total = len(cont) + int(use_region)
    if k_total == 0:
        raise UserInputError(f"target {tgt} has no covariate for the similarity comparison")
    rows = []
    for c in (tgt, *cands):
        row = {k: means.at[c, k] for k in [*cont, *(["region"] if use_region else [])]}
        if c != tgt:
            d2, k_av = 0.0, 0
            for k in cont:
                diff = (means.at[c, k] - means.at[tgt, k]) / sds[k]
                row[f"d_{k}"] = diff
                if np.isfinite(diff):
                    d2 += diff * diff
                    k_av += 1
            if use_region and pd.notna(means.at[c, "region"]):
                row["region_differs"] = bool(means.at[c, "region"] != means.at[tgt, "region"])
                d2 += float(row["region_differs"])
                k_av += 1
            if k_av == 0:
                raise UserInputError(
                    f"candidate {c!r} has none of the similarity covariates in years = {parse_window(years)}"
                )
            row["distance"] = math.sqrt(d2 * k_total / k_av)
            row["n_covariates"] = k_av
        rows.append(pd.Series(row, name=c))
    table = pd.DataFrame(rows)
    d = table.loc[cands, "distance"].astype(float).to_numpy()
    logk = -(d**2) / (2 * bandwidth**2)
    w = np.exp(logk - logk.max())
    w = w / w.sum()
    table["weight"] = np.nan
    table.loc[cands, "weight"] = w
    table.index.name = "country"
    table.attrs = {
        "target": tgt,
        "bandwidth": float(bandwidth),
        "sds": sds,
        "years": str(parse_window(years)),
    }
    return {c: float(v) for c, v in zip(cands, w, strict=True)}, table


def country_means(
    panel: xr.Dataset, years: str | tuple[int | None, int | None] | Window | None = None
) -> pd.DataFrame:
    """Per-country means of the similarity covariates over ``years`` (and ``region``): the table
    :func:`rank_similar` takes, so a caller comparing many targets in one window computes it once."""
    return _country_means(panel, parse_window(years))


def rank_similar(
    means: pd.DataFrame, target: str, candidates: Sequence[str], bandwidth: float = 1.0
) -> dict[str, float]:
    """Similarity weights of ``candidates`` for ``target`` from a :func:`country_means` table.

    The same distance and kernel as :func:`suggest_weights` (vectorised, without the table):
    standardised covariate differences, a different region counts as one sd, a candidate missing
    some covariates has its squared distance scaled by ``K / K_available``; candidates with none
    of them are dropped. Returns candidate -> weight (summing to 1), or ``{}``.
    """
    if target not in means.index:
        return {}
    cont = [c for c in SIMILARITY_COVARIATES if c in means.columns and np.isfinite(means.at[target, c])]
    sds = means[cont].std(skipna=True)
    cont = [c for c in cont if sds[c] > 0]
    use_region = "region" in means.columns and pd.notna(means.at[target, "region"])
    k_total = len(cont) + int(use_region)
    cands = [c for c in candidates if c in means.index and c != target]
    if k_total == 0 or not cands:
        return {}
    sub = means.loc[cands]
    diff = (sub[cont] - means.loc[target, cont]) / sds[cont]
    d2 = (diff**2).sum(axis=1, skipna=True).to_numpy()
    k_av = diff.notna().sum(axis=1).to_numpy().astype(float)
    if use_region:
        reg = sub["region"]
        ok = reg.notna().to_numpy()
        d2 = d2 + np.where(ok, (reg.to_numpy() != means.at[target, "region"]).astype(float), 0.0)
        k_av = k_av + ok
    keep = k_av > 0
    if not keep.any():
        return {}
    d2 = d2[keep] * k_total / k_av[keep]
    logk = -d2 / (2 * bandwidth**2)
    w = np.exp(logk - logk.max())
    w = w / w.sum()
    return {str(c): float(v) for c, v in zip(np.asarray(cands)[keep], w, strict=True)}


def analog_tension(
    target: str,
    analogs: Sequence[str],
    years: str | tuple[int | None, int | None] | Window | None = None,
    n_top: int = 5,
    panel: xr.Dataset | None = None,
) -> tuple[pd.DataFrame, str]:
    """How the chosen analogs rank by similarity among all countries: a table and one sentence.

    Every country in the panel with at least one covariate in ``years`` (and each named spell) is
    a candidate; weights are those of
    :func:`suggest_weights` (bandwidth 1) over ``years``. The table has the named analogs and the
    ``n_top`` most similar countries, with ``weight``, ``rank`` (1 = most similar) and ``chosen``.
    The sentence states the tension a report should show: analogs chosen because they liberalized
    (selection on the outcome) can rank low on similarity.
    """
    from analogcast.data import load_panel, resolve_country
    from analogcast.priors.spells import parse_analog

    panel = load_panel() if panel is None else panel
    tgt = resolve_country(target)
    chosen = [parse_analog(a) for a in analogs]
    chosen = [a.with_country(resolve_country(a.country)) for a in chosen]
    labels = [a.label for a in chosen]
    # countries with no covariate in the window (e.g. South Vietnam after 1975) would be compared
    # on region alone: they are left out of the pool
    means = _country_means(panel, parse_window(years))
    cov = [c for c in SIMILARITY_COVARIATES if c in means.columns]
    has = means[cov].notna().any(axis=1)
    others = [str(c) for c in panel["country"].values if str(c) != tgt and bool(has.get(str(c), False))]
    pool = list(dict.fromkeys([*others, *[lab for lab in labels if lab not in others]]))
    w, _ = suggest_weights(tgt, pool, years=years, panel=panel)
    order = sorted(w, key=lambda k: -w[k])
    rank = {k: i + 1 for i, k in enumerate(order)}
    keep = list(dict.fromkeys([*labels, *order[:n_top]]))
    table = pd.DataFrame(
        {
            "weight": [w[k] for k in keep],
            "rank": [rank[k] for k in keep],
            "chosen": [k in labels for k in keep],
        },
        index=pd.Index(keep, name="analog"),
    ).sort_values("rank")
    ranks = ", ".join(f"{lab} ranks {rank[lab]} of {len(pool)} (weight {w[lab]:.2g})" for lab in labels)
    top = ", ".join(order[:n_top])
    text = (
        f"The analogs were chosen from the founding argument, because they are cases where such a "
        f"regime liberalized some spaces: that is selection on the outcome, and it can bias the "
        f"prior towards openings. On similarity of pre-period covariates (regime type, women's "
        f"civil liberties, GDP per capita, resource rents, region), {ranks}; the most similar "
        f"countries are {top}."
    )
    return table, text

"""Design matrices shared by the forecast models.

Covariates enter at ``t - 1`` for an outcome in year ``t`` and are standardised on the training
rows only (no look-ahead). Missing values are never silently zero: each covariate group with any
missing training value gets an explicit 0/1 missingness indicator, and the missing cell takes the
training mean (so the indicator carries the difference). One documented structural zero: internet
use before 1990 (``IT.NET.USER.ZS`` is not recorded before public internet access existed).

Aid identification (Dunning 2004): ``aid = log1p(max(ODA % of GNI, 0))`` and
``sanctions = log1p(active sanction cases)`` (all covariates, indicators included, are centred on
the training mean, which only moves intercepts and improves sampling); ``cw = 1`` for years up to 1990 (alternative
patrons existed), and the interactions ``aid_cw = aid * cw`` and ``sanctions_cw = sanctions * cw``
carry the Cold-War difference. The main effect of ``cw`` is a function of the year and is absorbed
by the models' year effects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from analogcast.errors import UserInputError, did_you_mean

__all__ = [
    "CovariateSpec",
    "COMMON_COVARIATES",
    "MISSING_GROUPS",
    "SCENARIO_COVARIATES",
    "COLD_WAR_END",
    "ModelData",
    "CommonDesign",
    "common_design",
    "dynamic_grid",
    "transform_raw",
    "validate_target_origin",
]

#: Last year of the Cold-War aid regime (``cw = 1`` for years <= this).
COLD_WAR_END = 1990


@dataclass(frozen=True)
class CovariateSpec:
    """One common (country-year) covariate.

    Parameters
    ----------
    name
        Design name (column of the design matrix).
    source
        Panel variable it is computed from (``None`` for interactions).
    transform
        ``identity``, ``log``, ``log1p0`` (log1p of the value clipped at 0) or ``growth``
        (clipped to [-25, 25] percent).
    centre
        Centre on the training mean (``False`` for aid and sanctions: zero keeps its meaning).
    alias
        Name accepted in scenario paths.
    description
        Plain-language description for reports.
    """

    name: str
    source: str | None
    transform: str
    centre: bool
    alias: str | None
    description: str


COMMON_COVARIATES: tuple[CovariateSpec, ...] = (
    CovariateSpec("regime", "v2x_regime", "identity", True, "regime",
                  "Regimes of the World (0 closed autocracy .. 3 liberal democracy)"),
    CovariateSpec("log_gdppc", "NY.GDP.PCAP.KD", "log", True, "gdp_pc",
                  "log GDP per capita (constant US$)"),
    CovariateSpec("gdp_growth", "NY.GDP.PCAP.KD.ZG", "growth", True, "gdp_growth",
                  "GDP per capita growth (%), clipped to +-25"),
    CovariateSpec("infmort", "infmort_yearadj", "identity", True, "infant_mortality",
                  "infant mortality, year-adjusted"),
    CovariateSpec("coups", "pt_coup_num5yrs", "log1p0", True, "coups",
                  "log1p coups in the last 5 years"),
    CovariateSpec("log_state_age", "state_age", "log1p0", True, "state_age", "log1p state age"),
    CovariateSpec("log_pop", "pop", "log", True, "population", "log population"),
    CovariateSpec("oil", "NY.GDP.PETR.RT.ZS", "log1p0", True, "oil_rents",
                  "log1p oil rents (% of GDP)"),
    CovariateSpec("internet", "IT.NET.USER.ZS", "identity", True, "internet",
                  "internet users (% of population); structural 0 before 1990"),
    CovariateSpec("wbl", "wbl_index", "identity", True, "wbl",
                  "Women, Business and the Law index (0-100)"),
    CovariateSpec("aid", "DT.ODA.ODAT.GN.ZS", "log1p0", False, "oda_gni",
                  "log1p net ODA received (% of GNI), scaled not centred"),
    CovariateSpec("aid_cw", None, "identity", False, None,
                  "aid x Cold-War era (alternative patrons available)"),
    CovariateSpec("sanctions", "n_active_cases", "log1p0", False, "sanctions",
                  "log1p active sanction cases (GSDB), scaled not centred"),
    CovariateSpec("sanctions_cw", None, "identity", False, None, "sanctions x Cold-War era"),
)

#: Missingness indicator -> covariates it covers.
MISSING_GROUPS: dict[str, tuple[str, ...]] = {
    "miss_regime": ("regime",),
    "miss_gdp": ("log_gdppc", "gdp_growth"),
    "miss_infmort": ("infmort",),
    "miss_pop": ("log_pop", "log_state_age", "coups"),
    "miss_oil": ("oil",),
    "miss_internet": ("internet",),
    "miss_wbl": ("wbl",),
    "miss_aid": ("aid", "aid_cw"),
}

#: Scenario alias -> panel variable (``alt_patrons`` is the era flag ``cw``).
SCENARIO_COVARIATES: dict[str, str] = {
    "alt_patrons": "cw",
    **{s.alias: s.source for s in COMMON_COVARIATES if s.alias and s.source},
}

_SPEC_BY_NAME = {s.name: s for s in COMMON_COVARIATES}


def transform_raw(spec: CovariateSpec, raw: np.ndarray, year: np.ndarray | None = None) -> np.ndarray:
    """Apply a covariate's transform to raw panel values (NaN stays NaN).

    Parameters
    ----------
    spec
        The covariate.
    raw
        Raw values in source units.
    year
        Years of ``raw`` (broadcastable); used for the internet structural zero.
    """
    x = np.asarray(raw, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if spec.transform == "log":
            out = np.log(np.where(x > 0, x, np.nan))
        elif spec.transform == "log1p0":
            out = np.log1p(np.clip(x, 0.0, None))
        elif spec.transform == "growth":
            out = np.clip(x, -25.0, 25.0)
        else:
            out = x.copy()
    if spec.name == "internet" and year is not None:
        out = np.where(np.isnan(out) & (np.asarray(year) < 1990), 0.0, out)
    return out


@dataclass
class ModelData:
    """Everything a model needs, prepared once: arrays for ``build`` plus what forecasting needs.

    Attributes
    ----------
    model
        Registry name of the model that prepared it.
    target, origin, start
        Target country (V-Dem text id), forecast origin year, first outcome year.
    spaces
        Spaces modelled, in ``SPACES`` order.
    covariates
        Common design columns, in order (including missingness indicators).
    dynamic
        Space-specific design columns (event model), in order.
    scaling
        Per common covariate: ``centre``, ``scale``, ``fill`` (standardised value used for a
        missing cell), and per space the dynamic scaling.
    arrays
        Numpy arrays for ``build`` (documented per model).
    target_history
        The target's raw panel variables and indices, years ``<= origin``.
    observed
        Observed outcomes (``observed_data`` group).
    meta
        JSON-serialisable facts (row counts, base rates, options).
    """

    model: str
    target: str
    origin: int
    start: int
    spaces: tuple[str, ...]
    covariates: tuple[str, ...]
    dynamic: tuple[str, ...] = ()
    scaling: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    target_history: xr.Dataset | None = None
    observed: xr.Dataset | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def last_observed(self, variable: str) -> float:
        """Target's last non-missing raw value of a panel variable (or ``cw``) up to the origin.

        Returns NaN when the target never observed it.
        """
        if variable == "cw":
            return float(self.origin <= COLD_WAR_END)
        if self.target_history is None or variable not in self.target_history:
            return float("nan")
        v = np.asarray(self.target_history[variable].values, dtype=np.float64)
        ok = np.flatnonzero(~np.isnan(v))
        return float(v[ok[-1]]) if ok.size else float("nan")

    def future_common(self, raw_paths: Mapping[str, np.ndarray], n_steps: int) -> np.ndarray:
        """Standardised, target-centred common design rows for future years.

        Parameters
        ----------
        raw_paths
            Panel variable (or ``cw``) -> raw values with shape ``(n_scenario, n_steps)``; row k is
            the covariate in year ``origin + k`` (driving the hazard of ``origin + k + 1``).
            Variables not given are held at the target's last observed value.
        n_steps
            Number of future years.

        Returns
        -------
        numpy.ndarray
            ``(n_scenario, n_steps, n_covariates)``.
        """
        n_scen = next(iter(raw_paths.values())).shape[0] if raw_paths else 1
        shape = (n_scen, n_steps)

        def path(var: str) -> np.ndarray:
            if var in raw_paths:
                return np.broadcast_to(np.asarray(raw_paths[var], dtype=np.float64), shape)
            return np.full(shape, self.last_observed(var))

        years = self.origin + np.arange(n_steps)[None, :]
        cw = path("cw")
        cols: dict[str, np.ndarray] = {}
        missing: dict[str, np.ndarray] = {}
        for spec in COMMON_COVARIATES:
            if spec.source is None:
                continue
            t = transform_raw(spec, path(spec.source), years)
            missing[spec.name] = np.isnan(t)
            cols[spec.name] = t
        cols["aid_cw"] = cols["aid"] * cw
        cols["sanctions_cw"] = cols["sanctions"] * cw
        missing["aid_cw"] = missing["aid"]
        missing["sanctions_cw"] = missing["sanctions"]
        out = np.zeros((*shape, len(self.covariates)))
        for j, name in enumerate(self.covariates):
            sc = self.scaling["common"][name]
            if name in MISSING_GROUPS:
                val = np.zeros(shape)
                for member in MISSING_GROUPS[name]:
                    if member in missing:
                        val = np.maximum(val, missing[member])
                val = val - sc["centre"]
            else:
                val = (cols[name] - sc["centre"]) / sc["scale"]
                val = np.where(np.isnan(val), sc["fill"], val)
            out[..., j] = val - sc["target_mean"]
        return out


def validate_target_origin(panel: xr.Dataset, target: str, origin: int, start: int) -> None:
    """Raise ``UserInputError`` for an unknown target or an origin outside the data."""
    countries = [str(c) for c in panel["country"].values]
    if target not in countries:
        raise UserInputError(
            f"target country '{target}' is not in the panel." + did_you_mean(target, countries)
        )
    years = np.asarray(panel["year"].values)
    last = int(years.max())
    if int(origin) > last:
        raise UserInputError(
            f"origin year {origin} is after the end of the data ({last}); choose an origin <= {last}."
        )
    if int(origin) < int(start) + 5:
        raise UserInputError(
            f"origin year {origin} leaves fewer than 5 training years after start {start}."
        )


@dataclass
class CommonDesign:
    """Common covariates on the full (country, year) grid, lagged and standardised.

    ``X[c, t, k]`` is covariate k measured in year ``t - 1``, standardised with training-row
    statistics; ``available[c, t]`` says whether the country-year exists in the panel.
    """

    names: tuple[str, ...]
    X: np.ndarray
    scaling: dict[str, dict[str, float]]
    cw: np.ndarray


def _lag(a: np.ndarray) -> np.ndarray:
    out = np.full_like(a, np.nan, dtype=np.float64)
    out[:, 1:] = a[:, :-1]
    return out


def common_design(
    panel: xr.Dataset, train_mask: np.ndarray, target_idx: int, target_rows: np.ndarray
) -> CommonDesign:
    """Lagged, standardised common covariates with missingness indicators.

    Parameters
    ----------
    panel
        ``load_panel()`` output, dims (country, year).
    train_mask
        Boolean (country, year): country-years used for training (sets the scaling).
    target_idx
        Index of the target country.
    target_rows
        Boolean (year,): the target's training years (for target centring).
    """
    years = np.asarray(panel["year"].values, dtype=np.int64)
    lag_years = np.broadcast_to(years[None, :] - 1, train_mask.shape)
    cols: dict[str, np.ndarray] = {}
    for spec in COMMON_COVARIATES:
        if spec.source is None:
            continue
        if spec.source in panel:
            raw = np.asarray(panel[spec.source].transpose("country", "year").values, dtype=np.float64)
        else:
            raw = np.full(train_mask.shape, np.nan)
        cols[spec.name] = transform_raw(spec, _lag(raw), lag_years)
    cw = (lag_years <= COLD_WAR_END).astype(np.float64)
    cols["aid_cw"] = cols["aid"] * cw
    cols["sanctions_cw"] = cols["sanctions"] * cw

    names: list[str] = []
    mats: list[np.ndarray] = []
    scaling: dict[str, dict[str, float]] = {}
    for spec in COMMON_COVARIATES:
        v = cols[spec.name]
        tr = v[train_mask]
        ok = tr[~np.isnan(tr)]
        if ok.size < 10 or np.nanstd(ok) == 0:
            continue  # not estimable in this window
        centre = float(ok.mean())
        base_name = spec.name[: -len("_cw")] if spec.name.endswith("_cw") else None
        if base_name is not None and base_name in scaling:
            scale = scaling[base_name]["scale"]
        else:
            scale = float(ok.std())
        fill = 0.0
        z = (v - centre) / scale
        z = np.where(np.isnan(z), fill, z)
        scaling[spec.name] = {"centre": centre, "scale": scale, "fill": fill}
        names.append(spec.name)
        mats.append(z)
    for ind, members in MISSING_GROUPS.items():
        present = [m for m in members if m in scaling]
        if not present:
            continue
        miss = np.zeros(train_mask.shape, dtype=bool)
        for m in present:
            miss |= np.isnan(cols[m])
        if not miss[train_mask].any() or miss[train_mask].all():
            continue
        mrate = float(miss[train_mask].mean())
        scaling[ind] = {"centre": mrate, "scale": 1.0, "fill": 0.0}
        names.append(ind)
        mats.append(miss.astype(np.float64) - mrate)
    X = np.stack(mats, axis=-1)
    tmean = X[target_idx, target_rows].mean(axis=0) if target_rows.any() else np.zeros(len(names))
    for j, n in enumerate(names):
        scaling[n]["target_mean"] = float(tmean[j])
    X[target_idx] = X[target_idx] - tmean
    return CommonDesign(names=tuple(names), X=X, scaling=scaling, cw=cw)


def dynamic_grid(x: np.ndarray, cutpoint: float, cap: float = 30.0) -> np.ndarray:
    """Space-specific dynamic covariates at t-1 on the (country, year) grid.

    Returns ``(country, year, 3)``: index level ``x[t-1]``, two-year change ``x[t-1] - x[t-3]``,
    and ``log1p`` years since the index last moved by more than ``cutpoint`` in one year (either
    direction), counted on the series up to ``t-1`` only (so no look-ahead of the event coder
    leaks in); capped at ``cap`` years and counted from the series start if it never moved.
    """
    x = np.asarray(x, dtype=np.float64)
    n_c, n_t = x.shape
    d1 = np.full_like(x, np.nan)
    d1[:, 1:] = np.diff(x, axis=1)
    since = np.full_like(x, np.nan)  # years since big move, measured at year t (on data <= t)
    run = np.zeros(n_c)
    started = np.zeros(n_c, dtype=bool)
    for t in range(n_t):
        obs = ~np.isnan(x[:, t])
        big = np.abs(np.nan_to_num(d1[:, t])) > cutpoint
        run = np.where(obs & started & ~big, run + 1, np.where(obs, 0.0, run))
        run = np.where(obs & ~started, 0.0, run)
        started |= obs
        since[:, t] = np.where(obs, np.minimum(run, cap), np.nan)
    level = _lag(x)
    x3 = np.full_like(x, np.nan)
    x3[:, 3:] = x[:, :-3]
    change = level - x3
    return np.stack([level, change, np.log1p(_lag(since))], axis=-1)


DYNAMIC_NAMES: tuple[str, ...] = ("level", "change2", "log_years_since_move")


def resolve_spaces(spaces: Sequence[str] | None, all_spaces: Sequence[str]) -> tuple[str, ...]:
    """Validate a list of spaces against ``SPACES``; ``None`` means all, in canonical order."""
    if spaces is None:
        return tuple(all_spaces)
    out = []
    for s in spaces:
        if s not in all_spaces:
            raise UserInputError(f"unknown space '{s}'." + did_you_mean(s, all_spaces))
        out.append(s)
    return tuple(s for s in all_spaces if s in out)

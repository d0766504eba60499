"""Design matrices shared by the forecast models.

Covariates enter at ``t - 1`` for an outcome in year ``t`` (sanctions at ``t - 2``, see below) and are
standardised on the training rows only (no look-ahead). Missing values are never silently zero:
each covariate group with any missing training value gets an explicit 0/1 missingness indicator,
and the missing cell takes the training mean (so the indicator carries the difference). Documented
structural zeros, which are values and not missing: internet use before 1990 (``IT.NET.USER.ZS`` is
not recorded before public internet access existed) and ODA received by a country that is not an ODA
recipient (panel ``oda_recipient == 0``: a World Bank economy that never appears as a recipient, such
as Germany or the US, or a country after it left the DAC list, such as Saudi Arabia from 2008). A
recipient's missing ODA (e.g. Afghanistan 1982-2008, every country 2020-2023) stays missing.

Aid identification (Dunning 2004) and measured patrons: ``aid = log1p(max(ODA % of GNI, 0))`` and
``sanctions = log1p(active sanction cases)``, both scaled by their training SD but NOT centred, so 0
keeps its meaning; ``cw = 1`` for covariate years up to 1990 (the Cold War: alternative patrons
existed for everyone). The interactions ``aid_cw = aid * cw`` and ``sanctions_cw = sanctions * cw``
carry the Cold-War difference and are exactly 0 where the era is off (never mean-filled or centred;
a missing aid value enters the interaction at the same fill as ``aid`` itself). The main effect of
``cw`` is a function of the year and is absorbed by the models' year effects.

Alternative patrons are also measured country by country: ``patron_align = mean(agree_cn, agree_ru)
- agree_us`` (UN General Assembly voting agreement, Voeten 2013; before 1971, when the ROC held
China's seat, the USSR alone; a state's agreement with itself is 1), centred and scaled, with its own
missingness indicator (the UNGA data end in 2019); ``cn_fin = log1p(Chinese official finance
commitments, % of GDP)`` (AidData GCDF 3.0, 2000-2021). ``aid_patron = aid * patron_align``
(centred alignment, 0 where alignment is missing, with ``miss_patron`` carrying those rows) lets
aid's association depend on measured alignment beside the era (Bermeo 2011; Dietrich and Wright 2015).

Sanctions enter lagged one year more than the other covariates (sanctions measured at ``t - 2`` for
an outcome in ``t``): sanctions follow repression -- senders impose them after a crackdown -- so a
sanction count of the same or the previous year partly records the closing it would be credited with
"predicting" (reverse causality). The extra year does not remove that bias, it only moves it away
from the event year; the sanctions terms remain associations.
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
    "INTERACTIONS",
    "derived_variable",
    "ModelData",
    "CommonDesign",
    "common_design",
    "dynamic_grid",
    "index_room",
    "ROOM_NAMES",
    "cross_space_grid",
    "CROSS_SPACE_NAMES",
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
    lag
        Years between the covariate and the outcome (1; sanctions 2, see the module docstring).
    """

    name: str
    source: str | None
    transform: str
    centre: bool
    alias: str | None
    description: str
    lag: int = 1


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
    CovariateSpec("patron_align", "patron_align", "identity", True, "patron_align",
                  "UNGA alignment with China/Russia relative to the US: mean(agree_cn, agree_ru) - agree_us"),
    CovariateSpec("cn_fin", "cn_fin_gdp", "log1p0", True, "cn_finance",
                  "log1p Chinese official finance commitments (% of GDP; AidData GCDF 3.0, 2000-2021)"),
    CovariateSpec("aid", "DT.ODA.ODAT.GN.ZS", "log1p0", False, "oda_gni",
                  "log1p net ODA received (% of GNI), scaled not centred; structural 0 for non-recipients"),
    CovariateSpec("aid_cw", None, "identity", False, None,
                  "aid x Cold-War era (alternative patrons available to all); exactly 0 after 1990"),
    CovariateSpec("aid_patron", None, "identity", False, None,
                  "aid x measured patron alignment (centred); 0 where alignment is missing"),
    CovariateSpec("sanctions", "n_active_cases", "log1p0", False, "sanctions",
                  "log1p active sanction cases (GSDB), scaled not centred, lagged 2 years", lag=2),
    CovariateSpec("sanctions_cw", None, "identity", False, None,
                  "sanctions x Cold-War era; exactly 0 after 1990", lag=2),
)

#: Interaction column -> (main covariate, modifier): ``cw`` (the era flag) or a covariate name.
INTERACTIONS: dict[str, tuple[str, str]] = {
    "aid_cw": ("aid", "cw"),
    "aid_patron": ("aid", "patron_align"),
    "sanctions_cw": ("sanctions", "cw"),
}

#: Missingness indicator -> covariates it covers.
MISSING_GROUPS: dict[str, tuple[str, ...]] = {
    "miss_regime": ("regime",),
    "miss_gdp": ("log_gdppc", "gdp_growth"),
    "miss_infmort": ("infmort",),
    "miss_pop": ("log_pop", "log_state_age", "coups"),
    "miss_oil": ("oil",),
    "miss_internet": ("internet",),
    "miss_wbl": ("wbl",),
    "miss_aid": ("aid",),
    "miss_patron": ("patron_align",),
    "miss_cnfin": ("cn_fin",),
}

#: Scenario alias -> panel variable. ``alt_patrons`` (0/1) is not a variable: a scenario maps it to
#: reference values of ``patron_align`` and ``cn_finance`` (``analogcast.models.covariates``).
SCENARIO_COVARIATES: dict[str, str] = {
    s.alias: s.source for s in COMMON_COVARIATES if s.alias and s.source
}

#: Variables computed from panel variables (``derived_variable``), not stored in the panel.
_DERIVED = {"patron_align": ("agree_us", "agree_cn", "agree_ru")}
#: Panel variable -> the state whose agreement with itself it would be (set to 1 in ``patron_align``).
_SELF = {"agree_us": "USA", "agree_cn": "CHN", "agree_ru": "RUS"}


def derived_variable(ds: xr.Dataset, name: str) -> xr.DataArray | None:
    """A covariate's raw source as the design reads it from ``ds`` (``None`` if ``ds`` lacks it).

    - ``patron_align = mean(agree_cn, agree_ru) - agree_us``: before 1971 ``agree_cn`` is empty (the
      ROC held China's seat) and the mean is ``agree_ru`` alone; the agreement of the US, China or
      Russia with itself (empty in the data) is 1. NaN where the country did not vote.
    - ``DT.ODA.ODAT.GN.ZS``: with the structural zero of non-recipients (``oda_recipient == 0``).
    - any other name: the panel variable itself.
    """
    if name in _DERIVED:
        if any(v not in ds for v in _DERIVED[name]):
            return None
        parts = {}
        for v in _DERIVED[name]:
            a = ds[v].astype(np.float64)
            parts[v] = a.where(ds["country"] != _SELF[v], a.fillna(1.0))
        cn, ru = parts["agree_cn"], parts["agree_ru"]
        other = xr.where(cn.isnull(), ru, xr.where(ru.isnull(), cn, (cn + ru) / 2.0))
        return (other - parts["agree_us"]).rename(name)
    if name not in ds:
        return None
    a = ds[name].astype(np.float64)
    if name == "DT.ODA.ODAT.GN.ZS" and "oda_recipient" in ds:
        a = xr.where(ds["oda_recipient"] == 0, 0.0, a)
    return a

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

    def _history(self, variable: str) -> np.ndarray | None:
        if self.target_history is None:
            return None
        a = derived_variable(self.target_history, variable)
        return None if a is None else np.asarray(a.values, dtype=np.float64)

    def last_observed(self, variable: str) -> float:
        """Target's last non-missing raw value of a panel variable (or ``cw``, ``patron_align``) up
        to the origin (ODA with its structural zero).

        Returns NaN when the target never observed it.
        """
        if variable == "cw":
            return float(self.origin <= COLD_WAR_END)
        v = self._history(variable)
        if v is None:
            return float("nan")
        ok = np.flatnonzero(~np.isnan(v))
        return float(v[ok[-1]]) if ok.size else float("nan")

    def value_at(self, variable: str, year: int) -> float:
        """Target's raw value of a variable in ``year`` (NaN if missing or not in its history)."""
        v = self._history(variable)
        if v is None or self.target_history is None:
            return float("nan")
        years = np.asarray(self.target_history["year"].values)
        hit = np.flatnonzero(years == int(year))
        return float(v[hit[0]]) if hit.size else float("nan")

    def missing_state(self) -> dict[str, float]:
        """Each missingness indicator's value for the forecast years: the target's state at the origin.

        An indicator is 1 when a member covariate is missing in the origin year (the covariate
        year of the first forecast step). It is the same in every scenario, whatever values a
        scenario sets, so a forecast never moves because a value was typed in: a scenario sets
        covariate values, never missingness (issue 13). Example: every country's ODA is missing in
        2020-2023, so a 2023 origin keeps ``miss_aid = 1`` in all scenarios, and aid contrasts come
        from the aid coefficient alone.
        """
        out: dict[str, float] = {}
        for ind, members in MISSING_GROUPS.items():
            miss = False
            for m in members:
                spec = _SPEC_BY_NAME[m]
                if spec.source is None:
                    continue
                raw = self.value_at(spec.source, self.origin + 1 - spec.lag)
                val = transform_raw(spec, np.array([raw]), np.array([self.origin + 1 - spec.lag]))
                miss |= bool(np.isnan(val[0]))
            out[ind] = float(miss)
        return out

    def future_common(self, raw_paths: Mapping[str, np.ndarray], n_steps: int) -> np.ndarray:
        """Standardised, target-centred common design rows for future years.

        Parameters
        ----------
        raw_paths
            Panel variable (or ``cw``, ``patron_align``) -> raw values with shape
            ``(n_scenario, n_steps)``; row k is the covariate in year ``origin + k``. Variables not
            given are held at the target's last observed value.
        n_steps
            Number of future years.

        Returns
        -------
        numpy.ndarray
            ``(n_scenario, n_steps, n_covariates)``. Row k drives the hazard of ``origin + k + 1``:
            covariates with lag 1 take path value k, sanctions (lag 2) path value k - 1 (row 0 takes
            the target's observed count of ``origin - 1``). Missingness indicators take
            :meth:`missing_state` in every scenario; a NaN value (never observed, not set) takes the
            training fill.
        """
        n_scen = next(iter(raw_paths.values())).shape[0] if raw_paths else 1
        shape = (n_scen, n_steps)

        def path(var: str) -> np.ndarray:
            if var in raw_paths:
                return np.broadcast_to(np.asarray(raw_paths[var], dtype=np.float64), shape)
            return np.full(shape, self.last_observed(var))

        years = self.origin + np.arange(n_steps)[None, :]
        cw = path("cw")
        raw: dict[str, np.ndarray] = {}
        for spec in COMMON_COVARIATES:
            if spec.source is None or spec.name not in self.scaling["common"]:
                continue
            p = np.array(path(spec.source), dtype=np.float64)
            if spec.lag == 2:
                before = self.value_at(spec.source, self.origin - 1)
                if np.isnan(before):
                    before = self.last_observed(spec.source)
                p = np.concatenate([np.full((n_scen, 1), before), p[:, :-1]], axis=1)
            raw[spec.name] = transform_raw(spec, p, years - (spec.lag - 1))
        state = self.missing_state()
        z = {name: self._standardise(name, v) for name, v in raw.items()}
        mods = {"cw": cw}
        out = np.zeros((*shape, len(self.covariates)))
        for j, name in enumerate(self.covariates):
            sc = self.scaling["common"][name]
            if name in MISSING_GROUPS:
                val = np.full(shape, state.get(name, 0.0)) - sc["centre"]
            elif name in INTERACTIONS:
                main, mod = INTERACTIONS[name]
                m = mods[mod] if mod in mods else z.get(mod, np.zeros(shape))
                val = z[main] * m / sc["scale"]
            else:
                val = z[name]
            out[..., j] = val - sc["target_mean"]
        return out

    def _standardise(self, name: str, raw: np.ndarray) -> np.ndarray:
        """A main covariate on the design scale (``(x - centre) / scale``; NaN -> the training fill)."""
        sc = self.scaling["common"][name]
        val = (raw - sc["centre"]) / sc["scale"]
        return np.where(np.isnan(val), sc["fill"], val)


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


def _lag(a: np.ndarray, k: int = 1) -> np.ndarray:
    out = np.full_like(a, np.nan, dtype=np.float64)
    out[:, k:] = a[:, :-k]
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

    Notes
    -----
    Main covariates: ``(x - centre) / scale`` with training-row mean and SD (``centre = 0`` for aid
    and sanctions), a missing cell at the training mean (``fill``). Interactions
    (:data:`INTERACTIONS`): the product of the main column (filled) and the modifier (``cw``, or the
    centred modifier column, 0 where missing), divided by its training SD, never centred or filled:
    exactly 0 where the era is off. ``scaling[name]`` also records ``train_min`` / ``train_max``,
    the range of the raw source values on the training rows (for extrapolation warnings). Every
    column is finally shifted by the target's own training mean (``target_mean``) on the target's
    rows only.
    """
    years = np.asarray(panel["year"].values, dtype=np.int64)
    cols: dict[str, np.ndarray] = {}
    raws: dict[str, np.ndarray] = {}
    cws: dict[int, np.ndarray] = {}
    for spec in COMMON_COVARIATES:
        if spec.source is None:
            continue
        da = derived_variable(panel, spec.source)
        if da is None:
            raw = np.full(train_mask.shape, np.nan)
        else:
            raw = np.asarray(da.transpose("country", "year").values, dtype=np.float64)
        lag_years = np.broadcast_to(years[None, :] - spec.lag, train_mask.shape)
        raws[spec.name] = _lag(raw, spec.lag)
        cols[spec.name] = transform_raw(spec, raws[spec.name], lag_years)
    for lag in {s.lag for s in COMMON_COVARIATES}:
        cws[lag] = np.broadcast_to((years[None, :] - lag <= COLD_WAR_END), train_mask.shape).astype(np.float64)
    cw = cws[1]

    names: list[str] = []
    mats: list[np.ndarray] = []
    scaling: dict[str, dict[str, float]] = {}
    z_main: dict[str, np.ndarray] = {}
    for spec in COMMON_COVARIATES:
        if spec.name in INTERACTIONS:
            main, mod = INTERACTIONS[spec.name]
            if main not in z_main or (mod != "cw" and mod not in z_main):
                continue
            m = cws[spec.lag] if mod == "cw" else z_main[mod]
            v = z_main[main] * m
            tr = v[train_mask]
            if np.std(tr) == 0 or np.count_nonzero(tr) < 10:
                continue
            scale = float(np.std(tr))
            scaling[spec.name] = {"centre": 0.0, "scale": scale, "fill": 0.0}
            names.append(spec.name)
            mats.append(v / scale)
            continue
        v = cols[spec.name]
        tr = v[train_mask]
        ok = tr[~np.isnan(tr)]
        if ok.size < 10 or np.nanstd(ok) == 0:
            continue  # not estimable in this window
        centre = float(ok.mean()) if spec.centre else 0.0
        scale = float(ok.std())
        fill = (float(ok.mean()) - centre) / scale
        z = (v - centre) / scale
        z = np.where(np.isnan(z), fill, z)
        rtr = raws[spec.name][train_mask]
        rtr = rtr[~np.isnan(rtr)]
        scaling[spec.name] = {"centre": centre, "scale": scale, "fill": fill,
                              "train_min": float(rtr.min()), "train_max": float(rtr.max())}
        z_main[spec.name] = z
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


def years_since_move(x: np.ndarray, cutpoint: float, cap: float = 30.0) -> np.ndarray:
    """Observed years since the index last moved by more than ``cutpoint`` in one year, at each
    year ``t`` on the values up to ``t``: ``(row, year)``, NaN where ``x[t]`` is missing.

    The count restarts at 0 at a large move and at a row's first observed year, grows by one per
    observed year (a missing year neither counts nor breaks the run; the change across a gap is
    not a move), and is capped at ``cap``. Vectorised: the last restart at or before ``t`` by a
    running maximum, the count by a cumulative sum (the forecasts call this on every simulated
    path; a loop over years took 0.6 s per space on a backtest origin).
    """
    x = np.asarray(x, dtype=np.float64)
    n_t = x.shape[1]
    obs = ~np.isnan(x)
    d1 = np.zeros_like(x)
    d1[:, 1:] = np.nan_to_num(np.diff(x, axis=1))
    count = np.cumsum(obs, axis=1)
    restart = obs & ((np.abs(d1) > cutpoint) | (count == 1))
    last = np.maximum.accumulate(np.where(restart, np.arange(n_t), 0), axis=1)
    run = count - np.take_along_axis(count, last, axis=1)
    return np.where(obs, np.minimum(run, cap), np.nan)


def dynamic_grid(x: np.ndarray, cutpoint: float, cap: float = 30.0) -> np.ndarray:
    """Space-specific dynamic covariates at t-1 on the (country, year) grid.

    Returns ``(country, year, 3)``: index level ``x[t-1]``, two-year change ``x[t-1] - x[t-3]``,
    and ``log1p`` years since the index last moved by more than ``cutpoint`` in one year (either
    direction), counted on the series up to ``t-1`` only (so no look-ahead of the event coder
    leaks in); capped at ``cap`` years and counted from the series start if it never moved.
    """
    x = np.asarray(x, dtype=np.float64)
    since = years_since_move(x, cutpoint, cap)
    level = _lag(x)
    x3 = np.full_like(x, np.nan)
    x3[:, 3:] = x[:, :-3]
    change = level - x3
    return np.stack([level, change, np.log1p(_lag(since))], axis=-1)


DYNAMIC_NAMES: tuple[str, ...] = ("level", "change2", "log_years_since_move")
#: The room covariates (event model option ``index_room``).
ROOM_NAMES: tuple[str, ...] = ("floor_room", "ceiling_room")
#: Cutpoints beyond which the room covariates stop growing.
ROOM_CAP = 4.0


def index_room(level: np.ndarray, cutpoint: float, cap: float = ROOM_CAP) -> np.ndarray:
    """Distance of the index from its floor and from its ceiling in units of its event cutpoint,
    each capped at ``cap``: ``(..., 2)`` with ``min(level / cutpoint, cap)`` and
    ``min((1 - level) / cutpoint, cap)`` (``level`` is :func:`dynamic_grid`'s ``x[t-1]``, shape
    ``(...)``; NaN stays NaN).

    With the linear level term they make the level's effect piecewise linear with hinges ``cap``
    cutpoints from either bound. Near the bounds both event rates fall steeply: on the shipped
    events, yearly openings are 0.036 within half a cutpoint of 0, 0.051 within one and 0.11 at
    two to three cutpoints, and closings 0.002-0.013 within one and a half cutpoints of 1 against
    0.06-0.10 in the middle. A linear level term alone extrapolates the middle range's slope to
    the bounds ("lower index, more openings" down to the floor; "higher index, more closings" up
    to the ceiling).
    """
    x = np.asarray(level, dtype=np.float64)
    c, cap = float(cutpoint), float(cap)
    return np.stack([np.minimum(x / c, cap), np.minimum((1.0 - x) / c, cap)], axis=-1)


#: The cross-space dynamic covariates (event model option ``cross_space``).
CROSS_SPACE_NAMES: tuple[str, ...] = ("spaces_change2", "spaces_rising")


def cross_space_grid(series: Mapping[str, np.ndarray], cutpoints: Mapping[str, float]) -> np.ndarray:
    """The regime's recent trajectory across spaces, at ``t - 1``: ``(..., year, 2)``.

    Column 0, ``spaces_change2``: the mean over the spaces in ``series`` of the two-year change
    ``(x[t-1] - x[t-3]) / cutpoint`` of each space, in units of its own event cutpoint, over the
    spaces observed in both years. Column 1, ``spaces_rising``: the share of the spaces observed
    in ``t-2`` and ``t-1`` whose index rose by more than its cutpoint from ``t-2`` to ``t-1``
    (momentum: a regime opening several spaces at once). NaN where no space is observed. Each
    ``series[s]`` is ``(..., year)`` with the same shape; only values up to ``t - 1`` enter year
    ``t`` (the same timing as :func:`dynamic_grid`), so no look-ahead of the event coder leaks in.

    The first separates a collapse of the whole regime (every space falling: rebounds are rare)
    from a move of one index (often partly measurement noise, which reverts).
    """
    sums: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for s, x in series.items():
        x = np.asarray(x, dtype=np.float64)
        cp = float(cutpoints[s])
        change = np.full_like(x, np.nan)
        change[..., 3:] = (x[..., 2:-1] - x[..., :-3]) / cp
        rise = np.full_like(x, np.nan)
        rise[..., 2:] = x[..., 1:-1] - x[..., :-2]
        rising = np.where(np.isnan(rise), np.nan, (rise > cp).astype(np.float64))
        for k, v in enumerate((change, rising)):
            ok = ~np.isnan(v)
            if len(sums) <= k:
                sums.append(np.zeros_like(v))
                counts.append(np.zeros_like(v))
            sums[k] = sums[k] + np.where(ok, v, 0.0)
            counts[k] = counts[k] + ok
    if not sums:
        raise ValueError("cross_space_grid needs at least one space")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack([np.where(c > 0, t / c, np.nan) for t, c in zip(sums, counts, strict=True)],
                        axis=-1)


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

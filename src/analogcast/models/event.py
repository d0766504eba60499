"""``event_logit``: one hierarchical logit of openings and closings over all spaces jointly.

This is the forecasting engine's event model: the same registry model makes the target's
headline forecasts (:mod:`analogcast.scenarios`) and is scored by ``analogcast backtest``
(:mod:`analogcast.evaluation.engine`), with the same design, priors and fitting code.

For country ``c``, outcome year ``t``, space ``s`` and direction ``d`` (opening / closing)::

    h[c,t,s,d] = F[c,t,s,d] * logistic(eta[c,t,s,d])
    eta = alpha[s,d] + u[c,s,d] + X[c,t-1] . beta[:,s,d] + Z[c,t-1,s] . gamma[:,s,d]
          + f_level[s,d](x[c,t-1,s]) + f_change[s,d](x[c,t-1,s] - x[c,t-3,s]) + year[t,d]
    Z          = level, two-year change and log years since a large move of space s; with option
                 ``index_room`` also the level's distance from 0 and from 1 in cutpoints, each
                 capped at 4 (the level's effect bends near either bound); with option
                 ``cross_space`` also the mean two-year change over all seven spaces and the
                 share of them that rose by more than their cutpoint in t-1
    u[c,s,d]   = region[r(c),s,d] + country[c,d]         (country non-centred, pooled over spaces,
                                                         summing to zero over countries)
    beta[k,s,d] = beta0[k,d] + sigma_beta[d] * z          (spaces shrunk to a common effect;
                                                         with one space, beta = beta0 and
                                                         gamma = gamma0)
    year[t,d]  = level[t,d] + sigma_noise[d] * z[t,d]            (option ``year_noise``)
    level[t,d] = y[t,d] - mean_t y[t,d],  y[t,d] = y[t-1,d] + sigma_year[d] * e
                 (a random walk, centred over the fitted years; z sums to zero over years)
    f_*        = penalised splines (Bayesian P-splines, one smoothing scale per term and direction),
                 only with option ``smooth`` (off by default: in the joint model their scales mixed
                 badly, main job R-hat 1.17 and 569 divergences; without them R-hat 1.008, no
                 divergences)

``F`` is **feasibility** (:func:`analogcast.data.feasible_events`): 1 when the ERT-lite coder can
still produce the event from the index in ``t-2`` and ``t-1``, else 0 -- a closing from within one
cutpoint of 0, an opening from within one cutpoint of 1. Infeasible rows carry no information
about the hazard (their label is 0 by construction), so they are left out of the likelihood, and
a forecast gives them probability exactly 0. Later horizons are forecast along simulated index
paths (:mod:`analogcast.models.event_forecast`), so an event that first needs the index to move
is reached only through the levels that make it possible.

Time structure
--------------
* Events are **recoded on every series cut at the origin** (``protocol="strict"``), and outcome
  year ``t`` is a training row only if ``t + 1`` is observed: the coder decides year ``t`` by
  looking at ``t + 1``, so the last year of the data (or of a series) can only be coded when it is
  an event. Keeping those event-only rows put the 2023 year effects near +5.
* Year effects are a random-walk level plus a transient shock per year (option ``year_noise``,
  a local-level model); a forecast continues the walk from the last fitted year's level (the
  recent level carries on, and its uncertainty grows with the horizon) and draws new shocks,
  rather than drawing from ``Normal(0, sigma)``, which threw the recent level away. Without the
  shock term the walk carried a single unusual year forward in full: in the strict backtest the
  forecasts followed the last fitted year (143 closings in 2013 after 60 in 2012, six Barometer
  spaces: P(closing) 0.29 forecast for 2014-15 against 0.14 observed). See
  :mod:`analogcast.models.year_effects`.
* ``protocol="barometer"`` uses the shipped events up to ``origin + 1`` (the Barometer's own
  look-ahead window) and exists only to compare with its published forecasts.

Speed
-----
Rows are sorted by (space, direction) block so the linear terms are 14 dense mat-vecs, and
non-event rows of countries other than the target are thinned at random with probability
``control_fraction`` with an offset of ``-log(control_fraction)`` on those rows (case-control
sampling; Prentice and Pyke 1979; King and Zeng 2001): every event and every row of the target
is kept, and the intercept is recovered without bias (``tests/test_models_event.py``).

Each (space, direction) block's columns are centred on their fitted-row means inside the
likelihood (option ``center_design``): the sampled intercept ``alpha_c`` is the log-odds at the
block's average row, and ``alpha`` (at zero covariates, used by the forecasts) is derived from it.
This and zero-sum country effects tripled the minimum bulk ESS at the same cost per draw
(``bench/results/geometry.json``).

The target (if any) has intercept ``theta[s,d]`` -- its logit hazard at its own mean covariates
and mean year effect -- with its covariates centred on its own training mean, so the analogy prior
(``prior.mixture(space, direction)``) applies on the scale it was estimated on. With option
``target_since`` (the main job: the prior's ``current_from``, 2022 for the Taliban's second
emirate) ``theta`` is the intercept of the target's *current spell* only, centred on that spell's
covariates; the target's earlier years are an ordinary country's rows (its own country effect, the
common centring), so a new regime does not inherit the whole country's history through ``theta``.
``target=None`` fits every country alike (the backtest) and forecasts them all.

Common covariates (``X``) come from :mod:`analogcast.models.design`: lagged one year (sanctions two
years: they follow repression), with aid x Cold-War era and aid x patron alignment interactions
whose five aid/sanction terms (:data:`AID_TERMS`) get the explicit ``aid_prior_*`` priors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from scipy.special import logit

from analogcast.data import DIRECTIONS
from analogcast.errors import UserInputError
from analogcast.models.contract import (
    ForecastBundle,
    HeadlineParam,
    ModelOutputs,
    ScenarioPaths,
    event_draws,
)
from analogcast.models.design import (
    DYNAMIC_NAMES,
    ModelData,
    common_design,
    resolve_spaces,
    validate_target_origin,
)
from analogcast.models.event_forecast import no_event_moves
from analogcast.models.event_rows import case_control, code_series, spell_masks
from analogcast.models.likelihoods import bernoulli_logit
from analogcast.models.target_prior import theta_prior_arrays
from analogcast.models.year_effects import year_effects

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm

__all__ = ["EventLogit", "DIRECTIONS", "AID_TERMS", "SMOOTH_TERMS", "PROTOCOLS", "case_control"]

AID_TERMS: tuple[str, ...] = ("aid", "aid_cw", "aid_patron", "sanctions", "sanctions_cw")
#: dynamic covariates with a penalised-spline smooth (column of ``DYNAMIC_NAMES``)
SMOOTH_TERMS: tuple[str, ...] = ("level", "change2")
PROTOCOLS: tuple[str, ...] = ("strict", "barometer")
N_INTERIOR = 4  # interior knots per smooth -> 6 penalised columns

DEFAULT_OPTIONS: dict[str, Any] = {
    "start": 1970,
    "aid_prior_mean": 0.0,
    "aid_prior_sd": 0.5,
    "beta_prior_sd": 0.5,
    "sigma_beta_scale": 0.2,
    "sigma_year_scale": 0.5,
    "sigma_country_scale": 0.5,
    "sigma_region_scale": 0.5,
    "vague_prior_sd": 1.5,
    "control_fraction": 0.25,
    "country_space": False,
    "centred": True,
    "beta_centred": False,
    "center_design": True,
    "country_zero_sum": True,
    "cross_space": True,
    "index_room": True,
    "year_noise": True,
    "sigma_year_prior": "gamma",
    "smooth": False,
    "subsample_seed": 20240601,
    "n_paths": 4,
    "target_since": None,
    "spell_units": [],
    "drop_spells": [],
}


def _panel_years(panel: xr.Dataset) -> np.ndarray:
    return np.asarray(panel["year"].values, dtype=np.int64)


class EventLogit:
    """Hierarchical logit event model (registry name ``event_logit``).

    Parameters
    ----------
    **options
        Overrides of ``DEFAULT_OPTIONS``: ``start`` (first outcome year, default 1970),
        ``aid_prior_mean`` / ``aid_prior_sd`` (Normal prior on the common effect of each aid term,
        standardised scale; a number or a mapping term -> value), ``beta_prior_sd`` (other
        covariates), ``sigma_*_scale`` (HalfNormal scales of the hierarchical SDs;
        ``sigma_year`` is Gamma(2) with the half-normal's mean unless ``sigma_year_prior =
        "halfnormal"``, see :func:`analogcast.models.year_effects.year_effects`),
        ``vague_prior_sd`` (theta prior SD when no analogy prior is given), ``control_fraction``
        (share of non-event rows kept, target rows always kept), ``smooth`` (penalised splines of
        the level and two-year change), ``n_paths`` (simulated index paths per draw in forecasts).
    """

    name = "event_logit"
    #: the lead event model: its events are the run's p_opening / p_closing; scored by backtests
    outputs = ModelOutputs(
        events=True, event_tag=None, label="the event model", scored=True, has_theta=True,
        headline=(HeadlineParam("theta", {"direction": ("opening",)}, "Target's baseline opening hazard"),
                  HeadlineParam("beta0", {"covariate": ("aid", "aid_cw"), "direction": ("opening",)},
                                "Covariate effect")),
    )

    def __init__(self, **options: Any) -> None:
        from analogcast.models.options import options_for

        # one validation path: the typed schema (models/options.py), did-you-mean included
        self.options: dict[str, Any] = options_for(self.name, options)

    # ------------------------------------------------------------------ prepare
    def prepare(
        self,
        panel: xr.Dataset,
        events: xr.Dataset | None,
        *,
        target: str | None,
        origin: int,
        spaces: Sequence[str] | None = None,
        start: int | None = None,
        protocol: str = "strict",
    ) -> ModelData:
        """Stack the training rows of every space and direction (see module docstring).

        Parameters
        ----------
        panel
            ``load_panel()``; nothing after ``origin`` is used (``strict``).
        events
            ``load_events()``; used only by ``protocol="barometer"`` (``strict`` recodes the
            events on the series cut at the origin).
        target
            V-Dem text id of the target, or ``None`` to treat every country alike.
        origin
            Last observed year.
        spaces, start
            Spaces (default all) and first outcome year (default the ``start`` option).
        protocol
            ``"strict"`` (outcome years ``<= origin - 1``, events coded from data up to the
            origin) or ``"barometer"`` (shipped events, outcome years ``<= origin + 1``).
        """
        from analogcast.data import SPACES
        from analogcast.models.smooth import fit_basis

        if protocol not in PROTOCOLS:
            raise UserInputError(f"unknown protocol {protocol!r}; use 'strict' or 'barometer'.")
        start = int(self.options["start"] if start is None else start)
        origin = int(origin)
        countries = np.asarray([str(c) for c in panel["country"].values])
        if target is not None:
            validate_target_origin(panel, target, origin, start)
        spaces_t = resolve_spaces(spaces, list(SPACES))
        years = _panel_years(panel)
        last_label = origin - 1 if protocol == "strict" else min(origin + 1, int(years.max()) - 1)
        # grid up to origin + 1 (strict: the origin's covariates are the "t-1" row of origin + 1)
        grid_years = np.arange(years.min(), max(origin, last_label) + 2)
        panel_g = panel.reindex(year=grid_years)
        in_window = (grid_years >= start) & (grid_years <= last_label)
        t_idx = int(np.flatnonzero(countries == target)[0]) if target is not None else -1

        cs = code_series(panel, panel_g, events, countries, grid_years, origin, in_window, spaces_t,
                         protocol, room=bool(self.options["index_room"]),
                         cross=bool(self.options["cross_space"]))
        xs, dyn_grids, labels, valid = cs.xs, cs.dyn_grids, cs.labels, cs.valid
        series_spaces, dyn_names, n_infeasible = cs.series_spaces, cs.dyn_names, cs.n_infeasible
        units = spell_masks(self.options.get("spell_units", ()), countries, grid_years, "spell_units")
        drops = spell_masks(self.options.get("drop_spells", ()), countries, grid_years, "drop_spells")
        for ci, mask in drops.values():
            # a spell_units spell inside a dropped spell keeps its rows
            keep_rows = np.zeros_like(mask)
            for cu, mu in units.values():
                if cu == ci:
                    keep_rows |= mu
            for key in valid:
                valid[key][ci, mask & ~keep_rows] = False
        train = np.zeros((len(countries), len(grid_years)), dtype=bool)
        for s in spaces_t:
            for d in DIRECTIONS:
                train |= valid[(s, d)]
        if target is not None and not train[t_idx].any():
            raise UserInputError(
                f"target '{target}' has no coded country-years between {start} and {last_label}."
            )
        keep_c = np.flatnonzero(train.any(axis=1))
        unit_labels = list(units)
        for lab, (ci, mask) in units.items():
            if not (train[ci] & mask).any():
                raise UserInputError(
                    f"option spell_units: {lab} has no coded country-year between {start} and "
                    f"{last_label}; choose years the event data code."
                )
            if target is not None and ci == t_idx:
                raise UserInputError(
                    f"option spell_units: {lab} is a spell of the target; fit it without a target "
                    "(the analog evidence fit) or use target_since"
                )
        since = self.options.get("target_since")
        # the target's current spell: its years from ``target_since`` on carry theta (and the
        # analogy prior); earlier years are an ordinary country's rows (see the module docstring)
        spell = (grid_years >= int(since)) if (target is not None and since is not None) \
            else np.ones(grid_years.size, dtype=bool)
        if target is not None and not (train[t_idx] & spell).any():
            coded = grid_years[train[t_idx]]
            raise UserInputError(
                f"option target_since = {since}: the target '{target}' has no coded year from then on "
                f"(its last coded year is {int(coded.max())}); use a year <= {int(coded.max())}."
            )
        t_rows = (train[t_idx] & spell) if target is not None else np.zeros(train.shape[1], dtype=bool)
        # with no target, no row is centred (t_rows is all False: common_design leaves X as is)
        cd = common_design(panel_g, train, max(t_idx, 0), t_rows)
        if target is not None and not spell.all():
            # common_design centres every year of the target on its spell's mean: undo it before
            # the spell, where the target is an ordinary country
            tm = np.array([cd.scaling[n]["target_mean"] for n in cd.names])
            cd.X[t_idx, ~spell] += tm

        cy_grid = -np.ones(train.shape, dtype=np.int64)
        cy_c, cy_t = np.nonzero(train)
        cy_grid[cy_c, cy_t] = np.arange(cy_c.size)
        Xc = cd.X[cy_c, cy_t]

        c_map = -np.ones(len(countries), dtype=np.int64)
        c_map[keep_c] = np.arange(keep_c.size)
        # spell units are indexed after the fitted countries, the target's spell after them
        n_keep = int(keep_c.size) + len(unit_labels)
        win_years = grid_years[in_window]
        y_pos = np.searchsorted(win_years, grid_years)
        n_sd = len(spaces_t) * 2
        n_smooth = (N_INTERIOR + 2) * len(SMOOTH_TERMS) if self.options["smooth"] else 0
        rows: dict[str, list[np.ndarray]] = {k: [] for k in ("cy", "sd", "c", "t", "y", "Z", "S")}
        dyn_scaling: dict[str, Any] = {}
        bases: dict[str, dict[str, Any]] = {}
        W = np.zeros((n_sd, win_years.size))
        obs_vals = np.full((2, len(spaces_t), keep_c.size, win_years.size), np.nan)
        base_rate = np.zeros((len(spaces_t), 2))
        for si, s in enumerate(spaces_t):
            dyn = dyn_grids[s]
            vs = valid[(s, "opening")] | valid[(s, "closing")]
            z = dyn[vs]
            centre, scale = z.mean(axis=0), z.std(axis=0)
            scale = np.where(scale > 0, scale, 1.0)
            zt = (dyn - centre) / scale
            tmean = (zt[t_idx, vs[t_idx] & spell].mean(axis=0) if target is not None
                     else np.zeros(len(dyn_names)))
            if target is not None:
                zt[t_idx, spell] -= tmean
            dyn_scaling[s] = {"centre": centre.tolist(), "scale": scale.tolist(),
                              "target_mean": tmean.tolist()}
            sm = np.zeros((*dyn.shape[:2], n_smooth))
            if n_smooth:
                bases[s] = {}
                for j, term in enumerate(SMOOTH_TERMS):
                    k = DYNAMIC_NAMES.index(term)
                    b = fit_basis(dyn[..., k][vs], n_interior=N_INTERIOR)
                    bases[s][term] = b
                    cols = slice(j * (N_INTERIOR + 2), (j + 1) * (N_INTERIOR + 2))
                    sm[..., cols] = b(dyn[..., k].ravel()).reshape(*dyn.shape[:2], -1)
            for di, d in enumerate(DIRECTIONS):
                m = valid[(s, d)]
                c, t = np.nonzero(m)
                yv = labels[(s, d)][c, t]
                sd = si * 2 + di
                rows["cy"].append(cy_grid[c, t])
                rows["sd"].append(np.full(c.size, sd))
                cc = c_map[c]
                for k, (cu, mu) in enumerate(units.values()):
                    cc = np.where((c == cu) & mu[t], keep_c.size + k, cc)
                if target is not None:  # the spell's rows go to the target's own index (below)
                    cc = np.where((c == t_idx) & spell[t], n_keep, cc)
                rows["c"].append(cc)
                rows["t"].append(y_pos[t])
                rows["y"].append(yv)
                rows["Z"].append(zt[c, t])
                rows["S"].append(sm[c, t])
                if target is not None:
                    tt = y_pos[np.flatnonzero(m[t_idx] & spell)]
                    W[sd, tt] = 1.0 / max(tt.size, 1)
                base_rate[si, di] = float(yv.mean())
                obs_vals[di, si, c_map[c], y_pos[t]] = yv
        arr = {k: np.concatenate(v) for k, v in rows.items()}
        # every row of the target is kept by the case-control thinning, before and in the spell
        is_target = (np.isin(arr["c"], [c_map[t_idx], n_keep]) if target is not None
                     else np.zeros(arr["y"].size, bool))
        fit_mask, offset = case_control(arr["y"], float(self.options["control_fraction"]),
                                        is_target, int(self.options["subsample_seed"]))
        regions_all = np.asarray(panel["region"].values, dtype=np.int64)
        unit_c = np.array([ci for ci, _ in units.values()], dtype=np.int64)
        region_codes, region_idx = np.unique(
            np.concatenate([regions_all[keep_c], regions_all[unit_c]]), return_inverse=True)
        XZ = np.concatenate([Xc[arr["cy"]], arr["Z"], arr["S"]], axis=1)
        arrays = {
            "Xc": np.ascontiguousarray(Xc, dtype=np.float64),
            "obs_cy": arr["cy"].astype(np.int64),
            "obs_sd": arr["sd"].astype(np.int64),
            "obs_c": arr["c"].astype(np.int64),
            "obs_t": arr["t"].astype(np.int64),
            "XZ": np.ascontiguousarray(XZ),
            "y": arr["y"].astype(np.float64),
            "country_region": region_idx.astype(np.int64),
            # the target's spell is one index past the fitted countries (its intercept is theta)
            "target_c": np.array(n_keep if target is not None else -1, dtype=np.int64),
            "target_year_weights": W,
            "fit_mask": fit_mask,
            "offset_rows": offset,
            "base_rate": base_rate,
        }
        observed = xr.Dataset(
            {d: (("space", "country", "year"), obs_vals[di]) for di, d in enumerate(DIRECTIONS)},
            coords={"space": list(spaces_t), "country": countries[keep_c], "year": win_years},
        )
        th = None
        if target is not None:
            th = panel[list(panel.data_vars)].sel(country=target).sel(year=slice(None, origin)).load()
        hist_years = grid_years[grid_years <= origin]
        return ModelData(
            model=self.name,
            target=target if target is not None else "",
            origin=origin,
            start=start,
            spaces=spaces_t,
            covariates=cd.names,
            dynamic=dyn_names,
            scaling={"common": cd.scaling, "dynamic": dyn_scaling, "smooth": bases,
                     "common_grid": cd.X[:, grid_years == origin + 1][:, 0],
                     "history": {s: xs[s][:, grid_years <= origin] for s in series_spaces},
                     "history_years": hist_years,
                     "no_event_moves": no_event_moves(xs, labels, valid, series_spaces)},
            arrays=arrays,
            target_history=th,
            observed=observed,
            meta={
                "countries": [*countries[keep_c].tolist(), *unit_labels],
                "spell_units": unit_labels,
                "all_countries": countries.tolist(),
                "all_regions": regions_all.tolist(),
                "regions": region_codes.tolist(),
                "years": win_years.tolist(),
                "protocol": protocol,
                "last_label_year": int(last_label),
                "n_rows": int(arr["y"].size),
                "n_rows_fit": int(fit_mask.sum()),
                "n_rows_target": int(is_target.sum()),
                "n_rows_infeasible_dropped": int(n_infeasible),
                "n_country_years": int(Xc.shape[0]),
                "n_smooth": int(n_smooth),
                "base_rate": {s: dict(zip(DIRECTIONS, base_rate[i].tolist(), strict=True))
                              for i, s in enumerate(spaces_t)},
                "options": dict(self.options),
            },
        )

    # ------------------------------------------------------------------ build
    def _aid_prior(self, key: str, term: str) -> float:
        v = self.options[key]
        return float(v.get(term, DEFAULT_OPTIONS[key])) if isinstance(v, Mapping) else float(v)

    def build(self, data: ModelData, prior: Any = None) -> pm.Model:
        """Build the PyMC model (never samples). ``prior``: an ``AnalogPrior`` or ``None``."""
        import pymc as pm
        import pytensor.tensor as pt

        a = data.arrays
        S, D = len(data.spaces), 2
        n_sd = S * D
        n_sm = int(data.meta.get("n_smooth", 0))
        coords = {
            "space": list(data.spaces),
            "direction": list(DIRECTIONS),
            "covariate": list(data.covariates),
            "dynamic": list(data.dynamic),
            "country": list(data.meta["countries"]),
            "region": [str(r) for r in data.meta["regions"]],
            "year": [int(y) for y in data.meta["years"]],
        }
        if n_sm:
            coords["smooth_col"] = list(range(n_sm))
            coords["smooth"] = list(SMOOTH_TERMS)
        mu0 = np.array([self._aid_prior("aid_prior_mean", c) if c in AID_TERMS else 0.0
                        for c in data.covariates])
        sd0 = np.array([self._aid_prior("aid_prior_sd", c) if c in AID_TERMS
                        else float(self.options["beta_prior_sd"]) for c in data.covariates])
        o = self.options
        has_target = int(a["target_c"]) >= 0
        with pm.Model(coords=coords) as model:
            alpha_mu = logit(np.clip(a["base_rate"], 1e-3, 0.5))
            if o["center_design"]:
                alpha_c = pm.Normal("alpha_c", mu=alpha_mu, sigma=1.5, dims=("space", "direction"))
            else:
                alpha = pm.Normal("alpha", mu=alpha_mu, sigma=1.5, dims=("space", "direction"))
            if has_target:
                w, m, sd = theta_prior_arrays(data, prior, float(o["vague_prior_sd"]))
                if w.shape[-1] == 1:
                    theta = pm.Normal("theta", mu=m[..., 0], sigma=sd[..., 0], dims=("space", "direction"))
                else:
                    theta = pm.NormalMixture("theta", w=w, mu=m, sigma=sd, dims=("space", "direction"))
            year_eff = year_effects(len(coords["year"]), DIRECTIONS, float(o["sigma_year_scale"]),
                                    noise=bool(o["year_noise"]),
                                    level_prior=str(o["sigma_year_prior"]))
            sigma_region = pt.as_tensor(np.full(D, float(o["sigma_region_scale"])))
            z_region = pm.ZeroSumNormal("z_region", sigma=1.0, dims=("space", "direction", "region"))
            sigma_country = pm.HalfNormal("sigma_country", sigma=o["sigma_country_scale"] * 2,
                                          dims="direction")
            if o["country_zero_sum"]:
                z_country = pm.ZeroSumNormal("z_country", sigma=1.0,
                                             dims=("direction", "country")).T
            else:
                z_country = pm.Normal("z_country", 0.0, 1.0, dims=("country", "direction"))
            if o["country_space"]:
                sigma_cs = pm.HalfNormal("sigma_country_space", sigma=o["sigma_country_scale"],
                                         dims="direction")
                z_cs = pm.Normal("z_country_space", 0.0, 1.0, dims=("country", "space", "direction"))
                cs_eff = z_cs * sigma_cs
            else:
                cs_eff = 0.0
            beta0 = pm.Normal("beta0", mu=mu0[:, None], sigma=sd0[:, None],
                              dims=("covariate", "direction"))
            gamma0 = pm.Normal("gamma0", 0.0, 1.0, dims=("dynamic", "direction"))
            if S > 1:
                sigma_beta = pm.HalfNormal("sigma_beta", sigma=o["sigma_beta_scale"],
                                           dims="direction")
                beta = _space_effects("beta", beta0, sigma_beta, "covariate",
                                      bool(o["beta_centred"]))
                sigma_gamma = pm.HalfNormal("sigma_gamma", sigma=0.5, dims="direction")
                gamma = _space_effects("gamma", gamma0, sigma_gamma, "dynamic", bool(o["centred"]))
            else:
                # One space: nothing to pool across, and a between-space SD fitted from a single
                # group is unidentified (a funnel: women's space, origin 2010, 2 x 200 draws gave
                # R-hat 2.4 and 202 divergences). The space's slopes are the common slopes.
                beta = pm.Deterministic("beta", beta0[:, None, :],
                                        dims=("covariate", "space", "direction"))
                gamma = pm.Deterministic("gamma", gamma0[:, None, :],
                                         dims=("dynamic", "space", "direction"))
            coef_parts = [beta, gamma]
            if n_sm:
                lam = pm.HalfNormal("lam", 1.0, dims=("smooth", "direction"))
                z_w = pm.Normal("z_w", 0.0, 1.0, dims=("smooth_col", "space", "direction"))
                per = n_sm // len(SMOOTH_TERMS)
                term_of = np.repeat(np.arange(len(SMOOTH_TERMS)), per)
                w_s = pm.Deterministic("w_smooth", lam[term_of][:, None, :] * z_w,
                                       dims=("smooth_col", "space", "direction"))
                coef_parts.append(w_s)

            coef = pt.concatenate(coef_parts, axis=0)
            fm = np.flatnonzero(a["fit_mask"])
            XZ = a["XZ"][fm]
            obs_sd = a["obs_sd"][fm]
            bounds = np.searchsorted(obs_sd, np.arange(n_sd + 1))
            if o["center_design"]:
                # Each (space, direction) block's columns centred on their fitted-row means, so
                # the free intercept alpha_c is the log-odds at the block's average row and is not
                # correlated with every uncentred slope; alpha (the intercept at zero covariates,
                # which the forecasts use) is derived from it.
                means = np.zeros((n_sd, XZ.shape[1]))
                for b in range(n_sd):
                    if bounds[b + 1] > bounds[b]:
                        means[b] = XZ[bounds[b]: bounds[b + 1]].mean(axis=0)
                XZ = XZ - means[obs_sd]
                shift = pt.sum(pt.as_tensor(means.reshape(S, D, -1))
                               * pt.moveaxis(coef, 0, -1), axis=-1)  # (space, direction)
                alpha = pm.Deterministic("alpha", alpha_c - shift, dims=("space", "direction"))
            region_eff = pt.moveaxis(z_region, -1, 0) * sigma_region  # (region, space, direction)
            u = (region_eff[a["country_region"]]
                 + (z_country * sigma_country)[:, None, :]
                 + cs_eff)
            base = alpha[None, :, :] + u  # (country, space, direction)
            if has_target:
                ybar = pt.sum(
                    pt.as_tensor(a["target_year_weights"]).reshape((S, D, -1))
                    * year_eff.T[None, :, :], axis=-1)  # (space, direction)
                base = pt.concatenate([base, (theta - ybar)[None]], axis=0)  # index target_c
            if o["center_design"]:
                base = base + shift[None, :, :]  # eta = alpha + u + X b = (alpha + shift) + u + Xc b
            base_flat = base.reshape((-1,))
            parts = [
                pt.dot(pt.as_tensor(XZ[bounds[b]: bounds[b + 1]]), coef[:, b // D, b % D])
                for b in range(n_sd)
            ]
            lin = pt.concatenate(parts)
            eta = (lin
                   + base_flat[a["obs_c"][fm] * n_sd + obs_sd]
                   + year_eff.reshape((-1,))[a["obs_t"][fm] * D + obs_sd % D]
                   + pt.as_tensor(a["offset_rows"][fm]))
            bernoulli_logit("events", eta, a["y"][fm])
        return model

    # ------------------------------------------------------------------ predict
    def predict(
        self,
        posterior: xr.Dataset,
        data: ModelData,
        future_X: np.ndarray,
        horizons: Sequence[int],
        rng: np.random.Generator,
    ) -> dict[str, np.ndarray]:
        """P(>= 1 event within H years) for the target, per draw: ``{"opening", "closing"}``, each
        ``(sample, scenario, space, horizon)`` (see :func:`analogcast.models.event_forecast.target_event_probs`)."""
        from analogcast.models.event_forecast import target_event_probs

        return target_event_probs(posterior, data, future_X, horizons, rng,
                                  n_paths=int(self.options["n_paths"]))

    def forecast(self, posterior: xr.Dataset, data: ModelData, scenarios: ScenarioPaths,
                 horizons: Sequence[int], rng: np.random.Generator, *,
                 deltas: Sequence[float] = ()) -> ForecastBundle:
        """The scenarios' event probabilities per draw (:meth:`predict`) as a bundle; ``deltas``
        is unused (no rise outputs)."""
        X = data.future_common(scenarios.raw(data, scenarios.n_steps), scenarios.n_steps)
        probs = self.predict(posterior, data, X, horizons, rng)
        ev = event_draws(probs, posterior.sizes["chain"], posterior.sizes["draw"], scenarios.names,
                         data.spaces, horizons)
        return ForecastBundle(model=self.name, outputs=self.outputs, events=ev)

    def predict_all(self, posterior: xr.Dataset, data: ModelData, horizon: int,
                    rng: np.random.Generator, *, per_draw: bool = False) -> dict[str, np.ndarray]:
        """P(>= 1 event within ``horizon`` years) of every country observed at the origin,
        posterior mean, ``{"opening", "closing"}`` each ``(country, space)`` (the backtest);
        ``per_draw=True``: each draw's, ``(country, space, sample)``, whose mean over ``sample``
        is the posterior mean."""
        from analogcast.models.event_forecast import all_country_event_probs

        return all_country_event_probs(posterior, data, horizon, rng,
                                       n_paths=int(self.options["n_paths"]), per_draw=per_draw)

    def unit_intercepts(self, posterior: xr.Dataset, data: ModelData, labels: Sequence[str],
                        max_draws: int | None = None) -> dict[tuple[str, str], list[tuple[str, float, float]]]:
        """Fitted units' intercepts on the scale of ``theta`` (mean and sd per space and
        direction); see :func:`analogcast.models.event_forecast.unit_intercepts`."""
        from analogcast.models.event_forecast import unit_intercepts

        return unit_intercepts(posterior, data, labels, max_draws)

    def unit_intercept_draws(self, posterior: xr.Dataset, data: ModelData, labels: Sequence[str]
                             ) -> dict[tuple[str, str], dict[str, np.ndarray]]:
        """The draws behind :meth:`unit_intercepts` (chain-major), for their convergence checks."""
        from analogcast.models.event_forecast import unit_intercept_draws

        return unit_intercept_draws(posterior, data, labels)

    # ------------------------------------------------------------------ PPC
    def posterior_predictive(self, posterior: xr.Dataset, data: ModelData,
                             rng: np.random.Generator, max_draws: int = 400) -> xr.Dataset:
        """Per-draw predicted share of feasible country-years with an event, per space and direction.

        ``share`` is the mean predicted probability over the training rows (expected share);
        ``share_replicated`` adds Bernoulli noise; ``observed_share`` is the data.
        """
        from analogcast.models.event_forecast import event_posterior_predictive

        return event_posterior_predictive(posterior, data, rng, max_draws=max_draws)

def _space_effects(name: str, mean: Any, sigma: Any, dim: str, centred: bool) -> Any:
    """Per-space effects ``name[k, s, d] ~ Normal(mean[k, d], sigma[d])`` inside the current PyMC
    model: sampled directly (``centred``) or as ``mean + sigma * z_<name>`` (non-centred)."""
    import pymc as pm

    dims = (dim, "space", "direction")
    if centred:
        return pm.Normal(name, mu=mean[:, None, :], sigma=sigma, dims=dims)
    z = pm.Normal(f"z_{name}", 0.0, 1.0, dims=dims)
    return pm.Deterministic(name, mean[:, None, :] + sigma * z, dims=dims)

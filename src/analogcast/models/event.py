"""``event_logit``: one hierarchical logit of openings and closings over all spaces jointly.

For country ``c``, outcome year ``t``, space ``s`` and direction ``d`` (opening / closing)::

    logit h[c,t,s,d] = alpha[s,d] + u[c,s,d] + X[c,t-1] . beta[:,s,d] + Z[c,t-1,s] . gamma[:,s,d]
                       + year[t,d]
    u[c,s,d]   = region[r(c),s,d] + country[c,d] (+ country_space[c,s,d] if option country_space)
    region     ~ ZeroSumNormal(sigma_region_scale) over regions (six regions cannot inform a variance)
    country[c,d] = sigma_country[d] * z                     (non-centred; pooled across spaces)
    beta[k,s,d] = beta0[k,d] + sigma_beta[d] * z            (spaces shrunk to a common effect)
    year[t,d]  ~ ZeroSumNormal(sigma_year[d]) (centred)     (future years drawn from N(0, sigma_year))

Speed: rows are sorted by (space, direction) block so covariate effects are 14 dense mat-vecs, and
non-event rows are thinned at random with probability ``control_fraction`` (default 0.25) with a
``-log(control_fraction)`` offset on the logit: case-control sampling keeps every event and gives
the exact conditional likelihood of the kept rows (Prentice and Pyke 1979; King and Zeng 2001), at
some loss of precision. ``control_fraction = 1`` uses every row. The posterior predictive check
uses every row without the offset.

``X`` are the common covariates (``design.COMMON_COVARIATES`` plus missingness indicators), ``Z``
the space's own index level, two-year change and years since its last large move. For the target
country the intercept is ``theta[s,d]`` -- its logit hazard at its own mean covariates and mean
year effect -- with its covariates centred on its own training mean, so the analogy prior
(``prior.mixture(space, direction)``) applies on the scale it was estimated on. The four aid terms
(aid, aid x Cold War, sanctions, sanctions x Cold War) have explicit priors on ``beta0`` set by
the options ``aid_prior_sd`` / ``aid_prior_mean`` (user-changeable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from scipy.special import expit, logit

from analogcast.data import DIRECTIONS
from analogcast.errors import UserInputError
from analogcast.models.design import (
    DYNAMIC_NAMES,
    ModelData,
    common_design,
    dynamic_grid,
    resolve_spaces,
    validate_target_origin,
)

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm

__all__ = ["EventLogit", "DIRECTIONS", "AID_TERMS"]

AID_TERMS: tuple[str, ...] = ("aid", "aid_cw", "sanctions", "sanctions_cw")

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
    "subsample_seed": 20240601,
}


MAX_PATH_STEPS = 11  # horizons up to 10 years (+1 spare step the scenario engine may ask for)
_YEARS_SINCE_CAP = 30.0  # as design.dynamic_grid


def _value_at(da: xr.DataArray, country: str, year: int) -> float:
    try:
        return float(da.sel(country=country, year=year))
    except KeyError:
        return float("nan")


def _survival_path_dynamics(origin_raw: np.ndarray, *, x_prev: float, x_origin: float,
                            n_steps: int = MAX_PATH_STEPS) -> np.ndarray:
    """Raw dynamic covariates for steps ``k = 0..n_steps-1`` (outcome year ``T+k+1``) on the path
    where the index makes no large move after the origin ``T``.

    ``origin_raw`` is ``(level x[T], change2 x[T]-x[T-2], log1p(years since move at T))``, the
    covariates of outcome year ``T+1``. Along the path the index stays at ``x[T]``: the two-year
    change is ``x[T]-x[T-2]`` at step 0, ``x[T]-x[T-1]`` at step 1 and 0 afterwards; years since
    a large move grow by one a year (capped as in :func:`analogcast.models.design.dynamic_grid`).
    """
    level, change2, log_since = (float(v) for v in origin_raw)
    since = np.expm1(log_since)
    out = np.empty((n_steps, 3))
    for k in range(n_steps):
        ch = change2 if k == 0 else (x_origin - x_prev if k == 1 else 0.0)
        out[k] = (level, ch, np.log1p(min(since + k, _YEARS_SINCE_CAP)))
    return out


def _panel_years(panel: xr.Dataset) -> np.ndarray:
    return np.asarray(panel["year"].values, dtype=np.int64)


def _align_events(events: xr.Dataset, panel: xr.Dataset, space: str, direction: str) -> np.ndarray:
    da = events[direction].sel(space=space)
    da = da.reindex(country=panel["country"].values, year=panel["year"].values)
    return np.asarray(da.transpose("country", "year").values, dtype=np.float64)


class EventLogit:
    """Hierarchical logit event model (registry name ``event_logit``).

    Parameters
    ----------
    **options
        Overrides of ``DEFAULT_OPTIONS``: ``start`` (first outcome year, default 1970),
        ``aid_prior_mean`` / ``aid_prior_sd`` (Normal prior on the common effect of each aid term,
        standardised scale; a number or a mapping term -> value), ``beta_prior_sd`` (other
        covariates), ``sigma_*_scale`` (HalfNormal scales of the hierarchical SDs),
        ``vague_prior_sd`` (theta prior SD when no analogy prior is given).
    """

    name = "event_logit"

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(DEFAULT_OPTIONS)
        if unknown:
            from analogcast.errors import did_you_mean

            bad = sorted(unknown)[0]
            raise UserInputError(
                f"unknown option '{bad}' for model 'event_logit'."
                + did_you_mean(bad, DEFAULT_OPTIONS)
            )
        self.options: dict[str, Any] = {**DEFAULT_OPTIONS, **options}
        cf = float(self.options["control_fraction"])
        if not 0.0 < cf <= 1.0:
            raise UserInputError("option 'control_fraction' of model 'event_logit' must be in (0, 1].")
        for key in ("aid_prior_sd", "beta_prior_sd", "vague_prior_sd") + tuple(
            k for k in DEFAULT_OPTIONS if k.startswith("sigma_")
        ):
            vals = self.options[key]
            vals = vals.values() if isinstance(vals, Mapping) else [vals]
            if any(not np.isfinite(float(v)) or float(v) <= 0 for v in vals):
                raise UserInputError(f"option '{key}' of model 'event_logit' must be > 0.")

    # ------------------------------------------------------------------ prepare
    def prepare(
        self,
        panel: xr.Dataset,
        events: xr.Dataset,
        *,
        target: str,
        origin: int,
        spaces: Sequence[str] | None = None,
        start: int | None = None,
    ) -> ModelData:
        """Stack training rows of every space and direction (see module docstring).

        Rows: outcome years ``start..origin`` with a coded event and the space's dynamic
        covariates available; covariates from ``t-1`` and data after ``origin`` never used.
        """
        from analogcast.data import CUTPOINTS, SPACES

        start = int(self.options["start"] if start is None else start)
        origin = int(origin)
        validate_target_origin(panel, target, origin, start)
        spaces_t = resolve_spaces(spaces, list(SPACES))
        countries = np.asarray([str(c) for c in panel["country"].values])
        years = _panel_years(panel)
        # grid extended to origin + 1 so that the origin's covariates exist as a "t-1" row
        grid_years = np.arange(years.min(), origin + 2)
        panel_g = panel.reindex(year=grid_years)
        cut = grid_years > origin
        t_idx = int(np.flatnonzero(countries == target)[0])
        in_window = (grid_years >= start) & (grid_years <= origin)

        dyn_grids: dict[str, np.ndarray] = {}
        valid: dict[tuple[str, str], np.ndarray] = {}
        for s in spaces_t:
            x = np.asarray(panel_g[SPACES[s]].transpose("country", "year").values, dtype=np.float64)
            x[:, cut] = np.nan
            dyn = dynamic_grid(x, float(CUTPOINTS[s]))
            dyn_grids[s] = dyn
            ok_dyn = ~np.isnan(dyn).any(axis=-1)
            for d in DIRECTIONS:
                y = _align_events(events, panel_g, s, d) if s in events["space"].values else None
                if y is None:
                    raise UserInputError(f"events have no space '{s}'.")
                valid[(s, d)] = ~np.isnan(y) & ok_dyn & in_window[None, :]
        train = np.zeros((len(countries), len(grid_years)), dtype=bool)
        for v in valid.values():
            train |= v
        if not train[t_idx].any():
            raise UserInputError(
                f"target '{target}' has no coded country-years between {start} and {origin}."
            )
        keep_c = np.flatnonzero(train.any(axis=1))
        cd = common_design(panel_g, train, t_idx, train[t_idx])

        # country-year table (rows of X)
        cy_grid = -np.ones(train.shape, dtype=np.int64)
        cy_c, cy_t = np.nonzero(train)
        cy_grid[cy_c, cy_t] = np.arange(cy_c.size)
        Xc = cd.X[cy_c, cy_t]

        c_map = -np.ones(len(countries), dtype=np.int64)
        c_map[keep_c] = np.arange(keep_c.size)
        win_years = grid_years[in_window]
        y_map = {int(y): i for i, y in enumerate(win_years)}
        n_sd = len(spaces_t) * 2
        rows: dict[str, list[np.ndarray]] = {k: [] for k in ("cy", "sd", "c", "t", "d", "s", "y", "Z")}
        dyn_scaling: dict[str, Any] = {}
        origin_dyn = np.zeros((len(spaces_t), len(DYNAMIC_NAMES)))
        path_dyn = np.zeros((len(spaces_t), MAX_PATH_STEPS, len(DYNAMIC_NAMES)))
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
            tmean = zt[t_idx, vs[t_idx]].mean(axis=0)
            zt[t_idx] -= tmean
            dyn_scaling[s] = {"centre": centre.tolist(), "scale": scale.tolist(),
                              "target_mean": tmean.tolist()}
            origin_col = int(np.flatnonzero(grid_years == origin + 1)[0])
            od = zt[t_idx, origin_col]
            origin_dyn[si] = np.where(np.isnan(od), 0.0, od)
            raw_path = _survival_path_dynamics(dyn[t_idx, origin_col], x_prev=_value_at(
                panel_g[SPACES[s]], target, origin - 1), x_origin=_value_at(panel_g[SPACES[s]], target, origin))
            zp = (raw_path - centre) / scale - tmean
            path_dyn[si] = np.where(np.isnan(zp), origin_dyn[si][None, :], zp)
            for di, d in enumerate(DIRECTIONS):
                m = valid[(s, d)]
                c, t = np.nonzero(m)
                yv = _align_events(events, panel_g, s, d)[c, t]
                sd = si * 2 + di
                rows["cy"].append(cy_grid[c, t])
                rows["sd"].append(np.full(c.size, sd))
                rows["c"].append(c_map[c])
                rows["t"].append(np.array([y_map[int(y)] for y in grid_years[t]], dtype=np.int64))
                rows["d"].append(np.full(c.size, di))
                rows["s"].append(np.full(c.size, si))
                rows["y"].append(yv)
                rows["Z"].append(zt[c, t])
                tt = np.array([y_map[int(y)] for y in grid_years[np.flatnonzero(m[t_idx])]], dtype=np.int64)
                W[sd, tt] = 1.0 / max(tt.size, 1)
                base_rate[si, di] = float(yv.mean())
                obs_vals[di, si, c_map[c], rows["t"][-1]] = yv
        arr = {k: np.concatenate(v) for k, v in rows.items()}
        # Case-control thinning of non-event rows (exact conditional likelihood with an offset of
        # -log(f); every event row is kept). f = 1 uses every row.
        f = float(self.options["control_fraction"])
        u01 = np.random.default_rng(np.random.SeedSequence(int(self.options["subsample_seed"]))).random(arr["y"].size)
        fit_mask = (arr["y"] == 1) | (u01 < f)
        regions_all = np.asarray(panel["region"].values, dtype=np.int64)
        region_codes, region_idx = np.unique(regions_all[keep_c], return_inverse=True)
        arrays = {
            "Xc": np.ascontiguousarray(Xc, dtype=np.float64),
            "obs_cy": arr["cy"].astype(np.int64),
            "obs_sd": arr["sd"].astype(np.int64),
            "obs_c": arr["c"].astype(np.int64),
            "obs_t": arr["t"].astype(np.int64),
            "obs_d": arr["d"].astype(np.int64),
            "obs_s": arr["s"].astype(np.int64),
            "Z": np.ascontiguousarray(arr["Z"], dtype=np.float64),
            "XZ": np.ascontiguousarray(np.concatenate([Xc[arr["cy"]], arr["Z"]], axis=1)),
            "y": arr["y"].astype(np.float64),
            "country_region": region_idx.astype(np.int64),
            "target_c": np.array(c_map[t_idx], dtype=np.int64),
            "target_year_weights": W,
            "origin_dyn": origin_dyn,
            "path_dyn": path_dyn,
            "fit_mask": fit_mask,
            "offset": np.array(-np.log(f)),
            "base_rate": base_rate,
        }
        kept = countries[keep_c]
        observed = xr.Dataset(
            {
                d: (("space", "country", "year"), obs_vals[di])
                for di, d in enumerate(DIRECTIONS)
            },
            coords={"space": list(spaces_t), "country": kept, "year": win_years},
        )
        hist_vars = [v for v in panel.data_vars]
        th = panel[hist_vars].sel(country=target).sel(year=slice(None, origin))
        return ModelData(
            model=self.name,
            target=target,
            origin=origin,
            start=start,
            spaces=spaces_t,
            covariates=cd.names,
            dynamic=DYNAMIC_NAMES,
            scaling={"common": cd.scaling, "dynamic": dyn_scaling},
            arrays=arrays,
            target_history=th.load(),
            observed=observed,
            meta={
                "countries": kept.tolist(),
                "regions": region_codes.tolist(),
                "years": win_years.tolist(),
                "n_rows": int(arr["y"].size),
                "n_rows_fit": int(fit_mask.sum()),
                "n_country_years": int(Xc.shape[0]),
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
        coords = {
            "space": list(data.spaces),
            "direction": list(DIRECTIONS),
            "covariate": list(data.covariates),
            "dynamic": list(data.dynamic),
            "country": list(data.meta["countries"]),
            "region": [str(r) for r in data.meta["regions"]],
            "year": [int(y) for y in data.meta["years"]],
        }
        mu0 = np.array([self._aid_prior("aid_prior_mean", c) if c in AID_TERMS else 0.0
                        for c in data.covariates])
        sd0 = np.array([self._aid_prior("aid_prior_sd", c) if c in AID_TERMS
                        else float(self.options["beta_prior_sd"]) for c in data.covariates])
        w, m, sd = _theta_prior_arrays(data, prior, float(self.options["vague_prior_sd"]))
        o = self.options
        with pm.Model(coords=coords) as model:
            alpha = pm.Normal("alpha", mu=logit(np.clip(a["base_rate"], 1e-3, 0.5)), sigma=1.5,
                              dims=("space", "direction"))
            if w.shape[-1] == 1:
                theta = pm.Normal("theta", mu=m[..., 0], sigma=sd[..., 0], dims=("space", "direction"))
            else:
                theta = pm.NormalMixture("theta", w=w, mu=m, sigma=sd, dims=("space", "direction"))
            sigma_year = pm.HalfNormal("sigma_year", sigma=o["sigma_year_scale"], dims="direction")
            # centred (default): every year has hundreds of rows, so the data identify its effect
            # well (real panel: min ESS 170 vs 77 non-centred at 2 x 400 draws); non-centred suits
            # small panels without year shocks (parameter-recovery simulations).
            if o["centred"]:
                years_d = [pm.ZeroSumNormal(f"year_{d}", sigma=sigma_year[i], dims="year")
                           for i, d in enumerate(DIRECTIONS)]
                year_eff = pm.Deterministic("year_effect", pt.stack(years_d, axis=1),
                                            dims=("year", "direction"))
            else:
                z_year = pm.ZeroSumNormal("z_year", sigma=1.0, dims=("direction", "year"))
                year_eff = pm.Deterministic("year_effect", (z_year * sigma_year[:, None]).T,
                                            dims=("year", "direction"))
            sigma_region = pt.as_tensor(np.full(D, float(o["sigma_region_scale"])))
            z_region = pm.ZeroSumNormal("z_region", sigma=1.0, dims=("space", "direction", "region"))
            sigma_country = pm.HalfNormal("sigma_country", sigma=o["sigma_country_scale"] * 2,
                                          dims="direction")
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
            sigma_beta = pm.HalfNormal("sigma_beta", sigma=o["sigma_beta_scale"], dims="direction")
            z_beta = pm.Normal("z_beta", 0.0, 1.0, dims=("covariate", "space", "direction"))
            beta = pm.Deterministic("beta", beta0[:, None, :] + sigma_beta * z_beta,
                                    dims=("covariate", "space", "direction"))
            gamma0 = pm.Normal("gamma0", 0.0, 1.0, dims=("dynamic", "direction"))
            sigma_gamma = pm.HalfNormal("sigma_gamma", sigma=0.5, dims="direction")
            if o["centred"]:
                gamma = pm.Normal("gamma", mu=gamma0[:, None, :], sigma=sigma_gamma,
                                  dims=("dynamic", "space", "direction"))
            else:
                z_gamma = pm.Normal("z_gamma", 0.0, 1.0, dims=("dynamic", "space", "direction"))
                gamma = pm.Deterministic("gamma", gamma0[:, None, :] + sigma_gamma * z_gamma,
                                         dims=("dynamic", "space", "direction"))

            region_eff = pt.moveaxis(z_region, -1, 0) * sigma_region  # (region, space, direction)
            u = (region_eff[a["country_region"]]
                 + (z_country * sigma_country)[:, None, :]
                 + cs_eff)
            base = alpha[None, :, :] + u  # (country, space, direction)
            ybar = pt.sum(
                pt.as_tensor(a["target_year_weights"]).reshape((S, D, -1))
                * year_eff.T[None, :, :], axis=-1)  # (space, direction)
            base = pt.set_subtensor(base[int(a["target_c"])], theta - ybar)
            base_flat = base.reshape((-1,))
            coef = pt.concatenate([beta, gamma], axis=0)  # (covariate + dynamic, space, direction)
            fm = np.flatnonzero(a["fit_mask"])
            XZ = a["XZ"][fm]
            obs_sd = a["obs_sd"][fm]
            bounds = np.searchsorted(obs_sd, np.arange(n_sd + 1))
            parts = [
                pt.dot(pt.as_tensor(XZ[bounds[b]: bounds[b + 1]]), coef[:, b // D, b % D])
                for b in range(n_sd)
            ]
            eta = (pt.concatenate(parts)
                   + base_flat[a["obs_c"][fm] * n_sd + obs_sd]
                   + year_eff.reshape((-1,))[a["obs_t"][fm] * D + a["obs_d"][fm]]
                   + float(a["offset"]))
            pm.Bernoulli("events", logit_p=eta, observed=a["y"][fm])
        return model

    # ------------------------------------------------------------------ predict
    def hazards(
        self,
        posterior: xr.Dataset,
        data: ModelData,
        future_X: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Yearly hazards of the target, per draw: ``(sample, scenario, step, space, direction)``.

        ``future_X``: ``(scenario, step, covariate)`` from ``data.future_common``. Dynamic
        covariates (level, recent change, years since a large move) follow the *survival path*:
        the hazard of year ``T+k+1`` enters ``P(no event in T+1..T+H) = prod(1 - h)`` only given
        that no event happened before it, so it is evaluated on the path on which the index made
        no large move after the origin -- level held at ``x[T]``, two-year change
        ``x[T]-x[T-2]``, then ``x[T]-x[T-1]``, then 0, and years since a large move growing by
        one a year (see :func:`_survival_path_dynamics`). Future year effects are drawn from
        ``Normal(0, sigma_year)``.
        """
        post = posterior.stack(sample=("chain", "draw"))
        theta = post["theta"].transpose("sample", "space", "direction").values
        beta = post["beta"].transpose("sample", "covariate", "space", "direction").values
        gamma = post["gamma"].transpose("sample", "dynamic", "space", "direction").values
        year_eff = post["year_effect"].transpose("sample", "year", "direction").values
        sigma_year = post["sigma_year"].transpose("sample", "direction").values
        S = len(data.spaces)
        W = data.arrays["target_year_weights"].reshape(S, 2, -1)
        ybar = np.einsum("sdt,ntd->nsd", W, year_eff)
        n, n_steps = theta.shape[0], future_X.shape[1]
        path = data.arrays.get("path_dyn")
        if path is None:  # data prepared before survival paths existed: hold origin values
            path = np.repeat(data.arrays["origin_dyn"][:, None, :], n_steps, axis=1)
        if path.shape[1] < n_steps:
            raise UserInputError(f"forecasts go at most {path.shape[1]} years ahead, not {n_steps}.")
        dyn = np.einsum("stk,nksd->ntsd", path[:, :n_steps], gamma)  # (sample, step, space, dir)
        xb = np.einsum("qtk,nksd->nqtsd", future_X, beta)
        new_year = rng.standard_normal((n, 1, n_steps, 1, 2)) * sigma_year[:, None, None, None, :]
        eta = (theta - ybar)[:, None, None, :, :] + dyn[:, None] + xb + new_year
        return expit(eta)

    def predict(
        self,
        posterior: xr.Dataset,
        data: ModelData,
        future_X: np.ndarray,
        horizons: Sequence[int],
        rng: np.random.Generator,
    ) -> dict[str, np.ndarray]:
        """P(>= 1 event within H years) per draw: ``{"opening", "closing"}`` each
        ``(sample, scenario, space, horizon)`` (``1 - prod(1 - h)``, METHODS section 1)."""
        h = self.hazards(posterior, data, future_X, rng)
        surv = np.cumprod(1.0 - h, axis=2)  # over steps
        hz = np.asarray(horizons, dtype=np.int64) - 1
        p = 1.0 - surv[:, :, hz]  # (sample, scen, horizon, space, dir)
        p = np.moveaxis(p, 2, 3)  # (sample, scen, space, horizon, dir)
        return {d: p[..., i] for i, d in enumerate(DIRECTIONS)}

    # ------------------------------------------------------------------ PPC
    def linear_predictor(self, posterior: xr.Dataset, data: ModelData,
                         max_draws: int | None = None) -> np.ndarray:
        """Row-level ``logit h`` per draw, ``(sample, row)`` (for PPC and scoring)."""
        a = data.arrays
        post = posterior.stack(sample=("chain", "draw"))
        if max_draws is not None and post.sizes["sample"] > max_draws:
            idx = np.linspace(0, post.sizes["sample"] - 1, max_draws).astype(int)
            post = post.isel(sample=idx)
        get = lambda v, dims: post[v].transpose("sample", *dims).values  # noqa: E731
        alpha = get("alpha", ("space", "direction"))
        theta = get("theta", ("space", "direction"))
        ye = get("year_effect", ("year", "direction"))
        sr = np.full((post.sizes["sample"], 2), float(self.options["sigma_region_scale"]))
        zr = get("z_region", ("region", "space", "direction"))
        sc = get("sigma_country", ("direction",))
        zc = get("z_country", ("country", "direction"))
        cs = 0.0
        if "z_country_space" in post:
            scs = get("sigma_country_space", ("direction",))
            cs = get("z_country_space", ("country", "space", "direction")) * scs[:, None, None, :]
        beta = get("beta", ("covariate", "space", "direction"))
        gamma = get("gamma", ("dynamic", "space", "direction"))
        S = len(data.spaces)
        u = (zr[:, a["country_region"]] * sr[:, None, None, :]
             + (zc * sc[:, None, :])[:, :, None, :] + cs)
        base = alpha[:, None] + u
        W = a["target_year_weights"].reshape(S, 2, -1)
        base[:, int(a["target_c"])] = theta - np.einsum("sdt,ntd->nsd", W, ye)
        n = base.shape[0]
        base = base.reshape(n, -1)
        n_sd = S * 2
        out = np.empty((n, a["y"].size))
        for i in range(n):
            xb = (a["Xc"] @ beta[i].reshape(len(data.covariates), n_sd)).reshape(-1)
            G = gamma[i].reshape(len(data.dynamic), n_sd).T
            out[i] = (base[i, a["obs_c"] * n_sd + a["obs_sd"]] + xb[a["obs_cy"] * n_sd + a["obs_sd"]]
                      + np.einsum("rk,rk->r", a["Z"], G[a["obs_sd"]])
                      + ye[i].reshape(-1)[a["obs_t"] * 2 + a["obs_d"]])
        return out

    def posterior_predictive(self, posterior: xr.Dataset, data: ModelData,
                             rng: np.random.Generator, max_draws: int = 400) -> xr.Dataset:
        """Per-draw predicted share of country-years with an event, per space and direction.

        ``share`` is the mean predicted probability over the training rows (expected share);
        ``share_replicated`` adds Bernoulli noise; ``observed_share`` is the data.
        """
        a = data.arrays
        eta = self.linear_predictor(posterior, data, max_draws=max_draws)
        p = expit(eta)
        S = len(data.spaces)
        share = np.zeros((p.shape[0], S, 2))
        rep = np.zeros_like(share)
        obs = np.zeros((S, 2))
        ysim = rng.random(p.shape) < p
        for sd in range(S * 2):
            m = a["obs_sd"] == sd
            share[:, sd // 2, sd % 2] = p[:, m].mean(axis=1)
            rep[:, sd // 2, sd % 2] = ysim[:, m].mean(axis=1)
            obs[sd // 2, sd % 2] = a["y"][m].mean()
        coords = {"space": list(data.spaces), "direction": list(DIRECTIONS)}
        return xr.Dataset(
            {
                "share": (("sample", "space", "direction"), share),
                "share_replicated": (("sample", "space", "direction"), rep),
                "observed_share": (("space", "direction"), obs),
            },
            coords=coords,
        )


def _theta_prior_arrays(data: ModelData, prior: Any, vague_sd: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mixture arrays ``(space, direction, component)`` for the target's theta.

    ``prior=None`` or method ``none``: ``Normal(logit(base rate), vague_sd)``. Mixtures with fewer
    components are padded with copies of their first component at weight 1e-12 (negligible).
    """
    S = len(data.spaces)
    base = np.clip(data.arrays["base_rate"], 1e-3, 1 - 1e-3)
    method = None
    if prior is not None:
        meta = getattr(prior, "meta", None)
        method = getattr(meta, "method", None) if meta is not None else None
        if isinstance(meta, Mapping):
            method = meta.get("method")
    if prior is None or method == "none":
        return (np.ones((S, 2, 1)), logit(base)[..., None], np.full((S, 2, 1), vague_sd))
    mixes = [[prior.mixture(s, d) for d in DIRECTIONS] for s in data.spaces]
    k = max(len(mx.weights) for row in mixes for mx in row)
    w = np.full((S, 2, k), 1e-12)
    m = np.zeros((S, 2, k))
    sd = np.ones((S, 2, k))
    for i, row in enumerate(mixes):
        for j, mx in enumerate(row):
            n = len(mx.weights)
            w[i, j, :n] = mx.weights
            m[i, j, :] = mx.means[0]
            sd[i, j, :] = mx.sds[0]
            m[i, j, :n] = mx.means
            sd[i, j, :n] = mx.sds
    w = w / w.sum(axis=-1, keepdims=True)
    return w, m, sd

"""``trajectory``: logit-index AR model of every space jointly, for fan charts and index events.

For series ``s`` (the seven spaces, plus the WBL index when ``wbl=True``), with
``y = logit(clip(x, 0.005, 0.995))`` and ``dy[t] = y[t] - y[t-1]``, a hurdle model of the yearly
change (V-Dem's indices and the WBL index do not move at all in 13-87 % of country-years,
depending on the series: a continuous error distribution cannot fit that point mass)::

    moved[c,t,s] ~ Bernoulli(logistic(m0[s] + gamma[s] * moved[c,t-1,s] + sigma_m[s] * zm[c,s]))
    if moved:
    dy[c,t,s] = a[r(c),s] - kappa[s] * (y[c,t-1,s] - ybar[c,t-1,s]) + rho[s] * dy[c,t-1,s]
                + (X[c,t-1] - Xbar[c]) . beta[:,s] + g[t,s] + e,  e ~ StudentT(nu[s] > 2, 0, sigma[c,s])
    else dy = 0
    beta[k,s] = Normal(beta0[k], sigma_beta)              (series shrunk to a common drift effect;
                                                           sigma_beta a fixed, documented option;
                                                           0 for missingness indicators and columns
                                                           that do not vary within countries)
    g[t]     ~ Normal(0, sigma_g)                         (a year shock common to all series;
                                                           future shocks drawn from it)
    log sigma[c,s] = log_sigma[s] + tau[s] * z[c,s]       (hierarchical scales; the WBL index has one
                                                           scale for all countries)

The change equation is fitted on the rows where the series moved. Its parts, and why:

* ``ybar[c,t-1,s]`` is the running mean of the country's level over every observed year up to
  t-1 (recursive mean adjustment, So and Shin 1999; Sul, Phillips and Choi 2005). The series
  reverts towards its own history, so the country effect on the level needs no parameter; and
  because the running mean uses nothing after t-1 it avoids the Nickell (1981) bias of the usual
  within transformation (the full-sample country mean), which on simulated data overstated kappa
  by 0.05 (0.149 for 0.10). Parameterised as ``kappa * (m[c] - y)`` with a country mean ``m[c]``
  instead, the posterior was a curved ridge NUTS did not cross (R-hat 1.8, kappa 0.03). In the
  simulation the running mean is updated with each simulated year.
* The drift intercept is per region; a country intercept on top mixed badly (ESS 116 of 1,000
  draws for its scale, which sat near zero for the governing and electoral spaces). The country
  effects are its own history (``ybar``), volatility ``sigma[c,s]`` and propensity to move.
* The covariates are centred on each country's own mean over its training years (``Xbar[c]``, a
  Mundlak/"within" drift): ``beta`` is identified by changes within countries -- the question a
  scenario asks. Uncentred, the slow covariates (regime type, GDP) were confounded with the
  intercepts (ESS 16-30 of 1,000). For the target, ``a_target = a[r,s] - Xbar[t] . beta[:,s]``,
  so simulation uses the raw future covariates; ``move_target`` is its log-odds of moving after a
  year without a move.

Paths are simulated per posterior draw under each scenario's covariate paths; P(rise >= delta)
and (by appending paths to the observed history and running ``analogcast.data.code_events``)
opening/closing probabilities are read from them -- a cross-check of ``event_logit``.

Both models borrow from the analogs. Given an analogy prior with a drift part
(``prior.drift_mixture(series)``, :mod:`analogcast.priors.drift`), the target's drift intercept in
its current spell (years from ``prior.meta.current_from`` on; every target year when that is not
set) is its own parameter ``a_target_own[series]`` with that prior, instead of the region
intercept; series the prior does not cover get the region intercept's own prior ``N(0, 0.1^2)``.
Without such a prior the target's drift is the region intercept, as for every other country.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from scipy.special import expit, logit

from analogcast.errors import UserInputError, did_you_mean
from analogcast.models.contract import (
    ForecastBundle,
    HeadlineParam,
    ModelOutputs,
    ScenarioPaths,
    TableSpec,
)
from analogcast.models.design import (
    ModelData,
    common_design,
    resolve_spaces,
    validate_target_origin,
)
from analogcast.models.likelihoods import bernoulli_logit, student_t

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm

__all__ = ["Trajectory", "to_logit", "CLIP"]

CLIP: tuple[float, float] = (0.005, 0.995)
#: a change of the logit index smaller than this counts as "did not move"
MOVE_EPS: float = 1e-9
#: a design column drives the drift only if its within-country SD reaches this (standardised units)
MIN_WITHIN_SD: float = 0.05

DEFAULT_OPTIONS: dict[str, Any] = {
    "start": 1970,
    "wbl": True,
    "n_paths": 20,
    "countries": 0,
    "sample_seed": 0,
    "beta_prior_sd": 0.05,
    "sigma_beta_scale": 0.02,
}


def to_logit(x: np.ndarray) -> np.ndarray:
    """``logit(clip(x, 0.005, 0.995))`` (NaN stays NaN)."""
    return logit(np.clip(np.asarray(x, dtype=np.float64), *CLIP))


class Trajectory:
    """Logit-index AR model (registry name ``trajectory``).

    Parameters
    ----------
    **options
        ``start`` (first outcome year), ``wbl`` (also model the WBL index, /100), ``n_paths``
        (simulated paths per posterior draw), ``beta_prior_sd`` (prior SD of the common drift
        effect of each covariate, logit units per year per SD) and ``sigma_beta_scale`` (fixed SD
        of a series' deviation from it: a learned scale sat near zero and mixed badly, min ESS 39
        of 1,000 draws), ``countries`` (0: fit on every
        country; N > 0: on the target plus a random sample of N - 1 other countries, stratified
        by region in proportion to its size, drawn with ``sample_seed`` -- the population
        parameters are then estimated from that sample, with wider intervals, at a fraction of
        the cost).
    """

    name = "trajectory"
    #: index paths and what is read off them; its events are stored as p_opening_traj / p_closing_traj
    outputs = ModelOutputs(
        events=True, event_tag="traj", label="the trajectory model", paths=True,
        caveat=("Differences between scenarios in these index paths are prior-driven: the trajectory "
                "model is fitted from 1990 in the main job, so its training years barely include the "
                "Cold-War years and the aid-era terms stay near their priors; the executive summary "
                "compares scenarios with the event model only."),
        extras=("index", "p_rise", "index_origin", "wbl", "p_wbl_rise", "wbl_origin"),
        tables=(TableSpec("rise.csv", "rise", ("p_rise",)), TableSpec("index.csv", "index", ("index",)),
                TableSpec("wbl.csv", "wbl", ("wbl", "p_wbl_rise"))),
        headline=(HeadlineParam("beta0", {"covariate": ("aid", "aid_cw"), "direction": ("opening",)},
                                "Covariate effect"),
                  HeadlineParam("move_target", {}, "Target's chance of a large move")),
    )

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(DEFAULT_OPTIONS)
        if unknown:
            bad = sorted(unknown)[0]
            raise UserInputError(f"unknown option '{bad}' for model 'trajectory'."
                                 + did_you_mean(bad, DEFAULT_OPTIONS))
        self.options: dict[str, Any] = {**DEFAULT_OPTIONS, **options}
        if int(self.options["n_paths"]) < 1:
            raise UserInputError("option 'n_paths' of model 'trajectory' must be >= 1.")
        n_c = self.options["countries"]
        if not isinstance(n_c, int) or isinstance(n_c, bool) or n_c < 0 or n_c == 1:
            raise UserInputError(
                f"option 'countries' of model 'trajectory' must be 0 (all countries) or an integer >= 2, got {n_c!r}.")

    def prepare(
        self,
        panel: xr.Dataset,
        events: xr.Dataset | None = None,
        *,
        target: str,
        origin: int,
        spaces: Sequence[str] | None = None,
        start: int | None = None,
    ) -> ModelData:
        """Rows (country, year, series) with ``y[t]``, ``y[t-1]``, ``y[t-2]`` observed, years
        ``start..origin``; ``events`` is not used (events are read from simulated paths)."""
        from analogcast.data import CUTPOINTS, SPACES

        start = int(self.options["start"] if start is None else start)
        origin = int(origin)
        validate_target_origin(panel, target, origin, start)
        if int(self.options["countries"]) > 0:
            panel = panel.isel(country=_country_sample(
                panel, target, int(self.options["countries"]), int(self.options["sample_seed"])))
        spaces_t = resolve_spaces(spaces, list(SPACES))
        series = list(spaces_t)
        sources = [SPACES[s] for s in spaces_t]
        scale = [1.0] * len(series)
        if self.options["wbl"] and "wbl_index" in panel:
            series.append("wbl")
            sources.append("wbl_index")
            scale.append(100.0)
        countries = np.asarray([str(c) for c in panel["country"].values])
        years = np.asarray(panel["year"].values, dtype=np.int64)
        grid_years = np.arange(years.min(), origin + 2)
        pg = panel.reindex(year=grid_years)
        cut = grid_years > origin
        t_idx = int(np.flatnonzero(countries == target)[0])
        in_window = (grid_years >= start) & (grid_years <= origin)
        ys = []
        for src, sc in zip(sources, scale, strict=True):
            x = np.asarray(pg[src].transpose("country", "year").values, dtype=np.float64) / sc
            x[:, cut] = np.nan
            ys.append(to_logit(x))
        Y = np.stack(ys, axis=-1)  # (country, year, series)
        y1 = np.full_like(Y, np.nan)
        y1[:, 1:] = Y[:, :-1]
        y2 = np.full_like(Y, np.nan)
        y2[:, 2:] = Y[:, :-2]
        valid = ~np.isnan(Y) & ~np.isnan(y1) & ~np.isnan(y2) & in_window[None, :, None]
        train = valid.any(axis=-1)
        if not valid[t_idx].any():
            raise UserInputError(f"target '{target}' has no index series between {start} and {origin}.")
        keep_c = np.flatnonzero(train.any(axis=1))
        cd = common_design(pg, train, t_idx, train[t_idx])
        cy_grid = -np.ones(train.shape, dtype=np.int64)
        cy_c, cy_t = np.nonzero(train)
        cy_grid[cy_c, cy_t] = np.arange(cy_c.size)
        c_map = -np.ones(len(countries), dtype=np.int64)
        c_map[keep_c] = np.arange(keep_c.size)
        win_years = grid_years[in_window]
        first = int(np.flatnonzero(in_window)[0])
        c, t, s = np.nonzero(valid)
        regions_all = np.asarray(panel["region"].values, dtype=np.int64)
        region_codes, region_idx = np.unique(regions_all[keep_c], return_inverse=True)
        o_col = int(np.flatnonzero(grid_years == origin)[0])
        # running mean of the level over every observed year up to t-1 (recursive mean
        # adjustment): the lag is centred on information available at t-1 only
        obs_y = ~np.isnan(Y)
        run_n = np.cumsum(obs_y, axis=1)
        run_mean = np.cumsum(np.where(obs_y, Y, 0.0), axis=1) / np.maximum(run_n, 1)
        run_mean[run_n == 0] = np.nan
        ybar_rows = run_mean[c, t - 1, s]  # mean of years .. t-1 (y_prev included)
        ybar_origin = np.array([run_mean[t_idx, o_col, k] for k in range(len(series))])
        n_origin = np.array([run_n[t_idx, o_col, k] for k in range(len(series))], dtype=np.float64)
        hist = np.stack([Y[t_idx, o_col - 2 : o_col + 1, k] for k in range(len(series))])  # (series, 3)
        hist_fill = np.array([_last3(Y[t_idx, : o_col + 1, k]) for k in range(len(series))])
        # covariates centred on each country's own training mean ("within" drift, Mundlak): the
        # drift effects are identified by changes within countries and are nearly uncorrelated
        # with the country intercepts; the target's mean is folded into ``a_target``
        X_cy = cd.X[cy_c, cy_t]
        cy_k = c_map[cy_c]
        n_cy = np.bincount(cy_k, minlength=keep_c.size).astype(np.float64)
        Xbar = np.stack([np.bincount(cy_k, weights=X_cy[:, j], minlength=keep_c.size)
                         for j in range(X_cy.shape[1])], axis=1) / np.maximum(n_cy, 1.0)[:, None]
        arrays = {
            "Xc": np.ascontiguousarray(X_cy - Xbar[cy_k]),
            "Xbar": Xbar,
            "obs_cy": cy_grid[c, t],
            "obs_c": c_map[c],
            "obs_t": (t - first).astype(np.int64),
            "obs_s": s.astype(np.int64),
            "y_prev": y1[c, t, s],
            "y_prev_c": y1[c, t, s] - ybar_rows,
            "moved": (np.abs(Y[c, t, s] - y1[c, t, s]) > MOVE_EPS).astype(np.int64),
            "moved_prev": (np.abs(y1[c, t, s] - y2[c, t, s]) > MOVE_EPS).astype(np.float64),
            "ybar_origin": np.nan_to_num(ybar_origin),
            "n_origin": n_origin,
            "dy_prev": y1[c, t, s] - y2[c, t, s],
            "dy": Y[c, t, s] - y1[c, t, s],
            "country_region": region_idx.astype(np.int64),
            "target_c": np.array(c_map[t_idx], dtype=np.int64),
            "origin_y": np.where(np.isnan(hist), hist_fill[:, None], hist),  # logit, years origin-2..origin
        }
        # The drift uses a design column only if it is a covariate (not a missingness indicator:
        # within countries those switch in a handful of years, and their effects were not
        # identified, ESS 46-124 of 1,000 draws), varies within countries (SD of the centred
        # column >= MIN_WITHIN_SD standardised units) and is not an exact duplicate of an earlier
        # column. Other columns get beta = 0; their cross-country part is in the intercepts. A
        # missing covariate value is the training mean (0 on the design scale), so in the drift
        # a missing year counts as an average year for that covariate.
        Xc = arrays["Xc"]
        _, first_of = np.unique(np.round(Xc, 12), axis=1, return_index=True)
        varies = Xc.std(axis=0) >= MIN_WITHIN_SD
        drift_cols = np.asarray([j for j in np.sort(first_of)
                                 if varies[j] and not cd.names[j].startswith("miss_")], dtype=np.int64)
        cps = [float(CUTPOINTS[sp]) for sp in spaces_t]
        observed = xr.Dataset(
            {"dy": (("row",), arrays["dy"])},
            coords={"row": np.arange(arrays["dy"].size)},
        )
        return ModelData(
            model=self.name, target=target, origin=origin, start=start, spaces=spaces_t,
            covariates=cd.names, dynamic=(), scaling={"common": cd.scaling},
            arrays=arrays,
            target_history=panel.sel(country=target).sel(year=slice(None, origin)).load(),
            observed=observed,
            meta={
                "series": series, "series_scale": scale, "cutpoints": cps,
                "countries": countries[keep_c].tolist(), "regions": region_codes.tolist(),
                "years": win_years.tolist(), "n_rows": int(c.size),
                "n_country_years": int(cy_c.size), "options": dict(self.options),
                "drift_covariates": [cd.names[i] for i in drift_cols],
            },
        )

    def build(self, data: ModelData, prior: Any = None) -> pm.Model:
        """Build the PyMC model (never samples). ``prior``: an ``AnalogPrior`` whose drift part
        (``drift_mixture(series)``) becomes the prior of the target's drift intercept, or None."""
        import pymc as pm
        import pytensor.tensor as pt

        a = data.arrays
        series = data.meta["series"]
        n_s = len(series)
        o = self.options
        drift = list(data.meta.get("drift_covariates", data.covariates))
        drift_idx = np.asarray([list(data.covariates).index(k) for k in drift], dtype=np.int64)
        coords = {"series": series, "covariate": list(data.covariates), "drift_covariate": drift,
                  "country": data.meta["countries"],
                  "region": [str(r) for r in data.meta["regions"]],
                  "year": [int(y) for y in data.meta["years"]]}
        mv = np.flatnonzero(a["moved"] == 1)  # rows of the change equation
        s_mv, c_mv = a["obs_s"][mv], a["obs_c"][mv]
        with pm.Model(coords=coords) as model:
            # hurdle: does the series move this year?
            m0 = pm.Normal("move_alpha", 0.0, 1.5, dims="series")
            gamma = pm.Normal("move_gamma", 0.0, 1.5, dims="series")
            sigma_m = pm.HalfNormal("sigma_move", 1.0, dims="series")
            z_m = pm.Normal("z_move", 0.0, 1.0, dims=("country", "series"))
            u_m = sigma_m * z_m
            eta = (m0[a["obs_s"]] + gamma[a["obs_s"]] * a["moved_prev"]
                   + u_m.reshape((-1,))[a["obs_c"] * n_s + a["obs_s"]])
            bernoulli_logit("moved", eta, a["moved"])
            # change equation, on the rows that moved
            kappa_raw = pm.Normal("kappa_raw", -3.0, 1.0, dims="series")
            kappa = pm.Deterministic("kappa", pm.math.sigmoid(kappa_raw), dims="series")
            rho = pm.Normal("rho", 0.0, 0.3, dims="series")
            # drift intercept per region: each country already reverts to its own mean level
            # ybar[c,s] (a country-specific intercept on top mixed badly, ESS 116 of 1,000 for its
            # scale, and sat near zero for the governing and electoral spaces)
            a_region = pm.Normal("a_region", 0.0, 0.1, dims=("region", "series"))
            a_cs = a_region[a["country_region"]]
            beta0 = pm.Normal("beta0", 0.0, o["beta_prior_sd"], dims="drift_covariate")
            sigma_beta = float(o["sigma_beta_scale"])
            # centred: the scale is fixed, so there is no funnel, and the data inform each
            # series' effect well (non-centred z_beta mixed worst of all, ESS 38 of 1,000)
            beta_kept = pm.Normal("beta_series", beta0[:, None], sigma_beta,
                                  dims=("drift_covariate", "series"))
            beta = pm.Deterministic(
                "beta", pt.zeros((len(data.covariates), n_s))[drift_idx].set(beta_kept),
                dims=("covariate", "series"))
            # one year shock shared by the series, non-centred (per series, the eight scales sat
            # near zero and mixed at ESS 32-230 of 1,000 draws; centred, ESS 5)
            sigma_g = pm.HalfNormal("sigma_g", 0.1)
            z_g = pm.Normal("z_g", 0.0, 1.0, dims="year")
            g = pt.repeat((z_g * sigma_g)[:, None], n_s, axis=1)
            log_sigma = pm.Normal("log_sigma", -2.0, 1.0, dims="series")
            # country-specific scales for the V-Dem spaces; the WBL index moves by legal reforms
            # of a few fixed sizes, too rarely per country to estimate a scale each (with one,
            # its tail and scale parameters mixed at ESS 226-349 of 3,000 draws)
            scaled, pos, on = _scaled_series(series)
            model.add_coord("scaled_series", scaled)
            tau = pm.HalfNormal("tau_sigma", 0.5, dims="scaled_series")
            z_sig = pm.Normal("z_sigma", 0.0, 1.0, dims=("country", "scaled_series"))
            log_sig_cs = log_sigma + (tau * z_sig)[:, pos] * on
            # tails: nu > 2 (finite variance). Left free, nu fell below 1 for the governing and
            # electoral spaces (no finite mean): the log density liked it, but simulated paths
            # then jumped to the ends of the scale and replicated mean changes were off by up to
            # 0.46 logit units
            nu = pm.Deterministic("nu", 2.0 + pm.Gamma("nu_minus_2", 2.0, 0.1, dims="series"),
                                  dims="series")
            XB = pt.dot(pt.as_tensor(a["Xc"]), beta).reshape((-1,))  # (country-year x series)
            XB = XB[a["obs_cy"][mv] * n_s + s_mv]
            tc = int(a["target_c"])
            a_rows = a_cs.reshape((-1,))[c_mv * n_s + s_mv]
            drift = _drift_prior_arrays(prior, series)
            if drift is not None:
                w_d, m_d, sd_d = drift
                if w_d.shape[-1] == 1:
                    a_own = pm.Normal("a_target_own", m_d[:, 0], sd_d[:, 0], dims="series")
                else:
                    a_own = pm.NormalMixture("a_target_own", w=w_d, mu=m_d, sigma=sd_d,
                                             dims="series")
                yrs = np.asarray(data.meta["years"], dtype=np.int64)[a["obs_t"][mv]]
                since = getattr(getattr(prior, "meta", None), "current_from", None)
                own = (c_mv == tc) & (yrs >= (since if since is not None else -10**9))
                a_rows = pt.where(own, a_own[s_mv], a_rows)
                a_t_intercept = a_own
            else:
                a_t_intercept = a_cs[tc]
            mu = (a_rows
                  - kappa[s_mv] * a["y_prev_c"][mv] + rho[s_mv] * a["dy_prev"][mv]
                  + XB + g.reshape((-1,))[a["obs_t"][mv] * n_s + s_mv])
            sig = pt.exp(log_sig_cs.reshape((-1,))[c_mv * n_s + s_mv])
            student_t("dy", nu, s_mv, mu, sig, a["dy"][mv])
            pm.Deterministic("move_target", m0 + u_m[tc], dims="series")
            pm.Deterministic("a_target", a_t_intercept - pt.dot(pt.as_tensor(a["Xbar"][tc]), beta),
                             dims="series")
            pm.Deterministic("sigma_target", pt.exp(log_sig_cs[tc]), dims="series")
        return model

    def simulate(
        self,
        posterior: xr.Dataset,
        data: ModelData,
        future_X: np.ndarray,
        rng: np.random.Generator,
        n_steps: int = 10,
    ) -> np.ndarray:
        """Simulated target index paths on the 0-1 scale.

        Returns ``(sample, scenario, series, path, step)`` for years ``origin+1 .. origin+n_steps``
        (WBL on its 0-1 scale, i.e. /100). ``future_X`` is ``(scenario, step, covariate)``;
        step k holds covariates of year ``origin + k`` which drive the change into ``origin+k+1``.
        """
        post = posterior.stack(sample=("chain", "draw"))
        g = lambda v, dims: post[v].transpose("sample", *dims).values  # noqa: E731
        kappa, rho = g("kappa", ("series",)), g("rho", ("series",))
        a_t, sig_t = g("a_target", ("series",)), g("sigma_target", ("series",))
        beta = g("beta", ("covariate", "series"))
        sigma_g, nu = g("sigma_g", ()), g("nu", ("series",))
        m_t, gam = g("move_target", ("series",)), g("move_gamma", ("series",))
        n = kappa.shape[0]
        n_q = future_X.shape[0]
        n_p = int(self.options["n_paths"])
        n_s = kappa.shape[1]
        y0 = data.arrays["origin_y"]  # (series, 3)
        drift = np.einsum("qtk,nks->nqst", future_X[:, :n_steps], beta)  # (n, q, s, t)
        out = np.empty((n, n_q, n_s, n_p, n_steps))
        shape = (n, n_q, n_s, n_p)
        y = np.broadcast_to(y0[None, None, :, None, 2], shape).copy()
        dy = np.broadcast_to((y0[:, 2] - y0[:, 1])[None, None, :, None], shape).copy()
        moved = np.abs(dy) > MOVE_EPS
        ybar = np.broadcast_to(data.arrays["ybar_origin"][None, None, :, None], shape).copy()
        n_run = np.broadcast_to(data.arrays["n_origin"][None, None, :, None], shape).copy()
        ex = lambda v: v[:, None, :, None]  # noqa: E731  (sample, series) -> broadcast to shape
        for k in range(n_steps):
            p_move = expit(ex(m_t) + ex(gam) * moved)
            moved = rng.random(shape) < p_move
            eps = rng.standard_t(np.broadcast_to(ex(nu), shape)) * ex(sig_t)
            shock = rng.standard_normal((n, n_q, 1, n_p)) * sigma_g[:, None, None, None]
            step = (ex(a_t) - ex(kappa) * (y - ybar) + ex(rho) * dy + drift[..., k][..., None]
                    + shock + eps)
            step = np.where(moved, step, 0.0)
            y = np.clip(y + step, -8.0, 8.0)
            ybar = (ybar * n_run + y) / (n_run + 1.0)
            n_run += 1.0
            dy = step
            out[..., k] = expit(y)
        return out

    def forecast(self, posterior: xr.Dataset, data: ModelData, scenarios: ScenarioPaths,
                 horizons: Sequence[int], rng: np.random.Generator, *,
                 deltas: Sequence[float] = (0.05,)) -> ForecastBundle:
        """Simulated paths per draw and scenario, summarised
        (:func:`analogcast.models.trajectory_forecast.trajectory_bundle`)."""
        from analogcast.models.trajectory_forecast import trajectory_bundle

        return trajectory_bundle(self, posterior, data, scenarios, horizons, rng, deltas)

    def origin_levels(self, data: ModelData) -> np.ndarray:
        """Observed target index (0-1) in years origin-2..origin, ``(series, 3)``."""
        return expit(data.arrays["origin_y"])

    def posterior_predictive(self, posterior: xr.Dataset, data: ModelData,
                             rng: np.random.Generator, max_draws: int = 200) -> xr.Dataset:
        """Per-draw one-step-ahead predictive checks per series: share of country-years in which
        the index moved (``rep_move`` vs ``observed_move``), and mean and SD of the yearly change
        (``rep_mean``, ``rep_sd`` vs ``observed_mean``, ``observed_sd``), zeros included."""
        a = data.arrays
        post = posterior.stack(sample=("chain", "draw"))
        if post.sizes["sample"] > max_draws:
            post = post.isel(sample=np.linspace(0, post.sizes["sample"] - 1, max_draws).astype(int))
        gv = lambda v, dims: post[v].transpose("sample", *dims).values  # noqa: E731
        kappa, rho = gv("kappa", ("series",)), gv("rho", ("series",))
        beta = gv("beta", ("covariate", "series"))
        ar = gv("a_region", ("region", "series"))
        gy = np.repeat((gv("z_g", ("year",)) * gv("sigma_g", ())[:, None])[:, :, None], len(data.meta["series"]), axis=2)
        ls, nu = gv("log_sigma", ("series",)), gv("nu", ("series",))
        _, pos, on = _scaled_series(list(data.meta["series"]))
        dev = (gv("tau_sigma", ("scaled_series",))[:, None, :]
               * gv("z_sigma", ("country", "scaled_series")))[:, :, pos] * on  # (sample, country, series)
        m0, gam = gv("move_alpha", ("series",)), gv("move_gamma", ("series",))
        sm, zm = gv("sigma_move", ("series",)), gv("z_move", ("country", "series"))
        n_s = kappa.shape[1]
        series = data.meta["series"]
        rep_mean = np.zeros((kappa.shape[0], n_s))
        rep_sd = np.zeros_like(rep_mean)
        rep_move = np.zeros_like(rep_mean)
        s_idx, c_idx = a["obs_s"], a["obs_c"]
        for i in range(kappa.shape[0]):
            acs = ar[i][a["country_region"]]
            xb = a["Xc"] @ beta[i]
            mu = (acs[c_idx, s_idx] - kappa[i, s_idx] * a["y_prev_c"] + rho[i, s_idx] * a["dy_prev"]
                  + xb[a["obs_cy"], s_idx] + gy[i][a["obs_t"], s_idx])
            sig = np.exp(ls[i, s_idx] + dev[i, c_idx, s_idx])
            p_move = expit(m0[i, s_idx] + gam[i, s_idx] * a["moved_prev"] + sm[i, s_idx] * zm[i, c_idx, s_idx])
            mv = rng.random(mu.size) < p_move
            rep = np.where(mv, mu + sig * rng.standard_t(nu[i, s_idx]), 0.0)
            for s in range(n_s):
                m = s_idx == s
                rep_mean[i, s] = rep[m].mean()
                rep_sd[i, s] = rep[m].std()
                rep_move[i, s] = mv[m].mean()
        obs = lambda f: np.array([f(s_idx == s) for s in range(n_s)])  # noqa: E731
        return xr.Dataset(
            {"rep_mean": (("sample", "series"), rep_mean), "rep_sd": (("sample", "series"), rep_sd),
             "rep_move": (("sample", "series"), rep_move),
             "observed_mean": (("series",), obs(lambda m: a["dy"][m].mean())),
             "observed_sd": (("series",), obs(lambda m: a["dy"][m].std())),
             "observed_move": (("series",), obs(lambda m: a["moved"][m].mean()))},
            coords={"series": series},
        )


#: prior of a series' drift intercept the analogy prior does not cover (as ``a_region``'s)
DRIFT_DEFAULT_SD: float = 0.1


def _drift_prior_arrays(prior: Any, series: Sequence[str]
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(weights, means, sds)`` arrays ``(series, component)`` of the target's drift prior.

    None when ``prior`` has no drift part (no prior, method ``none``, or an older prior file).
    Mixtures with fewer components are padded with their first component at weight 1e-12.
    """
    get = getattr(prior, "drift_mixture", None)
    if get is None:
        return None
    mixes = [get(k) for k in series]
    if all(m is None for m in mixes):
        return None
    k = max(len(m.weights) for m in mixes if m is not None)
    w = np.full((len(series), k), 1e-12)
    mu = np.zeros((len(series), k))
    sd = np.full((len(series), k), DRIFT_DEFAULT_SD)
    for i, m in enumerate(mixes):
        if m is None:
            w[i, 0] = 1.0
            continue
        n = len(m.weights)
        mu[i, :], sd[i, :] = m.means[0], m.sds[0]
        w[i, :n], mu[i, :n], sd[i, :n] = m.weights, m.means, m.sds
    return w / w.sum(axis=1, keepdims=True), mu, sd


def _scaled_series(series: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Series with country-specific scales (all but ``wbl``), each series' position among them
    (0 for ``wbl``, unused) and a 0/1 mask of the series that have one."""
    scaled = [k for k in series if k != "wbl"]
    pos = np.asarray([scaled.index(k) if k in scaled else 0 for k in series], dtype=np.int64)
    on = np.asarray([k in scaled for k in series], dtype=np.float64)
    return scaled, pos, on


def _last3(v: np.ndarray) -> float:
    ok = v[~np.isnan(v)]
    return float(ok[-1]) if ok.size else 0.0


def _country_sample(panel: xr.Dataset, target: str, n: int, seed: int) -> np.ndarray:
    """Sorted positions of the target plus ``n - 1`` other countries, stratified by region.

    Each region gets a share of the ``n - 1`` places proportional to its number of countries
    (largest remainders), filled by a seeded random permutation within the region.
    """
    countries = np.asarray([str(c) for c in panel["country"].values])
    others = np.flatnonzero(countries != target)
    if n - 1 >= others.size:
        return np.arange(countries.size)
    region = np.asarray(panel["region"].values)[others]
    codes, counts = np.unique(region, return_counts=True)
    quota = counts * (n - 1) / counts.sum()
    take = np.floor(quota).astype(int)
    for k in np.argsort(-(quota - take), kind="stable")[: (n - 1) - take.sum()]:
        take[k] += 1
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    chosen = [int(np.flatnonzero(countries == target)[0])]
    for code, k in zip(codes, take, strict=True):
        pool = others[region == code]
        chosen.extend(int(i) for i in rng.permutation(pool)[:k])
    return np.sort(np.asarray(chosen))

"""``trajectory``: logit-index AR model of every space jointly, for fan charts and index events.

For series ``s`` (the seven spaces, plus the WBL index when ``wbl=True``), with
``y = logit(clip(x, 0.005, 0.995))`` and ``dy[t] = y[t] - y[t-1]``::

    dy[c,t,s] = a[c,s] - kappa[s] * y[c,t-1,s] + rho[s] * dy[c,t-1,s]
                + X[c,t-1] . beta[:,s] + g[t,s] + e,    e ~ StudentT(nu, 0, sigma[c,s])
    a[c,s]   = a_region[r(c),s] + sigma_a[s] * z          (so the long-run level m = a / kappa)
    beta[k,s] = beta0[k] + sigma_beta * z                  (series shrunk to a common drift effect)
    g[t,s]   ~ Normal(0, sigma_g[s])                      (future year shocks drawn from it)
    log sigma[c,s] = log_sigma[s] + tau * z_c             (hierarchical scales)

Paths are simulated per posterior draw under each scenario's covariate paths; P(rise >= delta)
and (by appending paths to the observed history and running ``analogcast.data.code_events``)
opening/closing probabilities are read from them -- a cross-check of ``event_logit``. The target's
own effects take the hierarchical (region) prior here; the analogy prior, which is on event hazards,
enters ``event_logit`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from scipy.special import expit, logit

from analogcast.errors import UserInputError, did_you_mean
from analogcast.models.design import (
    ModelData,
    common_design,
    resolve_spaces,
    validate_target_origin,
)

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm

__all__ = ["Trajectory", "to_logit", "CLIP"]

CLIP: tuple[float, float] = (0.005, 0.995)

DEFAULT_OPTIONS: dict[str, Any] = {
    "start": 1970,
    "wbl": True,
    "n_paths": 20,
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
        (simulated paths per posterior draw), ``beta_prior_sd`` / ``sigma_beta_scale`` (priors of
        the covariate drift effects, logit units per year per SD).
    """

    name = "trajectory"

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(DEFAULT_OPTIONS)
        if unknown:
            bad = sorted(unknown)[0]
            raise UserInputError(f"unknown option '{bad}' for model 'trajectory'."
                                 + did_you_mean(bad, DEFAULT_OPTIONS))
        self.options: dict[str, Any] = {**DEFAULT_OPTIONS, **options}
        if int(self.options["n_paths"]) < 1:
            raise UserInputError("option 'n_paths' of model 'trajectory' must be >= 1.")

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
        hist = np.stack([Y[t_idx, o_col - 2 : o_col + 1, k] for k in range(len(series))])  # (series, 3)
        hist_fill = np.array([_last3(Y[t_idx, : o_col + 1, k]) for k in range(len(series))])
        arrays = {
            "Xc": np.ascontiguousarray(cd.X[cy_c, cy_t]),
            "obs_cy": cy_grid[c, t],
            "obs_c": c_map[c],
            "obs_t": (t - first).astype(np.int64),
            "obs_s": s.astype(np.int64),
            "y_prev": y1[c, t, s],
            "dy_prev": y1[c, t, s] - y2[c, t, s],
            "dy": Y[c, t, s] - y1[c, t, s],
            "country_region": region_idx.astype(np.int64),
            "target_c": np.array(c_map[t_idx], dtype=np.int64),
            "origin_y": np.where(np.isnan(hist), hist_fill[:, None], hist),  # logit, years origin-2..origin
        }
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
            },
        )

    def build(self, data: ModelData, prior: Any = None) -> pm.Model:
        """Build the PyMC model (never samples). ``prior`` is not used by this model."""
        import pymc as pm
        import pytensor.tensor as pt

        a = data.arrays
        series = data.meta["series"]
        n_s = len(series)
        o = self.options
        coords = {"series": series, "covariate": list(data.covariates),
                  "country": data.meta["countries"],
                  "region": [str(r) for r in data.meta["regions"]],
                  "year": [int(y) for y in data.meta["years"]]}
        with pm.Model(coords=coords) as model:
            kappa_raw = pm.Normal("kappa_raw", -3.0, 1.0, dims="series")
            kappa = pm.Deterministic("kappa", pm.math.sigmoid(kappa_raw), dims="series")
            rho = pm.Normal("rho", 0.0, 0.3, dims="series")
            a_region = pm.Normal("a_region", 0.0, 0.2, dims=("region", "series"))
            sigma_a = pm.HalfNormal("sigma_a", 0.1, dims="series")
            z_a = pm.Normal("z_a", 0.0, 1.0, dims=("country", "series"))
            a_cs = a_region[a["country_region"]] + sigma_a * z_a
            beta0 = pm.Normal("beta0", 0.0, o["beta_prior_sd"], dims="covariate")
            sigma_beta = pm.HalfNormal("sigma_beta", o["sigma_beta_scale"])
            z_beta = pm.Normal("z_beta", 0.0, 1.0, dims=("covariate", "series"))
            beta = pm.Deterministic("beta", beta0[:, None] + sigma_beta * z_beta,
                                    dims=("covariate", "series"))
            sigma_g = pm.HalfNormal("sigma_g", 0.1, dims="series")
            z_g = pm.Normal("z_g", 0.0, 1.0, dims=("year", "series"))
            g = z_g * sigma_g
            log_sigma = pm.Normal("log_sigma", -2.5, 1.0, dims="series")
            tau = pm.HalfNormal("tau_sigma", 0.5)
            z_sig = pm.Normal("z_sigma", 0.0, 1.0, dims="country")
            nu = pm.Gamma("nu", 2.0, 0.1)
            XB = pt.dot(pt.as_tensor(a["Xc"]), beta).reshape((-1,))
            mu = (a_cs.reshape((-1,))[a["obs_c"] * n_s + a["obs_s"]]
                  - kappa[a["obs_s"]] * a["y_prev"] + rho[a["obs_s"]] * a["dy_prev"]
                  + XB[a["obs_cy"] * n_s + a["obs_s"]]
                  + g.reshape((-1,))[a["obs_t"] * n_s + a["obs_s"]])
            sig = pt.exp(log_sigma[a["obs_s"]] + tau * z_sig[a["obs_c"]])
            pm.StudentT("dy", nu=nu, mu=mu, sigma=sig, observed=a["dy"])
            tc = int(a["target_c"])
            pm.Deterministic("a_target", a_cs[tc], dims="series")
            pm.Deterministic("sigma_target", pt.exp(log_sigma + tau * z_sig[tc]), dims="series")
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
        sigma_g, nu = g("sigma_g", ("series",)), g("nu", ())
        n = kappa.shape[0]
        n_q = future_X.shape[0]
        n_p = int(self.options["n_paths"])
        n_s = kappa.shape[1]
        y0 = data.arrays["origin_y"]  # (series, 3)
        drift = np.einsum("qtk,nks->nqst", future_X[:, :n_steps], beta)  # (n, q, s, t)
        out = np.empty((n, n_q, n_s, n_p, n_steps))
        y = np.broadcast_to(y0[None, None, :, None, 2], (n, n_q, n_s, n_p)).copy()
        dy = np.broadcast_to((y0[:, 2] - y0[:, 1])[None, None, :, None], (n, n_q, n_s, n_p)).copy()
        shape = (n, n_q, n_s, n_p)
        for k in range(n_steps):
            eps = rng.standard_t(np.broadcast_to(nu[:, None, None, None], shape)) * sig_t[:, None, :, None]
            shock = rng.standard_normal(shape) * sigma_g[:, None, :, None]
            step = (a_t[:, None, :, None] - kappa[:, None, :, None] * y + rho[:, None, :, None] * dy
                    + drift[..., k][..., None] + shock + eps)
            y = np.clip(y + step, -8.0, 8.0)
            dy = step
            out[..., k] = expit(y)
        return out

    def origin_levels(self, data: ModelData) -> np.ndarray:
        """Observed target index (0-1) in years origin-2..origin, ``(series, 3)``."""
        return expit(data.arrays["origin_y"])

    def posterior_predictive(self, posterior: xr.Dataset, data: ModelData,
                             rng: np.random.Generator, max_draws: int = 200) -> xr.Dataset:
        """Per-draw one-step-ahead predictive checks: mean and SD of replicated yearly changes
        per series versus observed (``rep_mean``, ``rep_sd``, ``observed_mean``, ``observed_sd``)."""
        a = data.arrays
        post = posterior.stack(sample=("chain", "draw"))
        if post.sizes["sample"] > max_draws:
            post = post.isel(sample=np.linspace(0, post.sizes["sample"] - 1, max_draws).astype(int))
        gv = lambda v, dims: post[v].transpose("sample", *dims).values  # noqa: E731
        kappa, rho = gv("kappa", ("series",)), gv("rho", ("series",))
        beta = gv("beta", ("covariate", "series"))
        ar, sa, za = gv("a_region", ("region", "series")), gv("sigma_a", ("series",)), gv("z_a", ("country", "series"))
        zg, sg = gv("z_g", ("year", "series")), gv("sigma_g", ("series",))
        ls, tau, zs, nu = gv("log_sigma", ("series",)), gv("tau_sigma", ()), gv("z_sigma", ("country",)), gv("nu", ())
        n_s = kappa.shape[1]
        series = data.meta["series"]
        rep_mean = np.zeros((kappa.shape[0], n_s))
        rep_sd = np.zeros_like(rep_mean)
        s_idx, c_idx = a["obs_s"], a["obs_c"]
        for i in range(kappa.shape[0]):
            acs = ar[i][a["country_region"]] + sa[i] * za[i]
            xb = a["Xc"] @ beta[i]
            mu = (acs[c_idx, s_idx] - kappa[i, s_idx] * a["y_prev"] + rho[i, s_idx] * a["dy_prev"]
                  + xb[a["obs_cy"], s_idx] + (zg[i] * sg[i])[a["obs_t"], s_idx])
            sig = np.exp(ls[i, s_idx] + tau[i] * zs[i, c_idx])
            rep = mu + sig * rng.standard_t(nu[i], size=mu.size)
            for s in range(n_s):
                m = s_idx == s
                rep_mean[i, s] = rep[m].mean()
                rep_sd[i, s] = rep[m].std()
        obs_mean = np.array([a["dy"][s_idx == s].mean() for s in range(n_s)])
        obs_sd = np.array([a["dy"][s_idx == s].std() for s in range(n_s)])
        return xr.Dataset(
            {"rep_mean": (("sample", "series"), rep_mean), "rep_sd": (("sample", "series"), rep_sd),
             "observed_mean": (("series",), obs_mean), "observed_sd": (("series",), obs_sd)},
            coords={"series": series},
        )


def _last3(v: np.ndarray) -> float:
    ok = v[~np.isnan(v)]
    return float(ok[-1]) if ok.size else 0.0



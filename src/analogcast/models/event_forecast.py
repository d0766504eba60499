"""Forecasts of the event model: hazards along simulated index paths, with feasibility.

``P(at least one event in T+1..T+H) = 1 - E[ prod_k (1 - F_k h_k) ]`` per posterior draw, where
the expectation is over index paths on which no event has happened yet:

* **Step 1** (year ``T+1``) uses the observed index in ``T-1`` and ``T``: its feasibility ``F_1``
  is exact (:func:`analogcast.data.feasible_events`), so an event the coder cannot produce from
  the origin's level has probability exactly 0.
* **Later steps** move the index along ``n_paths`` simulated paths per draw. Each yearly move is
  drawn from the training years *without* an event in that space whose starting level is among
  the ``K_NEIGHBOURS`` nearest to the path's current level (a level-matched empirical bootstrap of
  the index's moves between events). A closing from near the floor then becomes possible only on
  the paths that first climb above the cutpoint, so a later-horizon probability is bounded by the
  chance of first reaching a level from which the event is possible. The level, two-year change
  and years since a large move of each step are read off the path, through the same scaling and
  smooth bases as the training rows.
* **Year effects** continue the fitted random walk (``y[t+1] = y[t] + sigma * e``; an AR(1) with
  ``rho`` if the posterior has ``rho_year``) from the last fitted year's level, one year path per
  index path (antithetic pairs), shared by every country (the year effect is common to all); with
  a transient shock term in the posterior (``sigma_year_noise``) each future year adds a new shock
  instead of the last year's.
* Covariates for years after the origin follow the scenario paths (target) or are held at the
  origin's values (every country, in the backtest).

The moves are not forced to be sub-threshold over two years, so a path may occasionally contain
a two-year climb the coder would count; it is a model of the index between events, not a
reconstruction of the coder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from analogcast.data._spaces import DIRECTIONS
from analogcast.errors import UserInputError
from analogcast.models.design import (
    CROSS_SPACE_NAMES,
    ROOM_NAMES,
    ModelData,
    cross_space_grid,
    dynamic_grid,
    index_room,
)
from analogcast.models.year_effects import filtered_level

__all__ = [
    "K_NEIGHBOURS",
    "MAX_STEPS",
    "linear_predictor",
    "no_event_moves",
    "simulate_quiet_paths",
    "target_event_probs",
    "all_country_event_probs",
    "event_posterior_predictive",
]

#: neighbours (by level) whose moves a path step draws from
K_NEIGHBOURS = 100
#: horizons up to 10 years (+1 spare step the scenario engine may ask for)
MAX_STEPS = 11
_HISTORY = 34  # years of history kept for the dynamic covariates (years-since is capped at 30)


def _post_arrays(posterior: xr.Dataset, max_draws: int | None = None) -> dict[str, np.ndarray]:
    post = posterior.stack(sample=("chain", "draw"))
    if max_draws is not None and post.sizes["sample"] > max_draws:
        idx = np.linspace(0, post.sizes["sample"] - 1, max_draws).astype(int)
        post = post.isel(sample=idx)

    def get(v: str, *dims: str) -> np.ndarray:
        return post[v].transpose("sample", *dims).values

    out = {
        "alpha": get("alpha", "space", "direction"),
        "year": get("year_effect", "year", "direction"),
        "year_mean": (get("year_mean", "direction") if "year_mean" in post
                      else np.zeros((post.sizes["sample"], 2))),
        "rho": (get("rho_year", "direction") if "rho_year" in post
                else np.ones((post.sizes["sample"], 2))),  # a random walk
        "sigma_year": get("sigma_year", "direction"),
        # local level + noise (option year_noise): the level carries on, shocks are drawn anew
        "sigma_noise": (get("sigma_year_noise", "direction") if "sigma_year_noise" in post
                        else np.zeros((post.sizes["sample"], 2))),
        "z_region": get("z_region", "region", "space", "direction"),
        "sigma_country": get("sigma_country", "direction"),
        "z_country": get("z_country", "country", "direction"),
        "beta": get("beta", "covariate", "space", "direction"),
        "gamma": get("gamma", "dynamic", "space", "direction"),
    }
    if "theta" in post:
        out["theta"] = get("theta", "space", "direction")
    if "w_smooth" in post:
        out["w"] = get("w_smooth", "smooth_col", "space", "direction")
    if "z_country_space" in post:
        out["cs"] = (get("z_country_space", "country", "space", "direction")
                     * get("sigma_country_space", "direction")[:, None, None, :])
    return out


def _base(p: dict[str, np.ndarray], data: ModelData) -> np.ndarray:
    """Intercepts of the fitted countries, ``(sample, country, space, direction)``."""
    a = data.arrays
    sr = float(data.meta["options"]["sigma_region_scale"])
    u = (p["z_region"][:, a["country_region"]] * sr
         + (p["z_country"] * p["sigma_country"][:, None, :])[:, :, None, :])
    if "cs" in p:
        u = u + p["cs"]
    base = p["alpha"][:, None] + u
    tc = int(a["target_c"])
    if tc >= 0:
        S = len(data.spaces)
        W = a["target_year_weights"].reshape(S, 2, -1)
        spell = p["theta"] - np.einsum("sdt,ntd->nsd", W, p["year"])
        base = np.concatenate([base, spell[:, None]], axis=1)  # index tc, one past the countries
    return base


def linear_predictor(posterior: xr.Dataset, data: ModelData,
                     max_draws: int | None = None) -> np.ndarray:
    """Row-level ``logit h`` (no offset) per draw, ``(sample, row)``, for every training row."""
    a = data.arrays
    p = _post_arrays(posterior, max_draws)
    base = _base(p, data)
    n = base.shape[0]
    n_sd = len(data.spaces) * 2
    base = base.reshape(n, -1)
    coef = [p["beta"], p["gamma"]] + ([p["w"]] if "w" in p else [])
    C = np.concatenate(coef, axis=1).reshape(n, -1, n_sd)  # (sample, column, block)
    out = np.empty((n, a["y"].size))
    for i in range(n):
        lin = np.einsum("rk,rk->r", a["XZ"], C[i].T[a["obs_sd"]])
        out[i] = (base[i, a["obs_c"] * n_sd + a["obs_sd"]] + lin
                  + p["year"][i].reshape(-1)[a["obs_t"] * 2 + a["obs_sd"] % 2])
    return out


def unit_intercept_draws(posterior: xr.Dataset, data: ModelData, labels: Sequence[str],
                         max_draws: int | None = None) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """Draws of each fitted unit's intercept on the model's scale: the mean over its training rows
    of ``logit h`` (its log-odds at its own mean covariates and mean year effect, the quantity
    ``theta`` is for the target).

    Parameters
    ----------
    posterior
        The event model's posterior.
    data
        Its prepared data (``labels`` are ``meta["countries"]`` entries: countries or option
        ``spell_units`` spells such as ``"AFG:1996-2000"``).
    labels
        Units to report; a unit with no row in a space and direction is left out of that cell.
    max_draws
        Thin the posterior to at most this many draws.

    Returns
    -------
    dict
        ``(space, direction) -> {label: draws}``, draws in the posterior's (chain, draw) order.
    """
    a = data.arrays
    units = [str(c) for c in data.meta["countries"]]
    missing = [lab for lab in labels if lab not in units]
    if missing:
        raise UserInputError(f"{', '.join(missing)} not among the fitted units of {data.model} "
                             "(a country with coded years, or an option spell_units spell)")
    p = _post_arrays(posterior, max_draws)
    base = _base(p, data)  # (sample, unit, space, direction)
    n = base.shape[0]
    n_sd = len(data.spaces) * 2
    coef = [p["beta"], p["gamma"]] + ([p["w"]] if "w" in p else [])
    C = np.concatenate(coef, axis=1).reshape(n, -1, n_sd)  # (sample, column, block)
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for si, s in enumerate(data.spaces):
        for di, d in enumerate(DIRECTIONS):
            b = si * 2 + di
            cell: dict[str, np.ndarray] = {}
            for lab in labels:
                ci = units.index(lab)
                rows = np.flatnonzero((a["obs_c"] == ci) & (a["obs_sd"] == b))
                if rows.size == 0:
                    continue
                lin = np.einsum("rk,nk->nr", a["XZ"][rows], C[:, :, b])
                yr = p["year"][:, a["obs_t"][rows], di]
                cell[lab] = (base[:, ci, si, di][:, None] + lin + yr).mean(axis=1)
            out[(s, d)] = cell
    return out


def unit_intercepts(posterior: xr.Dataset, data: ModelData, labels: Sequence[str],
                    max_draws: int | None = None) -> dict[tuple[str, str], list[tuple[str, float, float]]]:
    """Posterior mean and sd of :func:`unit_intercept_draws`: ``(space, direction) -> [(label,
    mean, sd), ...]``."""
    return {k: [(lab, float(v.mean()), float(v.std())) for lab, v in cell.items()]
            for k, cell in unit_intercept_draws(posterior, data, labels, max_draws).items()}


def simulate_quiet_paths(moves: np.ndarray, x_last: np.ndarray, n_steps: int,
                         rng: np.random.Generator, k: int = K_NEIGHBOURS) -> np.ndarray:
    """Index paths between events: ``n_steps`` level-matched moves from ``x_last``.

    Parameters
    ----------
    moves
        ``(n, 2)`` training pairs ``(level, move)`` of years without an event, sorted by level.
    x_last
        Starting levels, any shape (NaN stays NaN).
    n_steps
        Years to simulate.
    rng
        Random generator.
    k
        Each move is drawn uniformly from the ``k`` training pairs nearest in level.

    Returns
    -------
    numpy.ndarray
        ``x_last.shape + (n_steps,)``, clipped to [0, 1].
    """
    if moves.shape[0] == 0:
        raise UserInputError("no training years without an event to simulate index paths from")
    lv, mv = moves[:, 0], moves[:, 1]
    k = int(min(k, lv.size))
    x = np.asarray(x_last, dtype=np.float64).copy()
    out = np.empty((*x.shape, n_steps))
    for step in range(n_steps):
        pos = np.searchsorted(lv, np.nan_to_num(x, nan=0.0))
        j = np.clip(pos - k // 2, 0, lv.size - k) + rng.integers(0, k, size=x.shape)
        x = np.clip(x + mv[j], 0.0, 1.0)
        out[..., step] = x
    return out


def _antithetic_normals(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normals ``shape = (sample, path, ...)`` in antithetic pairs along ``path``
    (paths ``2j`` and ``2j + 1`` get ``z`` and ``-z``; an odd last path is unpaired)."""
    n, n_paths, rest = shape[0], shape[1], shape[2:]
    half = rng.standard_normal((n, (n_paths + 1) // 2, *rest))
    return np.stack([half, -half], axis=2).reshape(n, -1, *rest)[:, :n_paths]


def _year_paths(p: dict[str, np.ndarray], data: ModelData, n_steps: int,
                rng: np.random.Generator, n_paths: int = 1) -> np.ndarray:
    """Year effects of outcome years ``origin+1 .. origin+n_steps``, ``(sample, path, step,
    direction)``: the fitted effect where the year was fitted (the ``barometer`` protocol), else
    the random walk (or AR(1)) continued from the last fitted year.

    Each of the ``n_paths`` paths of a draw has its own future shocks, in antithetic pairs (the
    year path is linear in its normals, so a pair's mean is the draw's expected path): averaging
    the hazard over a draw's paths then integrates most of the shared future shock out instead of
    leaving one realisation per draw, which alone moved a 2005 backtest origin's pooled opening
    log-loss by 0.002 between seeds of the same posterior.
    """
    years = [int(y) for y in data.meta["years"]]
    n = p["year"].shape[0]
    # continue the uncentred process y = year_effect + year_mean, then centre it the same way
    m = p["year_mean"][:, None, :]
    rho, sig, noise = p["rho"][:, None, :], p["sigma_year"][:, None, :], p["sigma_noise"][:, None, :]
    has_noise = bool(noise.any())
    n_rw = max(0, int(data.origin) + n_steps - years[-1])  # walk steps after the last fitted year
    z = _antithetic_normals(rng, (n, n_paths, 1 + n_rw + n_steps, 2))
    if has_noise:
        lvl_mean, lvl_var = filtered_level(p["year"], p["sigma_year"], p["sigma_noise"])
        level = lvl_mean[:, None, :] + np.sqrt(lvl_var)[:, None, :] * z[:, :, 0]
    else:
        level = np.broadcast_to(p["year"][:, None, -1, :], (n, n_paths, 2))
    cur_year, y = years[-1], level + m
    out = np.empty((n, n_paths, n_steps, 2))
    k_rw = 1
    for k in range(n_steps):
        yr = int(data.origin) + 1 + k
        if yr <= years[-1]:
            out[:, :, k] = p["year"][:, None, years.index(yr)]
            continue
        while cur_year < yr:
            y = rho * y + sig * z[:, :, k_rw]
            k_rw += 1
            cur_year += 1
        out[:, :, k] = y - m
        if has_noise:
            out[:, :, k] += noise * z[:, :, 1 + n_rw + k]
    return out


def _cross_terms(data: ModelData, paths: dict[str, np.ndarray], hist_of, n_steps: int
                 ) -> np.ndarray | None:
    """The cross-space covariates of outcome years ``origin+1..origin+n_steps`` along the paths,
    ``(sample, ..., n_steps, 2)``.

    ``paths[s]``: ``(sample, ..., n_steps)`` simulated levels of every space; ``hist_of(s)``: the
    last 3 observed levels, broadcastable to ``(sample, ..., 3)``. ``None`` without the option.
    The first step reads observed values only; later steps read the simulated paths, which are
    moves between events, so rises of other spaces after the origin are under-represented.
    """
    if CROSS_SPACE_NAMES[0] not in data.dynamic:
        return None
    from analogcast.data import CUTPOINTS

    tails = {s: np.concatenate([np.broadcast_to(hist_of(s), (*p.shape[:-1], 3)), p], axis=-1)
             for s, p in paths.items()}
    return cross_space_grid(tails, CUTPOINTS)[..., -n_steps:, :]


def _series_terms(data: ModelData, space: str, series: np.ndarray, n_steps: int,
                  p: dict[str, np.ndarray], si: int, tmean: bool,
                  cross: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dynamic + smooth contribution and feasibility of outcome years ``origin+1..origin+n_steps``.

    ``series``: ``(sample, ..., history + n_steps)``; the last ``n_steps`` values are simulated
    (the last of them is never used: the hazard of year ``origin+k`` depends on levels up to
    ``origin+k-1``). ``cross``: ``(sample, ..., n_steps, 2)``, the cross-space covariates
    (model option ``cross_space``). Returns ``(lin, feasible)``, both ``(sample, ..., step, direction)``.
    """
    from analogcast.data import CUTPOINTS, feasible_events

    cp = float(CUTPOINTS[space])
    flat = series.reshape(-1, series.shape[-1])
    dyn = dynamic_grid(flat, cp)[:, -n_steps:]  # covariates of outcome years origin+1..
    if ROOM_NAMES[0] in data.dynamic:
        dyn = np.concatenate([dyn, index_room(dyn[..., 0], cp)], axis=-1)
    dyn = dyn.reshape(*series.shape[:-1], n_steps, dyn.shape[-1])
    if cross is not None:
        dyn = np.concatenate([dyn, np.broadcast_to(cross, (*dyn.shape[:-1], cross.shape[-1]))],
                             axis=-1)
    sc = data.scaling["dynamic"][space]
    z = (dyn - np.asarray(sc["centre"])) / np.asarray(sc["scale"])
    if tmean:
        z = z - np.asarray(sc["target_mean"])
    # a series too short for a covariate (a new state: no x[t-3]) takes the training mean, 0
    z = np.nan_to_num(z, nan=0.0)
    gamma = p["gamma"][:, :, si, :]  # (sample, dynamic, direction)
    lin = np.einsum("n...tk,nkd->n...td", z, gamma)
    if "w" in p:
        from analogcast.models.event import SMOOTH_TERMS

        bases = data.scaling["smooth"][space]
        cols = [bases[term](dyn[..., data.dynamic.index(term)].ravel()).reshape(*dyn.shape[:-1], -1)
                for term in SMOOTH_TERMS]
        smz = np.concatenate(cols, axis=-1)
        lin = lin + np.einsum("n...tk,nkd->n...td", smz, p["w"][:, :, si, :])
    prev2 = series[..., -n_steps - 2: -2]
    prev1 = series[..., -n_steps - 1: -1]
    f_up, f_down = feasible_events(prev2, prev1, cp)
    return lin, np.stack([f_up, f_down], axis=-1)


def target_event_probs(posterior: xr.Dataset, data: ModelData, future_X: np.ndarray,
                       horizons: Sequence[int], rng: np.random.Generator,
                       n_paths: int = 4) -> dict[str, np.ndarray]:
    """P(>= 1 event within H years) of the target, per draw.

    ``future_X``: ``(scenario, step, covariate)`` from ``data.future_common`` (row k drives the
    hazard of ``origin + k + 1``). Returns ``{"opening", "closing"}``, each
    ``(sample, scenario, space, horizon)``.
    """
    hz = np.asarray(horizons, dtype=np.int64)
    n_steps = int(hz.max())
    if n_steps > MAX_STEPS or future_X.shape[1] < n_steps:
        raise UserInputError(f"forecasts go at most {MAX_STEPS} years ahead, not {n_steps}.")
    p = _post_arrays(posterior)
    n = p["alpha"].shape[0]
    tc = int(data.arrays["target_c"])
    base = _base(p, data)[:, tc]  # (sample, space, direction)
    years_eff = _year_paths(p, data, n_steps, rng, n_paths)  # (sample, path, step, direction)
    xb = np.einsum("qtk,nksd->nqtsd", future_X[:, :n_steps], p["beta"])  # (n, scen, step, s, d)
    t_all = int(np.flatnonzero(np.asarray(data.meta["all_countries"]) == data.target)[0])
    surv = np.ones((n, future_X.shape[0], len(data.spaces), n_steps, 2))
    paths: dict[str, np.ndarray] = {}
    for s, h in data.scaling["history"].items():  # every space the covariates read, in order
        last = h[t_all, -1]
        if np.isnan(last) and s in data.spaces:
            raise UserInputError(f"the target's {s} index is missing in the origin year")
        paths[s] = simulate_quiet_paths(data.scaling["no_event_moves"][s],
                                        np.full((n, n_paths), last), n_steps, rng)
    cross = _cross_terms(data, paths, lambda s: data.scaling["history"][s][t_all, -3:], n_steps)
    for si, s in enumerate(data.spaces):
        hist = data.scaling["history"][s][t_all, -_HISTORY:]
        series = np.concatenate([np.broadcast_to(hist, (n, n_paths, hist.size)), paths[s]], axis=-1)
        lin, feas = _series_terms(data, s, series, n_steps, p, si, tmean=True, cross=cross)
        eta = (base[:, None, None, None, si, :] + lin[:, None]
               + xb[:, :, None, :, si, :] + years_eff[:, None, :, :, :])
        h = feas[:, None] / (1.0 + np.exp(-eta))  # (n, scen, path, step, d)
        surv[:, :, si] = np.cumprod(1.0 - h, axis=3).mean(axis=2)
    p_any = 1.0 - surv[:, :, :, hz - 1, :]  # (n, scen, space, horizon, d)
    return {"opening": p_any[..., 0], "closing": p_any[..., 1]}


def all_country_event_probs(posterior: xr.Dataset, data: ModelData, horizon: int,
                            rng: np.random.Generator, n_paths: int = 4,
                            max_draws: int | None = 400, *,
                            per_draw: bool = False) -> dict[str, np.ndarray]:
    """Posterior-mean P(>= 1 event within ``horizon`` years) of every panel country observed at
    the origin, ``{"opening", "closing"}`` each ``(country, space)`` over ``meta["all_countries"]``
    (NaN where the country's index is missing at the origin). Countries without training rows get
    their region's effect and a country effect drawn from its population distribution.

    ``per_draw=True`` returns each draw's probability (averaged over its paths only) instead,
    ``(country, space, sample)``, for Monte Carlo errors (``bench/bench_mcse.py``); their mean over
    ``sample`` is the posterior mean."""
    p = _post_arrays(posterior, max_draws)
    n = p["alpha"].shape[0]
    all_c = np.asarray(data.meta["all_countries"])
    fitted = {c: i for i, c in enumerate(data.meta["countries"])}
    regions_fit = {r: i for i, r in enumerate(data.meta["regions"])}
    regions = np.asarray(data.meta["all_regions"])
    sr = float(data.meta["options"]["sigma_region_scale"])
    S = len(data.spaces)
    base = _base(p, data)
    base_all = np.empty((n, all_c.size, S, 2))
    for ci, c in enumerate(all_c):
        if c in fitted:
            base_all[:, ci] = base[:, fitted[c]]
        else:
            ri = regions_fit.get(int(regions[ci]))
            reg = p["z_region"][:, ri] * sr if ri is not None else 0.0
            zc = rng.standard_normal((n, 2)) * p["sigma_country"]
            base_all[:, ci] = p["alpha"] + reg + zc[:, None, :]
    Xo = data.scaling["common_grid"]  # (country, covariate), covariates at the origin
    xb = np.einsum("ck,nksd->ncsd", Xo, p["beta"])
    years_eff = _year_paths(p, data, horizon, rng, n_paths)  # (sample, path, step, direction)
    shape = (all_c.size, S, n) if per_draw else (all_c.size, S)
    out = {d: np.full(shape, np.nan) for d in ("opening", "closing")}
    paths: dict[str, np.ndarray] = {}
    for s, h in data.scaling["history"].items():  # every country; NaN paths stay NaN
        paths[s] = simulate_quiet_paths(data.scaling["no_event_moves"][s],
                                        np.broadcast_to(h[None, :, -1:], (n, h.shape[0], n_paths)),
                                        horizon, rng)
    cross = _cross_terms(data, paths, lambda s: data.scaling["history"][s][None, :, None, -3:],
                         horizon)
    for si, s in enumerate(data.spaces):
        hist = data.scaling["history"][s][:, -_HISTORY:]  # (country, years)
        ok = ~np.isnan(hist[:, -1])
        hist = hist[ok]
        series = np.concatenate(
            [np.broadcast_to(hist[None, :, None, :], (n, hist.shape[0], n_paths, hist.shape[1])),
             paths[s][:, ok]], axis=-1)
        lin, feas = _series_terms(data, s, series, horizon, p, si, tmean=False,
                                  cross=None if cross is None else cross[:, ok])
        eta = (base_all[:, ok][:, :, None, None, si, :] + lin + xb[:, ok][:, :, None, None, si, :]
               + years_eff[:, None, :, :, :])
        h = feas / (1.0 + np.exp(-eta))  # (n, country, path, step, d)
        surv = np.prod(1.0 - h, axis=3)  # (n, country, path, d): no event on the path
        # each draw's probability (country, d, n), or the posterior mean (country, d)
        p_any = (1.0 - surv.mean(axis=2)).transpose(1, 2, 0) if per_draw else 1.0 - surv.mean(axis=(0, 2))
        out["opening"][ok, si] = p_any[:, 0]
        out["closing"][ok, si] = p_any[:, 1]
    return out


def no_event_moves(xs: Mapping[str, np.ndarray], labels: Mapping[tuple[str, str], np.ndarray],
                    valid: Mapping[tuple[str, str], np.ndarray],
                    spaces: Sequence[str]) -> dict[str, np.ndarray]:
    """Per space, training pairs ``(x[t-1], x[t] - x[t-1])`` of years coded with neither an
    opening nor a closing, sorted by level: the empirical moves of an index between events."""
    out: dict[str, np.ndarray] = {}
    for s in spaces:
        x = xs[s]
        quiet = ((labels[(s, "opening")] == 0) & (labels[(s, "closing")] == 0)
                 & (valid[(s, "opening")] | valid[(s, "closing")]))
        prev = np.full_like(x, np.nan)
        prev[:, 1:] = x[:, :-1]
        ok = quiet & ~np.isnan(prev) & ~np.isnan(x)
        pairs = np.stack([prev[ok], (x - prev)[ok]], axis=1)
        out[s] = pairs[np.argsort(pairs[:, 0], kind="stable")]
    return out


def event_posterior_predictive(posterior: xr.Dataset, data: ModelData, rng: np.random.Generator,
                               max_draws: int = 400) -> xr.Dataset:
    """The event model's posterior predictive summaries (``EventLogit.posterior_predictive``).

    ``share`` is the mean predicted probability over the training rows (expected share) per
    draw, space and direction; ``share_replicated`` adds Bernoulli noise; ``observed_share`` is
    the data.
    """
    a = data.arrays
    eta = linear_predictor(posterior, data, max_draws=max_draws)
    p = 1.0 / (1.0 + np.exp(-eta))
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

"""Simulated panels with known parameters, for tests and parameter recovery (never real data).

``simulate_panel`` draws a small (country, year) panel with every covariate the design uses, index
series from the trajectory model and events from the event model's hazard, so that both models can
be checked for recovery of what was put in (including the aid x Cold-War interaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from scipy.special import expit

from analogcast.models.design import COLD_WAR_END

__all__ = ["SimTruth", "simulate_panel"]


@dataclass
class SimTruth:
    """Parameters used to simulate (the standardised design scale for event effects)."""

    event_beta: dict[str, dict[str, float]] = field(default_factory=dict)
    event_alpha: dict[str, float] = field(default_factory=dict)
    traj_kappa: float = 0.1
    traj_rho: float = 0.2
    traj_beta_aid: float = 0.0
    traj_sigma: float = 0.08
    traj_move: tuple[float, float] | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def simulate_panel(
    *,
    n_countries: int = 40,
    years: tuple[int, int] = (1966, 2020),
    spaces: Sequence[str] = ("associational", "electoral"),
    seed: int = 0,
    event_beta: Mapping[str, Mapping[str, float]] | None = None,
    event_alpha: Mapping[str, float] | None = None,
    traj_kappa: float = 0.1,
    traj_rho: float = 0.2,
    traj_beta_aid: float = 0.03,
    traj_sigma: float = 0.08,
    traj_move: tuple[float, float] | None = None,
    country_sd: float = 0.3,
) -> tuple[xr.Dataset, xr.Dataset, SimTruth]:
    """Simulate a panel and events (SIMULATED data).

    Event hazards: ``logit h = alpha[d] + u[c] + sum_k beta[k][d] * x_k`` with ``x_k`` the aid terms
    standardised the way ``design.common_design`` standardises them on the full window
    (``aid``, ``aid_cw``, ``sanctions``, ``sanctions_cw``), so the truth is on the model's scale for
    ``beta0``. Index series follow the trajectory model with ``beta`` on the raw ``aid_z`` scale;
with ``traj_move = (alpha, gamma)`` a series moves in a year with probability
``logistic(alpha + gamma * moved_last_year)`` and stays exactly where it was otherwise (the hurdle of
the trajectory model); ``None`` makes every series move every year.

    Returns
    -------
    panel, events, truth
        ``panel`` (country, year) with coords ``region``; ``events`` (country, year, space) with
        ``opening``/``closing``; ``truth`` the parameters.
    """
    from analogcast.data import CUTPOINTS, SPACES, feasible_events

    rng = np.random.default_rng(np.random.SeedSequence(seed))
    yrs = np.arange(years[0], years[1] + 1)
    n_t = yrs.size
    countries = np.array([f"C{i:03d}" for i in range(n_countries)], dtype=object)
    region = rng.integers(1, 4, size=n_countries)
    shape = (n_countries, n_t)

    def ar1(mu: float, sd: float, phi: float = 0.8) -> np.ndarray:
        x = np.empty(shape)
        x[:, 0] = rng.normal(mu, sd, n_countries)
        for t in range(1, n_t):
            x[:, t] = mu + phi * (x[:, t - 1] - mu) + rng.normal(0, sd * np.sqrt(1 - phi**2), n_countries)
        return x

    oda = np.exp(ar1(1.0, 1.0)) - 0.5  # % of GNI; some slightly negative, clipped by the design
    oda[rng.random(shape) < 0.05] = np.nan
    sanctions = rng.poisson(np.exp(ar1(-0.5, 0.8)))
    data: dict[str, np.ndarray] = {
        "v2x_regime": np.clip(np.round(ar1(1.5, 0.8)), 0, 3),
        "NY.GDP.PCAP.KD": np.exp(ar1(8.0, 1.0)),
        "NY.GDP.PCAP.KD.ZG": ar1(2.0, 3.0, 0.3),
        "infmort_yearadj": ar1(0.0, 1.0),
        "pt_coup_num5yrs": rng.poisson(0.2, shape).astype(float),
        "state_age": np.tile(np.arange(n_t), (n_countries, 1)) + rng.integers(1, 100, (n_countries, 1)),
        "pop": np.exp(ar1(9.0, 1.0)),
        "NY.GDP.PETR.RT.ZS": np.clip(ar1(2.0, 3.0), 0, None),
        "IT.NET.USER.ZS": np.where(yrs[None, :] < 1995, np.nan, np.clip(ar1(30, 20), 0, 100)),
        "wbl_index": np.clip(ar1(60, 15), 0, 100),
        "DT.ODA.ODAT.GN.ZS": oda,
        "n_active_cases": sanctions.astype(float),
    }
    # event terms on the design's standardised scale (lagged one year)
    lag = lambda a: np.concatenate([np.full((n_countries, 1), np.nan), a[:, :-1]], axis=1)  # noqa: E731
    lag2 = lambda a: lag(lag(a))  # noqa: E731  sanctions enter at t-2 (design.py)
    cw = (yrs[None, :] - 1 <= COLD_WAR_END).astype(float)
    cw2 = (yrs[None, :] - 2 <= COLD_WAR_END).astype(float)
    aid = np.log1p(np.clip(lag(oda), 0, None))
    sanc = np.log1p(lag2(sanctions.astype(float)))
    ok = np.ones(shape, dtype=bool)
    ok[:, :2] = False
    # as design.common_design: aid and sanctions scaled, not centred, missing at the training mean;
    # interactions = scaled main x era, divided by their own SD, never centred (0 after 1990)
    z = {}
    for k, v in {"aid": aid, "sanctions": sanc}.items():
        zz = v / np.nanstd(v[ok])
        z[k] = np.where(np.isnan(zz), np.nanmean(zz[ok]), zz)
    for k, era in {"aid": cw, "sanctions": cw2}.items():
        inter = z[k] * era
        z[f"{k}_cw"] = inter / np.std(inter[ok])
    beta = {k: dict(v) for k, v in (event_beta or {
        "aid": {"opening": 0.4, "closing": -0.3},
        "aid_cw": {"opening": -0.4, "closing": 0.3},
        "sanctions": {"opening": 0.0, "closing": 0.0},
        "sanctions_cw": {"opening": 0.0, "closing": 0.0},
    }).items()}
    alpha = dict(event_alpha or {"opening": -2.3, "closing": -2.6})
    u = rng.normal(0, country_sd, (n_countries, 2))

    # index series: trajectory model on the logit scale, drift from aid
    aid_raw_z = np.where(np.isnan(aid), 0.0, (aid - np.nanmean(aid)) / np.nanstd(aid))
    events: dict[str, np.ndarray] = {"opening": [], "closing": []}  # type: ignore[dict-item]
    for s in spaces:
        y = np.empty(shape)
        m = rng.normal(0.0, 1.0, n_countries)
        y[:, 0] = m
        dy = np.zeros(n_countries)
        for t in range(1, n_t):
            step = (traj_kappa * (m - y[:, t - 1]) + traj_rho * dy + traj_beta_aid * aid_raw_z[:, t]
                    + traj_sigma * rng.standard_t(8, n_countries))
            if traj_move is not None:
                p_move = expit(traj_move[0] + traj_move[1] * (np.abs(dy) > 0))
                step = np.where(rng.random(n_countries) < p_move, step, 0.0)
            y[:, t] = y[:, t - 1] + step
            dy = step
        data[SPACES[s]] = expit(y)
        # the coder cannot produce an event from every level (a closing from the floor): events
        # are drawn only where they are feasible, as in the models' likelihood
        x = data[SPACES[s]]
        feasible = dict(zip(("opening", "closing"),
                            feasible_events(lag2(x), lag(x), float(CUTPOINTS[s])), strict=True))
        for di, d in enumerate(("opening", "closing")):
            eta = alpha[d] + u[:, di][:, None] + sum(beta[k][d] * z[k] for k in beta)
            ev = ((rng.random(shape) < expit(eta)) & feasible[d]).astype(float)
            ev[:, :3] = np.nan
            events[d].append(ev)  # type: ignore[attr-defined]
    panel = xr.Dataset(
        {k: (("country", "year"), np.asarray(v, dtype=np.float64)) for k, v in data.items()},
        coords={"country": countries, "year": yrs, "region": ("country", region),
                "country_name": ("country", countries.copy())},
    )
    ev_ds = xr.Dataset(
        {d: (("country", "year", "space"), np.stack(v, axis=-1)) for d, v in events.items()},
        coords={"country": countries, "year": yrs, "space": list(spaces)},
    )
    truth = SimTruth(event_beta=beta, event_alpha=alpha, traj_kappa=traj_kappa, traj_rho=traj_rho,
                     traj_beta_aid=traj_beta_aid, traj_sigma=traj_sigma, traj_move=traj_move,
                     meta={"seed": seed, "n_countries": n_countries, "years": list(years)})
    return panel, ev_ds, truth


def fake_posterior(model: str, data: Any, *, draws: int = 20, chains: int = 2, seed: int = 0,
                   aid_effect: float = 0.3) -> xr.Dataset:
    """A plausible posterior ``Dataset`` drawn with numpy (no PyMC), for fast tests only.

    Values are centred on typical magnitudes (event hazards around 5-10 % a year; slow
    mean-reverting index paths); ``aid_effect`` is the ``beta`` of ``aid`` in every space.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    S = len(data.spaces)
    K = len(data.covariates)
    n_c = len(data.meta["countries"])
    n_r = len(data.meta["regions"])
    n_y = len(data.meta["years"])
    cd = ("chain", "draw")

    def v(*shape: int, loc: float = 0.0, sd: float = 1.0, pos: bool = False) -> np.ndarray:
        x = rng.normal(loc, sd, (chains, draws, *shape))
        return np.abs(x) if pos else x

    if model == "event_logit":
        beta = v(K, S, 2, sd=0.05)
        beta[:, :, list(data.covariates).index("aid")] += aid_effect
        ds = {
            "theta": (cd + ("space", "direction"), v(S, 2, loc=-2.5, sd=0.2)),
            "alpha": (cd + ("space", "direction"), v(S, 2, loc=-2.5, sd=0.2)),
            "beta": (cd + ("covariate", "space", "direction"), beta),
            "gamma": (cd + ("dynamic", "space", "direction"), v(len(data.dynamic), S, 2, sd=0.05)),
            "year_effect": (cd + ("year", "direction"), v(n_y, 2, sd=0.1)),
            "sigma_year": (cd + ("direction",), v(2, loc=0.2, sd=0.02, pos=True)),
            "sigma_region": (cd + ("direction",), v(2, loc=0.2, sd=0.02, pos=True)),
            "z_region": (cd + ("space", "direction", "region"), v(S, 2, n_r)),
            "sigma_country": (cd + ("direction",), v(2, loc=0.3, sd=0.02, pos=True)),
            "z_country": (cd + ("country", "direction"), v(n_c, 2)),
            "sigma_country_space": (cd + ("direction",), v(2, loc=0.1, sd=0.02, pos=True)),
            "z_country_space": (cd + ("country", "space", "direction"), v(n_c, S, 2)),
        }
        n_sm = int(data.meta.get("n_smooth", 0))
        if n_sm:
            ds["w_smooth"] = (cd + ("smooth_col", "space", "direction"), v(n_sm, S, 2, sd=0.05))
    else:
        n_s = len(data.meta["series"])
        n_sc = len([k for k in data.meta["series"] if k != "wbl"])
        beta = v(K, n_s, sd=0.005)
        beta[:, :, list(data.covariates).index("aid")] += aid_effect / 10
        ds = {
            "kappa": (cd + ("series",), v(n_s, loc=0.08, sd=0.01, pos=True)),
            "rho": (cd + ("series",), v(n_s, loc=0.2, sd=0.02)),
            "a_target": (cd + ("series",), v(n_s, loc=0.0, sd=0.05)),
            "sigma_target": (cd + ("series",), v(n_s, loc=0.1, sd=0.01, pos=True)),
            "beta": (cd + ("covariate", "series"), beta),
            "sigma_g": (cd, v(loc=0.03, sd=0.005, pos=True)),
            "nu": (cd + ("series",), v(n_s, loc=6.0, sd=0.5, pos=True)),
            "move_alpha": (cd + ("series",), v(n_s, loc=-0.5, sd=0.1)),
            "move_gamma": (cd + ("series",), v(n_s, loc=1.0, sd=0.1)),
            "move_target": (cd + ("series",), v(n_s, loc=-0.5, sd=0.1)),
            "sigma_move": (cd + ("series",), v(n_s, loc=0.5, sd=0.05, pos=True)),
            "z_move": (cd + ("country", "series"), v(n_c, n_s)),
            "a_region": (cd + ("region", "series"), v(n_r, n_s, sd=0.05)),
            "z_g": (cd + ("year",), v(n_y)),
            "log_sigma": (cd + ("series",), v(n_s, loc=-2.5, sd=0.05)),
            "tau_sigma": (cd + ("scaled_series",), v(n_sc, loc=0.3, sd=0.02, pos=True)),
            "z_sigma": (cd + ("country", "scaled_series"), v(n_c, n_sc)),
        }
    coords = {"chain": np.arange(chains), "draw": np.arange(draws),
              "covariate": list(data.covariates), "dynamic": list(data.dynamic),
              "space": list(data.spaces), "direction": ["opening", "closing"],
              "country": data.meta["countries"], "region": [str(r) for r in data.meta["regions"]],
              "year": data.meta["years"], "series": data.meta.get("series", []),
              "scaled_series": [k for k in data.meta.get("series", []) if k != "wbl"],
              "smooth_col": list(range(int(data.meta.get("n_smooth", 0))))}
    out = xr.Dataset(ds)
    return out.assign_coords({k: c for k, c in coords.items() if k in out.dims})

"""Do analogy priors help? Leave-one-country-out backcasts of analog-style cases.

For a case ``(target, origin t, analogs)`` and every space and direction, the target's probability
of an event in ``t + 1 .. t + 2`` is forecast twice, with the analogy prior
(:func:`analogcast.priors.build_prior`, ``robust_map`` by default) and with no analogy
(``method="none"``: ``Normal(logit(base rate), 1.5)``), and scored against the shipped label of
row ``t``. Everything is strict: the analogs' and the target's events are recoded on series cut
at ``t`` (so the priors, the base rate and the target's own evidence use nothing after ``t``), the
analogs' window ends at ``t - 1``, and the target is never among its own analogs.

The forecast is one parameter per space and direction, ``theta`` = the target's logit yearly
hazard, as in the priors' contract: the prior (a normal mixture) is updated by quadrature with the
target's own coded years in ``t - own_years .. t - 1`` (binomial likelihood; ``own_years = 0`` gives
the prior predictive alone, as for a country without history), and the forecast is the posterior
mean of ``1 - (1 - h)^2``, ``h = logistic(theta)``. This isolates what the prior contributes; it is
not the full covariate model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from analogcast.evaluation.features import SPACE_INDEX, space_index_frame
from analogcast.evaluation.protocol import DIRECTIONS, _code_rows, truth_labels
from analogcast.evaluation.scores import log_loss

__all__ = [
    "LocoCase",
    "CASES",
    "cut_events",
    "predictive_two_year",
    "loco_case",
    "run_loco",
    "RegimeChange",
    "new_regime_changes",
    "new_regime_loco",
    "new_regime_summary",
]


@dataclass(frozen=True)
class LocoCase:
    """A backcast case: target country, origin year and its analogs."""

    target: str
    origin: int
    analogs: tuple[str, ...]


#: The issue's analog-style cases; analogs are the other Gulf monarchies for Saudi Arabia and
#: the region's large, long-lived autocracies for Iran (chosen before looking at any score).
CASES: tuple[LocoCase, ...] = (
    LocoCase("SAU", 2015, ("ARE", "KWT", "OMN", "QAT", "JOR", "IRN")),
    LocoCase("IRN", 2008, ("SAU", "SYR", "EGY", "IRQ", "PAK", "DZA")),
)

_GRID = np.linspace(-14.0, 8.0, 4401)


def cut_events(panel: xr.Dataset, origin: int) -> xr.Dataset:
    """Yearly ``opening`` / ``closing`` of every space recoded on series cut at ``origin``."""
    spaces = [s for s, v in SPACE_INDEX.items() if v in panel]
    ups, downs = [], []
    for s in spaces:
        wide = space_index_frame(panel, s)
        wide = wide.loc[:, wide.columns <= origin]
        u, d = _code_rows(wide.to_numpy(), s)
        ups.append(u)
        downs.append(d)
    years = panel["year"].values[panel["year"].values <= origin]
    coords = {"country": panel["country"].values, "year": years, "space": spaces}
    return xr.Dataset(
        {
            "opening": (("country", "year", "space"), np.stack(ups, axis=-1)),
            "closing": (("country", "year", "space"), np.stack(downs, axis=-1)),
        },
        coords=coords,
    )


def predictive_two_year(mixture, events: float, years: float, horizon: int = 2) -> float:
    """Posterior mean of ``1 - (1 - h)^horizon`` given ``events`` in ``years`` (quadrature).

    ``mixture`` is a prior on ``theta = logit(h)`` with a ``logpdf`` method (``NormalMixture``).
    """
    lp = np.asarray(mixture.logpdf(_GRID), float)
    log_h = -np.logaddexp(0.0, -_GRID)
    log_1mh = -np.logaddexp(0.0, _GRID)
    lp = lp + events * log_h + (years - events) * log_1mh
    w = np.exp(lp - lp.max())
    w /= w.sum()
    return float(np.sum(w * (1.0 - np.exp(horizon * log_1mh))))


def loco_case(
    case: LocoCase,
    panel: xr.Dataset,
    events: xr.Dataset,
    *,
    method: str = "robust_map",
    own_years: Sequence[int] = (0, 10),
) -> pd.DataFrame:
    """Forecasts with and without the analogy prior for every space and direction of ``case``.

    Returns one row per space, direction and ``own_years``: ``y`` (shipped label of row
    ``origin``), ``p_analogy``, ``p_none``, ``own_events``, ``own_years``, ``prior_mean``.
    """
    from analogcast.priors import build_prior

    t = case.origin
    cut = cut_events(panel, t)
    spaces = list(cut["space"].values)
    kw = {"events": cut, "data_sha256": f"strict-cut-{t}", "spaces": spaces}
    p_an = build_prior(case.target, list(case.analogs), method=method, window=(None, t - 1), **kw)
    p_no = build_prior(case.target, [], method="none", **kw)
    rows = []
    for s in spaces:
        truth = truth_labels(events, s).loc[(case.target, t)]
        for d in DIRECTIONS:
            own = cut[d].sel(country=case.target, space=s)
            for k in own_years:
                window = own.sel(year=slice(t - k, t - 1)) if k else own.isel(year=slice(0, 0))
                coded = window.values[~np.isnan(window.values)]
                x, n = float(coded.sum()), float(coded.size)
                rows.append(
                    {
                        "target": case.target,
                        "origin": t,
                        "space": s,
                        "direction": d,
                        "own_years": k,
                        "own_events": x,
                        "own_coded_years": n,
                        "y": float(truth[f"y_{d}"]),
                        "p_analogy": predictive_two_year(p_an.mixture(s, d), x, n),
                        "p_none": predictive_two_year(p_no.mixture(s, d), x, n),
                        "prior_mean_analogy": float(p_an.mixture(s, d).mean()),
                        "prior_mean_none": float(p_no.mixture(s, d).mean()),
                    }
                )
    return pd.DataFrame(rows)


def run_loco(
    cases: Sequence[LocoCase] = CASES,
    *,
    panel: xr.Dataset | None = None,
    events: xr.Dataset | None = None,
    method: str = "robust_map",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All cases: (per-outcome forecasts, log-loss per case and ``own_years``)."""
    from analogcast.data import load_events, load_panel

    panel = load_panel() if panel is None else panel
    events = load_events() if events is None else events
    rows = pd.concat([loco_case(c, panel, events, method=method) for c in cases], ignore_index=True)
    summary = []
    for (target, origin, k), g in rows.groupby(["target", "origin", "own_years"], sort=False):
        g = g[g["y"].notna()]
        summary.append(
            {
                "target": target,
                "origin": origin,
                "own_years": k,
                "n_outcomes": len(g),
                "n_events": int(g["y"].sum()),
                "log_loss_analogy": log_loss(g["y"], g["p_analogy"]),
                "log_loss_none": log_loss(g["y"], g["p_none"]),
            }
        )
    return rows, pd.DataFrame(summary)


# ====================================================================== new-regime cases
#: Settings of the analogy priors in the new-regime evaluation (those of the main job's prior).
NEW_REGIME_SETTINGS: dict[str, float] = {"discount": 0.5, "robust_weight": 0.2, "n_similar": 5}


@dataclass(frozen=True)
class RegimeChange:
    """A regime change: ``country`` has a new RoW category from ``year`` on (until ``until``)."""

    country: str
    year: int
    before: int
    after: int
    until: int


def new_regime_changes(panel: xr.Dataset, last_year: int | None = None) -> list[RegimeChange]:
    """Every ``v2x_regime`` change in the panel, with the last year before the next change.

    Rule (stated in docs/skill.md): a regime change happens in year ``t`` when the Regimes of the
    World category of ``t`` differs from that of ``t - 1`` (both observed); the new spell runs
    until the year before the country's next change (or the panel's last year).
    """
    from analogcast.priors.spells import regime_changes

    last = int(panel["year"].max()) if last_year is None else int(last_year)
    raw = regime_changes(panel)
    out = []
    for i, (c, y, a, b) in enumerate(raw):
        nxt = [yy for cc, yy, _, _ in raw[i + 1 :] if cc == c]
        out.append(RegimeChange(c, y, a, b, (min(nxt) - 1) if nxt else last))
    return out


def _grid_prior(
    counts: Sequence[tuple[float, float]],
    weights: Sequence[float],
    deff: float,
    base_logit: float,
    grid,  # type: ignore[no-untyped-def]
    discount: float,
    robust_weight: float,
) -> np.ndarray | None:
    """Robust MAP on the rate's logit as grid mass (counts route, kappa = 1), or None without data."""
    from analogcast.priors.likelihood import MU_PRIOR_SD, count_loglik, grid_map
    from analogcast.priors.methods import TauPrior, unit_information_sd

    th = grid.points
    wmax = max(weights) if len(weights) else 0.0
    lls = [
        (discount * w / wmax) * count_loglik(th, x / deff, n / deff)
        for (x, n), w in zip(counts, weights, strict=True)
        if n > 0 and w > 0
    ]
    if not lls:
        return None
    dens = grid_map(lls, TauPrior(), grid, (base_logit, MU_PRIOR_SD), tau_step=0.5).mass
    centre = float(np.sum(dens * th))
    sd = unit_information_sd(centre)
    vague = np.exp(-0.5 * ((th - centre) / sd) ** 2)
    return (1 - robust_weight) * dens + robust_weight * vague / vague.sum()


def _predict(mass: np.ndarray, theta: np.ndarray, x: float, n: float) -> float:
    """P(event next year) = posterior mean of logistic(theta) after ``x`` events in ``n`` years."""
    lp = np.log(np.maximum(mass, 1e-300)) - x * np.logaddexp(0.0, -theta) - (n - x) * np.logaddexp(
        0.0, theta
    )
    w = np.exp(lp - lp.max())
    return float(np.sum(w * 1.0 / (1.0 + np.exp(-theta))) / w.sum())


def new_regime_loco(
    panel: xr.Dataset | None = None,
    events: xr.Dataset | None = None,
    *,
    within: int = 5,
    changes: Sequence[RegimeChange] | None = None,
    n_similar: int = 5,
    discount: float = 0.5,
    robust_weight: float = 0.2,
    grid_step: float = 0.1,
) -> pd.DataFrame:
    """Next-year event forecasts for every country-year within ``within`` years of a regime change.

    For a change of country ``c`` in year ``y0`` and each origin ``t = y0 .. y0 + within - 1``
    (while the spell lasts and the outcome year ``t + 1`` is coded), every space and direction is
    forecast four ways, each updated by the country's own record in its new spell (coded events in
    ``y0 .. t - 1``; the event of year ``t`` is coded with the index of ``t + 1``, so it is left out):

    * ``none``: the weakly informative default ``N(logit(base rate), 1.5)``, the base rate pooled
      over all countries' years before ``y0``;
    * ``similar``: robust MAP from the ``n_similar`` countries most similar to ``c`` in
      ``y0 - 9 .. y0`` (:func:`analogcast.priors.suggest_weights`, weights = similarity weights),
      their whole coded history before ``y0``;
    * ``own``: robust MAP from ``c``'s own earlier regime spells (before ``y0``, each spell one analog);
    * ``both``: similar countries and own spells together.

    Analog counts are divided by the episode design effect (pooled over years before ``y0``); the
    grid MAP integrates tau (HalfNormal(1)); ``discount`` and ``robust_weight`` as the main job.
    Everything is on the rate's logit (no covariate model): the comparison isolates what the
    prior contributes. Returns one row per case, space and direction.
    """
    from analogcast.data import load_events, load_panel
    from analogcast.priors.evidence import count_episodes
    from analogcast.priors.likelihood import Grid
    from analogcast.priors.similarity import country_means, rank_similar
    from analogcast.priors.spells import regime_spells

    panel = load_panel() if panel is None else panel
    events = load_events() if events is None else events
    grid = Grid(-12.0, 6.0, grid_step)
    th = grid.points
    ev_countries = [str(c) for c in events["country"].values]
    pan_countries = set(map(str, panel["country"].values))
    years = np.asarray(events["year"].values)
    spaces = [str(s) for s in events["space"].values]
    arr = {d: np.asarray(events[d].transpose("country", "space", "year").values, float) for d in DIRECTIONS}
    cidx = {c: i for i, c in enumerate(ev_countries)}
    changes = new_regime_changes(panel) if changes is None else changes
    cache: dict[int, tuple[Any, dict[tuple[int, str], tuple[float, float]]]] = {}

    def pre_stats(y0: int) -> tuple[Any, dict[tuple[int, str], tuple[float, float]]]:
        """Covariate means of y0 - 9 .. y0, and base rate / design effect before y0 per cell."""
        if y0 not in cache:
            before = years < y0
            stats_: dict[tuple[int, str], tuple[float, float]] = {}
            for si in range(len(spaces)):
                for d in DIRECTIONS:
                    pre = arr[d][:, si, before]
                    x_all, n_all = float(np.nansum(pre)), float(np.isfinite(pre).sum())
                    ep = sum(count_episodes(years[before], r) for r in pre)
                    stats_[(si, d)] = (
                        (x_all + 0.5) / (n_all + 1.0),
                        max(1.0, x_all / ep) if ep else 1.0,
                    )
            cache[y0] = (country_means(panel, (y0 - 9, y0)), stats_)
        return cache[y0]

    rows = []
    for ch in changes:
        if ch.country not in cidx:
            continue
        y0 = ch.year
        origins = [t for t in range(y0, min(y0 + within, ch.until + 1)) if t + 1 <= years.max()]
        if not origins:
            continue
        before = years < y0
        if before.sum() < 5:
            continue
        # similar countries (covariates of y0 - 9 .. y0), history before y0
        cands = [c for c in ev_countries if c != ch.country and c in pan_countries]
        means, stats_ = pre_stats(y0)
        sim = rank_similar(means, ch.country, cands)
        top = sorted(sim, key=lambda k: -sim[k])[:n_similar]
        own = [(a, b) for a, b, _ in regime_spells(panel, ch.country) if b < y0]
        ci = cidx[ch.country]
        for si, s in enumerate(spaces):
            for d in DIRECTIONS:
                a = arr[d][:, si, :]
                base, deff = stats_[(si, d)]

                def cnt(row: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
                    v = row[mask]
                    return float(np.nansum(v)), float(np.isfinite(v).sum())

                sim_counts = [cnt(a[cidx[c]], before) for c in top]
                sim_w = [sim[c] for c in top]
                own_counts = [cnt(a[ci], (years >= lo) & (years <= hi)) for lo, hi in own]
                priors = {
                    "none": np.exp(-0.5 * ((th - special.logit(base)) / 1.5) ** 2),
                    "similar": _grid_prior(sim_counts, sim_w, deff, special.logit(base), grid,
                                           discount, robust_weight) if top else None,
                    "own": _grid_prior(own_counts, [1.0] * len(own_counts), deff,
                                       special.logit(base), grid, discount, robust_weight) if own else None,
                    "both": _grid_prior(sim_counts + own_counts,
                                        list(np.asarray(sim_w) / max(sim_w)) + [1.0] * len(own_counts)
                                        if top else [1.0] * len(own_counts),
                                        deff, special.logit(base), grid, discount, robust_weight)
                    if (top or own) else None,
                }
                for t in origins:
                    j = int(np.flatnonzero(years == t + 1)[0])
                    y = a[ci, j]
                    if not np.isfinite(y):
                        continue
                    x, n = cnt(a[ci], (years >= y0) & (years <= t - 1))
                    row = {"country": ch.country, "change_year": y0, "before": ch.before,
                           "after": ch.after, "origin": t, "years_since": t - y0, "space": s,
                           "direction": d, "y": float(y), "own_events": x, "own_years": n,
                           "n_similar": len(top), "n_own_spells": len(own)}
                    for k, m in priors.items():
                        row[f"p_{k}"] = np.nan if m is None else _predict(m / m.sum(), th, x, n)
                    rows.append(row)
    return pd.DataFrame(rows)


def _case_logloss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(y * np.log(p) + (1 - y) * np.log1p(-p))


def new_regime_summary(
    rows: pd.DataFrame, n_boot: int = 2000, seed: int = 20261129, level: float = 0.9
) -> pd.DataFrame:
    """Mean log-loss per method and its difference from ``none``, with bootstrap intervals over countries.

    Each method is compared with ``none`` on the rows where it has a forecast. The interval
    resamples countries with replacement (all of a country's cases together: its outcomes are
    not independent), ``n_boot`` times with ``seed``; ``level`` central interval.
    """
    rng = np.random.default_rng(seed)
    out = []
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    for method in ("similar", "own", "both"):
        g = rows[rows[f"p_{method}"].notna()]
        if g.empty:
            continue
        ll_m = _case_logloss(g["y"].to_numpy(), g[f"p_{method}"].to_numpy())
        ll_0 = _case_logloss(g["y"].to_numpy(), g["p_none"].to_numpy())
        codes, inv = np.unique(g["country"].to_numpy(), return_inverse=True)
        sum_diff = np.bincount(inv, weights=ll_m - ll_0, minlength=codes.size)
        cnt = np.bincount(inv, minlength=codes.size).astype(float)
        boots = np.empty(n_boot)
        for b in range(n_boot):
            k = np.bincount(rng.integers(0, codes.size, codes.size), minlength=codes.size)
            boots[b] = np.sum(k * sum_diff) / np.sum(k * cnt)
        out.append({
            "method": method,
            "n_outcomes": len(g),
            "n_events": int(g["y"].sum()),
            "n_countries": int(codes.size),
            "n_cases": int(g[["country", "origin"]].drop_duplicates().shape[0]),
            "log_loss": float(ll_m.mean()),
            "log_loss_none": float(ll_0.mean()),
            "diff": float((ll_m - ll_0).mean()),
            "diff_lower": float(np.quantile(boots, lo_q)),
            "diff_upper": float(np.quantile(boots, hi_q)),
        })
    return pd.DataFrame(out)


def kept_new_regime_sentences(data_sha256: str | None) -> list[str]:
    """What the kept leave-one-country-out check of new regimes says about analogy priors, in
    plain sentences for a report (or why it is missing). See ``bench/loco_new_regime.py``."""
    from analogcast.evaluation.kept import read_kept

    meta, reason = read_kept("loco_new_regime", data_sha256)
    if meta is None:
        return [reason]
    try:
        by = meta["by_years_since_change"]
        first = {r["method"]: r for r in by["0"]}
        later = [r for k, rows in by.items() if int(k) > 0 for r in rows]
        n = int(meta["n_changes"])
    except (KeyError, TypeError, ValueError):
        return ["The kept new-regime check is damaged (`make loco`)."]

    def iv(r: dict[str, Any]) -> str:
        return f"{r['diff']:+.3f} (90% interval {r['diff_lower']:+.3f} to {r['diff_upper']:+.3f})"

    parts = [f"{lab} {iv(first[m])}" for m, lab in (("similar", "priors from the most similar countries"),
                                                    ("own", "the regime's own earlier spells"))
             if m in first]
    lo = min(r["diff"] for r in later) if later else float("nan")
    hi = max(r["diff"] for r in later) if later else float("nan")
    return [
        f"Do analogy priors help in new regimes? A leave-one-country-out check over {n} regime changes "
        "(a change of V-Dem's Regimes of the World class) scored next-year events in every space with the "
        "prior alone in a one-parameter hazard model (not this forecast's full model). In the year of the "
        f"change, the change in log-loss against no analogy prior (negative = better) was: {'; '.join(parts)}. "
        + (f"One to four years after the change, every kind of analogy prior did worse than none (by {lo:+.3f} "
           f"to {hi:+.3f}, every interval above 0). " if later and all(r["diff_lower"] > 0 for r in later) else
           f"One to four years after the change, the differences ranged from {lo:+.3f} to {hi:+.3f}. ")
        + "Read the analogy prior as a stated hypothesis that the data can overrule, not as evidence that "
        "improves forecasts."
    ]

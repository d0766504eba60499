"""A SYNTHETIC run-like object for report tests, benchmarks and template work.

Nothing here is data or a model fit: the numbers are random draws shaped like the
``analogcast.runs.Run`` contract of ARCHITECTURE.md (``result`` with ``spec``, ``prior``, ``tree``,
``diagnostics``, ``timings``; ``forecasts``; ``metadata``). Reports built from it say so in a
banner (``metadata["synthetic"] = True``). It lets the reporting stage be exercised without
sampling, and it keeps the report builder honest about duck typing: it must accept any object
with these attributes, not only the real ``Run`` class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.data import SPACES

__all__ = ["SyntheticMixture", "SyntheticPrior", "SyntheticSpacePrior", "SyntheticFit", "SyntheticRun", "synthetic_run"]

_ALL_SPACES = tuple(SPACES)


@dataclass(frozen=True)
class SyntheticMixture:
    """Normal mixture with ``weights``, ``means``, ``sds`` and ``labels`` (like ``NormalMixture``)."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]
    labels: tuple[str, ...] = ()


@dataclass
class SyntheticPrior:
    """Analogy prior look-alike: ``meta``, ``mixture(space, direction)``, ESS, shares, conflict."""

    meta: dict[str, Any]
    mixtures: dict[tuple[str, str], SyntheticMixture]
    ess: dict[tuple[str, str], float]
    ess_share: dict[tuple[str, str], dict[str, float]]
    conflict: dict[tuple[str, str], float]
    similarity: pd.DataFrame

    def mixture(self, space: str, direction: str) -> SyntheticMixture:
        """The prior mixture on ``theta[space, direction]``."""
        return self.mixtures[(space, direction)]

    @property
    def space_names(self) -> tuple[str, ...]:
        """Spaces in order (``AnalogPrior.space_names``)."""
        return tuple(dict.fromkeys(sp for sp, _ in self.mixtures))

    def get(self, space: str, direction: str) -> SyntheticSpacePrior:
        """One space and direction, with the fields of ``SpacePrior`` the report reads."""
        return SyntheticSpacePrior(
            mixture=self.mixtures[(space, direction)],
            ess=self.ess[(space, direction)],
            ess_share=self.ess_share[(space, direction)],
            conflict_p=self.conflict[(space, direction)],
        )


@dataclass(frozen=True)
class SyntheticSpacePrior:
    """The ``SpacePrior`` fields the report reads (``mixture``, ``ess``, ``ess_share``,
    ``conflict_p``, ``evidence``)."""

    mixture: SyntheticMixture
    ess: float
    ess_share: dict[str, float]
    conflict_p: float
    evidence: tuple[Any, ...] = ()


@dataclass
class SyntheticFit:
    """FitResult look-alike."""

    spec: dict[str, Any]
    prior: SyntheticPrior | None
    tree: xr.DataTree
    diagnostics: dict[str, float]
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class SyntheticRun:
    """Run look-alike; ``history`` holds the target's observed indices (space, year)."""

    result: SyntheticFit
    forecasts: xr.Dataset
    metadata: dict[str, Any]
    history: xr.Dataset | None = None
    path: Any = None


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def synthetic_run(
    *,
    n_spaces: int = 7,
    scenarios: tuple[tuple[str, str], ...] = (
        ("status_quo", "Status quo"),
        ("conditional_engagement", "Conditional engagement"),
        ("unconditional_aid", "Unconditional aid"),
        ("isolation", "Isolation"),
        ("isolation_alt_patrons", "Isolation, alternative patrons"),
    ),
    chains: int = 2,
    draws: int = 250,
    horizons: tuple[int, ...] = tuple(range(1, 11)),
    title: str = "Afghanistan: liberalization under aid conditions (synthetic)",
    notes: str = "Synthetic numbers for testing the report; not a forecast.",
    failing_diagnostics: bool = False,
    with_prior: bool = True,
    with_index: bool = True,
    with_wbl: bool = True,
    deltas: tuple[float, ...] = (0.05, 0.10),
    prior: Any = None,
    seed: int = 1,
) -> SyntheticRun:
    """Build a clearly labelled synthetic run.

    Parameters
    ----------
    n_spaces
        How many spaces (first ``n_spaces`` in the canonical order).
    scenarios
        ``(name, label)`` pairs; labels are user strings (escape tests put markup here).
    chains, draws
        Posterior sample shape.
    horizons
        Forecast horizons in years.
    title, notes
        User strings recorded in the spec.
    failing_diagnostics
        Record diagnostics that fail their thresholds (for the red banner).
    with_prior
        Attach an analogy prior; otherwise the run looks like a ``method = "none"`` fit.
    with_index
        Include the trajectory model's outputs (all SYNTHETIC, random walks, not a model): index
        paths for fan charts, ``index_origin``, ``p_rise`` (scenario, space, horizon, delta; the
        share of paths whose index at origin + H is at least delta above the origin value) and,
        with ``with_wbl``, the WBL outputs ``wbl`` (scenario, year, 0-100), ``wbl_origin`` and
        ``p_wbl_rise`` (scenario, horizon, delta; delta on the 0-1 scale), plus an observed
        ``wbl_index`` in ``history`` that ends the year before the origin.
    with_wbl
        With ``with_index``: include the synthetic WBL outputs.
    deltas
        Rise thresholds (0-1 scale) of ``p_rise`` and ``p_wbl_rise``.
    prior
        A real prior object to attach instead of the synthetic one (e.g. ``load_prior(...)``).
    seed
        Random seed.

    Returns
    -------
    SyntheticRun
    """
    rng = np.random.default_rng(seed)
    spaces = list(_ALL_SPACES[:n_spaces])
    names = [s for s, _ in scenarios]
    labels = [lab for _, lab in scenarios]
    directions = ["opening", "closing"]
    origin = 2024
    target = "AFG"

    # theta[space, direction] on the logit scale of the yearly hazard
    prior_mean = rng.normal(-2.3, 0.3, size=(n_spaces, 2))
    post_mean = prior_mean + rng.normal(0.0, 0.25, size=(n_spaces, 2))
    theta = post_mean[None, None] + 0.35 * rng.standard_normal((chains, draws, n_spaces, 2))
    beta_aid = 0.25 + 0.1 * rng.standard_normal((chains, draws))
    effect = np.linspace(0.6, -0.6, len(names))  # scenario shifts on the logit scale
    hz_open = _sigmoid(theta[None, ..., 0] + effect[:, None, None, None] * beta_aid[None, ..., None] * 2)
    hz_close = _sigmoid(theta[None, ..., 1] - effect[:, None, None, None] * beta_aid[None, ..., None] * 2)
    h = np.asarray(horizons, dtype=float)
    p_open = 1.0 - (1.0 - hz_open[..., None]) ** h  # (scen, chain, draw, space, horizon)
    p_close = 1.0 - (1.0 - hz_close[..., None]) ** h
    p_open = np.moveaxis(p_open, (3, 4), (1, 2))  # (scen, space, horizon, chain, draw)
    p_close = np.moveaxis(p_close, (3, 4), (1, 2))

    coords = {
        "scenario": names,
        "space": spaces,
        "horizon": list(horizons),
        "chain": np.arange(chains),
        "draw": np.arange(draws),
        "scenario_label": ("scenario", labels),
    }
    dims = ("scenario", "space", "horizon", "chain", "draw")
    fc = xr.Dataset(
        {"p_opening": (dims, p_open), "p_closing": (dims, p_close)},
        coords=coords,
        attrs={
            "target": target,
            "origin": origin,
            "models": "event_logit,trajectory" if with_index else "event_logit",
            "assumptions": [
                "SYNTHETIC: covariates not named by a scenario hold at their origin-year values.",
                "SYNTHETIC: the aid effect is identified from within-country changes over time.",
            ],
        },
    )
    years = np.arange(1990, origin + 1)
    hist = np.clip(
        0.3 + 0.05 * np.cumsum(rng.standard_normal((n_spaces, years.size)), axis=1) / 3, 0.02, 0.98
    )
    history = xr.Dataset(
        {"index": (("space", "year"), hist)}, coords={"space": spaces, "year": years}
    )
    if with_index and with_wbl:
        # SYNTHETIC observed WBL index; the series ends a year before the origin (as real WBL data may)
        wobs = np.full(years.size, 31.875)
        wobs[-1] = np.nan
        history["wbl_index"] = (("year",), wobs)
    if with_index:
        fyears = np.arange(origin + 1, origin + 11)
        steps = 0.03 * rng.standard_normal((len(names), n_spaces, fyears.size, chains, draws))
        drift = 0.01 * effect[:, None, None, None, None]
        paths = hist[None, :, -1, None, None, None] + np.cumsum(steps + drift, axis=2)
        fc["index"] = (
            ("scenario", "space", "year", "chain", "draw"),
            np.clip(paths, 0.0, 1.0),
        )
        fc = fc.assign_coords(year=fyears)
        # SYNTHETIC rise probabilities, read from the same synthetic paths as the fan charts
        dl = np.asarray(deltas, dtype=float)
        hidx = np.asarray(horizons, dtype=int) - 1
        start = hist[None, :, -1, None, None, None]
        # a probability per draw: the share of 40 synthetic paths per draw around this one
        jitter = 0.02 * rng.standard_normal((40, 1, 1, 1, 1, 1))
        rise = ((np.clip(paths, 0.0, 1.0)[None, :, :, hidx] - start[None] + jitter)[..., None] >= dl).mean(axis=0)  # (scen, space, hz, chain, draw, delta)
        fc["p_rise"] = (
            ("scenario", "space", "horizon", "delta", "chain", "draw"),
            np.moveaxis(rise, -1, 3),
        )
        fc = fc.assign_coords(delta=dl)
        fc["index_origin"] = (("space",), hist[:, -1])
        if with_wbl:
            w0 = 31.875
            wsteps = 2.0 * rng.standard_normal((len(names), fyears.size, chains, draws)) + 0.3 + 0.3 * effect[:, None, None, None]
            wbl = np.clip(w0 + np.cumsum(np.where(rng.random(wsteps.shape) < 0.3, wsteps, 0.0), axis=1), 0.0, 100.0)
            fc["wbl"] = (("scenario", "year", "chain", "draw"), wbl)
            fc["wbl_origin"] = ((), w0)
            wjit = 3.0 * rng.standard_normal((40, 1, 1, 1, 1))
            wr = ((wbl[None, :, hidx] + wjit - w0)[..., None] >= 100.0 * dl).mean(axis=0)  # (scen, hz, chain, draw, delta)
            fc["p_wbl_rise"] = (("scenario", "horizon", "delta", "chain", "draw"), np.moveaxis(wr, -1, 2))

    post = xr.Dataset(
        {
            "theta": (("chain", "draw", "space", "direction"), theta),
            "beta_aid": (("chain", "draw"), beta_aid),
        },
        coords={"chain": np.arange(chains), "draw": np.arange(draws), "space": spaces, "direction": directions},
    )
    energy = rng.standard_normal((chains, draws))
    stats = xr.Dataset(
        {
            "diverging": (("chain", "draw"), np.zeros((chains, draws), dtype=bool)),
            "energy": (("chain", "draw"), energy),
        },
        coords={"chain": np.arange(chains), "draw": np.arange(draws)},
    )
    tree = xr.DataTree.from_dict({"event_logit/posterior": post, "event_logit/sample_stats": stats})

    given_prior = prior
    prior = None
    analogs = ["TJK", "IRQ", "YEM", "SOM"][: max(2, min(4, n_spaces))]
    if given_prior is not None:
        prior = given_prior
    elif with_prior:
        w = rng.dirichlet(np.ones(len(analogs)) * 3)
        mixtures: dict[tuple[str, str], SyntheticMixture] = {}
        ess: dict[tuple[str, str], float] = {}
        share: dict[tuple[str, str], dict[str, float]] = {}
        conflict: dict[tuple[str, str], float] = {}
        for i, sp in enumerate(spaces):
            for j, d in enumerate(directions):
                m = float(prior_mean[i, j])
                mixtures[(sp, d)] = SyntheticMixture(
                    weights=(0.8, 0.2), means=(m, m), sds=(0.4, 2.0), labels=("map", "vague")
                )
                ess[(sp, d)] = float(rng.uniform(8, 30))
                s = rng.dirichlet(np.ones(len(analogs)) * 4)
                share[(sp, d)] = {a: float(v) for a, v in zip(analogs, s, strict=True)}
                conflict[(sp, d)] = float(rng.uniform(0.02, 0.9))
        similarity = pd.DataFrame(
            {
                "analog": analogs,
                "weight": w,
                "distance": rng.uniform(0.2, 1.5, len(analogs)),
                "reason": ["post-conflict, aid-dependent (synthetic)"] * len(analogs),
            }
        )
        prior = SyntheticPrior(
            meta={
                "target": target,
                "analogs": analogs,
                "weights": [float(v) for v in w],
                "method": "synthetic robust_map",
                "discount": 0.5,
                "robust_weight": 0.2,
                "window": [1990, 2023],
                "data_sha256": "0" * 64,
                "version": "synthetic",
            },
            mixtures=mixtures,
            ess=ess,
            ess_share=share,
            conflict=conflict,
            similarity=similarity,
        )

    diag = {
        "max_rhat": 1.004,
        "min_ess_bulk": 812.0,
        "min_ess_tail": 655.0,
        "divergences": 0,
        "min_bfmi": 0.81,
    }
    if failing_diagnostics:
        diag.update(max_rhat=1.07, divergences=12)
    spec = {
        "name": "synthetic",
        "title": title,
        "notes": notes,
        "target": target,
        "origin": origin,
        "models": ["event_logit"],
        "scenarios": [{"name": n, "label": lab, "note": f"{notes} ({lab})"} for n, lab in scenarios],
        "seed": seed,
    }
    metadata = {
        "synthetic": True,
        "name": "synthetic",
        "spec": spec,
        "hashes": {"data_sha256": "0" * 64, "posterior.nc": "1" * 64},
        "versions": {"analogcast": "synthetic", "pymc": "n/a"},
        "seed": seed,
        "level": 0.89,
        "created": "2026-01-01T00:00:00Z",
    }
    fit = SyntheticFit(spec=spec, prior=prior, tree=tree, diagnostics=diag, timings={"sampling": 0.0})
    return SyntheticRun(result=fit, forecasts=fc, metadata=metadata, history=history)

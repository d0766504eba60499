"""Report figures, built with matplotlib's object-oriented API only.

Every function returns a new :class:`matplotlib.figure.Figure` (never pyplot, never the current
figure). Figures are drawn at the printed width (:data:`WIDTH_IN` inches, the A4 text width) with
fonts of at least 8 pt, so they stay legible in the PDF; :func:`to_data_uri` turns one into a PNG
data URI for the self-contained HTML.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr
    from matplotlib.figure import Figure

__all__ = [
    "WIDTH_IN",
    "PALETTE",
    "to_data_uri",
    "horizon_curves",
    "fan_charts",
    "scenario_comparison",
    "prior_posterior",
    "analog_weights",
    "sensitivity_plot",
]

#: Printed width of a full-width figure (A4 minus 2 x 18 mm margins), inches.
WIDTH_IN = 6.8
#: Okabe-Ito colour-blind-safe palette.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
_RC = {
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
}


@contextmanager
def _style() -> Any:
    import matplotlib

    with matplotlib.rc_context(_RC):
        yield


def _new(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _plain(text: str) -> str:
    """User text safe for matplotlib (no mathtext): escape ``$``."""
    return str(text).replace("$", r"\$")


def to_data_uri(fig: Figure, dpi: int = 200) -> str:
    """Render ``fig`` to a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _grid(n: int, ncols: int = 2, row_h: float = 1.9, sharex: bool = True) -> tuple[Figure, list[Any]]:
    nrows = math.ceil(n / ncols)
    fig = _new(WIDTH_IN, 0.6 + row_h * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    for ax in flat[max(0, n - ncols) : n]:  # the lowest visible panel of each column keeps its ticks
        ax.tick_params(labelbottom=True)
    return fig, flat[:n]


def _legend(fig: Figure, handles: Sequence[Any], labels: Sequence[str]) -> None:
    fig.legend(handles, [_plain(s) for s in labels], loc="outside lower center", ncols=min(3, len(labels)), frameon=False)


def horizon_curves(
    rows: pd.DataFrame,
    *,
    spaces: Sequence[str],
    scenarios: Sequence[str],
    labels: Mapping[str, str],
    space_labels: Mapping[str, str],
    quantity: str = "p_opening",
) -> Figure:
    """Probability of at least one event by horizon, one panel per space, a band per scenario.

    Reads the same rows as the scenario table (means and interval ends).
    """
    with _style():
        fig, axes = _grid(len(spaces))
        handles = []
        for ax, sp in zip(axes, spaces, strict=True):
            for i, s in enumerate(scenarios):
                r = rows[(rows["scenario"] == s) & (rows["space"] == sp)].sort_values("horizon")
                c = PALETTE[i % len(PALETTE)]
                ax.fill_between(r["horizon"], 100 * r[f"{quantity}_low"], 100 * r[f"{quantity}_high"], color=c, alpha=0.12, lw=0)
                (h,) = ax.plot(r["horizon"], 100 * r[quantity], color=c, lw=1.4, marker="o" if len(r) <= 4 else None, ms=3)
                if len(handles) < len(scenarios):
                    handles.append(h)
            ax.set_title(space_labels.get(sp, sp).capitalize(), loc="left")
            ax.set_ylim(0, 100)
            ax.set_ylabel("%")
            ax.grid(axis="y", lw=0.4, alpha=0.5)
        for ax in axes[-2:]:
            ax.set_xlabel("years ahead")
        _legend(fig, handles, [labels[s] for s in scenarios])
    return fig


def fan_charts(
    history: xr.DataArray | None,
    index: xr.DataArray | None,
    *,
    spaces: Sequence[str],
    scenarios: Sequence[str],
    labels: Mapping[str, str],
    space_labels: Mapping[str, str],
    level: float,
    first_year: int | None = None,
) -> Figure:
    """Each space's index: observed history, then per-scenario forecast median and band.

    Parameters
    ----------
    history
        Observed index (space, year), or ``None``.
    index
        Simulated paths (scenario, space, year, chain, draw), or ``None`` (history only: the
        trajectory model was not fitted).
    level
        Band level (equal-tailed).
    first_year
        Earliest history year shown.
    """
    a = (1 - level) / 2
    q = index.quantile([a, 0.5, 1 - a], dim=("chain", "draw")) if index is not None else None
    with _style():
        fig, axes = _grid(len(spaces), row_h=1.8)
        handles = []
        for ax, sp in zip(axes, spaces, strict=True):
            last = None
            if history is not None and sp in history["space"].values:
                hs = history.sel(space=sp).dropna("year")
                if first_year is not None:
                    hs = hs.sel(year=hs["year"] >= first_year)
                if hs.size:
                    ax.plot(hs["year"], hs.values, color="#333333", lw=1.2)
                    last = (float(hs["year"][-1]), float(hs[-1]))
            for i, s in enumerate(scenarios if q is not None else ()):
                c = PALETTE[i % len(PALETTE)]
                qs = q.sel(scenario=s, space=sp)
                yrs = qs["year"].values
                lo, md, hi = (qs.isel(quantile=j).values for j in range(3))
                if last is not None:
                    yrs = np.concatenate([[last[0]], yrs])
                    lo, md, hi = (np.concatenate([[last[1]], v]) for v in (lo, md, hi))
                ax.fill_between(yrs, lo, hi, color=c, alpha=0.12, lw=0)
                (h,) = ax.plot(yrs, md, color=c, lw=1.3)
                if len(handles) < len(scenarios):
                    handles.append(h)
            ax.set_title(space_labels.get(sp, sp).capitalize(), loc="left")
            ax.set_ylim(0, 1)
            ax.grid(axis="y", lw=0.4, alpha=0.5)
        if handles:
            _legend(fig, handles, [labels[s] for s in scenarios])
    return fig


def scenario_comparison(
    rows: pd.DataFrame,
    *,
    horizon: int,
    spaces: Sequence[str],
    scenarios: Sequence[str],
    labels: Mapping[str, str],
    space_labels: Mapping[str, str],
) -> Figure:
    """Opening probability at one horizon: a row per space, a dot and interval per scenario."""
    sub = rows[rows["horizon"] == int(horizon)]
    n, k = len(spaces), len(scenarios)
    with _style():
        fig = _new(WIDTH_IN, 0.9 + 0.42 * n + 0.06 * n * k)
        ax = fig.subplots()
        off = np.linspace(-0.3, 0.3, k) if k > 1 else np.zeros(1)
        handles = []
        for i, s in enumerate(scenarios):
            c = PALETTE[i % len(PALETTE)]
            r = sub[sub["scenario"] == s].set_index("space").reindex(list(spaces))
            y = np.arange(n) + off[i]
            ax.hlines(y, 100 * r["p_opening_low"], 100 * r["p_opening_high"], color=c, lw=1.6)
            h = ax.scatter(100 * r["p_opening"], y, color=c, s=18, zorder=3)
            handles.append(h)
        ax.set_yticks(np.arange(n), [space_labels.get(sp, sp).capitalize() for sp in spaces])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"probability of at least one opening within {horizon} years (%)")
        ax.grid(axis="x", lw=0.4, alpha=0.5)
        _legend(fig, handles, [labels[s] for s in scenarios])
    return fig


def prior_posterior(
    theta: xr.DataArray,
    mixture_of: Callable[[str, str], Any] | None,
    *,
    spaces: Sequence[str],
    space_labels: Mapping[str, str],
    direction: str = "opening",
) -> Figure:
    """Prior (analogy mixture) and posterior of the target's yearly hazard, one panel per space.

    Densities of ``theta`` on the logit scale (where the prior is defined and both are smooth),
    with the axis labelled in yearly probability (%).
    """
    from scipy.stats import gaussian_kde

    from analogcast.reporting.sensitivity import MixtureParams, mixture_logpdf

    ticks_p = np.array([0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95])
    with _style():
        fig, axes = _grid(len(spaces), row_h=1.5, sharex=True)
        handles: list[Any] = []
        lo_all, hi_all = [], []
        for sp in spaces:
            draws = np.asarray(theta.sel(space=sp, direction=direction).values, float).ravel()
            lo_all.append(np.quantile(draws, 0.001))
            hi_all.append(np.quantile(draws, 0.999))
        lo, hi = min(min(lo_all) - 1.5, -5.0), max(max(hi_all) + 1.5, 0.0)
        grid = np.linspace(lo, hi, 400)
        for ax, sp in zip(axes, spaces, strict=True):
            draws = np.asarray(theta.sel(space=sp, direction=direction).values, float).ravel()
            h1 = None
            if mixture_of is not None:
                m = MixtureParams.of(mixture_of(sp, direction))
                (h1,) = ax.plot(grid, np.exp(mixture_logpdf(m, grid)), color=PALETTE[4], lw=1.3, ls="--")
            (h2,) = ax.plot(grid, gaussian_kde(draws)(grid), color=PALETTE[0], lw=1.5)
            ax.set_yticks([])
            ax.set_title(space_labels.get(sp, sp).capitalize(), loc="left")
            if not handles:
                handles = [h for h in (h1, h2) if h is not None]
        keep = ticks_p[(np.log(ticks_p / (1 - ticks_p)) >= lo) & (np.log(ticks_p / (1 - ticks_p)) <= hi)]
        for ax in axes:
            ax.set_xlim(lo, hi)
            ax.set_xticks(np.log(keep / (1 - keep)), [f"{100 * p:g}" for p in keep])
        for ax in axes[-2:]:
            ax.set_xlabel(f"yearly probability of an {direction} (%, logit scale)")
        names = (["analogy prior"] if mixture_of is not None else []) + ["posterior"]
        _legend(fig, handles, names)
    return fig


def analog_weights(weights: Mapping[str, float], shares: Mapping[str, float] | None = None) -> Figure:
    """Analog weights as used by the prior and, if given, each analog's share of the prior's ESS."""
    names = list(weights)
    with _style():
        fig = _new(WIDTH_IN * 0.7, 0.8 + 0.28 * len(names))
        ax = fig.subplots()
        y = np.arange(len(names))
        ax.barh(y - 0.18, [100 * weights[n] for n in names], height=0.35, color=PALETTE[0], label="analog weight (as used)")
        if shares:
            ax.barh(y + 0.18, [100 * shares.get(n, 0.0) for n in names], height=0.35, color=PALETTE[2], label="share of prior ESS")
        ax.set_yticks(y, [_plain(n) for n in names])
        ax.invert_yaxis()
        ax.set_xlabel("%")
        ax.grid(axis="x", lw=0.4, alpha=0.5)
        fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def sensitivity_plot(rows: Sequence[Any], spaces: Sequence[str], space_labels: Mapping[str, str]) -> Figure:
    """Reweighted headline probability per space, one marker per alternative prior."""
    n = len(spaces)
    with _style():
        fig = _new(WIDTH_IN, 1.0 + 0.36 * n + 0.14 * len(rows))
        ax = fig.subplots()
        markers = "o^vsDPX*<>hp"
        for i, r in enumerate(rows):
            ys = np.arange(n) + (i - (len(rows) - 1) / 2) * 0.6 / max(1, len(rows))
            xs = [100 * r.values.get(sp, np.nan) for sp in spaces]
            bad = [r.khat.get(sp, 0.0) > 0.7 for sp in spaces]
            c = "#000000" if i == 0 else PALETTE[(i - 1) % len(PALETTE)]
            face = [("none" if b else c) for b in bad]
            ax.scatter(xs, ys, marker=markers[i % len(markers)], s=22, edgecolors=c, facecolors=face, label=_plain(r.label), zorder=3)
        ax.set_yticks(np.arange(n), [space_labels.get(sp, sp).capitalize() for sp in spaces])
        ax.invert_yaxis()
        ax.set_xlabel("probability of at least one opening (%); hollow = unreliable (k-hat > 0.7)")
        ax.grid(axis="x", lw=0.4, alpha=0.5)
        fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig

"""Forecast plots of a run: fan charts, scenario comparison, contrasts, probability by horizon.

Public through :mod:`analogcast.plots`; the report draws its figures with these same functions.
Each takes a run plus keyword-only options and returns a new matplotlib ``Figure``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from analogcast.errors import UserInputError
from analogcast.reporting import run_inputs
from analogcast.reporting.plot_base import (
    PALETTE,
    WIDTH_IN,
    check_direction,
    grid,
    legend,
    new_figure,
    pick_horizon,
    pick_scenarios,
    pick_spaces,
    plain,
    run_view,
    style,
)
from analogcast.reporting.tables import contrast_rows, main_horizons

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["fan", "scenarios", "contrast", "horizons"]


def fan(
    run: Any,
    space: str | Sequence[str] | None,
    scenarios: Sequence[str] | None = None,
    *,
    paths: bool = True,
    first_year: int | None = None,
    level: float | None = None,
) -> Figure:
    """Fan chart of a space's V-Dem index: observed history, then each scenario's median and band.

    Parameters
    ----------
    run
        A ``Run`` (fitted with a model that simulates index paths: ``ModelOutputs.paths``).
    space
        A space name, several (one panel each), or ``None`` for every space of the run.
    scenarios
        Scenario names (default: all, in run order).
    paths
        Draw the simulated paths; ``False`` draws the observed history only (any run).
    first_year
        Earliest history year shown (default: 25 years before the first forecast year).
    level
        Band level (default: the run's interval level).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per space, titled with the space; y axis "index (0-1)".

    Raises
    ------
    UserInputError
        ``paths=True`` and the run has no index paths (no model of index paths was fitted), or an
        unknown space or scenario.
    """
    v = run_view(run)
    spaces = pick_spaces(v, space, "fan")
    names = pick_scenarios(v, scenarios, "fan")
    fc = v.forecasts
    if paths and "index" not in fc:
        raise UserInputError(
            f"fan: run {v.name!r} has no simulated index paths: fan charts need the {run_inputs.path_model_name()!r} model "
            "(add it to [model] names and refit), or pass paths=False for the observed history only"
        )
    hist = run_inputs.target_history(run, spaces)
    if paths and first_year is None:
        first_year = int(fc["year"].min()) - 25
    if not paths and (hist is None or not hist.size):
        raise UserInputError(f"fan: run {v.name!r} carries no observed history of the target's index (its model data)")
    if not paths and first_year is None:
        first_year = int(hist["year"].max()) - 30
    lev = v.level if level is None else float(level)
    a = (1 - lev) / 2
    q = fc["index"].quantile([a, 0.5, 1 - a], dim=("chain", "draw")) if paths else None
    with style():
        fig, axes = grid(len(spaces), row_h=1.8)
        handles = []
        for ax, sp in zip(axes, spaces, strict=True):
            last = None
            if hist is not None and sp in hist["space"].values:
                hs = hist.sel(space=sp).dropna("year")
                if first_year is not None:
                    hs = hs.sel(year=hs["year"] >= first_year)
                if hs.size:
                    ax.plot(hs["year"], hs.values, color="#333333", lw=1.2)
                    last = (float(hs["year"][-1]), float(hs[-1]))
            for s in names if q is not None else ():
                c = PALETTE[v.names.index(s) % len(PALETTE)]
                qs = q.sel(scenario=s, space=sp)
                yrs = qs["year"].values
                lo, md, hi = (qs.isel(quantile=j).values for j in range(3))
                if last is not None:
                    yrs = np.concatenate([[last[0]], yrs])
                    lo, md, hi = (np.concatenate([[last[1]], x]) for x in (lo, md, hi))
                ax.fill_between(yrs, lo, hi, color=c, alpha=0.12, lw=0)
                (h,) = ax.plot(yrs, md, color=c, lw=1.3)
                if len(handles) < len(names):
                    handles.append(h)
            ax.set_title(v.space_labels[sp].capitalize(), loc="left")
            ax.set_ylim(0, 1)
            ax.set_ylabel("index (0-1)")
            ax.grid(axis="y", lw=0.4, alpha=0.5)
        for ax in axes[-2:]:
            ax.set_xlabel("year")
        if handles:
            legend(fig, handles, [v.labels[s] for s in names])
    return fig


def horizons(
    run: Any,
    *,
    direction: str = "opening",
    spaces: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
) -> Figure:
    """Probability of at least one event by horizon: one panel per space, a band per scenario.

    Reads the same rows as the report's scenario tables (means and interval ends).
    """
    check_direction(direction, "horizons")
    v = run_view(run)
    sps = pick_spaces(v, spaces, "horizons")
    names = pick_scenarios(v, scenarios, "horizons")
    quantity = f"p_{direction}"
    rows = v.rows
    with style():
        fig, axes = grid(len(sps))
        handles = []
        for ax, sp in zip(axes, sps, strict=True):
            for s in names:
                r = rows[(rows["scenario"] == s) & (rows["space"] == sp)].sort_values("horizon")
                c = PALETTE[v.names.index(s) % len(PALETTE)]
                ax.fill_between(r["horizon"], 100 * r[f"{quantity}_low"], 100 * r[f"{quantity}_high"], color=c, alpha=0.12, lw=0)
                (h,) = ax.plot(r["horizon"], 100 * r[quantity], color=c, lw=1.4, marker="o" if len(r) <= 4 else None, ms=3)
                if len(handles) < len(names):
                    handles.append(h)
            ax.set_title(v.space_labels[sp].capitalize(), loc="left")
            ax.set_ylim(0, 100)
            ax.set_ylabel(f"P(an {direction}) %")
            ax.grid(axis="y", lw=0.4, alpha=0.5)
        for ax in axes[-2:]:
            ax.set_xlabel("years ahead")
        legend(fig, handles, [v.labels[s] for s in names])
    return fig


def scenarios(
    run: Any,
    horizon: int,
    direction: str = "opening",
    *,
    spaces: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
) -> Figure:
    """Scenario comparison at one horizon: a row per space, a dot and interval per scenario.

    Parameters
    ----------
    run
        A ``Run``.
    horizon
        Years ahead (one of the run's horizons).
    direction
        ``"opening"`` or ``"closing"``.
    spaces, scenarios
        Subsets (default: all, in run order).

    Returns
    -------
    matplotlib.figure.Figure
        One axes; x "probability of at least one <direction> within <horizon> years (%)", y ticks
        the spaces, a legend entry per scenario.
    """
    check_direction(direction, "scenarios")
    v = run_view(run)
    h = pick_horizon(v, horizon, "scenarios")
    sps = pick_spaces(v, spaces, "scenarios")
    names = pick_scenarios(v, scenarios, "scenarios")
    q = f"p_{direction}"
    sub = v.rows[v.rows["horizon"] == h]
    n, k = len(sps), len(names)
    with style():
        fig = new_figure(WIDTH_IN, 0.9 + 0.42 * n + 0.06 * n * k + 0.3)
        ax = fig.subplots()
        off = np.linspace(-0.3, 0.3, k) if k > 1 else np.zeros(1)
        handles = []
        for i, s in enumerate(names):
            c = PALETTE[v.names.index(s) % len(PALETTE)]
            r = sub[sub["scenario"] == s].set_index("space").reindex(list(sps))
            y = np.arange(n) + off[i]
            ax.hlines(y, 100 * r[f"{q}_low"], 100 * r[f"{q}_high"], color=c, lw=1.6)
            handles.append(ax.scatter(100 * r[q], y, color=c, s=18, zorder=3))
        ax.set_yticks(np.arange(n), [v.space_labels[sp].capitalize() for sp in sps])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"probability of at least one {direction} within {h} years (%)")
        ax.set_title(f"Scenarios at {h} years: dot = posterior mean, line = {v.level_pct} interval", loc="left")
        ax.grid(axis="x", lw=0.4, alpha=0.5)
        legend(fig, handles, [v.labels[s] for s in names])
    return fig


def contrast(
    run: Any,
    a: str,
    b: str,
    *,
    horizons: Sequence[int] | None = None,
    direction: str = "opening",
    spaces: Sequence[str] | None = None,
) -> Figure:
    """Scenario ``a`` against ``b``: P_a - P_b per space (percentage points), one marker per horizon.

    The difference is taken draw by draw (the run's stored contrasts where they cover the pair),
    with its equal-tailed interval; each marker is annotated with P(a > b). A contrast between
    scenarios is an association under the model's assumptions, not a causal effect.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; x "difference in P(<direction>) (percentage points)", a dashed line at zero.
    """
    check_direction(direction, "contrast")
    v = run_view(run)
    pick_scenarios(v, [a, b], "contrast")
    if a == b:
        raise UserInputError(f"contrast: a and b are the same scenario ({a!r}); pass two different scenarios")
    avail = sorted({int(h) for h in v.rows["horizon"]})
    hz = main_horizons(avail) if horizons is None else [pick_horizon(v, h, "contrast") for h in horizons]
    sps = pick_spaces(v, spaces, "contrast")
    stored = run.contrasts
    import pandas as pd

    cr = contrast_rows(
        v.forecasts, v.level, [(a, b)], hz, outcome=f"p_{direction}", table=stored if isinstance(stored, pd.DataFrame) else None
    )
    n, k = len(sps), len(hz)
    with style():
        fig = new_figure(WIDTH_IN, 1.1 + 0.42 * n + 0.06 * n * k + 0.3)
        ax = fig.subplots()
        off = np.linspace(-0.25, 0.25, k) if k > 1 else np.zeros(1)
        markers = "os^Dv"
        handles = []
        for i, h in enumerate(hz):
            r = cr[cr["horizon"] == h].set_index("space").reindex(list(sps))
            y = np.arange(n) + off[i]
            c = PALETTE[i % len(PALETTE)]
            ax.hlines(y, 100 * r["diff_low"], 100 * r["diff_high"], color=c, lw=1.6)
            handles.append(ax.scatter(100 * r["diff_mean"], y, color=c, s=20, marker=markers[i % len(markers)], zorder=3))
            for yy, x, p in zip(y, 100 * r["diff_high"], r["p_a_gt_b"], strict=True):
                if np.isfinite(x):
                    ax.annotate(f"P(A>B) {100 * p:.0f}%", (x, yy), xytext=(4, -3), textcoords="offset points", fontsize=7, color="#444444")
        ax.axvline(0, color="#666666", lw=0.8, ls="--")
        ax.set_yticks(np.arange(n), [v.space_labels[sp].capitalize() for sp in sps])
        ax.invert_yaxis()
        ax.set_xlabel(f"difference in P({direction}) (percentage points), {v.level_pct} interval")
        ax.set_title(plain(f"A = {v.labels[a]}  minus  B = {v.labels[b]}"), loc="left")
        ax.grid(axis="x", lw=0.4, alpha=0.5)
        legend(fig, handles, [f"within {h} years" for h in hz])
    return fig

"""Prior plots: the analogy prior against the posterior, the analogs' weights, prior sensitivity.

Public through :mod:`analogcast.plots` (``prior_posterior``, ``analogs``); the report draws its
figures with these same functions. Each returns a new matplotlib ``Figure``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    pick_spaces,
    plain,
    run_view,
    style,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["prior_posterior", "analogs", "analog_shares", "sensitivity_plot"]

_TICKS_P = np.array([0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95])


def prior_posterior(run: Any, space: str | Sequence[str] | None, direction: str = "opening") -> Figure:
    """The target's yearly hazard: analogy prior (dashed) against posterior (solid), per space.

    Densities of ``theta[space, direction]`` (the target's logit yearly hazard in the model that
    declares it, ``ModelOutputs.has_theta``)
    on the logit scale, where the prior is defined and both are smooth, with the axis labelled in
    yearly probability (%). A run fitted without an analogy prior shows the posterior only.

    Parameters
    ----------
    run
        A ``Run`` fitted with a model that declares ``has_theta``.
    space
        A space, several (one panel each), or ``None`` for every space.
    direction
        ``"opening"`` or ``"closing"``.

    Raises
    ------
    UserInputError
        The run has no posterior draws of ``theta`` (no such model fitted), or an unknown
        space or direction.
    """
    from scipy.stats import gaussian_kde

    from analogcast.reporting.sensitivity import MixtureParams, mixture_logpdf

    check_direction(direction, "prior_posterior")
    v = run_view(run)
    spaces = pick_spaces(v, space, "prior_posterior")
    theta = run_inputs.find_theta(run.tree)
    if theta is None:
        raise UserInputError(
            f"prior_posterior: run {v.name!r} has no posterior draws of theta: it needs the "
            f"{' or '.join(repr(n) for n in run_inputs.theta_model_names())} model "
            "(add it to [model] names and refit)"
        )
    prior = run_inputs.run_prior(run)
    mixture_of = prior.mixture if prior is not None else None
    with style():
        fig, axes = grid(len(spaces), row_h=1.5, sharex=True)
        handles: list[Any] = []
        draws_of = {sp: np.asarray(theta.sel(space=sp, direction=direction).values, float).ravel() for sp in spaces}
        lo = min(min(np.quantile(d, 0.001) for d in draws_of.values()) - 1.5, -5.0)
        hi = max(max(np.quantile(d, 0.999) for d in draws_of.values()) + 1.5, 0.0)
        xs = np.linspace(lo, hi, 400)
        for ax, sp in zip(axes, spaces, strict=True):
            h1 = None
            if mixture_of is not None:
                m = MixtureParams.of(mixture_of(sp, direction))
                (h1,) = ax.plot(xs, np.exp(mixture_logpdf(m, xs)), color=PALETTE[4], lw=1.3, ls="--")
            (h2,) = ax.plot(xs, gaussian_kde(draws_of[sp])(xs), color=PALETTE[0], lw=1.5)
            ax.set_yticks([])
            ax.set_ylabel("density")
            ax.set_title(v.space_labels[sp].capitalize(), loc="left")
            if not handles:
                handles = [h for h in (h1, h2) if h is not None]
        logit = np.log(_TICKS_P / (1 - _TICKS_P))
        keep = _TICKS_P[(logit >= lo) & (logit <= hi)]
        for ax in axes:
            ax.set_xlim(lo, hi)
            ax.set_xticks(np.log(keep / (1 - keep)), [f"{100 * p:g}" for p in keep])
        for ax in axes[-2:]:
            ax.set_xlabel(f"yearly probability of an {direction} (%, logit scale)")
        legend(fig, handles, (["analogy prior"] if mixture_of is not None else []) + ["posterior"])
    return fig


def analog_shares(prior: Any, spaces: Sequence[str] | None = None) -> tuple[dict[str, float], dict[str, float]]:
    """The analogs' weights (normalised to sum to 1) and their mean share of the prior's ESS.

    Shares are averaged over the given spaces (default: the prior's) and both directions.
    """
    meta = run_inputs.prior_meta(prior)
    names = [str(a) for a in meta.get("analogs", []) or []]
    raw = meta.get("weights") or []
    wmap = {str(k): float(x) for k, x in raw.items()} if isinstance(raw, Mapping) else {a: float(w) for a, w in zip(names, raw, strict=False)}
    tot = sum(wmap.values()) or 1.0
    weights = {k: x / tot for k, x in wmap.items()}
    if spaces is None:
        spaces = [str(s) for s in prior.space_names]
    total = {a: 0.0 for a in names}
    n = 0
    for sp in spaces:
        for d in ("opening", "closing"):
            sp_prior = run_inputs.space_prior(prior, sp, d)
            share = sp_prior.ess_share if sp_prior is not None else None
            if isinstance(share, Mapping) and share:
                for a, x in share.items():
                    total[str(a)] = total.get(str(a), 0.0) + float(x)
                n += 1
    return weights, ({a: x / n for a, x in total.items()} if n else {})


def analogs(prior: Any, *, spaces: Sequence[str] | None = None) -> Figure:
    """Each analog's weight as used by the prior and its mean share of the prior's ESS.

    Parameters
    ----------
    prior
        An ``AnalogPrior`` (or a ``Run``: its prior is used).
    spaces
        Spaces whose ESS shares are averaged (default: all of the prior's).

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars (x "%"), one row per analog.

    Raises
    ------
    UserInputError
        No prior (a run fitted with the default prior) or a prior without analogs.
    """
    if prior is not None and not hasattr(prior, "meta") and hasattr(prior, "forecasts"):
        prior = run_inputs.run_prior(prior)
    if prior is None:
        raise UserInputError("analogs: there is no analogy prior (the run used the weakly informative default)")
    weights, shares = analog_shares(prior, spaces)
    if not weights:
        raise UserInputError("analogs: the prior names no analogs")
    names = list(weights)
    with style():
        fig = new_figure(WIDTH_IN * 0.7, 1.1 + 0.28 * len(names))
        ax = fig.subplots()
        y = np.arange(len(names))
        ax.barh(y - 0.18, [100 * weights[a] for a in names], height=0.35, color=PALETTE[0], label="analog weight (as used)")
        if shares:
            ax.barh(y + 0.18, [100 * shares.get(a, 0.0) for a in names], height=0.35, color=PALETTE[2], label="share of prior ESS")
        ax.set_yticks(y, [plain(a) for a in names])
        ax.invert_yaxis()
        ax.set_xlabel("%")
        target = run_inputs.prior_meta(prior).get("target")
        ax.set_title(plain(f"Analogs of {target}") if target else "Analogs", loc="left")
        ax.grid(axis="x", lw=0.4, alpha=0.5)
        fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def sensitivity_plot(rows: Sequence[Any], spaces: Sequence[str], space_labels: Mapping[str, str]) -> Figure:
    """Reweighted headline probability per space, one marker per alternative prior.

    ``rows`` are the report's sensitivity rows (``label``, ``values`` and ``khat`` by space); a
    hollow marker means k-hat > 0.7 (the reweighting is unreliable).
    """
    n = len(spaces)
    with style():
        fig = new_figure(WIDTH_IN, 1.0 + 0.36 * n + 0.14 * len(rows))
        ax = fig.subplots()
        markers = "o^vsDPX*<>hp"
        for i, r in enumerate(rows):
            ys = np.arange(n) + (i - (len(rows) - 1) / 2) * 0.6 / max(1, len(rows))
            xs = [100 * r.values.get(sp, np.nan) for sp in spaces]
            bad = [r.khat.get(sp, 0.0) > 0.7 for sp in spaces]
            c = "#000000" if i == 0 else PALETTE[(i - 1) % len(PALETTE)]
            face = [("none" if b else c) for b in bad]
            ax.scatter(xs, ys, marker=markers[i % len(markers)], s=22, edgecolors=c, facecolors=face, label=plain(r.label), zorder=3)
        ax.set_yticks(np.arange(n), [space_labels.get(sp, sp).capitalize() for sp in spaces])
        ax.invert_yaxis()
        ax.set_xlabel("probability of at least one opening (%); hollow = unreliable (k-hat > 0.7)")
        ax.grid(axis="x", lw=0.4, alpha=0.5)
        fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig

"""The report's figures: which plots, with what titles and captions, as PNG data URIs.

Every figure is drawn by the public plotting functions of :mod:`analogcast.plots` (defined in
``plot_forecasts``, ``plot_priors``; the sensitivity figure in ``plot_priors``), called here on
the run itself, so a notebook user's ``analogcast.plots.fan(run, ...)`` is the report's fan chart.
Figures are drawn at the printed width (:data:`WIDTH_IN` inches, the A4 text width) with fonts of
at least 8 pt (:data:`_RC`), so they stay legible in the PDF; :func:`to_data_uri` embeds one in
the self-contained HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analogcast.reporting import plot_forecasts, plot_priors, run_inputs
from analogcast.reporting.plot_base import PALETTE, RC, WIDTH_IN, to_data_uri
from analogcast.reporting.tables import SPACE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

    from analogcast.reporting.sensitivity import Sensitivity

__all__ = ["WIDTH_IN", "PALETTE", "FigureItem", "to_data_uri", "report_figures"]

#: matplotlib rc settings of every figure (see :data:`analogcast.reporting.plot_base.RC`).
_RC = RC


@dataclass(frozen=True)
class FigureItem:
    """A figure as a PNG data URI, with its anchor id, title and caption."""

    id: str
    title: str
    caption: str
    uri: str
    width: str = "full"


def report_figures(
    run: Any,
    fc: xr.Dataset,
    rows: pd.DataFrame,
    theta: xr.DataArray | None,
    prior: Any,
    spaces: list[str],
    names: list[str],
    labels: dict[str, str],
    level: float,
    head: int,
    sens: Sensitivity | None,
    analogs: dict[str, Any] | None,
    only_sensitivity: bool = False,
) -> dict[str, FigureItem]:
    """The report's figures of ``run``, keyed ``horizons``, ``comparison``, ``fan`` or ``history``,
    ``prior-posterior``, ``analogs`` and ``sensitivity`` (only those the run supports).

    ``rows``, ``names`` and ``labels`` are the report's (for the captions); the figures read the
    run through :mod:`analogcast.plots`, exactly as a user's call would.
    """
    sl = {sp: SPACE_LABELS.get(sp, sp) for sp in spaces}
    lp = f"{round(100 * level):d}%"
    out: dict[str, FigureItem] = {}

    def add(key: str, title: str, caption: str, fig: Any) -> None:
        narrow = fig.get_figwidth() < 0.9 * WIDTH_IN
        out[key] = FigureItem(id=f"fig-{key}", title=title, caption=caption, uri=to_data_uri(fig), width="narrow" if narrow else "full")

    def add_sensitivity() -> None:
        if sens is not None and len(sens.rows) > 1:
            add(
                "sensitivity",
                "Sensitivity of the headline probabilities",
                f"Probability of at least one opening within {sens.horizon} years under {labels[sens.scenario]}, as fitted (black) and under alternative priors.",
                plot_priors.sensitivity_plot(sens.rows, spaces, sl),
            )

    if only_sensitivity:
        add_sensitivity()
        return out

    add(
        "horizons",
        "Probability of an opening by horizon",
        f"Probability of at least one opening within {', '.join(map(str, sorted(set(rows['horizon']))))} years, per scenario (line: posterior mean; band: {lp} interval). Same numbers as the scenario tables.",
        plot_forecasts.horizons(run, spaces=spaces, scenarios=names),
    )
    add(
        "comparison",
        "Scenario comparison",
        f"Probability of at least one opening within {head} years: dot = posterior mean, line = {lp} interval.",
        plot_forecasts.scenarios(run, head, spaces=spaces, scenarios=names),
    )
    if "index" in fc:
        add(
            "fan",
            "Fan charts of each space's index",
            f"Observed index (black) and simulated paths per scenario (line: median; band: {lp} interval), V-Dem 0-1 scale.",
            plot_forecasts.fan(run, spaces, names, level=level),
        )
    else:
        hist = run_inputs.target_history(run, spaces)
        if hist is not None and hist.size:
            add(
                "history",
                "Observed index of each space",
                "The target's V-Dem index per space up to the forecast origin (0-1 scale). Index fan charts per scenario need "
                f"{run_inputs.path_model_label()}, which this run did not fit; the forecasts above are event probabilities.",
                plot_forecasts.fan(run, spaces, names, paths=False),
            )
    if theta is not None:
        add(
            "prior-posterior",
            "Prior and posterior of the target's yearly hazard",
            "Yearly probability of an opening for the target at its own average covariates: the analogy prior (dashed) and the posterior (solid).",
            plot_priors.prior_posterior(run, spaces, "opening"),
        )
    if analogs and analogs.get("weights"):
        add(
            "analogs",
            "Analog weights",
            "Similarity weight of each analog and its average share of the prior's effective sample size.",
            plot_priors.analogs(prior, spaces=spaces),
        )
    add_sensitivity()
    return out

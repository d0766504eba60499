"""What every plot of :mod:`analogcast.plots` shares: style, layout helpers and the run's view.

Figures use matplotlib's object-oriented API only (a new :class:`~matplotlib.figure.Figure`, never
pyplot, never ``show()``), at the printed width (:data:`WIDTH_IN`, the A4 text width) with fonts of
at least 8 pt, so the same figure serves a notebook and the PDF report. :func:`run_view` reads a
run (an ``analogcast.runs.Run`` or anything shaped like one) the way the report does: the same
forecasts rows, scenario labels and interval level.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from analogcast.errors import UserInputError, did_you_mean
from analogcast.reporting import run_inputs
from analogcast.reporting.tables import SPACE_LABELS, forecast_rows

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr
    from matplotlib.figure import Figure

    from analogcast.runs.run import Run

__all__ = [
    "WIDTH_IN",
    "PALETTE",
    "RC",
    "style",
    "new_figure",
    "grid",
    "legend",
    "plain",
    "to_data_uri",
    "RunView",
    "run_view",
    "pick_spaces",
    "pick_scenarios",
    "check_direction",
]

#: Printed width of a full-width figure (A4 minus 2 x 18 mm margins), inches.
WIDTH_IN = 6.8
#: Okabe-Ito colour-blind-safe palette.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
#: matplotlib rc settings of every figure (fonts >= 8 pt at the printed width).
RC = {
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
DIRECTIONS = ("opening", "closing")


@contextmanager
def style() -> Any:
    """The figures' rc settings, for the duration of a drawing."""
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A new constrained-layout figure (not registered with pyplot)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plain(text: str) -> str:
    """User text safe for matplotlib (no mathtext): escape ``$``."""
    return str(text).replace("$", r"\$")


def to_data_uri(fig: Figure, dpi: int = 200) -> str:
    """Render ``fig`` to a ``data:image/png;base64,...`` URI.

    The pixels are those ``savefig(format="png")`` writes; an opaque figure (every one of ours)
    is stored as an RGB PNG, without the all-opaque alpha channel: 10 % smaller, quicker to
    encode, and WeasyPrint embeds it without splitting off an alpha mask (re-encoding the image
    twice).
    """
    import numpy as np
    from PIL import Image

    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=dpi)
    # the canvas savefig draws on: the figure's size in pixels, truncated as matplotlib does
    # (FigureCanvasBase.get_width_height: within 1e-8 of a whole pixel counts as that pixel)
    width, height = (int(v * dpi + 1e-8) for v in (fig.bbox_inches.width, fig.bbox_inches.height))
    px = np.frombuffer(raw.getvalue(), dtype=np.uint8)
    buf = io.BytesIO()
    if px.size != width * height * 4:  # pragma: no cover - a canvas sized otherwise: matplotlib's own PNG
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    else:
        px = px.reshape(height, width, 4)
        opaque = bool((px[..., 3] == 255).all())
        Image.fromarray(px[..., :3] if opaque else px, "RGB" if opaque else "RGBA").save(buf, format="PNG", dpi=(dpi, dpi))
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def grid(n: int, ncols: int = 2, row_h: float = 1.9, sharex: bool = True) -> tuple[Figure, list[Any]]:
    """A figure with ``n`` panels in ``ncols`` columns (one column when ``n == 1``)."""
    ncols = min(ncols, max(1, n))
    nrows = math.ceil(n / ncols)
    width = WIDTH_IN if ncols > 1 else WIDTH_IN * 0.7
    fig = new_figure(width, 0.6 + row_h * nrows + (0.3 if n == 1 else 0.0))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    for ax in flat[max(0, n - ncols) : n]:  # the lowest visible panel of each column keeps its ticks
        ax.tick_params(labelbottom=True)
    return fig, flat[:n]


def legend(fig: Figure, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """A legend below the panels (user labels made mathtext-safe)."""
    fig.legend(handles, [plain(s) for s in labels], loc="outside lower center", ncols=min(3, len(labels)), frameon=False)


@dataclass(frozen=True)
class RunView:
    """A run as the plots read it (the report's reading)."""

    forecasts: xr.Dataset
    rows: pd.DataFrame
    names: list[str]
    labels: dict[str, str]
    spaces: list[str]
    space_labels: dict[str, str]
    level: float
    name: str

    @property
    def level_pct(self) -> str:
        """The interval level as ``"89%"``."""
        return f"{round(100 * self.level):d}%"


def run_view(run: Run) -> RunView:
    """Read ``run``'s forecasts rows, scenario names and labels, spaces and interval level.

    Raises
    ------
    UserInputError
        ``run`` has no forecasts (not a ``Run``: e.g. a ``FitResult``; use ``Run.from_result``).
    """
    from analogcast.runs.run import Run

    if not isinstance(run, Run) or "p_opening" not in run.forecasts.data_vars:
        raise UserInputError(
            f"{type(run).__name__} has no forecasts: the plots take a Run "
            "(analogcast.Run.from_result(result), analogcast.load_run(path))"
        )
    fc = run.forecasts
    level = run.level
    scen = run_inputs.run_scenarios(run, fc)
    spaces = [str(s) for s in fc["space"].values]
    name = run.name
    return RunView(
        forecasts=fc,
        rows=forecast_rows(fc, level, run.table),
        names=[s["name"] for s in scen],
        labels={s["name"]: s["label"] for s in scen},
        spaces=spaces,
        space_labels={sp: SPACE_LABELS.get(sp, sp) for sp in spaces},
        level=level,
        name=name,
    )


def pick_spaces(view: RunView, space: str | Sequence[str] | None, what: str) -> list[str]:
    """``space`` (one name or several; ``None`` = all) checked against the run's spaces."""
    wanted = view.spaces if space is None else ([space] if isinstance(space, str) else list(space))
    for sp in wanted:
        if sp not in view.spaces:
            raise UserInputError(
                f"{what}: space {sp!r} is not in run {view.name!r}.{did_you_mean(str(sp), view.spaces)} "
                f"Spaces: {', '.join(view.spaces)}"
            )
    if not wanted:
        raise UserInputError(f"{what}: no space given")
    return wanted


def pick_scenarios(view: RunView, scenarios: str | Sequence[str] | None, what: str) -> list[str]:
    """Scenario names (``None`` = all, in run order) checked against the run's scenarios."""
    wanted = view.names if scenarios is None else ([scenarios] if isinstance(scenarios, str) else list(scenarios))
    for s in wanted:
        if s not in view.names:
            raise UserInputError(
                f"{what}: scenario {s!r} is not in run {view.name!r}.{did_you_mean(str(s), view.names)} "
                f"Scenarios: {', '.join(view.names)}"
            )
    if not wanted:
        raise UserInputError(f"{what}: no scenario given")
    return wanted


def check_direction(direction: str, what: str) -> str:
    """``"opening"`` or ``"closing"``, else a clear error."""
    if direction not in DIRECTIONS:
        raise UserInputError(f"{what}: direction = {direction!r} is not one of {', '.join(DIRECTIONS)}")
    return direction


def pick_horizon(view: RunView, horizon: int, what: str) -> int:
    """``horizon`` checked against the run's forecast horizons."""
    avail = sorted({int(h) for h in view.rows["horizon"]})
    try:
        h = int(horizon)
    except (TypeError, ValueError):
        h = None
    if h is None or h not in avail:
        raise UserInputError(f"{what}: horizon = {horizon!r} was not forecast; run {view.name!r} has horizons {', '.join(map(str, avail))}")
    return h

"""analogcast: Bayesian forecasts of incremental liberalization under aid conditions.

The public API is small and loads lazily: ``import analogcast`` imports nothing heavy
(no PyMC, no data), so the CLI starts fast and importing has no side effects.

>>> import analogcast as ac                               # doctest: +SKIP
>>> ds = ac.load_panel()                                  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analogcast._lazy import lazy_exports
from analogcast._version import __version__

# public name -> module that defines it (one-way data flow: data -> priors -> models ->
# fitting -> scenarios -> runs -> evaluation -> reporting -> plots -> cli)
_LAZY: dict[str, str] = {
    # data
    "SPACES": "analogcast.data",
    "load_panel": "analogcast.data",
    "load_events": "analogcast.data",
    "resolve_country": "analogcast.data",
    "code_events": "analogcast.data",
    # priors
    "AnalogPrior": "analogcast.priors",
    "build_prior": "analogcast.priors",
    "load_prior": "analogcast.priors",
    # fitting
    "FitSpec": "analogcast.fitting",
    "load_spec": "analogcast.fitting",
    "fit": "analogcast.fitting",
    "FitResult": "analogcast.fitting",
    # scenarios / runs
    "forecast": "analogcast.scenarios",
    "Run": "analogcast.runs",
    "load_run": "analogcast.runs",
    "save_run": "analogcast.runs",
    # reporting
    "render_report": "analogcast.reporting",
    # plots (a module: analogcast.plots.fan, ...)
    "plots": "analogcast.plots",
}

__all__ = [
    "__version__",
    "SPACES",
    "load_panel",
    "load_events",
    "resolve_country",
    "code_events",
    "AnalogPrior",
    "build_prior",
    "load_prior",
    "FitSpec",
    "load_spec",
    "fit",
    "FitResult",
    "forecast",
    "Run",
    "load_run",
    "save_run",
    "render_report",
    "plots",
]

__getattr__, _dir = lazy_exports(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover
    from analogcast import plots
    from analogcast.data import SPACES, code_events, load_events, load_panel, resolve_country
    from analogcast.fitting import FitResult, FitSpec, fit, load_spec
    from analogcast.priors import AnalogPrior, build_prior, load_prior
    from analogcast.reporting import render_report
    from analogcast.runs import Run, load_run, save_run
    from analogcast.scenarios import forecast

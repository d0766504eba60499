"""Plots of runs, priors and backtests for notebooks and scripts: each returns a matplotlib ``Figure``.

Importing this module loads nothing heavy (matplotlib, SciPy and the data load on the first
call). Every function takes a ``Run`` (or an ``AnalogPrior``, or a backtest directory) plus
keyword-only options, returns a new :class:`matplotlib.figure.Figure` drawn with the
object-oriented API, and never calls ``show()``: restyle it, ``fig.savefig(...)``, or let the
notebook display it. The report draws its figures with these same functions.

``fan(run, space, scenarios=None, *, paths=True, first_year=None, level=None)``
    The space's V-Dem index: observed history, then each scenario's median path and band
    (needs a model declaring index paths, ``ModelOutputs.paths``; ``paths=False`` draws the
    history of any run).
``scenarios(run, horizon, direction="opening", *, spaces=None, scenarios=None)``
    P(at least one opening/closing within ``horizon`` years): a row per space, a dot and interval
    per scenario.
``contrast(run, a, b, *, horizons=None, direction="opening", spaces=None)``
    P_a - P_b per space with its interval and P(a > b), per horizon.
``horizons(run, *, direction="opening", spaces=None, scenarios=None)``
    P(at least one event) against years ahead, one panel per space.
``prior_posterior(run, space, direction="opening")``
    The analogy prior (dashed) and the posterior (solid) of the target's yearly hazard (needs a
    model declaring ``has_theta``).
``analogs(prior, *, spaces=None)``
    Each analog's weight and mean share of the prior's effective sample size.
``reliability(backtest_dir, *, model=None)``
    Observed frequency against forecast probability from an ``analogcast backtest`` directory.

``space`` may be one space, a list (one panel each) or ``None`` (all). Asking for something a
run lacks (index paths without a model of index paths, an unknown space or scenario) raises
:class:`analogcast.errors.UserInputError` naming what is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analogcast._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "fan": "analogcast.reporting.plot_forecasts",
    "scenarios": "analogcast.reporting.plot_forecasts",
    "contrast": "analogcast.reporting.plot_forecasts",
    "horizons": "analogcast.reporting.plot_forecasts",
    "prior_posterior": "analogcast.reporting.plot_priors",
    "analogs": "analogcast.reporting.plot_priors",
    "reliability": "analogcast.reporting.plot_skill",
}

__all__ = ["fan", "scenarios", "contrast", "horizons", "prior_posterior", "analogs", "reliability"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.reporting.plot_forecasts import contrast, fan, horizons, scenarios
    from analogcast.reporting.plot_priors import analogs, prior_posterior
    from analogcast.reporting.plot_skill import reliability

"""Forecast models: registry, design matrices, event and trajectory models, sampling, diagnostics.

Stage ``models`` (after ``data`` and ``priors``). Importing this package is cheap: PyMC is
imported only when a model is built or sampled.

Public API (the contract the fitting and scenarios stages code against)
-----------------------------------------------------------------------
``get_model(name: str, **options) -> ForecastModel``
    Registry names: ``"event_logit"``, ``"trajectory"``. Unknown names or options raise
    ``analogcast.errors.UserInputError`` with a did-you-mean. ``available_models() -> tuple[str, ...]``;
    ``model_outputs(name)``, ``lead_event_model(names)``, ``register(name, "module:Class")``,
    ``DEFAULT_MODELS``, ``BACKTEST_MODELS`` (``analogcast.models.registry``).
    ``model.options`` is a plain dict (JSON-serialisable; record it in run metadata).

``ForecastModel`` protocol (``name``, ``options``, class attribute ``outputs``; :mod:`analogcast.models.contract`)
    ``outputs`` is a ``ModelOutputs``: what the forecast holds (``events``, ``event_tag``,
    ``extras``), the tables a saved run writes (``tables``), how reports name the model
    (``label``) and what they may read from it (``paths``, ``scored``, ``has_theta``,
    ``caveat``). Later stages read only these declarations and never name a model.
    ``prepare(panel, events, *, target, origin, spaces=None, start=None) -> ModelData``
        ``panel`` from ``analogcast.data.load_panel()``, ``events`` from ``load_events()`` (or events
        recoded on series cut at the origin, for strict backtests). Rows are country-years
        ``start..origin`` (default start 1970) with covariates at t-1, standardised on those rows
        only. Raises ``UserInputError`` for an unknown target or space, or an origin after the
        data end.
    ``build(data, prior=None) -> pm.Model``
        Never samples. ``prior`` is an ``AnalogPrior`` (``prior.mixture(space, direction)``) or
        ``None`` (weakly informative ``Normal(logit(base rate), 1.5)`` on the target's theta).
    ``forecast(posterior, data, scenarios, horizons, rng, *, deltas=()) -> ForecastBundle``
        ``posterior``: the model's ``posterior`` group (``xr.Dataset`` with chain, draw);
        ``scenarios``: a ``ScenarioPaths`` (``names``, ``n_steps``, ``raw(data, n_steps)``: raw
        covariate paths (scenario, step)); returns one frozen ``ForecastBundle``: event
        probabilities on ``(scenario, space, direction, horizon, chain, draw)`` plus the declared
        extras, naming its own tables. The scenario engine merges the bundles (registry order).
    ``posterior_predictive(posterior, data, rng) -> xr.Dataset``
        Small per-draw PPC summaries (e.g. ``share_opening`` (space, chain, draw) and the
        observed shares as ``observed_share_opening``) -- store this as the
        ``posterior_predictive`` group, never the full row-level replicate (10^5 rows x draws).

``ModelData`` (dataclass)
    ``model``, ``target``, ``origin``, ``start``, ``spaces``, ``covariates`` (names, in column
    order), ``scaling`` (per covariate: centre, scale, transform), ``arrays`` (dict of numpy
    arrays given to ``build``), ``target_history`` (``xr.Dataset``: the target's raw covariates
    and indices up to the origin), ``observed`` (``xr.Dataset`` of observed outcomes, for the
    ``observed_data`` group), ``meta`` (dict, JSON-serialisable).

``sample_model(pm_model, *, draws=1000, tune=1000, chains=2, seed=None, backend="nutpie",
target_accept=None, progress=False) -> xarray.DataTree``
    One code path for fits and backtests. ``backend="nutpie"`` compiles with nutpie (numba) and
    samples chains in threads (safe in Dask workers); ``"pymc"`` uses PyMC's NUTS (cores=1 inside
    Dask workers). Returns a DataTree with ``posterior`` and ``sample_stats``.

``diagnostics(tree, var_names=None) -> dict``
    ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``, ``divergences`` (int), ``min_bfmi``,
    computed with arviz-stats over the free parameters (non-centred raw variables and
    deterministics excluded unless named).

``SCENARIO_COVARIATES``: mapping alias -> panel variable accepted in scenario paths.

``options_for(name, mapping=None, *, defaults=True) -> dict``, ``OPTION_SCHEMAS``
    Typed options per registry model (:mod:`analogcast.models.options`): unknown keys, wrong
    types, non-finite or out-of-range values refused in one line naming the option.
"""

from __future__ import annotations

from analogcast._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "get_model": "analogcast.models.registry",
    "available_models": "analogcast.models.registry",
    "ForecastModel": "analogcast.models.contract",
    "ForecastBundle": "analogcast.models.contract",
    "ModelOutputs": "analogcast.models.contract",
    "TableSpec": "analogcast.models.contract",
    "model_outputs": "analogcast.models.registry",
    "ModelData": "analogcast.models.design",
    "SCENARIO_COVARIATES": "analogcast.models.design",
    "sample_model": "analogcast.models.sampling",
    "diagnostics": "analogcast.models.convergence",
    "options_for": "analogcast.models.options",
    "OPTION_SCHEMAS": "analogcast.models.options",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

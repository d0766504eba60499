"""Scenario engine: aid conditions as covariate paths, horizon forecasts, contrasts, tables.

Stage ``scenarios`` (after ``fitting``): imports ``analogcast.models`` and earlier stages only.

Public API (signatures are the contract; the fitting, runs and reporting stages code against them)
---------------------------------------------------------------------------------------------------
``Scenario`` (frozen pydantic model, hashable; defined once in ``analogcast.models.scenario_type``)
    ``Scenario(name: str, label: str = "", paths: Mapping[str, PathSpec] = {}, note: str = "")``
    (positionally or by keyword). It is the one scenario type: a spec's ``[[scenarios]]`` tables
    (``FitSpec.scenarios``) are these objects, and the engine, the run store and the report read
    them as they are. ``PathSpec = float | int | Sequence[float] | Literal["hold"]``:

    - a number: that value in every year from the origin year T through T+H-1 (the years whose
      covariates drive the hazards of T+1..T+H);
    - a list: one value per year from T on; the last value is carried forward;
    - ``"hold"``: the target's last observed value (the default for every covariate a scenario
      does not name, so a scenario with no paths is the status quo).

    Scenario covariates (keys of ``paths``): ``oda_gni`` (net ODA received, % of GNI, 0-1000),
    ``alt_patrons`` (0/1: the measured patron covariates ``patron_align`` and ``cn_finance`` at the
    level of Iran and Myanmar 2015-2019 / of Afghanistan 2002-2019; forecast years are never in the
    Cold-War era), ``sanctions`` (count of active sanction cases, whole numbers 0-1,547), and any
    other model covariate by its panel name or alias (see ``analogcast.models.SCENARIO_COVARIATES``
    and the catalogue ``analogcast.models.covariates.CATALOGUE``, e.g. ``"gdp_growth"`` /
    ``"NY.GDP.PCAP.KD.ZG"``). Construction validates against the catalogue and raises
    ``analogcast.errors.UserInputError`` naming the scenario and key: unknown covariate (with a
    did-you-mean), a value outside the bounds of its meaning, a fraction where a count is needed,
    a boolean, ``alt_patrons`` not 0/1, non-finite values, a path longer than 10 years, an
    invalid name; a spec refuses the same values with the same words. Values inside the bounds
    but outside the training data's range are warned about at forecast time
    (``scenario_notes``; ``forecast(...).attrs["scenario_warnings"]``). Scenarios set covariate
    values only, never missing-data indicators.
    ``paths`` is read-only, keyed by catalogue key (``oda_gni``; a panel name given is stored
    under its key), lists stored as tuples; ``variables`` is the same keyed by panel variable
    (what the design reads); ``label`` is as written and ``display_label`` is what reports show
    (``label``, else the name with spaces).
    ``Scenario.from_mapping(d: Mapping) -> Scenario`` accepts ``{"name", "label", "note" (or "description"),
    "paths": {...}}`` or the flat TOML form ``{"name": ..., "oda_gni": 5.0, "sanctions": 0}``
    (a covariate written flat replaces the same key under ``paths``). ``to_dict()`` is the
    forecast's JSON record (``display_label`` as ``label``); ``model_dump()`` the spec's form.

``scenarios_from_spec(items: Sequence[Mapping | Scenario] | Mapping[str, Mapping]) -> list[Scenario]``
    Validates a list of tables (``[[scenarios]]`` in TOML) or ``Scenario`` objects (kept as they
    are), or a name -> table mapping; duplicate names raise ``UserInputError``.

``default_scenarios() -> list[Scenario]``
    status_quo, conditional_engagement, unconditional_aid, isolation, isolation_alt_patrons
    (the defaults for ``fits/afghanistan.toml``; see ``scenario.py`` for their values).

``forecast(result, scenarios, *, horizons=range(1, 11), deltas=(0.05,), seed=0) -> xr.Dataset``
    ``result``: any object with ``.tree`` (``xarray.DataTree`` with one child per fitted model,
    named by registry name, each holding a ``posterior`` group) and ``.data`` (``dict`` registry
    name -> ``ModelData``), i.e. a ``FitResult``. ``horizons`` must lie in 1..10 (else
    ``UserInputError``). The engine names no model: each fitted model returns a
    ``ForecastBundle`` (``analogcast.models.contract``) and the bundles merge in registry order.
    Returns dims ``(scenario, space, horizon, chain, draw)``:

    - ``p_opening``, ``p_closing``: per-draw P(>= 1 event within H years) from the lead event
      model (the first fitted model, in registry order, that declares event outputs);
    - ``p_opening_<tag>``, ``p_closing_<tag>``: the same from every other event model (and from
      the lead when it declares a tag), e.g. read off simulated index paths with the ERT-lite
      coder;
    - the extras a model declares, e.g. ``index`` (scenario, space, year, chain, draw): simulated
      index paths, 0-1 scale, years T+1..T+10; ``p_rise`` (scenario, space, horizon, delta,
      chain, draw): P(x[T+H] - x[T] >= delta) per draw; ``wbl`` / ``p_wbl_rise``;
    - coords ``scenario_label``; attrs ``target``, ``origin``, and the lists ``models``,
      ``assumptions`` (plain-language identification and hold-at-origin assumptions for reports),
      ``scenarios`` (each scenario's ``Scenario.to_dict()``, plain JSON types) and
      ``scenario_warnings``. A saved run stores each list as JSON text in ``forecasts.nc``;
      ``load_run`` decodes them back (``analogcast.runs.store.LIST_ATTRS``).

``contrasts(fc, *, level=0.89, outcome="p_opening", horizons=None) -> pd.DataFrame``
    Every ordered pair of scenarios (A != B): columns ``scenario_a, scenario_b, space, horizon,
    diff_mean, diff_low, diff_high, p_a_gt_b`` with diff = P_A - P_B per draw (equal-tailed
    interval at ``level``), ``p_a_gt_b`` = share of draws with diff > 0.

``forecasts_table(fc, level=0.89) -> pd.DataFrame``
    Exactly the columns ``scenario, space, horizon, p_opening, p_opening_low, p_opening_high,
    p_closing, p_closing_low, p_closing_high``: posterior means and equal-tailed intervals at
    ``level``; rows ordered by scenario (as given), space (``SPACES`` order), horizon.
    ``summary_level(level)`` validation: 0 < level < 1 else ``UserInputError``.

``declared_tables(models, fc, level) -> dict[str, pd.DataFrame]``
    File name -> table for every table the fitted models declare (``ModelOutputs.tables``,
    kinds in ``TABLE_BUILDERS``); the run store writes them.

``index_table(fc, level=0.89) -> pd.DataFrame``
    Fan-chart data: ``scenario, space, year, mean, low, high`` (plus ``delta``-rise table via
    ``rise_table(fc, level)`` with ``scenario, space, horizon, delta, p_rise, p_rise_low,
    p_rise_high``).

``wbl_table(fc, level=0.89) -> pd.DataFrame``
    The WBL index (0-100) at ``origin + horizon`` and P(rise >= 100 * delta points), per scenario.
"""

from __future__ import annotations

from analogcast._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "Scenario": "analogcast.scenarios.scenario",
    "scenarios_from_spec": "analogcast.scenarios.scenario",
    "default_scenarios": "analogcast.scenarios.scenario",
    "forecast": "analogcast.scenarios.engine",
    "contrasts": "analogcast.scenarios.compare",
    "forecasts_table": "analogcast.scenarios.table",
    "index_table": "analogcast.scenarios.table",
    "rise_table": "analogcast.scenarios.table",
    "wbl_table": "analogcast.scenarios.table",
    "declared_tables": "analogcast.scenarios.table",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

"""Scenarios: named covariate paths from the origin year (aid, patrons, sanctions, ...).

The scenario type itself, :class:`Scenario`, is defined once in the models stage
(:mod:`analogcast.models.scenario_type`) and re-exported here: a spec's ``[[scenarios]]`` tables
(``FitSpec.scenarios``) are the objects this engine forecasts, the run store saves and the report
reads. This module adds what the engine does with them: validating a list
(:func:`scenarios_from_spec`), the defaults (:func:`default_scenarios`), the raw paths of every
scenario (:func:`resolve_paths`) and the warnings for values outside the training range
(:func:`scenario_notes`; values outside the bounds of their meaning never get that far). A
scenario sets covariate values only, never missingness indicators (``ModelData.missing_state``).
See ``analogcast.scenarios`` for the contract.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from analogcast.errors import UserInputError
from analogcast.models.covariates import range_notes
from analogcast.models.design import ModelData
from analogcast.models.scenario_type import ALT_PATRONS, MAX_STEPS, PATRON_VARIABLES, Scenario

__all__ = ["Scenario", "scenarios_from_spec", "default_scenarios", "resolve_paths", "scenario_notes",
           "MAX_STEPS", "ALT_PATRONS"]

logger = logging.getLogger(__name__)

def resolve_paths(scenarios: Sequence[Scenario], data: ModelData, n_steps: int = MAX_STEPS
                  ) -> dict[str, np.ndarray]:
    """Panel variable -> raw values ``(scenario, step)`` for every variable any scenario names
    (``alt_patrons`` resolved to ``patron_align`` and ``cn_fin_gdp``)."""
    names = {k for s in scenarios for k in s.variables}
    if ALT_PATRONS in names:
        names = (names - {ALT_PATRONS}) | set(PATRON_VARIABLES)
    return {var: np.stack([s.path(var, data, n_steps) for s in scenarios]) for var in sorted(names)}


def scenario_notes(scenarios: Sequence[Scenario], data: ModelData) -> list[str]:
    """Warnings for scenario values outside the range seen in the model's training data.

    Each note is also logged (``logging.WARNING``). Values outside the bounds of their meaning
    never get here: :class:`Scenario` refuses them.
    """
    scaling = data.scaling.get("common", {})
    notes: list[str] = []
    for s in scenarios:
        given = s.variables
        vals: dict[str, Any] = {k: v for k, v in given.items() if k != ALT_PATRONS}
        if ALT_PATRONS in given:
            for var in PATRON_VARIABLES:
                if var not in vals:
                    vals[var] = tuple(s.path(var, data, MAX_STEPS))
        for note in range_notes(vals, scaling, s.name):
            if note not in notes:
                logger.warning(note)
                notes.append(note)
    return notes


def scenarios_from_spec(items: Sequence[Mapping[str, Any] | Scenario] | Mapping[str, Mapping[str, Any]]
                        ) -> list[Scenario]:
    """Validate scenarios: a list of tables or :class:`Scenario` objects (e.g. ``FitSpec.scenarios``,
    kept as they are), or a ``name -> table`` mapping.

    Raises
    ------
    UserInputError
        An empty list, a scenario :class:`Scenario` refuses (named), or a name used twice.
    """
    if isinstance(items, Mapping):
        seq = [{"name": k, **dict(v)} for k, v in items.items()]
    else:
        seq = list(items)
    if not seq:
        raise UserInputError("at least one scenario is needed.")
    out = [Scenario.from_mapping(x) for x in seq]
    seen: set[str] = set()
    for s in out:
        if s.name in seen:
            raise UserInputError(f"scenario name '{s.name}' is used twice.")
        seen.add(s.name)
    return out


def default_scenarios() -> list[Scenario]:
    """The five default aid conditions, as in ``fits/afghanistan.toml`` (ODA in % of GNI, sanctions
    as counts of active cases; ``alt_patrons`` 1/0 sets the measured patron covariates to the level of
    Iran and Myanmar in 2015-2019 / of Afghanistan in 2002-2019).

    - ``status_quo``: ODA 15, alternative patrons available, 13 sanctions (2023's count).
    - ``conditional_engagement``: ODA 25, patron alignment at Afghanistan's 2002-2019 level, 8 sanctions.
    - ``unconditional_aid``: as conditional engagement but with patrons at the Iran/Myanmar level.
    - ``isolation``: ODA 1, 20 sanctions, patron alignment at Afghanistan's 2002-2019 level.
    - ``isolation_alt_patrons``: as isolation, with patrons at the Iran/Myanmar level.
    """
    return [
        Scenario("status_quo", "Status quo", {"oda_gni": 15.0, "alt_patrons": 1, "sanctions": 13},
                 "Post-2021 aid level, patron measures at the Iran/Myanmar level, sanctions as in 2023."),
        Scenario("conditional_engagement", "Conditional engagement",
                 {"oda_gni": 25.0, "alt_patrons": 0, "sanctions": 8},
                 "Aid resumes; patron measures at Afghanistan's 2002-2019 level; some sanctions lifted."),
        Scenario("unconditional_aid", "Unconditional aid",
                 {"oda_gni": 25.0, "alt_patrons": 1, "sanctions": 8},
                 "Same aid and sanctions, patron measures at the Iran/Myanmar level."),
        Scenario("isolation", "Isolation", {"oda_gni": 1.0, "alt_patrons": 0, "sanctions": 20},
                 "Aid cut to near zero, sanctions tightened, patron measures at Afghanistan's 2002-2019 level."),
        Scenario("isolation_alt_patrons", "Isolation with alternative patrons",
                 {"oda_gni": 1.0, "alt_patrons": 1, "sanctions": 20},
                 "Isolation, with patron measures at the Iran/Myanmar level."),
    ]

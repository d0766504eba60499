"""Scenarios: named covariate paths from the origin year (aid, patrons, sanctions, ...).

A scenario fixes the covariates of the target in years ``T, T+1, ..., T+H-1`` (``T`` the origin),
which drive the hazards of ``T+1 .. T+H`` (sanctions, lagged two years, those of ``T+2 ..``).
Anything it does not name is held at the target's last observed value ("hold"). Values are checked
against the covariate catalogue (``analogcast.models.covariates``): bounds by meaning are refused,
values outside the training range are warned about (:func:`scenario_notes`). A scenario sets
covariate values only, never missingness indicators (``ModelData.missing_state``). ``alt_patrons``
(0/1) maps to reference values of the measured ``patron_align`` and ``cn_finance``
(``analogcast.models.covariates.alt_patrons_levels``). See ``analogcast.scenarios`` for the contract.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from analogcast.errors import UserInputError, did_you_mean
from analogcast.models.covariates import (
    alt_patrons_levels,
    range_notes,
    scenario_name,
    validate_value,
)
from analogcast.models.design import SCENARIO_COVARIATES, ModelData

__all__ = ["Scenario", "scenarios_from_spec", "default_scenarios", "resolve_paths", "scenario_notes",
           "MAX_STEPS", "ALT_PATRONS"]

logger = logging.getLogger(__name__)

#: Longest horizon (years) a scenario path covers.
MAX_STEPS = 10

_HOLD = "hold"
_META_KEYS = {"name", "label", "note", "description", "paths"}
#: The switch a scenario may set instead of the measured patron covariates.
ALT_PATRONS = "alt_patrons"
#: Panel variables ``alt_patrons`` sets (unless the scenario names them itself).
_PATRON_VARS = ("patron_align", "cn_fin_gdp")


def _accepted() -> dict[str, str]:
    """Accepted key -> panel variable (aliases and panel names; ``alt_patrons`` -> itself)."""
    out = dict(SCENARIO_COVARIATES)
    out.update({v: v for v in SCENARIO_COVARIATES.values()})
    out[ALT_PATRONS] = ALT_PATRONS
    return out


def _check_value(scenario: str, key: str, var: str, value: Any) -> float:
    return validate_value(key, value, f"scenario '{scenario}'")


@dataclass(frozen=True)
class Scenario:
    """A named path of covariates from the origin year.

    Parameters
    ----------
    name
        Identifier (letters, digits, ``_`` or ``-``), used in tables.
    label
        Human-readable name for reports (defaults to ``name``).
    paths
        Covariate -> a number (constant), a list (one value per year from the origin on, last value
        carried forward; at most 10), or ``"hold"`` (last observed value). Keys: ``oda_gni``
        (% of GNI, >= 0), ``alt_patrons`` (0/1, mapped to measured patron covariates), ``sanctions``
        (active cases, whole numbers), or any ``analogcast.models.SCENARIO_COVARIATES`` alias or
        panel variable name; bounds in ``analogcast.models.covariates.CATALOGUE``.
    note
        Free text for reports (the spec's ``note``; ``description`` is read as an alias).
    """

    name: str
    label: str = ""
    paths: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        name = scenario_name(self.name)  # the spec's rule too (models.covariates)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "label", str(self.label or name))
        accepted = _accepted()
        clean: dict[str, Any] = {}
        for key, value in dict(self.paths).items():
            if key not in accepted:
                raise UserInputError(
                    f"scenario '{name}' names unknown covariate '{key}'."
                    + did_you_mean(key, accepted)
                    + f" Known: {', '.join(sorted([*SCENARIO_COVARIATES, ALT_PATRONS]))}."
                )
            var = accepted[key]
            if var in clean:
                raise UserInputError(f"scenario '{name}' sets covariate '{key}' twice (alias and panel name).")
            if isinstance(value, str):
                if value.strip().lower() != _HOLD:
                    raise UserInputError(
                        f"scenario '{name}', covariate '{key}': text value {value!r}; only \"hold\" is allowed."
                    )
                clean[var] = _HOLD
            elif isinstance(value, Sequence):
                vals = [_check_value(name, key, var, v) for v in value]
                if not 1 <= len(vals) <= MAX_STEPS:
                    raise UserInputError(
                        f"scenario '{name}', covariate '{key}': a path has 1 to {MAX_STEPS} yearly values, got {len(vals)}."
                    )
                clean[var] = tuple(vals)
            else:
                clean[var] = _check_value(name, key, var, value)
        object.__setattr__(self, "paths", MappingProxyType(clean))

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> Scenario:
        """From ``{"name", "label", "note", "paths": {...}}`` (``description`` for ``note``) or the flat form where
        covariates sit beside ``name`` (both may be combined)."""
        if isinstance(d, Scenario):
            return d
        if not isinstance(d, Mapping):
            raise UserInputError(f"a scenario must be a table, got {type(d).__name__}.")
        if "name" not in d:
            raise UserInputError(f"a scenario needs a 'name' (got keys {sorted(d)}).")
        paths = dict(d.get("paths") or {})
        for k, v in d.items():
            if k not in _META_KEYS:
                if k in paths:
                    raise UserInputError(f"scenario '{d['name']}' sets '{k}' twice.")
                paths[k] = v
        return cls(name=d["name"], label=d.get("label", ""), paths=paths,
                   note=d.get("note") or d.get("description", ""))

    def to_dict(self) -> dict[str, Any]:
        """JSON/TOML-ready form (panel names as keys, tuples as lists)."""
        inv = {v: k for k, v in SCENARIO_COVARIATES.items()}
        return {
            "name": self.name, "label": self.label, "note": self.note,
            "paths": {inv.get(k, k): (list(v) if isinstance(v, tuple) else v) for k, v in self.paths.items()},
        }

    def path(self, variable: str, data: ModelData, n_steps: int = MAX_STEPS) -> np.ndarray:
        """Raw values of a panel variable for years ``origin .. origin+n_steps-1``.

        ``patron_align`` / ``cn_fin_gdp`` not named but ``alt_patrons`` given: the reference level
        of each year's ``alt_patrons`` value (:func:`analogcast.models.covariates.alt_patrons_levels`).
        """
        v = self.paths.get(variable, _HOLD)
        if v == _HOLD and variable in _PATRON_VARS and ALT_PATRONS in self.paths:
            sw = self.paths[ALT_PATRONS]
            levels = alt_patrons_levels()
            if sw != _HOLD:
                seq = sw if isinstance(sw, tuple) else (sw,)
                v = tuple(levels[int(x)][variable] for x in seq)
                if not isinstance(sw, tuple):
                    v = v[0]
        if v == _HOLD:
            return np.full(n_steps, data.last_observed(variable))
        if isinstance(v, tuple):
            arr = np.asarray(v, dtype=np.float64)
            return np.concatenate([arr, np.full(max(n_steps - arr.size, 0), arr[-1])])[:n_steps]
        return np.full(n_steps, float(v))


def resolve_paths(scenarios: Sequence[Scenario], data: ModelData, n_steps: int = MAX_STEPS
                  ) -> dict[str, np.ndarray]:
    """Panel variable -> raw values ``(scenario, step)`` for every variable any scenario names
    (``alt_patrons`` resolved to ``patron_align`` and ``cn_fin_gdp``)."""
    names = {k for s in scenarios for k in s.paths}
    if ALT_PATRONS in names:
        names = (names - {ALT_PATRONS}) | set(_PATRON_VARS)
    return {var: np.stack([s.path(var, data, n_steps) for s in scenarios]) for var in sorted(names)}


def scenario_notes(scenarios: Sequence[Scenario], data: ModelData) -> list[str]:
    """Warnings for scenario values outside the range seen in the model's training data.

    Each note is also logged (``logging.WARNING``). Values outside the bounds of their meaning
    never get here: :class:`Scenario` refuses them.
    """
    scaling = data.scaling.get("common", {})
    notes: list[str] = []
    for s in scenarios:
        vals: dict[str, Any] = {k: v for k, v in s.paths.items() if k != ALT_PATRONS}
        if ALT_PATRONS in s.paths:
            for var in _PATRON_VARS:
                if var not in vals:
                    vals[var] = tuple(s.path(var, data, MAX_STEPS))
        for note in range_notes(vals, scaling, s.name):
            if note not in notes:
                logger.warning(note)
                notes.append(note)
    return notes


def scenarios_from_spec(items: Sequence[Mapping[str, Any] | Scenario] | Mapping[str, Mapping[str, Any]]
                        ) -> list[Scenario]:
    """Validate scenarios from a spec: a list of tables or a ``name -> table`` mapping."""
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

"""Scenarios: named covariate paths from the origin year (aid, patrons, sanctions, ...).

A scenario fixes the covariates of the target in years ``T, T+1, ..., T+H-1`` (``T`` the origin),
which drive the hazards of ``T+1 .. T+H``. Anything it does not name is held at the target's last
observed value ("hold"). See ``analogcast.scenarios`` for the contract.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from analogcast.errors import UserInputError, did_you_mean
from analogcast.models.design import SCENARIO_COVARIATES, ModelData

__all__ = ["Scenario", "scenarios_from_spec", "default_scenarios", "resolve_paths", "MAX_STEPS"]

#: Longest horizon (years) a scenario path covers.
MAX_STEPS = 10

_HOLD = "hold"
_NONNEG = {"DT.ODA.ODAT.GN.ZS", "n_active_cases", "pop", "state_age", "pt_coup_num5yrs",
           "NY.GDP.PETR.RT.ZS", "IT.NET.USER.ZS", "wbl_index", "NY.GDP.PCAP.KD"}
_PCT = {"IT.NET.USER.ZS", "wbl_index"}
_META_KEYS = {"name", "label", "description", "paths"}


def _accepted() -> dict[str, str]:
    """Accepted key -> panel variable (aliases and panel names)."""
    out = dict(SCENARIO_COVARIATES)
    out.update({v: v for v in SCENARIO_COVARIATES.values()})
    return out


def _check_value(scenario: str, key: str, var: str, value: Any) -> float:
    where = f"scenario '{scenario}', covariate '{key}'"
    if isinstance(value, bool):
        value = int(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UserInputError(
            f"{where}: value {value!r} is not a number (use a number, a list of numbers, or \"hold\")."
        ) from None
    if not math.isfinite(v):
        raise UserInputError(f"{where}: value {value!r} is not finite.")
    if var == "cw" and v not in (0.0, 1.0):
        raise UserInputError(f"{where}: must be 0 (no alternative patrons) or 1 (patrons available), got {value!r}.")
    if var == "DT.ODA.ODAT.GN.ZS" and v < 0:
        raise UserInputError(f"{where}: aid level must be >= 0 (% of GNI), got {value!r}.")
    if var in _NONNEG and v < 0:
        raise UserInputError(f"{where}: must be >= 0, got {value!r}.")
    if var in _PCT and v > 100:
        raise UserInputError(f"{where}: is a percentage/index in 0..100, got {value!r}.")
    return v


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
        (% of GNI, >= 0), ``alt_patrons`` (0/1), ``sanctions`` (active cases, >= 0), or any
        ``analogcast.models.SCENARIO_COVARIATES`` alias or panel variable name.
    description
        Free text for reports.
    """

    name: str
    label: str = ""
    paths: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        name = str(self.name).strip()
        if not name or not all(ch.isalnum() or ch in "_-" for ch in name):
            raise UserInputError(
                f"scenario name {self.name!r} must be non-empty letters, digits, '_' or '-'."
            )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "label", str(self.label or name))
        accepted = _accepted()
        clean: dict[str, Any] = {}
        for key, value in dict(self.paths).items():
            if key not in accepted:
                raise UserInputError(
                    f"scenario '{name}' names unknown covariate '{key}'."
                    + did_you_mean(key, accepted)
                    + f" Known: {', '.join(sorted(SCENARIO_COVARIATES))}."
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
        """From ``{"name", "label", "description", "paths": {...}}`` or the flat form where
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
                   description=d.get("description", ""))

    def to_dict(self) -> dict[str, Any]:
        """JSON/TOML-ready form (panel names as keys, tuples as lists)."""
        inv = {v: k for k, v in SCENARIO_COVARIATES.items()}
        return {
            "name": self.name, "label": self.label, "description": self.description,
            "paths": {inv.get(k, k): (list(v) if isinstance(v, tuple) else v) for k, v in self.paths.items()},
        }

    def path(self, variable: str, data: ModelData, n_steps: int = MAX_STEPS) -> np.ndarray:
        """Raw values of a panel variable (or ``cw``) for years ``origin .. origin+n_steps-1``."""
        v = self.paths.get(variable, _HOLD)
        if v == _HOLD:
            return np.full(n_steps, data.last_observed(variable))
        if isinstance(v, tuple):
            arr = np.asarray(v, dtype=np.float64)
            return np.concatenate([arr, np.full(max(n_steps - arr.size, 0), arr[-1])])[:n_steps]
        return np.full(n_steps, float(v))


def resolve_paths(scenarios: Sequence[Scenario], data: ModelData, n_steps: int = MAX_STEPS
                  ) -> dict[str, np.ndarray]:
    """Panel variable -> raw values ``(scenario, step)`` for every variable any scenario names."""
    names = sorted({k for s in scenarios for k in s.paths})
    return {var: np.stack([s.path(var, data, n_steps) for s in scenarios]) for var in names}


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
    as counts of active cases; ``alt_patrons = 1`` puts the forecast years in the Cold-War regime of
    aid, where conditionality lacks credibility).

    - ``status_quo``: ODA 15, alternative patrons available, 13 sanctions (2023's count).
    - ``conditional_engagement``: ODA 25 with credible conditions (no patrons), 8 sanctions.
    - ``unconditional_aid``: as conditional engagement but with patrons available (isolates leverage).
    - ``isolation``: ODA 1, 20 sanctions, no patrons.
    - ``isolation_alt_patrons``: as isolation, with patrons (China/Russia) available.
    """
    return [
        Scenario("status_quo", "Status quo", {"oda_gni": 15.0, "alt_patrons": 1, "sanctions": 13},
                 "Post-2021 aid level, alternative patrons available, sanctions as in 2023."),
        Scenario("conditional_engagement", "Conditional engagement",
                 {"oda_gni": 25.0, "alt_patrons": 0, "sanctions": 8},
                 "Aid resumes with credible conditions; no alternative patron; some sanctions lifted."),
        Scenario("unconditional_aid", "Unconditional aid",
                 {"oda_gni": 25.0, "alt_patrons": 1, "sanctions": 8},
                 "Same aid and sanctions, but conditions not credible (patrons available)."),
        Scenario("isolation", "Isolation", {"oda_gni": 1.0, "alt_patrons": 0, "sanctions": 20},
                 "Aid cut to near zero, sanctions tightened, no alternative patron."),
        Scenario("isolation_alt_patrons", "Isolation with alternative patrons",
                 {"oda_gni": 1.0, "alt_patrons": 1, "sanctions": 20},
                 "Isolation, with Russia/China/Gulf states engaging the regime."),
    ]

"""The one scenario type: a spec's ``[[scenarios]]`` table is the object the scenario engine forecasts.

A :class:`Scenario` fixes covariates of the target in years ``T, T+1, ..., T+H-1`` (``T`` the
origin), which drive the hazards of ``T+1 .. T+H`` (sanctions, lagged two years, those of
``T+2 ..``). Anything it does not name is held at the target's last observed value (``"hold"``).
It is defined here, in the models stage, because the fit specification
(:class:`analogcast.fitting.FitSpec`, whose ``scenarios`` field is a tuple of it), the scenario
engine (re-exported as :class:`analogcast.scenarios.Scenario`), the run store and the report all
read the same object; the design turns its paths into rows
(:meth:`analogcast.models.design.ModelData.future_common`).

One rule for the name (:func:`analogcast.models.covariates.scenario_name`), one check of the
values (the catalogue, :func:`analogcast.models.covariates.validate_value`), one set of messages
(:mod:`analogcast.models.validation`): a value refused in a spec is refused with the same words
when a scenario is built directly, only the location differs (``spec.toml: scenarios.isolation.paths:
...`` / ``scenario 'isolation': paths: ...``).

``alt_patrons`` (0/1) is a switch, not a variable: it maps to reference values of the measured
``patron_align`` and ``cn_finance`` (:func:`analogcast.models.covariates.alt_patrons_levels`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from analogcast.errors import UserInputError, did_you_mean
from analogcast.models.covariates import (
    CATALOGUE,
    alt_patrons_levels,
    scenario_name,
    validate_value,
)
from analogcast.models.validation import fail, first_problem, missing_key, one_line, unknown_key

if TYPE_CHECKING:
    from analogcast.models.design import ModelData

__all__ = ["Scenario", "FrozenPaths", "MAX_STEPS", "ALT_PATRONS", "HOLD", "PATRON_VARIABLES", "covariate_keys"]

#: Longest horizon (years) a scenario path covers.
MAX_STEPS = 10
#: The value that keeps a covariate at the target's last observed value.
HOLD = "hold"
#: The switch a scenario may set instead of the measured patron covariates.
ALT_PATRONS = "alt_patrons"
#: Panel variables ``alt_patrons`` sets (unless the scenario names them itself).
PATRON_VARIABLES = ("patron_align", "cn_fin_gdp")
#: The fields, in the order a spec writes them; ``description`` is read as ``note``.
_FIELDS = ("name", "label", "note", "paths")
#: The positional order of ``Scenario(name, label, paths, note)``.
_POSITIONAL = ("name", "label", "paths", "note")


def covariate_keys() -> dict[str, str]:
    """Every key a scenario accepts for a covariate -> its catalogue key.

    Catalogue keys (``oda_gni``, ``alt_patrons``, ``sanctions``, ...) map to themselves, panel
    variable names (``DT.ODA.ODAT.GN.ZS``) to the key of their entry.
    """
    out = {c.key: c.key for c in CATALOGUE}
    out.update({c.variable: c.key for c in CATALOGUE if c.variable})
    return out


_KEYS = covariate_keys()
_KNOWN = tuple(c.key for c in CATALOGUE)
#: catalogue key -> the panel variable the design reads (``alt_patrons`` -> itself)
_VARIABLE = {c.key: c.variable or c.key for c in CATALOGUE}


class FrozenPaths(Mapping[str, Any]):
    """A read-only, hashable and picklable mapping: covariate -> value (``paths`` of a scenario)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("scenario paths are read-only")

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenPaths({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenPaths, (self._data,))


def _number(key: str, value: Any) -> float:
    """One yearly value, checked by the covariate catalogue (booleans and text refused)."""
    try:
        return validate_value(key, value)
    except UserInputError as exc:
        raise fail(str(exc)) from None


def _path_value(key: str, value: Any) -> float | str | tuple[float, ...]:
    """A covariate's value as stored: a float, ``"hold"`` or a tuple of 1 to MAX_STEPS floats."""
    if isinstance(value, str) and value.strip().lower() == HOLD:
        return HOLD
    if isinstance(value, list | tuple):
        if not 1 <= len(value) <= MAX_STEPS:
            raise fail(f"{key}: a path has 1 to {MAX_STEPS} yearly values, got {len(value)}.")
        return tuple(_number(key, x) for x in value)
    return _number(key, value)


def _message(exc: ValidationError, data: Any) -> str:
    """One line for a scenario built directly: ``scenario 'x': paths: ...`` (the spec's words)."""
    problem = first_problem(exc, data, top="")
    name = data.get("name") if isinstance(data, Mapping) else None
    try:
        shown = scenario_name(name)
    except UserInputError:
        return one_line(problem)
    return one_line(f"scenario '{shown}': {problem}")


class Scenario(BaseModel):
    """A named path of covariates from the origin year: a spec's ``[[scenarios]]`` table.

    Immutable and hashable. Built from a spec (``FitSpec.scenarios``), with
    :meth:`from_mapping`, or directly, positionally or by keyword:
    ``Scenario("isolation", "Isolation", {"oda_gni": 1.0, "sanctions": 20}, note="...")``.

    Parameters
    ----------
    name
        Identifier (:data:`analogcast.models.covariates.SCENARIO_NAME_RULE`), used in tables,
        CSV files and file names.
    label
        Human-readable name for reports, as written (``""``: :attr:`display_label` derives one).
    paths
        Covariate -> a number (constant), a list (one value per year from the origin on, last
        value carried forward; 1 to :data:`MAX_STEPS` values), or ``"hold"`` (last observed
        value, also what every covariate not named gets). Keys: ``oda_gni`` (% of GNI, >= 0),
        ``alt_patrons`` (0/1, mapped to measured patron covariates), ``sanctions`` (active
        cases, whole numbers), or any other entry of
        :data:`analogcast.models.covariates.CATALOGUE` by its key or panel variable name; bounds
        by meaning from the catalogue. Stored read-only under the catalogue key, lists as tuples.
    note
        Free text for reports (``description`` is read as an alias).

    Other keyword arguments are covariates written flat, as in a spec's table
    (``Scenario(name="a", oda_gni=5.0)``); a covariate written flat replaces the same key under
    ``paths`` (how ``analogcast grid --set scenarios.<name>.<covariate>=...`` sets one).

    Raises
    ------
    UserInputError
        One line naming the scenario and the field, with a did-you-mean for unknown keys.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str
    label: str = ""
    note: str = ""
    paths: Mapping[str, float | str | tuple[float, ...]] = Field(default_factory=FrozenPaths)

    def __init__(self, *args: Any, **data: Any) -> None:
        if len(args) > len(_POSITIONAL):
            raise TypeError(f"Scenario() takes at most {len(_POSITIONAL)} positional arguments "
                            f"({', '.join(_POSITIONAL)}), got {len(args)}")
        for key, value in zip(_POSITIONAL, args, strict=False):
            if key in data:
                raise TypeError(f"Scenario() got multiple values for argument '{key}'")
            data[key] = value
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise UserInputError(_message(exc, data)) from None

    # Validation proper (a spec's tables, model_validate) must not go through this __init__: it
    # would turn a located pydantic error into a UserInputError. Pydantic calls a model's own
    # __init__ during validation unless it carries the marker of BaseModel.__init__.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name, self.label, self.note, self.paths))

    # -- validation ----------------------------------------------------------------------
    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        """Fields, ``description`` and the covariates are the keys; covariates written flat are
        moved under ``paths``."""
        if isinstance(data, Scenario):
            return data
        if not isinstance(data, Mapping):
            raise fail(f"a scenario must be a table of keys, got {type(data).__name__}")
        fields = [*_FIELDS, "description"]
        for key, value in data.items():
            if key not in fields and key not in _KEYS:
                raise unknown_key(key, value, [*fields, *_KEYS], listed=[*fields, *_KNOWN],
                                  note=" (neither a field nor a scenario covariate)")
        if "name" not in data:
            raise missing_key("name")
        out = {k: v for k, v in data.items() if k in _FIELDS}
        if "description" in data:
            out.setdefault("note", data["description"])
        flat = {k: v for k, v in data.items() if k in _KEYS}
        if flat:
            given = out.get("paths", {})
            if not isinstance(given, Mapping):
                raise fail(f"paths must be a table of covariate = value, got {type(given).__name__}")
            out["paths"] = {**dict(given), **flat}
        return out

    @field_validator("name", mode="before")
    @classmethod
    def _valid_name(cls, v: Any) -> str:
        try:
            return scenario_name(v)  # the one rule (models.covariates)
        except UserInputError as exc:
            raise fail(str(exc).rstrip(".")) from None

    @field_validator("paths", mode="plain")
    @classmethod
    def _valid_paths(cls, v: Any) -> FrozenPaths:
        """Known covariates (aliases and panel names, each once) with values the catalogue accepts."""
        if not isinstance(v, Mapping):
            raise fail(f"paths must be a table of covariate = value, got {type(v).__name__}")
        clean: dict[str, Any] = {}
        for key, value in v.items():
            canon = _KEYS.get(key) if isinstance(key, str) else None
            if canon is None:
                raise fail(f"unknown covariate '{key}'.{did_you_mean(str(key), _KEYS)} Known: {', '.join(_KNOWN)}")
            if canon in clean:
                raise fail(f"covariate '{canon}' is set twice (by its key and by its panel name '{_VARIABLE[canon]}')")
            clean[canon] = _path_value(key, value)
        return FrozenPaths(clean)

    @field_serializer("paths")
    def _paths_plain(self, paths: Mapping[str, Any]) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in paths.items()}

    # -- constructors and forms ------------------------------------------------------------
    @classmethod
    def from_mapping(cls, d: Mapping[str, Any] | Scenario) -> Scenario:
        """From ``{"name", "label", "note", "paths": {...}}`` (``description`` for ``note``) or the
        flat form where covariates sit beside ``name`` (both may be combined); a
        :class:`Scenario` is returned as it is.

        Raises
        ------
        UserInputError
            One line naming the scenario and the field.
        """
        if isinstance(d, cls):
            return d
        try:
            return cls.model_validate(d)
        except ValidationError as exc:
            raise UserInputError(_message(exc, d)) from None

    @property
    def display_label(self) -> str:
        """The label reports show: ``label``, else the name with spaces (``status quo``)."""
        return self.label or self.name.replace("_", " ")

    @property
    def variables(self) -> Mapping[str, Any]:
        """Panel variable -> value (``alt_patrons`` under its own name): what the design reads."""
        return FrozenPaths({_VARIABLE[k]: v for k, v in self.paths.items()})

    def to_dict(self) -> dict[str, Any]:
        """The forecast's record of this scenario (``forecast(...).attrs["scenarios"]``), JSON-ready:
        name, :attr:`display_label` as ``label``, note, paths (lists for tuples).

        The spec's form (``label`` as written) is ``model_dump()``; both read back with
        :meth:`from_mapping`.
        """
        return {"name": self.name, "label": self.display_label, "note": self.note,
                "paths": self._paths_plain(self.paths)}

    def path(self, variable: str, data: ModelData, n_steps: int = MAX_STEPS) -> np.ndarray:
        """Raw values of a panel variable for years ``origin .. origin+n_steps-1``.

        ``patron_align`` / ``cn_fin_gdp`` not named but ``alt_patrons`` given: the reference level
        of each year's ``alt_patrons`` value (:func:`analogcast.models.covariates.alt_patrons_levels`).
        """
        given = self.variables
        v = given.get(variable, HOLD)
        if v == HOLD and variable in PATRON_VARIABLES and ALT_PATRONS in given:
            sw = given[ALT_PATRONS]
            if sw != HOLD:
                levels = alt_patrons_levels()
                seq = sw if isinstance(sw, tuple) else (sw,)
                v = tuple(levels[int(x)][variable] for x in seq)
                if not isinstance(sw, tuple):
                    v = v[0]
        if v == HOLD:
            return np.full(n_steps, data.last_observed(variable))
        if isinstance(v, tuple):
            arr = np.asarray(v, dtype=np.float64)
            return np.concatenate([arr, np.full(max(n_steps - arr.size, 0), arr[-1])])[:n_steps]
        return np.full(n_steps, float(v))

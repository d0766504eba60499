"""Fit specifications: the TOML files in ``fits/``, validated before any sampling.

A specification is parsed into an immutable :class:`FitSpec` (pydantic v2, unknown keys
rejected). Every problem -- TOML syntax, unknown or misspelt key, wrong type, unknown country,
space, model, model option or covariate, empty scenario list, out-of-range sampler settings --
becomes ONE :class:`analogcast.errors.UserInputError` line naming the file and the field, with a
"did you mean" hint where a close match exists.

Each section knows its own keys: it refuses an unknown key (with the did-you-mean from its own
fields) or a missing required one itself, and every validator writes its own message. Turning a
pydantic error into the one line only adds where it happened (location, scenarios by name) and,
for pydantic's own type and range messages, the value given
(:mod:`analogcast.models.validation`). Model options (``[model.options.<name>]``) are validated
by that model's schema in :mod:`analogcast.models.options`. Each ``[[scenarios]]`` table is an
:class:`analogcast.models.scenario_type.Scenario` (``analogcast.scenarios.Scenario``): the very
objects the scenario engine forecasts, validated by the same code.

Example
-------
.. code-block:: toml

    title   = "Afghanistan after 2021"
    target  = "AFG"            # code or name; resolved with analogcast.data.resolve_country
    origin  = 2023             # last observed year; forecasts are for origin + horizon
    spaces  = "all"            # or a list of space names
    horizons = [2, 5]
    seed    = 20250101
    prior   = "priors/afghanistan_saudi_iran.toml"   # or an inline [prior] table

    [model]
    names = ["event_logit", "trajectory"]

    [sampler]
    draws = 1000
    tune = 1000
    chains = 2
    backend = "nutpie"

    [[scenarios]]
    name = "status_quo"
    note = "Humanitarian aid routed around the regime; Russia/China engagement."
    oda_gni = 15.0
    alt_patrons = 1
    sanctions = 3

Relative paths (``prior`` files) are resolved against the spec file's directory, then its
parent directory (the project root for specs in ``fits/``), then the working directory.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from analogcast.data._spaces import SPACES
from analogcast.errors import AnalogcastError, UserInputError, did_you_mean
from analogcast.models.registry import DEFAULT_MODELS
from analogcast.models.scenario_type import Scenario
from analogcast.models.validation import fail, first_problem, missing_key, one_line, unknown_key

__all__ = [
    "FitSpec",
    "SamplerSpec",
    "ModelSpec",
    "PriorSpec",
    "load_spec",
    "parse_spec",
    "spec_from_mapping",
    "SPEC_VERSION",
]

SPEC_VERSION = 1
#: The seven spaces, in ARCHITECTURE.md order.
_SPACES: tuple[str, ...] = tuple(SPACES)
_PRIOR_METHODS = ("map", "power", "robust_map", "none")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _spaces() -> tuple[str, ...]:
    return _SPACES


def _resolve_country(text: str) -> str:
    """Canonical country code via the data crosswalk (an unknown country fails validation)."""
    from analogcast.data import resolve_country

    try:
        return resolve_country(text)
    except AnalogcastError as exc:
        raise fail(str(exc)) from None


def _model_names() -> tuple[str, ...]:
    from analogcast.models import available_models

    return tuple(available_models())


class _Strict(BaseModel):
    """Base of every spec section: immutable; it knows its keys and refuses any other.

    Unknown keys (with a "did you mean" from the section's own fields) and missing required
    keys are refused here, by the section itself, before pydantic validates the fields.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @classmethod
    def _check_keys(cls, data: Any, accepted: Sequence[str] | None = None) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise fail(f"must be a table of keys, got {type(data).__name__}")
        accepted = list(accepted if accepted is not None else cls.model_fields)
        for key, value in data.items():
            if key not in accepted:
                raise unknown_key(key, value, accepted)
        for name, info in cls.model_fields.items():
            if info.is_required() and name not in data:
                raise missing_key(name)
        return data

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        return cls._check_keys(data)


class ModelSamplerSpec(_Strict):
    """``[sampler.models.<name>]``: draws and tuning steps for one model (others as ``[sampler]``)."""

    draws: Annotated[int, Field(ge=10, le=100_000, strict=True)] | None = None
    tune: Annotated[int, Field(ge=0, le=100_000, strict=True)] | None = None


class SamplerSpec(_Strict):
    """``[sampler]``: MCMC settings (the CLI's ``--draws/--tune/--chains`` override them).

    ``[sampler.models.<name>]`` sets ``draws``/``tune`` for one model, e.g. a cheap model whose
    hierarchical scales need more draws to reach the ESS target. A ``--draws``/``--tune`` given
    on the command line applies to every model.
    """

    draws: Annotated[int, Field(ge=10, le=100_000, strict=True)] = 1000
    tune: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 1000
    chains: Annotated[int, Field(ge=1, le=16, strict=True)] = 2
    backend: Literal["nutpie", "pymc"] = "nutpie"
    target_accept: Annotated[float, Field(gt=0.5, lt=1.0)] | None = None
    models: dict[str, ModelSamplerSpec] = Field(default_factory=dict)

    def for_model(self, name: str) -> tuple[int, int]:
        """``(draws, tune)`` for model ``name``."""
        own = self.models.get(name)
        draws = own.draws if own is not None and own.draws is not None else self.draws
        tune = own.tune if own is not None and own.tune is not None else self.tune
        return draws, tune


class ModelSpec(_Strict):
    """``[model]``: which registered models to fit and their options.

    ``model = "<name>"`` is short for ``[model] names = ["<name>"]``; without a ``[model]`` table
    the registry's ``DEFAULT_MODELS`` are fitted.
    """

    names: Annotated[tuple[str, ...], Field(min_length=1)] = DEFAULT_MODELS
    start: Annotated[int, Field(ge=1900, le=2100, strict=True)] | None = None
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("names", mode="before")
    @classmethod
    def _one_name(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("names")
    @classmethod
    def _known_models(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        known = _model_names()
        for name in v:
            if name not in known:
                raise fail(f"unknown model '{name}'.{did_you_mean(name, known)} Known: {', '.join(known)}")
        if len(set(v)) != len(v):
            raise fail(f"model names repeat: {list(v)}")
        return v

    @field_validator("options")
    @classmethod
    def _typed_options(cls, v: dict[str, dict[str, Any]], info: ValidationInfo) -> dict[str, dict[str, Any]]:
        """Each model's options through its schema (:mod:`analogcast.models.options`); only the
        options given are kept, so the spec round-trips unchanged."""
        from analogcast.models.options import OPTION_SCHEMAS, option_problem

        names = info.data.get("names")
        out: dict[str, dict[str, Any]] = {}
        for key, given in v.items():
            if names is not None and key not in names:
                raise fail(f"options given for model '{key}', which is not in names {list(names)}."
                            + did_you_mean(key, names), at=(key,))
            schema = OPTION_SCHEMAS.get(key)
            if schema is None:  # an unknown model: reported by names
                continue
            try:
                out[key] = schema.model_validate(given).model_dump(exclude_unset=True)
            except ValidationError as exc:
                at, message = option_problem(exc)
                raise fail(message, at=(key, *at)) from None
        return out


class PriorSpec(_Strict):
    """``prior``: a prior file (``prior = "priors/x.toml"`` or ``[prior] file = ...``) or inline.

    Inline fields are passed to ``analogcast.priors.build_prior``; ``method = "none"`` gives the
    models' weakly informative default.
    """

    file: str | None = None
    method: str | None = None
    analogs: tuple[str, ...] | None = None
    discount: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    robust_weight: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None
    weights: dict[str, Annotated[float, Field(ge=0.0)]] | None = None
    window: tuple[int, int] | Literal["all"] | None = None

    @field_validator("method")
    @classmethod
    def _known_method(cls, v: str | None) -> str | None:
        if v is not None and v not in _PRIOR_METHODS:
            raise fail(f"unknown prior method '{v}'.{did_you_mean(v, _PRIOR_METHODS)} Known: {', '.join(_PRIOR_METHODS)}")
        return v

    @field_validator("analogs")
    @classmethod
    def _resolve_analogs(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return v
        if not v:
            raise fail("analogs is empty; name at least one analog country or use method = \"none\"")
        out = tuple(_resolve_country(a) for a in v)
        if len(set(out)) != len(out):
            raise fail(f"analogs repeat: {list(out)}")
        return out

    @field_validator("weights")
    @classmethod
    def _resolve_weight_keys(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        out = {_resolve_country(k): float(w) for k, w in v.items()}
        if not any(w > 0 for w in out.values()):
            raise fail("weights must have at least one positive value")
        return out

    @field_validator("window", mode="before")
    @classmethod
    def _ordered_window(cls, v: Any) -> Any:
        if v is None or v == "all":
            return v
        if isinstance(v, str):
            m = re.fullmatch(r"(\d{4})-(\d{4})", v)
            v = (int(m.group(1)), int(m.group(2))) if m else None
        elif isinstance(v, list | tuple) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            v = (int(v[0]), int(v[1]))
        else:
            v = None
        if v is None:
            raise fail("must be [first_year, last_year], \"YYYY-YYYY\" or \"all\"")
        if not (1900 <= v[0] <= v[1] <= 2100):
            raise fail(f"must be [first_year, last_year] with 1900 <= first <= last <= 2100, got {list(v)}")
        return v

    @model_validator(mode="after")
    def _file_or_inline(self) -> PriorSpec:
        inline = [k for k in ("method", "analogs", "discount", "robust_weight", "weights", "window") if getattr(self, k) is not None]
        if self.file is not None and inline:
            raise fail(f"give either a prior file or inline settings, not both (file and {', '.join(inline)})")
        if self.file is None and self.method is None:
            raise fail("give a prior file (prior = \"priors/x.toml\") or an inline method (map, power, robust_map or none)")
        if self.method not in (None, "none") and not self.analogs:
            raise fail(f"method '{self.method}' needs analogs = [\"IRN\", ...]")
        if self.weights is not None and self.analogs is not None:
            extra = sorted(set(self.weights) - set(self.analogs))
            if extra:
                raise fail(f"weights name countries that are not analogs: {extra}")
        return self

    @property
    def is_file(self) -> bool:
        """True when the prior comes from a file."""
        return self.file is not None


class FitSpec(_Strict):
    """A validated fit specification (immutable). Build it with :func:`load_spec`.

    Attributes
    ----------
    title
        Human title for reports.
    name
        Run name (directory name under ``fits/runs/``); defaults to the spec file's stem.
    target
        Canonical country code of the forecast target.
    origin
        Last observed year; forecasts are for ``origin + h`` for ``h`` in ``horizons``.
    spaces
        Spaces to model, in ``analogcast.data.SPACES`` order (``"all"`` for every space).
    horizons
        Forecast horizons in years, each in 1..10, increasing.
    deltas
        Rise thresholds on the 0-1 index scale for "incremental liberalization",
        P(index(origin + H) - index(origin) >= delta) (read by a model of index paths); each in
        (0, 1), increasing.
        Unset: the scenario engine's defaults.
    level
        Interval level for tables and reports (equal-tailed).
    seed
        Master seed; per-model sampler seeds and forecast seeds derive from it.
    model, prior, sampler
        The sections described in the module docstring.
    scenarios
        The ``[[scenarios]]`` tables as :class:`analogcast.scenarios.Scenario` objects (the
        scenario engine's own type), in the order written; names unique.
    """

    spec_version: Literal[1] = SPEC_VERSION
    title: Annotated[str, Field(min_length=1, max_length=200)]
    name: str | None = None
    target: str
    origin: Annotated[int, Field(ge=1900, le=2100, strict=True)]
    spaces: tuple[str, ...] = _SPACES
    horizons: Annotated[tuple[Annotated[int, Field(ge=1, le=10, strict=True)], ...], Field(min_length=1)] = (1, 2, 5)
    deltas: Annotated[tuple[Annotated[float, Field(gt=0.0, lt=1.0)], ...], Field(min_length=1)] | None = None
    level: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.89
    seed: Annotated[int, Field(ge=0, lt=2**32, strict=True)] = 0
    model: ModelSpec = Field(default_factory=ModelSpec)
    prior: PriorSpec | None = None
    scenarios: Annotated[tuple[Scenario, ...], Field(min_length=1)]
    sampler: SamplerSpec = Field(default_factory=SamplerSpec)

    _base_dir: Path | None = PrivateAttr(default=None)

    # -- field normalisation -------------------------------------------------------------
    @field_validator("name")
    @classmethod
    def _valid_run_name(cls, v: str | None) -> str | None:
        if v is not None and not _NAME_RE.match(v):
            raise fail(f"name '{v}' must be 1-64 letters, digits, '_', '-' or '.' (it names the run directory)")
        return v

    @field_validator("target")
    @classmethod
    def _resolve_target(cls, v: str) -> str:
        return _resolve_country(v)

    @field_validator("spaces", mode="before")
    @classmethod
    def _all_spaces(cls, v: Any) -> Any:
        if isinstance(v, str):
            return _spaces() if v == "all" else [v]
        return v

    @field_validator("spaces")
    @classmethod
    def _known_spaces(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        known = _spaces()
        if not v:
            raise fail("spaces is empty; give at least one space or \"all\"")
        for s in v:
            if s not in known:
                raise fail(f"unknown space '{s}'.{did_you_mean(s, known)} Known: {', '.join(known)}")
        if len(set(v)) != len(v):
            raise fail(f"spaces repeat: {list(v)}")
        return tuple(s for s in known if s in v)

    @field_validator("horizons")
    @classmethod
    def _increasing(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if list(v) != sorted(set(v)):
            raise fail(f"horizons must be increasing without repeats, got {list(v)}")
        return v

    @field_validator("deltas")
    @classmethod
    def _deltas_increasing(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is not None and list(v) != sorted(set(v)):
            raise fail(f"deltas must be increasing without repeats, got {list(v)}")
        return v

    @field_validator("prior", mode="before")
    @classmethod
    def _prior_shorthand(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"method": "none"} if v == "none" else {"file": v}
        return v

    @field_validator("model", mode="before")
    @classmethod
    def _model_shorthand(cls, v: Any) -> Any:
        if isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            return {"names": v}
        return v

    @field_validator("scenarios", mode="before")
    @classmethod
    def _scenario_tables(cls, v: Any) -> Any:
        if isinstance(v, list | tuple) and not v:
            raise fail("scenarios is empty; define at least one [[scenarios]] table (e.g. name = \"status_quo\")")
        if isinstance(v, Mapping):  # [scenarios.<name>] form
            out = []
            for key, table in v.items():
                if not isinstance(table, Mapping):
                    raise fail(f"[scenarios.{key}] must be a table of covariates")
                if "name" in table and table["name"] != key:
                    raise fail(f"[scenarios.{key}] has name = '{table['name']}'; drop it or make it match")
                out.append({"name": key, **table})
            return out
        return v

    @field_validator("scenarios")
    @classmethod
    def _unique_scenarios(cls, v: tuple[Scenario, ...]) -> tuple[Scenario, ...]:
        names = [s.name for s in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise fail(f"scenario names repeat: {dup}")
        return v

    @model_validator(mode="after")
    def _sampler_models_fitted(self) -> FitSpec:
        for key in self.sampler.models:
            if key not in self.model.names:
                raise fail(
                    f"sampler.models.{key}: model '{key}' is not in model.names {list(self.model.names)}."
                    + did_you_mean(key, self.model.names)
                )
        return self

    @model_validator(mode="after")
    def _target_not_analog(self) -> FitSpec:
        if self.prior is not None and self.prior.analogs and self.target in self.prior.analogs:
            raise fail(f"the target {self.target} is also listed in prior.analogs")
        return self

    # -- helpers -------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        """Specs are equal when their contents are (wherever they were loaded from)."""
        if not isinstance(other, FitSpec):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.to_toml())

    @property
    def run_name(self) -> str:
        """The run directory name: ``name`` or, failing that, a slug of target and origin."""
        return self.name or f"{self.target.lower()}_{self.origin}"

    @property
    def base_dir(self) -> Path | None:
        """Directory of the spec file (relative paths resolve from here), if loaded from a file."""
        return self._base_dir

    def resolve_path(self, relative: str) -> Path:
        """Resolve a path from the spec (e.g. the prior file); raise ``UserInputError`` if absent."""
        p = Path(relative).expanduser()
        candidates = [p] if p.is_absolute() else []
        if not p.is_absolute():
            if self._base_dir is not None:
                candidates += [self._base_dir / p, self._base_dir.parent / p]
            candidates.append(Path.cwd() / p)
        for c in candidates:
            if c.is_file():
                return c.resolve()
        looked = ", ".join(dict.fromkeys(str(c) for c in candidates))
        raise UserInputError(f"prior file '{relative}' not found (looked in {looked})")

    def replace(self, **changes: Any) -> FitSpec:
        """A validated copy with ``changes`` applied (nested sections as dicts or specs).

        Example: ``spec.replace(spaces=["electoral"], sampler={"draws": 200})``.
        """
        data = self.to_dict()
        for key, value in changes.items():
            if isinstance(value, BaseModel):
                value = value.model_dump(mode="json", exclude_none=True)
            if isinstance(value, Mapping) and isinstance(data.get(key), Mapping):
                value = {**data[key], **value}
            data[key] = value
        return spec_from_mapping(data, base_dir=self._base_dir, source="spec")

    def with_overrides(self, *, draws: int | None = None, tune: int | None = None,
                       chains: int | None = None, backend: str | None = None,
                       seed: int | None = None) -> FitSpec:
        """A validated copy with command-line overrides; ``None`` keeps the spec's value.

        ``draws``/``tune`` apply to every model: they also replace those keys of any
        ``[sampler.models.<name>]`` table.
        """
        sampler_changes: dict[str, Any] = {k: v for k, v in {"draws": draws, "tune": tune, "chains": chains, "backend": backend}.items() if v is not None}
        changes: dict[str, Any] = {}
        if sampler_changes:
            if "draws" in sampler_changes or "tune" in sampler_changes:
                kept = {k: {key: val for key, val in v.model_dump().items()
                            if val is not None and key not in sampler_changes}
                        for k, v in self.sampler.models.items()}
                sampler_changes["models"] = {k: v for k, v in kept.items() if v}
            changes["sampler"] = sampler_changes
        if seed is not None:
            changes["seed"] = seed
        return self.replace(**changes) if changes else self

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/TOML-ready dict (``None`` fields dropped); ``spec_from_mapping`` inverts it."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_toml(self) -> str:
        """The spec as TOML text (round-trips through :func:`parse_spec`)."""
        import tomli_w

        return tomli_w.dumps(self.to_dict())


# -- loading ----------------------------------------------------------------------------


def spec_from_mapping(data: Mapping[str, Any], *, base_dir: Path | None = None, source: str = "spec") -> FitSpec:
    """Validate a parsed TOML mapping into a :class:`FitSpec`.

    Raises
    ------
    UserInputError
        One line ``"<source>: <field>: <problem>"``.
    """
    if not isinstance(data, Mapping):
        raise UserInputError(f"{source}: a spec must be a table of keys, got {type(data).__name__}")
    try:
        spec = FitSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise UserInputError(one_line(f"{source}: {first_problem(exc, data)}")) from None
    except AnalogcastError as exc:  # raised outside a pydantic validator context
        raise UserInputError(one_line(f"{source}: {exc}")) from None
    except (TypeError, KeyError, AttributeError) as exc:  # a validator surprised by a wrong type
        raise UserInputError(one_line(f"{source}: invalid spec ({type(exc).__name__}: {exc})")) from None
    spec._base_dir = base_dir
    return spec


def parse_spec(text: str, *, source: str = "spec", base_dir: Path | None = None, name: str | None = None) -> FitSpec:
    """Parse TOML ``text`` into a :class:`FitSpec`.

    Parameters
    ----------
    text
        TOML document.
    source
        Name used in error messages (usually the file path).
    base_dir
        Directory relative paths resolve from.
    name
        Default run name when the spec has no ``name`` key.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserInputError(one_line(f"{source}: TOML syntax error: {exc}")) from None
    if name is not None and "name" not in data and _NAME_RE.match(name):
        data["name"] = name
    return spec_from_mapping(data, base_dir=base_dir, source=source)


def load_spec(path: str | Path) -> FitSpec:
    """Read and validate a fit specification file.

    Parameters
    ----------
    path
        A ``.toml`` file, e.g. ``fits/afghanistan.toml``. The run name defaults to its stem.

    Returns
    -------
    FitSpec
        Immutable and fully validated (countries resolved, spaces ordered).

    Raises
    ------
    UserInputError
        Missing or unreadable file, TOML syntax error (with line and column), or any invalid
        field, as one line naming the file and the field.
    """
    p = Path(path)
    if not p.is_file():
        hint = ""
        if p.parent.is_dir():
            hint = did_you_mean(p.name, [c.name for c in p.parent.glob("*.toml")])
        raise UserInputError(f"spec file '{p}' not found.{hint}".rstrip(".") + ("" if hint else "."))
    try:
        text = p.read_text(encoding="utf-8-sig")  # a byte-order mark is not a TOML error
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{p}: cannot read spec file: {exc}") from None
    return parse_spec(text, source=str(p), base_dir=p.resolve().parent, name=p.stem)

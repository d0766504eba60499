"""Typed options of the registered models: one pydantic schema per registry name.

``[model.options.<name>]`` in a fit spec, ``--set model.options.<name>.<key>=...`` in a grid and
``get_model(name, **options)`` all go through the schema of that model, so a wrong key, type or
value is refused in one line naming the option before anything is sampled:

* unknown keys are refused by the schema itself, with a "did you mean" from its own field names
  (as pymc-marketing's ``mmm/builders/schema.py`` does);
* numbers are strict: an integer option refuses ``2.7`` (never truncated) and ``"many"``; a float
  option refuses text, lists and booleans, and must be finite;
* every option has the bounds its meaning gives it (``n_paths`` is capped: the simulated paths
  are held in memory, draws x scenarios x series x paths x steps x 8 bytes).

Defaults are those of ``DEFAULT_OPTIONS`` in :mod:`analogcast.models.event` and
:mod:`analogcast.models.trajectory` (``tests/test_model_options.py`` checks they agree).
:func:`options_for` returns a plain validated dict, the form the models' constructors take.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from analogcast.errors import UserInputError, did_you_mean

__all__ = [
    "ModelOptions",
    "EventLogitOptions",
    "TrajectoryOptions",
    "OPTION_SCHEMAS",
    "options_for",
    "option_error",
    "option_problem",
    "MAX_N_PATHS",
]

#: Upper bound of the trajectory model's ``n_paths`` (5x the default). Paths are held in memory:
#: 2,000 draws x 5 scenarios x 8 series x 100 paths x 11 steps x 8 bytes is about 0.7 GB.
MAX_N_PATHS = 100

Year = Annotated[int, Field(ge=1900, le=2100, strict=True)]
Seed = Annotated[int, Field(ge=0, lt=2**32, strict=True)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False, strict=True)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False, strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]


def _fail(message: str) -> PydanticCustomError:
    """A validation error whose text is ``message`` exactly (no prefix added by pydantic)."""
    return PydanticCustomError("analogcast_option", "{message}", {"message": message})


def _number(key: str, value: Any, *, positive: bool) -> float:
    """A finite (and, if ``positive``, > 0) real number; ints accepted, bools and text refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise _fail(f"must be finite, got {value!r}")
    if positive and x <= 0:
        raise _fail(f"must be > 0, got {value!r}")
    return x


class ModelOptions(BaseModel):
    """Base of every model's options: unknown keys refused with a did-you-mean, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: registry name of the model these options belong to
    MODEL: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise _fail(f"options of model '{cls.MODEL}' must be a table of option = value, got {type(data).__name__}")
        known = list(cls.model_fields)
        for key in data:
            if key not in known:
                hint = did_you_mean(str(key), known)
                listing = "" if hint else f" Options: {', '.join(known)}."
                raise _fail(f"unknown option '{key}' for model '{cls.MODEL}'.{hint}{listing}")
        return data


class EventLogitOptions(ModelOptions):
    """Options of ``event_logit`` (:class:`analogcast.models.event.EventLogit`).

    ``aid_prior_mean`` / ``aid_prior_sd`` are a number (every aid term) or a table term -> number
    over the aid terms (``aid``, ``aid_cw``, ``sanctions``, ``sanctions_cw``); a term left out of
    the table keeps the default.

    Parameterisation switches (same model up to the intercept's prior, different sampling
    geometry; measured on the 2016 backtest origin, seven spaces, 2 x 200 draws after 300 tuning
    steps, see ``bench/results/geometry.json``): ``center_design`` centres each (space, direction)
    block's columns, so the free intercept is the log-odds at the block's average row and its
    N(logit(base rate), 1.5) prior is placed there; ``country_zero_sum`` makes the country effects
    sum to zero within each direction, so they no longer trade off against the intercepts;
    ``beta_centred`` samples the per-space slopes centred (it mixed worse: min bulk ESS 4).

    ``cross_space`` adds the regime's recent trajectory across all seven spaces to each space's
    dynamic covariates (:func:`analogcast.models.design.cross_space_grid`): their mean two-year
    change (``spaces_change2``: after a collapse of the whole regime, rebounds are rarer than one
    index's own fall suggests) and the share that rose by more than their cutpoint in the last
    year (``spaces_rising``: a regime opening several spaces at once).

    ``index_room`` adds the index's distance from 0 and from 1 in cutpoints, each capped at four
    (:func:`analogcast.models.design.index_room`), so the level's effect can bend near the bounds:
    a linear level term alone carries the middle range's "lower index, more openings" down to the
    floor, where openings are rarest, and "higher index, more closings" up to the ceiling, where
    closings are rarest.

    ``target_since`` splits the target's own history at a regime change: its coded years from
    that year on (the current spell) carry ``theta``, the intercept the analogy prior informs, and
    its earlier years are an ordinary country's rows (country effect, covariates centred like
    everyone's). Without it ``theta`` is the target's intercept over all its coded years, so a
    regime two years old inherits the whole country's history. The main job sets it to the
    prior's ``current_from``.

    ``spell_units`` (e.g. ``["AFG:1996-2000"]``) gives each listed country-spell its own unit:
    the spell's rows get their own country effect (in the country's region) instead of the
    country's, so the fit has an intercept for the spell (the analogy prior's model-scale evidence,
    :mod:`analogcast.fitting.analog_evidence`). ``drop_spells`` leaves the listed country-spells'
    rows out of the fit (the target's current spell, when analog evidence must be fitted without
    it); rows of a ``spell_units`` spell are kept.

    ``year_noise`` splits the year effect into a random-walk level and a transient yearly shock
    (a local-level model): forecasts continue the level and draw new shocks, so one unusual year
    of events is not carried forward as a new level.

    ``sigma_year_prior`` is the prior of the level's step SD ``sigma_year``: ``"gamma"`` (shape 2,
    the half-normal's mean ``0.8 x sigma_year_scale``; zero density at 0) or ``"halfnormal"``
    (scale ``sigma_year_scale``). With the half-normal a chain could settle at ``sigma_year``
    near 0, explaining every year as a transient shock around a constant level, where its step
    size collapsed (backtest origin 2009: step size 6e-114, 1,023 leapfrog steps per iteration).
    """

    MODEL: ClassVar[str] = "event_logit"

    start: Year = 1970
    aid_prior_mean: FiniteFloat | dict[str, FiniteFloat] = 0.0
    aid_prior_sd: PositiveFloat | dict[str, PositiveFloat] = 0.5
    beta_prior_sd: PositiveFloat = 0.5
    sigma_beta_scale: PositiveFloat = 0.2
    sigma_year_scale: PositiveFloat = 0.5
    sigma_country_scale: PositiveFloat = 0.5
    sigma_region_scale: PositiveFloat = 0.5
    vague_prior_sd: PositiveFloat = 1.5
    control_fraction: Annotated[float, Field(gt=0.0, le=1.0, strict=True)] = 0.25
    country_space: StrictBool = False
    centred: StrictBool = True
    beta_centred: StrictBool = False
    center_design: StrictBool = True
    country_zero_sum: StrictBool = True
    cross_space: StrictBool = True
    index_room: StrictBool = True
    year_noise: StrictBool = True
    sigma_year_prior: Literal["gamma", "halfnormal"] = "gamma"
    smooth: StrictBool = False
    subsample_seed: Seed = 20240601
    n_paths: Annotated[int, Field(ge=1, le=64, strict=True)] = 4
    target_since: Year | None = None
    spell_units: list[str] = Field(default_factory=list)
    drop_spells: list[str] = Field(default_factory=list)

    @field_validator("spell_units", "drop_spells", mode="before")
    @classmethod
    def _spells(cls, value: Any, info: Any) -> Any:
        """Country-spells ``AFG:1996-2000`` (each once; a whole country is not a spell)."""
        from analogcast.priors.spells import parse_analog

        if not isinstance(value, list | tuple):
            raise _fail(f'must be a list of spells like ["AFG:1996-2000"], got {value!r}')
        out: list[str] = []
        for item in value:
            if not isinstance(item, str):
                raise _fail(f"must list spells as text like \"AFG:1996-2000\", got {item!r}")
            try:
                a = parse_analog(item, info.field_name)
            except UserInputError as exc:
                raise _fail(str(exc)) from None
            if not a.is_spell:
                raise _fail(f"{item!r} is a whole country; give a spell like {item.strip()}:1996-2000")
            if a.label in out:
                raise _fail(f"lists {a.label} twice")
            out.append(a.label)
        return out

    @field_validator("aid_prior_mean", "aid_prior_sd", mode="before")
    @classmethod
    def _number_or_per_term(cls, value: Any, info: Any) -> Any:
        positive = info.field_name == "aid_prior_sd"
        if not isinstance(value, Mapping):
            return _number(info.field_name, value, positive=positive)
        from analogcast.models.event import AID_TERMS

        out: dict[str, float] = {}
        for term, v in value.items():
            if term not in AID_TERMS:
                hint = did_you_mean(str(term), AID_TERMS)
                raise _fail(f"unknown aid term '{term}'.{hint} Terms: {', '.join(AID_TERMS)}")
            try:
                out[str(term)] = _number(info.field_name, v, positive=positive)
            except PydanticCustomError as exc:
                raise _fail(f"{term}: {exc.context['message'] if exc.context else exc.message()}") from None
        return out


class TrajectoryOptions(ModelOptions):
    """Options of ``trajectory`` (:class:`analogcast.models.trajectory.Trajectory`)."""

    MODEL: ClassVar[str] = "trajectory"

    start: Year = 1970
    wbl: StrictBool = True
    n_paths: Annotated[int, Field(ge=1, le=MAX_N_PATHS, strict=True)] = 20
    countries: Annotated[int, Field(ge=0, le=1000, strict=True)] = 0
    sample_seed: Seed = 0
    beta_prior_sd: PositiveFloat = 0.05
    sigma_beta_scale: PositiveFloat = 0.02

    @field_validator("countries")
    @classmethod
    def _not_one(cls, value: int) -> int:
        if value == 1:
            raise _fail("must be 0 (all countries) or an integer >= 2 (the target plus N - 1 others), got 1")
        return value


#: registry name -> options schema
OPTION_SCHEMAS: dict[str, type[ModelOptions]] = {
    "event_logit": EventLogitOptions,
    "trajectory": TrajectoryOptions,
}


def option_problem(exc: ValidationError) -> tuple[tuple[str, ...], str]:
    """``(location, message)`` of the first problem of ``exc`` (location: option name, if any).

    Only the public parts of a pydantic error are read: its location, message and input. Our
    own errors carry their full message; pydantic's gain the offending value.
    """
    err = exc.errors(include_url=False)[0]
    at = tuple(str(p) for p in err.get("loc", ()))
    msg = str(err.get("msg", "invalid value"))
    if err.get("type") == "analogcast_option":
        return at, msg
    shown = repr(err.get("input"))
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return at, f"{msg} (got {shown})"


def option_error(name: str, exc: ValidationError) -> str:
    """One line for the first problem of ``exc``: ``model 'trajectory' option 'n_paths': ...``."""
    at, message = option_problem(exc)
    return f"model '{name}' option '{'.'.join(at)}': {message}" if at else message


def options_for(name: str, mapping: Mapping[str, Any] | None = None, *, defaults: bool = True) -> dict[str, Any]:
    """Validate ``mapping`` as the options of registry model ``name``; a plain dict.

    Parameters
    ----------
    name
        Registry name (``"event_logit"``, ``"trajectory"``).
    mapping
        Option -> value, as written in ``[model.options.<name>]``.
    defaults
        ``True``: every option, defaults filled in (what a model's constructor uses);
        ``False``: only the options given (what a spec records).

    Raises
    ------
    UserInputError
        An unknown model, or one line naming the first bad option and what is accepted.
    """
    schema = OPTION_SCHEMAS.get(name)
    if schema is None:
        raise UserInputError(f"unknown model '{name}'.{did_you_mean(name, OPTION_SCHEMAS)} Known: {', '.join(OPTION_SCHEMAS)}")
    try:
        opts = schema.model_validate(dict(mapping or {}) if isinstance(mapping, Mapping) or mapping is None else mapping)
    except ValidationError as exc:
        raise UserInputError(option_error(name, exc)) from None
    return opts.model_dump(exclude_unset=not defaults)

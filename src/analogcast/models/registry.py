"""Model registry: ``get_model(name, **options)`` and what each model declares.

The later stages never name a model: they ask the registry which models exist
(:func:`available_models`, :data:`DEFAULT_MODELS`), in which order their forecasts merge
(:func:`in_registry_order`), which one leads the event forecasts (:func:`lead_event_model`) and
what each declares (:func:`model_outputs`, a :class:`~analogcast.models.contract.ModelOutputs`).
Adding a model means adding one entry to :data:`REGISTRY` (or calling :func:`register`) and
writing its module.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from analogcast.errors import UserInputError, did_you_mean
from analogcast.models.contract import ForecastModel, ModelOutputs

__all__ = [
    "ForecastModel",
    "get_model",
    "available_models",
    "REGISTRY",
    "DEFAULT_MODELS",
    "BACKTEST_MODELS",
    "EVIDENCE_MODEL",
    "register",
    "model_class",
    "model_outputs",
    "in_registry_order",
    "declaring",
    "lead_event_model",
]

#: registry name -> "module:Class"; the order is the order in which forecasts merge (the first
#: fitted event model leads ``p_opening`` / ``p_closing``)
REGISTRY: dict[str, str] = {
    "event_logit": "analogcast.models.event:EventLogit",
    "trajectory": "analogcast.models.trajectory:Trajectory",
}

#: the models a spec fits when it names none
DEFAULT_MODELS: tuple[str, ...] = ("event_logit",)

#: the registry models ``analogcast backtest`` fits and scores (each declares ``outputs.scored``
#: and provides ``predict_all``); a registry-level list, so the CLI reads it without importing models
BACKTEST_MODELS: tuple[str, ...] = ("event_logit",)

#: the registry model whose fit without the target gives the analogy prior's model-scale evidence
#: (it declares ``outputs.has_theta`` and provides ``unit_intercepts``; ``priors build --evidence model``)
EVIDENCE_MODEL: str = "event_logit"


def available_models() -> tuple[str, ...]:
    """Registered model names."""
    return tuple(REGISTRY)


def register(name: str, target: str) -> None:
    """Register a model class (``target`` is ``"module:Class"``); its class must declare ``outputs``."""
    if name in REGISTRY and REGISTRY[name] != target:
        raise UserInputError(f"model '{name}' is already registered as {REGISTRY[name]}.")
    REGISTRY[name] = target


def _check_name(name: str) -> None:
    if name not in REGISTRY:
        raise UserInputError(
            f"unknown model '{name}'; available: {', '.join(REGISTRY)}." + did_you_mean(name, REGISTRY)
        )


def model_class(name: str) -> type:
    """The class of a registered model (imported, not instantiated; cheap: no PyMC)."""
    _check_name(name)
    module, cls = REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), cls)


def get_model(name: str, **options: Any) -> ForecastModel:
    """Instantiate a registered model with options (``UserInputError`` if unknown)."""
    return model_class(name)(**options)


def model_outputs(name: str) -> ModelOutputs:
    """What model ``name`` declares (its class attribute ``outputs``)."""
    out = getattr(model_class(name), "outputs", None)
    if not isinstance(out, ModelOutputs):
        raise TypeError(f"model {name!r} does not declare its outputs (class attribute 'outputs').")
    return out


def declaring(variable: str) -> list[str]:
    """Registered models whose forecast may carry ``variable`` among its extras (registry order)."""
    return [n for n in REGISTRY if variable in model_outputs(n).extras]


def in_registry_order(names: Iterable[str]) -> list[str]:
    """The registered models among ``names``, in registry order (unknown names dropped)."""
    wanted = {str(n) for n in names}
    return [n for n in REGISTRY if n in wanted]


def lead_event_model(names: Iterable[str]) -> str | None:
    """The model whose events a run leads with: the first of ``names`` in registry order that
    declares event outputs, or ``None``."""
    for n in in_registry_order(names):
        if model_outputs(n).events:
            return n
    return None

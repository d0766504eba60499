"""Model registry: ``get_model(name, **options)``."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol

from analogcast.errors import UserInputError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pymc as pm
    import xarray as xr

    from analogcast.models.design import ModelData

__all__ = ["ForecastModel", "get_model", "available_models", "REGISTRY"]

#: registry name -> "module:Class"
REGISTRY: dict[str, str] = {
    "event_logit": "analogcast.models.event:EventLogit",
    "trajectory": "analogcast.models.trajectory:Trajectory",
}


class ForecastModel(Protocol):
    """What every registered model provides (see ``analogcast.models`` docstring)."""

    name: str
    options: dict[str, Any]

    def prepare(self, panel: xr.Dataset, events: xr.Dataset, *, target: str, origin: int,
                spaces: Any = None, start: int | None = None) -> ModelData: ...

    def build(self, data: ModelData, prior: Any = None) -> pm.Model: ...

    def posterior_predictive(self, posterior: xr.Dataset, data: ModelData,
                             rng: np.random.Generator) -> xr.Dataset: ...


def available_models() -> tuple[str, ...]:
    """Registered model names."""
    return tuple(REGISTRY)


def get_model(name: str, **options: Any) -> ForecastModel:
    """Instantiate a registered model with options (``UserInputError`` if unknown)."""
    if name not in REGISTRY:
        raise UserInputError(
            f"unknown model '{name}'; available: {', '.join(REGISTRY)}." + did_you_mean(name, REGISTRY)
        )
    module, cls = REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), cls)(**options)

"""The contract of a forecast model: what it declares, what its forecast returns.

Every registry model (:mod:`analogcast.models.registry`) is a :class:`ForecastModel`: it
prepares its data, builds a PyMC model, and turns a posterior into one :class:`ForecastBundle`
per run. It also declares, as the class attribute ``outputs`` (a :class:`ModelOutputs`), which
quantities its forecast holds, which tables a saved run writes from them and how reports name
the model. The later stages (scenario engine, run store, report) read only these declarations:
they loop over the fitted models' declared outputs and never name a model. Importing this module
is cheap (no xarray, no PyMC), so the registry can answer questions about models at CLI start.

Canonical forecast dims
-----------------------
Event probabilities: ``(scenario, space, direction, horizon, chain, draw)`` (``direction`` in
``analogcast.data.DIRECTIONS`` order). Other outputs keep these names for the dims they share
and add their own (``year`` for paths, ``delta`` for rise thresholds).

How bundles become a run's forecast dataset
-------------------------------------------
The scenario engine merges the bundles of the fitted models, in registry order, into one
``xr.Dataset``: the *lead* event model (the first fitted model whose ``outputs.events`` is true)
gives ``p_opening`` / ``p_closing``; every other event model (and the lead too, when its
``event_tag`` is set) also gives ``p_opening_<tag>`` / ``p_closing_<tag>``; each bundle's
``extras`` are added as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pymc as pm
    import xarray as xr

    from analogcast.models.design import ModelData

__all__ = [
    "EVENT_DIMS",
    "TableSpec",
    "HeadlineParam",
    "ModelOutputs",
    "ForecastBundle",
    "ScenarioPaths",
    "ForecastModel",
    "event_variable",
    "event_draws",
]

#: dims of a bundle's event probabilities, in this order
EVENT_DIMS: tuple[str, ...] = ("scenario", "space", "direction", "horizon", "chain", "draw")


@dataclass(frozen=True)
class TableSpec:
    """A table a saved run writes from the forecast dataset.

    Attributes
    ----------
    file
        File name in the run directory, e.g. ``"rise.csv"``.
    kind
        Which summary builds it: a key of ``analogcast.scenarios.table.TABLE_BUILDERS``
        (``"index"``, ``"rise"``, ``"wbl"``: kinds of quantity, not models).
    requires
        Variables of the forecast dataset the table reads; the table is written only when all
        are present (e.g. a WBL table only when the model carried the WBL index).
    """

    file: str
    kind: str
    requires: tuple[str, ...] = ()

    def available(self, forecasts: xr.Dataset) -> bool:
        """Whether ``forecasts`` holds every variable the table reads."""
        return all(v in forecasts for v in self.requires)


@dataclass(frozen=True)
class HeadlineParam:
    """A posterior variable reports diagnose for prior and likelihood sensitivity (power-scaling).

    Attributes
    ----------
    variable
        Posterior variable name.
    keep
        Per dim, the coordinates kept (only for the dims the variable has, only those present).
    meaning
        Plain-language label.
    """

    variable: str
    keep: Mapping[str, tuple[str, ...]]
    meaning: str


@dataclass(frozen=True)
class ModelOutputs:
    """What a model's forecast holds, declared once on the model class (``Model.outputs``).

    Attributes
    ----------
    events
        The forecast holds P(>= 1 opening / closing within H years) per draw.
    event_tag
        Suffix of the model's own event variables (``p_opening_<tag>``). ``None``: the model's
        events appear only as the lead ``p_opening`` / ``p_closing`` (the model must then come
        first in the registry among event models, or its events are stored under its name).
    extras
        Names of the other variables the bundle may carry (index paths, rise probabilities, ...;
        a declared extra may be absent when the model's options leave it out).
    tables
        Tables a saved run writes from the forecast dataset (besides ``forecasts.csv`` and
        ``contrasts.csv``, which every event forecast has).
    label
        How reports name the model in running text, e.g. ``"the event model"``.
    paths
        The model simulates index paths (``index``, ``index_origin``): the report's fan charts,
        rise section and comparison of event readings read them.
    scored
        The model is scored by ``analogcast backtest`` (reports quote its skill).
    has_theta
        Its posterior holds the target's ``theta`` (space, direction) on which the analogy prior
        is placed (the report's prior/posterior plot and sensitivity read it from this model).
    caveat
        A sentence reports add wherever they compare scenarios with this model's outputs.
    headline
        Its headline parameters for the report's power-scaling summary, in order.
    """

    events: bool = True
    event_tag: str | None = None
    extras: tuple[str, ...] = ()
    tables: tuple[TableSpec, ...] = ()
    label: str = "the model"
    paths: bool = False
    scored: bool = False
    has_theta: bool = False
    caveat: str = ""
    headline: tuple[HeadlineParam, ...] = ()


def _directions() -> tuple[str, ...]:
    # imported here: the data package loads xarray, and the registry (which imports this module)
    # must stay cheap for the CLI
    from analogcast.data._spaces import DIRECTIONS

    return tuple(DIRECTIONS)


def event_variable(direction: str, tag: str | None = None) -> str:
    """Name of an event probability in a run's forecast dataset: ``p_opening``, ``p_closing_traj``."""
    return f"p_{direction}" if tag is None else f"p_{direction}_{tag}"


@dataclass(frozen=True)
class ForecastBundle:
    """One model's forecast of a run's scenarios (what ``ForecastModel.forecast`` returns).

    Attributes
    ----------
    model
        Registry name of the model.
    outputs
        The model's declared outputs (its class attribute ``outputs``).
    events
        P(>= 1 event within H years) per draw on :data:`EVENT_DIMS`, or ``None`` for a model
        without event outputs.
    extras
        The other declared outputs (``outputs.extras``), with their coords (``None``: an empty
        dataset).
    """

    model: str
    outputs: ModelOutputs
    events: xr.DataArray | None = None
    extras: xr.Dataset | None = None

    def __post_init__(self) -> None:
        if self.extras is None:
            import xarray as xr

            object.__setattr__(self, "extras", xr.Dataset())
        if self.outputs.events != (self.events is not None):
            raise ValueError(f"model {self.model!r}: event outputs declared {self.outputs.events} "
                             f"but the bundle {'has' if self.events is not None else 'has no'} events")
        if self.events is not None:
            if set(self.events.dims) != set(EVENT_DIMS):
                raise ValueError(f"model {self.model!r}: event dims {self.events.dims}, expected {EVENT_DIMS}")
            dirs = [str(d) for d in self.events["direction"].values]
            if dirs != list(_directions()):
                raise ValueError(f"model {self.model!r}: directions {dirs}, expected {list(_directions())}")
            object.__setattr__(self, "events", self.events.transpose(*EVENT_DIMS))
        undeclared = [str(v) for v in self.extras.data_vars if v not in self.outputs.extras]
        if undeclared:
            raise ValueError(f"model {self.model!r}: outputs {undeclared} are not declared in its outputs")

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        """The tables this forecast names (declared by the model)."""
        return self.outputs.tables

    def event_variables(self, *, lead: bool) -> dict[str, xr.DataArray]:
        """Event probabilities as the run's forecast dataset names them.

        Parameters
        ----------
        lead
            This model's events are the run's headline ``p_opening`` / ``p_closing``.
        """
        if self.events is None:
            return {}
        out: dict[str, xr.DataArray] = {}
        tags: list[str | None] = []
        if lead:
            tags.append(None)
        if self.outputs.event_tag is not None:
            tags.append(self.outputs.event_tag)
        elif not lead:
            tags.append(self.model)
        for tag in tags:
            for d in _directions():
                out[event_variable(d, tag)] = self.events.sel(direction=d, drop=True)
        return out


def event_draws(probs: Mapping[str, np.ndarray], n_chain: int, n_draw: int, scenarios: Sequence[str],
                spaces: Sequence[str], horizons: Sequence[int]) -> xr.DataArray:
    """Event probabilities on :data:`EVENT_DIMS` from per-direction arrays.

    Parameters
    ----------
    probs
        Direction -> ``(sample, scenario, space, horizon)``, samples in ``(chain, draw)`` order
        (as ``posterior.stack(sample=("chain", "draw"))`` gives them).
    n_chain, n_draw
        Sizes of the posterior the samples came from.
    scenarios, spaces, horizons
        Coordinates (chain and draw carry none).
    """
    import numpy as np
    import xarray as xr

    directions = _directions()
    arr = np.stack([np.asarray(probs[d]) for d in directions], axis=-2)  # (sample, q, s, dir, h)
    arr = arr.reshape(n_chain, n_draw, *arr.shape[1:])
    da = xr.DataArray(arr, dims=("chain", "draw", "scenario", "space", "direction", "horizon"),
                      coords={"scenario": list(scenarios), "space": list(spaces),
                              "direction": list(directions), "horizon": [int(h) for h in horizons]})
    return da.transpose(*EVENT_DIMS)


@runtime_checkable
class ScenarioPaths(Protocol):
    """The scenarios of a forecast, as a model sees them (built by the scenario engine).

    ``names`` in scenario order; ``n_steps`` forecast years the engine covers (origin + 1 ..
    origin + n_steps); ``raw(data, n_steps)`` gives the raw covariate paths
    ``{panel variable: (scenario, step)}`` for ``data.future_common``.
    """

    names: tuple[str, ...]
    n_steps: int

    def raw(self, data: ModelData, n_steps: int) -> Mapping[str, np.ndarray]: ...


class ForecastModel(Protocol):
    """What every registered model provides (see the ``analogcast.models`` docstring)."""

    name: str
    options: dict[str, Any]
    outputs: ModelOutputs

    def prepare(self, panel: xr.Dataset, events: xr.Dataset, *, target: str, origin: int,
                spaces: Any = None, start: int | None = None) -> ModelData: ...

    def build(self, data: ModelData, prior: Any = None) -> pm.Model: ...

    def forecast(self, posterior: xr.Dataset, data: ModelData, scenarios: ScenarioPaths,
                 horizons: Sequence[int], rng: np.random.Generator, *,
                 deltas: Sequence[float] = ()) -> ForecastBundle: ...

    def posterior_predictive(self, posterior: xr.Dataset, data: ModelData,
                             rng: np.random.Generator) -> xr.Dataset: ...

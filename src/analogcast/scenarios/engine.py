"""Per-draw scenario forecasts from fitted models.

The engine names no model. It validates the scenarios, horizons and rise thresholds, asks every
fitted registry model (in registry order) for its :class:`~analogcast.models.contract.ForecastBundle`
through ``model.forecast(posterior, data, scenarios, horizons, rng, deltas=...)``, and merges the
bundles into one ``xr.Dataset`` (:func:`merge_bundles`): the lead event model's probabilities are
``p_opening`` / ``p_closing``, the others' carry their declared tag, extras are kept as declared.
Each model draws from its own generator (one per registry position, spawned from the seed), and
every model's posterior is thinned to the first fitted model's number of draws.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from analogcast.errors import UserInputError
from analogcast.models.assumptions import ASSUMPTIONS
from analogcast.models.contract import ForecastBundle
from analogcast.models.registry import available_models, get_model, in_registry_order
from analogcast.scenarios.scenario import (
    MAX_STEPS,
    Scenario,
    resolve_paths,
    scenario_notes,
    scenarios_from_spec,
)

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.fitting.fitter import FitResult
    from analogcast.models.design import ModelData

__all__ = ["forecast", "merge_bundles", "check_horizons", "check_deltas", "ASSUMPTIONS"]

def check_horizons(horizons: Iterable[int]) -> tuple[int, ...]:
    """Validate horizons: integers in 1..10, sorted and unique (``UserInputError`` otherwise)."""
    out = []
    for h in horizons:
        if isinstance(h, bool) or not float(h).is_integer():
            raise UserInputError(f"horizon {h!r} must be a whole number of years between 1 and {MAX_STEPS}.")
        h = int(h)
        if not 1 <= h <= MAX_STEPS:
            raise UserInputError(f"horizon {h} is out of range: horizons must be between 1 and {MAX_STEPS} years.")
        out.append(h)
    if not out:
        raise UserInputError("at least one horizon is needed.")
    return tuple(sorted(set(out)))


def check_deltas(deltas: Iterable[float]) -> tuple[float, ...]:
    """Validate rise thresholds delta: 0 < delta < 1 on the 0-1 index scale."""
    out = tuple(float(d) for d in deltas)
    for d in out:
        if not 0.0 < d < 1.0:
            raise UserInputError(f"delta {d} must be between 0 and 1 (index points on the 0-1 scale).")
    return out


@dataclass(frozen=True)
class _Paths:
    """The scenarios as a model sees them (:class:`analogcast.models.contract.ScenarioPaths`)."""

    scenarios: tuple[Scenario, ...]
    n_steps: int = MAX_STEPS

    @property
    def names(self) -> tuple[str, ...]:
        """Scenario names, in order."""
        return tuple(s.name for s in self.scenarios)

    def raw(self, data: ModelData, n_steps: int) -> dict[str, np.ndarray]:
        """Raw covariate paths ``{panel variable: (scenario, step)}`` for ``data``'s target
        (:func:`analogcast.scenarios.scenario.resolve_paths`)."""
        return resolve_paths(self.scenarios, data, n_steps)


def _thin(post: xr.Dataset, n_draw: int) -> xr.Dataset:
    """``post`` with ``n_draw`` draws: thinned (or, if fewer, repeated) at evenly spaced positions.

    The models of a run may be sampled with different numbers of draws
    (``[sampler.models.<name>]``); a forecast holds one set of draws, the first model's.
    """
    if post.sizes["draw"] == n_draw:
        return post
    keep = np.linspace(0, post.sizes["draw"] - 1, n_draw).round().astype(int)
    return post.isel(draw=keep).assign_coords(draw=np.arange(keep.size))


def forecast(
    result: FitResult,
    scenarios: Sequence[Scenario | dict] | dict | None = None,
    *,
    horizons: Iterable[int] = range(1, MAX_STEPS + 1),
    deltas: Iterable[float] = (0.05,),
    seed: int | np.random.SeedSequence = 0,
) -> xr.Dataset:
    """Per-draw forecasts for every scenario (see ``analogcast.scenarios`` for the output).

    Parameters
    ----------
    result
        The fit (:class:`analogcast.fitting.FitResult`, from ``analogcast.fit`` or a loaded run):
        its ``tree`` (one child per fitted model with a ``posterior`` group) and ``data``
        (registry name -> ``ModelData``) are read.
    scenarios
        Scenarios or their spec tables (``None``: ``result.spec.scenarios``).
    horizons
        Years ahead, each in 1..10.
    deltas
        Thresholds for ``p_rise`` (index rises by at least delta), on the 0-1 scale.
    seed
        Seed or ``SeedSequence`` for future year shocks and path simulations.
    """
    from analogcast.fitting.fitter import FitResult

    if not isinstance(result, FitResult):
        raise TypeError(f"forecast() takes a FitResult (analogcast.fit or a loaded run's .result), "
                        f"got {type(result).__name__}")
    hz = check_horizons(horizons)
    dl = check_deltas(deltas)
    if scenarios is None:
        scenarios = result.spec.scenarios
        if not scenarios:
            raise UserInputError("no scenarios given and the fit's spec has none.")
    scen = scenarios_from_spec(scenarios)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    tree = result.tree
    data_by_model = result.data
    fitted = [m for m in in_registry_order(tree.children) if m in data_by_model]
    if not fitted:
        raise UserInputError("the fit holds no registered model: "
                             f"{', '.join(map(str, tree.children)) or 'none'}; available: {', '.join(available_models())}.")
    # one generator per registry position, so a model's draws do not depend on which others were fitted
    rngs = dict(zip(available_models(), (np.random.default_rng(s) for s in ss.spawn(len(available_models()))), strict=True))
    paths = _Paths(tuple(scen))
    bundles: list[ForecastBundle] = []
    n_draw = None
    for name in fitted:
        data = data_by_model[name]
        model = get_model(name, **data.meta.get("options", {}))
        post = tree[name]["posterior"].to_dataset()
        n_draw = post.sizes["draw"] if n_draw is None else n_draw
        bundles.append(model.forecast(_thin(post, n_draw), data, paths, hz, rngs[name], deltas=dl))
    out = merge_bundles(bundles)
    first = data_by_model[fitted[0]]
    coords: dict[str, Any] = {
        "scenario": [s.name for s in scen],
        "space": list(first.spaces),
        "horizon": list(hz),
    }
    notes: list[str] = []
    for name in fitted:
        for note in scenario_notes(scen, data_by_model[name]):
            if note not in notes:
                notes.append(note)
    for note in notes:  # shown by the CLI as "analogcast: warning: ..."
        warnings.warn(note, UserWarning, stacklevel=2)
    out = out.assign_coords({k: v for k, v in coords.items() if k in out.dims})
    out = out.assign_coords(scenario_label=("scenario", [s.display_label for s in scen]))
    order = ["scenario", "space", "horizon", "delta", "year", "chain", "draw"]
    out = out.transpose(*[d for d in order if d in out.dims])
    out.attrs.update(
        target=first.target, origin=int(first.origin), models=list(fitted),
        assumptions=list(ASSUMPTIONS),
        scenarios=[s.to_dict() for s in scen],
        scenario_warnings=notes,
    )
    return out


def merge_bundles(bundles: Sequence[ForecastBundle]) -> xr.Dataset:
    """One forecast dataset from the fitted models' bundles (in registry order).

    The first bundle with events leads (``p_opening`` / ``p_closing``); every bundle adds its
    tagged events and its extras (:meth:`ForecastBundle.event_variables`).
    """
    out = xr.Dataset()
    lead = next((b for b in bundles if b.events is not None), None)
    for b in bundles:
        for k, v in b.event_variables(lead=b is lead).items():
            out[k] = v
        out = out.merge(b.extras, compat="override", join="outer", combine_attrs="override") if b.extras.data_vars else out
    return out

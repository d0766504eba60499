"""A third registry model, written only against the contract (``analogcast.models.contract``).

Climatology: every country-year of the training window is an exchangeable draw, so the yearly
hazard of an opening (closing) in a space is one base rate ``p[space, direction]`` with a
``Beta(1, 1)`` prior and a binomial likelihood of the pooled event counts; its posterior is
``Beta(1 + events, 1 + non-events)``. P(>= 1 event within H years) = ``1 - (1 - p)^H`` per draw,
the same under every scenario (no covariates). It declares event outputs only.

Registered by the test that uses it (``register("climatology_test", "climatology_model:Climatology")``);
nothing outside this module and the registry knows it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from analogcast.data import DIRECTIONS, SPACES
from analogcast.models.contract import ForecastBundle, ModelOutputs, ScenarioPaths, event_draws
from analogcast.models.design import ModelData

NAME = "climatology_test"


class Climatology:
    """Per space and direction base rate of events, Beta posterior (registry name ``climatology_test``)."""

    name = NAME
    outputs = ModelOutputs(events=True, event_tag="clim", label="the climatology model")

    def __init__(self, **options: Any) -> None:
        self.options: dict[str, Any] = {"start": 1990, **options}

    def prepare(self, panel: xr.Dataset, events: xr.Dataset, *, target: str, origin: int,
                spaces: Any = None, start: int | None = None) -> ModelData:
        """Pooled event counts per space and direction, outcome years ``start .. origin - 1``."""
        sp = tuple(s for s in SPACES if spaces is None or s in spaces)
        first = int(start if start is not None else self.options["start"])
        ev = events.sel(year=slice(first, origin - 1), space=list(sp))
        k = np.stack([ev[d].sum(("country", "year")).values for d in DIRECTIONS], axis=-1)
        n = np.stack([ev[d].notnull().sum(("country", "year")).values for d in DIRECTIONS], axis=-1)
        observed = xr.Dataset({"events": (("space", "direction"), k)},
                              coords={"space": list(sp), "direction": list(DIRECTIONS)})
        history = panel[list(panel.data_vars)].sel(country=target).sel(year=slice(None, origin)).load()
        return ModelData(model=self.name, target=target, origin=int(origin), start=first, spaces=sp,
                         covariates=(), arrays={"k": k.astype(np.int64), "n": n.astype(np.int64)},
                         target_history=history, observed=observed, meta={"options": dict(self.options)})

    def build(self, data: ModelData, prior: Any = None) -> Any:
        """``p ~ Beta(1, 1)``, ``events ~ Binomial(n, p)`` per space and direction (the prior is unused)."""
        import pymc as pm

        coords = {"space": list(data.spaces), "direction": list(DIRECTIONS)}
        with pm.Model(coords=coords) as model:
            p = pm.Beta("p", 1.0, 1.0, dims=("space", "direction"))
            pm.Binomial("events", n=data.arrays["n"], p=p, observed=data.arrays["k"], dims=("space", "direction"))
        return model

    def forecast(self, posterior: xr.Dataset, data: ModelData, scenarios: ScenarioPaths,
                 horizons: Sequence[int], rng: np.random.Generator, *,
                 deltas: Sequence[float] = ()) -> ForecastBundle:
        """``1 - (1 - p)^H`` per draw, space and direction, identical across scenarios."""
        p = posterior["p"].stack(sample=("chain", "draw")).transpose("sample", "space", "direction").values
        h = np.asarray(horizons, dtype=float)
        n_q = len(scenarios.names)
        probs = {}
        for j, d in enumerate(DIRECTIONS):
            one = 1.0 - (1.0 - p[:, :, j, None]) ** h  # (sample, space, horizon)
            probs[d] = np.broadcast_to(one[:, None], (one.shape[0], n_q, *one.shape[1:]))
        ev = event_draws(probs, posterior.sizes["chain"], posterior.sizes["draw"], scenarios.names,
                         data.spaces, horizons)
        return ForecastBundle(model=self.name, outputs=self.outputs, events=ev)

    def posterior_predictive(self, posterior: xr.Dataset, data: ModelData,
                             rng: np.random.Generator) -> xr.Dataset:
        """The per-draw base rate beside the observed share (space, direction)."""
        share = data.arrays["k"] / np.maximum(data.arrays["n"], 1)
        return xr.Dataset({"share": posterior["p"],
                           "observed_share": (("space", "direction"), share)})

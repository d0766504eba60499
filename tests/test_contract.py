"""The forecast-model contract: what a bundle may hold and how bundles merge into a run's forecast."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from analogcast.models.contract import (
    EVENT_DIMS,
    ForecastBundle,
    ModelOutputs,
    TableSpec,
    event_draws,
)
from analogcast.scenarios.engine import merge_bundles

SCEN, SPACES, HZ = ["a", "b"], ["women", "economic"], [2, 5]


def _events(seed: int) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    probs = {d: rng.random((6, 2, 2, 2)) for d in ("opening", "closing")}  # (sample, q, s, h)
    return event_draws(probs, 2, 3, SCEN, SPACES, HZ)


def test_event_draws_keeps_samples_in_chain_draw_order() -> None:
    probs = {"opening": np.arange(6.0)[:, None, None, None] * np.ones((6, 1, 1, 1)),
             "closing": -np.arange(6.0)[:, None, None, None] * np.ones((6, 1, 1, 1))}
    da = event_draws(probs, 2, 3, ["a"], ["women"], [2])
    assert da.dims == EVENT_DIMS
    # sample k is (chain k // 3, draw k % 3), as posterior.stack(sample=("chain", "draw")) orders them
    assert da.sel(direction="opening").values.ravel().tolist() == [0, 1, 2, 3, 4, 5]
    assert da.sel(direction="closing", chain=1, draw=2).item() == -5


def test_bundle_refuses_what_the_model_did_not_declare() -> None:
    out = ModelOutputs(events=True, event_tag="x", extras=("index",))
    with pytest.raises(ValueError, match="not declared"):
        ForecastBundle("m", out, _events(0), xr.Dataset({"p_rise": ("space", [0.1, 0.2])}))
    with pytest.raises(ValueError, match="declared True"):
        ForecastBundle("m", out, None)
    with pytest.raises(ValueError, match="dims"):
        ForecastBundle("m", out, _events(0).isel(horizon=0, drop=True))
    with pytest.raises(ValueError, match="directions"):
        ForecastBundle("m", out, _events(0).isel(direction=[1, 0]))


def test_merge_leads_with_the_first_event_model_and_tags_the_others() -> None:
    lead = ForecastBundle("first", ModelOutputs(events=True), _events(1))
    paths = ForecastBundle("second", ModelOutputs(events=True, event_tag="two", extras=("index_origin",)),
                           _events(2), xr.Dataset({"index_origin": ("space", [0.3, 0.4])},
                                                  coords={"space": SPACES}))
    untagged = ForecastBundle("third", ModelOutputs(events=True), _events(3))
    fc = merge_bundles([lead, paths, untagged])
    assert set(fc.data_vars) == {"p_opening", "p_closing", "p_opening_two", "p_closing_two",
                                 "p_opening_third", "p_closing_third", "index_origin"}
    np.testing.assert_array_equal(fc["p_closing"].values, _events(1).sel(direction="closing").values)
    np.testing.assert_array_equal(fc["p_opening_two"].values, _events(2).sel(direction="opening").values)
    # a tagged model that leads gives both names
    alone = merge_bundles([paths])
    np.testing.assert_array_equal(alone["p_opening"].values, alone["p_opening_two"].values)


def test_table_spec_needs_every_variable() -> None:
    spec = TableSpec("wbl.csv", "wbl", ("wbl", "p_wbl_rise"))
    assert not spec.available(xr.Dataset({"wbl": ("year", [1.0])}))
    assert spec.available(xr.Dataset({"wbl": ("year", [1.0]), "p_wbl_rise": ("year", [0.5])}))

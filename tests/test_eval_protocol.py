"""Strict protocol: nothing observed after the origin reaches a fit (covariates or labels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analogcast.data import BAROMETER_SPACES, load_events, load_panel
from analogcast.errors import UserInputError
from analogcast.evaluation.features import make_features, space_index_frame
from analogcast.evaluation.protocol import origin_set, recode_cut, truth_labels

ORIGIN = 2010


@pytest.fixture(scope="module")
def panel() -> xr.Dataset:
    return load_panel()


@pytest.fixture(scope="module")
def events() -> xr.Dataset:
    return load_events()


def _perturb_after(ds: xr.Dataset, origin: int, seed: int = 7) -> xr.Dataset:
    """Replace every value after ``origin`` (every variable, every country) with noise."""
    rng = np.random.default_rng(seed)
    out = ds.copy(deep=True)
    later = out["year"] > origin
    for name, da in out.data_vars.items():
        if "year" not in da.dims or not np.issubdtype(da.dtype, np.floating):
            continue
        noise = xr.DataArray(rng.random(da.shape), dims=da.dims, coords=da.coords)
        out[name] = da.where(~later, noise)
    return out


def _frames_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert a.index.equals(b.index)
    assert list(a.columns) == list(b.columns)
    np.testing.assert_array_equal(a.to_numpy(dtype=float), b.to_numpy(dtype=float))


@pytest.mark.parametrize("space", ["electoral", "women"])
def test_strict_ignores_everything_after_origin(
    panel: xr.Dataset, events: xr.Dataset, space: str
) -> None:
    noisy_panel = _perturb_after(panel, ORIGIN)
    # the labels of the events file are derived from future years too: scramble all of them
    noisy_events = _perturb_after(events, ORIGIN - 10).copy()
    for v in ("up_next2", "down_next2", "opening", "closing"):
        noisy_events[v] = 1.0 - events[v].fillna(0.0)
    clean = origin_set(panel, events, make_features(panel), origin=ORIGIN, space=space)
    noisy = origin_set(
        noisy_panel, noisy_events, make_features(noisy_panel), origin=ORIGIN, space=space
    )
    # the panel really changed after the origin, and training did see data up to the origin
    assert not np.allclose(
        panel["v2x_veracc_osp"].sel(year=ORIGIN + 1).fillna(0),
        noisy_panel["v2x_veracc_osp"].sel(year=ORIGIN + 1).fillna(0),
    )
    years = clean.train.index.get_level_values("year")
    assert years.max() == ORIGIN - 3
    # training rows (features and labels) and the forecast rows' features: byte-identical
    _frames_identical(clean.train, noisy.train)
    feats = list(clean.features)
    _frames_identical(clean.test[feats], noisy.test[feats])
    assert (clean.test.index.get_level_values("year") == ORIGIN).all()


def test_barometer_protocol_sees_one_year_past_origin(
    panel: xr.Dataset, events: xr.Dataset
) -> None:
    bar = origin_set(
        panel, events, make_features(panel), origin=ORIGIN, space="electoral", protocol="barometer"
    )
    assert bar.train.index.get_level_values("year").max() == ORIGIN - 1
    noisy = _perturb_after(panel, ORIGIN)
    noisy_events = events.copy()
    noisy_events["up_next2"] = 1.0 - events["up_next2"].fillna(0.0)
    changed = origin_set(
        noisy,
        noisy_events,
        make_features(noisy),
        origin=ORIGIN,
        space="electoral",
        protocol="barometer",
    )
    # its labels come from the shipped (future-informed) events: flipping them changes training
    assert not np.array_equal(
        bar.train["y_opening"].to_numpy(), changed.train["y_opening"].to_numpy()
    )


@pytest.mark.parametrize("space", BAROMETER_SPACES)
def test_strict_labels_equal_shipped_where_both_defined(
    panel: xr.Dataset, events: xr.Dataset, space: str
) -> None:
    cut = recode_cut(panel, space, ORIGIN)
    ship = truth_labels(events, space)
    ship = ship.rename(columns=lambda c: f"{c}_ship")
    j = cut[["y_opening", "y_closing"]].join(ship, how="inner")
    # rows whose index is observed in r - 2 .. r + 3 (away from series starts and ends, where
    # the Barometer pads differently)
    x = space_index_frame(panel, space)
    full = x.notna() & x.shift(1, axis=1).notna() & x.shift(2, axis=1).notna()
    for k in (1, 2, 3):
        full &= x.shift(-k, axis=1).notna()
    j = j[full.stack().reindex(j.index, fill_value=False).to_numpy()]
    j = j[j.index.get_level_values("year") <= ORIGIN - 3]
    for d in ("opening", "closing"):
        both = j[f"y_{d}"].notna() & j[f"y_{d}_ship"].notna()
        assert both.sum() > 5000
        assert (j.loc[both, f"y_{d}"] == j.loc[both, f"y_{d}_ship"]).all()


def test_bad_inputs(panel: xr.Dataset, events: xr.Dataset) -> None:
    feats = make_features(panel)
    with pytest.raises(UserInputError, match="protocol"):
        origin_set(panel, events, feats, origin=ORIGIN, space="electoral", protocol="strikt")  # type: ignore[arg-type]
    with pytest.raises(UserInputError, match="Did you mean 'electoral'"):
        origin_set(panel, events, feats, origin=ORIGIN, space="electorl")
    with pytest.raises(UserInputError, match="outside"):
        origin_set(panel, events, feats, origin=1969, space="electoral")

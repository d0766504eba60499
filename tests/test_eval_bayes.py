"""The backtest's hierarchical logit: design uses training rows only; seeded fits reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.data import load_events, load_panel
from analogcast.evaluation import bayes
from analogcast.evaluation.baselines import climatology
from analogcast.evaluation.features import make_features
from analogcast.evaluation.protocol import OriginSet, origin_set
from analogcast.evaluation.scores import log_loss


@pytest.fixture(scope="module")
def data() -> OriginSet:
    panel = load_panel()
    return origin_set(panel, load_events(), make_features(panel), origin=2012, space="women")


def test_design_scales_on_training_rows_only(data: OriginSet) -> None:
    d = bayes.design(data, "opening")
    # standardised on training rows: mean 0 over training rows for non-indicator columns
    cont = [i for i, c in enumerate(d.columns) if not c.startswith("miss_")]
    assert np.allclose(d.x[:, cont].mean(axis=0), 0.0, atol=1e-8)
    # the forecast rows' values never move the training design
    shifted = OriginSet(
        origin=data.origin,
        space=data.space,
        protocol=data.protocol,
        train=data.train,
        test=data.test.assign(**{c: data.test[c] * 3 + 1 for c in data.features if c != "region"}),
        features=data.features,
        meta=data.meta,
    )
    np.testing.assert_array_equal(bayes.design(shifted, "opening").x, d.x)
    assert d.x.shape[1] == d.x_test.shape[1] == len(d.columns)
    assert d.n_country == 172 and (d.country_test >= 0).all()


@pytest.mark.slow
def test_seeded_fit_reproduces_and_beats_climatology(data: OriginSet) -> None:
    p1, info = bayes.fit_predict(data, "opening", seed=11)
    p2, _ = bayes.fit_predict(data, "opening", seed=11)
    np.testing.assert_array_equal(p1, p2)
    assert ((p1 > 0) & (p1 < 1)).all()
    y = data.test["y_opening"].to_numpy(float)
    ok = ~np.isnan(y)
    assert log_loss(y[ok], p1[ok]) < log_loss(y[ok], climatology(data, "opening")[ok])
    assert info["divergences"] <= 5

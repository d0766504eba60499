"""LOCO analogy-prior backcasts: quadrature and strictness of the recoded events."""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.data import load_panel
from analogcast.evaluation.loco import cut_events, predictive_two_year


class _Normal:
    def __init__(self, mean: float, sd: float) -> None:
        self.m, self.s = mean, sd

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        return -0.5 * ((x - self.m) / self.s) ** 2


def test_predictive_two_year_quadrature() -> None:
    theta = np.log(0.1 / 0.9)
    # a near-point prior: 1 - 0.9^2
    assert predictive_two_year(_Normal(theta, 0.02), 0, 0) == pytest.approx(0.19, abs=1e-3)
    # data pull the forecast: 5 events in 10 years against a vague prior
    assert predictive_two_year(_Normal(theta, 3.0), 5, 10) > 0.6
    assert predictive_two_year(_Normal(theta, 3.0), 0, 10) < 0.19


def test_cut_events_use_nothing_after_origin() -> None:
    panel = load_panel()
    cut = cut_events(panel, 2008)
    assert int(cut["year"].max()) == 2008
    noisy = panel.copy(deep=True)
    for v in ("v2x_gencl", "v2xcs_ccsi"):
        noisy[v] = panel[v].where(panel["year"] <= 2008, 0.5)
    again = cut_events(noisy, 2008)
    for v in ("opening", "closing"):
        np.testing.assert_array_equal(cut[v].values, again[v].values)
    # year t itself is uncodable unless a backward rule fires: never a 0 there
    last = cut["opening"].sel(year=2008).values
    assert not (last == 0).any()

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


def test_new_regime_loco_cases_and_bootstrap() -> None:
    """Cases follow the stated rule; forecasts are probabilities; the summary's bootstrap brackets a
    known difference (synthetic rows)."""
    import pandas as pd

    from analogcast.evaluation.loco import new_regime_changes, new_regime_loco, new_regime_summary

    panel = load_panel()
    changes = [c for c in new_regime_changes(panel) if c.country == "AFG"]
    assert [(c.year, c.before, c.after) for c in changes] == [(2004, 0, 1), (2022, 1, 0)]
    assert changes[0].until == 2021
    rows = new_regime_loco(panel, changes=changes[:1])
    assert set(rows["origin"]) == {2004, 2005, 2006, 2007, 2008}
    assert set(rows["years_since"]) == {0, 1, 2, 3, 4}
    assert rows.loc[rows["origin"] == 2004, "own_years"].max() == 0  # no own record yet
    assert rows.loc[rows["origin"] == 2008, "own_years"].max() == 4
    for k in ("none", "similar", "own", "both"):
        p = rows[f"p_{k}"]
        assert ((p > 0) & (p < 1)).all(), k
    # synthetic rows: 'own' is exactly better on half the countries and equal on the rest
    rng = np.random.default_rng(1)
    n = 4000
    fake = pd.DataFrame({
        "country": rng.integers(0, 80, n).astype(str), "origin": np.arange(n),
        "y": (rng.random(n) < 0.3).astype(float), "p_none": np.full(n, 0.3),
    })
    fake["p_own"] = np.where(fake["y"] == 1, 0.35, 0.25)
    fake["p_similar"] = fake["p_none"]
    fake["p_both"] = np.nan
    s = new_regime_summary(fake, n_boot=500).set_index("method")
    assert "both" not in s.index
    assert s.loc["similar", "diff"] == pytest.approx(0.0, abs=1e-12)
    assert s.loc["own", "diff_upper"] < 0 < -s.loc["own", "diff_lower"]
    assert s.loc["own", "diff_lower"] < s.loc["own", "diff"] < s.loc["own", "diff_upper"]

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


def _kept_meta(diffs_later: list[tuple[float, float, float]]) -> dict:
    def row(method: str, d: tuple[float, float, float]) -> dict:
        return {"method": method, "diff": d[0], "diff_lower": d[1], "diff_upper": d[2]}

    by = {"0": [row("similar", (-0.002, -0.006, 0.003)), row("own", (-0.010, -0.016, -0.005))]}
    for k, d in enumerate(diffs_later, start=1):
        by[str(k)] = [row("similar", d), row("own", d)]
    return {"data_sha256": "a" * 64, "n_changes": 447, "by_years_since_change": by}


def test_new_regime_sentence_quotes_the_kept_numbers(tmp_path, monkeypatch) -> None:
    import json

    from analogcast.evaluation import kept
    from analogcast.evaluation.loco import kept_new_regime_sentences

    monkeypatch.setattr(kept, "kept_file", lambda name: tmp_path / name)
    (tmp_path / "loco_new_regime.json").write_text(json.dumps(_kept_meta([(0.034, 0.029, 0.040), (0.017, 0.010, 0.024)])))
    text = " ".join(kept_new_regime_sentences("a" * 64))
    assert "447 regime changes" in text
    assert "the regime's own earlier spells -0.010 (90% interval -0.016 to -0.005)" in text
    assert "did worse than none (by +0.017 to +0.034" in text
    assert "not this forecast's full model" in text
    # an interval that includes 0 one year after: no claim that every prior did worse
    (tmp_path / "loco_new_regime.json").write_text(json.dumps(_kept_meta([(0.034, 0.029, 0.040), (0.004, -0.002, 0.010)])))
    text = " ".join(kept_new_regime_sentences("a" * 64))
    assert "did worse" not in text and "ranged from +0.004 to +0.034" in text
    # computed on other data: the report says so instead of quoting stale numbers
    text = " ".join(kept_new_regime_sentences("b" * 64))
    assert "other data" in text and "make loco" in text and "0.034" not in text


def test_kept_new_regime_check_is_of_the_shipped_data() -> None:
    """The report quotes the kept check only for its data hash: a data change without `make loco`
    fails here, not silently in the report."""
    from analogcast.data import data_sha256
    from analogcast.evaluation.loco import kept_new_regime_sentences

    text = " ".join(kept_new_regime_sentences(data_sha256()))
    assert "regime changes" in text and "other data" not in text and "missing" not in text

"""Our score implementations against scikit-learn's, on synthetic forecasts with ties."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from analogcast.evaluation import scores


@pytest.fixture(scope="module")
def yp() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20261126)
    p = np.round(rng.beta(0.6, 4.0, size=2000), 2)  # rounding makes many ties
    p[:5] = [0.0, 1.0, 0.0, 1.0, 0.5]  # extremes exercise the clip
    y = (rng.random(p.size) < p).astype(float)
    y[:4] = [1, 0, 0, 1]
    return y, p


def test_log_loss_and_brier_match_sklearn(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    pc = np.clip(p, 1e-6, 1 - 1e-6)
    assert scores.log_loss(y, p) == pytest.approx(metrics.log_loss(y, pc), rel=1e-12)
    assert scores.brier(y, p) == pytest.approx(metrics.brier_score_loss(y, p), rel=1e-12)


def test_roc_and_pr_auc_match_sklearn(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    assert scores.roc_auc(y, p) == pytest.approx(metrics.roc_auc_score(y, p), rel=1e-12)
    assert scores.pr_auc(y, p) == pytest.approx(metrics.average_precision_score(y, p), rel=1e-12)


def test_ece_equal_count_bins(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    order = np.argsort(p, kind="mergesort")
    expect = sum(
        b.size / y.size * abs(y[b].mean() - p[b].mean()) for b in np.array_split(order, 10)
    )
    assert scores.expected_calibration_error(y, p) == pytest.approx(expect, rel=1e-12)
    perfect = np.repeat([0.1, 0.3], 500)
    y_perfect = np.concatenate(
        [np.r_[np.ones(50), np.zeros(450)], np.r_[np.ones(150), np.zeros(350)]]
    )
    assert scores.expected_calibration_error(y_perfect, perfect, n_bins=2) == pytest.approx(0.0)


def test_degenerate_inputs() -> None:
    assert np.isnan(scores.roc_auc([0, 0], [0.1, 0.2]))
    assert np.isnan(scores.pr_auc([0, 0], [0.1, 0.2]))
    with pytest.raises(ValueError, match="NaN"):
        scores.log_loss([0, np.nan], [0.1, 0.2])
    with pytest.raises(ValueError, match="0 or 1"):
        scores.brier([0, 2], [0.1, 0.2])

"""The scores against values computed independently of scikit-learn (which the module wraps):
direct formulas, brute-force pair counting, the average-precision definition, hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.evaluation import scores


@pytest.fixture(scope="module")
def yp() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20261126)
    p = np.round(rng.beta(0.6, 4.0, size=2000), 2)  # rounding makes many ties
    p[:5] = [0.0, 1.0, 0.0, 1.0, 0.5]  # extremes exercise the clip
    y = (rng.random(p.size) < p).astype(float)
    y[:4] = [1, 0, 0, 1]
    return y, p


def test_log_loss_and_brier_from_their_formulas(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    pc = np.clip(p, 1e-6, 1 - 1e-6)
    expect = -np.mean([np.log(q) if t == 1 else np.log(1 - q) for t, q in zip(y, pc, strict=True)])
    assert scores.log_loss(y, p) == pytest.approx(expect, rel=1e-12)
    assert scores.brier(y, p) == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)
    # a confident miss costs -log(1e-6), not infinity; without the clip it would be inf
    assert scores.log_loss([1], [0.0]) == pytest.approx(-np.log(1e-6), rel=1e-12)
    assert scores.log_loss([0, 0], [0.1, 0.2]) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-12)
    assert scores.brier([0, 1], [0.25, 0.5]) == pytest.approx((0.0625 + 0.25) / 2)


def _auc_by_pairs(y: np.ndarray, p: np.ndarray) -> float:
    """P(event outranks non-event) by counting every pair, ties count half."""
    pos, neg = p[y == 1], p[y == 0]
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def _average_precision(y: np.ndarray, p: np.ndarray) -> float:
    """Sum over distinct thresholds t, high to low, of (recall(t) - previous recall) * precision(t)."""
    total, prev_recall = 0.0, 0.0
    for t in sorted(set(p.tolist()), reverse=True):
        flagged = p >= t
        tp = float(y[flagged].sum())
        recall = tp / y.sum()
        total += (recall - prev_recall) * tp / flagged.sum()
        prev_recall = recall
    return total


def test_roc_and_pr_auc_from_their_definitions(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    assert scores.roc_auc(y, p) == pytest.approx(_auc_by_pairs(y, p), rel=1e-12)
    assert scores.pr_auc(y, p) == pytest.approx(_average_precision(y, p), rel=1e-12)
    # hand-worked: events at 0.8 and 0.4, non-events at 0.6 and 0.4 -> pairs win 1 + 1 + 0 + 0.5
    assert scores.roc_auc([1, 1, 0, 0], [0.8, 0.4, 0.6, 0.4]) == pytest.approx(2.5 / 4)
    # thresholds 0.8 (P 1, R 1/2), 0.6 (P 1/2, R 1/2), 0.4 (P 2/4, R 1) -> 1/2 * 1 + 1/2 * 1/2
    assert scores.pr_auc([1, 1, 0, 0], [0.8, 0.4, 0.6, 0.4]) == pytest.approx(0.75)
    assert scores.roc_auc([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2]) == 1.0
    assert scores.roc_auc([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2]) == 0.0


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

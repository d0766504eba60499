"""Proper scores and discrimination measures for binary event forecasts.

All functions take observed outcomes ``y`` (0/1) and forecast probabilities ``p`` of the same
length and return a float. Definitions (proper scores: Gneiting and Raftery 2007, JASA 102(477)):

- log-loss ``-mean(y log p + (1 - y) log(1 - p))`` with ``p`` clipped to ``[1e-6, 1 - 1e-6]``;
- Brier score ``mean((p - y)^2)`` (Brier 1950, Monthly Weather Review 78(1));
- ROC-AUC (probability that a random event outranks a random non-event, ties counting half);
- PR-AUC as average precision (step-wise area, ties in ``p`` form one threshold);
- expected calibration error over 10 equal-count bins of the sorted forecasts (Naeini et al.
  2015, AAAI), which scikit-learn does not provide;
- the Monte Carlo SE of the log-loss of a posterior-mean forecast (:func:`log_loss_mcse`).

Log-loss, Brier, ROC-AUC and average precision are scikit-learn's (``sklearn.metrics``); this
module adds the input checks, the clipping and ``nan`` for undefined cases (no rows, one class).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn import metrics

__all__ = [
    "CLIP",
    "log_loss",
    "brier",
    "roc_auc",
    "pr_auc",
    "expected_calibration_error",
    "reliability_table",
    "score_all",
    "SCORE_COLUMNS",
    "log_loss_mcse",
]

CLIP = 1e-6
SCORE_COLUMNS = ("n", "n_events", "pos_rate", "log_loss", "brier", "roc_auc", "pr_auc", "ece")


def _check(y: ArrayLike, p: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    ya = np.asarray(y, dtype=float).ravel()
    pa = np.asarray(p, dtype=float).ravel()
    if ya.shape != pa.shape:
        raise ValueError(f"y and p differ in length: {ya.size} vs {pa.size}")
    if np.isnan(ya).any() or np.isnan(pa).any():
        raise ValueError("y and p must not contain NaN; drop unscored rows first")
    if not np.isin(ya, (0.0, 1.0)).all():
        raise ValueError("y must be 0 or 1")
    if ((pa < 0) | (pa > 1)).any():
        raise ValueError("p must lie in [0, 1]")
    return ya, pa


def log_loss(y: ArrayLike, p: ArrayLike, clip: float = CLIP) -> float:
    """Mean negative log-likelihood of Bernoulli outcomes.

    Parameters
    ----------
    y
        Outcomes, 0 or 1.
    p
        Forecast probabilities of ``y = 1``.
    clip
        ``p`` is clipped to ``[clip, 1 - clip]`` so that a confident miss costs a finite amount.

    Returns
    -------
    float
        The log-loss in nats; ``nan`` for no rows.
    """
    ya, pa = _check(y, p)
    if ya.size == 0:
        return float("nan")
    return float(metrics.log_loss(ya, np.clip(pa, clip, 1.0 - clip), labels=[0.0, 1.0]))


def brier(y: ArrayLike, p: ArrayLike) -> float:
    """Brier score ``mean((p - y)^2)``; ``nan`` for no rows."""
    ya, pa = _check(y, p)
    if ya.size == 0:
        return float("nan")
    return float(metrics.brier_score_loss(ya, pa, labels=[0.0, 1.0]))


def roc_auc(y: ArrayLike, p: ArrayLike) -> float:
    """Area under the ROC curve (probability a random event outranks a non-event, ties half).

    Returns ``nan`` when only one class is present.
    """
    ya, pa = _check(y, p)
    if ya.size == 0 or ya.min() == ya.max():
        return float("nan")
    return float(metrics.roc_auc_score(ya, pa))


def pr_auc(y: ArrayLike, p: ArrayLike) -> float:
    """Average precision: ``sum_k (R_k - R_{k-1}) P_k`` over distinct thresholds, high to low.

    Returns ``nan`` when there are no events.
    """
    ya, pa = _check(y, p)
    if ya.sum() == 0:
        return float("nan")
    return float(metrics.average_precision_score(ya, pa))


def _equal_count_bins(p: NDArray[np.float64], n_bins: int) -> list[NDArray[np.intp]]:
    order = np.argsort(p, kind="mergesort")
    return [b for b in np.array_split(order, n_bins) if b.size]


def expected_calibration_error(y: ArrayLike, p: ArrayLike, n_bins: int = 10) -> float:
    """ECE over ``n_bins`` equal-count bins: ``sum_k (n_k / n) |mean(y)_k - mean(p)_k|``.

    Rows are sorted by ``p`` (stable sort) and split into ``n_bins`` consecutive groups whose sizes
    differ by at most one (``numpy.array_split``). Returns ``nan`` for no rows.
    """
    ya, pa = _check(y, p)
    if ya.size == 0:
        return float("nan")
    total = 0.0
    for b in _equal_count_bins(pa, n_bins):
        total += b.size / ya.size * abs(ya[b].mean() - pa[b].mean())
    return float(total)


def reliability_table(y: ArrayLike, p: ArrayLike, n_bins: int = 10) -> pd.DataFrame:
    """Per equal-count bin: ``n``, ``p_mean`` (mean forecast), ``y_mean`` (observed frequency)."""
    ya, pa = _check(y, p)
    rows = [
        {"bin": k, "n": b.size, "p_mean": pa[b].mean(), "y_mean": ya[b].mean()}
        for k, b in enumerate(_equal_count_bins(pa, n_bins))
    ]
    return pd.DataFrame(rows, columns=["bin", "n", "p_mean", "y_mean"])


def score_all(y: ArrayLike, p: ArrayLike, n_bins: int = 10) -> dict[str, float]:
    """Every score of this module for one set of forecasts, keyed as :data:`SCORE_COLUMNS`."""
    ya, pa = _check(y, p)
    return {
        "n": float(ya.size),
        "n_events": float(ya.sum()),
        "pos_rate": float(ya.mean()) if ya.size else float("nan"),
        "log_loss": log_loss(ya, pa),
        "brier": brier(ya, pa),
        "roc_auc": roc_auc(ya, pa),
        "pr_auc": pr_auc(ya, pa),
        "ece": expected_calibration_error(ya, pa, n_bins),
    }


def score_frame(
    df: pd.DataFrame,
    *,
    by: Sequence[str],
    y: str = "y",
    p: str = "p",
    n_bins: int = 10,
) -> pd.DataFrame:
    """Score the rows of ``df`` grouped by ``by`` (rows with a missing ``y`` are skipped).

    Returns one row per group with the columns of ``by`` followed by :data:`SCORE_COLUMNS`.
    """
    scored = df.dropna(subset=[y])
    out = []
    for key, g in scored.groupby(list(by), sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        out.append({**dict(zip(by, key, strict=True)), **score_all(g[y], g[p], n_bins)})
    res = pd.DataFrame(out, columns=[*by, *SCORE_COLUMNS])
    res["n"] = res["n"].astype(int)
    res["n_events"] = res["n_events"].astype(int)
    return res


def log_loss_mcse(y: ArrayLike, p_draws: ArrayLike, chains: int = 1) -> tuple[float, float, float]:
    """Log-loss of the posterior-mean forecast and its Monte Carlo SE by the delta method.

    Parameters
    ----------
    y
        ``(row,)`` outcomes, 0/1.
    p_draws
        ``(row, sample)`` each posterior draw's forecast probability, samples chain-major.
    chains
        Number of chains the samples come from (equal lengths); ``1`` if they do not divide.

    Returns
    -------
    (log_loss, mcse, ess)
        The log-loss of ``p_draws.mean(axis=1)`` (:func:`log_loss`, clipped as there); its
        Monte Carlo SE: the log-loss linearised at the mean forecast is the mean over draws of
        ``g_s = sum_i dLL/dp_i * p_i^(s)``, whose SE is ``sd(g) / sqrt(ESS(g))`` (arviz-stats'
        ESS of the mean over chains and draws); and that ESS. Rows whose mean forecast is
        clipped (an infeasible event, probability 0) have no derivative.
    """
    import xarray as xr
    from arviz_stats import ess

    yy = np.asarray(y, dtype=float)
    P = np.asarray(p_draws, dtype=float)
    if P.ndim != 2 or P.shape[0] != yy.size:
        raise ValueError(f"p_draws must be (row, sample) with {yy.size} rows, got shape {P.shape}")
    pbar = P.mean(axis=1)
    ll = log_loss(yy, pbar)
    inside = (pbar > CLIP) & (pbar < 1.0 - CLIP)
    pc = np.clip(pbar, CLIP, 1.0 - CLIP)
    w = np.where(inside, -(yy / pc - (1.0 - yy) / (1.0 - pc)), 0.0) / yy.size
    g = w @ P
    n_chains = int(chains) if chains >= 1 and g.size % int(chains) == 0 else 1
    da = xr.DataArray(g.reshape(n_chains, -1), dims=("chain", "draw"))
    e = float(ess(da.to_dataset(name="g"), method="mean")["g"])
    sd = float(np.std(g, ddof=1)) if g.size > 1 else float("nan")
    return float(ll), sd / np.sqrt(e) if e > 0 else float("nan"), e

"""Reference forecasters every backtest runs beside the Bayesian model, on the same rows.

Each takes an :class:`~analogcast.evaluation.protocol.OriginSet` and a direction and returns the
probability of an event in ``t + 1 .. t + 2`` for each forecast row (``set.test`` order). They see
exactly the training rows the protocol allows, nothing else.

- ``climatology``: the base rate to date, the mean training label (add-half smoothed).
- ``persistence``: P(event | the country's previous two-year window had an event, or not),
  estimated on the training rows (add-one smoothed); the previous window of row ``r`` is the label
  of row ``r - 3`` (``prev_<direction>``), known at ``r``.
- ``gbm``: scikit-learn's ``HistGradientBoostingClassifier`` on every feature of the set
  (missing values handled natively), fixed hyper-parameters, no early stopping, seeded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from analogcast.evaluation.protocol import OriginSet

__all__ = ["climatology", "persistence", "gbm", "BASELINES", "train_xy"]


def train_xy(data: OriginSet, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix and labels of the training rows with a usable ``direction`` label."""
    y = data.train[f"y_{direction}"]
    ok = y.notna().to_numpy()
    x = data.train.loc[ok, list(data.features)].to_numpy(dtype=float)
    return x, y.to_numpy(dtype=float)[ok]


def climatology(data: OriginSet, direction: str, seed: int = 0) -> np.ndarray:
    """Base rate of ``direction`` events over the training rows, for every forecast row."""
    _, y = train_xy(data, direction)
    rate = (y.sum() + 0.5) / (y.size + 1.0)
    return np.full(len(data.test), rate)


def persistence(data: OriginSet, direction: str, seed: int = 0) -> np.ndarray:
    """Event rate conditional on the previous two-year window (event / none / unknown)."""
    y = data.train[f"y_{direction}"]
    ok = y.notna()
    prev_train = data.train.loc[ok, f"prev_{direction}"].to_numpy(dtype=float)
    yv = y[ok].to_numpy(dtype=float)
    base = (yv.sum() + 0.5) / (yv.size + 1.0)
    prev_test = data.test[f"prev_{direction}"].to_numpy(dtype=float)
    out = np.full(prev_test.size, base)
    for level in (0.0, 1.0):
        sel = prev_train == level
        rate = (yv[sel].sum() + base) / (sel.sum() + 1.0)
        out[prev_test == level] = rate
    return out


def gbm(data: OriginSet, direction: str, seed: int = 0) -> np.ndarray:
    """Gradient-boosted trees (scikit-learn) on the set's features."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    x, y = train_xy(data, direction)
    if y.min() == y.max():  # one class only: nothing to learn
        return np.full(len(data.test), (y.sum() + 0.5) / (y.size + 1.0))
    clf = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=300,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=int(seed % (2**32 - 1)),
    )
    xt = data.test[list(data.features)].to_numpy(dtype=float)
    # one thread: tasks are the unit of parallelism (and OpenMP spin-waits on a busy machine)
    with threadpool_limits(limits=1):
        clf.fit(x, y)
        return clf.predict_proba(xt)[:, 1]


BASELINES: dict[str, Callable[[OriginSet, str, int], np.ndarray]] = {
    "climatology": climatology,
    "persistence": persistence,
    "gbm": gbm,
}

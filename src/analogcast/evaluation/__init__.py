"""Backtests and forecast skill: scores, strict/barometer protocols, baselines, Dask execution.

Stage ``evaluation`` (after ``runs``; may import data, priors, models, fitting, scenarios, runs).
Importing this package is cheap: scikit-learn, PyMC and Dask load only when used.

Public API
----------
``run_backtest(config) -> BacktestResult``
    Rolling-origin backtest (``BacktestConfig``: origins, spaces, protocol ``"strict"`` or
    ``"barometer"``, models, workers, scheduler, seed); ``write_backtest(result, out_dir)`` writes
    ``forecasts.csv`` (the Barometer's format), ``scores.csv`` and reliability plots.
``training_set(panel, events, origin, space, protocol) / test_set(...)``
    The rows a fit for one origin may see, and the rows it forecasts (``protocol.py``).
``log_loss, brier, roc_auc, pr_auc, expected_calibration_error, score_all, score_frame``
    Our own score implementations (``scores.py``).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "log_loss": "analogcast.evaluation.scores",
    "brier": "analogcast.evaluation.scores",
    "roc_auc": "analogcast.evaluation.scores",
    "pr_auc": "analogcast.evaluation.scores",
    "expected_calibration_error": "analogcast.evaluation.scores",
    "score_all": "analogcast.evaluation.scores",
    "score_frame": "analogcast.evaluation.scores",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analogcast.evaluation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

"""Backtests and forecast skill: scores, strict/barometer protocols, baselines, Dask execution.

Stage ``evaluation`` (after ``runs``; may import data, priors, models, fitting, scenarios, runs).
Importing this package is cheap: scikit-learn, PyMC and Dask load only when used.

Public API
----------
``BacktestConfig(origins, spaces, protocol, models, method, workers, scheduler, seed)``
    What to backtest and how to run it (``engine.py``); ``run_backtest(config) -> BacktestResult``
    runs ``(origin, space)`` tasks serially (``workers=0``), on a Dask ``LocalCluster`` or on an
    existing scheduler; seeds derive from each task's identity. ``write_backtest(result, dir)``
    writes ``forecasts.csv`` (the Barometer's format), ``scores.csv``, reliability plots
    (``outputs.py``).
``origin_set(panel, events, features, origin=, space=, protocol=) -> OriginSet``
    The rows a fit for one origin may train on and the rows it forecasts, under ``"strict"`` or
    ``"barometer"`` (``protocol.py``); ``make_features(panel)`` (``features.py``).
``climatology, persistence, gbm`` (``baselines.py``); the Bayesian model scored is the registry
    model itself (``analogcast.models.registry.BACKTEST_MODELS``; ``engine.run_model_task``: one joint fit per origin, every
    country forecast); LOCO analogy-prior backcasts ``run_loco()`` (``loco.py``).
``run_aid_checks() -> DataFrame``, ``aid_check_sentences(checks, ident)``
    Checks that the aid terms are not artefacts (lead placebo, sub-period stability,
    leave-one-region-out) with a quick penalised logit on the real panel (``aid_checks.py``).
``log_loss, brier, roc_auc, pr_auc, expected_calibration_error, score_all, score_frame``
    Our own score implementations (``scores.py``).
"""

from __future__ import annotations

from analogcast._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "BacktestConfig": "analogcast.evaluation.engine",
    "BacktestResult": "analogcast.evaluation.engine",
    "run_backtest": "analogcast.evaluation.engine",
    "write_backtest": "analogcast.evaluation.outputs",
    "scores_table": "analogcast.evaluation.outputs",
    "origin_set": "analogcast.evaluation.protocol",
    "OriginSet": "analogcast.evaluation.protocol",
    "make_features": "analogcast.evaluation.features",
    "climatology": "analogcast.evaluation.baselines",
    "persistence": "analogcast.evaluation.baselines",
    "gbm": "analogcast.evaluation.baselines",
    "run_loco": "analogcast.evaluation.loco",
    "run_aid_checks": "analogcast.evaluation.aid_checks",
    "aid_check_sentences": "analogcast.evaluation.aid_checks",
    "log_loss": "analogcast.evaluation.scores",
    "brier": "analogcast.evaluation.scores",
    "roc_auc": "analogcast.evaluation.scores",
    "pr_auc": "analogcast.evaluation.scores",
    "expected_calibration_error": "analogcast.evaluation.scores",
    "score_all": "analogcast.evaluation.scores",
    "score_frame": "analogcast.evaluation.scores",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

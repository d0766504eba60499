"""The report's backtest section says when the scores are not those of the forecasting model."""

from __future__ import annotations

import pandas as pd

from analogcast.reporting import build_report_context


def _scores(model: str) -> pd.DataFrame:
    return pd.DataFrame({"protocol": "strict", "model": [model, "gbm"], "space": "barometer6",
                         "direction": "up", "n": 100, "n_events": 10, "pos_rate": 0.1,
                         "log_loss": [0.3, 0.31], "brier": 0.09, "roc_auc": 0.78, "pr_auc": 0.3,
                         "ece": 0.02})


def _note(run, df: pd.DataFrame) -> str:
    block = build_report_context(run, with_figures=False, backtest=df).backtest
    assert block is not None, "no backtest table in the report context"
    return block.note


def test_scores_of_another_model_carry_a_caution(tiny_run) -> None:
    assert "Caution" in _note(tiny_run, _scores("bayes"))
    assert "event_logit" in _note(tiny_run, _scores("bayes"))


def test_scores_of_the_forecasting_model_need_no_caution(tiny_run) -> None:
    assert "Caution" not in _note(tiny_run, _scores("event_logit"))


def test_a_scored_and_an_unscored_model_are_named_as_such(tiny_paths_run) -> None:
    """A real run with both models and a backtest that scores one of them: the note says whose
    scores these are and which model has none, without the "describe other models" caution."""
    from analogcast.reporting.skill import backtest_table

    run = tiny_paths_run
    assert run.models == ("event_logit", "trajectory")
    note = backtest_table(run, _scores("event_logit")).note
    assert "These are the scores of event_logit" in note
    assert "trajectory is not scored here" in note and "Caution" not in note
    # the backtest has no target: the target's own intercept and its analogy prior are unscored
    assert "with no target" in note and "analogy prior" in note
    note = backtest_table(run, _scores("bayes")).note
    assert "Caution" in note and "event_logit, trajectory" in note
    assert "with no target" not in note  # only said of a scored model of this report

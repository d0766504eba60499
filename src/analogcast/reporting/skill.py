"""The report's backtest-skill table, read from ``analogcast backtest``'s ``scores.csv``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from analogcast.reporting.run_inputs import attr_list
from analogcast.reporting.tables import TableBlock, fmt_any

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.runs.run import Run

__all__ = ["SCORE_COLS", "backtest_frame", "backtest_table"]


SCORE_COLS = ("n", "n_events", "brier", "log_loss", "roc_auc", "pr_auc", "ece")


def backtest_frame(run: Run, backtest: Any = None) -> pd.DataFrame | None:
    """``analogcast backtest``'s ``scores.csv`` as a frame, if available: ``backtest`` (a
    DataFrame, a ``scores.csv`` path or its directory), then ``<run dir>/backtest/scores.csv``."""
    from pathlib import Path

    from analogcast.evaluation.outputs import read_scores

    bt = backtest
    if bt is None and run.path is not None:
        bt = Path(run.path) / "backtest"
    if isinstance(bt, str | Path):
        p = Path(bt)
        p = p / "scores.csv" if p.is_dir() else p
        bt = read_scores(p) if (backtest is not None or p.is_file()) else None
    if not isinstance(bt, pd.DataFrame) or bt.empty:
        return None
    return bt


def backtest_table(run: Run, df: pd.DataFrame | None) -> TableBlock | None:
    """Backtest skill from ``analogcast backtest``'s ``scores.csv`` (pooled rows of ``df``, from
    :func:`backtest_frame`), if available."""
    if df is None:
        return None
    if "space" in df.columns and df["space"].isin(["all7", "barometer6"]).any():
        df = df[df["space"].isin(["all7", "barometer6"])]
    keys = [c for c in ("protocol", "model", "space", "direction") if c in df.columns]
    cols = keys + [c for c in SCORE_COLS if c in df.columns]
    if not cols:
        cols = list(df.columns)
    body = []
    for rec in df.loc[:, cols].to_dict("records"):
        row = []
        for c in cols:
            v = rec[c]
            if c == "direction":
                v = {"up": "openings", "down": "closings"}.get(str(v), v)
            row.append(f"{v:.3f}" if isinstance(v, float) and c not in ("n", "n_events") else fmt_any(v))
        body.append(row)
    note = ("Lower Brier score, log loss and ECE are better; higher ROC-AUC and PR-AUC are better. "
            "Compare the model rows with the climatology and persistence baselines. 'barometer6' "
            "pools the six Barometer spaces, 'all7' adds women's space.")
    run_models = attr_list(run.forecasts, "models")
    scored = {str(m) for m in df["model"]} if "model" in df.columns else set()
    unscored = [m for m in run_models if m not in scored]
    scored_run = [m for m in run_models if m in scored]
    if scored_run:
        note += (" The backtest fits every country alike, with no target: a target's own intercept"
                 " and the analogy prior on it (which carry most of a young regime's forecast) are"
                 " not part of what it scored.")
    if unscored and scored_run:
        note += (" These are the scores of " + ", ".join(scored_run) + ", one of this report's "
                 "models; " + ", ".join(unscored) + " is not scored here, so its numbers in this "
                 "report have no backtest track record.")
    elif unscored and scored:
        note += (" Caution: the model behind this report's forecasts (" + ", ".join(unscored)
                 + ") is not among the scored models (" + ", ".join(sorted(scored)) + "): these"
                 " scores describe other models, not the track record of these forecasts.")
    return TableBlock(
        id="table-backtest",
        caption="Backtest skill: out-of-sample two-year forecasts scored against what happened (analogcast backtest; pooled spaces)",
        header=[c.replace("_", " ") for c in cols],
        rows=body,
        note=note,
    )

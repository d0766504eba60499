"""Forecast skill plots from an ``analogcast backtest`` output directory.

Public through :mod:`analogcast.plots` (``reliability``). The drawing itself is the backtest's
own reliability diagram (:func:`analogcast.evaluation.outputs.reliability_figure`, the one that
writes ``reliability_<model>.png``), so there is one implementation of it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analogcast.errors import UserInputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["reliability", "backtest_forecasts"]


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise UserInputError(f"{what}: {path} does not exist; it is written by `analogcast backtest --out {path.parent}`") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise UserInputError(f"{what}: cannot read {path}: {exc}") from None


def _labels_from_events(outcomes: set[str]) -> pd.DataFrame:
    """The shipped two-year labels (``load_events``' ``up_next2``/``down_next2``) by outcome, year, gwcode."""
    from analogcast.data import SPACES, load_events, load_panel

    space_of = {index: sp for sp, index in SPACES.items()}
    events = load_events()
    gw = dict(zip(map(str, events["country"].values), load_panel()["gwcode"].values, strict=True))
    parts = []
    for outcome in sorted(outcomes):
        sp = space_of.get(outcome)
        if sp is None:
            continue
        df = events.sel(space=sp)[["up_next2", "down_next2"]].to_dataframe().reset_index()
        parts.append(
            pd.DataFrame(
                {
                    "outcome": outcome,
                    "from_year": df["year"].astype(int),
                    "gwcode": df["country"].astype(str).map(gw),
                    "up": df["up_next2"].astype(float),
                    "down": df["down_next2"].astype(float),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["outcome", "from_year", "gwcode", "up", "down"])
    return out.dropna(subset=["gwcode"]).astype({"gwcode": int})


def backtest_forecasts(backtest_dir: str | os.PathLike[str], *, model: str | None = None) -> tuple[pd.DataFrame, str, str]:
    """One model's backtest forecasts with their outcomes, as the backtest engine returns them.

    Reads ``forecasts.csv`` (the primary model) or ``forecasts_<model>.csv`` and the labels from
    ``truth.csv`` when present, else from the shipped events (the same labels the backtest scored).

    Returns
    -------
    (pandas.DataFrame, str, str)
        Columns ``model, space, outcome, origin, gwcode, p_opening, p_closing, y_opening,
        y_closing``; the model name; the protocol.
    """
    from analogcast.data import SPACES

    d = Path(backtest_dir)
    if not d.is_dir():
        raise UserInputError(f"reliability: {d} is not a directory; pass an `analogcast backtest --out` directory")
    info: dict = {}
    if (d / "run.json").exists():
        try:
            info = json.loads((d / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserInputError(f"reliability: cannot read {d / 'run.json'}: {exc}") from None
    cfg = info.get("config", {}) if isinstance(info, dict) else {}
    primary = str(info.get("primary_model") or (cfg.get("models") or ["bayes"])[0])
    name = model or primary
    fname = "forecasts.csv" if name == primary else f"forecasts_{name}.csv"
    fc = _read_csv(d / fname, "reliability")
    need = {"outcome", "from_year", "gwcode", "p_up", "p_down"}
    if not need <= set(fc.columns):
        raise UserInputError(f"reliability: {d / fname} lacks column(s) {', '.join(sorted(need - set(fc.columns)))}")
    truth = _read_csv(d / "truth.csv", "reliability") if (d / "truth.csv").exists() else _labels_from_events(set(fc["outcome"]))
    df = fc.merge(truth, on=["outcome", "from_year", "gwcode"], how="left")
    space_of = {index: sp for sp, index in SPACES.items()}
    out = pd.DataFrame(
        {
            "model": name,
            "space": df["outcome"].map(space_of).fillna(df["outcome"]),
            "outcome": df["outcome"],
            "origin": df["from_year"].astype(int),
            "gwcode": df["gwcode"].astype(int),
            "p_opening": df["p_up"].astype(float),
            "p_closing": df["p_down"].astype(float),
            "y_opening": df["up"].astype(float),
            "y_closing": df["down"].astype(float),
        }
    )
    return out, name, str(cfg.get("protocol", "")) or "unknown"


def reliability(backtest_dir: str | os.PathLike[str], *, model: str | None = None) -> Figure:
    """Reliability diagram of a backtest: observed frequency against mean forecast.

    Ten equal-count bins, openings and closings, the six Barometer spaces pooled (as the
    Barometer reports its accuracy), from an ``analogcast backtest --out`` directory such as the
    shipped ``reports/backtest/strict``.

    Parameters
    ----------
    backtest_dir
        The backtest's output directory (``forecasts.csv``, ``run.json``, optionally ``truth.csv``).
    model
        Which model's forecasts (default: the primary model, ``forecasts.csv``).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (openings, closings), x "mean forecast probability ...", y "observed frequency".

    Raises
    ------
    UserInputError
        Not a directory, or a missing or malformed forecasts file (named).
    """
    from analogcast.evaluation.outputs import reliability_figure

    fc, name, protocol = backtest_forecasts(backtest_dir, model=model)
    if fc["y_opening"].notna().sum() == 0 and fc["y_closing"].notna().sum() == 0:
        raise UserInputError(f"reliability: no forecast in {backtest_dir} has an observed outcome to score")
    return reliability_figure(fc, name, title=f"{name}, {protocol} protocol")

"""Backtest outputs: Barometer-format forecasts, score tables, reliability plots.

Files written by :func:`write_backtest` into the output directory:

``forecasts.csv``
    The primary model's forecasts (the first of ``config.models``; by default the registry's
    ``BACKTEST_MODELS``) in the
    Barometer's format (its ``modelrunner/output/fcasts-rf-*.csv``): ``outcome`` (V-Dem index;
    ``women`` is ``v2x_gencl``), ``from_year``, ``for_years`` (``"2006 - 2007"``), ``gwcode``,
    ``p_up``, ``p_same``, ``p_down``. Openings and closings are modelled separately and are not
    exclusive over two years (a country can open in one year and close in the next), so, as the
    Barometer does, ``p_same = (1 - p_up) * (1 - p_down)``: P(no event in either direction) under
    conditional independence. It lies in [0, 1] and never needs clipping; the three columns need
    not sum to one.
``forecasts_<model>.csv``
    The same for every other model.
``truth.csv``
    The shipped labels of each forecast row (``outcome``, ``from_year``, ``gwcode``, ``up``,
    ``down``; empty = not observable, unscored).
``scores.csv``
    One row per model, space (each space, ``barometer6`` = the six Barometer spaces pooled, as
    its published numbers are, and ``all7``), and direction (``up`` / ``down``):
    ``n``, ``n_events``, ``pos_rate``, ``log_loss``, ``brier``, ``roc_auc``, ``pr_auc``, ``ece``.
``scores_subgroups.csv``
    The same scores on the cases the toolkit exists for (:mod:`analogcast.evaluation.subgroups`):
    rows whose index is within two cutpoints of 0 at the origin, and rows within three years of a
    closing; the six Barometer spaces pooled.
``reliability_<model>.png``
    Observed frequency against mean forecast in 10 equal-count bins, openings and closings,
    the six Barometer spaces pooled.
``tasks.csv``, ``run.json``
    Per-fit wall times, diagnostics and, for the registry model, each fit's delta-method Monte
    Carlo SE of its log-loss (``mcse_<up|down>_<barometer6|all7>``, over ``n_...`` rows); the
    configuration, wall time, number of workers, and the pooled log-loss's Monte Carlo SE
    (``log_loss_mcse``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analogcast._io import atomic_path, atomic_write_text, short_path
from analogcast.errors import UserInputError
from analogcast.evaluation.scores import reliability_table, score_frame

__all__ = [
    "BAROMETER_COLUMNS",
    "BAROMETER_PUBLISHED",
    "barometer_frame",
    "scores_table",
    "reliability_figure",
    "write_backtest",
    "read_scores",
    "SCORES_KEYS",
]

#: Columns every ``scores.csv`` row is keyed by, and the score columns of which it needs at least one.
SCORES_KEYS = ("model", "space", "direction")
_SCORES_VALUES = ("n", "n_events", "brier", "log_loss", "roc_auc", "pr_auc", "ece")

BAROMETER_COLUMNS = ("outcome", "from_year", "for_years", "gwcode", "p_up", "p_same", "p_down")
_BAROMETER_OUTCOMES = (
    "v2xcs_ccsi",
    "v2x_freexp_altinf",
    "v2xcl_rol",
    "v2x_horacc_osp",
    "v2x_veracc_osp",
    "v2x_pubcorr",
)
#: The Barometer's published v14 test accuracy (``fcasts-rf-v14-score-summary.csv``).
BAROMETER_PUBLISHED: dict[str, dict[str, float]] = {
    "up": {"pos_rate": 0.112, "log_loss": 0.232, "roc_auc": 0.883, "pr_auc": 0.550},
    "down": {"pos_rate": 0.135, "log_loss": 0.259, "roc_auc": 0.890, "pr_auc": 0.602},
}


def barometer_frame(forecasts: pd.DataFrame, model: str) -> pd.DataFrame:
    """One model's forecasts in the Barometer's format (see the module docstring)."""
    f = forecasts[forecasts["model"] == model]
    p_up = f["p_opening"].to_numpy(float)
    p_down = f["p_closing"].to_numpy(float)
    return pd.DataFrame(
        {
            "outcome": f["outcome"].to_numpy(),
            "from_year": f["origin"].to_numpy(int),
            "for_years": [f"{t + 1} - {t + 2}" for t in f["origin"].to_numpy(int)],
            "gwcode": f["gwcode"].to_numpy(int),
            "p_up": p_up,
            "p_same": (1.0 - p_up) * (1.0 - p_down),
            "p_down": p_down,
        },
        columns=list(BAROMETER_COLUMNS),
    )


def _long(forecasts: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for direction, short in (("opening", "up"), ("closing", "down")):
        parts.append(
            forecasts[["model", "space", "outcome", "origin", "gwcode"]].assign(
                direction=short,
                p=forecasts[f"p_{direction}"].to_numpy(float),
                y=forecasts[f"y_{direction}"].to_numpy(float),
            )
        )
    return pd.concat(parts, ignore_index=True)


def scores_table(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Scores per model, space (plus pooled ``barometer6`` and ``all7``) and direction."""
    long = _long(forecasts)
    per_space = score_frame(long, by=["model", "space", "direction"])
    b6 = long[long["outcome"].isin(_BAROMETER_OUTCOMES)].assign(space="barometer6")
    a7 = long.assign(space="all7")
    pooled = score_frame(pd.concat([b6, a7], ignore_index=True), by=["model", "space", "direction"])
    out = pd.concat([pooled, per_space], ignore_index=True)
    models = list(dict.fromkeys(forecasts["model"]))
    spaces = ["barometer6", "all7", *dict.fromkeys(forecasts["space"])]
    out["_m"] = out["model"].map({m: i for i, m in enumerate(models)})
    out["_s"] = out["space"].map({s: i for i, s in enumerate(spaces)})
    out["_d"] = out["direction"].map({"up": 0, "down": 1})
    return (
        out.sort_values(["_m", "_s", "_d"]).drop(columns=["_m", "_s", "_d"]).reset_index(drop=True)
    )


def reliability_figure(forecasts: pd.DataFrame, model: str, title: str = ""):  # -> Figure
    """Reliability diagram of one model (six Barometer spaces pooled), openings and closings."""
    from matplotlib.figure import Figure

    long = _long(forecasts[forecasts["model"] == model])
    long = long[long["outcome"].isin(_BAROMETER_OUTCOMES) & long["y"].notna()]
    fig = Figure(figsize=(8.0, 4.0), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    for ax, (short, label) in zip(axes, (("up", "openings"), ("down", "closings")), strict=True):
        sub = long[long["direction"] == short]
        tab = reliability_table(sub["y"], sub["p"])
        top = float(max(tab["p_mean"].max(), tab["y_mean"].max(), 0.05)) * 1.05
        ax.plot([0, top], [0, top], color="0.6", lw=1, ls="--", label="perfect calibration")
        ax.plot(tab["p_mean"], tab["y_mean"], marker="o", color="C0", label=model)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_title(f"{label} (n = {len(sub)})")
        ax.set_xlabel("mean forecast probability (10 equal-count bins)")
        ax.set_aspect("equal")
    axes[0].set_ylabel("observed frequency")
    axes[0].legend(loc="upper left", frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def write_backtest(result, out_dir: str | Path) -> dict[str, Path]:  # result: BacktestResult
    """Write every output of a backtest into ``out_dir`` (see the module docstring)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fc = result.forecasts
    models = list(dict.fromkeys(result.config.models))
    written: dict[str, Path] = {}
    for i, model in enumerate(models):
        name = "forecasts.csv" if i == 0 else f"forecasts_{model}.csv"
        path = out / name
        atomic_write_text(
            path, barometer_frame(fc, model).to_csv(index=False, float_format="%.10g")
        )
        written[name] = path
    first = fc[fc["model"] == models[0]]
    truth = pd.DataFrame(
        {
            "outcome": first["outcome"].to_numpy(),
            "from_year": first["origin"].to_numpy(int),
            "gwcode": first["gwcode"].to_numpy(int),
            "up": first["y_opening"].to_numpy(float),
            "down": first["y_closing"].to_numpy(float),
        }
    )
    atomic_write_text(out / "truth.csv", truth.to_csv(index=False, float_format="%.0f"))
    written["truth.csv"] = out / "truth.csv"
    sc = scores_table(fc).assign(protocol=result.config.protocol)
    sc = sc[["protocol", *[c for c in sc.columns if c != "protocol"]]]
    atomic_write_text(out / "scores.csv", sc.to_csv(index=False, float_format="%.6g"))
    written["scores.csv"] = out / "scores.csv"
    from analogcast.data import load_panel
    from analogcast.evaluation.subgroups import subgroup_scores

    sub = subgroup_scores(load_panel(), fc).assign(protocol=result.config.protocol)
    atomic_write_text(out / "scores_subgroups.csv", sub.to_csv(index=False, float_format="%.6g"))
    written["scores_subgroups.csv"] = out / "scores_subgroups.csv"
    for model in models:
        fig = reliability_figure(fc, model, title=f"{model}, {result.config.protocol} protocol")
        path = out / f"reliability_{model}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, format="png")
        written[path.name] = path
    atomic_write_text(out / "tasks.csv", result.tasks.to_csv(index=False, float_format="%.6g"))
    run = {
        "config": dataclasses.asdict(result.config),
        "wall_seconds": result.wall_seconds,
        **result.meta,
        "primary_model": models[0],
        # the options the registry models were scored with (the engine uses their defaults)
        "model_options": _model_options(models),
        "inference": _inference(result.config.method),
        # Monte Carlo SE of the primary model's pooled log-loss (barometer6 / all7, up / down),
        # from every fit's delta-method SE in tasks.csv
        "log_loss_mcse": _pooled_mcse(result.tasks, models[0]),
        "versions": _versions(),
        # the shipped data the labels and features came from (the report checks it)
        "data_sha256": _data_sha256(),
        "p_same": "(1 - p_up) * (1 - p_down)",
        "n_rows": int(len(first)),
        "n_scored": {
            "up": int(np.isfinite(first["y_opening"]).sum()),
            "down": int(np.isfinite(first["y_closing"]).sum()),
        },
    }
    atomic_write_text(
        out / "run.json", json.dumps(run, indent=2, sort_keys=True, default=str) + "\n"
    )
    written["run.json"] = out / "run.json"
    return written


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read a backtest's ``scores.csv`` (a file, or the ``--out`` directory holding one), checked.

    Raises
    ------
    UserInputError
        One line naming the file when it is missing, unreadable, not a CSV table, empty, or
        lacks the key columns (``model``, ``space``, ``direction``) or every score column.
    """
    p = Path(path)
    p = p / "scores.csv" if p.is_dir() else p
    shown = short_path(p)
    expected = f"expected the columns {', '.join(SCORES_KEYS)} and some of {', '.join(_SCORES_VALUES)} (written by 'analogcast backtest --out DIR')"
    if not p.is_file():
        raise UserInputError(f"--backtest {shown}: no scores.csv there ({expected})")
    try:
        df = pd.read_csv(p)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = " ".join(str(exc).split())[:120]
        raise UserInputError(f"--backtest {shown}: not a readable CSV table ({reason}); {expected}") from None
    missing = [c for c in SCORES_KEYS if c not in df.columns]
    if missing or not any(c in df.columns for c in _SCORES_VALUES):
        raise UserInputError(f"--backtest {shown}: not a backtest scores table (missing {', '.join(missing) or 'every score column'}); {expected}")
    if df.empty:
        raise UserInputError(f"--backtest {shown}: the scores table has no rows; rerun 'analogcast backtest'")
    return df


def _model_options(models: list[str]) -> dict[str, dict[str, object]]:
    """``{registry model: its options}`` for the scored models that are registry models."""
    from analogcast.models import available_models, get_model

    return {m: dict(get_model(m).options) for m in models if m in available_models()}


def _inference(method: str) -> dict[str, object]:
    """Which inference produced the registry model's scores (kept in ``run.json``)."""
    from analogcast.evaluation.engine import FAST, REFERENCE
    from analogcast.models.sampling import nutpie_compiler

    cfg = FAST if method == "nutpie" else REFERENCE
    sampler = f"nutpie ({nutpie_compiler()})" if method == "nutpie" else "nutpie (reference NUTS settings)"
    return {"method": method, "sampler": sampler, **{k: cfg[k] for k in sorted(cfg)}}


def _pooled_mcse(tasks: pd.DataFrame, model: str) -> dict[str, dict[str, float]]:
    from analogcast.evaluation.engine import pooled_mcse

    return pooled_mcse(tasks, model)


def _data_sha256() -> str:
    from analogcast.data.provenance import data_sha256

    return data_sha256()


def _versions() -> dict[str, str]:
    from analogcast.fitting.fitter import versions

    return versions()

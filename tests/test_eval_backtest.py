"""End-to-end backtest on the shipped data: files, Barometer row alignment, scores recomputed.

Uses the baselines (fast) on a few origins; the Bayesian model runs in the benchmark and in the
slow test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from analogcast.cli.main import main
from analogcast.data import load_barometer_events, load_events

ORIGINS = (2008, 2009)
SPACES = "associational,electoral,women"
MODELS = ("gbm", "climatology", "persistence")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bt")
    rc = main(
        [
            "backtest",
            "--from-years",
            f"{ORIGINS[0]}-{ORIGINS[-1]}",
            "--spaces",
            SPACES,
            "--models",
            ",".join(MODELS),
            "--workers",
            "0",
            "--out",
            str(d),
        ]
    )
    assert rc == 0
    return d


def test_files_and_barometer_format(out: Path) -> None:
    for name in ("forecasts.csv", "scores.csv", "truth.csv", "run.json", "reliability_gbm.png"):
        assert (out / name).is_file(), name
    fc = pd.read_csv(out / "forecasts.csv")
    assert list(fc.columns) == [
        "outcome",
        "from_year",
        "for_years",
        "gwcode",
        "p_up",
        "p_same",
        "p_down",
    ]
    assert set(fc["outcome"]) == {"v2xcs_ccsi", "v2x_veracc_osp", "v2x_gencl"}
    assert (fc["for_years"] == fc["from_year"].map(lambda t: f"{t + 1} - {t + 2}")).all()
    assert fc[["p_up", "p_same", "p_down"]].apply(lambda c: c.between(0, 1)).all().all()
    np.testing.assert_allclose(fc["p_same"], (1 - fc["p_up"]) * (1 - fc["p_down"]))
    assert not fc.duplicated(["outcome", "from_year", "gwcode"]).any()


def test_rows_line_up_with_the_barometers(out: Path) -> None:
    """Forecast rows = the Barometer's test rows (countries in its data at t); scored rows = its
    rows with an observable two-year label."""
    fc = pd.read_csv(out / "forecasts.csv")
    bar = load_barometer_events()
    bar = bar[bar["year"].isin(ORIGINS)]
    for index in ("v2xcs_ccsi", "v2x_veracc_osp"):
        ours = fc[fc["outcome"] == index]
        mine = set(zip(ours["from_year"], ours["gwcode"], strict=True))
        theirs = set(zip(bar["year"], bar["gwcode"], strict=True))
        assert mine == theirs
        truth = pd.read_csv(out / "truth.csv")
        truth = truth[truth["outcome"] == index]
        for ours_col, col in (("up", f"dv_{index}_up_next2"), ("down", f"dv_{index}_down_next2")):
            scored_ours = set(
                zip(
                    truth.loc[truth[ours_col].notna(), "from_year"],
                    truth.loc[truth[ours_col].notna(), "gwcode"],
                    strict=True,
                )
            )
            scored_theirs = set(
                zip(
                    bar.loc[bar[col].notna(), "year"],
                    bar.loc[bar[col].notna(), "gwcode"],
                    strict=True,
                )
            )
            assert scored_ours == scored_theirs


def _truth_independent() -> pd.DataFrame:
    """Labels straight from the Barometer's shipped events (six spaces) and load_events (women)."""
    bar = load_barometer_events()
    rows = []
    for index in ("v2xcs_ccsi", "v2x_veracc_osp"):
        rows.append(
            pd.DataFrame(
                {
                    "outcome": index,
                    "from_year": bar["year"],
                    "gwcode": bar["gwcode"],
                    "up": bar[f"dv_{index}_up_next2"],
                    "down": bar[f"dv_{index}_down_next2"],
                }
            )
        )
    ev = load_events().sel(space="women")
    w = ev[["up_next2", "down_next2"]].to_dataframe().reset_index()
    gw = dict(zip(ev["country"].values, load_events_gwcodes(), strict=True))
    rows.append(
        pd.DataFrame(
            {
                "outcome": "v2x_gencl",
                "from_year": w["year"],
                "gwcode": w["country"].map(gw),
                "up": w["up_next2"],
                "down": w["down_next2"],
            }
        )
    )
    return pd.concat(rows, ignore_index=True)


def load_events_gwcodes() -> np.ndarray:
    from analogcast.data import load_panel

    return load_panel()["gwcode"].values


@pytest.mark.parametrize("model", MODELS)
def test_scores_recompute_from_forecasts_with_sklearn(out: Path, model: str) -> None:
    name = "forecasts.csv" if model == MODELS[0] else f"forecasts_{model}.csv"
    fc = pd.read_csv(out / name).merge(
        _truth_independent(), on=["outcome", "from_year", "gwcode"], how="left"
    )
    sc = pd.read_csv(out / "scores.csv")
    sc = sc[sc["model"] == model]
    pooled = {"barometer6": fc[fc["outcome"] != "v2x_gencl"], "all7": fc}
    per_space = {
        "associational": fc[fc["outcome"] == "v2xcs_ccsi"],
        "women": fc[fc["outcome"] == "v2x_gencl"],
    }
    for space, sub in {**pooled, **per_space}.items():
        for d in ("up", "down"):
            s = sub[sub[d].notna()]
            y, p = s[d].to_numpy(), s[f"p_{d}"].to_numpy()
            row = sc[(sc["space"] == space) & (sc["direction"] == d)].iloc[0]
            assert row["n"] == len(s)
            assert row["n_events"] == y.sum()
            rtol = 1e-5  # scores.csv is written with 6 significant digits
            assert row["log_loss"] == pytest.approx(
                metrics.log_loss(y, np.clip(p, 1e-6, 1 - 1e-6)), rel=rtol
            )
            assert row["brier"] == pytest.approx(metrics.brier_score_loss(y, p), rel=rtol)
            assert row["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, p), rel=rtol)
            assert row["pr_auc"] == pytest.approx(metrics.average_precision_score(y, p), rel=rtol)
            assert row["ece"] == pytest.approx(_ece(y, p), rel=rtol, abs=1e-9)


def _ece(y: np.ndarray, p: np.ndarray) -> float:
    """ECE with 10 equal-count bins (sizes as numpy.array_split), written independently."""
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(p.size, dtype=int)
    ranks[order] = np.arange(p.size)
    # bin k holds ranks [k*n//10 + min(k, n%10) ...): numpy.array_split's sizes
    sizes = [p.size // 10 + (1 if k < p.size % 10 else 0) for k in range(10)]
    edges = np.cumsum([0, *sizes])
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (ranks >= lo) & (ranks < hi)
        if sel.any():
            ece += sel.sum() / p.size * abs(y[sel].mean() - p[sel].mean())
    return ece


def test_baselines_are_ordered_sensibly(out: Path) -> None:
    sc = pd.read_csv(out / "scores.csv")
    pooled = sc[(sc["space"] == "barometer6") & (sc["direction"] == "up")].set_index("model")
    assert pooled.loc["gbm", "log_loss"] < pooled.loc["climatology", "log_loss"]


def test_cli_rejects_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["backtest", "--from-years", "2020-2005", "--out", str(tmp_path)]) == 1
    assert "last year is before the first" in capsys.readouterr().err
    assert main(["backtest", "--spaces", "electorl", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Did you mean 'electoral'" in err and err.count("\n") == 1
    assert main(["backtest", "--from-years", "2022", "--out", str(tmp_path), "--workers", "0"]) == 1
    assert "outside" in capsys.readouterr().err


def test_run_json_records_the_options_of_the_scored_registry_models(out: Path) -> None:
    import json

    from analogcast.data.provenance import data_sha256
    from analogcast.evaluation.outputs import _model_options
    from analogcast.models import get_model

    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["data_sha256"] == data_sha256()  # the report checks scores against the run's data
    assert run["model_options"] == {}  # baselines only: no registry model was scored
    assert run["log_loss_mcse"] == {}  # ... and no posterior draws, so no Monte Carlo SE
    got = _model_options(["event_logit", "gbm"])
    assert list(got) == ["event_logit"]
    assert got["event_logit"] == dict(get_model("event_logit").options)
    assert got["event_logit"]["cross_space"] is True and "control_fraction" in got["event_logit"]

"""Dask execution: a loopback scheduler with two workers gives the serial run's forecasts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analogcast.errors import UserInputError
from analogcast.evaluation.engine import BacktestConfig, run_backtest, task_seed

BIN = Path(sys.executable).parent
CONFIG = dict(origins=(2006, 2011), spaces=("women",), models=("gbm", "persistence"))


def test_task_seed_depends_on_task_identity_only() -> None:
    a = task_seed(1, 2010, "women", "opening", "gbm")
    assert a == task_seed(1, 2010, "women", "opening", "gbm")
    others = {
        task_seed(2, 2010, "women", "opening", "gbm"),
        task_seed(1, 2011, "women", "opening", "gbm"),
        task_seed(1, 2010, "electoral", "opening", "gbm"),
        task_seed(1, 2010, "women", "closing", "gbm"),
        task_seed(1, 2010, "women", "opening", "event_logit"),
    }
    assert a not in others and len(others) == 5


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dask scheduler`` and two single-threaded ``dask worker`` processes on 127.0.0.1."""
    d = tmp_path_factory.mktemp("dask")
    sched_file = d / "scheduler.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(sched_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    ]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "dask"),
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
            )
        from dask.distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_two_loopback_workers_match_serial(scheduler: str) -> None:
    serial = run_backtest(BacktestConfig(**CONFIG, workers=0))
    dist = run_backtest(BacktestConfig(**CONFIG, scheduler=scheduler))
    assert dist.meta["n_workers"] == 2
    assert serial.meta["n_workers"] == 0
    # computed outside this process, and identical to the last bit
    assert os.getpid() not in set(dist.tasks["pid"])
    pd.testing.assert_frame_equal(serial.forecasts, dist.forecasts, check_exact=True)


def test_config_rejects_bad_values() -> None:
    with pytest.raises(UserInputError, match="Did you mean 'gbm'"):
        BacktestConfig(models=("gmb",))
    with pytest.raises(UserInputError, match="workers"):
        BacktestConfig(workers=-1)


def test_backtest_scores_the_registry_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Bayesian model the backtest scores is ``get_model("event_logit")`` itself: the task
    goes through the registry and the model's own sampler entry point (here replaced by a fake
    posterior, so the test stays fast), and forecasts the baselines' exact rows."""
    import xarray as xr

    import analogcast.evaluation as ev
    import analogcast.models as models
    from analogcast.data import load_events, load_panel
    from analogcast.evaluation.engine import MODELS, REGISTRY_MODELS, run_model_task, run_task
    from analogcast.evaluation.features import make_features
    from analogcast.models.simulate import fake_posterior

    assert REGISTRY_MODELS == ("event_logit",) and MODELS[0] == "event_logit"
    assert not hasattr(ev, "bayes")  # the backtest-only duplicate model is retired
    built: list[object] = []

    def fake_sample(pm_model, **kwargs):  # noqa: ANN001, ANN003
        built.append(pm_model)
        return xr.DataTree.from_dict({"posterior": fake_posterior("event_logit", seen[0], draws=5)})

    seen: list[object] = []
    real_prepare = models.get_model("event_logit").prepare.__func__

    def spy_prepare(self, *a, **k):  # noqa: ANN001, ANN002, ANN003
        seen.append(real_prepare(self, *a, **k))
        return seen[-1]

    from analogcast.models.event import EventLogit

    monkeypatch.setattr(EventLogit, "prepare", spy_prepare)
    monkeypatch.setattr(models, "sample_model", fake_sample)
    panel, events = load_panel(), load_events()
    feats = make_features(panel)
    fc, info = run_model_task(panel, events, feats, 2012, ("women",), "strict", "event_logit",
                              "nutpie", 1)
    assert len(built) == 1 and "events" in built[0].named_vars  # the registry model was built
    assert seen[0].meta["protocol"] == "strict" and seen[0].target == ""
    base, _ = run_task(panel, events, feats, 2012, "women", "strict", ("climatology",), "nutpie", 1)
    assert sorted(fc["country"]) == sorted(base["country"])  # the same rows as the baselines
    assert set(fc["model"]) == {"event_logit"} and info[0]["model"] == "event_logit"
    assert fc[["p_opening", "p_closing"]].notna().all().all()
    # each fit's Monte Carlo SE of its log-loss: women is not a Barometer space
    for short, d in (("up", "opening"), ("down", "closing")):
        assert info[0][f"n_{short}_all7"] == fc[f"y_{d}"].notna().sum() > 0
        assert info[0][f"n_{short}_barometer6"] == 0 and np.isnan(info[0][f"mcse_{short}_barometer6"])
        assert 0 < info[0][f"mcse_{short}_all7"] < 0.1


def test_task_mcse_groups_rows_and_pooled_mcse_closed_form() -> None:
    """``_task_mcse`` takes each group's labelled rows only (``barometer6`` leaves women out) and
    reports ``log_loss_mcse`` of them; ``pooled_mcse`` combines independent fits as
    ``sqrt(sum (n_o SE_o)^2) / sum n_o``, and ignores baselines."""
    from scipy.special import expit

    from analogcast.evaluation.engine import _task_mcse, pooled_mcse
    from analogcast.evaluation.scores import log_loss_mcse

    rng = np.random.default_rng(8)
    spaces = ("women", "electoral")
    n_c, n_s = 40, 300
    draws = {d: expit(rng.normal(-1.5, 0.5, (n_c, 2, 1)) + rng.normal(0, 0.3, (1, 1, n_s)))
             for d in ("opening", "closing")}
    for d in draws:
        draws[d][:5, 1, :] = np.nan  # electoral index missing for five countries: no rows
    frames = []
    for si, sp in enumerate(spaces):
        ok = ~np.isnan(draws["opening"][:, si, 0])
        y = {d: (rng.random(ok.sum()) < 0.3).astype(float) for d in ("opening", "closing")}
        y["closing"][:3] = np.nan  # unscored labels
        frames.append(pd.DataFrame({"space": sp, "y_opening": y["opening"], "y_closing": y["closing"]}))
    got = _task_mcse(frames, draws, spaces, 2)
    e = frames[1]
    keep = e["y_closing"].notna().to_numpy()
    want = log_loss_mcse(e["y_closing"].to_numpy()[keep], draws["closing"][5:, 1][keep], 2)[1]
    assert got["n_down_barometer6"] == keep.sum() == 32 and got["mcse_down_barometer6"] == want
    assert got["n_up_all7"] == 40 + 35 and got["n_down_all7"] == 37 + 32
    tasks = pd.DataFrame({"model": ["event_logit", "event_logit", "gbm"],
                          "n_up_all7": [100.0, 300.0, np.nan], "mcse_up_all7": [0.01, 0.002, np.nan]})
    assert pooled_mcse(tasks, "event_logit") == {"all7": {"up": pytest.approx(np.sqrt(1.36) / 400)}}
    assert pooled_mcse(tasks, "gbm") == {} and pooled_mcse(tasks.drop(columns="mcse_up_all7"), "event_logit") == {}


@pytest.mark.slow
def test_fast_backtest_fits_agree_with_reference_nuts() -> None:
    """The backtest's short runs (``FAST``) against full NUTS (``REFERENCE``) on the smallest
    origin (2005, the six Barometer spaces in one joint fit, as the backtest fits them): the
    stated tolerance is 0.002 in pooled log-loss per direction (issue 15) and 0.01 in mean
    absolute probability. The delta-method Monte Carlo SE of the fast run's log-loss is about
    0.0006 (openings) and 0.0003 (closings) with the forecasts' antithetic year paths, so the
    tolerance is about three SEs of their difference."""
    from analogcast.data import BAROMETER_SPACES, load_events, load_panel
    from analogcast.evaluation.engine import make_features, run_model_task
    from analogcast.evaluation.scores import log_loss

    panel, events = load_panel(), load_events()
    feats = make_features(panel)
    args = (panel, events, feats, 2005, tuple(BAROMETER_SPACES), "strict", "event_logit")
    fast, _ = run_model_task(*args, "nutpie", 20261126, 2)
    ref, _ = run_model_task(*args, "nuts", 20261126, 2)
    assert (fast["country"].to_numpy() == ref["country"].to_numpy()).all()
    for d in ("opening", "closing"):
        ok = fast[f"y_{d}"].notna().to_numpy()
        y = fast.loc[ok, f"y_{d}"].to_numpy()
        ll_fast = log_loss(y, fast.loc[ok, f"p_{d}"].to_numpy())
        ll_ref = log_loss(y, ref.loc[ok, f"p_{d}"].to_numpy())
        assert abs(ll_fast - ll_ref) <= 0.002, (d, ll_fast, ll_ref)
        assert np.abs(fast[f"p_{d}"] - ref[f"p_{d}"]).mean() <= 0.01


@pytest.mark.slow
def test_origin_2009_fit_keeps_its_step_size_with_the_boundary_avoiding_prior() -> None:
    """The strict backtest's origin 2009 (all seven spaces, the kept run's base seed): with a
    half-normal prior on ``sigma_year`` a chain settled at ``sigma_year`` near 0 (every year a
    transient shock around a constant level), its step size collapsed and it ran over the step
    budget (the kept runs until 2026-12-08 refitted this origin); with the default Gamma(2) prior
    neither chain does, and both chains find the same level SDs."""
    from analogcast.data import SPACES, load_events, load_panel
    from analogcast.evaluation.engine import fit_registry_model

    panel, events = load_panel(), load_events()
    args = (panel, events, 2009, tuple(SPACES), "strict", "event_logit", "nutpie", 20261126, 2)
    fit = fit_registry_model(*args)
    assert fit.refits == 0
    sy = fit.tree["posterior"]["sigma_year"].mean("draw").to_numpy()  # (chain, direction)
    assert (sy > 0.1).all(), sy
    np.testing.assert_allclose(sy[0], sy[1], rtol=0.25)
    # the same fit with the half-normal: its first attempt runs over the budget and is refitted
    half = fit_registry_model(*args, options={"sigma_year_prior": "halfnormal"})
    assert half.refits == 1

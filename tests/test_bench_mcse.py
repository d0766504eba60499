"""The Monte Carlo SE that ``bench/bench_mcse.py`` reports for a backtest's log-loss, checked
against the spread of the log-loss over independent replications (the quantity it estimates)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from scipy.special import expit


def _bench():  # type: ignore[no-untyped-def]
    path = Path(__file__).resolve().parents[1] / "bench" / "bench_mcse.py"
    spec = importlib.util.spec_from_file_location("bench_mcse", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_delta_method_se_matches_the_spread_over_replications() -> None:
    """300 rows, 400 draws in 2 chains: each draw shifts every row's log-odds by one shared
    normal shock (as a future year effect does) plus row noise, and the outcomes happen more often
    than forecast (a year whose level the model missed, where the shared shock matters: with
    calibrated outcomes its first-order effect on the log-loss cancels). Over 300 replications
    the SD of the log-loss of the mean forecast is the SE the function should report: the mean
    reported SE agrees within 15%, while a per-row SE that ignored the shared shock is below half
    of it in this setup."""
    mcse = _bench().log_loss_mcse
    rng = np.random.default_rng(11)
    n_rows, chains, per_chain = 300, 2, 200
    base = rng.normal(-2.0, 1.0, n_rows)
    y = (rng.random(n_rows) < expit(base + 1.0)).astype(float)
    lls, ses, esss, row_ses = [], [], [], []
    for _ in range(300):
        shock = rng.normal(0.0, 0.5, chains * per_chain)
        noise = rng.normal(0.0, 0.3, (n_rows, chains * per_chain))
        p = expit(base[:, None] + shock[None, :] + noise)
        ll, se, ess = mcse(y, p, chains)
        lls.append(ll)
        esss.append(ess)
        pbar = p.mean(axis=1)
        w = -(y / pbar - (1 - y) / (1 - pbar)) / n_rows
        row_ses.append(np.sqrt((w**2 * p.var(axis=1)).sum() / p.shape[1]))
        ses.append(se)
    assert 350 < np.mean(esss) < 450  # independent draws: ESS about the number of draws
    empirical = float(np.std(lls, ddof=1))
    assert abs(np.mean(ses) / empirical - 1.0) < 0.15, (np.mean(ses), empirical)
    assert np.mean(row_ses) < 0.5 * empirical  # the setup tells the two apart

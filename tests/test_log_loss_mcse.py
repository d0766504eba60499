"""The Monte Carlo SE of a backtest's log-loss (``analogcast.evaluation.scores.log_loss_mcse``,
reported per fit in the backtest's ``tasks.csv`` and by ``bench/bench_mcse.py``), checked against
the spread of the log-loss over independent replications (the quantity it estimates)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from analogcast.evaluation.scores import log_loss_mcse


def test_delta_method_se_matches_the_spread_over_replications() -> None:
    """300 rows, 400 draws in 2 chains: each draw shifts every row's log-odds by one shared
    normal shock (as a future year effect does) plus row noise, and the outcomes happen more often
    than forecast (a year whose level the model missed, where the shared shock matters: with
    calibrated outcomes its first-order effect on the log-loss cancels). Over 300 replications
    the SD of the log-loss of the mean forecast is the SE the function should report: the mean
    reported SE agrees within 15%, while a per-row SE that ignored the shared shock is below half
    of it in this setup."""
    mcse = log_loss_mcse
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


def test_clipped_rows_have_no_derivative_and_shapes_are_checked() -> None:
    """An infeasible event (probability 0 in every draw, no event) adds its clipped constant to the
    log-loss and nothing to its Monte Carlo SE; a (row, sample) mismatch is refused."""
    rng = np.random.default_rng(3)
    p = expit(rng.normal(-1.0, 0.4, (50, 400)))
    y = (rng.random(50) < 0.3).astype(float)
    ll, se, _ = log_loss_mcse(y, p, 2)
    ll0, se0, _ = log_loss_mcse(np.r_[y, 0.0], np.vstack([p, np.zeros(400)]), 2)
    assert ll0 == pytest.approx(ll * 50 / 51, rel=1e-4)  # the zero row's clipped loss is ~1e-6
    assert se0 == pytest.approx(se * 50 / 51, rel=1e-12)
    with pytest.raises(ValueError, match="rows"):
        log_loss_mcse(y[:-1], p, 2)

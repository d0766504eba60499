"""Parameter recovery on SIMULATED panels (slow tier): what was put in comes back out.

Event model: data simulated with known aid, aid x Cold-War, sanctions and sanctions x Cold-War
effects on the model's standardised scale (``simulate_panel``); the posterior means of ``beta0``
must lie within 0.2 (logit units per SD) of the truth and within 3 posterior SDs. The simulation
has no year shocks, so the non-centred parameterisation (``centred=False``) is used: it passed
these thresholds (2 x 500 draws). A centred run of the same data (R-hat 1.14 on sigma_year, 15
divergences: hence non-centred here) still gave errors aid -0.03/-0.02, aid x CW +0.00/+0.13,
sanctions +0.07/+0.11, sanctions x CW -0.18/-0.08 (opening/closing).
Trajectory model: known mean reversion ``kappa``, momentum ``rho`` and aid drift. ``kappa`` is
allowed 0.04: the within-centred dynamic panel carries Nickell's bias of about (1 + rho) / T = 0.027
at T = 45 (measured: 0.126 and 0.125 for a truth of 0.10; rho 0.23/0.21 for 0.20; aid 0.028 for
0.03, 2 x 400 draws). Before the within centring the same test gave kappa 0.029, R-hat 1.8.
"""

from __future__ import annotations

import pytest

from analogcast.models import diagnostics, get_model, sample_model
from analogcast.models.simulate import simulate_panel

pytestmark = pytest.mark.slow

SPACES2 = ("associational", "electoral")
TRUE_BETA = {
    "aid": {"opening": 0.5, "closing": -0.3},
    "aid_cw": {"opening": -0.5, "closing": 0.4},
    "sanctions": {"opening": -0.3, "closing": 0.3},
    "sanctions_cw": {"opening": 0.3, "closing": -0.2},
}


@pytest.fixture(scope="module")
def sim():
    return simulate_panel(n_countries=80, years=(1966, 2015), spaces=SPACES2, seed=11,
                          event_beta=TRUE_BETA, traj_kappa=0.1, traj_rho=0.2, traj_beta_aid=0.03)


def test_event_logit_recovers_aid_era_effects(sim):
    panel, events, truth = sim
    m = get_model("event_logit", control_fraction=1.0, centred=False)
    # protocol "barometer" reads the simulated events; "strict" would recode them from the index
    d = m.prepare(panel, events, target="C000", origin=2015, spaces=SPACES2, start=1970,
                  protocol="barometer")
    # 2 x 1,000 draws: at 2 x 500 the R-hat bound (unchanged) was missed once the target's
    # intercept was appended instead of substituted (same model, another graph: 1.0244, 2026-12-07)
    tree = sample_model(m.build(d), draws=1000, tune=500, chains=2, seed=5)
    diag = diagnostics(tree, var_names=["beta0", "alpha", "theta"])
    assert diag["max_rhat"] < 1.02
    post = tree["posterior"].to_dataset()["beta0"]
    for term, by_dir in truth.event_beta.items():
        for direction, true in by_dir.items():
            draws = post.sel(covariate=term, direction=direction).values.ravel()
            err = abs(draws.mean() - true)
            assert err < 0.2, (term, direction, draws.mean(), true)
            assert err < 3 * draws.std() + 0.05, (term, direction)


def test_event_logit_case_control_recovers(sim):
    """Thinning non-events with the -log(f) offset keeps the slopes (less precisely)."""
    panel, events, truth = sim
    m = get_model("event_logit", control_fraction=0.3, centred=False)
    d = m.prepare(panel, events, target="C000", origin=2015, spaces=SPACES2, start=1970,
                  protocol="barometer")
    tree = sample_model(m.build(d), draws=400, tune=400, chains=2, seed=6)
    post = tree["posterior"].to_dataset()["beta0"]
    for term in ("aid", "aid_cw"):
        for direction, true in truth.event_beta[term].items():
            draws = post.sel(covariate=term, direction=direction).values.ravel()
            assert abs(draws.mean() - true) < 0.25, (term, direction, draws.mean(), true)
    alpha = tree["posterior"].to_dataset()["alpha"].mean(("chain", "draw"))
    for direction, true in truth.event_alpha.items():
        # the intercept is on the population scale once the offset is applied
        assert abs(float(alpha.sel(direction=direction).mean()) - true) < 0.4


@pytest.fixture(scope="module")
def sim_hurdle():
    """SIMULATED panel whose index series stand still in some years (the trajectory hurdle)."""
    return simulate_panel(n_countries=80, years=(1966, 2015), spaces=SPACES2, seed=12,
                          traj_kappa=0.1, traj_rho=0.2, traj_beta_aid=0.03, traj_move=(-0.5, 1.5))


def test_trajectory_recovers_dynamics(sim_hurdle):
    panel, events, truth = sim_hurdle
    m = get_model("trajectory", wbl=False)
    d = m.prepare(panel, events, target="C000", origin=2015, spaces=SPACES2, start=1970)
    tree = sample_model(m.build(d), draws=1000, tune=500, chains=2, seed=7)
    diag = diagnostics(tree, var_names=["kappa", "rho", "beta0"])
    assert diag["max_rhat"] < 1.02, diag
    post = tree["posterior"].to_dataset()
    for s in range(2):  # kappa is estimated per series: each must come back, not only the mean
        k_s = float(post["kappa"].isel(series=s).mean())
        assert abs(k_s - truth.traj_kappa) < 0.04, (s, k_s)
    kappa = float(post["kappa"].mean())
    rho = float(post["rho"].mean())
    aid = float(post["beta0"].sel(drift_covariate="aid").mean())
    assert abs(kappa - truth.traj_kappa) < 0.04, kappa
    assert abs(rho - truth.traj_rho) < 0.08, rho
    assert abs(aid - truth.traj_beta_aid) < 0.015, aid
    # the hurdle: P(move) = logistic(alpha + gamma * moved last year); no country variation simulated
    alpha = float(post["move_alpha"].mean())
    gamma = float(post["move_gamma"].mean())
    assert abs(alpha - truth.traj_move[0]) < 0.15, alpha
    assert abs(gamma - truth.traj_move[1]) < 0.2, gamma

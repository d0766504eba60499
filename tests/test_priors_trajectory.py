"""Both models borrow: the trajectory model's target drift carries the analogy prior (issue 14).

SIMULATED panel (analogcast.models.simulate); the drift evidence is read from its index series.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pymc as pm
import pytest

from analogcast.models import get_model
from analogcast.models.simulate import simulate_panel
from analogcast.priors import build_prior
from analogcast.priors.drift import DriftPrior
from analogcast.priors.mixture import NormalMixture

SPACES2 = ("associational", "electoral")


@pytest.fixture(scope="module")
def sim():
    return simulate_panel(n_countries=6, years=(1988, 2005), spaces=SPACES2, seed=5)


@pytest.fixture(scope="module")
def data(sim):
    panel, events, _ = sim
    m = get_model("trajectory", n_paths=2, wbl=False)
    return m, m.prepare(panel, events, target="C002", origin=2004, spaces=SPACES2, start=1991)


def test_power_drift_prior_is_the_pooled_normal_of_the_analogs_mean_changes(sim) -> None:
    """Closed form: precision-weighted mean of the analogs' mean yearly changes, sd 1/sqrt(a0 sum prec)."""
    panel, events, _ = sim
    p = build_prior("C002", ["C000", "C001:1991-2000"], method="power", discount=0.5,
                    events=events, panel=panel, spaces=list(SPACES2))
    for s in SPACES2:
        dp = p.drift[s]
        y = np.array([e.mean for e in dp.evidence])
        prec = 1.0 / np.array([e.se for e in dp.evidence]) ** 2
        assert [e.label for e in dp.evidence] == ["C000", "C001:1991-2000"]
        assert dp.mixture.mean() == pytest.approx(float(np.sum(prec * y) / prec.sum()), rel=1e-8)
        assert dp.mixture.sd() == pytest.approx(1.0 / np.sqrt(0.5 * prec.sum()), rel=1e-8)
        # the analog's mean change is read from the index itself (moved years only)
        x = panel["v2xcs_ccsi" if s == "associational" else "v2x_veracc_osp"].sel(country="C000")
        yl = np.log(np.clip(x.values, 0.005, 0.995) / (1 - np.clip(x.values, 0.005, 0.995)))
        dy = np.diff(yl)
        dy = dy[np.isfinite(dy) & (np.abs(dy) > 1e-9)]
        assert dp.evidence[0].mean == pytest.approx(dy.mean(), rel=1e-9)


def test_built_model_puts_the_drift_prior_on_the_target_term(sim, data) -> None:
    panel, events, _ = sim
    m, d = data
    p = build_prior("C002", ["C000", "C001"], method="robust_map", events=events, panel=panel,
                    spaces=list(SPACES2))
    model = m.build(d, p)
    assert "a_target_own" in model.named_vars
    values = np.array([[-0.2, 0.1], [0.0, 0.05], [0.15, -0.3]])
    for v in values:
        lp = pm.logp(model["a_target_own"], v).eval()
        for i, s in enumerate(SPACES2):
            assert lp[i] == pytest.approx(float(p.drift_mixture(s).logpdf(v[i])), abs=1e-6)
    # without a drift part the target keeps the region intercept
    assert "a_target_own" not in m.build(d, None).named_vars


def _with_drift(prior, centre: float, sd: float):
    drift = {s: DriftPrior(s, NormalMixture.normal(centre, sd, "map"), ()) for s in SPACES2}
    return dataclasses.replace(prior, drift=drift)


def test_a_strong_drift_prior_moves_the_posterior(sim, data) -> None:
    """The conditional posterior mode of the target's drift (every other parameter at the model's
    initial point) follows a tight prior at +0.3 or -0.3, and a_target moves by the same 0.6;
    under a flat-ish prior the data alone put it elsewhere."""
    panel, events, _ = sim
    m, d = data
    base = build_prior("C002", ["C000"], method="map", events=events, panel=panel,
                       spaces=list(SPACES2))
    kw = {"progressbar": False, "maxiter": 500, "jitter": False, "return_inferencedata": False}

    def mode(prior) -> dict:
        model = m.build(d, prior)
        with model:
            point = pm.find_MAP(vars=[model["a_target_own"]], **kw)
        return {"a_target_own": point["a_target_own"], "a_target": point["a_target"]}

    est = {c: mode(_with_drift(base, c, 0.002)) for c in (0.3, -0.3)}
    for c in (0.3, -0.3):
        np.testing.assert_allclose(est[c]["a_target_own"], c, atol=0.01)
    free = mode(_with_drift(base, 0.0, 5.0))
    # the target's own rows pull it away from the weak prior's centre (0): the term is in the likelihood
    assert np.all(np.abs(free["a_target_own"]) > 1e-3)  # measured 0.0021 and 0.0121; 0 if ignored
    assert np.all(np.abs(free["a_target_own"] - 0.3) > 0.05)
    assert np.all(np.abs(free["a_target_own"] + 0.3) > 0.05)
    np.testing.assert_allclose(est[0.3]["a_target"] - est[-0.3]["a_target"], 0.6, atol=0.03)

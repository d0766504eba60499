"""Aid artefact checks (issue 13): the cheap logit, the lead placebo on the real panel."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from analogcast.evaluation.aid_checks import (
    AidCheckData,
    aid_check_data,
    assumption_sentences,
    fit_logit,
    placebo_check,
)


def test_fit_logit_matches_sklearn_and_model_based_se():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    n = 6000
    X = rng.normal(size=(n, 4))
    y = (rng.random(n) < expit(-1.0 + X @ np.array([0.6, -0.4, 0.0, 0.2]))).astype(float)
    coef, se = fit_logit(X, y, np.arange(n), C=10.0)
    ref = LogisticRegression(C=10.0, tol=1e-12, max_iter=10000).fit(X, y).coef_[0]
    np.testing.assert_allclose(coef, ref, atol=1e-6)
    # correctly specified, independent rows: the sandwich SE agrees with the model-based SE
    Xi = np.column_stack([np.ones(n), X])
    p = expit(Xi @ np.concatenate([[LogisticRegression(C=10.0, tol=1e-12, max_iter=10000).fit(X, y).intercept_[0]], ref]))
    model_se = np.sqrt(np.diag(np.linalg.inv((Xi * (p * (1 - p))[:, None]).T @ Xi)))[1:]
    np.testing.assert_allclose(se, model_se, rtol=0.1)


def _synthetic(lead_effect: float, seed: int = 0) -> AidCheckData:
    rng = np.random.default_rng(seed)
    n_c, n_t = 60, 30
    aid = rng.normal(size=(n_c, n_t + 3))
    country = np.repeat(np.arange(n_c), n_t).astype(str)
    year = np.tile(np.arange(1980, 1980 + n_t), n_c)
    a_now = aid[:, :n_t].ravel()
    a_lead = aid[:, 3:].ravel()
    eta = -1.5 + 0.5 * a_now + lead_effect * a_lead
    y = (rng.random(eta.size) < expit(eta)).astype(float)
    return AidCheckData(X=a_now[:, None], names=("aid",), y={"opening": y}, country=country, year=year,
                        region=np.ones(y.size), space=np.zeros(y.size), aid_lead3=a_lead)


def test_placebo_is_null_without_a_lead_effect_and_detects_one():
    null = placebo_check(_synthetic(0.0), outcomes=("opening",), last_year=3000)
    z = null.set_index("term").loc["aid_lead3"]
    assert abs(z["estimate"] / z["se"]) < 3.0
    assert null.set_index("term").loc["aid", "estimate"] == pytest.approx(0.5, abs=0.15)
    hit = placebo_check(_synthetic(0.5), outcomes=("opening",), last_year=3000).set_index("term").loc["aid_lead3"]
    assert hit["estimate"] / hit["se"] > 4.0


def test_placebo_runs_on_the_real_panel():
    d = aid_check_data()
    # the lead is aid of outcome year t + 3: Afghanistan's lead in 2010 is the aid column of 2014
    j = d.names.index("aid")
    afg = d.country == "AFG"
    lead_2010 = d.aid_lead3[afg & (d.year == 2010)][0]
    aid_2014 = d.X[afg & (d.year == 2014), j][0]
    assert lead_2010 == pytest.approx(aid_2014, rel=1e-12)
    res = placebo_check(d, outcomes=("opening",))
    row = res.set_index("term").loc["aid_lead3"]
    assert np.isfinite(row["estimate"]) and row["se"] > 0
    assert row["n_rows"] > 30000 and row["n_events"] > 1000
    assert res["subset"].iloc[0].endswith("2016")
    res["z"] = res["estimate"] / res["se"]
    text = " ".join(assumption_sentences(res))
    assert "Placebo" in text and "openings" in text


def test_kept_checks_are_of_the_shipped_data():
    """The report reads the kept checks only for their data hash: a data change without
    `make aid-checks` fails here, not silently in the report."""
    from analogcast.data import data_sha256
    from analogcast.evaluation.aid_checks import kept_checks

    checks, meta, reason = kept_checks(data_sha256())
    assert checks is not None, reason
    assert meta["rows"] == len(checks)
    assert {"placebo_lead3", "stability", "loro"} <= set(checks["check"])


def test_kept_checks_refuse_other_data_with_a_reason():
    from analogcast.evaluation.aid_checks import kept_checks

    checks, _, reason = kept_checks("0" * 64)
    assert checks is None
    assert "make aid-checks" in reason and "this run 000000000000" in reason


def test_report_shows_the_kept_placebo(tiny_run):
    """The report's assumptions section quotes the kept placebo estimate, as kept."""
    from analogcast.evaluation.aid_checks import kept_checks
    from analogcast.reporting import build_report_context

    ctx = build_report_context(tiny_run, with_figures=False)
    checks, _, _ = kept_checks(ctx.provenance["hashes"]["data"])
    row = checks[(checks.check == "placebo_lead3") & (checks.term == "aid_lead3")].iloc[0]
    text = " ".join(ctx.aid_checks)
    assert f"{row['estimate']:+.2f} (SE {row['se']:.2f})" in text
    assert "Placebo" in text


@pytest.mark.slow
def test_kept_checks_equal_a_fresh_computation():
    from analogcast.data import data_sha256
    from analogcast.evaluation.aid_checks import kept_checks, run_aid_checks

    kept, _, _ = kept_checks(data_sha256())
    fresh = run_aid_checks()
    np.testing.assert_allclose(fresh["estimate"].to_numpy(), kept["estimate"].to_numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(fresh["se"].to_numpy(), kept["se"].to_numpy(), rtol=1e-4, atol=1e-6)


def test_report_states_the_analog_tension_and_the_priors_track_record(tiny_run):
    """The analogies section says where the chosen analogs rank by similarity (selection on the
    outcome) and quotes the kept new-regime check, or says why it is missing (issue 14)."""
    from analogcast.data import data_sha256
    from analogcast.evaluation.loco import kept_new_regime_sentences
    from analogcast.reporting import build_report_context

    ctx = build_report_context(tiny_run, with_figures=False)
    assert ctx.analogs is not None
    assert "selection on the outcome" in ctx.analogs["tension"]
    assert "SAU ranks" in ctx.analogs["tension"] and "IRN ranks" in ctx.analogs["tension"]
    assert ctx.analogs["track_record"] == kept_new_regime_sentences(data_sha256())

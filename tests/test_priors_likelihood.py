"""Spell analogs, the exact episode-aware binomial likelihood and the model-scale route (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import special

from analogcast.cli.main import main
from analogcast.data import SPACES as ALL_SPACES
from analogcast.errors import UserInputError
from analogcast.priors import ModelScaleEvidence, build_prior, map_known_tau, parse_analogs
from analogcast.priors.evidence import collect_evidence, count_episodes, design_effects
from analogcast.priors.likelihood import Grid, count_loglik, grid_map
from analogcast.priors.methods import TauPrior
from analogcast.priors.mixture import expect

SPACES = list(ALL_SPACES)
YEARS = np.arange(1970, 2024)


def _events(rows: dict[str, np.ndarray]) -> xr.Dataset:
    """Same yearly series in every space and both directions, one row per country."""
    countries = list(rows)
    arr = np.stack([np.asarray(rows[c], float) for c in countries])
    arr = np.repeat(arr[:, :, None], len(SPACES), axis=2)
    return xr.Dataset(
        {
            "opening": (("country", "year", "space"), arr),
            "closing": (("country", "year", "space"), arr.copy()),
        },
        coords={"country": countries, "year": YEARS, "space": SPACES},
    )


def _runs(n_years: int, starts: list[int], length: int) -> np.ndarray:
    y = np.zeros(n_years)
    for s in starts:
        y[s : s + length] = 1.0
    return y


# ------------------------------------------------------------------ episodes
def test_episodes_and_design_effect_count_runs_of_event_years() -> None:
    yrs = np.arange(2000, 2010)
    assert count_episodes(yrs, np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1])) == 3
    assert count_episodes(yrs, np.array([0, 1, np.nan, 1, 0, 0, 0, 0, 0, 0])) == 2  # NaN ends a run
    assert count_episodes(yrs, np.zeros(10)) == 0
    n = YEARS.size
    ev = _events({"TGT": _runs(n, [3], 2), "AAA": _runs(n, [5, 20, 40], 2), "BBB": np.zeros(n)})
    deff = design_effects(ev)
    assert deff[("women", "opening")] == pytest.approx(2.0)  # every episode lasts two years
    ev3 = _events({"TGT": _runs(n, [3], 3), "AAA": _runs(n, [5, 20], 3), "BBB": np.zeros(n)})
    assert design_effects(ev3)[("economic", "closing")] == pytest.approx(3.0)


def test_pooled_design_effects_and_base_rates_are_the_per_country_counts() -> None:
    """``design_effects`` and ``base_rates`` count all countries at once: the same numbers as
    ``count_episodes`` country by country and the coded-years formula, with NaN years, a gap in
    the years and a window."""
    from analogcast.priors.evidence import Window, base_rates

    rng = np.random.default_rng(7)
    years = np.r_[1970:1990, 1995:2024]  # a gap: 1989 -> 1995 ends every run
    rows = {c: (rng.random(years.size) < 0.3).astype(float) for c in ("TGT", "AAA", "BBB", "CCC")}
    rows["BBB"][rng.random(years.size) < 0.2] = np.nan
    arr = np.repeat(np.stack(list(rows.values()))[:, :, None], len(SPACES), axis=2)
    ev = xr.Dataset({"opening": (("country", "year", "space"), arr), "closing": (("country", "year", "space"), 1.0 - arr)},
                    coords={"country": list(rows), "year": years, "space": SPACES})
    deff = design_effects(ev, ["women"])
    for d in ("opening", "closing"):
        vals = ev[d].sel(space="women").transpose("country", "year").values
        episodes = sum(count_episodes(years, row) for row in vals)
        assert deff[("women", d)] == max(1.0, float(np.nansum(vals)) / episodes)
        for window in (Window(), Window(1980, 2000)):
            inside = window.select(years)
            x, n = np.nansum(vals[:, inside]), np.isfinite(vals[:, inside]).sum()
            assert base_rates(ev, window)[("women", d)] == (float(x) + 0.5) / (float(n) + 1.0)


def test_counting_per_episode_halves_the_information_of_two_year_episodes() -> None:
    """With two-year episodes, the power prior is the Beta of half the counts (episodes)."""
    n = YEARS.size
    ev = _events({"TGT": np.zeros(n), "AAA": _runs(n, [2, 12, 22, 32, 42], 2)})
    kw = {"method": "power", "events": ev, "spaces": ["women"], "kappa": 1.0}
    per_ep = build_prior("TGT", ["AAA"], **kw).mixture("women", "opening")
    per_yr = build_prior("TGT", ["AAA"], episodes=False, **kw).mixture("women", "opening")
    # logit-Beta variances: trigamma(a) + trigamma(b)
    v_ep = special.polygamma(1, 0.5 + 5) + special.polygamma(1, 0.5 + 22)
    v_yr = special.polygamma(1, 0.5 + 10) + special.polygamma(1, 0.5 + 44)
    assert per_ep.var() == pytest.approx(v_ep, rel=0.01)
    assert per_yr.var() == pytest.approx(v_yr, rel=0.01)


# ------------------------------------------------------------------ zero counts
def test_zero_count_analog_moves_the_prior_down() -> None:
    """A 0/53 analog pulls the MAP down (the delta-method normal made it nearly uninformative)."""
    n = YEARS.size
    ev = _events({"TGT": np.zeros(n), "IRN": _runs(n, [5, 20, 35], 2), "SAU": np.zeros(n)})
    kw = {"method": "map", "events": ev, "spaces": ["women"], "kappa": 1.0}
    with_zero = build_prior("TGT", ["IRN", "SAU"], **kw).get("women", "opening")
    without = build_prior("TGT", ["IRN"], **kw).get("women", "opening")
    assert without.mixture.mean() - with_zero.mixture.mean() > 0.5  # logit units
    assert with_zero.rate.mean < 0.8 * without.rate.mean
    # the informative prior's mean rate lies between the analogs' observed rates (0 and 6/54)
    assert 0.0 < with_zero.rate.mean < 6 / 54
    assert with_zero.ess_share["SAU"] > 0.2


def test_zero_count_analog_moves_the_real_afghanistan_prior() -> None:
    """Shipped data: adding Saudi Arabia (0 openings in 53 years in most spaces) to Iran lowers the
    MAP's mean rate below Iran's observed rate, in every space where Saudi Arabia had no opening."""
    kw = {"method": "map", "discount": 0.5}
    both = build_prior("AFG", ["SAU", "IRN"], **kw)
    iran = build_prior("AFG", ["IRN"], **kw)
    moved = 0
    for s in SPACES:
        sp = both.get(s, "opening")
        sau, irn = sp.evidence
        if sau.events == 0 and irn.events > 0:
            assert sp.rate.mean < irn.events / irn.years, s
            assert iran.get(s, "opening").rate.mean - sp.rate.mean > 0.02, s
            moved += 1
    assert moved >= 4


# ------------------------------------------------------------------ grid MAP maths
def test_grid_map_reproduces_the_normal_closed_form_for_known_tau() -> None:
    grid = Grid(-14, 7, 0.02)
    th = grid.points
    y, se, tau = np.array([-3.0, -2.2, -4.1]), np.array([0.4, 0.7, 1.1]), 0.5
    lls = [-0.5 * ((th - yj) / sj) ** 2 for yj, sj in zip(y, se, strict=True)]
    dens = grid_map(lls, TauPrior("fixed", tau), grid, None)
    mean, var = map_known_tau(y, se, tau)
    assert dens.mean() == pytest.approx(mean, abs=2e-3)
    v = dens.expect(lambda t: (t - dens.mean()) ** 2)
    assert v == pytest.approx(var, rel=5e-3)


def test_grid_map_with_binomial_counts_matches_monte_carlo() -> None:
    """Independent check: importance sampling of (mu, theta_j) from their priors, weighted by the
    exact binomial likelihoods, gives the MAP predictive mean E[mu | data] (seeded, 400k draws)."""
    rng = np.random.default_rng(7)
    data = [(0, 27), (3, 27)]
    tau, m0, s0 = 0.8, -2.5, 2.0
    grid = Grid()
    lls = [count_loglik(grid.points, x, n) for x, n in data]
    dens = grid_map(lls, TauPrior("fixed", tau), grid, (m0, s0))
    mu = rng.normal(m0, s0, 400_000)
    logw = np.zeros_like(mu)
    for x, n in data:
        th = rng.normal(mu, tau)
        logw += count_loglik(th, x, n)
    w = np.exp(logw - logw.max())
    mc = float(np.sum(w * mu) / w.sum())
    ess = w.sum() ** 2 / np.sum(w**2)
    assert ess > 20_000
    assert dens.mean() == pytest.approx(mc, abs=0.03)


# ------------------------------------------------------------------ model scale
def test_model_scale_evidence_centre_is_the_closed_form_map() -> None:
    """Given analog intercepts on the model's scale and a known tau, the prior's centre and
    variance are sum(v theta) / sum(v) and tau^2 + 1 / sum(v), v = 1 / (se^2 + tau^2)."""
    n = YEARS.size
    ev = _events({"TGT": np.zeros(n), "AAA": _runs(n, [4], 2), "BBB": _runs(n, [9, 30], 1)})
    est = {
        (s, d): [("AAA", -3.4, 0.3), ("BBB", -2.1, 0.6)] for s in SPACES for d in ("opening", "closing")
    }
    p = build_prior(
        "TGT", ["AAA", "BBB"], method="map", tau_prior="Fixed(0.4)", events=ev,
        evidence=ModelScaleEvidence(est, "test"),
    )
    mean, var = map_known_tau([-3.4, -2.1], [0.3, 0.6], 0.4)
    for s in SPACES:
        mix = p.mixture(s, "closing")
        assert mix.mean() == pytest.approx(mean, abs=1e-9)
        assert mix.var() == pytest.approx(var, rel=1e-9)
        assert p.get(s, "closing").kappa == 1.0
    assert p.meta.evidence_source == "test"
    half = build_prior(
        "TGT", ["AAA", "BBB"], method="map", tau_prior="Fixed(0.4)", events=ev, discount=0.5,
        evidence=ModelScaleEvidence(est, "test"),
    )
    mean_h, var_h = map_known_tau([-3.4, -2.1], [0.3 / 0.5**0.5, 0.6 / 0.5**0.5], 0.4)
    assert half.mixture("women", "opening").mean() == pytest.approx(mean_h, abs=1e-9)
    assert half.mixture("women", "opening").var() == pytest.approx(var_h, rel=1e-9)


def test_model_scale_evidence_refuses_unknown_labels_and_bad_sd() -> None:
    n = YEARS.size
    ev = _events({"TGT": np.zeros(n), "AAA": _runs(n, [4], 2)})
    bad = ModelScaleEvidence({("women", "opening"): [("ZZZ", -3.0, 0.3)]})
    with pytest.raises(UserInputError, match="ZZZ"):
        build_prior("TGT", ["AAA"], method="map", events=ev, spaces=["women"], evidence=bad)
    bad_sd = ModelScaleEvidence({("women", "opening"): [("AAA", -3.0, 0.0)]})
    with pytest.raises(UserInputError, match="sd"):
        build_prior("TGT", ["AAA"], method="map", events=ev, spaces=["women"], evidence=bad_sd)


def test_kappa_scales_the_power_prior_exactly() -> None:
    """theta = kappa logit(p): the power prior's mean and sd scale by kappa; the rate does not move."""
    n = YEARS.size
    ev = _events({"TGT": np.zeros(n), "AAA": _runs(n, [3, 17, 33], 2)})
    kw = {"method": "power", "events": ev, "spaces": ["individual"]}
    one = build_prior("TGT", ["AAA"], kappa=1.0, **kw).get("individual", "opening")
    k13 = build_prior("TGT", ["AAA"], kappa=1.3, **kw).get("individual", "opening")
    assert k13.mixture.mean() == pytest.approx(1.3 * one.mixture.mean(), rel=2e-3)
    assert k13.mixture.sd() == pytest.approx(1.3 * one.mixture.sd(), rel=2e-3)
    assert k13.rate.mean == pytest.approx(one.rate.mean, rel=2e-3)
    assert expect(one.mixture, special.expit) == pytest.approx(one.rate.mean, rel=1e-4)


def test_default_kappa_centres_the_prior_below_the_raw_rate_scale() -> None:
    """Shipped data: the calibrated prior is centred below the uncalibrated one (rare events)."""
    cal = build_prior("AFG", ["SAU", "IRN"], method="map", spaces=["women"])
    raw = build_prior("AFG", ["SAU", "IRN"], method="map", spaces=["women"], kappa=1.0)
    for d in ("opening", "closing"):
        gap = raw.mixture("women", d).mean() - cal.mixture("women", d).mean()
        assert 0.2 < gap < 2.0, (d, gap)


# ------------------------------------------------------------------ spells
def test_spell_analogs_use_only_their_years_and_may_be_the_targets_own() -> None:
    n = YEARS.size
    tgt = np.zeros(n)
    tgt[(YEARS >= 1996) & (YEARS <= 1997)] = 1.0
    ev = _events({"TGT": tgt, "AAA": _runs(n, [4], 2)})
    got = collect_evidence(ev, parse_analogs("AAA,TGT:1994-2000"), None, ["women"])
    a, t = got[("women", "opening")]
    assert (a.label, a.years, a.events) == ("AAA", n, 2)
    assert (t.label, t.country, t.years, t.events, t.episodes) == ("TGT:1994-2000", "TGT", 7, 2, 1)
    p = build_prior("TGT", ["AAA", "TGT:1994-2000"], events=ev, spaces=["women"], current_from=2018)
    assert p.meta.analogs == ("AAA", "TGT:1994-2000") and p.meta.current_from == 2018
    assert p.get("women", "opening").conflict_span == (2018, 2023)  # only the current spell
    with pytest.raises(UserInputError, match="another country or an earlier spell"):
        build_prior("TGT", ["AAA", "TGT"], events=ev, spaces=["women"])
    with pytest.raises(UserInputError, match="overlaps the target's current spell"):
        build_prior("TGT", ["TGT:1994-2012"], events=ev, spaces=["women"], current_from=2010)


@pytest.mark.parametrize(
    ("spell", "fragment"),
    [
        ("AFG:2030-2040", "no coded years"),
        ("AFG:2000-1996", "starts after it ends"),
        ("AFG:96-2000", "country:YYYY-YYYY"),
        ("AFG:1996-", "country:YYYY-YYYY"),
    ],
)
def test_cli_refuses_a_bad_spell_in_one_line_naming_the_flag(
    spell: str, fragment: str, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    out = tmp_path / "p.toml"
    rc = main(["priors", "build", "--target", "AFG", "--analogs", f"SAU,{spell}", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and not out.exists()
    assert len(err.splitlines()) == 1 and "--analogs" in err and fragment in err, err


# ------------------------------------------------------------------ similarity and the tension
def test_rank_similar_equals_suggest_weights_and_spells_are_candidates() -> None:
    from analogcast.data import load_panel
    from analogcast.priors.similarity import (
        analog_tension,
        country_means,
        rank_similar,
        suggest_weights,
    )

    panel = load_panel()
    cands = ["SAU", "IRN", "PAK", "MMR", "SOM", "SDN"]
    w, _ = suggest_weights("AFG", cands, years=(2014, 2023), panel=panel)
    fast = rank_similar(country_means(panel, (2014, 2023)), "AFG", cands)
    assert fast.keys() == w.keys()
    for c in cands:
        assert fast[c] == pytest.approx(w[c], rel=1e-9)
    # the target's own earlier spell is a candidate, compared on its own years' covariates
    ws, table = suggest_weights("AFG", ["SAU", "AFG:1996-2000"], years=(2014, 2023))
    assert "AFG:1996-2000" in table.index and ws["AFG:1996-2000"] > ws["SAU"]
    t, text = analog_tension("AFG", ["SAU", "IRN", "AFG:1996-2000"], years=(2014, 2023))
    assert t.loc["SAU", "rank"] > 100 and t.loc["IRN", "rank"] > 50
    assert t["chosen"].sum() == 3 and (~t["chosen"]).sum() == 5
    assert "selection on the outcome" in text and "SAU ranks" in text

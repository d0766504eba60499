"""build_prior, AnalogPrior, the TOML file and similarity weights, on synthetic data (seeded)."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import special

from analogcast.data import SPACES as ALL_SPACES
from analogcast.errors import DataIntegrityError, UnknownCountryError, UserInputError
from analogcast.priors import (
    AnalogPrior,
    build_prior,
    ess_mixture,
    load_prior,
    suggest_weights,
)
from analogcast.priors.evidence import collect_evidence, logit_estimate, parse_window

SPACES = list(ALL_SPACES)
COUNTRIES = ["TGT", "AAA", "BBB", "CCC", "DDD"]
YEARS = np.arange(1970, 2024)


@pytest.fixture(scope="module")
def events() -> xr.Dataset:
    rng = np.random.default_rng(20261126)
    shape = (len(COUNTRIES), len(YEARS), len(SPACES))
    rates = np.array([0.10, 0.04, 0.08, 0.06, 0.05])[:, None, None]
    opening = (rng.random(shape) < rates).astype(float)
    closing = (rng.random(shape) < rates * 0.8).astype(float)
    opening[1, :5, :] = np.nan  # uncoded years are not counted
    opening[2, :, 6] = np.nan  # BBB never coded in 'women' openings
    return xr.Dataset(
        {
            "opening": (("country", "year", "space"), opening),
            "closing": (("country", "year", "space"), closing),
        },
        coords={"country": COUNTRIES, "year": YEARS, "space": SPACES},
    )


@pytest.fixture(scope="module")
def prior(events: xr.Dataset) -> AnalogPrior:
    return build_prior(
        "TGT", ["AAA", "BBB"], method="robust_map", discount=0.5, robust_weight=0.2, events=events
    )


def test_evidence_counts_coded_years_only(events: xr.Dataset) -> None:
    ev = collect_evidence(events, ["AAA", "BBB"], parse_window("1980-1999"), ["associational"])
    a = ev[("associational", "opening")][0]
    raw = events["opening"].sel(country="AAA", space="associational", year=slice(1980, 1999))
    assert (a.events, a.years) == (int(raw.sum()), 20)
    assert (a.first_year, a.last_year) == (1980, 1999)
    assert a.theta_hat == pytest.approx(logit_estimate(a.events, a.years)[0])
    full = collect_evidence(events, ["AAA"])[("associational", "opening")][0]
    assert full.years == len(YEARS) - 5


def test_prior_has_every_space_and_direction(prior: AnalogPrior) -> None:
    assert prior.space_names == tuple(SPACES)
    for s in SPACES:
        for d in ("opening", "closing"):
            sp = prior.get(s, d)
            mix = prior.mixture(s, d)
            assert mix.weight_of("vague") == pytest.approx(0.2)
            assert sp.ess > 0 and sp.ess_moment > 0
            assert sum(sp.ess_share.values()) == pytest.approx(1.0, abs=1e-5)
            assert 0 <= sp.p_any_2y.lower <= sp.p_any_2y.mean <= sp.p_any_2y.upper <= 1
            assert sp.conflict_years == 10 and sp.conflict_p is not None
            assert (
                sp.tau_lower is not None
                and sp.compression_kl is not None
                and sp.compression_kl < 2e-3
            )
    # BBB has no coded 'women' opening: all of that ESS is AAA's
    assert prior.get("women", "opening").ess_share["BBB"] == 0.0
    assert prior.meta.analog_power == (0.5, 0.5)
    assert prior.meta.tau_prior == "HalfNormal(1)"


def test_prior_is_immutable(prior: AnalogPrior) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        prior.meta = prior.meta  # type: ignore[misc]
    with pytest.raises(TypeError):
        prior.spaces["women"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        prior.spaces["women"]["opening"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        prior.get("women", "opening").ess_share["AAA"] = 1.0  # type: ignore[index]


def test_toml_round_trip_is_exact(prior: AnalogPrior, tmp_path: Path) -> None:
    path = prior.to_toml(tmp_path / "p.toml")
    back = load_prior(path)
    assert back == prior
    doc = tomllib.loads(path.read_text())
    assert set(doc["spaces"]) == set(SPACES)
    meta = doc["meta"]
    for key in (
        "target",
        "analogs",
        "weights",
        "method",
        "discount",
        "robust_weight",
        "window",
        "data_sha256",
        "analogcast_version",
        "created",
        "tau_prior",
    ):
        assert key in meta
    cell = doc["spaces"]["economic"]["closing"]
    for key in (
        "ess",
        "ess_moment",
        "ess_share",
        "mixture",
        "p_any_2y_mean",
        "conflict_p",
        "conflict_flag",
    ):
        assert key in cell
    assert path.read_text().startswith("# analogcast analogy prior")


def test_with_methods_return_new_objects(prior: AnalogPrior) -> None:
    plain = prior.with_robust_weight(0.0)
    assert plain.meta.method == "map" and plain is not prior
    assert plain.mixture("women", "closing").weight_of("vague") == 0.0
    assert plain.get("women", "closing").ess > prior.get("women", "closing").ess
    heavier = prior.with_robust_weight(0.5)
    assert heavier.mixture("women", "closing").weight_of("vague") == pytest.approx(0.5)
    assert prior.mixture("women", "closing").weight_of("vague") == pytest.approx(0.2)  # unchanged
    sub = prior.with_spaces(["women"])
    assert sub.space_names == ("women",)
    assert prior.with_meta(notes="x").meta.notes == "x" and "barely identified" in prior.meta.notes


def _beta_logit_moments(a: float, b: float) -> tuple[float, float]:
    """Mean and variance of logit(p) for p ~ Beta(a, b) (closed form)."""
    return float(special.digamma(a) - special.digamma(b)), float(
        special.polygamma(1, a) + special.polygamma(1, b)
    )


def _power_beta(p: AnalogPrior, s: str, d: str, powers: list[float]) -> tuple[float, float]:
    sp = p.get(s, d)
    deff = sp.design_effect
    x = sum(a * e.events / deff for a, e in zip(powers, sp.evidence, strict=True))
    n = sum(a * e.years / deff for a, e in zip(powers, sp.evidence, strict=True))
    return 0.5 + x, 0.5 + n - x


def test_power_prior_is_the_discounted_beta_binomial_for_every_space(events: xr.Dataset) -> None:
    """Power prior = Beta(1/2 + a0 x / D, 1/2 + a0 (n - x) / D) on the rate, theta = kappa logit p.

    Checked through the closed-form moments of logit(p) (digamma / trigamma), for a0 = 1 and 1/2.
    """
    for a0 in (1.0, 0.5):
        p = build_prior("TGT", ["AAA", "BBB", "CCC"], method="power", discount=a0, events=events)
        for s in SPACES:
            for d in ("opening", "closing"):
                a, b = _power_beta(p, s, d, [a0] * 3)
                m, v = _beta_logit_moments(a, b)
                mix, k = p.mixture(s, d), p.get(s, d).kappa
                assert mix.mean() / k == pytest.approx(m, abs=0.01), (s, d, a0)
                assert mix.var() / k**2 == pytest.approx(v, rel=0.01), (s, d, a0)


def test_analog_weights_act_as_per_analog_discounts(events: xr.Dataset) -> None:
    p = build_prior(
        "TGT",
        ["AAA", "CCC"],
        method="power",
        weights={"AAA": 1.0, "CCC": 0.25},
        events=events,
        spaces=["economic"],
    )
    a, b = _power_beta(p, "economic", "opening", [1.0, 0.25])
    m, v = _beta_logit_moments(a, b)
    mix, k = p.mixture("economic", "opening"), p.get("economic", "opening").kappa
    assert mix.mean() / k == pytest.approx(m, abs=0.01)
    assert mix.var() / k**2 == pytest.approx(v, rel=0.01)
    only_a = build_prior(
        "TGT", ["AAA", "CCC"], method="map", weights=[1.0, 0.0], events=events, spaces=["economic"]
    )
    alone = build_prior("TGT", ["AAA"], method="map", events=events, spaces=["economic"])
    assert only_a.mixture("economic", "opening") == alone.mixture("economic", "opening")


def test_none_method_is_the_weakly_informative_default(events: xr.Dataset) -> None:
    p = build_prior("TGT", [], method="none", events=events)
    x = float(events["closing"].sel(space="individual").sum())
    n = float(events["closing"].sel(space="individual").notnull().sum())
    mix = p.mixture("individual", "closing")
    assert mix.mean() == pytest.approx(special.logit((x + 0.5) / (n + 1)))
    assert mix.sd() == pytest.approx(1.5)


def test_third_analog_changes_the_file(events: xr.Dataset) -> None:
    kw = {"method": "robust_map", "events": events, "spaces": SPACES[:2]}
    two = build_prior("TGT", ["AAA", "BBB"], **kw).with_meta(created="t")
    three = build_prior("TGT", ["AAA", "BBB", "CCC"], **kw).with_meta(created="t")
    h2 = hashlib.sha256(two.to_toml_string().encode()).hexdigest()
    h3 = hashlib.sha256(three.to_toml_string().encode()).hexdigest()
    assert h2 != h3
    assert all(three.get(s, "opening").ess_share["CCC"] > 0 for s in SPACES[:2])
    again = build_prior("TGT", ["AAA", "BBB"], **kw).with_meta(created="t")
    assert hashlib.sha256(again.to_toml_string().encode()).hexdigest() == h2  # deterministic


@pytest.mark.parametrize("method", ["robust_map", "map", "power"])
def test_opening_only_build_without_shares_has_the_full_builds_mixtures(events: xr.Dataset, method: str) -> None:
    """``directions=("opening",), ess_shares=False`` (the report's quick rebuilds) skips work, not
    results: every opening mixture equals the full build's bit for bit."""
    kw = {"method": method, "discount": 0.5, "events": events}
    full = build_prior("TGT", ["AAA", "BBB", "CCC"], **kw)
    quick = build_prior("TGT", ["AAA", "BBB", "CCC"], directions=("opening",), ess_shares=False, **kw)
    for s in SPACES:
        assert quick.mixture(s, "opening") == full.mixture(s, "opening"), s
        assert dict(quick.get(s, "opening").ess_share) == {}
        assert sum(full.get(s, "opening").ess_share.values()) == pytest.approx(1.0, abs=1e-5)
        with pytest.raises(UserInputError, match="direction = 'closing'"):
            quick.get(s, "closing")
    with pytest.raises(UserInputError, match="direction = 'openings'.*opening"):
        build_prior("TGT", ["AAA"], directions=("openings",), **kw)


def test_conflict_flag_and_vague_weight_follow_the_target_data(events: xr.Dataset) -> None:
    ev = events.copy(deep=True)
    last = ev["year"] >= 2014
    ev["opening"].loc[{"country": "TGT", "space": "women"}] = xr.where(
        last, 1.0, 0.0
    ).values  # 10/10: conflict
    ev["opening"].loc[{"country": "TGT", "space": "economic"}] = (
        0.0  # 0/10: agrees with rare events
    )
    p = build_prior(
        "TGT",
        ["AAA", "DDD"],
        method="robust_map",
        robust_weight=0.2,
        events=ev,
        spaces=["women", "economic"],
    )
    women, econ = p.get("women", "opening"), p.get("economic", "opening")
    assert women.conflict_events == 10 and women.conflict_flag and women.conflict_p < 0.05
    assert women.vague_weight_posterior > 0.2
    assert not econ.conflict_flag and econ.vague_weight_posterior < 0.2


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs,exc,pattern",
    [
        ({"target": "XYZ"}, UnknownCountryError, "target = 'XYZ'"),
        ({"analogs": ["AAA", "TGT"]}, UserInputError, "analogs = AAA,TGT include the target TGT"),
        ({"analogs": ["AAA", "AAA"]}, UserInputError, "more than once"),
        ({"discount": 1.5}, UserInputError, r"discount = 1.5 is outside \(0, 1\]"),
        ({"discount": 0.0}, UserInputError, r"discount = 0.0 is outside \(0, 1\]"),
        ({"robust_weight": 1.0}, UserInputError, r"robust_weight = 1.0 is outside \[0, 1\)"),
        ({"robust_weight": -0.1}, UserInputError, r"robust_weight = -0.1 is outside \[0, 1\)"),
        (
            {"window": "1900-1950"},
            UserInputError,
            "window = 1900-1950 has no coded years for analog 'AAA'",
        ),
        ({"window": "2020-1990"}, UserInputError, "starts after it ends"),
        ({"method": "mapp"}, UserInputError, "method = 'mapp'.*Did you mean 'map'"),
        ({"weights": {"AAA": -1.0, "BBB": 1.0}}, UserInputError, "weight of analog AAA = -1.0"),
        ({"weights": [1.0]}, UserInputError, "weights has 1 values for 2 analogs"),
        ({"spaces": ["womens"]}, UserInputError, "space = 'womens' is unknown.*'women'"),
        ({"tau_prior": "Gamma(2)"}, UserInputError, "tau prior = 'Gamma"),
        ({"analogs": []}, UserInputError, "needs at least one analog"),
        ({"conflict_years": 0}, UserInputError, "conflict_years = 0"),
    ],
)
def test_bad_input_names_field_and_value(
    events: xr.Dataset, kwargs: dict, exc: type, pattern: str
) -> None:
    args = {"target": "TGT", "analogs": ["AAA", "BBB"], "events": events} | kwargs
    with pytest.raises(exc, match=pattern):
        build_prior(**args)


def test_analog_without_data_in_one_space_only(events: xr.Dataset) -> None:
    with pytest.raises(UserInputError, match="no coded years for any analog.*'women'"):
        build_prior("TGT", ["BBB"], spaces=["women"], events=events)


def test_load_prior_reports_file_and_key(prior: AnalogPrior, tmp_path: Path) -> None:
    good = prior.to_toml_string()
    cases = {
        "missing_key": (
            good.replace("\nmethod = ", "\nmethodx = ", 1),
            "key 'meta.method' is missing",
        ),
        "bad_type": (
            good.replace("discount = 0.5", 'discount = "half"', 1),
            "key 'meta.discount' = 'half'",
        ),
        "bad_range": (
            good.replace("discount = 0.5", "discount = 1.5", 1),
            r"key 'meta.discount' = 1.5 is outside",
        ),
        "bad_weights": (
            good.replace("weights = [", "weights = [0.5, ", 1),
            "key 'meta.weights' has 3 values",
        ),
        "not_toml": (good + "\n[[[", "not valid TOML"),
    }
    for name, (text, pattern) in cases.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(text)
        with pytest.raises(DataIntegrityError, match=pattern) as info:
            load_prior(path)
        assert str(path) in str(info.value)
    broken = good.replace("sds = [", "sds = [-1.0, ", 1)
    (tmp_path / "mix.toml").write_text(broken)
    with pytest.raises(DataIntegrityError, match=r"spaces\.associational\.opening\.mixture"):
        load_prior(tmp_path / "mix.toml")
    with pytest.raises(UserInputError, match="does not exist"):
        load_prior(tmp_path / "nope.toml")


# ---------------------------------------------------------------------- similarity


@pytest.fixture(scope="module")
def panel() -> xr.Dataset:
    countries = ["TGT", "TWIN", "NEAR", "FAR", "OTHERREGION"]
    years = np.arange(2000, 2011)
    base = {
        "v2x_regime": [1.0, 1.0, 1.2, 3.0, 1.0],
        "v2x_gencl": [0.3, 0.3, 0.35, 0.9, 0.3],
        "NY.GDP.PCAP.KD": [600.0, 600.0, 800.0, 40000.0, 600.0],
        "NY.GDP.PETR.RT.ZS": [1.0, 1.0, 2.0, 0.0, 1.0],
    }
    data = {
        k: (("country", "year"), np.repeat(np.array(v)[:, None], len(years), axis=1))
        for k, v in base.items()
    }
    return xr.Dataset(
        data, coords={"country": countries, "year": years, "region": ("country", [6, 6, 6, 5, 3])}
    )


def test_similarity_weights_and_table(panel: xr.Dataset) -> None:
    w, table = suggest_weights("TGT", ["TWIN", "NEAR", "FAR", "OTHERREGION"], panel=panel)
    assert sum(w.values()) == pytest.approx(1.0)
    assert w["TWIN"] > w["NEAR"] > w["FAR"]
    assert w["TWIN"] > w["OTHERREGION"]  # identical covariates, different region
    assert table.loc["TWIN", "distance"] == pytest.approx(0.0)
    assert table.loc["OTHERREGION", "distance"] == pytest.approx(1.0)
    assert bool(table.loc["OTHERREGION", "region_differs"])
    assert table.index[0] == "TGT" and math.isnan(table.loc["TGT", "weight"])
    assert {
        "regime",
        "women_civil_liberties",
        "log_gdp_per_capita",
        "resource_rents",
        "region",
    } <= set(table.columns)
    ratio = w["OTHERREGION"] / w["TWIN"]
    assert ratio == pytest.approx(math.exp(-1 / 2))  # exp(-d^2 / (2 h^2)) with d = 1, h = 1
    sharp, _ = suggest_weights("TGT", ["TWIN", "OTHERREGION"], bandwidth=0.3, panel=panel)
    assert sharp["TWIN"] > 0.99
    assert isinstance(table, pd.DataFrame) and table.attrs["bandwidth"] == 1.0


def test_similarity_bad_input(panel: xr.Dataset) -> None:
    with pytest.raises(UserInputError, match="include the target"):
        suggest_weights("TGT", ["TGT", "TWIN"], panel=panel)
    with pytest.raises(UserInputError, match="bandwidth = 0"):
        suggest_weights("TGT", ["TWIN"], bandwidth=0, panel=panel)
    with pytest.raises(UserInputError, match="years = 1950-1960"):
        suggest_weights("TGT", ["TWIN"], years="1950-1960", panel=panel)


def test_suggested_weights_feed_build_prior(events: xr.Dataset) -> None:
    p = build_prior(
        "TGT", ["AAA", "BBB"], method="power", weights={"AAA": 0.8, "BBB": 0.2}, events=events
    )
    assert p.meta.weights == (0.8, 0.2)
    assert p.meta.analog_power == pytest.approx((1.0, 0.25))
    sp = p.get("associational", "opening")
    assert ess_mixture(sp.mixture, kappa=sp.kappa) == pytest.approx(sp.ess, rel=1e-5)

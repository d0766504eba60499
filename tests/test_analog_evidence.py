"""The analogy prior's model-scale evidence (issue 14, item 2): spell units and dropped spells in
``event_logit``, each unit's intercept on theta's scale, and ``priors build --evidence model``."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest
import xarray as xr

from analogcast.cli.main import main
from analogcast.data import load_events, load_panel
from analogcast.errors import UserInputError
from analogcast.models import get_model
from analogcast.priors import ModelScaleEvidence, build_prior, load_prior

SPACES2 = ["associational", "women"]


@pytest.fixture(scope="module")
def prepared() -> tuple:
    panel, events = load_panel(), load_events()
    plain = get_model("event_logit").prepare(panel, events, target=None, origin=2023, spaces=SPACES2)
    split = get_model("event_logit", spell_units=["AFG:1996-2000"], drop_spells=["AFG:2022-2024"]) \
        .prepare(panel, events, target=None, origin=2023, spaces=SPACES2)
    return panel, events, plain, split


@pytest.fixture(scope="module")
def units_only(prepared):
    panel, events, _, _ = prepared
    return get_model("event_logit", spell_units=["AFG:1996-2000"]).prepare(
        panel, events, target=None, origin=2023, spaces=SPACES2)


def _rows(data, unit: str) -> np.ndarray:
    return data.arrays["obs_c"] == list(data.meta["countries"]).index(unit)


def _years(data) -> np.ndarray:
    return np.asarray(data.meta["years"])[data.arrays["obs_t"]]


def test_a_spell_unit_takes_its_rows_with_their_design_unchanged(prepared, units_only) -> None:
    _, _, plain, _ = prepared
    split = units_only
    assert split.meta["countries"][-1] == "AFG:1996-2000"
    assert split.meta["spell_units"] == ["AFG:1996-2000"]
    unit, afg = _rows(split, "AFG:1996-2000"), _rows(split, "AFG")
    yu, ya = _years(split)[unit], _years(split)[afg]
    assert set(yu) == set(range(1996, 2001))
    assert not ((ya >= 1996) & (ya <= 2000)).any() and ya.max() == 2022
    # the same rows and columns as without the option, only their unit differs
    old = _rows(plain, "AFG") & (_years(plain) >= 1996) & (_years(plain) <= 2000)
    assert unit.sum() == old.sum() > 0
    assert np.array_equal(split.arrays["XZ"][unit], plain.arrays["XZ"][old])
    assert np.array_equal(split.arrays["y"][unit], plain.arrays["y"][old])
    assert split.meta["n_rows"] == plain.meta["n_rows"]
    # the unit sits in its country's region
    reg = split.arrays["country_region"]
    assert reg[-1] == reg[list(split.meta["countries"]).index("AFG")]


def test_dropped_spell_rows_are_gone_and_nothing_else(prepared) -> None:
    _, _, plain, split = prepared
    gone = _rows(plain, "AFG") & (_years(plain) >= 2022)
    assert gone.sum() > 0  # 2022 is coded (strict: 2023 is the last observed year)
    assert not ((_rows(split, "AFG") | _rows(split, "AFG:1996-2000")) & (_years(split) >= 2022)).any()
    assert split.meta["n_rows"] == plain.meta["n_rows"] - int(gone.sum())


@pytest.mark.parametrize(
    ("options", "target", "message"),
    [
        ({"spell_units": ["SAU"]}, None, r"spell_units.*whole country"),
        ({"spell_units": ["AFG:1996-2000", "AFG:1996-2000"]}, None, r"twice"),
        ({"spell_units": ["XYZ:1996-2000"]}, None, r"unknown country 'XYZ'"),
        ({"spell_units": ["AFG:1996-2000", "AFG:1999-2003"]}, None, r"AFG:1999-2003 overlaps AFG:1996-2000"),
        ({"spell_units": ["AFG:1950-1960"]}, None, r"AFG:1950-1960 has no coded country-year"),
        ({"spell_units": ["AFG:1996-2000"]}, "AFG", r"spell of the target"),
        ({"drop_spells": ["AFG:2001-1999"]}, None, r"starts after it ends"),
    ],
)
def test_bad_spells_are_refused_in_one_line(prepared, options, target, message) -> None:
    panel, events, _, _ = prepared
    with pytest.raises(UserInputError, match=message) as err:
        get_model("event_logit", **options).prepare(panel, events, target=target, origin=2023,
                                                    spaces=SPACES2)
    assert "\n" not in str(err.value)


def _fake_posterior(data, rng: np.random.Generator, n: int = 7) -> xr.Dataset:
    """Random draws of every variable the forecast code reads."""
    S, C = len(data.spaces), len(data.meta["countries"])
    R, T, K, G = len(data.meta["regions"]), len(data.meta["years"]), len(data.covariates), len(data.dynamic)

    def v(*shape: int) -> np.ndarray:
        return rng.normal(size=(1, n, *shape))

    dims = ("chain", "draw")
    return xr.Dataset({
        "alpha": ((*dims, "space", "direction"), v(S, 2)),
        "year_effect": ((*dims, "year", "direction"), v(T, 2)),
        "sigma_year": ((*dims, "direction"), np.abs(v(2))),
        "z_region": ((*dims, "region", "space", "direction"), v(R, S, 2)),
        "sigma_country": ((*dims, "direction"), np.abs(v(2))),
        "z_country": ((*dims, "country", "direction"), v(C, 2)),
        "beta": ((*dims, "covariate", "space", "direction"), 0.3 * v(K, S, 2)),
        "gamma": ((*dims, "dynamic", "space", "direction"), 0.3 * v(G, S, 2)),
    })


def test_unit_intercepts_in_closed_form(prepared) -> None:
    """alpha + region + country effect + slopes at the unit's mean row + its mean year effect."""
    _, _, _, split = prepared
    post = _fake_posterior(split, np.random.default_rng(5))
    model = get_model("event_logit")
    labels = ["SAU", "IRN", "AFG:1996-2000"]
    got = model.unit_intercepts(post, split, labels)
    a = split.arrays
    sr = float(split.meta["options"]["sigma_region_scale"])
    units = list(split.meta["countries"])
    for si, s in enumerate(split.spaces):
        for di, d in enumerate(("opening", "closing")):
            rows = {lab: (m, sd) for lab, m, sd in got[(s, d)]}
            for lab in labels:
                ci = units.index(lab)
                sel = (a["obs_c"] == ci) & (a["obs_sd"] == si * 2 + di)
                if not sel.any():
                    assert lab not in rows
                    continue
                yrs = a["obs_t"][sel]
                # slopes: covariates then dynamic columns, at the unit's mean row of the design
                coef = np.concatenate([post["beta"].values[0, :, :, si, di],
                                       post["gamma"].values[0, :, :, si, di]], axis=1)
                draws = (post["alpha"].values[0, :, si, di]
                         + coef @ a["XZ"][sel].mean(axis=0)
                         + sr * post["z_region"].values[0, :, a["country_region"][ci], si, di]
                         + post["z_country"].values[0, :, ci, di] * post["sigma_country"].values[0, :, di]
                         + post["year_effect"].values[0][:, yrs, di].mean(axis=1))
                assert rows[lab][0] == pytest.approx(draws.mean(), abs=1e-12)
                assert rows[lab][1] == pytest.approx(draws.std(), abs=1e-12)
    with pytest.raises(UserInputError, match="XYZ not among the fitted units"):
        model.unit_intercepts(post, split, ["XYZ"])


# -- the command: priors build --evidence model ----------------------------------------------------


def _build(tmp, *extra: str) -> list[str]:
    return ["priors", "build", "--target", "AFG", "--current-from", "2022", "--out", str(tmp), *extra]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--analogs", "SAU", "--evidence", "modle"], "--evidence = 'modle'.*Did you mean 'model'"),
        (["--analogs", "SAU", "--evidence", "model", "--kappa", "1"], "--kappa applies to --evidence counts"),
        (["--analogs", "SAU,AFG:2020-2023", "--evidence", "model"], "overlaps the target's current spell"),
        (["--analogs", "SAU", "--evidence", "model", "--evidence-draws", "5"], "--evidence-draws = 5"),
        (["--analogs", "SAU", "--evidence", "model", "--discount", "2"], "discount = 2"),
    ],
)
def test_model_evidence_refuses_bad_input_before_sampling(tmp_path, capsys, extra, message) -> None:
    import re

    assert main(_build(tmp_path / "p.toml", *extra)) == 1
    err = capsys.readouterr().err.strip()
    assert re.search(message, err), err
    assert len(err.splitlines()) == 1 and "fitting event_logit" not in err
    assert not (tmp_path / "p.toml").exists()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple:
    """One small real evidence fit (associational space, where SAU has no opening), as a power
    prior with full borrowing: the file's prior then IS the pooled normal of the evidence."""
    out = tmp_path_factory.mktemp("ev") / "prior.toml"
    code = main(_build(out, "--analogs", "SAU,IRN,AFG:1996-2000", "--spaces", "associational",
                       "--evidence", "model", "--evidence-draws", "150", "--evidence-tune", "150",
                       "--method", "power", "--discount", "1", "--seed", "3"))
    assert code == 0
    return out, load_prior(out)


def test_the_file_records_each_analogs_fitted_intercept(built) -> None:
    out, prior = built
    raw = tomllib.loads(out.read_text())
    assert raw["meta"]["evidence_source"].startswith("event_logit fitted without AFG's rows from 2022")
    for d in ("opening", "closing"):
        ev = raw["spaces"]["associational"][d]["model_evidence"]
        assert [e["label"] for e in ev] == ["SAU", "IRN", "AFG:1996-2000"]
        assert all(math.isfinite(e["mean"]) and e["sd"] > 0 for e in ev)
        assert raw["spaces"]["associational"][d]["kappa"] == 1.0


def test_the_priors_centre_is_the_analogs_fitted_intercepts(built) -> None:
    """power, a0 = 1: the prior is the precision-weighted normal of the model-scale estimates."""
    _, prior = built
    for d in ("opening", "closing"):
        sp = prior.get("associational", d)
        m = np.array([e[1] for e in sp.model_evidence])
        s = np.array([e[2] for e in sp.model_evidence])
        w = 1 / s**2
        assert sp.mixture.mean() == pytest.approx(float((w * m).sum() / w.sum()), abs=1e-5)
        assert sp.mixture.sd() == pytest.approx(float(w.sum() ** -0.5), abs=1e-5)


def test_a_zero_count_analog_moves_the_model_scale_prior(built) -> None:
    """Saudi Arabia had no associational opening; on the model's scale its intercept is low with a
    finite sd, and the prior with it sits lower and is narrower than without it."""
    _, prior = built
    sp = prior.get("associational", "opening")
    sau = next(e for e in sp.evidence if e.label == "SAU")
    assert sau.events == 0 and sau.years > 40
    est = {("associational", d): list(prior.get("associational", d).model_evidence)
           for d in ("opening", "closing")}
    kw = {"method": "power", "discount": 1.0, "spaces": ["associational"], "current_from": 2022, "drift": False}
    with_sau = build_prior("AFG", ["SAU", "IRN", "AFG:1996-2000"], evidence=ModelScaleEvidence(est), **kw)
    without = build_prior("AFG", ["IRN", "AFG:1996-2000"],
                          evidence=ModelScaleEvidence({k: [e for e in v if e[0] != "SAU"] for k, v in est.items()}),
                          **kw)
    a, b = with_sau.mixture("associational", "opening"), without.mixture("associational", "opening")
    sau_mean = next(e[1] for e in sp.model_evidence if e[0] == "SAU")
    assert sau_mean < b.mean()
    assert a.mean() < b.mean() - 0.05
    assert a.sd() < b.sd()


@pytest.mark.slow
def test_a_units_intercept_is_on_thetas_scale(prepared) -> None:
    """The same country's intercept two ways: as the target's theta (its own free intercept per
    space, vague prior) and as a unit of a fit with no target. Both are its mean log-odds over its
    rows, so they estimate one quantity; they differ by the hierarchy's pooling of the unit (its
    country effect is shared over spaces and shrunk towards its region), which is within the
    posterior uncertainty. Tolerance: twice the sd of the difference. Leaving the year effects,
    the slopes or the centring shift out of the unit's intercept moves it by more (the count route
    differed from the fitted intercepts by up to 2.9 logit, bench/results/prior_scale.json)."""
    from analogcast.models import sample_model

    panel, events, _, _ = prepared
    model = get_model("event_logit")
    out = {}
    for target in ("IRN", None):
        data = model.prepare(panel, events, target=target, origin=2023, spaces=["women"])
        tree = sample_model(model.build(data, None), draws=400, tune=400, chains=2, seed=11)
        post = tree["posterior"].to_dataset()
        if target is None:
            est = model.unit_intercepts(post, data, ["IRN"])
            out["unit"] = {d: est[("women", d)][0][1:] for d in ("opening", "closing")}
        else:
            th = post["theta"].sel(space="women")
            out["theta"] = {d: (float(th.sel(direction=d).mean()), float(th.sel(direction=d).std()))
                            for d in ("opening", "closing")}
    for d in ("opening", "closing"):
        (mu, su), (mt, st) = out["unit"][d], out["theta"][d]
        assert abs(mu - mt) < 2 * math.hypot(su, st), (d, out)


def test_the_reports_rebuilt_priors_use_the_fitted_intercepts() -> None:
    """The sensitivity section's alternative priors of a model-scale prior are rebuilt from its
    recorded intercepts: at the file's own settings the rebuild is the file's prior (built from
    counts it would sit on another scale), and leaving an analog out drops its intercept."""
    from pathlib import Path

    from analogcast.reporting.analogs import prior_rebuilder

    prior = load_prior(Path(__file__).resolve().parents[1] / "priors" / "afghanistan_saudi_iran_taliban1996.toml")
    spaces = ["associational", "women"]
    rebuild = prior_rebuilder(prior, spaces)
    assert rebuild is not None
    same = rebuild(discount=prior.meta.discount)
    for s in spaces:
        got, want = same(s, "opening"), prior.mixture(s, "opening")
        assert got.mean() == pytest.approx(want.mean(), abs=1e-5)
        assert got.sd() == pytest.approx(want.sd(), abs=1e-5)
    without = rebuild(analogs=("SAU", "IRN"))("women", "opening")
    est = {(s, d): [e for e in prior.get(s, d).model_evidence if e[0] != "AFG:1996-2000"]
           for s in spaces for d in ("opening", "closing")}
    direct = build_prior("AFG", ["SAU", "IRN"], method=prior.meta.method, discount=prior.meta.discount,
                         robust_weight=prior.meta.robust_weight, current_from=2022, spaces=spaces,
                         evidence=ModelScaleEvidence(est), drift=False).mixture("women", "opening")
    assert without.mean() == pytest.approx(direct.mean(), abs=1e-5)


def test_the_report_shows_the_fitted_intercepts_the_prior_is_built_from() -> None:
    from pathlib import Path

    from analogcast.reporting.analogs import analogs_section

    prior = load_prior(Path(__file__).resolve().parents[1] / "priors" / "afghanistan_saudi_iran_taliban1996.toml")
    sec = analogs_section(prior, ["women", "electoral"], None)
    block = sec["model_evidence"]
    assert block is not None and "fitted intercept" in block.caption
    assert "for reference" in sec["evidence"].caption
    rows = {r[0]: r[1:] for r in block.rows}
    for col, space in enumerate(["women", "electoral"]):
        for a in prior.meta.analogs:
            want = []
            for d in ("opening", "closing"):
                hit = [e for e in prior.get(space, d).model_evidence if e[0] == a]
                want.append(f"{hit[0][1]:.2f} ± {hit[0][2]:.2f}" if hit else "—")
            assert rows[a][col] == " · ".join(want)
    assert rows["SAU"][1].endswith("—")  # Saudi Arabia has no electoral closing rows
    # the counts table (for reference) has the spell's own counts, found by its label
    counts = {r[0]: r[1:] for r in sec["evidence"].rows}
    for col, space in enumerate(["women", "electoral"]):
        for a in prior.meta.analogs:
            want = []
            for d in ("opening", "closing"):
                e = next(e for e in prior.get(space, d).evidence if e.label == a)
                want.append(f"{e.events}/{e.years}")
            assert counts[a][col] == " · ".join(want), (a, space)


def test_the_report_says_the_loco_check_did_not_cover_the_model_route(tiny_run) -> None:
    """The real tiny run's report context, with its counts prior and with the committed model-scale
    prior put in its place: only the second says the kept new-regime check did not cover it."""
    import dataclasses
    from pathlib import Path

    from analogcast.reporting import build_report_context

    model_prior = load_prior(Path(__file__).resolve().parents[1] / "priors" / "afghanistan_saudi_iran_taliban1996.toml")
    swapped = dataclasses.replace(tiny_run, result=dataclasses.replace(tiny_run.result, prior=model_prior))
    note = "a route the check did not cover"
    for run, expected in ((tiny_run, False), (swapped, True)):
        ctx = build_report_context(run, with_figures=False)
        record = ctx.analogs["track_record"]
        assert record and record[0].startswith("Do analogy priors help"), record
        assert any(note in p for p in record) is expected
        assert (ctx.analogs["model_evidence"] is not None) is expected

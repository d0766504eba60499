"""The analogy priors on the shipped data: the committed Afghanistan prior and the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import xarray as xr

from analogcast.cli.main import main
from analogcast.priors import AnalogPrior, build_prior, load_prior

data = pytest.importorskip("analogcast.data")

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "priors" / "afghanistan_saudi_iran.toml"
SPACES = list(data.SPACES)


@pytest.fixture(scope="module")
def events() -> xr.Dataset:
    return data.load_events()


@pytest.fixture(scope="module")
def committed() -> AnalogPrior:
    return load_prior(COMMITTED)


def test_committed_prior_matches_the_issue_command(committed: AnalogPrior) -> None:
    m = committed.meta
    assert (m.target, m.analogs, m.method) == ("AFG", ("SAU", "IRN"), "robust_map")
    assert (m.discount, m.robust_weight, m.window) == (0.5, 0.2, "all")
    assert committed.space_names == tuple(SPACES)
    for s in SPACES:
        for d in ("opening", "closing"):
            sp = committed.get(s, d)
            assert 0 < sp.ess < 100 and 0 < sp.ess_moment <= sp.ess
            assert set(sp.ess_share) == {"SAU", "IRN"}
            assert sum(sp.ess_share.values()) == pytest.approx(1.0, abs=1e-5)
            assert sp.conflict_years == 10 and sp.conflict_p is not None
            assert sp.mixture.weight_of("vague") == pytest.approx(0.2)


def test_committed_prior_is_current(committed: AnalogPrior, events: xr.Dataset) -> None:
    sha = data.data_sha256()
    assert committed.meta.data_sha256 == sha, (
        "priors/afghanistan_saudi_iran.toml was built from other data; rebuild it with "
        "'analogcast priors build --target AFG --analogs SAU,IRN --method robust_map --discount 0.5 "
        "--robust-weight 0.2 --out priors/afghanistan_saudi_iran.toml'"
    )
    rebuilt = build_prior(
        "AFG",
        ["SAU", "IRN"],
        method="robust_map",
        discount=0.5,
        robust_weight=0.2,
        events=events,
        panel=data.load_panel(),  # the drift part of the file is built from the panel
        data_sha256=sha,
    )
    m = committed.meta
    rebuilt = rebuilt.with_meta(
        created=m.created, analogcast_version=m.analogcast_version, notes=m.notes
    )
    assert rebuilt == committed


def test_power_prior_borrowed_information_is_linear_in_the_discount(events: xr.Dataset) -> None:
    """Power prior: Beta(1/2 + a0 x / D, 1/2 + a0 (n - x) / D); its variance of logit(p) is the
    trigamma sum, so the borrowed counts (a + b - 1) halve exactly with a0 (real data)."""
    from scipy import special

    kw = {"method": "power", "events": events, "data_sha256": "test"}
    for a0 in (1.0, 0.5):
        p = build_prior("AFG", ["SAU", "IRN"], discount=a0, **kw)
        for s in SPACES:
            for d in ("opening", "closing"):
                sp = p.get(s, d)
                x = a0 * sum(e.events for e in sp.evidence) / sp.design_effect
                n = a0 * sum(e.years for e in sp.evidence) / sp.design_effect
                v = special.polygamma(1, 0.5 + x) + special.polygamma(1, 0.5 + n - x)
                assert sp.mixture.var() / sp.kappa**2 == pytest.approx(v, rel=0.01), (s, d, a0)


def test_cli_third_analog_changes_file_and_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "afg3.toml"
    rc = main(
        [
            "priors",
            "build",
            "--target",
            "AFG",
            "--analogs",
            "SAU,IRN,IRQ",
            "--method",
            "robust_map",
            "--discount",
            "0.5",
            "--robust-weight",
            "0.2",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "IRQ" in printed and "wrote" in printed
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert digest != hashlib.sha256(COMMITTED.read_bytes()).hexdigest()
    three = load_prior(out)
    assert three.meta.analogs == ("SAU", "IRN", "IRQ")
    for s in SPACES:
        assert three.get(s, "opening").ess_share["IRQ"] > 0


def test_cli_show_prints_ess_and_shares(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["priors", "show", str(COMMITTED)]) == 0
    out = capsys.readouterr().out
    assert "ESS" in out and "SAU" in out and "IRN" in out
    assert sum(line.startswith(tuple(SPACES)) for line in out.splitlines()) == 14


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--target", "XYZ", "--analogs", "SAU"], "target = 'XYZ'"),
        (["--target", "AFG", "--analogs", "SAU,AFG"], "analogs = SAU,AFG include the target AFG"),
        (
            ["--target", "AFG", "--analogs", "SAU", "--discount", "1.5"],
            "discount = 1.5 is outside (0, 1]",
        ),
        (
            ["--target", "AFG", "--analogs", "SAU", "--discount", "0"],
            "discount = 0.0 is outside (0, 1]",
        ),
        (
            ["--target", "AFG", "--analogs", "SAU", "--robust-weight", "1"],
            "robust_weight = 1.0 is outside [0, 1)",
        ),
        (
            ["--target", "AFG", "--analogs", "SAU", "--window", "1900-1950"],
            "window = 1900-1950 has no coded years for analog 'SAU'",
        ),
    ],
)
def test_cli_bad_input_is_one_clear_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["priors", "build", *argv, "--out", str(tmp_path / "x.toml")])
    err = capsys.readouterr().err
    assert rc == 1
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.toml").exists()


def test_similarity_on_real_covariates() -> None:
    from analogcast.priors import suggest_weights

    w, table = suggest_weights("AFG", ["SAU", "IRN", "PAK"])
    assert sum(w.values()) == pytest.approx(1.0)
    assert list(table.index) == ["AFG", "SAU", "IRN", "PAK"]
    assert table.loc[["SAU", "IRN", "PAK"], "distance"].notna().all()
    assert w["PAK"] > w["SAU"]  # same region, closer income and rents


def test_main_job_prior_has_the_three_analogs_of_the_founding_argument() -> None:
    p = load_prior(REPO / "priors" / "afghanistan_saudi_iran_taliban1996.toml")
    assert p.meta.analogs == ("SAU", "IRN", "AFG:1996-2000") and p.meta.current_from == 2022
    for word in ("SAU", "IRN", "first emirate", "selection on the outcome"):
        assert word in p.meta.notes
    # built on the model's scale: each analog's intercept in event_logit fitted without 2022-
    assert p.meta.evidence_source.startswith("event_logit fitted without AFG's rows from 2022")
    for s in SPACES:
        for d in ("opening", "closing"):
            sp = p.get(s, d)
            assert [e.label for e in sp.evidence] == list(p.meta.analogs)
            fitted = {lab for lab, _, _ in sp.model_evidence}
            assert {"SAU", "IRN"} & fitted  # at least one whole-country analog in every cell
            assert set(sp.ess_share) == set(p.meta.analogs)
            # an analog shares the ESS exactly when it has a fitted intercept in this cell
            assert {a for a, v in sp.ess_share.items() if v > 0} == fitted
            assert sp.evidence[2].first_year == 1996 and sp.evidence[2].last_year == 2000
            assert sp.kappa == 1.0
    assert set(p.drift) >= set(SPACES)
    spec = (REPO / "fits" / "afghanistan.toml").read_text(encoding="utf-8")
    assert 'file = "priors/afghanistan_saudi_iran_taliban1996.toml"' in spec


def test_main_job_prior_is_built_from_the_evidence_it_records() -> None:
    """The committed file equals build_prior on its own recorded model-scale evidence and the
    shipped data (conflict counts, drift part): no refit needed to check that it is current."""
    from analogcast.priors import ModelScaleEvidence

    p = load_prior(REPO / "priors" / "afghanistan_saudi_iran_taliban1996.toml")
    m = p.meta
    assert m.data_sha256 == data.data_sha256()
    est = {(s, d): list(p.get(s, d).model_evidence) for s in SPACES for d in ("opening", "closing")}
    rebuilt = build_prior(
        "AFG", list(m.analogs), method=m.method, discount=m.discount, robust_weight=m.robust_weight,
        current_from=m.current_from, conflict_years=m.conflict_years,
        evidence=ModelScaleEvidence(est, m.evidence_source), panel=data.load_panel(),
    ).with_meta(created=m.created, analogcast_version=m.analogcast_version, notes=m.notes)
    assert rebuilt == p

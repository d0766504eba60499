"""``analogcast fit`` / ``run`` / ``report`` end to end on a tiny real fit.

One spec with one space and few draws is fitted twice through the CLI (``fit`` in a subprocess,
``run`` in-process); the two forecasts.csv must be byte-identical; the saved run must round-trip
through ``load_run`` to the same forecasts; a one-byte change in the posterior must make
``analogcast report`` and ``load_run`` refuse, naming the file. The full Afghanistan spec
(7 spaces) is checked the same way under ``-m slow``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analogcast.cli.main import main
from analogcast.errors import DataIntegrityError

ROOT = Path(__file__).resolve().parents[1]
ANALOGCAST = [sys.executable, "-m", "analogcast.cli.main"]

TINY = """
title = "tiny test fit"
name = "tiny"
target = "AFG"
origin = 2023
spaces = ["women"]
horizons = [2, 5]
seed = 11

[model]
names = ["event_logit"]

[prior]
file = "{prior}"

[sampler]
draws = 50
tune = 50
chains = 2

[[scenarios]]
name = "status_quo"
note = "as in 2023"
oda_gni = 15.0
alt_patrons = 1
sanctions = 13

[[scenarios]]
name = "conditional_engagement"
oda_gni = 25.0
alt_patrons = 0
sanctions = 8
"""


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Fit the tiny spec twice: ``analogcast fit`` (subprocess) and ``analogcast run`` (in-process)."""
    base = tmp_path_factory.mktemp("cli")
    spec = base / "tiny.toml"
    spec.write_text(TINY.format(prior=ROOT / "priors" / "afghanistan_saudi_iran.toml"))
    first = base / "runs" / "first"
    proc = subprocess.run(
        [*ANALOGCAST, "fit", str(spec), "--out-dir", str(first), "--quiet"],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    second = base / "runs" / "second"
    code, out, err = _cli("run", str(spec), "--out-dir", str(second), "--report-dir", str(base / "reports"), "--report-format", "html")
    assert code == 0, err
    return {"spec": spec, "first": first, "second": second, "reports": base / "reports", "base": base}


def test_fit_writes_a_complete_run(tiny: dict[str, Path]) -> None:
    run_dir = tiny["first"]
    names = {p.name for p in run_dir.iterdir()}
    assert {"metadata.json", "spec.toml", "prior.toml", "posterior.nc", "forecasts.nc", "forecasts.csv", "contrasts.csv"} <= names
    meta = json.loads((run_dir / "metadata.json").read_text())
    assert meta["seed"] == 11 and meta["target"] == "AFG" and meta["spaces"] == ["women"]
    assert meta["prior_source"].endswith("afghanistan_saudi_iran.toml") and len(meta["prior_sha256"]) == 64
    assert len(meta["data_sha256"]) == 64
    assert {"analogcast", "pymc", "pytensor", "arviz", "xarray", "numpy"} <= set(meta["versions"])
    assert meta["timings"]["total"] > 0 and "event_logit.sample" in meta["timings"]
    assert {"max_rhat", "min_ess_bulk", "divergences"} <= set(meta["diagnostics"])
    assert set(meta["files"]) == names - {"metadata.json"}
    header = (run_dir / "forecasts.csv").read_text().splitlines()[0]
    assert header.startswith("scenario,space,horizon,p_opening")


def test_same_spec_and_seed_give_byte_identical_forecasts(tiny: dict[str, Path]) -> None:
    a = (tiny["first"] / "forecasts.csv").read_bytes()
    b = (tiny["second"] / "forecasts.csv").read_bytes()
    assert a == b
    assert (tiny["first"] / "contrasts.csv").read_bytes() == (tiny["second"] / "contrasts.csv").read_bytes()


def test_run_renders_a_report(tiny: dict[str, Path]) -> None:
    """``analogcast run --report-dir`` writes the report of the run it saved: its numbers are the
    run's forecasts.csv / contrasts.csv (parsed back from the HTML, ``tests/report_check.py``)."""
    from report_check import check_report

    html = list(tiny["reports"].glob("*.html"))
    assert len(html) == 1, list(tiny["reports"].iterdir())
    n = check_report(html[0].read_text(encoding="utf-8"), tiny["second"])
    assert n["forecast_cells"] >= 8 and n["narrative"] >= 3


def test_round_trip_load_gives_identical_forecasts(tiny: dict[str, Path]) -> None:
    from analogcast.runs import Run, load_run

    run = load_run(tiny["first"])
    assert run.forecasts_csv().encode() == (tiny["first"] / "forecasts.csv").read_bytes()
    # re-forecasting from the loaded posterior reproduces the saved forecasts exactly
    again = Run.from_result(run.result)
    assert again.forecasts_csv() == run.forecasts_csv()
    assert again.forecasts["p_opening"].equals(run.forecasts["p_opening"])
    assert run.data["event_logit"].target == "AFG"  # ModelData re-prepared on demand


def test_existing_run_is_kept_and_new_one_suffixed(tiny: dict[str, Path]) -> None:
    """Re-saving under the same name never overwrites: the CLI's default picks <name>-2."""
    from analogcast.runs import load_run, save_run

    run = load_run(tiny["first"])
    before = (tiny["first"] / "metadata.json").read_bytes()
    path = save_run(run, tiny["first"])
    assert path.name == "first-2"
    assert (tiny["first"] / "metadata.json").read_bytes() == before


def test_tampered_posterior_refused_by_report_and_load_run(tiny: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    from analogcast.runs import load_run

    victim_run = tmp_path / "tampered"
    shutil.copytree(tiny["first"], victim_run)
    f = victim_run / "posterior.nc"
    data = bytearray(f.read_bytes())
    data[len(data) // 3] ^= 0x01
    f.write_bytes(bytes(data))
    with pytest.raises(DataIntegrityError, match="posterior.nc"):
        load_run(victim_run)
    code, _, err = _cli("report", str(victim_run), "--format", "html", "--out", str(tmp_path / "r"))
    assert code == 1
    assert err.count("\n") == 1 and "posterior.nc" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").iterdir())


def test_strict_exit_2_on_failed_convergence(tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """50 draws cannot reach bulk ESS 400: ``--strict`` exits 2 with one line, and the run is saved."""
    import analogcast.runs
    from analogcast.runs import load_run

    fitted = load_run(tiny["first"])
    assert fitted.convergence_problems()  # tiny fits fail the ESS threshold
    monkeypatch.setattr(analogcast.runs, "run_spec", lambda spec, **kw: fitted)  # no second sampling
    out = tmp_path / "strict"
    code, _, err = _cli("fit", str(tiny["spec"]), "--out-dir", str(out), "--strict")
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("analogcast fit: error: convergence checks failed") and "ESS" in last
    assert "Traceback" not in err
    assert load_run(out).forecasts_csv() == fitted.forecasts_csv()
    code, _, err = _cli("fit", str(tiny["spec"]), "--out-dir", str(tmp_path / "lenient"), "--quiet")
    assert code == 0 and err == ""


@pytest.mark.slow
def test_afghanistan_spec_twice_identical(tmp_path: Path) -> None:
    """The issue's check: two ``analogcast fit fits/afghanistan.toml --draws 100 --tune 100 --chains 2``."""
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        proc = subprocess.run(
            [*ANALOGCAST, "fit", str(ROOT / "fits" / "afghanistan.toml"), "--draws", "100", "--tune", "100", "--chains", "2", "--out-dir", str(out), "--quiet"],
            capture_output=True,
            text=True,
            timeout=1800,
            cwd=ROOT,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append((out / "forecasts.csv").read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b"\n") == 1 + 5 * 7 * 2  # header + scenarios x spaces x horizons


def test_run_backtest_dir_checked_before_fitting(tmp_path: Path) -> None:
    """``analogcast run --backtest DIR`` without a scores.csv there fails at once, in one line."""
    code, _, err = _cli("run", str(ROOT / "fits" / "afghanistan.toml"), "--backtest", str(tmp_path), "--out-dir", str(tmp_path / "r"))
    assert code == 1
    assert "scores.csv" in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()

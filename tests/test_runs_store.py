"""Run directories: round trip, tamper detection, data-hash check, kill safety, name clashes.

These tests use a synthetic run (random posterior, no sampling) so they are fast and do not
depend on the models; ``test_runs_pipeline.py`` covers real fits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analogcast.errors import DataIntegrityError, UserInputError
from analogcast.fitting import FitResult, parse_spec
from analogcast.runs import Run, load_run, save_run, verify_run
from analogcast.runs.store import SAVE_PAUSE_ENV

SPEC = """
title = "synthetic"
target = "AFG"
origin = 2020
spaces = ["associational", "electoral"]
horizons = [2, 5]
seed = 7
[sampler]
draws = 20
tune = 20
chains = 2
[[scenarios]]
name = "status_quo"
note = "hold everything"
[[scenarios]]
name = "isolation"
oda_gni = 0.0
sanctions = 4
"""


def synthetic_run(seed: int = 0) -> Run:
    """A small, fully formed Run with random draws (no sampling)."""
    spec = parse_spec(SPEC, source="synthetic.toml", name="synthetic")
    rng = np.random.default_rng(seed)
    spaces = list(spec.spaces)
    chain, draw = np.arange(2), np.arange(20)
    post = xr.Dataset(
        {"theta": (("chain", "draw", "space"), rng.normal(size=(2, 20, len(spaces))))},
        coords={"chain": chain, "draw": draw, "space": spaces},
        attrs={"sampler": "synthetic", "tuned": True},
    )
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((2, 20), dtype=bool))}, coords={"chain": chain, "draw": draw})
    tree = xr.DataTree.from_dict({"/event_logit/posterior": post, "/event_logit/sample_stats": stats})
    scen = [s.name for s in spec.scenarios]
    fc = xr.Dataset(
        {
            "p_opening": (("scenario", "space", "horizon", "chain", "draw"), rng.uniform(size=(2, len(spaces), 2, 2, 20))),
            "p_closing": (("scenario", "space", "horizon", "chain", "draw"), rng.uniform(size=(2, len(spaces), 2, 2, 20))),
        },
        coords={"scenario": scen, "space": spaces, "horizon": [2, 5], "chain": chain, "draw": draw},
    )
    mean = fc.mean(("chain", "draw"))
    rows = [
        {"scenario": s, "space": sp, "horizon": h, "p_opening": float(mean.p_opening.sel(scenario=s, space=sp, horizon=h)), "p_closing": float(mean.p_closing.sel(scenario=s, space=sp, horizon=h))}
        for s in scen
        for sp in spaces
        for h in (2, 5)
    ]
    table = pd.DataFrame(rows)
    contrasts = pd.DataFrame({"scenario_a": ["status_quo"], "scenario_b": ["isolation"], "diff_mean": [0.1]})
    diag = {"max_rhat": 1.0, "min_ess_bulk": 500.0, "min_ess_tail": 450.0, "divergences": 0, "min_bfmi": 0.9}
    from analogcast.data import data_sha256

    result = FitResult(
        spec=spec,
        prior=None,
        tree=tree,
        data={},
        diagnostics={**diag, "by_model": {"event_logit": diag}},
        timings={"total": 1.0},
        provenance={"data_sha256": data_sha256(), "prior_source": "default", "prior_sha256": None, "seeds": {"event_logit": 1},
                    "versions": dict(VERSIONS)},
    )
    return Run(result=result, scenarios=tuple(scen), forecasts=fc, table=table, contrasts=contrasts)


#: the synthetic fit's recorded package versions (made up: the store must keep them as given)
VERSIONS = {"python": "3.x-test", "analogcast": "0-test", "pymc": "6-test", "pytensor": "2-test",
            "arviz": "1-test", "xarray": "2025-test", "numpy": "2-test"}


@pytest.fixture(scope="module")
def run() -> Run:
    return synthetic_run()


def test_round_trip_is_identical(run: Run, tmp_path: Path) -> None:
    path = save_run(run, tmp_path / "r")
    assert path == (tmp_path / "r").absolute()
    assert {p.name for p in path.iterdir()} == {"metadata.json", "spec.toml", "posterior.nc", "forecasts.nc", "forecasts.csv", "contrasts.csv"}
    loaded = load_run(path)
    assert loaded.spec == run.spec
    xr.testing.assert_identical(loaded.tree["event_logit/posterior"].to_dataset(), run.tree["event_logit/posterior"].to_dataset().assign_attrs(tuned=1))
    xr.testing.assert_equal(loaded.forecasts, run.forecasts)
    assert (path / "forecasts.csv").read_text() == run.forecasts_csv()
    assert loaded.forecasts_csv() == run.forecasts_csv()
    assert loaded.diagnostics["max_rhat"] == 1.0
    meta = json.loads((path / "metadata.json").read_text())
    assert set(meta["files"]) == {"spec.toml", "posterior.nc", "forecasts.nc", "forecasts.csv", "contrasts.csv"}
    for key in ("spec", "data_sha256", "versions", "seed", "timings", "diagnostics", "level", "metadata_sha256"):
        assert key in meta, key
    assert meta["versions"] == VERSIONS and loaded.provenance["versions"] == VERSIONS
    assert verify_run(path) == []
    # the loaded tree holds its arrays itself: it outlives the run's files
    for name in ("posterior.nc", "forecasts.nc"):
        (path / name).unlink()
    xr.testing.assert_identical(loaded.tree["event_logit/posterior"].to_dataset(), run.tree["event_logit/posterior"].to_dataset().assign_attrs(tuned=1))
    xr.testing.assert_equal(loaded.forecasts, run.forecasts)


def test_a_real_run_records_the_installed_versions(tiny_run_dir: Path) -> None:
    """The session's real tiny run (tests/conftest.py) records the versions actually installed."""
    import importlib.metadata as md

    import analogcast

    meta = json.loads((tiny_run_dir / "metadata.json").read_text())
    v = meta["versions"]
    assert v["python"] == sys.version.split()[0] and v["analogcast"] == analogcast.__version__
    for pkg in ("pymc", "pytensor", "arviz", "arviz-base", "arviz-stats", "nutpie", "xarray", "numpy"):
        assert v[pkg] == md.version(pkg), pkg


def test_zarr_round_trip(run: Run, tmp_path: Path) -> None:
    path = save_run(run, tmp_path / "z", posterior_format="zarr")
    assert (path / "posterior.zarr").is_dir()
    loaded = load_run(path)
    np.testing.assert_array_equal(loaded.tree["event_logit/posterior/theta"].values, run.tree["event_logit/posterior/theta"].values)
    again = load_run(path).tree  # loaded into memory: the store may change afterwards
    victim = next(p for p in sorted((path / "posterior.zarr").rglob("*")) if p.is_file() and p.stat().st_size > 20 and "theta" in str(p) and p.name != "zarr.json")
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(DataIntegrityError, match=victim.name):
        load_run(path)
    np.testing.assert_array_equal(again["event_logit/posterior/theta"].values, run.tree["event_logit/posterior/theta"].values)


@pytest.mark.parametrize("victim", ["posterior.nc", "forecasts.csv", "spec.toml", "forecasts.nc"])
def test_one_changed_byte_is_refused_naming_the_file(run: Run, tmp_path: Path, victim: str) -> None:
    path = save_run(run, tmp_path / "r")
    f = path / victim
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x01
    f.write_bytes(bytes(data))
    with pytest.raises(DataIntegrityError, match=rf"{victim} was altered"):
        load_run(path)
    with pytest.warns(UserWarning, match=victim):
        try:
            load_run(path, allow_mismatch=True)
        except DataIntegrityError:
            pass  # a corrupted binary file may also be unreadable; the warning still came first


def test_edited_metadata_is_refused(run: Run, tmp_path: Path) -> None:
    path = save_run(run, tmp_path / "r")
    meta = json.loads((path / "metadata.json").read_text())
    meta["seed"] = 8
    (path / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(DataIntegrityError, match="metadata.json"):
        load_run(path)


def test_missing_file_is_refused(run: Run, tmp_path: Path) -> None:
    path = save_run(run, tmp_path / "r")
    (path / "posterior.nc").unlink()
    with pytest.raises(DataIntegrityError, match="posterior.nc is missing"):
        load_run(path)


def test_data_mismatch_refused_unless_overridden(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_run(run, tmp_path / "r")
    import analogcast.data

    monkeypatch.setattr(analogcast.data, "data_sha256", lambda: "0" * 64)
    with pytest.raises(DataIntegrityError, match="installed data"):
        load_run(path)
    with pytest.warns(UserWarning, match="installed data"):
        loaded = load_run(path, allow_mismatch=True)
    assert loaded.forecasts_csv() == run.forecasts_csv()


def test_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="no run directory"):
        load_run(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataIntegrityError, match="metadata.json is missing"):
        load_run(tmp_path / "empty")


def test_same_name_never_overwritten_silently(run: Run, tmp_path: Path) -> None:
    first = save_run(run, tmp_path / "r")
    other = synthetic_run(seed=1)
    second = save_run(other, tmp_path / "r")
    assert second.name == "r-2"
    assert load_run(first).forecasts_csv() == run.forecasts_csv()
    assert load_run(second).forecasts_csv() == other.forecasts_csv()
    with pytest.raises(UserInputError, match="already exists"):
        save_run(other, tmp_path / "r", if_exists="error")
    third = save_run(other, tmp_path / "r", if_exists="overwrite")
    assert third == first
    assert load_run(first).forecasts_csv() == other.forecasts_csv()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_failed_save_leaves_nothing(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import analogcast.runs.store as store

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_write_tree", boom)
    with pytest.raises(RuntimeError):
        save_run(run, tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


_KILL_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_runs_store import synthetic_run
from analogcast.runs import save_run
print("start", flush=True)
save_run(synthetic_run(seed=1), {dest!r}, if_exists="overwrite")
print("done", flush=True)
"""


@pytest.mark.parametrize("stage", ["posterior.nc", "forecasts.csv", "metadata.json"])
def test_sigkill_during_save_leaves_no_loadable_partial_run(run: Run, tmp_path: Path, stage: str) -> None:
    """SIGKILL mid-save (after ``stage`` is written): the earlier run survives, the partial never loads."""
    dest = tmp_path / "afghanistan"
    save_run(run, dest)
    script = tmp_path / "save.py"
    script.write_text(textwrap.dedent(_KILL_SCRIPT.format(tests=str(Path(__file__).parent), dest=str(dest))))
    env = {**os.environ, SAVE_PAUSE_ENV: "0.4"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        partial: Path | None = None
        while time.monotonic() < deadline:
            tmps = [p for p in tmp_path.iterdir() if p.name.startswith(".afghanistan.tmp-")]
            if tmps and (tmps[0] / stage).exists():
                partial = tmps[0]
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.01)
        assert partial is not None, "the save never reached the stage"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # the earlier run of the same name is intact and verifies
    assert load_run(dest).forecasts_csv() == run.forecasts_csv()
    # the partial is refused
    with pytest.raises(DataIntegrityError):
        load_run(partial)
    # the next save cleans the stale temporary directory up
    save_run(run, tmp_path / "afghanistan", if_exists="overwrite")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".afghanistan.")]


def test_added_file_warns_but_loads(run: Run, tmp_path: Path) -> None:
    path = save_run(run, tmp_path / "r")
    (path / "notes.txt").write_text("my notes")
    with pytest.warns(UserWarning, match="notes.txt"):
        load_run(path)


def test_unfinished_temporary_directory_is_refused(run: Run, tmp_path: Path) -> None:
    path = save_run(run, tmp_path / "r")
    tmp = tmp_path / ".r.tmp-999999-abcd"
    path.rename(tmp)
    with pytest.raises(DataIntegrityError, match="interrupted"):
        load_run(tmp)


def test_overwrite_refuses_a_directory_that_is_not_a_run(run: Run, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(UserInputError, match="not an analogcast run"):
        save_run(run, precious, if_exists="overwrite")
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert save_run(run, precious).name == "precious-2"


def test_run_moved_aside_by_killed_overwrite_is_restored(run: Run, tmp_path: Path) -> None:
    dest = save_run(run, tmp_path / "r")
    aside = tmp_path / ".r.old-999999-abcd"  # a dead pid, between the two renames
    dest.rename(aside)
    save_run(synthetic_run(seed=2), tmp_path / "r")  # the next save restores it first
    assert load_run(tmp_path / "r").forecasts_csv() == run.forecasts_csv()
    assert load_run(tmp_path / "r-2").forecasts_csv() == synthetic_run(seed=2).forecasts_csv()


def test_run_tables_are_at_the_specs_level(tmp_path: Path) -> None:
    """``Run.from_result`` (what ``analogcast fit`` saves) summarises at the spec's ``level``, not
    the 0.89 default: with ``level = 0.8`` every forecasts.csv, contrasts.csv, rise.csv and
    index.csv number is the mean / equal-tailed 80% interval / P(A > B) of the draws, recomputed
    here with numpy. Forecast from SIMULATED data and a numpy-drawn posterior."""
    from dataclasses import replace


    level = 0.8
    base = synthetic_run()
    spec = base.spec.replace(level=level, deltas=[0.05])
    assert spec.level == level
    tree, data = _simulated_fit(tuple(spec.spaces))
    result = replace(base.result, spec=spec, tree=tree, data=data)
    run = Run.from_result(result)
    fc = run.forecasts
    q = [(1 - level) / 2, (1 + level) / 2]

    def draws(var: str, **sel: object) -> np.ndarray:
        return np.asarray(fc[var].sel(**sel).transpose("chain", "draw").values, dtype=float).ravel()

    def summary(x: np.ndarray) -> tuple[float, float, float]:
        """Mean and interval of a probability, the interval widened to hold the mean (documented
        in ``forecasts_table``: a narrow interval of a skewed share of draws can miss it)."""
        lo, hi = np.quantile(x, q)
        return x.mean(), min(lo, x.mean()), max(hi, x.mean())

    path = save_run(run, tmp_path / "lv")
    table = pd.read_csv(path / "forecasts.csv")
    assert len(table) == fc.sizes["scenario"] * fc.sizes["space"] * fc.sizes["horizon"]
    for got, eps in ((run.table, 1e-12), (table, 5e-5)):  # the CSV keeps 4 decimals
        for row in got.itertuples():
            for d in ("opening", "closing"):
                x = draws(f"p_{d}", scenario=row.scenario, space=row.space, horizon=row.horizon)
                want = summary(x)
                have = (getattr(row, f"p_{d}"), getattr(row, f"p_{d}_low"), getattr(row, f"p_{d}_high"))
                np.testing.assert_allclose(have, want, rtol=0, atol=eps, err_msg=f"{row.scenario}/{row.space}/{row.horizon}/{d}")
    contr = pd.read_csv(path / "contrasts.csv")
    assert len(contr) > 0
    for row in contr.itertuples():
        cell = {"space": row.space, "horizon": row.horizon}
        diff = draws("p_opening", scenario=row.scenario_a, **cell) - draws("p_opening", scenario=row.scenario_b, **cell)
        np.testing.assert_allclose((row.diff_mean, row.diff_low, row.diff_high, row.p_a_gt_b),
                                   (diff.mean(), *np.quantile(diff, q), np.mean(diff > 0)), rtol=0, atol=5e-5)
    rise = pd.read_csv(path / "rise.csv")
    for row in rise.itertuples():
        x = draws("p_rise", scenario=row.scenario, space=row.space, horizon=row.horizon, delta=row.delta)
        np.testing.assert_allclose((row.p_rise, row.p_rise_low, row.p_rise_high), summary(x), rtol=0, atol=5e-5)
    index = pd.read_csv(path / "index.csv")
    for row in index.itertuples():
        x = draws("index", scenario=row.scenario, space=row.space, year=row.year)
        np.testing.assert_allclose((row.mean, row.low, row.high), (x.mean(), *np.quantile(x, q)), rtol=0, atol=5e-5)
    # the level matters here: the default 0.89 interval differs from the 80% one somewhere
    from analogcast.scenarios import forecasts_table

    default = forecasts_table(fc)
    assert ((default["p_opening_high"] - default["p_opening_low"])
            - (run.table["p_opening_high"] - run.table["p_opening_low"]) > 1e-4).any()


def test_trajectory_outputs_are_saved_as_tables(tmp_path: Path) -> None:
    """A run whose forecast holds index paths (trajectory model) also writes rise.csv, index.csv and
    wbl.csv, covered by the hashes. Forecast from SIMULATED data and a numpy-drawn posterior."""
    from dataclasses import replace

    from analogcast.runs.run import spec_scenarios
    from analogcast.scenarios import forecast
    from analogcast.scenarios.compare import contrasts
    from analogcast.scenarios.table import forecasts_table, rise_table, wbl_table

    base = synthetic_run()
    spec = base.spec.with_overrides().replace(deltas=[0.02, 0.1])
    tree, data = _simulated_fit(tuple(spec.spaces))
    fc = forecast(replace(base.result, spec=spec, tree=tree, data=data),
                  spec_scenarios(spec), horizons=list(spec.horizons), deltas=spec.deltas, seed=3)
    run = Run(result=replace(base.result, spec=spec), scenarios=base.scenarios, forecasts=fc,
              table=forecasts_table(fc, level=spec.level), contrasts=contrasts(fc, level=spec.level))
    path = save_run(run, tmp_path / "traj")
    rise = pd.read_csv(path / "rise.csv")
    assert sorted(rise["delta"].unique()) == [0.02, 0.1]
    assert set(rise["horizon"]) == {2, 5}
    pd.testing.assert_frame_equal(rise, rise_table(fc, level=spec.level), check_dtype=False, atol=1e-4)  # CSV keeps 4 decimals
    wbl = pd.read_csv(path / "wbl.csv")
    assert ((wbl["wbl_low"] <= wbl["wbl_mean"]) & (wbl["wbl_mean"] <= wbl["wbl_high"])).all()
    assert wbl["wbl_mean"].between(0, 100).all()
    # a rise of 10 points is never likelier than one of 2 points
    by = wbl_table(fc, level=spec.level).set_index(["scenario", "horizon", "delta"])["p_rise"]
    assert (by.xs(0.1, level="delta") <= by.xs(0.02, level="delta") + 1e-12).all()
    assert (path / "index.csv").is_file()
    (path / "rise.csv").write_text("tampered\n")
    with pytest.raises(DataIntegrityError, match="rise.csv"):
        load_run(path)


# -- typed metadata.json (analogcast.runs.metadata.RunMetadata) ------------------------------------


def _simulated_fit(spaces: tuple[str, ...]) -> tuple[xr.DataTree, dict]:
    """Both registry models prepared on a SIMULATED 10-country panel (origin 2020, target C000),
    each with a numpy-drawn posterior (15 draws): the fit the two table tests forecast from."""
    from analogcast.models import get_model
    from analogcast.models.simulate import fake_posterior, simulate_panel

    panel, events, _ = simulate_panel(n_countries=10, years=(1966, 2020), spaces=spaces, seed=5)
    tree, data = {}, {}
    for name, opts in (("event_logit", {}), ("trajectory", {"n_paths": 4})):
        m = get_model(name, **opts)
        d = m.prepare(panel, events, target="C000", origin=2020, spaces=spaces)
        tree[f"{name}/posterior"] = fake_posterior(name, d, draws=15, seed=2)
        data[name] = d
    return xr.DataTree.from_dict(tree), data


def _rewrite_metadata(path: Path, change) -> None:
    """Edit metadata.json and re-seal it with a digest computed here (sha256 of the canonical JSON
    of every other key), so that only the schema can refuse it."""
    import hashlib

    meta = json.loads((path / "metadata.json").read_text())
    change(meta)
    body = {k: v for k, v in meta.items() if k != "metadata_sha256"}
    text = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    meta["metadata_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    (path / "metadata.json").write_text(json.dumps(meta))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda m: m.update(origin="2020"), ("origin", "valid integer")),
        (lambda m: m.update(seed=2.5), ("seed", "valid integer")),
        (lambda m: m.update(level="0.89"), ("level", "valid number")),
        (lambda m: m.update(files=["posterior.nc"]), ("files", "valid dictionary")),
        (lambda m: m.update(files={"posterior.nc": 7}), ("files.posterior.nc", "valid string")),
        (lambda m: m.update(timings={"total": "fast"}), ("timings.total",)),
        (lambda m: m.update(posterior_file="../../etc/passwd"), ("posterior_file", "'posterior.nc' or 'posterior.zarr'")),
        (lambda m: m.update(grid={"cell": 3}), ("grid", "missing required key 'overrides'")),
        (lambda m: m.update(sed=3), ("unknown key 'sed'", "Did you mean 'seed'")),
        (lambda m: m.pop("files"), ("missing required key 'files'",)),
    ],
)
def test_wrongly_typed_metadata_is_one_clean_error(run: Run, tmp_path: Path, change, words: tuple[str, ...]) -> None:
    path = save_run(run, tmp_path / "r")
    _rewrite_metadata(path, change)
    for allow in (False, True):  # --allow-mismatch cannot load what it cannot read
        with pytest.raises(DataIntegrityError) as info:
            load_run(path, allow_mismatch=allow)
        msg = str(info.value)
        assert "\n" not in msg and len(msg) < 400, msg
        assert str(path / "metadata.json") in msg, msg
        for w in words:
            assert w in msg, (w, msg)


def test_metadata_of_the_current_format_without_optional_keys_loads(run: Run, tmp_path: Path) -> None:
    """Backward compatibility: keys added to format 1 after its first release are optional."""
    path = save_run(run, tmp_path / "r")
    before = json.loads((path / "metadata.json").read_text())
    assert before["format"] == "analogcast-run" and before["format_version"] == 1
    _rewrite_metadata(path, lambda m: [m.pop(k) for k in ("fit_id", "convergence", "data_files")])
    loaded = load_run(path)
    assert loaded.info is not None and loaded.info.fit_id is None and loaded.info.convergence is None
    assert loaded.info.files == before["files"] and loaded.info.seed == 7
    assert loaded.forecasts_csv() == run.forecasts_csv()


def test_typed_metadata_round_trip_and_extra_keys(run: Run, tmp_path: Path) -> None:
    grid = {"cell": "prior.method=none", "overrides": {"prior.method": "none"}, "seed": 11, "grid_dir": str(tmp_path)}
    path = save_run(run, tmp_path / "r", extra_metadata={"command": ["analogcast", "fit", "s.toml"], "grid": grid})
    loaded = load_run(path)
    raw = json.loads((path / "metadata.json").read_text())
    assert loaded.metadata == raw
    assert loaded.info is not None and loaded.info.grid is not None and loaded.info.grid.seed == 11
    assert loaded.info.command == ["analogcast", "fit", "s.toml"] and "spec_file" not in raw
    assert loaded.info.hashes["fit_id"] == raw["fit_id"] and loaded.info.hashes["forecasts.csv"] == raw["files"]["forecasts.csv"]
    with pytest.raises(UserInputError, match="extra_metadata key 'comand'.*'command'"):
        save_run(run, tmp_path / "s", extra_metadata={"comand": []})
    assert not (tmp_path / "s").exists()


def test_deeply_nested_metadata_is_refused_cleanly(run: Run, tmp_path: Path) -> None:
    path = save_run(run, tmp_path / "r")
    (path / "metadata.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataIntegrityError, match="metadata.json is unreadable or corrupted"):
        load_run(path)

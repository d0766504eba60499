"""The sensitivity section's alternative priors (``analogcast.priors.alternatives``): rebuilt
quickly, saved with a run (``alternative_priors.json``), read back by the report.

On the REAL tiny run (conftest ``tiny_run``: a real fit with the shipped Afghanistan prior,
saved by this version, so it holds the file): the report from the saved alternatives is the
report that rebuilds them, a tampered file is refused, and a run saved before the file existed
still renders (rebuilding, with a log message).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path

import pytest

from analogcast.errors import DataIntegrityError
from analogcast.priors.alternatives import (
    alternative_overrides,
    override_key,
    read_alternatives,
    rebuild_kwargs,
    rebuild_opening,
)
from analogcast.reporting import analogs as report_analogs
from analogcast.reporting import build_report_context, render_html
from analogcast.runs import Run, load_run
from analogcast.runs.metadata import canonical_json, metadata_digest
from analogcast.runs.store import ALTERNATIVES_FILE

LOG = "analogcast.reporting.run_inputs"


def _sensitivity(run: Run) -> tuple[list[tuple[str, str, dict, dict]], list[list[str]], list[str]]:
    ctx = build_report_context(run, with_figures=False)
    assert ctx.sensitivity is not None and ctx.sensitivity_table is not None
    rows = [(r.label, r.method, r.values, r.khat) for r in ctx.sensitivity.rows]
    return rows, ctx.sensitivity_table.rows, ctx.sensitivity.notes


@pytest.fixture(scope="module")
def rebuilt(tiny_run: Run):  # type: ignore[no-untyped-def]
    """The sensitivity section of the tiny run in memory (no run directory: every prior rebuilt)."""
    return _sensitivity(dataclasses.replace(tiny_run, path=None))


@pytest.fixture
def rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many alternatives the report rebuilds, call by call."""
    calls: list[int] = []

    def spy(meta, overrides, spaces, events=None):  # type: ignore[no-untyped-def]
        calls.append(len(overrides))
        return rebuild_opening(meta, overrides, spaces, events)

    monkeypatch.setattr(report_analogs, "rebuild_opening", spy)
    return calls


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run_dir, tmp_path / "run"))


def test_quick_rebuilds_are_the_full_builds_mixtures(tiny_run: Run) -> None:
    """Opening only, no ESS shares: for every alternative, the opening mixture a full
    ``build_prior`` with the same overrides gives."""
    from analogcast.data import load_events
    from analogcast.priors import build_prior
    from analogcast.reporting import run_inputs

    meta = run_inputs.prior_meta(tiny_run.prior)
    spaces = ["women", "economic"]
    overrides = alternative_overrides(meta)
    assert {"discount", "analogs"} <= {k for over in overrides for k in over}
    quick = rebuild_opening(meta, overrides, spaces)
    events = load_events()
    for over in overrides:
        use, kw = rebuild_kwargs(meta, over, spaces)
        full = build_prior(str(meta["target"]), use, events=events, **kw)
        for sp in spaces:
            m = full.mixture(sp, "opening")
            assert quick[override_key(over)][sp] == (m.weights, m.means, m.sds, m.labels), (over, sp)


def test_saved_alternatives_give_the_rebuilt_sensitivity_table(tiny_run: Run, tiny_run_dir: Path, rebuilt, rebuilds: list[int]) -> None:  # type: ignore[no-untyped-def]
    """The saved run holds every alternative, listed and hashed in metadata.json; its report
    rebuilds none and shows the very numbers (rows, k-hats, table, notes) of the rebuilding one."""
    meta = json.loads((tiny_run_dir / "metadata.json").read_text(encoding="utf-8"))
    assert ALTERNATIVES_FILE in meta["files"]
    doc = json.loads((tiny_run_dir / ALTERNATIVES_FILE).read_text(encoding="utf-8"))
    assert doc["prior_sha256"] == meta["files"]["prior.toml"] and doc["spaces"] == list(tiny_run.spec.spaces)
    assert len(doc["alternatives"]) == len(alternative_overrides(dataclasses.asdict(tiny_run.prior.meta)))
    assert _sensitivity(tiny_run) == rebuilt
    assert sum(rebuilds) == 0
    assert any(label.startswith("Without analog") for label, *_ in rebuilt[0])


def test_a_tampered_alternatives_file_is_refused(tiny_run_dir: Path, tmp_path: Path, rebuilt, rebuilds: list[int],  # type: ignore[no-untyped-def]
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """An altered file fails load_run's hash check, naming it; loaded anyway
    (``allow_mismatch``), the report does not use it: it rebuilds, and says so in the log."""
    run_dir = _copy(tiny_run_dir, tmp_path)
    path = run_dir / ALTERNATIVES_FILE
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["alternatives"][0]["mixtures"]["women"]["means"][0] += 1.0
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataIntegrityError, match=ALTERNATIVES_FILE):
        load_run(run_dir)
    with pytest.warns(UserWarning, match=ALTERNATIVES_FILE):
        run = load_run(run_dir, allow_mismatch=True)
    with caplog.at_level(logging.WARNING, logger=LOG):
        assert _sensitivity(run) == rebuilt
    assert sum(rebuilds) > 0
    assert any(ALTERNATIVES_FILE in r.getMessage() and "sha256" in r.getMessage() for r in caplog.records)


def test_a_run_saved_without_the_file_still_renders(tiny_run_dir: Path, tmp_path: Path, rebuilt, rebuilds: list[int],  # type: ignore[no-untyped-def]
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """A run saved before runs kept the alternatives (no file, not in metadata.json) loads; its
    report rebuilds them, logs that it does, and shows the same numbers."""
    run_dir = _copy(tiny_run_dir, tmp_path)
    (run_dir / ALTERNATIVES_FILE).unlink()
    meta = json.loads((run_dir / "metadata.json").read_text(encoding="utf-8"))
    del meta["files"][ALTERNATIVES_FILE]
    meta["metadata_sha256"] = metadata_digest(meta)
    (run_dir / "metadata.json").write_text(canonical_json(meta), encoding="utf-8")
    run = load_run(run_dir)
    with caplog.at_level(logging.INFO, logger=LOG):
        assert _sensitivity(run) == rebuilt
        assert "Without analog" in render_html(build_report_context(run, with_figures=False))
    assert sum(rebuilds) > 0
    assert any(ALTERNATIVES_FILE in r.getMessage() and "rebuilding" in r.getMessage() for r in caplog.records)


def test_read_alternatives_refuses_what_is_not_for_this_run(tiny_run_dir: Path) -> None:
    files = json.loads((tiny_run_dir / "metadata.json").read_text(encoding="utf-8"))["files"]
    doc = json.loads((tiny_run_dir / ALTERNATIVES_FILE).read_text(encoding="utf-8"))
    prior = files["prior.toml"]
    assert read_alternatives(doc, ["women"], prior)
    with pytest.raises(ValueError, match="another prior"):
        read_alternatives(doc, ["women"], "0" * 64)
    with pytest.raises(ValueError, match="no alternatives for economic"):
        read_alternatives(doc, ["women", "economic"], prior)
    with pytest.raises(ValueError, match="format version 1"):
        read_alternatives({**doc, "format": "other"}, ["women"], prior)
    broken = json.loads(json.dumps(doc))
    broken["alternatives"][1]["mixtures"]["women"]["sds"] = [1.0]
    with pytest.raises(ValueError, match="alternative 2 is malformed"):
        read_alternatives(broken, ["women"], prior)

"""The forecasts' list attributes are JSON on disk and lists in memory (issue 16: the report reads
typed values, it does not probe). A real saved run (``tiny_run``), a run saved in the pre-JSON
form (the scenario engine once wrote each scenario as ``str(dict)``), and the report's refusal of
a list attribute that is not a list."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import h5netcdf
import pytest

from analogcast.errors import DataIntegrityError, UserInputError
from analogcast.reporting import build_report_context
from analogcast.reporting.run_inputs import attr_list
from analogcast.runs import load_run, save_run
from analogcast.runs.run import LIST_ATTRS, decode_forecast_attrs
from conftest import XSS


def test_saved_list_attributes_are_json_and_load_back_as_lists(tiny_run, tiny_run_dir: Path) -> None:
    with h5netcdf.File(tiny_run_dir / "forecasts.nc", "r") as f:
        stored = {k: f.attrs[k] for k in LIST_ATTRS}
    for key, text in stored.items():
        assert isinstance(text, str) and isinstance(json.loads(text), list), key
        assert tiny_run.forecasts.attrs[key] == json.loads(text), key
    scen = json.loads(stored["scenarios"])
    # what TINY_SPEC says, written out by hand
    assert [s["name"] for s in scen] == ["status_quo", "isolation"]
    assert scen[0]["label"] == f"Status quo {XSS}" and scen[0]["note"] == f"Aid as now {XSS}"
    assert scen[1]["paths"]["oda_gni"] == 0.0 and scen[1]["paths"]["sanctions"] == 13
    assert json.loads(stored["models"]) == ["event_logit"]


def _legacy_copy(run, dest: Path) -> Path:
    """``run`` saved as the scenario engine did before it wrote JSON: ``attrs["scenarios"]`` holds
    each scenario's Python repr (the store then writes that list as JSON text, as it did)."""
    fc = run.forecasts.copy()
    fc.attrs = dict(fc.attrs, scenarios=[str(s.to_dict()) for s in run.scenarios])
    old = dataclasses.replace(run, forecasts=fc, metadata={}, path=None)
    return Path(save_run(old, dest))


def test_a_run_saved_before_json_attributes_still_loads(tiny_run, tmp_path: Path) -> None:
    root = _legacy_copy(tiny_run, tmp_path / "old")
    with h5netcdf.File(root / "forecasts.nc", "r") as f:
        raw = json.loads(f.attrs["scenarios"])
    assert raw[0].startswith("{'name': 'status_quo'")  # the old on-disk form
    old = load_run(root)
    # rebuilt from the spec, not parsed from the repr: the same entries as the JSON-era run
    assert old.forecasts.attrs["scenarios"] == tiny_run.forecasts.attrs["scenarios"]
    assert build_report_context(old, with_figures=False).assumptions == tiny_run.forecasts.attrs["assumptions"]


def test_old_scenarios_that_the_spec_does_not_name_are_refused(tiny_run) -> None:
    fc = tiny_run.forecasts.copy()
    fc.attrs = dict(fc.attrs, scenarios=["{'name': 'a'}", "{'name': 'b'}"])
    with pytest.raises(DataIntegrityError, match=r"pre-JSON form.*spec's scenarios \(status_quo\) are not the forecast's \(status_quo, isolation\)"):
        decode_forecast_attrs(fc, tiny_run.scenarios[:1], Path("r"))
    fc.attrs = dict(fc.attrs, models="event_logit")
    with pytest.raises(DataIntegrityError, match="'models' is not a JSON list"):
        decode_forecast_attrs(fc, tiny_run.scenarios, Path("r"))


def test_the_report_refuses_a_list_attribute_that_is_not_a_list(tiny_run) -> None:
    fc = tiny_run.forecasts.copy()
    fc.attrs = dict(fc.attrs, assumptions='["stored as JSON text, not decoded"]')
    with pytest.raises(UserInputError, match="'assumptions' is a str, not a list"):
        attr_list(fc, "assumptions")
    assert attr_list(tiny_run.forecasts, "scenario_warnings") == tiny_run.forecasts.attrs["scenario_warnings"]

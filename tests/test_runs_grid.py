"""Grids of fits: expansion and validation, a tiny real grid serially and on two Dask workers, CLI.

The real grid (2 cells: prior method ``map`` vs ``none``; ``event_logit`` only, one space, one
chain of 30 draws after 30 tuning steps, nutpie compiled by JAX, which compiles in seconds) is run in this
process, on one worker process and on a loopback ``LocalCluster`` with two single-threaded worker
processes; the three ``grid.csv`` must be byte-identical (the seeds depend on the cell, not on the
worker, and the compiled numerics not on what the process compiled before).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from analogcast.cli.main import main
from analogcast.errors import AnalogcastError, UserInputError
from analogcast.fitting.spec import spec_from_mapping
from analogcast.runs.grid import cell_seed, expand_grid, parse_set, run_grid

ROOT = Path(__file__).resolve().parents[1]

TINY = {
    "title": "tiny grid",
    "name": "tiny_grid",
    "target": "AFG",
    "origin": 2023,
    "spaces": ["women"],
    "horizons": [2, 5],
    "seed": 7,
    "model": {"names": ["event_logit"]},
    "prior": {"method": "map", "analogs": ["SAU", "IRN"]},
    "sampler": {"draws": 30, "tune": 30, "chains": 1, "backend": "nutpie"},
    "scenarios": [
        {"name": "status_quo", "oda_gni": 15.0, "alt_patrons": 1, "sanctions": 13},
        {"name": "isolation", "oda_gni": 1.0, "alt_patrons": 0, "sanctions": 20},
    ],
}
GRID = {"prior.method": ["map", "none"]}


@pytest.fixture(scope="module")
def spec():  # type: ignore[no-untyped-def]
    return spec_from_mapping(TINY, source="tiny")


# -- (a) parsing, expansion, validation, seeds ---------------------------------------------------


def test_parse_set_types() -> None:
    assert parse_set("sampler.draws=200,400") == ("sampler.draws", [200, 400])
    assert parse_set("prior.method=map, none") == ("prior.method", ["map", "none"])
    assert parse_set("prior.discount=0.5,1") == ("prior.discount", [0.5, 1])
    assert parse_set('spaces=["women","electoral"],all') == (
        "spaces",
        [["women", "electoral"], "all"],
    )
    key, values = parse_set('prior={method="map", analogs=["SAU","IRN"]},none')
    assert key == "prior" and values == [{"method": "map", "analogs": ["SAU", "IRN"]}, "none"]
    assert parse_set("prior=priors/afghanistan_saudi_iran.toml")[1] == [
        "priors/afghanistan_saudi_iran.toml"
    ]
    for bad in ("sampler.draws", "=1", "sampler.draws=1,,2", "sampler.draws=1,1"):
        with pytest.raises(UserInputError, match="--set"):
            parse_set(bad)


def test_expand_grid_validates_every_cell(spec) -> None:  # type: ignore[no-untyped-def]
    cells = expand_grid(spec, {"prior.method": ["map", "none"], "sampler.draws": [30, 40]})
    assert [c.name for c in cells] == [
        "prior.method=map__sampler.draws=30",
        "prior.method=map__sampler.draws=40",
        "prior.method=none__sampler.draws=30",
        "prior.method=none__sampler.draws=40",
    ]
    assert [c.spec.prior.method for c in cells] == ["map", "map", "none", "none"]
    assert [c.spec.sampler.draws for c in cells] == [30, 40, 30, 40]
    assert all(isinstance(c.spec.sampler.draws, int) for c in cells)
    assert [c.spec.seed for c in cells] == [c.seed for c in cells]
    one = expand_grid(spec, {"scenarios.isolation.oda_gni": [0.5, 3]})
    assert [c.spec.scenarios[1].paths["oda_gni"] for c in one] == [0.5, 3]


def test_every_cells_prior_file_is_read_before_any_fit(spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 17 item 5: a corrupt prior file in a LATER cell (after a good one) is refused by
    ``expand_grid``, which ``run_grid`` calls before fitting any cell, naming the cell and the file."""
    good = ROOT / "priors" / "afghanistan_saudi_iran.toml"
    bad = tmp_path / "bad_prior.toml"
    bad.write_text(good.read_text(encoding="utf-8")[:300], encoding="utf-8")  # cut short
    with pytest.raises(AnalogcastError) as err:
        expand_grid(spec, {"prior": [str(good), str(bad)]}, source="tiny.toml")
    msg = str(err.value)
    assert msg.startswith("grid cell prior=") and "bad_prior.toml" in msg and "\n" not in msg, msg
    with pytest.raises(AnalogcastError, match="bad_prior.toml"):
        run_grid(spec, {"prior": [str(good), str(bad)]}, tmp_path / "grid", workers=0)
    assert not (tmp_path / "grid").exists()  # nothing fitted, nothing written


@pytest.mark.parametrize(
    ("key", "value", "named", "hint"),
    [
        ("sampler.drows", 30, "drows", "Did you mean 'draws'"),
        ("prior.methd", "map", "methd", "Did you mean 'method'"),
        ("priro.method", "map", "priro", "Did you mean 'prior'"),
        ("scenarios.isolaton.oda_gni", 1, "isolaton", "Did you mean 'isolation'"),
        ("sampler.draws", "many", "sampler.draws", "valid integer"),
        ("prior.method", "mapp", "prior.method", "Did you mean 'map'"),
    ],
)
def test_bad_keys_and_values_are_named(spec, key, value, named, hint) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserInputError) as err:
        expand_grid(spec, {"prior.method": ["none"], key: [value]}, source="tiny.toml")
    msg = str(err.value)
    assert named in msg and hint in msg and "\n" not in msg


def test_cell_seeds_depend_on_cell_identity_only(spec) -> None:  # type: ignore[no-untyped-def]
    a = expand_grid(spec, {"prior.method": ["map", "none"], "sampler.draws": [30, 40]})
    b = expand_grid(spec, {"sampler.draws": [40, 30], "prior.method": ["none", "map"]})
    seeds_a = {frozenset(c.overrides): c.seed for c in a}
    seeds_b = {frozenset(c.overrides): c.seed for c in b}
    assert seeds_a == seeds_b and len(set(seeds_a.values())) == 4
    assert spec.seed not in seeds_a.values()
    assert cell_seed(8, {"prior.method": "map"}) != cell_seed(7, {"prior.method": "map"})
    assert cell_seed(7, {"seed": 3, "prior.method": "map"}) == 3  # explicit seeds are kept


# -- (b) a tiny real grid: serial and on two loopback Dask workers give the same numbers -------


@pytest.fixture(scope="module")
def serial_grid(spec, tmp_path_factory):  # type: ignore[no-untyped-def]
    return run_grid(spec, GRID, tmp_path_factory.mktemp("grid") / "serial", workers=0)


def test_serial_grid_writes_runs_and_summary(serial_grid) -> None:  # type: ignore[no-untyped-def]
    from analogcast.runs import load_run

    out = serial_grid.out
    table = pd.read_csv(out / "grid.csv")
    assert list(table.columns[:3]) == ["cell", "prior.method", "seed"]
    assert list(table.columns[3:]) == [
        "level", "scenario", "space", "direction", "horizon", "p_mean", "p_low", "p_high"
    ]  # fmt: skip
    assert len(table) == 2 * 2 * 1 * 2 * 2  # cells x scenarios x spaces x directions x horizons
    assert ((table.p_low <= table.p_mean) & (table.p_mean <= table.p_high)).all()
    assert table.groupby("cell").p_mean.sum().nunique() == 2  # the prior changes the forecast
    meta = json.loads((out / "grid.json").read_text())
    assert meta["grid"] == GRID and meta["workers"] == 0 and meta["mode"] == "serial"
    assert [c["name"] for c in meta["cells"]] == ["prior.method=map", "prior.method=none"]
    run = load_run(out / "prior.method=none")  # a normal, verified run directory
    assert run.spec.prior.method == "none" and run.spec.seed == meta["cells"][1]["seed"]
    assert run.metadata["grid"]["cell"] == "prior.method=none"
    with pytest.raises(UserInputError, match="already exist"):  # refused before any sampling
        run_grid(run.spec, GRID, out, workers=0)


def test_serial_one_and_two_loopback_workers_match(spec, serial_grid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The in-process serial grid (in the pytest process, after whatever ran before), one fresh
    worker and two fresh workers give byte-identical ``grid.csv``. (It failed once after the full
    suite on PyMC's sampler, 2026-11-29; on nutpie it has passed after the full suite three times,
    2026-11-30 and twice on 2026-12-07, so it is a plain test again.) The serial grid once differed
    in the last digits after the full test session: kernels compiled in the process and kernels
    loaded from the compile cache gave different floating-point results under numba's fast-math
    (issue 17; fixed in ``analogcast.models.sampling.exact_numerics``)."""
    from dask.distributed import LocalCluster

    one = run_grid(spec, GRID, tmp_path / "one", workers=1)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        dist = run_grid(spec, GRID, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert serial_grid.meta["mode"] == "serial"
    assert one.meta["workers"] == 1 and one.meta["mode"] == "local_cluster"
    assert dist.meta["workers"] == 2 and dist.meta["mode"] == "scheduler"
    assert os.getpid() not in {c["pid"] for c in dist.meta["cells"]}
    serial = (serial_grid.out / "grid.csv").read_bytes()
    assert (one.out / "grid.csv").read_bytes() == serial
    assert (dist.out / "grid.csv").read_bytes() == serial


# -- (c) the command line ------------------------------------------------------------------------


def _cli(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["grid", *argv])
    return code, err.getvalue()


def test_cli_bad_input_is_one_line(tmp_path: Path) -> None:
    spec = str(ROOT / "fits" / "afghanistan.toml")
    out = str(tmp_path / "out")
    cases = [
        ([spec, "--set", "sampler.drows=10", "--out", out], "Did you mean 'draws'"),
        ([spec, "--set", "sampler.draws=abc", "--out", out], "sampler.draws"),
        ([spec, "--set", "prior.discount=0.5", "--out", out], "--set prior=none"),
        ([spec, "--set", "sampler.draws", "--out", out], "KEY=V1,V2"),
        ([spec, "--set", "seed=1", "--set", "seed=2", "--out", out], "twice"),
        ([str(tmp_path / "nope.toml"), "--set", "seed=1", "--out", out], "not found"),
    ]
    for argv, expected in cases:
        code, err = _cli(*argv)
        assert code == 1, (argv, err)
        assert expected in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()

"""A third model through the whole pipeline, touching only the registry and its own module.

``climatology_model.Climatology`` (tests/climatology_model.py) is registered at run time with
``analogcast.models.registry.register``; nothing in the package names it. It is fitted, forecast
by the scenario engine, saved, loaded back (hashes verified) and reported. The checks compare
against what the data say, computed here independently of the model and the engine: the
posterior of a base rate under a Beta(1, 1) prior is Beta(1 + events, 1 + non-events), so the
expected P(>= 1 event within H years) is ``1 - B(a, b + H) / B(a, b)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

ROOT = Path(__file__).resolve().parents[1]
NAME = "climatology_test"
SPACES = ["women", "economic"]

SPEC = f'''
title = "Climatology through the pipeline"
name = "clim"
target = "AFG"
origin = 2023
spaces = {SPACES!r}
horizons = [2, 5]
level = 0.89
seed = 5

[model]
names = ["{NAME}"]

[prior]
file = "{(ROOT / "priors" / "afghanistan_saudi_iran.toml").as_posix()}"

[sampler]
draws = 150
tune = 150
chains = 2

[[scenarios]]
name = "status_quo"
label = "Status quo"
oda_gni = 15.0

[[scenarios]]
name = "isolation"
label = "Isolation"
oda_gni = 0.0
'''


@pytest.fixture(scope="module")
def registered() -> Iterator[str]:
    from analogcast.models import registry

    before = dict(registry.REGISTRY)
    registry.register(NAME, "climatology_model:Climatology")
    try:
        yield NAME
    finally:
        registry.REGISTRY.clear()
        registry.REGISTRY.update(before)


@pytest.fixture(scope="module")
def saved(registered: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from analogcast.fitting import load_spec
    from analogcast.runs import run_spec, save_run

    d = tmp_path_factory.mktemp("clim")
    (d / "clim.toml").write_text(SPEC, encoding="utf-8")
    run = run_spec(load_spec(d / "clim.toml"), progress=False)
    return Path(save_run(run, d / "runs" / "clim"))


def _exact(horizon: int) -> pd.DataFrame:
    """Posterior mean of P(>= 1 event within ``horizon`` years) from the shipped events alone."""
    from analogcast.data import load_events

    ev = load_events().sel(year=slice(1990, 2022), space=SPACES)
    rows = []
    for d in ("opening", "closing"):
        k = ev[d].sum(("country", "year")).values
        n = ev[d].notnull().sum(("country", "year")).values
        a, b = 1.0 + k, 1.0 + n - k
        p = 1.0 - np.exp(betaln(a, b + horizon) - betaln(a, b))
        rows += [{"space": sp, "direction": d, "p": float(v)} for sp, v in zip(SPACES, p, strict=True)]
    return pd.DataFrame(rows)


def test_forecasts_match_the_beta_posterior(saved: Path) -> None:
    table = pd.read_csv(saved / "forecasts.csv")
    assert set(table["scenario"]) == {"status_quo", "isolation"}
    for h in (2, 5):
        exact = _exact(h)
        for r in exact.itertuples():
            got = table[(table["space"] == r.space) & (table["horizon"] == h)][f"p_{r.direction}"]
            assert len(got) == 2
            # 300 draws of a posterior whose sd is well under a point: within 1.5 points
            assert np.allclose(got, r.p, atol=0.015), (r.space, r.direction, h, list(got), r.p)
    # no covariates: every scenario gives the same probability
    wide = table.pivot_table(index=["space", "horizon"], columns="scenario", values="p_opening")
    assert np.allclose(wide["status_quo"], wide["isolation"])


def test_store_writes_only_what_the_model_declares(saved: Path) -> None:
    files = {p.name for p in saved.iterdir()}
    assert {"forecasts.csv", "contrasts.csv", "forecasts.nc", "metadata.json"} <= files
    assert not files & {"rise.csv", "index.csv", "wbl.csv"}


def test_loads_back_and_reports(saved: Path) -> None:
    from analogcast.reporting.context import build_report_context
    from analogcast.reporting.render import render_html
    from analogcast.runs import load_run

    run = load_run(saved)
    assert run.models == (NAME,)
    fc = run.forecasts
    # the lead event model's probabilities, also under the model's declared tag
    assert np.array_equal(fc["p_opening"].values, fc["p_opening_clim"].values)
    assert fc["p_opening"].dims == ("scenario", "space", "horizon", "chain", "draw")
    ctx = build_report_context(run, with_figures=False)
    html = render_html(ctx)
    assert ctx.readings is None and ctx.rise is None
    assert "trajectory-not-fitted" in html  # the note that the model of index paths was not fitted
    # the headline table quotes the independent Beta-posterior value for women at 5 years
    exact = _exact(5)
    p = float(exact[(exact["space"] == "women") & (exact["direction"] == "opening")]["p"].iloc[0])
    row = next(t for t in ctx.scenario_tables if t.id == "table-opening-5").rows[0]
    cell = next(c for c in row[1:] if c.key == "p_opening|status_quo|women|5")
    assert abs(cell.mean - p) < 0.015


def test_the_package_never_names_it(registered: str) -> None:
    src = ROOT / "src" / "analogcast"
    assert not [p for p in src.rglob("*.py") if NAME in p.read_text(encoding="utf-8")]

"""Shared fixtures.

``tiny_run``: one REAL run (fit, forecasts, saved and loaded back), small enough for the default
tier: ``event_logit`` only, one space, two scenarios, 2 chains x 60 draws. Tests of displays, plots,
reports and tables use it instead of stand-in objects. Its labels carry markup, so every consumer
must escape them. Session-scoped: it is fitted once per test session. ``tiny_paths_run``: the same
with the trajectory model as well (rises, WBL, the two models' readings).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
XSS = "<script>alert(1)</script>"

TINY_SPEC = f'''
title = "Tiny run {XSS}"
name = "tiny"
target = "AFG"
origin = 2023
spaces = ["women"]
horizons = [2, 5]
deltas = [0.05]
level = 0.89
seed = 11

[model]
names = ["event_logit"]

[prior]
file = "{(ROOT / "priors" / "afghanistan_saudi_iran.toml").as_posix()}"

[sampler]
draws = 60
tune = 60
chains = 2

[[scenarios]]
name = "status_quo"
label = "Status quo {XSS}"
note = "Aid as now {XSS}"
oda_gni = 15.0
alt_patrons = 1
sanctions = 13

[[scenarios]]
name = "isolation"
label = "Isolation"
note = "No aid."
oda_gni = 0.0
alt_patrons = 0
sanctions = 13
'''


@pytest.fixture(scope="session")
def tiny_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory of a real saved run (see module docstring)."""
    from analogcast.fitting import load_spec
    from analogcast.runs import run_spec, save_run

    d = tmp_path_factory.mktemp("tiny_run")
    spec_path = d / "tiny.toml"
    spec_path.write_text(TINY_SPEC, encoding="utf-8")
    run = run_spec(load_spec(spec_path), progress=False)
    return Path(save_run(run, d / "runs" / "tiny"))


#: ``TINY_SPEC`` with the trajectory model too (on the target plus 5 countries from 2000, WBL
#: included), four horizons and two rise thresholds: the report's rise, WBL and readings sections.
TINY_PATHS_SPEC = (
    TINY_SPEC.replace('names = ["event_logit"]', 'names = ["event_logit", "trajectory"]\n\n'
                      '[model.options.trajectory]\nstart = 2000\ncountries = 6\nsample_seed = 1')
    .replace("horizons = [2, 5]", "horizons = [1, 2, 5, 10]")
    .replace("deltas = [0.05]", "deltas = [0.05, 0.10]")
)


@pytest.fixture(scope="session")
def tiny_paths_run(tmp_path_factory: pytest.TempPathFactory):
    """A REAL run of both registry models (``TINY_PATHS_SPEC``, 2 x 60 draws), in memory.

    About a minute to fit: used by the report tests of the sections only the path model feeds.
    """
    from analogcast.fitting import load_spec
    from analogcast.runs import run_spec

    spec_path = tmp_path_factory.mktemp("tiny_paths_run") / "tiny_paths.toml"
    spec_path.write_text(TINY_PATHS_SPEC, encoding="utf-8")
    return run_spec(load_spec(spec_path), progress=False)


@pytest.fixture(scope="session")
def tiny_run(tiny_run_dir: Path):
    """The real tiny run, loaded back from disk (hashes verified)."""
    from analogcast.runs import load_run

    return load_run(tiny_run_dir)


# -- Hypothesis profiles ---------------------------------------------------------------------------
# "ci" (the default, and what CI=true runs): derandomized, so every run of the suite draws the
# same examples and a red CI is reproducible; no example database. "nightly": random examples,
# five times as many where a test does not fix its own count: HYPOTHESIS_PROFILE=nightly make test.
def _register_hypothesis_profiles() -> None:
    import os

    from hypothesis import HealthCheck, settings

    settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("nightly", derandomize=False, max_examples=500, deadline=None,
                              print_blob=True, suppress_health_check=[HealthCheck.too_slow])
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    if name not in ("ci", "nightly"):
        raise pytest.UsageError(f"HYPOTHESIS_PROFILE={name!r}: use 'ci' (default) or 'nightly'")
    settings.load_profile(name)


_register_hypothesis_profiles()

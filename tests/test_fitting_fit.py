"""fit(): everything that can be checked is checked before sampling; seeds and diagnostics helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from analogcast.errors import UserInputError
from analogcast.fitting import fit, parse_spec
from analogcast.fitting.fitter import check_convergence, derive_seed, summarise_diagnostics

ROOT = Path(__file__).resolve().parents[1]

SPEC = """
title = "t"
target = "AFG"
origin = 2023
spaces = ["women"]
seed = 5
prior = "{prior}"
[[scenarios]]
name = "status_quo"
"""


@pytest.fixture
def no_sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    import analogcast.models

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("sampling started although the input was invalid")

    monkeypatch.setattr(analogcast.models, "sample_model", refuse)


def _spec(**replace: str) -> str:
    text = SPEC.format(prior=ROOT / "priors" / "afghanistan_saudi_iran.toml")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def test_origin_after_data_end_fails_before_sampling(no_sampling: None) -> None:
    spec = parse_spec(_spec(**{"origin = 2023": "origin = 2031"}), source="t.toml")
    with pytest.raises(UserInputError, match="2031"):
        fit(spec, progress=False)


def test_missing_prior_file_fails_before_sampling(no_sampling: None, tmp_path: Path) -> None:
    spec = parse_spec(_spec(), source="t.toml").replace(prior={"file": "priors/nope.toml"})
    with pytest.raises(UserInputError, match="prior file 'priors/nope.toml' not found"):
        fit(spec, progress=False)


def test_prior_for_another_target_is_refused(no_sampling: None) -> None:
    spec = parse_spec(_spec(**{'target = "AFG"': 'target = "IRN"'}), source="t.toml")
    with pytest.raises(UserInputError, match="built for AFG"):
        fit(spec, progress=False)


def test_overrides_are_validated(no_sampling: None) -> None:
    spec = parse_spec(_spec(), source="t.toml")
    with pytest.raises(UserInputError, match="sampler.draws"):
        fit(spec, draws=-1, progress=False)
    with pytest.raises(UserInputError, match="sampler.backend"):
        fit(spec, backend="stan", progress=False)


def test_seeds_are_stable_and_distinct() -> None:
    assert derive_seed(5, "sample", "event_logit") == derive_seed(5, "sample", "event_logit")
    seeds = {derive_seed(5, "sample", m) for m in ("event_logit", "trajectory")} | {derive_seed(6, "sample", "event_logit")}
    assert len(seeds) == 3
    assert all(0 <= s < 2**32 for s in seeds)


def test_convergence_checks() -> None:
    good = {"max_rhat": 1.005, "min_ess_bulk": 800.0, "min_ess_tail": 700.0, "divergences": 0, "min_bfmi": 0.8}
    assert check_convergence(summarise_diagnostics({"m": good})) == []
    bad = {**good, "max_rhat": 1.2, "divergences": 3, "min_ess_bulk": float("nan")}
    problems = check_convergence(summarise_diagnostics({"m": good, "n": bad}))
    assert any("R-hat" in p and p.startswith("n:") for p in problems)
    assert any("divergent" in p for p in problems)
    assert any("bulk ESS" in p for p in problems)  # NaN counts as a failure


def test_public_names_are_not_shadowed_by_submodules() -> None:
    """``analogcast.fitting.fit`` must stay the function even after every submodule is imported."""
    import importlib
    import pkgutil

    import analogcast
    import analogcast.fitting
    import analogcast.runs

    for pkg in (analogcast.fitting, analogcast.runs):
        for info in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{pkg.__name__}.{info.name}")
        for name in pkg.__all__:
            assert not isinstance(getattr(pkg, name), type(pkg)), f"{pkg.__name__}.{name} is a module"
    assert callable(analogcast.fit) and callable(analogcast.load_run) and callable(analogcast.save_run)

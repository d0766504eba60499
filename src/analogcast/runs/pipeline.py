"""``run_spec``: the whole pipeline behind ``analogcast fit`` -- validate, fit, forecast."""

from __future__ import annotations

from typing import Any

from analogcast.fitting.fitter import fit
from analogcast.fitting.spec import FitSpec
from analogcast.runs.run import Run, spec_scenarios

__all__ = ["run_spec"]


def run_spec(
    spec: FitSpec,
    *,
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    backend: str | None = None,
    seed: int | None = None,
    prior: Any = "spec",
    progress: bool = True,
) -> Run:
    """Fit ``spec`` and forecast its scenarios.

    The scenarios were validated with the spec (they are the scenario engine's own objects), so
    a bad scenario fails in a second, not after the fit. Parameters are those of
    :func:`analogcast.fitting.fit`.
    """
    scenarios = spec_scenarios(spec)
    result = fit(spec, draws=draws, tune=tune, chains=chains, backend=backend, seed=seed, prior=prior, progress=progress)
    return Run.from_result(result, scenarios=scenarios, progress=progress)

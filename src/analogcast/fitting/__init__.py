"""Fit specifications and fitting orchestration.

Stage ``fitting`` (after ``models``). Importing this package is cheap: pydantic and PyMC load
only when a name is used.

Public API
----------
``FitSpec``, ``load_spec(path) -> FitSpec``, ``parse_spec(text, source=...) -> FitSpec``
    Fit specifications (``fits/*.toml``), validated before any sampling; every problem is one
    ``UserInputError`` line naming the file and field. ``FitSpec.scenarios`` holds
    ``analogcast.scenarios.Scenario`` objects (one scenario type, defined in
    ``analogcast.models.scenario_type``).
``fit(spec, *, draws=None, tune=None, chains=None, backend=None, prior=None, progress=True) -> FitResult``
    Resolve the prior, prepare data, build and sample every model of the spec.
``FitResult``
    ``.spec``, ``.prior``, ``.tree`` (``xarray.DataTree``, one child per model), ``.data``
    (model name -> ``ModelData``), ``.diagnostics``, ``.timings``, ``.provenance``.
``resolve_prior(spec) -> AnalogPrior | None``
"""

from __future__ import annotations

from analogcast._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "FitSpec": "analogcast.fitting.spec",
    "SamplerSpec": "analogcast.fitting.spec",
    "ModelSpec": "analogcast.fitting.spec",
    "PriorSpec": "analogcast.fitting.spec",
    "load_spec": "analogcast.fitting.spec",
    "parse_spec": "analogcast.fitting.spec",
    "spec_from_mapping": "analogcast.fitting.spec",
    "fit": "analogcast.fitting.fitter",
    "FitResult": "analogcast.fitting.fitter",
    "resolve_prior": "analogcast.fitting.fitter",
    "check_convergence": "analogcast.fitting.fitter",
    "versions": "analogcast.fitting.fitter",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

"""Saved runs: a fit, its forecasts and provenance, written atomically and verified on load.

Stage ``runs`` (after ``scenarios``). Importing this package is cheap.

Public API
----------
``Run`` (frozen dataclass)
    ``result`` (``FitResult``), ``scenarios``, ``forecasts`` (``xr.Dataset``), ``table``
    (``forecasts.csv`` as a DataFrame), ``contrasts``, ``metadata``, ``path``; plus the
    ``FitResult`` view: ``spec``, ``prior``, ``tree``, ``data``, ``diagnostics``, ``timings``,
    ``provenance``, ``models``, ``name``, ``level``, ``target``, ``origin``,
    ``convergence_problems()``, ``forecasts_csv()``; ``info``: ``metadata.json`` typed
    (``RunMetadata``, ``None`` for a run not loaded from a directory).
    ``Run.from_result(result, *, scenarios=None, progress=False) -> Run`` forecasts the spec's
    scenarios.
``save_run(run, path=None, *, if_exists="suffix", posterior_format="netcdf", extra_metadata=None) -> Path``
    Temporary directory, fsync, rename; never replaces an existing run silently.
``load_run(path, *, verify=True, allow_mismatch=False) -> Run``
    Verifies every sha256 and the data hash; refuses naming the altered file.
``verify_run(path, *, check_data=True) -> list[str]``
``RunMetadata`` / ``parse_metadata(data) -> RunMetadata``
    The schema of ``metadata.json`` (pydantic, ``extra="forbid"``, strict types): ``save_run``
    writes through it, ``load_run`` refuses a file that does not match it, naming the field.
``check_run_dir(path, *, overwrite=False, flag="--out-dir") -> Path``
    Refuses, before sampling, a run directory ``save_run`` could not write (one-line error).
``run_spec(spec, *, draws=None, tune=None, chains=None, backend=None, seed=None, progress=True) -> Run``
    ``fit`` + ``Run.from_result`` (scenarios validated before sampling).
"""

from __future__ import annotations

from analogcast._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "Run": "analogcast.runs.run",
    "spec_scenarios": "analogcast.runs.run",
    "save_run": "analogcast.runs.store",
    "load_run": "analogcast.runs.store",
    "verify_run": "analogcast.runs.store",
    "default_run_dir": "analogcast.runs.store",
    "check_run_dir": "analogcast.runs.store",
    "run_spec": "analogcast.runs.pipeline",
    "RunMetadata": "analogcast.runs.metadata",
    "parse_metadata": "analogcast.runs.metadata",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

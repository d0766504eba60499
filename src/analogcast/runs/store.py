"""Saving and loading run directories: atomic, hashed, no pickle.

Layout of a run directory (``fits/runs/<name>/`` by default)::

    metadata.json    spec, sha256 of every other file, data hash, prior hash, versions,
                     seeds, timings, diagnostics, interval level (written last)
    spec.toml        the validated spec (with overrides) -- reloadable with load_spec
    prior.toml       the prior used (absent for the weakly informative default)
    alternative_priors.json  that prior rebuilt with one setting changed (discount halved or
                     doubled, each analog left out): the report's sensitivity alternatives
                     (:mod:`analogcast.priors.alternatives`; absent when it cannot be rebuilt)
    posterior.nc     xarray DataTree (NetCDF4/HDF5): /<model>/{posterior, sample_stats,
                     observed_data, posterior_predictive}   (or posterior.zarr/)
    forecasts.nc     per-draw scenario forecasts (xr.Dataset)
    forecasts.csv    summary table (fixed float format)
    contrasts.csv    scenario contrasts
    <table>.csv      every table the fitted models declare (``ModelOutputs.tables``, built by
                     ``analogcast.scenarios.table.declared_tables``), e.g. ``rise.csv`` (P(index
                     rises by >= delta)), ``index.csv`` (fan-chart bands), ``wbl.csv`` (WBL index)

Safety
------
* A run is written into a temporary directory beside the destination
  (``.<name>.tmp-<pid>-<token>``), every file fsynced, ``metadata.json`` last, then renamed into
  place in one ``rename(2)``. A killed save leaves only the temporary directory, which
  :func:`load_run` refuses and the next save of that name removes.
* Existing runs are never replaced silently: ``if_exists="suffix"`` (the CLI default) writes
  ``<name>-2``, ``<name>-3``, ...; ``"error"`` refuses; ``"overwrite"`` replaces the old run
  (moved aside, then deleted after the new one is in place).
* :func:`load_run` recomputes every file's sha256 and the data hash and refuses, naming the
  file, on any mismatch; ``allow_mismatch=True`` loads anyway with a warning.

The placing itself (temporary names, renames, tidying up, the checks before sampling) is
:mod:`analogcast.runs.placement`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from analogcast._io import sha256_bytes, sha256_file
from analogcast._version import __version__
from analogcast.errors import DataIntegrityError, UserInputError, did_you_mean
from analogcast.fitting.fitter import THRESHOLDS, FitResult, check_convergence, prepare_data
from analogcast.fitting.spec import FitSpec, parse_spec
from analogcast.runs.metadata import (
    EXTRA_KEYS,
    RUN_FORMAT,
    RUN_FORMAT_VERSION,
    RunMetadata,
    canonical_json,
    metadata_digest,
    parse_metadata,
)
from analogcast.runs.placement import (
    OLD_MARK,
    SAVE_PAUSE_ENV,
    TMP_MARK,
    IfExists,
    check_run_dir,
    clean_stale,
    fsync_dir,
    fsync_file,
    pause,
    place,
)
from analogcast.runs.run import Run, table_csv

__all__ = ["save_run", "load_run", "verify_run", "default_run_dir", "check_run_dir", "RUN_FORMAT", "RUN_FORMAT_VERSION", "SAVE_PAUSE_ENV",
           "ALTERNATIVES_FILE"]

#: the saved alternative priors of the report's sensitivity section (listed in metadata.json's files)
ALTERNATIVES_FILE = "alternative_priors.json"

#: Testing hook: seconds to sleep after each file while saving (lets tests SIGKILL mid-save).


def default_run_dir(name: str) -> Path:
    """``fits/runs/<name>`` relative to the working directory."""
    return Path("fits") / "runs" / name


# -- helpers ------------------------------------------------------------------------------


def _files_under(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if p.is_file():
            yield p


def _sanitize_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """NetCDF-safe attributes: bools -> int, None -> "", containers -> JSON text."""
    import numpy as np

    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if isinstance(v, (bool, np.bool_)):
            out[k] = int(v)
        elif v is None:
            out[k] = ""
        elif isinstance(v, (str, int, float, np.integer, np.floating, np.ndarray)):
            out[k] = v
        elif isinstance(v, (list, tuple)) and all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) for x in v) and v:
            out[k] = np.asarray(v)
        else:
            out[k] = json.dumps(v, default=str, sort_keys=True)
    return out


def _scenario_covariates(spec: Any) -> list[dict[str, Any]]:
    """What each scenario sets, in design variables (``analogcast.models.covariates.scenario_mapping``)."""
    from analogcast.models.covariates import scenario_mapping
    from analogcast.runs.run import spec_scenarios

    return scenario_mapping(spec_scenarios(spec))


def _as_list(v: Any) -> list[Any]:
    """A list attribute, also when it was stored as JSON text (loaded forecasts)."""
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            return [v]
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _netcdf_ready(ds: Any) -> Any:
    """A copy of ``ds`` that NetCDF can store: safe attributes, object arrays as strings."""
    import numpy as np

    ds = ds.copy()
    ds.attrs = _sanitize_attrs(ds.attrs)
    for name in list(ds.variables):
        var = ds[name]
        if var.dtype == object:  # e.g. nutpie's divergence_message (None or text)
            values = np.vectorize(lambda x: "" if x is None else str(x), otypes=[str])(var.values) if var.size else var.values.astype(str)
            ds[name] = var.copy(data=values.astype(str))
        ds[name].attrs = _sanitize_attrs(var.attrs)
    return ds


def _write_tree(tree: Any, path: Path, fmt: str) -> None:
    import xarray as xr

    nodes = {node.path: _netcdf_ready(node.to_dataset(inherit=False)) for node in tree.subtree}
    clean = xr.DataTree.from_dict(nodes)
    clean.attrs = _sanitize_attrs(tree.attrs)
    if fmt == "zarr":
        clean.to_zarr(path, mode="w-", consolidated=False)
    else:
        clean.to_netcdf(path, engine="h5netcdf", mode="w")


def _read_tree(path: Path) -> Any:
    import xarray as xr

    if path.is_dir():
        tree = xr.open_datatree(path, engine="zarr", consolidated=False)
    else:
        tree = xr.open_datatree(path, engine="h5netcdf")
    with contextlib.closing(tree):
        return tree.load()  # every array in memory: the tree outlives the closed file (no copy needed)


def _read_dataset(path: Path) -> Any:
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()


def _json_ready(obj: Any) -> Any:
    """Plain JSON types (numpy scalars -> Python, non-finite floats -> None, tuples -> lists)."""
    import math

    import numpy as np

    if isinstance(obj, Mapping):
        return {str(k): _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(float(obj)) else None
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


# -- save -----------------------------------------------------------------------------------


def _write_contents(run: Run, tmp: Path, fmt: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """Write every file of ``run`` into ``tmp`` (metadata.json last); return the metadata."""
    spec = run.spec
    (tmp / "spec.toml").write_text(spec.to_toml(), encoding="utf-8")
    pause()
    if run.prior is not None:
        run.prior.to_toml(tmp / "prior.toml")
        from analogcast.priors.alternatives import save_alternatives

        save_alternatives(tmp / ALTERNATIVES_FILE, run.prior, list(spec.spaces), sha256_file(tmp / "prior.toml"))
        pause()
    posterior_name = "posterior.zarr" if fmt == "zarr" else "posterior.nc"
    _write_tree(run.tree, tmp / posterior_name, fmt)
    pause()
    run.forecasts.pipe(_netcdf_ready).to_netcdf(tmp / "forecasts.nc", engine="h5netcdf")
    pause()
    (tmp / "forecasts.csv").write_text(run.forecasts_csv(), encoding="utf-8")
    (tmp / "contrasts.csv").write_text(table_csv(run.contrasts), encoding="utf-8")
    from analogcast.scenarios.table import declared_tables

    # the tables the fitted models declare (models/contract.py: ModelOutputs.tables)
    # (the models whose bundles the forecast holds, as the scenario engine recorded them)
    fitted = [str(m) for m in run.forecasts.attrs.get("models", [])] or list(run.models)
    for file, df in declared_tables(fitted, run.forecasts, spec.level).items():
        (tmp / file).write_text(table_csv(df), encoding="utf-8")
    pause()
    files: dict[str, str] = {}
    for p in _files_under(tmp):
        fsync_file(p)
        files[p.relative_to(tmp).as_posix()] = sha256_file(p)
    prov = run.provenance
    problems = check_convergence(run.diagnostics)
    meta: dict[str, Any] = {
        "format": RUN_FORMAT,
        "format_version": RUN_FORMAT_VERSION,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "analogcast_version": __version__,
        "title": spec.title,
        "target": spec.target,
        "origin": spec.origin,
        "spaces": list(spec.spaces),
        "horizons": list(spec.horizons),
        "models": list(spec.model.names),
        "scenarios": [s.name for s in spec.scenarios],
        "scenario_covariates": _scenario_covariates(spec),
        "scenario_warnings": list(_as_list(run.forecasts.attrs.get("scenario_warnings", []))),
        "level": spec.level,
        "seed": spec.seed,
        "seeds": prov.get("seeds", {}),
        "sampler": spec.sampler.model_dump(mode="json"),
        "spec": spec.to_dict(),
        "spec_sha256": sha256_bytes(spec.to_toml().encode("utf-8")),
        "data_sha256": prov.get("data_sha256"),
        "data_files": prov.get("data_files", {}),
        "prior_source": prov.get("prior_source"),
        "prior_sha256": prov.get("prior_sha256"),
        "model_options": prov.get("model_options", {}),
        "versions": prov.get("versions", {}),
        "timings": run.timings,
        "diagnostics": run.diagnostics,
        "convergence": {"thresholds": THRESHOLDS, "problems": problems, "ok": not problems},
        "posterior_file": posterior_name,
        "posterior_format": fmt,
        "files": files,
        **extra,
    }
    # through the schema load_run reads with: never write what could not be loaded back
    try:
        typed = parse_metadata(_json_ready(meta))
    except ValueError as exc:
        raise UserInputError(f"run metadata: {exc}") from None
    meta = typed.to_json_dict()
    # one identifier of what was fitted: spec + data + prior + package versions (cf. pymc-marketing's ModelIO)
    identity = {k: meta.get(k) for k in ("spec", "data_sha256", "versions")} | {"prior": files.get("prior.toml")}
    meta["fit_id"] = sha256_bytes(canonical_json(identity).encode("utf-8"))
    meta["metadata_sha256"] = metadata_digest(meta)
    (tmp / "metadata.json").write_text(canonical_json(meta), encoding="utf-8")
    fsync_file(tmp / "metadata.json")
    fsync_dir(tmp)
    pause()
    return meta


def save_run(
    run: Run,
    path: str | os.PathLike[str] | None = None,
    *,
    if_exists: IfExists = "suffix",
    posterior_format: Literal["netcdf", "zarr"] = "netcdf",
    extra_metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``run`` to a run directory atomically.

    Parameters
    ----------
    run
        From :meth:`Run.from_result` (or :func:`load_run`).
    path
        The run directory; default ``fits/runs/<spec name>``.
    if_exists
        ``"suffix"`` (default): an existing run is kept and the new one goes to ``<path>-2``,
        ``-3``, ...; ``"error"``: raise ``UserInputError``; ``"overwrite"``: replace it.
    posterior_format
        ``"netcdf"`` (``posterior.nc``, one file) or ``"zarr"`` (``posterior.zarr/``).
    extra_metadata
        More JSON-ready keys for ``metadata.json`` (e.g. the command line).

    Returns
    -------
    Path
        The directory actually written (differs from ``path`` when suffixed).
    """
    if if_exists not in ("suffix", "error", "overwrite"):
        raise UserInputError(f"if_exists must be 'suffix', 'error' or 'overwrite', got {if_exists!r}")
    if posterior_format not in ("netcdf", "zarr"):
        raise UserInputError(f"posterior format must be 'netcdf' or 'zarr', got {posterior_format!r}")
    for key in extra_metadata or {}:
        if key not in EXTRA_KEYS:
            raise UserInputError(f"extra_metadata key '{key}' is not part of run metadata.{did_you_mean(str(key), EXTRA_KEYS)} Known: {', '.join(EXTRA_KEYS)}")
    dest = Path(path) if path is not None else default_run_dir(run.spec.run_name)
    dest = dest.expanduser().absolute()
    if dest.name.startswith("."):
        raise UserInputError(f"run directory name '{dest.name}' must not start with '.'")
    dest.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(dest)
    tmp = dest.parent / f".{dest.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        _write_contents(run, tmp, posterior_format, dict(extra_metadata or {}))
        final = place(tmp, dest, if_exists)
        fsync_dir(final.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


# -- load -----------------------------------------------------------------------------------


def _refuse(msg: str, allow: bool) -> None:
    if allow:
        warnings.warn(msg + " (loaded anyway: allow_mismatch=True)", UserWarning, stacklevel=3)
    else:
        raise DataIntegrityError(msg)


def _read_metadata(root: Path) -> tuple[dict[str, Any], RunMetadata]:
    """``metadata.json`` as read (for its digest) and as validated by :class:`RunMetadata`."""
    meta_path = root / "metadata.json"
    if root.name.startswith(".") and (TMP_MARK in root.name or OLD_MARK in root.name):
        raise DataIntegrityError(f"{root} is the temporary directory of an interrupted or replaced save, not a finished run; it cannot be loaded")
    if not meta_path.is_file():
        raise DataIntegrityError(f"{meta_path} is missing: {root} is not a finished analogcast run")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataIntegrityError(f"{meta_path} is unreadable or corrupted ({exc})") from None
    except RecursionError:
        raise DataIntegrityError(f"{meta_path} is unreadable or corrupted (nested too deeply to read)") from None
    if not isinstance(meta, dict) or meta.get("format") != RUN_FORMAT:
        raise DataIntegrityError(f"{meta_path} is not analogcast run metadata")
    if meta.get("format_version") != RUN_FORMAT_VERSION:
        raise DataIntegrityError(f"{meta_path}: run format version {meta.get('format_version')} is not supported by analogcast {__version__} (expects {RUN_FORMAT_VERSION})")
    try:
        typed = parse_metadata(meta)
    except ValueError as exc:
        raise DataIntegrityError(f"{meta_path} is not valid run metadata: {exc}") from None
    return meta, typed


def verify_run(path: str | os.PathLike[str], *, check_data: bool = True) -> list[str]:
    """Every integrity problem of the run at ``path`` (empty list when it is intact).

    Checks ``metadata.json`` against its own digest, every recorded file against its sha256,
    and (``check_data``) the data hash against the installed data. Files added to the directory
    afterwards are not problems (:func:`load_run` warns about them).
    Raises ``DataIntegrityError`` only when the run cannot be read at all.
    """
    root = Path(path)
    meta, info = _read_metadata(root)
    problems: list[str] = []
    if info.metadata_sha256 != metadata_digest(meta):
        problems.append(f"{root / 'metadata.json'} was altered (its recorded digest does not match its contents)")
    files = info.files
    if not files:
        problems.append(f"{root / 'metadata.json'} lists no files")
    for rel, recorded in files.items():
        p = root / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            problems.append(f"{root / 'metadata.json'} lists {rel!r}, a file outside the run directory")
            continue
        if not p.is_file():
            problems.append(f"{p} is missing")
        elif sha256_file(p) != recorded:
            problems.append(f"{p} was altered or corrupted (sha256 {sha256_file(p)[:12]}... != recorded {str(recorded)[:12]}...)")
    if check_data:
        from analogcast.data import data_sha256

        current = data_sha256()
        if info.data_sha256 != current:
            problems.append(
                f"the run was fitted on data {str(info.data_sha256)[:12]}... but the installed data are {current[:12]}...; "
                "its forecasts may not match the current data"
            )
    return problems


def load_run(path: str | os.PathLike[str], *, verify: bool = True, allow_mismatch: bool = False) -> Run:
    """Load a saved run, verifying it first.

    Parameters
    ----------
    path
        A run directory written by :func:`save_run` / ``analogcast fit``.
    verify
        Recompute every file's sha256 and the data hash (default). ``False`` skips the
        checks (a warning says so).
    allow_mismatch
        Load even if files were altered or the data changed; each problem becomes a warning.

    Returns
    -------
    Run
        With ``path`` and ``metadata`` set; ``run.result`` is a ``FitResult`` like the one
        :func:`analogcast.fit` returned (``data`` is re-prepared lazily from the package data).

    Raises
    ------
    DataIntegrityError
        Not a finished run, or (unless ``allow_mismatch``) a file that does not match its
        recorded hash -- the message names the file -- or data that changed since the fit.
    """
    root = Path(path)
    if not root.is_dir():
        raise UserInputError(f"no run directory at {root}")
    meta, info = _read_metadata(root)
    if verify:
        problems = verify_run(root)
        if problems:
            if allow_mismatch:
                for msg in problems:
                    _refuse(msg, True)
            else:
                more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
                raise DataIntegrityError(f"refusing to load run {root}: {problems[0]}{more}; load_run(path, allow_mismatch=True) loads it anyway, with warnings")
        recorded = set(info.files) | {"metadata.json"}
        extra = [p.relative_to(root).as_posix() for p in _files_under(root) if p.relative_to(root).as_posix() not in recorded]
        if extra:
            warnings.warn(f"run {root} contains files that are not part of the saved run: {', '.join(extra[:5])}", UserWarning, stacklevel=2)
    else:
        warnings.warn(f"run {root} loaded without verifying its hashes (verify=False)", UserWarning, stacklevel=2)
    try:
        spec = parse_spec((root / "spec.toml").read_text(encoding="utf-8"), source=str(root / "spec.toml"), base_dir=root)
        prior = None
        if (root / "prior.toml").is_file():
            from analogcast.priors import load_prior

            prior = load_prior(root / "prior.toml")
        tree = _read_tree(root / info.posterior_file)
        forecasts = _read_dataset(root / "forecasts.nc")
        import pandas as pd

        table = pd.read_csv(root / "forecasts.csv")
        contrasts = pd.read_csv(root / "contrasts.csv")
    except (OSError, ValueError, KeyError, RecursionError) as exc:
        if isinstance(exc, UserInputError):
            raise DataIntegrityError(f"run {root}: {exc}") from None
        raise DataIntegrityError(f"run {root} could not be read: {type(exc).__name__}: {exc}") from None
    result = FitResult(
        spec=spec,
        prior=prior,
        tree=tree,
        data=_LazyModelData(spec),  # type: ignore[arg-type]
        diagnostics=dict(info.diagnostics),
        timings={k: (float("nan") if v is None else v) for k, v in info.timings.items()},
        provenance={k: getattr(info, k) for k in ("data_sha256", "data_files", "prior_source", "prior_sha256", "seeds", "model_options", "versions")},
    )
    from analogcast.runs.run import decode_forecast_attrs, spec_scenarios

    scenarios = tuple(spec_scenarios(spec))
    decode_forecast_attrs(forecasts, scenarios, root)
    return Run(
        result=result,
        scenarios=scenarios,
        forecasts=forecasts,
        table=table,
        contrasts=contrasts,
        metadata=meta,
        path=root.absolute(),
    )


class _LazyModelData(Mapping[str, Any]):
    """Model name -> ``ModelData``, prepared from the package data on first access."""

    def __init__(self, spec: FitSpec) -> None:
        self._spec = spec
        self._data: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            self._data = prepare_data(self._spec)
        return self._data

    def __getitem__(self, key: str) -> Any:
        if key not in self._spec.model.names:
            raise KeyError(key)
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spec.model.names)

    def __len__(self) -> int:
        return len(self._spec.model.names)

    def __repr__(self) -> str:
        state = "prepared" if self._data is not None else "not yet prepared"
        return f"<ModelData for {list(self._spec.model.names)}, {state}>"

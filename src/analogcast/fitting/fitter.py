"""Fitting orchestration: spec -> prior -> data -> models -> samples -> diagnostics.

:func:`fit` is the one code path behind ``analogcast fit``, ``analogcast run`` and the Python
API. It validates everything it can before sampling (prior file, prior target, data, origin,
spaces), derives every random seed from ``spec.seed`` so the same spec gives the same draws on
the same machine, and returns an immutable :class:`FitResult`.
"""

from __future__ import annotations

import importlib.metadata
import logging
import sys
import time
import warnings
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from analogcast._io import sha256_file
from analogcast._version import __version__
from analogcast.errors import DataIntegrityError, UserInputError
from analogcast.fitting.spec import FitSpec

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from analogcast.models import ModelData
    from analogcast.priors import AnalogPrior

__all__ = [
    "FitResult",
    "fit",
    "resolve_prior",
    "prepare_data",
    "derive_seed",
    "check_convergence",
    "summarise_diagnostics",
    "versions",
    "data_file_hashes",
    "THRESHOLDS",
]

_log = logging.getLogger(__name__)

#: Convergence thresholds checked by ``--strict`` (Vehtari et al. 2021 for R-hat and ESS).
THRESHOLDS: dict[str, float] = {
    "max_rhat": 1.01,
    "min_ess_bulk": 400.0,
    "min_ess_tail": 400.0,
    "divergences": 0.0,
    "min_bfmi": 0.3,
}

_VERSIONED = ("analogcast", "pymc", "pytensor", "arviz", "arviz-base", "arviz-stats", "nutpie", "jax", "jaxlib", "numba",
              "xarray", "numpy", "pandas", "h5netcdf", "pydantic")


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a fit depends on (recorded in run metadata)."""
    out = {"python": sys.version.split()[0]}
    for dist in _VERSIONED:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    out["analogcast"] = __version__
    from analogcast.models.sampling import nutpie_compiler

    out["nutpie_compiler"] = nutpie_compiler()  # what compiled nutpie's log density (jax or numba)
    return out


def data_file_hashes() -> dict[str, str]:
    """sha256 of every shipped data file, as recorded in the data package's ``MANIFEST.json``."""
    import json
    from importlib import resources

    try:
        text = resources.files("analogcast.data").joinpath("files", "MANIFEST.json").read_text(encoding="utf-8")
        files = json.loads(text).get("files", {})
    except (OSError, ValueError, ModuleNotFoundError):
        return {}
    return {name: str(entry.get("sha256")) for name, entry in sorted(files.items()) if isinstance(entry, dict)}


def derive_seed(seed: int, *purpose: str) -> int:
    """A 32-bit seed derived from the master ``seed`` and a purpose label, stable across runs.

    The same ``(seed, purpose)`` always gives the same value, independent of which other
    models a spec fits, so adding a model does not change another model's draws.
    """
    entropy = [int(seed)] + [zlib.crc32(p.encode("utf-8")) for p in purpose]
    return int(np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True)
class FitResult:
    """Everything a fit produced (also what :func:`analogcast.load_run` restores).

    Attributes
    ----------
    spec
        The validated spec, with any CLI overrides applied.
    prior
        The ``AnalogPrior`` used, or ``None`` for the models' weakly informative default.
    tree
        ``xarray.DataTree`` with one child per model (``/event_logit``, ...), each holding
        ``posterior``, ``sample_stats``, ``observed_data``, ``posterior_predictive`` and the
        per-draw totals ``log_likelihood`` (one variable per observed RV) and ``log_prior`` (one
        per free RV), dims ``(chain, draw)`` (:mod:`analogcast.fitting.loglik`).
    data
        Model name -> ``ModelData`` (design matrices, scaling, target history).
    diagnostics
        ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``, ``divergences``, ``min_bfmi`` (worst
        over models) and ``by_model`` (model name -> the same keys).
    timings
        Seconds: ``prior``, ``prepare``, ``<model>.build``, ``<model>.sample``,
        ``<model>.log_density``, ``total``.
    provenance
        ``data_sha256``, ``prior_source``, ``prior_sha256``, ``seeds``, ``model_options``,
        ``versions``.
    """

    spec: FitSpec
    prior: AnalogPrior | None
    tree: xr.DataTree
    data: dict[str, ModelData]
    diagnostics: dict[str, Any]
    timings: dict[str, float]
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def models(self) -> tuple[str, ...]:
        """Names of the fitted models, in spec order."""
        return tuple(self.spec.model.names)

    def posterior(self, model: str | None = None) -> xr.Dataset:
        """The ``posterior`` group of ``model`` (default: the first fitted model)."""
        name = model or self.models[0]
        return self.tree[name]["posterior"].to_dataset()

    def convergence_problems(self, thresholds: Mapping[str, float] | None = None) -> list[str]:
        """Plain-language list of failed convergence checks (empty when all pass)."""
        return check_convergence(self.diagnostics, thresholds)

    def __repr__(self) -> str:
        from analogcast._reprs import fit_repr

        return fit_repr(self, THRESHOLDS)

    def _repr_html_(self) -> str:
        """Notebook display: models, draws, diagnostics (failed checks in red), timings."""
        from analogcast._reprs import fit_html

        return fit_html(self, THRESHOLDS)


def check_convergence(diagnostics: Mapping[str, Any], thresholds: Mapping[str, float] | None = None) -> list[str]:
    """Failed checks among ``diagnostics`` (per model when ``by_model`` is present).

    Parameters
    ----------
    diagnostics
        As in :attr:`FitResult.diagnostics`.
    thresholds
        Overrides of :data:`THRESHOLDS`.
    """
    th = {**THRESHOLDS, **(thresholds or {})}
    groups = diagnostics.get("by_model") or {"": diagnostics}
    problems: list[str] = []
    for name, d in groups.items():
        who = f"{name}: " if name else ""

        def val(key: str, d: Mapping[str, Any] = d) -> float:
            v = d.get(key)
            return float("nan") if v is None else float(v)

        if not val("max_rhat") <= th["max_rhat"]:
            problems.append(f"{who}max R-hat {val('max_rhat'):.3f} > {th['max_rhat']}")
        if not val("min_ess_bulk") >= th["min_ess_bulk"]:
            problems.append(f"{who}min bulk ESS {val('min_ess_bulk'):.0f} < {th['min_ess_bulk']:.0f}")
        if not val("min_ess_tail") >= th["min_ess_tail"]:
            problems.append(f"{who}min tail ESS {val('min_ess_tail'):.0f} < {th['min_ess_tail']:.0f}")
        if val("divergences") > th["divergences"]:
            problems.append(f"{who}{int(val('divergences'))} divergent transitions")
        bfmi = val("min_bfmi")
        if np.isfinite(bfmi) and bfmi < th["min_bfmi"]:
            problems.append(f"{who}min BFMI {bfmi:.2f} < {th['min_bfmi']}")
    return problems


def summarise_diagnostics(by_model: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Worst value of each diagnostic over models, plus ``by_model`` (JSON-ready floats)."""

    def clean(d: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in d.items():
            if isinstance(v, (int, np.integer)):
                out[k] = int(v)
            elif isinstance(v, (float, np.floating)):
                out[k] = float(v) if np.isfinite(v) else None
            else:
                out[k] = v
        return out

    per = {name: clean(d) for name, d in by_model.items()}

    def pick(key: str, fn: Callable[..., Any]) -> Any:
        vals = [d[key] for d in per.values() if d.get(key) is not None]
        return fn(vals) if vals else None

    return {
        "max_rhat": pick("max_rhat", max),
        "min_ess_bulk": pick("min_ess_bulk", min),
        "min_ess_tail": pick("min_ess_tail", min),
        "divergences": pick("divergences", sum),
        "min_bfmi": pick("min_bfmi", min),
        "by_model": per,
    }


def load_prior_file(path: str | Path) -> AnalogPrior:
    """:func:`analogcast.priors.load_prior` with every way a file can fail to read as one-line errors.

    A directory, FIFO, unreadable or undecodable file, or one nested too deeply for the TOML
    parser raises ``UserInputError`` / ``DataIntegrityError`` naming the file, never an
    ``OSError`` or ``RecursionError``.
    """
    from analogcast import priors

    p = Path(path)
    if p.exists() and not p.is_file():
        raise UserInputError(f"prior file {p} is not a regular file (a directory, FIFO or device); give a prior TOML file")
    try:
        return priors.load_prior(p)
    except RecursionError:
        raise DataIntegrityError(f"prior file {p}: nested too deeply to read; rebuild it with 'analogcast priors build'") from None
    except OSError as exc:
        raise UserInputError(f"prior file {p}: cannot read it ({exc.strerror or exc}); check its permissions") from None


def resolve_prior(spec: FitSpec) -> tuple[AnalogPrior | None, dict[str, Any]]:
    """The prior a spec asks for, and its provenance (``prior_source``, ``prior_sha256``).

    Raises
    ------
    UserInputError
        Missing prior file, or a prior built for another target.
    """
    if spec.prior is None:
        return None, {"prior_source": "default", "prior_sha256": None}
    from analogcast import priors

    if spec.prior.file is not None:
        path = spec.resolve_path(spec.prior.file)
        prior = load_prior_file(path)
        info = {"prior_source": spec.prior.file, "prior_sha256": sha256_file(path)}
    elif spec.prior.method == "none":
        return None, {"prior_source": "method none", "prior_sha256": None}
    else:
        kwargs = {
            k: v
            for k, v in {
                "method": spec.prior.method,
                "discount": spec.prior.discount,
                "robust_weight": spec.prior.robust_weight,
                "weights": spec.prior.weights,
                "window": spec.prior.window,
            }.items()
            if v is not None
        }
        prior = priors.build_prior(spec.target, list(spec.prior.analogs or ()), **kwargs)
        info = {"prior_source": "inline", "prior_sha256": None}
    target = prior.meta.target  # an AnalogPrior (load_prior_file / build_prior)
    if target != spec.target:
        raise UserInputError(f"prior {info['prior_source']} was built for {target}, but the spec's target is {spec.target}")
    return prior, info


def prepare_data(spec: FitSpec, panel: xr.Dataset | None = None, events: xr.Dataset | None = None) -> dict[str, ModelData]:
    """``model.prepare`` for every model of ``spec`` (loads the package data if not given)."""
    from analogcast import data as acdata
    from analogcast.models import get_model

    if panel is None:
        panel = acdata.load_panel()
    if events is None:
        events = acdata.load_events()
    out: dict[str, ModelData] = {}
    for name in spec.model.names:
        model = get_model(name, **spec.model.options.get(name, {}))
        kwargs: dict[str, Any] = {"target": spec.target, "origin": spec.origin, "spaces": list(spec.spaces)}
        if spec.model.start is not None:
            kwargs["start"] = spec.model.start
        out[name] = model.prepare(panel, events, **kwargs)
    return out


def _say(progress: bool, msg: str) -> None:
    if progress:
        _log.info("analogcast: %s", msg)


def fit(
    spec: FitSpec,
    *,
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    backend: str | None = None,
    seed: int | None = None,
    prior: AnalogPrior | None | str = "spec",
    progress: bool = True,
) -> FitResult:
    """Fit every model of ``spec``.

    Parameters
    ----------
    spec
        From :func:`load_spec` (or :meth:`FitSpec.replace`).
    draws, tune, chains, backend, seed
        Override the spec's sampler settings and seed (validated like the spec).
    prior
        An ``AnalogPrior`` (or ``None`` for the weakly informative default) to use instead of
        the spec's ``prior``; the default ``"spec"`` resolves the spec's own.
    progress
        Stage messages and sampler progress bars on stderr.

    Returns
    -------
    FitResult

    Raises
    ------
    UserInputError
        Bad overrides, prior or data problems (all before any sampling).
    """
    spec = spec.with_overrides(draws=draws, tune=tune, chains=chains, backend=backend, seed=seed)
    import xarray as xr

    from analogcast import data as acdata
    from analogcast.fitting.loglik import log_density_groups
    from analogcast.models import get_model, sample_model
    from analogcast.models.convergence import (
        diagnostics as model_diagnostics,  # the package attribute is shadowed by the submodule
    )

    timings: dict[str, float] = {}
    t_start = time.perf_counter()

    t0 = time.perf_counter()
    if isinstance(prior, str) and prior == "spec":
        prior_obj, prior_info = resolve_prior(spec)
    else:
        from analogcast.priors import AnalogPrior

        prior_obj, prior_info = prior, {"prior_source": "given", "prior_sha256": None}
        if prior_obj is not None and not isinstance(prior_obj, AnalogPrior):
            raise TypeError(f"prior must be an AnalogPrior, None or 'spec', got {type(prior_obj).__name__}")
        if prior_obj is not None and prior_obj.meta.target != spec.target:
            raise UserInputError(f"the given prior was built for {prior_obj.meta.target}, but the spec's target is {spec.target}")
    timings["prior"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    _say(progress, f"preparing data for {spec.target}, origin {spec.origin}, {len(spec.spaces)} space(s)")
    data = prepare_data(spec)
    data_hash = acdata.data_sha256()
    prior_data_hash = prior_obj.meta.data_sha256 if prior_obj is not None else None
    if prior_data_hash and prior_data_hash != data_hash:
        warnings.warn(
            f"prior {prior_info['prior_source']} was built on data {str(prior_data_hash)[:12]}, the installed data are {data_hash[:12]}; rebuild it with 'analogcast priors'",
            UserWarning,
            stacklevel=2,
        )
    timings["prepare"] = time.perf_counter() - t0

    groups: dict[str, Any] = {}
    by_model: dict[str, dict[str, Any]] = {}
    seeds: dict[str, int] = {}
    options: dict[str, Any] = {}
    sp = spec.sampler
    for name in spec.model.names:
        model = get_model(name, **spec.model.options.get(name, {}))
        options[name] = dict(getattr(model, "options", {}) or {})
        t0 = time.perf_counter()
        pm_model = model.build(data[name], prior_obj)
        timings[f"{name}.build"] = time.perf_counter() - t0
        seeds[name] = derive_seed(spec.seed, "sample", name)
        m_draws, m_tune = sp.for_model(name)
        _say(progress, f"sampling {name}: {sp.chains} chains x {m_draws} draws (+{m_tune} tuning), backend {sp.backend}, seed {seeds[name]}")
        t0 = time.perf_counter()
        kwargs: dict[str, Any] = {"draws": m_draws, "tune": m_tune, "chains": sp.chains, "seed": seeds[name], "backend": sp.backend, "progress": progress}
        if sp.target_accept is not None:
            kwargs["target_accept"] = sp.target_accept
        sampled = sample_model(pm_model, **kwargs)
        timings[f"{name}.sample"] = time.perf_counter() - t0
        for child in sampled.children:
            groups[f"/{name}/{child}"] = sampled[child].to_dataset()
        posterior = sampled["posterior"].to_dataset()
        observed = getattr(data[name], "observed", None)
        if observed is not None and f"/{name}/observed_data" not in groups:
            groups[f"/{name}/observed_data"] = observed
        ppc = getattr(model, "posterior_predictive", None)
        if ppc is not None and f"/{name}/posterior_predictive" not in groups:
            t0 = time.perf_counter()
            seeds[f"{name}.ppc"] = derive_seed(spec.seed, "ppc", name)
            groups[f"/{name}/posterior_predictive"] = ppc(posterior, data[name], np.random.default_rng(seeds[f"{name}.ppc"]))
            timings[f"{name}.ppc"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            for group, ds in log_density_groups(pm_model, posterior).items():
                groups[f"/{name}/{group}"] = ds
        except Exception as exc:  # noqa: BLE001 - an optional diagnostic must never cost the fit
            warnings.warn(f"{name}: per-draw log_likelihood/log_prior not stored ({type(exc).__name__}: {exc}); the report's power-scaling diagnostic will be unavailable", UserWarning, stacklevel=2)
        timings[f"{name}.log_density"] = time.perf_counter() - t0
        by_model[name] = dict(model_diagnostics(sampled))
    tree = xr.DataTree.from_dict(groups)
    tree.attrs.update({"target": spec.target, "origin": int(spec.origin), "seed": int(spec.seed), "analogcast_version": __version__})
    timings["total"] = time.perf_counter() - t_start
    provenance = {
        "data_sha256": data_hash,
        "data_files": data_file_hashes(),
        **prior_info,
        "seeds": seeds,
        "model_options": options,
        "versions": versions(),
    }
    result = FitResult(
        spec=spec,
        prior=prior_obj,
        tree=tree,
        data=data,
        diagnostics=summarise_diagnostics(by_model),
        timings={k: round(v, 3) for k, v in timings.items()},
        provenance=provenance,
    )
    _say(progress, f"fitted {', '.join(spec.model.names)} in {timings['total']:.1f} s")
    return result

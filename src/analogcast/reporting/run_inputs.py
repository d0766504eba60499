"""What the report reads from a run, through the run's types and the models' declarations.

The report takes an ``analogcast.runs.Run``; it carries ``spec``, ``prior`` (an ``AnalogPrior`` or ``None``),
``tree``, ``data``, ``forecasts``, ``metadata``; the prior is read through its own API only
(``prior.meta``, ``prior.get(space, direction)`` -> ``SpacePrior`` with ``mixture``, ``ess``,
``ess_share``, ``conflict_p``, ``evidence``). Which model holds what is never written here: it
comes from the registry's declarations (:class:`analogcast.models.contract.ModelOutputs`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import xarray as xr

from analogcast.data._spaces import SPACES
from analogcast.errors import UserInputError
from analogcast.models.registry import (
    available_models,
    in_registry_order,
    lead_event_model,
    model_outputs,
)

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.fitting.fitter import FitResult
    from analogcast.priors import AnalogPrior
    from analogcast.runs.run import Run


__all__ = [
    "SPACE_VARIABLES",
    "as_float",
    "attr_list",
    "metadata",
    "spec_dict",
    "run_scenarios",
    "run_prior",
    "run_models",
    "prior_meta",
    "saved_alternatives",
    "space_prior",
    "find_theta",
    "target_history",
    "wbl_last_year",
    "declared_label",
    "path_model_name",
    "path_model_label",
    "path_model_caveat",
    "theta_model_names",
    "lead_model",
    "capital",
]

_log = logging.getLogger(__name__)

#: space -> V-Dem index name (the data stage's ``SPACES``, as a plain dict).
SPACE_VARIABLES: dict[str, str] = dict(SPACES)


def as_float(x: Any) -> float:
    """``float(x)`` or NaN."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v if math.isfinite(v) else float("nan")


def attr_list(forecasts: xr.Dataset, key: str) -> list[str]:
    """A list attribute of the forecasts (``assumptions``, ``scenario_warnings``) as strings.

    The scenario engine writes lists and ``load_run`` decodes the JSON text ``forecasts.nc``
    stores (:data:`analogcast.runs.run.LIST_ATTRS`); anything else is refused, not guessed at.

    Raises
    ------
    UserInputError
        If the attribute is present and not a list.
    """
    value = forecasts.attrs.get(key, [])
    if not isinstance(value, list | tuple):
        raise UserInputError(
            f"the forecasts' attribute {key!r} is a {type(value).__name__}, not a list: "
            "report runs made by analogcast.runs (Run.from_result, load_run), not datasets opened directly"
        )
    return [str(v) for v in value]


def metadata(run: Run) -> dict[str, Any]:
    """The run's ``metadata.json`` contents (empty dict before saving)."""
    return dict(run.metadata)


def spec_dict(run: Run) -> dict[str, Any]:
    """The spec as a plain dict (``FitSpec.to_dict()``), over the one recorded in the metadata."""
    out = dict(run.spec.to_dict())
    meta_spec = metadata(run).get("spec")
    if isinstance(meta_spec, Mapping):
        out = {**dict(meta_spec), **out}
    return out


def run_scenarios(run: Run, forecasts: xr.Dataset) -> list[dict[str, str]]:
    """``[{name, label, note}]`` in forecast order; labels from the forecasts, then the scenarios.

    The spec's scenarios and the run's are the same type (:class:`analogcast.scenarios.Scenario`):
    the spec's entry is read first, then the run's (a run forecast for other scenarios than its
    spec's).
    """
    names = [str(s) for s in forecasts["scenario"].values]
    labels: dict[str, str] = {}
    if "scenario_label" in forecasts.coords:
        labels = {str(n): str(lab) for n, lab in zip(names, forecasts["scenario_label"].values, strict=True)}
    notes: dict[str, str] = {}
    for sc in (*run.spec.scenarios, *run.scenarios):
        n = str(sc.name)
        if sc.label and not labels.get(n):
            labels[n] = str(sc.label)
        if sc.note and n not in notes:
            notes[n] = str(sc.note)
    return [
        {"name": n, "label": labels.get(n) or n.replace("_", " ").capitalize(), "note": notes.get(n, "")}
        for n in names
    ]


def run_prior(run: Run | FitResult) -> AnalogPrior | None:
    """The run's ``AnalogPrior`` (``None`` for the weakly informative default)."""
    return run.prior


def run_models(run: Run | FitResult) -> list[str]:
    """The run's fitted models, in registry order (its posterior tree's children)."""
    return in_registry_order(list(run.tree.children))


def prior_meta(prior: Any) -> dict[str, Any]:
    """The prior's ``meta`` (a ``PriorMeta``) as a dict; empty without a prior."""
    if prior is None:
        return {}
    meta = prior.meta
    if isinstance(meta, Mapping):
        return dict(meta)
    return dataclasses.asdict(meta)


def saved_alternatives(run: Any, spaces: Sequence[str]) -> dict[tuple[Any, ...], Any] | None:
    """The sensitivity section's alternative priors as the run saved them
    (:data:`analogcast.runs.store.ALTERNATIVES_FILE`, read by
    :func:`analogcast.priors.alternatives.read_alternatives`), or ``None``: the report then rebuilds them.

    The file is used only when ``metadata.json`` lists it and its sha256 is the recorded one (a
    run loaded with ``allow_mismatch=True`` may hold an altered copy) and it was saved for the
    run's prior file and the report's spaces; otherwise a log message says why it is not.
    """
    import json

    from analogcast._io import sha256_file
    from analogcast.priors.alternatives import read_alternatives, rebuildable
    from analogcast.runs.store import ALTERNATIVES_FILE

    path, files = getattr(run, "path", None), (getattr(run, "metadata", None) or {}).get("files") or {}
    meta = prior_meta(getattr(run, "prior", None))
    if path is None or not rebuildable(meta):
        return None
    where = path / ALTERNATIVES_FILE
    if ALTERNATIVES_FILE not in files:
        _log.info("run %s has no %s (saved before runs kept them, or saving them failed): "
                  "rebuilding the sensitivity alternatives", path.name, ALTERNATIVES_FILE)
        return None
    try:
        if sha256_file(where) != files[ALTERNATIVES_FILE]:
            raise ValueError("it does not match the sha256 metadata.json records")
        return read_alternatives(json.loads(where.read_text(encoding="utf-8")), spaces, files.get("prior.toml"))
    except (OSError, ValueError, RecursionError) as exc:
        _log.warning("run %s: %s is not used (%s); rebuilding the sensitivity alternatives", path.name, ALTERNATIVES_FILE, exc)
        return None


def space_prior(prior: Any, space: str, direction: str) -> Any:
    """``prior.get(space, direction)`` (a ``SpacePrior``), or ``None`` when the prior lacks it."""
    if prior is None:
        return None
    try:
        return prior.get(space, direction)
    except (KeyError, LookupError, ValueError):
        return None


def declared_label(name: str) -> str:
    """How reports name model ``name`` in running text (its declared ``outputs.label``)."""
    return model_outputs(name).label


def capital(label: str) -> str:
    """``"the event model"`` -> ``"Event model"`` (a table header)."""
    return label.removeprefix("the ").capitalize()


def path_model_name() -> str | None:
    """The registered model that simulates index paths (fan charts, rises), or ``None``."""
    return next((n for n in available_models() if model_outputs(n).paths), None)


def path_model_label() -> str:
    """How reports name the registered model that simulates index paths."""
    name = path_model_name()
    return declared_label(name) if name is not None else "a model of index paths"


def path_model_caveat() -> str:
    """The caveat the model of index paths declares for its scenario comparisons (may be empty)."""
    name = path_model_name()
    return model_outputs(name).caveat if name is not None else ""


def theta_model_names() -> list[str]:
    """Registered models whose posterior holds the target's ``theta`` (space, direction)."""
    return [n for n in available_models() if model_outputs(n).has_theta]


def lead_model(run: Run | FitResult) -> str | None:
    """The model the run's ``p_opening`` / ``p_closing`` come from."""
    return lead_event_model(run_models(run))


def find_theta(tree: xr.DataTree | None) -> xr.DataArray | None:
    """Posterior draws of the target's ``theta`` (chain, draw, space, direction) from the first
    fitted model that declares it (``ModelOutputs.has_theta``), or ``None``."""
    if tree is None:
        return None
    for name in in_registry_order(tree.children):
        if not model_outputs(name).has_theta or "posterior" not in tree[name].children:
            continue
        post = tree[name]["posterior"].to_dataset()
        if "theta" in post and {"space", "direction", "chain", "draw"} <= set(post["theta"].dims):
            return post["theta"]
    return None


def _model_data(run: Run | FitResult) -> Mapping[str, Any] | None:
    data = run.data
    return data if isinstance(data, Mapping) else None


def target_history(run: Run | FitResult, spaces: Sequence[str]) -> xr.DataArray | None:
    """The target's observed index per space and year (space, year), 0-1 scale, if available.

    From the first fitted model's ``ModelData.target_history`` (V-Dem index columns).
    """
    data = _model_data(run)
    if data is None:
        return None
    for md in data.values():
        th = getattr(md, "target_history", None)
        if not isinstance(th, xr.Dataset):
            continue
        arrays = {}
        for sp in spaces:
            var = SPACE_VARIABLES.get(sp, sp)
            if var in th and "year" in th[var].dims:
                da = th[var]
                extra = [d for d in da.dims if d != "year"]
                if extra:
                    da = da.isel({d: 0 for d in extra}, drop=True)
                arrays[sp] = da.drop_vars([c for c in da.coords if c != "year"])
        if arrays:
            return xr.concat(list(arrays.values()), dim=pd.Index(list(arrays), name="space"))
    return None


def _last_observed_year(da: Any) -> int | None:
    if not isinstance(da, xr.DataArray) or "year" not in da.dims:
        return None
    extra = [d for d in da.dims if d != "year"]
    if extra:
        da = da.isel({d: 0 for d in extra}, drop=True)
    da = da.dropna("year")
    return int(da["year"].max()) if da.size else None


def wbl_last_year(run: Run | FitResult) -> int | None:
    """The last year with an observed WBL index for the target in the run's data, or ``None``.

    From the ``ModelData.target_history`` of the fitted model that declares the WBL output (the
    panel's ``wbl_index``, calendar years: the panel stores a WBL report year's scores at report
    year - 1).
    """
    data = _model_data(run)
    if data is None:
        return None
    for name in in_registry_order(data):
        if "wbl" not in model_outputs(name).extras:
            continue
        try:
            md = data[name]
        except Exception:  # noqa: BLE001 - a model's data that cannot be rebuilt just has no year
            md = None
        th = getattr(md, "target_history", None)
        if isinstance(th, xr.Dataset) and "wbl_index" in th:
            return _last_observed_year(th["wbl_index"])
    return None

"""Read what the report needs from a run, accepting any object shaped like ``analogcast.runs.Run``.

The report builder never touches a run's attributes directly: it goes through these helpers,
which tolerate the forms the contract allows (a pydantic ``FitSpec`` or a plain dict, a prior
with a ``mixture(space, direction)`` method or mappings, a table or none). Each helper returns
plain Python values or ``None`` when the run does not carry the item.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import xarray as xr

from analogcast.data._spaces import SPACES

__all__ = [
    "spec_dict",
    "metadata",
    "run_scenarios",
    "prior_meta",
    "prior_lookup",
    "find_theta",
    "target_history",
    "wbl_last_year",
    "similarity_table",
    "SPACE_VARIABLES",
]

#: space -> V-Dem index name (the data stage's ``SPACES``, as a plain dict).
SPACE_VARIABLES: dict[str, str] = dict(SPACES)


def _as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    for meth in ("to_dict", "model_dump"):
        f = getattr(obj, meth, None)
        if callable(f):
            try:
                return dict(f(mode="json")) if meth == "model_dump" else dict(f())
            except TypeError:
                return dict(f())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return {k: getattr(obj, k) for k in dir(obj) if not k.startswith("_") and not callable(getattr(obj, k, None))}


def metadata(run: Any) -> dict[str, Any]:
    """The run's ``metadata.json`` contents (empty dict if none)."""
    return dict(getattr(run, "metadata", None) or {})


def spec_dict(run: Any) -> dict[str, Any]:
    """The spec as a plain dict (from ``run.result.spec`` / ``run.spec``, else metadata)."""
    spec = getattr(run, "spec", None)
    if spec is None:
        spec = getattr(getattr(run, "result", None), "spec", None)
    out = _as_dict(spec)
    meta_spec = metadata(run).get("spec")
    if isinstance(meta_spec, Mapping):
        out = {**dict(meta_spec), **out}
    return out


def run_scenarios(run: Any, forecasts: xr.Dataset) -> list[dict[str, str]]:
    """``[{name, label, note}]`` in forecast order; labels from the forecasts, then the spec."""
    names = [str(s) for s in forecasts["scenario"].values]
    labels: dict[str, str] = {}
    if "scenario_label" in forecasts.coords:
        labels = {str(n): str(lab) for n, lab in zip(names, forecasts["scenario_label"].values, strict=True)}
    notes: dict[str, str] = {}
    for s in spec_dict(run).get("scenarios", []) or []:
        s = _as_dict(s)
        n = str(s.get("name", ""))
        if s.get("label") and not labels.get(n):
            labels[n] = str(s["label"])
        if s.get("note") or s.get("description"):
            notes[n] = str(s.get("note") or s.get("description"))
    for sc in getattr(run, "scenarios", ()) or ():
        n = str(getattr(sc, "name", ""))
        if getattr(sc, "description", "") and n not in notes:
            notes[n] = str(sc.description)
    return [
        {"name": n, "label": labels.get(n) or n.replace("_", " ").capitalize(), "note": notes.get(n, "")}
        for n in names
    ]


def _prior(run: Any) -> Any:
    p = getattr(run, "prior", None)
    if p is None:
        p = getattr(getattr(run, "result", None), "prior", None)
    return p


def prior_meta(prior: Any) -> dict[str, Any]:
    """The prior's ``meta`` as a dict (target, analogs, weights, method, discount, ...)."""
    if prior is None:
        return {}
    return _as_dict(getattr(prior, "meta", None))


def prior_lookup(prior: Any, names: tuple[str, ...], space: str, direction: str) -> Any:
    """Find a per-(space, direction) item of the prior under any of ``names``.

    Accepts a method ``f(space, direction)``, a mapping keyed by ``(space, direction)``,
    ``"space/direction"``, ``"space.direction"`` or nested ``[space][direction]``, or a
    per-(space, direction) object (``prior.spaces[space][direction].<name>``).
    """
    if prior is None:
        return None
    for name in names:
        obj = getattr(prior, name, None)
        if obj is None:
            continue
        if callable(obj) and not isinstance(obj, Mapping):
            try:
                return obj(space, direction)
            except (KeyError, TypeError, ValueError, LookupError):
                continue
        if isinstance(obj, Mapping):
            for key in ((space, direction), f"{space}/{direction}", f"{space}.{direction}", f"{space}_{direction}"):
                if key in obj:
                    return obj[key]
            if space in obj and isinstance(obj[space], Mapping) and direction in obj[space]:
                return obj[space][direction]
    for holder in ("components", "spaces", "entries", "items_"):
        obj = getattr(prior, holder, None)
        if isinstance(obj, Mapping):
            node = obj.get((space, direction))
            if node is None and isinstance(obj.get(space), Mapping):
                node = obj[space].get(direction)
            if node is not None:
                for name in names:
                    if hasattr(node, name):
                        return getattr(node, name)
                    if isinstance(node, Mapping) and name in node:
                        return node[name]
    return None


def mixture_function(prior: Any) -> Callable[[str, str], Any] | None:
    """``(space, direction) -> mixture`` for the prior, or ``None`` without a prior."""
    if prior is None:
        return None

    def get(space: str, direction: str) -> Any:
        m = prior_lookup(prior, ("mixture", "mixtures"), space, direction)
        if m is None:
            raise KeyError(f"no prior mixture for {space}/{direction}")
        return m

    return get


def as_float(x: Any) -> float:
    """``float(x)`` or NaN."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v if math.isfinite(v) else float("nan")


def similarity_table(prior: Any) -> pd.DataFrame | None:
    """The analog similarity table, if the prior carries one (``similarity``/``similarity_table``)."""
    if prior is None:
        return None
    for name in ("similarity", "similarity_table", "analog_table"):
        obj = getattr(prior, name, None)
        if callable(obj) and not isinstance(obj, pd.DataFrame):
            try:
                obj = obj()
            except TypeError:
                continue
        if isinstance(obj, pd.DataFrame):
            return obj
        if isinstance(obj, list | tuple) and obj and isinstance(obj[0], Mapping):
            return pd.DataFrame(list(obj))
    return None


def find_theta(tree: Any) -> xr.DataArray | None:
    """Posterior draws of the target's ``theta`` (chain, draw, space, direction), if any model has them.

    ``event_logit`` first: it is the model the opening/closing probabilities come from.
    """
    if tree is None:
        return None
    kids = list(getattr(tree, "children", {}))
    kids.sort(key=lambda k: k != "event_logit")
    nodes = [tree] + [tree[k] for k in kids]
    for node in nodes:
        if "posterior" not in getattr(node, "children", {}):
            continue
        post = node["posterior"].to_dataset()
        for name in ("theta", "theta_target"):
            if name in post and {"space", "direction", "chain", "draw"} <= set(post[name].dims):
                return post[name]
    return None


def target_history(run: Any, spaces: list[str]) -> xr.DataArray | None:
    """The target's observed index per space and year (space, year), 0-1 scale, if available.

    Looks at ``run.history`` (synthetic and future runs), then each model's
    ``ModelData.target_history`` (V-Dem index columns or the space names).
    """
    hist = getattr(run, "history", None)
    if isinstance(hist, xr.Dataset) and "index" in hist:
        return hist["index"]
    if isinstance(hist, xr.DataArray):
        return hist
    data = getattr(run, "data", None)
    if data is None:
        data = getattr(getattr(run, "result", None), "data", None)
    if not isinstance(data, Mapping):
        return None
    for md in data.values():
        th = getattr(md, "target_history", None)
        if not isinstance(th, xr.Dataset):
            continue
        arrays = {}
        for sp in spaces:
            for var in (sp, SPACE_VARIABLES.get(sp, sp), f"index_{sp}"):
                if var in th and "year" in th[var].dims:
                    da = th[var]
                    extra = [d for d in da.dims if d != "year"]
                    if extra:
                        da = da.isel({d: 0 for d in extra}, drop=True)
                    arrays[sp] = da.drop_vars([c for c in da.coords if c != "year"])
                    break
            if "index" in th and "space" in th["index"].dims and sp in th["index"]["space"].values and sp not in arrays:
                arrays[sp] = th["index"].sel(space=sp, drop=True)
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


def wbl_last_year(run: Any) -> int | None:
    """The last year with an observed WBL index for the target in the run's data, or ``None``.

    Looks at ``run.history`` (a Dataset with ``wbl_index``, as synthetic runs carry), then the
    trajectory model's ``ModelData.target_history`` (the panel's ``wbl_index``, calendar years:
    the panel stores a WBL report year's scores at report year - 1).
    """
    hist = getattr(run, "history", None)
    if isinstance(hist, xr.Dataset) and "wbl_index" in hist:
        return _last_observed_year(hist["wbl_index"])
    data = getattr(run, "data", None)
    if data is None:
        data = getattr(getattr(run, "result", None), "data", None)
    if not isinstance(data, Mapping):
        return None
    for name in ("trajectory", *[k for k in data if k != "trajectory"]):
        try:
            md = data[name] if name in data else None
        except Exception:  # noqa: BLE001 - a model's data that cannot be rebuilt just has no year
            md = None
        th = getattr(md, "target_history", None)
        if isinstance(th, xr.Dataset) and "wbl_index" in th:
            return _last_observed_year(th["wbl_index"])
    return None

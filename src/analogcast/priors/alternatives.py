"""The analogy prior rebuilt with one setting changed: the alternatives of the report's
sensitivity section, and the JSON document a saved run keeps them in.

An alternative is an override of the prior's settings: ``{"discount": d}`` (the discount halved
or doubled) or ``{"analogs": (...)}`` (one analog left out). :func:`rebuild_opening` rebuilds the
prior once per override with :func:`analogcast.priors.build_prior` -- opening direction only and
without the ESS shares, the same mixtures as a full build -- and returns each space's opening
mixture as plain ``(weights, means, sds, labels)``, or ``{"error": (message,)}`` for an override
the prior cannot be rebuilt with.

A run saves them when it is saved (:func:`alternatives_document`, every analog left out in turn,
not just the ones a report shows) so that rendering its report does not rebuild them;
:func:`read_alternatives` reads that document back, refusing one that is not for the run's prior
or its spaces. The floats go through JSON exactly (shortest repr round-trips), so the saved
mixtures are the rebuilt ones bit for bit.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ALTERNATIVES_FORMAT",
    "REBUILD_METHODS",
    "rebuildable",
    "Mixtures",
    "alternative_overrides",
    "override_key",
    "rebuild_kwargs",
    "rebuild_meta",
    "rebuild_opening",
    "alternatives_document",
    "save_alternatives",
    "read_alternatives",
]

_log = logging.getLogger(__name__)

ALTERNATIVES_FORMAT = "analogcast-alternative-priors"
#: the methods whose prior can be rebuilt from its settings (``none`` has nothing to vary)
REBUILD_METHODS = ("map", "robust_map", "power")


def rebuildable(meta: Mapping[str, Any]) -> bool:
    """True if the prior ``meta`` describes can be rebuilt from its settings: a method of
    :data:`REBUILD_METHODS`, analogs and a target."""
    return meta.get("method") in REBUILD_METHODS and bool(meta.get("analogs")) and bool(meta.get("target"))

#: per override: space -> ``(weights, means, sds, labels)`` of its opening mixture, or
#: ``{"error": (message,)}``
Mixtures = dict[str, tuple[Any, ...]]


def _discount(meta: Mapping[str, Any]) -> float:
    try:
        return float(meta.get("discount") or float("nan"))
    except (TypeError, ValueError):
        return float("nan")


def alternative_overrides(meta: Mapping[str, Any], analogs: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The overrides of the sensitivity alternatives: the discount halved and doubled (capped at
    1, skipped where equal to the fitted one), then ``analogs`` (default every analog of
    ``meta``, in order) each left out, when the prior has at least two analogs."""
    out: list[dict[str, Any]] = []
    d = _discount(meta)
    if math.isfinite(d) and d > 0:
        out += [{"discount": d_new} for d_new in sorted({d / 2, min(1.0, 2 * d)}) if abs(d_new - d) >= 1e-9]
    every = [str(a) for a in meta.get("analogs", []) or []]
    if len(every) >= 2:
        for a in every if analogs is None else analogs:
            out.append({"analogs": tuple(b for b in every if b != a)})
    return out


def override_key(over: Mapping[str, Any]) -> tuple[Any, ...]:
    """A hashable key of an override (lists become tuples, keys sorted)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in over.items()))


def rebuild_kwargs(meta: Mapping[str, Any], over: Mapping[str, Any], spaces: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """``(analogs, build_prior keyword arguments)`` of the prior ``meta`` describes, with ``over``."""
    analogs = [str(a) for a in meta["analogs"]]
    weights = dict(zip(analogs, [float(w) for w in meta.get("weights") or [1.0] * len(analogs)], strict=False))
    use = [str(a) for a in over.get("analogs", analogs)]
    kw: dict[str, Any] = {
        "method": meta["method"],
        "discount": float(over.get("discount", meta.get("discount", 1.0))),
        "weights": {a: weights.get(a, 1.0) for a in use},
        "spaces": list(spaces),
    }
    if meta["method"] == "robust_map":
        kw["robust_weight"] = float(meta.get("robust_weight", 0.2))
    for k in ("window", "tau_prior", "conflict_years", "current_from"):
        if meta.get(k) not in (None, ""):
            kw[k] = meta[k]
    if meta.get("model_evidence"):
        # a prior built on the model's scale is rebuilt from the same fitted intercepts (an analog
        # left out dropped), never from counts, which are on another scale
        from analogcast.priors.build import ModelScaleEvidence

        kw.pop("window", None)
        est = {tuple(key.split("|")): [tuple(e) for e in rows if str(e[0]) in use]
               for key, rows in meta["model_evidence"].items()}
        kw["evidence"] = ModelScaleEvidence(est, str(meta.get("evidence_source", "")))  # type: ignore[arg-type]
    return use, kw


def rebuild_opening(
    meta: Mapping[str, Any], overrides: Sequence[Mapping[str, Any]], spaces: Sequence[str], events: Any = None
) -> dict[tuple[Any, ...], Mixtures]:
    """Rebuild the prior once per override (the event data loaded once); return each space's
    opening mixture keyed by :func:`override_key`.

    Only the opening direction is built, without the ESS shares (``build_prior(...,
    directions=("opening",), ess_shares=False)``): the same mixtures as a full build for about
    a seventh of its cost (the per-analog fits behind the shares are most of it).
    """
    from analogcast.priors.build import build_prior

    if events is None and overrides:
        from analogcast.data import load_events

        events = load_events()
    out: dict[tuple[Any, ...], Mixtures] = {}
    for over in overrides:
        use, kw = rebuild_kwargs(meta, over, spaces)
        try:
            p = build_prior(str(meta["target"]), use, events=events, directions=("opening",), ess_shares=False, **kw)
        except Exception as exc:  # noqa: BLE001 - reported with the alternative
            out[override_key(over)] = {"error": (f"{type(exc).__name__}: {exc}",)}
            continue
        mixes: Mixtures = {}
        for sp in spaces:
            m = p.mixture(sp, "opening")
            mixes[sp] = (tuple(m.weights), tuple(m.means), tuple(m.sds), tuple(m.labels))
        out[override_key(over)] = mixes
    return out


def rebuild_meta(prior: Any, spaces: Sequence[str]) -> dict[str, Any]:
    """The prior's settings as :func:`rebuild_kwargs` reads them: its ``meta`` as a dict, plus its
    model-scale evidence (``"space|direction" -> [[label, mean, sd], ...]``) when it was built on
    the model's scale."""
    meta = prior.meta
    out = dict(meta) if isinstance(meta, Mapping) else dataclasses.asdict(meta)
    evidence = {}
    for sp in spaces:
        for d in ("opening", "closing"):
            try:
                cell = prior.get(sp, d)
            except (KeyError, LookupError, ValueError):
                continue
            if cell.model_evidence:
                evidence[f"{sp}|{d}"] = [[lab, m, sd] for lab, m, sd in cell.model_evidence]
    if evidence:
        out["model_evidence"] = evidence
    return out


def alternatives_document(prior: Any, spaces: Sequence[str], prior_sha256: str | None) -> dict[str, Any] | None:
    """The JSON-ready document of every alternative of ``prior`` (its ``spaces``' opening
    mixtures), or ``None`` when the prior cannot be rebuilt (method ``none``, no analogs).

    ``prior_sha256`` is the hash of the prior file saved beside it: :func:`read_alternatives`
    refuses the document for any other prior.
    """
    meta = rebuild_meta(prior, spaces)
    if not rebuildable(meta):
        return None
    overrides = alternative_overrides(meta)
    rebuilt = rebuild_opening(meta, overrides, spaces)
    items: list[dict[str, Any]] = []
    for over in overrides:
        got = rebuilt[override_key(over)]
        item: dict[str, Any] = {"overrides": {k: list(v) if isinstance(v, tuple) else v for k, v in over.items()}}
        if "error" in got:
            item["error"] = str(got["error"][0])
        else:
            item["mixtures"] = {sp: dict(zip(("weights", "means", "sds", "labels"), map(list, mix), strict=True)) for sp, mix in got.items()}
        items.append(item)
    return {
        "format": ALTERNATIVES_FORMAT,
        "format_version": 1,
        "about": "The analogy prior rebuilt with one setting changed (opening mixtures), for the report's sensitivity section",
        "direction": "opening",
        "prior_sha256": prior_sha256,
        "spaces": list(spaces),
        "alternatives": items,
    }


def save_alternatives(path: str | os.PathLike[str], prior: Any, spaces: Sequence[str], prior_sha256: str | None) -> bool:
    """Write :func:`alternatives_document` to ``path`` atomically; ``False`` (and no file) when the
    prior cannot be rebuilt, or when building the document fails (logged: a report then rebuilds
    the alternatives, and the run it belongs to is saved all the same)."""
    from analogcast._io import atomic_write_json

    try:
        doc = alternatives_document(prior, spaces, prior_sha256)
    except Exception as exc:  # noqa: BLE001 - never lose a fit over the report's alternatives
        _log.warning("the alternative priors were not saved (%s: %s); reports will rebuild them", type(exc).__name__, exc)
        return False
    if doc is None:
        return False
    atomic_write_json(path, doc)
    return True


def read_alternatives(doc: Any, spaces: Sequence[str], prior_sha256: str | None) -> dict[tuple[Any, ...], Mixtures]:
    """The alternatives of an :func:`alternatives_document`, keyed by :func:`override_key`.

    Raises
    ------
    ValueError
        Not such a document, one for another prior (``prior_sha256`` differs), without one of
        ``spaces``, or with a malformed entry (the message says which).
    """
    if not isinstance(doc, Mapping) or doc.get("format") != ALTERNATIVES_FORMAT or doc.get("format_version") != 1:
        raise ValueError(f"not an {ALTERNATIVES_FORMAT} document (format version 1)")
    if doc.get("prior_sha256") != prior_sha256:
        raise ValueError("it was saved for another prior file")
    missing = [sp for sp in spaces if sp not in (doc.get("spaces") or [])]
    if missing:
        raise ValueError(f"it has no alternatives for {', '.join(missing)}")
    out: dict[tuple[Any, ...], Mixtures] = {}
    for i, item in enumerate(doc.get("alternatives") or []):
        try:
            over = dict(item["overrides"])
            if "error" in item:
                out[override_key(over)] = {"error": (str(item["error"]),)}
                continue
            mixes: Mixtures = {}
            for sp in spaces:
                m = item["mixtures"][sp]
                w, mu, sd = (tuple(float(x) for x in m[k]) for k in ("weights", "means", "sds"))
                labels = tuple(str(x) for x in m["labels"])
                if not (len(w) == len(mu) == len(sd) and len(labels) in (0, len(w)) and w):
                    raise ValueError("weights, means, sds and labels differ in length")
                mixes[sp] = (w, mu, sd, labels)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"alternative {i + 1} is malformed ({type(exc).__name__}: {exc})") from None
        out[override_key(over)] = mixes
    return out

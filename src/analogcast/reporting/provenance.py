"""The report's provenance and sources: the spec, hashes, versions and seeds of a run, the
data producers' licences and the references."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.runs.run import Run

__all__ = ["citations_and_sources", "provenance_section"]


def citations_and_sources() -> tuple[list[str], list[dict[str, str]]]:
    """References (``analogcast.data.citations()``) and one licence line per data producer of
    the shipped data's manifest (``analogcast.data.manifest()``)."""
    from analogcast.data import citations, manifest

    sources: dict[str, dict[str, str]] = {}
    for name, f in manifest()["files"].items():
        prod = str(f.get("producer", "")).strip()
        if not prod:
            continue
        entry = sources.setdefault(prod, {"producer": prod, "license": str(f.get("license", "")), "files": ""})
        entry["files"] = ", ".join(x for x in (entry["files"], str(name)) if x)
    return [str(c) for c in citations()], list(sources.values())


def provenance_section(run: Run, spec: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The provenance section: from the run's typed ``metadata.json``
    (:class:`analogcast.runs.metadata.RunMetadata`, ``run.info``) when the run was loaded from a
    directory, else from the fit's own provenance and the spec."""
    info = run.info
    prov = dict(run.provenance)
    spec_text = run.spec.to_toml()
    timings = dict(run.timings)
    if info is not None:
        hashes = info.hashes
        data_files, versions, seed, seeds = dict(info.data_files), dict(info.versions), info.seed, dict(info.seeds)
        sampler: Any = info.sampler
        command: Any = info.command
        prior_source, created = info.prior_source or "", info.created
    else:
        hashes = {k.replace("_sha256", ""): str(prov[k]) for k in ("data_sha256", "prior_sha256") if prov.get(k)}
        data_files = dict(prov.get("data_files") or {})
        versions = dict(prov.get("versions") or {})
        seed, seeds = spec.get("seed"), dict(prov.get("seeds") or {})
        sampler, command = spec.get("sampler") or {}, None
        prior_source, created = str(prov.get("prior_source") or ""), str(meta.get("created", ""))
    return {
        "spec_text": spec_text,
        "hashes": dict(sorted(hashes.items())),
        "versions": {str(k): str(v) for k, v in versions.items()},
        "seed": seed,
        "seeds": ", ".join(f"{k} {v}" for k, v in seeds.items()),
        "sampler": ", ".join(f"{k} {v}" for k, v in dict(sampler).items() if v is not None) if isinstance(sampler, dict) else str(sampler),
        "command": " ".join(map(str, command)) if isinstance(command, list | tuple) else str(command or ""),
        "prior_source": str(prior_source),
        "data_files": {str(k): str(v) for k, v in sorted(data_files.items())},
        "models": ", ".join(map(str, spec.get("model", {}).get("names", []) if isinstance(spec.get("model"), dict) else [])) or str(run.forecasts.attrs.get("models", "")),
        "timings": {str(k): (f"{v:.1f} s" if isinstance(v, int | float) else str(v)) for k, v in timings.items()},
        "created": str(created),
        "path": str(run.path or ""),
    }

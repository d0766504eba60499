"""The schema of a run's ``metadata.json``: what :func:`~analogcast.runs.save_run` writes,
:func:`~analogcast.runs.load_run` accepts and the report's provenance section reads.

:class:`RunMetadata` is a pydantic model (``extra="forbid"``, strict types: JSON numbers are not
read from text, an integer field refuses ``2.5``). Loading a ``metadata.json`` whose keys or types
do not match gives one line naming the field (:func:`parse_metadata`), before anything else of the
run is read. The keys are those of run format version 1 as saved since the format was introduced
(``fit_id``, ``convergence``, ``data_files`` and the caller's ``command`` / ``spec_file`` /
``grid`` are optional, so every saved run of this format loads).

Digests: ``metadata_sha256`` is the sha256 of the canonical JSON of every other key
(:func:`metadata_digest`); ``fit_id`` identifies what was fitted (spec, data, package versions
and prior file). They detect accidental corruption and careless edits, not deliberate forgery.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from analogcast._io import sha256_bytes
from analogcast.errors import did_you_mean

__all__ = [
    "RunMetadata",
    "ConvergenceInfo",
    "GridInfo",
    "parse_metadata",
    "metadata_digest",
    "canonical_json",
    "RUN_FORMAT",
    "RUN_FORMAT_VERSION",
    "EXTRA_KEYS",
]

RUN_FORMAT = "analogcast-run"
RUN_FORMAT_VERSION = 1

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
#: a timing or diagnostic number; ``None`` where it was not finite (JSON has no NaN)
Number = float | None


def canonical_json(obj: Any) -> str:
    """The JSON text a run writes (sorted keys, 2-space indent, no NaN), newline-terminated."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def metadata_digest(meta: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of every key but ``metadata_sha256``."""
    body = {k: v for k, v in meta.items() if k != "metadata_sha256"}
    return sha256_bytes(canonical_json(body).encode("utf-8"))


class _Strict(BaseModel):
    """Unknown keys refused with a did-you-mean from the model's own fields; strict types."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise PydanticCustomError("analogcast", "{message}", {"message": f"must be an object, got {type(data).__name__}"})
        known = list(cls.model_fields)
        for key in data:
            if key not in known:
                hint = did_you_mean(str(key), known) or f" Known: {', '.join(known)}."
                raise PydanticCustomError("analogcast", "{message}", {"message": f"unknown key '{key}'.{hint}"})
        for name, info in cls.model_fields.items():
            if info.is_required() and name not in data:
                raise PydanticCustomError("analogcast", "{message}", {"message": f"missing required key '{name}'"})
        return data


class ConvergenceInfo(_Strict):
    """``convergence``: the thresholds applied, the checks that failed, and whether all passed."""

    thresholds: dict[str, float]
    problems: list[str]
    ok: bool


class GridInfo(_Strict):
    """``grid``: which cell of which grid (written by :func:`analogcast.runs.grid.run_grid`)."""

    cell: str
    overrides: dict[str, Any]
    seed: Annotated[int, Field(ge=0)]
    grid_dir: str


#: keys a caller may add through ``save_run(extra_metadata=...)``
EXTRA_KEYS: tuple[str, ...] = ("command", "spec_file", "grid")


class RunMetadata(_Strict):
    """The contents of ``metadata.json`` (run format version 1)."""

    format: Literal["analogcast-run"]
    format_version: Literal[1]
    created: str
    analogcast_version: str
    title: str
    target: str
    origin: int
    spaces: list[str]
    horizons: list[int]
    models: list[str]
    scenarios: list[str]
    #: what each scenario sets, in design variables, and warnings about scenario values (e.g. outside
    #: the range seen in training); written by the scenario catalogue when present
    scenario_covariates: list[dict[str, Any]] | None = None
    scenario_warnings: list[str] | None = None
    level: float
    seed: Annotated[int, Field(ge=0)]
    seeds: dict[str, int] = Field(default_factory=dict)
    sampler: dict[str, Any]
    spec: dict[str, Any]
    spec_sha256: Sha256
    data_sha256: Sha256 | None
    data_files: dict[str, str] = Field(default_factory=dict)
    prior_source: str | None = None
    prior_sha256: Sha256 | None = None
    model_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    timings: dict[str, Number] = Field(default_factory=dict)
    diagnostics: dict[str, Any] = Field(default_factory=dict)
    convergence: ConvergenceInfo | None = None
    posterior_file: Literal["posterior.nc", "posterior.zarr"] = "posterior.nc"
    posterior_format: Literal["netcdf", "zarr"] = "netcdf"
    files: dict[str, Sha256]
    fit_id: Sha256 | None = None
    metadata_sha256: Sha256 | None = None
    # added by the caller (save_run(extra_metadata=...)): the CLI's command line, the spec file, a grid cell
    command: list[str] | None = None
    spec_file: str | None = None
    grid: GridInfo | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON-ready dict ``metadata.json`` holds (keys that were never set are left out)."""
        return self.model_dump(mode="json", exclude_unset=True)

    @property
    def hashes(self) -> dict[str, str]:
        """sha256 of every run file, plus ``fit_id``, ``spec``, ``data``, ``prior`` and ``metadata``."""
        out = dict(self.files)
        for key, value in (("fit_id", self.fit_id), ("spec", self.spec_sha256), ("data", self.data_sha256),
                           ("prior", self.prior_sha256), ("metadata", self.metadata_sha256)):
            if value:
                out.setdefault(key, value)
        return dict(sorted(out.items()))


def _problem(exc: ValidationError) -> str:
    """The first problem of ``exc`` as ``field: message`` (public parts of the error only)."""
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    msg = str(err.get("msg", "invalid value"))
    if err.get("type") != "analogcast":
        shown = repr(err.get("input"))
        msg += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return f"{where}: {msg}" if where else msg


def parse_metadata(data: Any) -> RunMetadata:
    """Validate parsed ``metadata.json`` contents.

    Raises
    ------
    ValueError
        One line naming the first field that is unknown, missing or of the wrong type
        (callers turn it into their own error type, naming the file).
    """
    try:
        return RunMetadata.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_problem(exc)) from None

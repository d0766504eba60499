"""Grids of independent fits (sensitivity and scenario grids), serially or on Dask distributed.

A grid maps dotted spec keys to lists of values, e.g. ``{"prior": ["none",
"priors/afghanistan_saudi_iran.toml"], "sampler.draws": [200]}``. :func:`expand_grid` takes the
Cartesian product: each cell is the base spec's dict form with its overrides applied and
re-validated by :class:`~analogcast.fitting.spec.FitSpec` (unknown keys rejected with a "did you
mean" hint), every cell before any sampling. A value replaces the key wholesale (a table value
replaces the whole section); ``scenarios.<name>.<covariate>`` reaches into one scenario.

Each cell's seed derives from the base seed and the cell's identity (its sorted overrides),
``SeedSequence(seed, spawn_key=(crc32(identity),))``, never from the order of the grid or the
worker that runs it; an explicit ``seed`` override is used as given. :func:`run_grid` runs each
cell through :func:`~analogcast.runs.pipeline.run_spec` as one task and saves it as a normal run
directory ``OUT/<cell>/`` (atomically, :func:`~analogcast.runs.store.save_run`), then writes
``OUT/grid.csv`` (one row per cell, scenario, space, direction and horizon: the overrides as
columns, the posterior mean probability and its interval from the run's forecast table) and
``OUT/grid.json`` (base spec path and hashes, grid, seeds, workers, wall seconds).

Execution as in :mod:`analogcast.evaluation.engine`: ``workers=0`` runs in this process;
otherwise a ``LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)`` is started
and closed, unless ``scheduler`` gives the address of an existing cluster (``Client(address)``),
used and left running; its workers must see the same files (the spec's prior file and ``OUT``).
Inside Dask's (daemonic) worker processes the ``pymc`` backend samples its chains in one process
(:func:`analogcast.models.sample_model`); ``nutpie`` uses threads.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
import time
import tomllib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from analogcast._io import (
    atomic_write_json,
    atomic_write_text,
    check_output_dir,
    check_output_file,
    sha256_bytes,
    sha256_file,
)
from analogcast._tasks import map_tasks
from analogcast._version import __version__
from analogcast.data import DIRECTIONS
from analogcast.errors import AnalogcastError, UserInputError, did_you_mean
from analogcast.fitting.spec import FitSpec, spec_from_mapping

__all__ = ["GridCell", "GridResult", "parse_set", "cell_seed", "expand_grid", "run_grid"]

_log = logging.getLogger(__name__)

_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")
_PRIOR_HINT = (
    " (the base spec's prior is the file {}: set the whole prior instead, e.g. --set prior=none"
    """ or --set 'prior={{method="map", analogs=["SAU","IRN"]}}')"""
)


@dataclass(frozen=True)
class GridCell:
    """One validated cell: its directory name, overrides (grid key order), seed and spec."""

    name: str
    overrides: tuple[tuple[str, Any], ...]
    seed: int
    spec: FitSpec


@dataclass
class GridResult:
    """What :func:`run_grid` wrote: the cells, ``grid.csv`` as a DataFrame, run information."""

    cells: list[GridCell]
    table: Any  # pandas.DataFrame
    out: Path
    wall_seconds: float
    meta: dict[str, Any] = field(default_factory=dict)


# -- parsing and expansion ---------------------------------------------------------------


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets, braces and quotes."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _value(text: str) -> Any:
    """A TOML value (``200``, ``0.5``, ``true``, ``[2, 5]``, ``{method = "none"}``), else the text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_set(item: str) -> tuple[str, list[Any]]:
    """Parse ``"KEY=V1,V2"`` (a ``--set`` flag) into ``(key, [v1, v2])``.

    Values are read as TOML values where they parse (numbers, booleans, ``[...]`` lists,
    ``{...}`` tables, quoted strings) and as plain strings otherwise; commas inside brackets or
    quotes do not split.

    Raises
    ------
    UserInputError
        No ``=``, a malformed key, an empty or repeated value.
    """
    key, sep, rest = item.partition("=")
    key = key.strip()
    if not sep or not _KEY_RE.match(key):
        raise UserInputError(
            f"--set {item!r}: expected KEY=V1,V2 with a dotted spec key, e.g. prior.discount=0.25,0.5"
        )
    texts = _split_top(rest)
    if any(not t for t in texts):
        raise UserInputError(f"--set {key}: an empty value in {rest!r}")
    values = [_value(t) for t in texts]
    if len({_canon(v) for v in values}) != len(values):
        raise UserInputError(f"--set {key}: values repeat in {rest!r}")
    return key, values


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def cell_seed(seed: int, overrides: Mapping[str, Any]) -> int:
    """Seed of one cell: a function of the base ``seed`` and the cell's sorted overrides only."""
    if "seed" in overrides:
        return int(overrides["seed"])
    identity = _canon(sorted(overrides.items()))
    ss = np.random.SeedSequence(
        entropy=int(seed), spawn_key=(zlib.crc32(identity.encode("utf-8")),)
    )
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def _apply(data: dict[str, Any], key: str, value: Any) -> None:
    """Set dotted ``key`` in the spec dict ``data`` (sections created as needed)."""
    node: Any = data
    parts = key.split(".")
    for i, part in enumerate(parts):
        where = ".".join(parts[:i]) or "the spec"
        if isinstance(node, list):  # scenarios, by name or position
            names = [str(s.get("name")) for s in node if isinstance(s, Mapping)]
            if part not in names and not (part.isdigit() and int(part) < len(node)):
                hint = did_you_mean(part, names) or f" Names: {', '.join(names)}."
                raise UserInputError(f"--set {key}: no '{part}' in {where}.{hint}")
            part = names.index(part) if part in names else int(part)  # type: ignore[assignment]
        elif not isinstance(node, dict):
            raise UserInputError(f"--set {key}: '{where}' is a value ({node!r}), not a section")
        elif i < len(parts) - 1 and node.get(part) is None:
            node[part] = {}
        if i == len(parts) - 1:
            node[part] = value
        else:
            node = node[part]


def _cell_name(overrides: Sequence[tuple[str, Any]]) -> str:
    """Directory name of a cell: its overrides, made safe (and unique by a hash when altered)."""
    text = (
        "__".join(f"{k}={v if isinstance(v, str) else _canon(v)}" for k, v in overrides) or "base"
    )
    slug = re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).strip("_.") or "cell"
    if len(slug) > 80 or slug != text:
        slug = f"{slug[:70]}-{sha256_bytes(text.encode())[:8]}"
    return slug


def expand_grid(
    spec: FitSpec, grid: Mapping[str, Sequence[Any]], *, source: str = "spec"
) -> list[GridCell]:
    """Validate every cell of ``grid`` applied to ``spec`` (Cartesian product, grid key order).

    Parameters
    ----------
    spec
        The base spec (its ``base_dir`` resolves relative prior files of every cell).
    grid
        Dotted spec key -> list of values, e.g. ``{"prior.discount": [0.25, 0.5]}``.
    source
        Name of the base spec in error messages (usually its path).

    Raises
    ------
    UserInputError
        An empty grid, an unknown key (with a did-you-mean hint) or a value the spec rejects,
        naming the ``--set`` key and value; nothing has been sampled.
    """
    if not grid or any(len(v) == 0 for v in grid.values()):
        raise UserInputError("the grid is empty: give at least one --set KEY=V1,V2")
    base = spec.to_dict()
    base_prior = base.get("prior") if isinstance(base.get("prior"), Mapping) else {}
    for key, values in grid.items():  # one key at a time, so an error names its key
        if not _KEY_RE.match(key):
            raise UserInputError(f"--set {key!r}: not a dotted spec key")
        for v in values:
            data = json.loads(json.dumps(base))
            _apply(data, key, v)
            shown = v if isinstance(v, str) else _canon(v)
            try:
                spec_from_mapping(
                    data, base_dir=spec.base_dir, source=f"{source} --set {key}={shown}"
                )
            except UserInputError as exc:
                hint = ""
                if key.split(".")[0] == "prior" and key != "prior.file" and "file" in base_prior:
                    hint = _PRIOR_HINT.format(base_prior["file"])
                raise UserInputError(f"{exc}{hint}") from None
    from analogcast.fitting.fitter import load_prior_file

    cells: list[GridCell] = []
    checked_priors: set[Path] = set()
    for combo in itertools.product(*(list(v) for v in grid.values())):
        overrides = tuple(zip(grid, combo, strict=True))
        seed = cell_seed(spec.seed, dict(overrides))
        data = json.loads(json.dumps(base))
        for k, v in overrides:
            _apply(data, k, v)
        data["seed"] = seed
        name = _cell_name(overrides)
        label = ", ".join(f"{k}={v}" for k, v in overrides)
        # the spec's scenarios are the scenario engine's own objects: validated here, before any sampling
        cell_spec = spec_from_mapping(data, base_dir=spec.base_dir, source=f"{source} [{label}]")
        if cell_spec.prior is not None and cell_spec.prior.file is not None:
            prior_path = Path(cell_spec.resolve_path(cell_spec.prior.file))
            if prior_path not in checked_priors:  # read and validated now, not after other cells were fitted
                try:
                    load_prior_file(prior_path)
                except AnalogcastError as exc:
                    exc.args = (f"grid cell {name}: {exc}",)
                    raise
                checked_priors.add(prior_path)
        cells.append(GridCell(name=name, overrides=overrides, seed=seed, spec=cell_spec))
    return cells


# -- running --------------------------------------------------------------------------------


def _run_cell(job: dict[str, Any]) -> dict[str, Any]:
    """One task: fit, forecast and save one cell; return its forecast table and run information."""
    from analogcast.runs.pipeline import run_spec
    from analogcast.runs.store import save_run

    t0 = time.perf_counter()
    base_dir = Path(job["base_dir"]) if job["base_dir"] else None
    try:
        spec = spec_from_mapping(job["spec"], base_dir=base_dir, source="spec")
        run = run_spec(spec, progress=False)
        path = save_run(run, job["dest"], if_exists=job["if_exists"], extra_metadata=job["extra"])
    except AnalogcastError as exc:  # name the cell, keep the error's type (and exit code)
        exc.args = (f"grid cell {job['name']}: {exc}",)
        raise
    return {
        "path": str(path),
        "table": run.table,
        "seconds": round(time.perf_counter() - t0, 3),
        "pid": os.getpid(),
        "diagnostics": dict(run.diagnostics),
        "convergence_problems": list(run.convergence_problems()),
    }


def _execute(
    jobs: list[dict[str, Any]], workers: int, scheduler: str | None, progress: bool
) -> tuple[list[dict[str, Any]], int, str]:
    """Run the cell tasks in this process or on Dask; results in ``jobs`` order."""
    t0 = time.perf_counter()

    def report(done: int) -> None:
        if progress:
            took = time.perf_counter() - t0
            _log.info("grid: %d/%d cells, %.0f s", done, len(jobs), took)

    token = secrets.token_hex(4)
    outputs, n_workers = map_tasks(
        _run_cell,
        [(j,) for j in jobs],
        keys=[f"grid-{j['name']}-{token}" for j in jobs],
        workers=workers,
        scheduler=scheduler,
        on_done=report,
    )
    mode = "scheduler" if scheduler else ("serial" if workers == 0 else "local_cluster")
    return outputs, n_workers, mode


def _grid_table(cells: Sequence[GridCell], outputs: Sequence[dict[str, Any]]) -> Any:
    """``grid.csv``: cell, overrides, then per (scenario, space) both directions, each by horizon."""
    import pandas as pd

    frames = []
    for ci, (cell, res) in enumerate(zip(cells, outputs, strict=True)):
        t = res["table"].reset_index(drop=True)
        group = pd.factorize(pd.MultiIndex.from_frame(t[["scenario", "space"]]))[0]
        for di, d in enumerate(DIRECTIONS):
            f = pd.DataFrame({"_c": ci, "_g": group, "_d": di, "_r": np.arange(len(t))})
            f["cell"] = cell.name
            for k, v in cell.overrides:
                f[k] = v if isinstance(v, (str, int, float, bool)) else _canon(v)
            f["seed"], f["level"], f["direction"] = cell.seed, cell.spec.level, d
            for col in ("scenario", "space", "direction", "horizon"):  # column order
                f[col] = t[col].to_numpy() if col in t else f.pop(col)
            for col, suffix in (("p_mean", ""), ("p_low", "_low"), ("p_high", "_high")):
                f[col] = t[f"p_{d}{suffix}"].to_numpy()
            frames.append(f)
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values(["_c", "_g", "_d", "_r"], kind="mergesort")
    return df.drop(columns=["_c", "_g", "_d", "_r"]).reset_index(drop=True)


def run_grid(
    spec: FitSpec,
    grid: Mapping[str, Sequence[Any]],
    out: str | os.PathLike[str],
    *,
    workers: int = 2,
    scheduler: str | None = None,
    overwrite: bool = False,
    spec_path: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> GridResult:
    """Validate, run and save every cell of ``grid``; write ``OUT/grid.csv`` and ``OUT/grid.json``.

    Parameters
    ----------
    spec
        The base spec (apply ``--draws``/``--tune`` with :meth:`FitSpec.with_overrides` first).
    grid
        Dotted spec key -> values (see :func:`expand_grid`).
    out
        Output directory; cell ``c`` is saved as the run directory ``out/c``.
    workers
        0 = in this process; N >= 1 = a ``LocalCluster`` of N single-threaded worker processes.
    scheduler
        Address of an existing Dask scheduler (overrides ``workers``).
    overwrite
        Replace existing cell run directories (default: refuse, before sampling).
    spec_path
        The base spec's file, recorded with its sha256 in ``grid.json``.
    progress
        Print ``done/total`` cell counts to stderr.

    Raises
    ------
    UserInputError
        Bad grid, workers or output directory, all before any sampling.
    """
    from analogcast.runs.run import table_csv
    from analogcast.runs.store import _json_ready

    t0 = time.perf_counter()
    if workers < 0:
        raise UserInputError(f"--workers must be >= 0, got {workers}")
    out = check_output_dir(Path(out).expanduser().absolute(), "--out")
    src = str(spec_path) if spec_path is not None else "spec"
    cells = expand_grid(spec, grid, source=src)
    from analogcast.runs.store import check_run_dir

    for c in cells:  # every place a cell or the summary goes, before any sampling
        check_run_dir(out / c.name, overwrite=overwrite, flag="--out")
    for fname in ("grid.csv", "grid.json"):
        check_output_file(out / fname, "--out")
    taken = [c.name for c in cells if (out / c.name).exists()]
    if taken and not overwrite:
        raise UserInputError(
            f"--out {out}: run directories already exist for {', '.join(taken)} (use --overwrite)"
        )
    jobs = []
    for c in cells:
        info = {"cell": c.name, "overrides": dict(c.overrides), "seed": c.seed}
        jobs.append(
            {
                "name": c.name,
                "spec": c.spec.to_dict(),
                "base_dir": str(spec.base_dir) if spec.base_dir is not None else None,
                "dest": str(out / c.name),
                "if_exists": "overwrite" if overwrite else "error",
                "extra": {"grid": {**info, "grid_dir": str(out)}, "spec_file": src},
            }
        )
    outputs, n_workers, mode = _execute(jobs, workers, scheduler, progress)
    table = _grid_table(cells, outputs)
    atomic_write_text(out / "grid.csv", table_csv(table))
    wall = time.perf_counter() - t0
    has_file = spec_path is not None and Path(spec_path).is_file()
    meta = {
        "format": "analogcast-grid",
        "analogcast_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": {
            "path": src,
            "sha256": sha256_file(spec_path) if has_file else None,  # type: ignore[arg-type]
            "spec_sha256": sha256_bytes(spec.to_toml().encode("utf-8")),
            "seed": spec.seed,
        },
        "grid": {k: list(v) for k, v in grid.items()},
        "cells": [
            {"name": c.name, "overrides": dict(c.overrides), "seed": c.seed}
            | {k: v for k, v in r.items() if k != "table"}
            for c, r in zip(cells, outputs, strict=True)
        ],
        "mode": mode,
        "scheduler": scheduler,
        "workers": n_workers,
        "wall_seconds": round(wall, 3),
    }
    atomic_write_json(out / "grid.json", _json_ready(meta))
    return GridResult(cells=cells, table=table, out=out, wall_seconds=wall, meta=meta)

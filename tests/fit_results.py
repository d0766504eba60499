"""A real :class:`analogcast.fitting.FitResult` around given posteriors (tests that forecast from
numpy-drawn posteriors of simulated data, without sampling)."""

from __future__ import annotations

from typing import Any

import xarray as xr

from analogcast.fitting import FitResult, parse_spec

#: the spec a posterior-only result carries (the scenario engine reads only its scenarios when it
#: is given none; the tests pass their own)
SPEC = """
title = "posterior only"
target = "AFG"
origin = 2004
spaces = ["associational", "electoral"]
horizons = [2, 5]
seed = 1
[[scenarios]]
name = "status_quo"
"""


def fit_result(tree: xr.DataTree | dict[str, Any], data: dict[str, Any], spec: Any = None) -> FitResult:
    """``FitResult`` with ``tree`` (a DataTree or its ``from_dict`` mapping) and ``data``."""
    tree = tree if isinstance(tree, xr.DataTree) else xr.DataTree.from_dict(tree)
    spec = spec if spec is not None else parse_spec(SPEC, source="fit_results.py", name="posterior_only")
    return FitResult(spec=spec, prior=None, tree=tree, data=dict(data), diagnostics={}, timings={})

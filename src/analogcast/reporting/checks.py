"""Sampler diagnostics against fixed thresholds; any failure puts a red banner atop the report.

Thresholds: R-hat <= 1.01, bulk and tail ESS >= 400, no divergent transitions, BFMI >= 0.3.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Check", "THRESHOLDS", "evaluate_diagnostics", "diagnostics_from_tree"]

#: name -> (label, comparison, threshold, explanation)
THRESHOLDS: dict[str, tuple[str, str, float, str]] = {
    "max_rhat": ("Largest R-hat", "<=", 1.01, "chains agree with each other"),
    "min_ess_bulk": ("Smallest bulk ESS", ">=", 400, "enough independent draws for means and intervals"),
    "min_ess_tail": ("Smallest tail ESS", ">=", 400, "enough independent draws for the interval ends"),
    "divergences": ("Divergent transitions", "==", 0, "the sampler explored the posterior without bias warnings"),
    "min_bfmi": ("Smallest BFMI", ">=", 0.3, "momentum resampling explores the energy distribution"),
}


@dataclass(frozen=True)
class Check:
    """One diagnostic: its value, threshold, and whether it passed (``None`` = not recorded)."""

    name: str
    label: str
    value: str
    threshold: str
    passed: bool | None
    meaning: str


def _fmt(name: str, v: float) -> str:
    if name == "max_rhat":
        return f"{v:.3f}"
    if name in ("min_ess_bulk", "min_ess_tail", "divergences"):
        return f"{v:,.0f}"
    return f"{v:.2f}"


def evaluate_diagnostics(diag: Mapping[str, Any] | None) -> list[Check]:
    """Compare a diagnostics dict (``max_rhat``, ``min_ess_bulk``, ...) with :data:`THRESHOLDS`.

    A missing or non-finite value is reported as not recorded and counts as a failure for the
    banner (an unaudited fit is not a passing fit).
    """
    diag = dict(diag or {})
    out: list[Check] = []
    for name, (label, op, thr, meaning) in THRESHOLDS.items():
        raw = diag.get(name)
        try:
            v = float(raw)
        except (TypeError, ValueError):
            v = float("nan")
        if not math.isfinite(v):
            out.append(Check(name, label, "not recorded", f"{op} {_fmt(name, thr)}", None, meaning))
            continue
        ok = {"<=": v <= thr, ">=": v >= thr, "==": v == thr}[op]
        out.append(Check(name, label, _fmt(name, v), f"{op} {_fmt(name, thr)}", bool(ok), meaning))
    return out


def diagnostics_from_tree(tree: Any) -> dict[str, float]:
    """Compute the diagnostics dict from a fitted DataTree (every child with a posterior).

    Used only when the run did not record them. R-hat and ESS over every posterior variable
    (a conservative superset of the free parameters), divergences and BFMI from sample_stats.
    """
    import arviz_stats as azs
    import numpy as np

    rhat, ess_b, ess_t, div, bfmi = [], [], [], 0, []
    nodes = [tree] + [tree[k] for k in getattr(tree, "children", {})]
    for node in nodes:
        if "posterior" not in getattr(node, "children", {}):
            continue
        post = node["posterior"].to_dataset()
        for v in post.data_vars.values():
            rhat.append(float(np.nanmax(azs.rhat(v).values)))
            ess_b.append(float(np.nanmin(azs.ess(v, method="bulk").values)))
            ess_t.append(float(np.nanmin(azs.ess(v, method="tail").values)))
        if "sample_stats" in node.children:
            ss = node["sample_stats"].to_dataset()
            if "diverging" in ss:
                div += int(ss["diverging"].sum())
            if "energy" in ss:
                bfmi.append(float(np.nanmin(azs.bfmi(ss["energy"]).values)))
    nan = float("nan")
    return {
        "max_rhat": max(rhat) if rhat else nan,
        "min_ess_bulk": min(ess_b) if ess_b else nan,
        "min_ess_tail": min(ess_t) if ess_t else nan,
        "divergences": div,
        "min_bfmi": min(bfmi) if bfmi else nan,
    }

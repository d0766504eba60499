"""Sampler diagnostics against fixed thresholds; any failure puts a red banner atop the report.

Thresholds: R-hat <= 1.01, bulk and tail ESS >= 400, no divergent transitions, BFMI >= 0.3.
"""

from __future__ import annotations

from typing import Any

from analogcast._display import DIAGNOSTICS, Check, evaluate_diagnostics

__all__ = ["Check", "THRESHOLDS", "evaluate_diagnostics", "diagnostics_from_tree"]

#: name -> (label, comparison, threshold, explanation) (defined in :mod:`analogcast._display`, which
#: the notebook display of a ``FitResult`` shares)
THRESHOLDS = DIAGNOSTICS


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

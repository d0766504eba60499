"""A backtest fit whose chain collapsed its step size is refitted once (issue 12/15: one of 16
short fits had a chain at step size 2e-113, R-hat 2.3)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from analogcast.evaluation.engine import sample_with_restart
from analogcast.models.convergence import collapsed_chains


def _tree(step_sizes: list[float], n_draws: int = 50) -> xr.DataTree:
    rng = np.random.default_rng(0)
    eps = np.array(step_sizes)[:, None] * np.exp(rng.normal(0, 0.05, (len(step_sizes), n_draws)))
    post = xr.Dataset({"mu": (("chain", "draw"), rng.normal(size=eps.shape))})
    ss = xr.Dataset({"step_size": (("chain", "draw"), eps)})
    return xr.DataTree.from_dict({"posterior": post, "sample_stats": ss})


def test_collapsed_chains_compares_chains_with_each_other() -> None:
    assert collapsed_chains(_tree([0.153, 2e-113])) == [1]
    assert collapsed_chains(_tree([1e-9, 0.2, 0.18])) == [0]
    assert collapsed_chains(_tree([0.15, 0.12])) == []
    # a posterior that needs small steps everywhere is not a collapse
    assert collapsed_chains(_tree([2e-6, 3e-6])) == []
    # just above and below the ratio
    assert collapsed_chains(_tree([0.1, 0.1 * 2e-3])) == []
    assert collapsed_chains(_tree([0.1, 0.1 * 5e-4])) == [1]
    # nothing to compare
    assert collapsed_chains(_tree([0.1])) == []
    assert collapsed_chains(xr.DataTree.from_dict({"posterior": xr.Dataset()})) == []


def test_sample_with_restart_refits_once_with_a_child_seed() -> None:
    calls: list[int] = []
    trees = {11: _tree([0.15, 1e-100])}

    def sample(seed: int) -> xr.DataTree:
        calls.append(seed)
        return trees.get(seed, _tree([0.15, 0.14]))

    tree, refits = sample_with_restart(sample, 11)
    assert refits == 1 and len(calls) == 2 and calls[0] == 11 and calls[1] != 11
    assert collapsed_chains(tree) == []
    # deterministic: the same task seed gives the same child seed
    calls2: list[int] = []
    sample_with_restart(lambda s: (calls2.append(s), trees.get(s, _tree([0.15, 0.14])))[1], 11)
    assert calls2 == calls
    # a healthy first fit is kept as it is
    calls.clear()
    _, refits = sample_with_restart(sample, 12)
    assert refits == 0 and calls == [12]
    # a second collapse is kept (one refit only) and reported as one refit
    calls.clear()
    _, refits = sample_with_restart(lambda s: (calls.append(s), _tree([0.1, 1e-90]))[1], 13)
    assert refits == 1 and len(calls) == 2

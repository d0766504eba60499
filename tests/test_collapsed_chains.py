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

    def sample(seed: int, budget: int | None) -> xr.DataTree:
        calls.append(seed)
        return trees.get(seed, _tree([0.15, 0.14]))

    tree, refits = sample_with_restart(sample, 11)
    assert refits == 1 and len(calls) == 2 and calls[0] == 11 and calls[1] != 11
    assert collapsed_chains(tree) == []
    # deterministic: the same task seed gives the same child seed
    calls2: list[int] = []
    sample_with_restart(lambda s, b: (calls2.append(s), trees.get(s, _tree([0.15, 0.14])))[1], 11)
    assert calls2 == calls
    # a healthy first fit is kept as it is
    calls.clear()
    _, refits = sample_with_restart(sample, 12)
    assert refits == 0 and calls == [12]
    # a second collapse is kept (one refit only) and reported as one refit
    calls.clear()
    _, refits = sample_with_restart(lambda s, b: (calls.append(s), _tree([0.1, 1e-90]))[1], 13)
    assert refits == 1 and len(calls) == 2


def test_a_chain_over_its_step_budget_is_refitted_without_one() -> None:
    """The first fit gets the budget and may raise RunawayChains; the refit gets none."""
    from analogcast.evaluation.engine import STEP_BUDGET_PER_ITERATION
    from analogcast.models.sampling import RunawayChains

    budgets: list[int | None] = []

    def sample(seed: int, budget: int | None) -> xr.DataTree:
        budgets.append(budget)
        if budget is not None:
            raise RunawayChains([1], [250_000], budget)
        return _tree([0.15, 0.14])

    tree, refits = sample_with_restart(sample, 21)
    assert refits == 1 and budgets == [STEP_BUDGET_PER_ITERATION, None]
    assert collapsed_chains(tree) == []


def _funnel():
    import pymc as pm

    with pm.Model() as m:
        s = pm.HalfNormal("s", 1.0)
        pm.Normal("z", 0.0, s, shape=4)
        pm.Normal("y", 0.0, 1.0, observed=np.zeros(2))
    return m


def test_step_budget_stops_the_sampler_and_the_finished_check_agrees() -> None:
    """A real nutpie run: with a budget below what the chains need, sampling stops early with
    RunawayChains; with a budget above their total, the same seed samples to the end. The
    total (warm-up plus draws) is what both the callback and the finished trace count."""
    import pytest

    from analogcast.models.sampling import RunawayChains, sample_model

    m = _funnel()
    full = sample_model(m, draws=300, tune=300, chains=2, seed=5, step_budget=10**9)
    assert full["posterior"].sizes["draw"] == 300 and "warmup_sample_stats" not in full.children
    with pytest.raises(RunawayChains) as info:
        sample_model(m, draws=300, tune=300, chains=2, seed=5, step_budget=200)
    assert info.value.budget == 200 and info.value.chains
    assert all(s > 200 for s in info.value.steps)
    # the same seed without a budget gives the same draws as with a budget it never reaches
    free = sample_model(m, draws=300, tune=300, chains=2, seed=5)
    np.testing.assert_array_equal(free["posterior"]["s"].values, full["posterior"]["s"].values)


def test_the_finished_trace_check_counts_warmup_and_draws() -> None:
    import pytest

    from analogcast.models.sampling import RunawayChains, _StepWatch

    ss = xr.Dataset({"n_steps": (("chain", "draw"), np.array([[7, 7], [7, 1023]]))})
    wss = xr.Dataset({"n_steps": (("chain", "draw"), np.array([[15, 15], [15, 15]]))})
    tree = xr.DataTree.from_dict({"sample_stats": ss, "warmup_sample_stats": wss})
    # chain 0: 15 + 15 + 7 + 7 = 44 steps; chain 1: 15 + 15 + 7 + 1,023 = 1,060
    with pytest.raises(RunawayChains) as info:
        _StepWatch(1059).check(tree)
    assert info.value.chains == [1] and info.value.steps == [1060]
    _StepWatch(1060).check(tree)  # at the budget is within it
    _StepWatch(None).check(tree)

"""``feasible_events``: which events the ERT-lite coder can still produce from a given level.

Two directions of the same claim, each able to fail:
* soundness: every event the coder codes in real or random series was declared feasible from the
  two years before it;
* completeness of the zero: from a pair declared infeasible, no continuation of the series on a
  fine grid of [0, 1] makes the coder fire.
"""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.data import CUTPOINTS, SPACES, code_events, feasible_events, load_panel


def _check_sound(x: np.ndarray, cp: float) -> int:
    up, down = code_events(x, cp)
    fu, fd = feasible_events(x[..., :-2], x[..., 1:-1], cp)
    ev_up = up[..., 2:] == 1
    ev_down = down[..., 2:] == 1
    assert not (ev_up & ~fu).any(), "an opening was coded where it was declared impossible"
    assert not (ev_down & ~fd).any(), "a closing was coded where it was declared impossible"
    return int(ev_up.sum() + ev_down.sum())


def test_every_coded_event_on_the_real_panel_was_feasible() -> None:
    panel = load_panel()
    n = 0
    for space, var in SPACES.items():
        x = panel[var].transpose("country", "year").values.astype(float)
        n += _check_sound(x, CUTPOINTS[space])
    assert n > 3000  # the real panel has thousands of events: the check is not vacuous


def test_every_event_on_random_walks_near_the_bounds_was_feasible() -> None:
    rng = np.random.default_rng(7)
    x = np.clip(0.03 + np.cumsum(rng.normal(0, 0.02, size=(4000, 12)), axis=1), 0, 1)
    x[2000:] = 1 - x[2000:]
    assert _check_sound(x, 0.03) > 500


@pytest.mark.parametrize("pair", [(0.01, 0.01), (0.02, 0.028), (0.05, 0.049), (0.0, 0.0), (0.06, 0.04), (0.2, 0.1),
                                  (0.029, 0.02)])
def test_coder_fires_from_a_pair_exactly_when_declared_feasible(pair: tuple[float, float]) -> None:
    cp = 0.05
    a, b = pair
    _, fd = feasible_events(a, b, cp)
    grid = np.linspace(0, 1, 201)
    xt, xt1 = np.meshgrid(grid, grid, indexing="ij")
    series = np.stack([np.full(xt.size, a), np.full(xt.size, b), xt.ravel(), xt1.ravel(),
                       np.full(xt.size, 0.5)], axis=1)
    _, down = code_events(series, cp)
    possible = bool((down[:, 2] == 1).any())
    assert possible == bool(fd), f"{pair}: feasible={bool(fd)} but coder fires={possible}"


@pytest.mark.parametrize("pair", [(0.99, 0.99), (0.96, 0.951), (0.97, 0.98)])
def test_openings_mirror_closings(pair: tuple[float, float]) -> None:
    cp = 0.05
    fu, _ = feasible_events(*pair, cp)
    _, fd = feasible_events(1 - pair[0], 1 - pair[1], cp)
    assert bool(fu) == bool(fd)
    grid = np.linspace(0, 1, 201)
    xt, xt1 = np.meshgrid(grid, grid, indexing="ij")
    series = np.stack([np.full(xt.size, pair[0]), np.full(xt.size, pair[1]), xt.ravel(),
                       xt1.ravel(), np.full(xt.size, 0.5)], axis=1)
    up, _ = code_events(series, cp)
    assert bool((up[:, 2] == 1).any()) == bool(fu)


def test_afghanistan_2023_cannot_close_in_three_spaces() -> None:
    panel = load_panel(countries=["AFG"])
    for space in ("associational", "individual", "women"):
        x = panel[SPACES[space]].sel(year=[2022, 2023]).values.ravel().astype(float)
        _, fd = feasible_events(x[0], x[1], CUTPOINTS[space])
        assert not bool(fd), space

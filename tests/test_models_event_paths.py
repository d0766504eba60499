"""Index paths between events, on which later-horizon event forecasts are evaluated (no sampling)."""

from __future__ import annotations

import numpy as np

from analogcast.models.event_forecast import simulate_quiet_paths


def _moves() -> np.ndarray:
    # below 0.5 every recorded move is +0.01, above it -0.02 (sorted by level, as prepare() stores)
    lv = np.linspace(0, 1, 1001)
    mv = np.where(lv < 0.5, 0.01, -0.02)
    return np.stack([lv, mv], axis=1)


def test_paths_take_the_moves_of_years_at_a_similar_level() -> None:
    rng = np.random.default_rng(0)
    p = simulate_quiet_paths(_moves(), np.array([0.1, 0.9]), 5, rng, k=50)
    np.testing.assert_allclose(p[0], [0.11, 0.12, 0.13, 0.14, 0.15])
    np.testing.assert_allclose(p[1], [0.88, 0.86, 0.84, 0.82, 0.80])


def test_paths_stay_in_the_unit_interval_and_keep_nan() -> None:
    moves = np.stack([np.linspace(0, 1, 200), np.full(200, 0.3)], axis=1)
    p = simulate_quiet_paths(moves, np.array([0.95, np.nan]), 3, np.random.default_rng(1), k=20)
    assert (p[0] == 1.0).all()
    assert np.isnan(p[1]).all() or (p[1] <= 1).all()


def test_paths_are_reproducible_from_the_seed_and_differ_across_seeds() -> None:
    rng_moves = np.random.default_rng(5)
    lv = np.sort(rng_moves.random(500))
    moves = np.stack([lv, rng_moves.normal(0, 0.01, 500)], axis=1)
    a = simulate_quiet_paths(moves, np.full(100, 0.3), 4, np.random.default_rng(7))
    b = simulate_quiet_paths(moves, np.full(100, 0.3), 4, np.random.default_rng(7))
    c = simulate_quiet_paths(moves, np.full(100, 0.3), 4, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)

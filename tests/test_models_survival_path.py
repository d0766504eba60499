"""The event model's survival-path dynamics (hand-computed values; no sampling)."""

from __future__ import annotations

import numpy as np

from analogcast.models.event import _survival_path_dynamics


def test_survival_path_matches_hand_computation() -> None:
    # origin T: x[T-2] = 0.30, x[T-1] = 0.50, x[T] = 0.52 (a large move into T-1), 1 year since it
    origin = np.array([0.52, 0.52 - 0.30, np.log1p(1.0)])
    path = _survival_path_dynamics(origin, x_prev=0.50, x_origin=0.52, n_steps=5)
    np.testing.assert_allclose(path[:, 0], 0.52)  # level held
    np.testing.assert_allclose(path[:, 1], [0.22, 0.02, 0.0, 0.0, 0.0])  # change fades out
    np.testing.assert_allclose(path[:, 2], np.log1p([1.0, 2.0, 3.0, 4.0, 5.0]))  # keeps counting


def test_survival_path_caps_years_since_move() -> None:
    origin = np.array([0.1, 0.0, np.log1p(29.0)])
    path = _survival_path_dynamics(origin, x_prev=0.1, x_origin=0.1, n_steps=4)
    np.testing.assert_allclose(np.expm1(path[:, 2]), [29.0, 30.0, 30.0, 30.0])

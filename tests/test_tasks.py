"""map_tasks: results come back in submission order, with shared arguments first (serial path;
the Dask paths are exercised by the backtest and grid loopback tests)."""

from __future__ import annotations

import pytest

from analogcast._tasks import map_tasks


def _affine(a: int, b: int, x: int) -> int:
    return a * x + b


def test_serial_results_in_order_with_shared_arguments() -> None:
    seen: list[int] = []
    out, n = map_tasks(
        _affine,
        [(3,), (1,), (2,)],
        keys=["t3", "t1", "t2"],
        workers=0,
        shared=(10, 1),
        on_done=seen.append,
    )
    assert out == [31, 11, 21]
    assert n == 0
    assert seen == [1, 2, 3]


def test_one_key_per_task() -> None:
    with pytest.raises(ValueError, match="one key per task"):
        map_tasks(_affine, [(1,), (2,)], keys=["only"], workers=0, shared=(1, 0))


def _worker_env() -> tuple[str | None, str | None]:
    import os

    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), os.environ.get("OMP_NUM_THREADS")


def test_local_workers_keep_glibcs_own_trim_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask's nanny would start workers with MALLOC_TRIM_THRESHOLD_=65536, which made every JAX
    log-density call fault its buffers back in (a backtest fit 2.3x slower); map_tasks' local
    cluster leaves it unset, and keeps Dask's other worker settings."""
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    out, n = map_tasks(_worker_env, [()], keys=["env"], workers=1)
    assert n == 1
    assert out == [(None, "1")]

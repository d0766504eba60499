"""Which compiler nutpie uses (issue 15): JAX by default, numba on request, a clear error otherwise."""

from __future__ import annotations

import pytest

from analogcast.errors import UserInputError
from analogcast.models.sampling import _prepare_jax, nutpie_compiler


def test_default_is_jax_and_the_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANALOGCAST_NUTPIE_COMPILER", raising=False)
    assert nutpie_compiler() == "jax"
    monkeypatch.setenv("ANALOGCAST_NUTPIE_COMPILER", " Numba ")
    assert nutpie_compiler() == "numba"
    monkeypatch.setenv("ANALOGCAST_NUTPIE_COMPILER", "c")
    with pytest.raises(UserInputError, match="ANALOGCAST_NUTPIE_COMPILER must be 'jax' or 'numba'"):
        nutpie_compiler()


def test_xla_flags_are_added_once_and_a_users_choice_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x")
    monkeypatch.delenv("JAX_PLATFORMS", raising=False)
    _prepare_jax()
    _prepare_jax()
    import os

    assert os.environ["XLA_FLAGS"].count("xla_cpu_multi_thread_eigen=false") == 1
    assert os.environ["XLA_FLAGS"].startswith("--xla_dump_to=/tmp/x")
    assert os.environ["JAX_PLATFORMS"] == "cpu"
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true")
    _prepare_jax()
    assert os.environ["XLA_FLAGS"] == "--xla_cpu_multi_thread_eigen=true"


def test_jax_assertion_notices_are_not_shown() -> None:
    """JAX drops PyTensor's assertion ops (``sigma > 0``, a zero-sum's mean) with one warning per op
    at every compile; the per-draw log densities of every fit printed them (three lines per model).
    They are silenced inside ``exact_numerics``; other warnings still pass."""
    import warnings

    import numpy as np
    import pymc as pm

    from analogcast.fitting.loglik import log_density_groups
    from analogcast.models.sampling import exact_numerics, sample_model

    with pm.Model() as m:
        s = pm.HalfNormal("s", 1.0)
        z = pm.ZeroSumNormal("z", sigma=s, shape=3)
        pm.Normal("y", z.sum(), s, observed=np.zeros(3))
    tree = sample_model(m, draws=20, tune=20, chains=1, seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log_density_groups(m, tree["posterior"].to_dataset())
        with exact_numerics():
            warnings.warn("an unrelated warning", UserWarning, stacklevel=1)
    texts = [str(w.message) for w in caught]
    assert not [t for t in texts if "JAX tracing would remove it" in t], texts
    assert "an unrelated warning" in texts


def _worker_view(threads: int, preset: str | None, out) -> None:  # runs in a daemon process
    import os

    if preset is None:
        os.environ.pop("PJRT_NPROC", None)
    else:
        os.environ["PJRT_NPROC"] = preset
    _prepare_jax(threads)
    import jax

    out.put((os.environ.get("PJRT_NPROC"), bool(jax.config.values["jax_cpu_enable_async_dispatch"])))


@pytest.mark.parametrize(("preset", "want"), [(None, "1"), ("3", "3")])
def test_worker_processes_get_one_pool_thread_per_fit_thread(preset: str | None, want: str) -> None:
    """A daemonic worker (Dask's workers are) sizes JAX's CPU pool to its fit's threads, unless
    the user set ``PJRT_NPROC``; dispatch is synchronous. The draws do not depend on either
    (checked by hand across both settings; the reproducibility tests run in this process)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_worker_view, args=(1, preset, q), daemon=True)
    p.start()
    got = q.get(timeout=120)
    p.join(timeout=60)
    assert got == (want, False)


def test_the_main_process_keeps_a_pool_thread_per_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a worker the pool keeps one thread per CPU, for the process's chain threads;
    dispatch is synchronous everywhere."""
    import os

    monkeypatch.delenv("PJRT_NPROC", raising=False)
    _prepare_jax(1)
    assert "PJRT_NPROC" not in os.environ
    import jax

    assert jax.config.values["jax_cpu_enable_async_dispatch"] is False

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

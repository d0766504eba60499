"""One sampling code path for fits and backtests: nutpie (default) or PyMC's NUTS.

nutpie's log density and gradient are compiled by JAX (XLA) by default, or by numba
(:data:`NUTPIE_COMPILER`, :func:`nutpie_compiler`): XLA compiles a backtest fit's graph in seconds
where numba took minutes on a fresh machine's empty cache. PyMC's own sampler and anything else
PyTensor compiles here use numba, and the following applies to them.

Reproducibility: PyTensor compiles every graph here with numba, by default with LLVM fast-math
flags (``reassoc``, ``contract``, ...). Numba caches each kernel on disk (PyTensor's
``base_compiledir``); a kernel compiled in this process is inlined into the graph's function and
optimised with it, while a kernel loaded from the cache is linked as object code. With fast-math,
LLVM may reassociate and fuse floating-point operations differently in the two cases, so the
same model gave gradients differing in the last bit (measured: one of 560 gradient entries,
``sigma_country``, 1.8e-15 apart, cold cache against warm), and NUTS turned that into a
different sample. :func:`exact_numerics` compiles with fast-math off, under which LLVM keeps
IEEE semantics whatever it inlines: the same model, data and seed give the same draws whether
the compile cache is cold or warm and whatever the process compiled before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from analogcast.errors import UserInputError

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm
    import xarray as xr

__all__ = ["sample_model", "exact_numerics", "nutpie_compiler", "RunawayChains", "BACKENDS", "RECOMMENDED"]

BACKENDS: tuple[str, ...] = ("nutpie", "pymc")

#: How nutpie compiles the log density and its gradient: ``"jax"`` (XLA) or ``"numba"``.
#: ``ANALOGCAST_NUTPIE_COMPILER`` overrides it (for benchmarks). See :func:`nutpie_compiler`.
#: Measured on one backtest fit (``bench/results/compile.json``, 2-core machine): XLA compiles in
#: 5-7 s where numba takes 161 s on a cold cache (a fresh machine, CI) and 33 s on a warm one;
#: sampling with XLA single-threaded per op (:data:`XLA_FLAGS`) took 62-72 s against numba's 72 s;
#: the draws are identical across processes for either compiler.
NUTPIE_COMPILER = "jax"

#: XLA flags set (appended to ``XLA_FLAGS``) before JAX starts: one thread per operation, since
#: nutpie already runs one chain per thread (multi-threaded ops made sampling 10-15% slower).
XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def _prepare_jax(threads: int | None = None) -> None:
    """Environment for JAX before its first use in this process: CPU only, single-threaded ops,
    synchronous dispatch; in a worker process (Dask's, which are daemonic), a CPU client with
    ``threads`` threads. Leaves a user's own settings alone.

    JAX's CPU client has one pool thread per CPU by default and dispatches asynchronously, so one
    log-density call can use every core; but nutpie's chains already run one per thread and wait
    for every call. Measured on this 2-core machine (``bench/bench_gradient.py``,
    ``bench/results/gradient.json``, one backtest fit of 26,820 rows): two processes side by side
    took 1.47-1.93 ms per call with JAX's defaults and 1.00-1.19 ms with one pool thread and
    synchronous dispatch. The main job (two chain threads in one process) took 296 s with
    synchronous dispatch and 322 s without on the same seed (``bench/results/main_job.json``,
    profiles ``speed_jax_sync`` and ``speed_final``; ``trajectory`` sampling 97 against 119 s), so
    dispatch is synchronous everywhere. Only a single call in a process alone on the machine is
    faster with the defaults (0.66 against 0.95 ms, using both cores), which no analogcast job is.
    The pool is limited to the fit's threads in workers only, where the other workers need the
    other cores; a process that has the machine keeps a pool thread per CPU for its chain threads
    (one pool thread there was not measured reliably: 59 s once for the main job's event_logit
    2 x 600 iterations, in a batch where the defaults also took 58 s). The draws are identical
    under either setting (checked with one or two chain threads). Both are read when JAX starts
    its CPU client, so the first fit of a process sets them.
    """
    import multiprocessing as mp

    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_cpu_multi_thread_eigen" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {XLA_FLAGS}".strip()
    if threads is not None and mp.current_process().daemon:
        os.environ.setdefault("PJRT_NPROC", str(max(1, int(threads))))
    import jax

    jax.config.update("jax_cpu_enable_async_dispatch", False)


def nutpie_compiler() -> str:
    """The compiler nutpie uses here: ``ANALOGCAST_NUTPIE_COMPILER`` if set, else
    :data:`NUTPIE_COMPILER`; ``"jax"`` falls back to ``"numba"`` when JAX is not installed."""
    name = os.environ.get("ANALOGCAST_NUTPIE_COMPILER", NUTPIE_COMPILER).strip().lower()
    if name not in ("jax", "numba"):
        raise UserInputError(f"ANALOGCAST_NUTPIE_COMPILER must be 'jax' or 'numba', got {name!r}")
    if name == "jax":
        import importlib.util

        if importlib.util.find_spec("jax") is None:
            return "numba"
    return name

#: Sampler settings recommended for the full Afghanistan run (measured in bench/bench_models.py).
RECOMMENDED: dict[str, int] = {"draws": 1000, "tune": 1000, "chains": 2}


@contextmanager
def exact_numerics() -> Iterator[None]:
    """Compile PyTensor graphs inside this block with numba's fast-math off.

    Every PyTensor function analogcast compiles (nutpie's log density and gradient, PyMC's
    samplers, per-draw log densities) is compiled inside this block, so its floating-point
    results do not depend on whether its kernels came from a fresh compile or from the on-disk
    cache (see the module docstring). PyTensor keys its cache by the flag, so kernels compiled
    elsewhere with fast-math are never reused here. Cost measured on the one-space
    ``event_logit`` model: log density + gradient 2.24 ms against 2.03 ms, sampling CPU time
    +4%.
    """
    import warnings

    import pytensor

    with pytensor.config.change_flags(numba__fastmath=False), warnings.catch_warnings():
        # JAX drops PyTensor's run-time assertion ops (``sigma > 0``, a zero-sum's mean = 0,
        # ``0 <= p <= 1``) and says so once per op at every compile; the sampler moves on the
        # unconstrained scale, where they hold by construction, so the three lines per fit were
        # noise in every user's output
        warnings.filterwarnings("ignore", message=r"Skipping Check\{.*\} Op .*JAX tracing",
                                category=UserWarning)
        yield


def _seed_int(seed: int | np.random.SeedSequence | None) -> int:
    if seed is None:
        seed = np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, dtype=np.uint32)[0])
    return int(seed) % (2**32)


class RunawayChains(RuntimeError):
    """A chain took more leapfrog steps than its budget (:func:`sample_model`'s ``step_budget``):
    typically a step size collapsed to nearly 0, where every draw takes the maximum 1,023 steps."""

    def __init__(self, chains: list[int], steps: list[int], budget: int) -> None:
        super().__init__(f"chain(s) {chains} took {steps} leapfrog steps, over the budget of {budget}")
        self.chains, self.steps, self.budget = chains, steps, budget


class _StepWatch:
    """nutpie progress callback and checks for ``step_budget``.

    The callback runs on nutpie's thread and only records the chains over budget; :meth:`wait`
    polls from the calling thread and stops the sampler once one is. A chain's step count only
    grows and nutpie reports the same count the finished trace holds (warm-up plus draws,
    checked), so :meth:`check` on a finished trace decides exactly as the callback would have:
    a fit raises whenever a chain's final count is over budget, early or not.
    """

    def __init__(self, budget: int | None) -> None:
        import threading

        self.budget = budget
        self.over: dict[int, int] = {}
        self._lock = threading.Lock()

    def __call__(self, progress: Sequence[Any]) -> None:
        if self.budget is None:
            return
        with self._lock:
            for i, chain in enumerate(progress):
                if int(chain.total_num_steps) > self.budget:
                    self.over[i] = int(chain.total_num_steps)

    def _raise(self, over: Mapping[int, int]) -> None:
        assert self.budget is not None
        chains = sorted(over)
        raise RunawayChains(chains, [int(over[c]) for c in chains], self.budget)

    def wait(self, sampler: Any) -> None:
        """Return when the sampler has finished; raise as soon as a chain is over budget."""
        import time

        if self.budget is None:
            return
        while True:
            try:
                if sampler.is_finished:
                    return
            except TimeoutError:  # nutpie's way of saying "not yet"
                pass
            with self._lock:
                over = dict(self.over)
            if over:
                self._raise(over)
            time.sleep(0.2)

    def check(self, tree: xr.DataTree) -> None:
        """Raise if a chain of the finished trace (warm-up plus draws) is over budget."""
        if self.budget is None:
            return
        total = 0
        for group in ("warmup_sample_stats", "sample_stats"):
            if group in tree.children and "n_steps" in tree[group].ds:
                total = total + np.asarray(tree[group].ds["n_steps"].sum("draw").values, dtype=np.int64)
        steps = np.atleast_1d(np.asarray(total, dtype=np.int64))
        over = {int(c): int(steps[c]) for c in np.flatnonzero(steps > self.budget)}
        if over:
            self._raise(over)


def sample_model(
    pm_model: pm.Model,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 2,
    seed: int | np.random.SeedSequence | None = None,
    backend: Literal["nutpie", "pymc"] = "nutpie",
    target_accept: float | None = None,
    progress: bool = False,
    cores: int | None = None,
    adaptation: Literal["diag", "low_rank"] = "diag",
    step_budget: int | None = None,
) -> xr.DataTree:
    """Sample a PyMC model and return an ArviZ ``DataTree`` (``posterior``, ``sample_stats``).

    Parameters
    ----------
    pm_model
        Model from ``ForecastModel.build``.
    draws, tune, chains
        Kept draws per chain, tuning steps per chain, number of chains.
    seed
        Integer or ``SeedSequence`` (its first 32-bit word is used).
    backend
        ``"nutpie"`` (numba-compiled, chains in threads: safe in Dask worker processes) or
        ``"pymc"`` (PyMC's NUTS; ``cores`` processes, forced to 1 inside a daemon process).
    target_accept
        Step-size adaptation target (``None``: the sampler's default).
    progress
        Show a progress bar.
    cores
        Parallel chains (default ``min(chains, os.cpu_count())``).
    adaptation
        nutpie mass-matrix adaptation: ``"diag"`` or ``"low_rank"`` (handles correlated
        posteriors, e.g. correlated covariates, with fewer leapfrog steps).
    step_budget
        nutpie only: the most leapfrog steps one chain may take over tuning and draws together.
        A chain that exceeds it raises :class:`RunawayChains`, as soon as the sampler reports it
        (sampling stops) or at the end; the decision depends on the chains' step counts only,
        which are deterministic, so whether a fit raises does not depend on timing.

    Raises
    ------
    RunawayChains
        With ``step_budget``: a chain took more leapfrog steps than allowed.
    """
    if backend not in BACKENDS:
        raise UserInputError(f"unknown sampler backend '{backend}'; use one of {', '.join(BACKENDS)}.")
    if draws < 1 or tune < 0 or chains < 1:
        raise UserInputError("draws and chains must be >= 1 and tune >= 0.")
    if step_budget is not None and backend != "nutpie":
        raise ValueError("step_budget needs the nutpie backend")
    rs = _seed_int(seed)
    ncores = cores or min(chains, os.cpu_count() or 1)
    with exact_numerics():
        tree = _sample(pm_model, backend=backend, draws=draws, tune=tune, chains=chains, seed=rs,
                       target_accept=target_accept, progress=progress, ncores=ncores,
                       adaptation=adaptation, step_budget=step_budget)
    return tree  # _sample checks for a partial trace and returns the cleaned tree


def _sample(pm_model: pm.Model, *, backend: str, draws: int, tune: int, chains: int, seed: int,
            target_accept: float | None, progress: bool, ncores: int, adaptation: str,
            step_budget: int | None = None) -> xr.DataTree:
    import pymc as pm

    rs = seed
    if backend == "nutpie":
        import nutpie

        compiler = nutpie_compiler()
        if compiler == "jax":
            _prepare_jax(ncores)
        compiled = nutpie.compile_pymc_model(pm_model, backend=compiler,  # type: ignore[arg-type]
                                             gradient_backend="jax" if compiler == "jax" else "pytensor")
        kwargs = {}
        if target_accept is not None:
            kwargs["target_accept"] = float(target_accept)
        # Non-blocking + wait: nutpie's blocking sample() turns Ctrl-C into a partial trace; a fit
        # must stop instead (KeyboardInterrupt), never continue with fewer draws than asked for.
        watch = _StepWatch(step_budget)
        if step_budget is not None:
            kwargs.update(progress_callback=watch, progress_rate=200)
        sampler = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, cores=ncores,
                                seed=rs, progress_bar=progress, save_warmup=step_budget is not None,
                                adaptation=adaptation, blocking=False, **kwargs)
        try:
            watch.wait(sampler)
            tree = sampler.wait()
        except BaseException:
            sampler.cancel()
            raise
        watch.check(tree)
    else:
        import multiprocessing as mp

        if mp.current_process().daemon:
            ncores = 1
        kwargs = {}
        if target_accept is not None:
            kwargs["target_accept"] = float(target_accept)
        tree = pm.sample(draws=draws, tune=tune, chains=chains, cores=ncores, random_seed=rs,
                         progressbar=progress, model=pm_model, nuts_sampler="pymc",
                         compute_convergence_checks=False, **kwargs)
    got = int(tree["posterior"].sizes.get("draw", 0)) if "posterior" in tree.children else 0
    if got < draws:  # both samplers return what they have on Ctrl-C: never pass on a partial sample
        raise KeyboardInterrupt(f"sampling stopped after {got} of {draws} draws")
    return _clean_tree(tree)


def _clean_tree(tree: xr.DataTree) -> xr.DataTree:
    """Keep ``posterior``, ``sample_stats`` (and ``observed_data`` if present); drop warmup."""
    import xarray as xr

    keep = {}
    for name in ("posterior", "sample_stats", "observed_data"):
        if name in tree.children:
            keep[name] = tree[name].to_dataset()
    return xr.DataTree.from_dict(keep)

"""Run a rolling-origin backtest as independent tasks, serially or on Dask distributed.

One task is one ``(origin, space)``: it builds that origin's rows under the protocol
(:func:`~analogcast.evaluation.protocol.origin_set`) and runs every model for both directions.
Tasks share nothing but the (scattered) panel, events and feature table, so they run in any order
on any worker. Each model's seed is derived from the task's identity,
``SeedSequence(seed, spawn_key=(origin, space, direction, model))``, never from the worker or the
order of execution: the forecasts are the same serially, with one worker or with many
(``tests/test_eval_engine.py`` checks it on a loopback scheduler with two workers).

Execution (:func:`analogcast._tasks.map_tasks`): ``workers=0`` runs in this process; otherwise a
``LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)`` is started and closed,
unless ``scheduler`` gives the address of an existing cluster (``Client(address)``), which is used
and left running; the panel, events and feature table are scattered once to every worker.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from analogcast._tasks import map_tasks
from analogcast.errors import UserInputError, did_you_mean
from analogcast.evaluation.features import SPACE_INDEX, make_features
from analogcast.evaluation.protocol import DIRECTIONS, Protocol, check_protocol, origin_set
from analogcast.models.registry import BACKTEST_MODELS

if TYPE_CHECKING:
    from analogcast.models.contract import ForecastModel
    from analogcast.models.design import ModelData

__all__ = [
    "MODELS",
    "BacktestConfig",
    "BacktestResult",
    "task_seed",
    "RegistryFit",
    "fit_registry_model",
    "run_task",
    "run_backtest",
]

_log = logging.getLogger(__name__)

#: registry models the backtest fits (one joint fit per origin, every space, both directions):
#: the same model, design, priors and fitting code as the target's forecasts.
REGISTRY_MODELS: tuple[str, ...] = BACKTEST_MODELS
#: baselines (one fit per origin, space and direction: :mod:`analogcast.evaluation.baselines`).
BASELINE_MODELS: tuple[str, ...] = ("climatology", "persistence", "gbm")
MODELS: tuple[str, ...] = REGISTRY_MODELS + BASELINE_MODELS
#: sampler settings of the registry model's backtest fits (``method="nutpie"``) and of the
#: reference (``method="nuts"``); ``bench/bench_backtest.py`` compares the two.
FAST: dict[str, float] = {"chains": 2, "tune": 300, "draws": 200, "target_accept": 0.9}
REFERENCE: dict[str, float] = {"chains": 2, "tune": 1000, "draws": 1000, "target_accept": 0.9}


def _stable_id(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def task_seed(seed: int, origin: int, space: str, direction: str, model: str) -> int:
    """Seed of one fit, a function of the base seed and the task's identity only."""
    ss = np.random.SeedSequence(
        entropy=int(seed),
        spawn_key=(int(origin), _stable_id(space), _stable_id(direction), _stable_id(model)),
    )
    return int(ss.generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True)
class BacktestConfig:
    """What to backtest and how to run it.

    Attributes
    ----------
    origins
        Forecast origins ``t`` (forecasts for ``t + 1 .. t + 2``).
    spaces
        Space names (``analogcast.data.SPACES`` order is kept).
    protocol
        ``"strict"`` (default) or ``"barometer"``.
    models
        Any of :data:`MODELS`.
    method
        Inference of the registry model: ``"nutpie"`` (:data:`FAST` NUTS settings) or ``"nuts"``
        (:data:`REFERENCE`).
    workers
        0 = run in this process; N >= 1 = Dask ``LocalCluster`` with N single-threaded workers.
    scheduler
        Address of an existing Dask scheduler (overrides ``workers``).
    seed
        Base seed; every fit's seed derives from it and the task identity.
    fit_threads
        Threads of one Bayesian fit (its chains run in parallel, same draws whatever the
        number). ``None`` = the machine's CPUs divided by the number of local workers (all of
        them when ``workers=0``), 1 with an external ``scheduler``.
    """

    origins: tuple[int, ...] = tuple(range(2005, 2021))
    spaces: tuple[str, ...] = tuple(SPACE_INDEX)
    protocol: Protocol = "strict"
    models: tuple[str, ...] = MODELS
    method: str = "nutpie"
    workers: int = 2
    scheduler: str | None = None
    seed: int = 20261126
    fit_threads: int | None = None

    def __post_init__(self) -> None:
        check_protocol(self.protocol)
        for s in self.spaces:
            if s not in SPACE_INDEX:
                raise UserInputError(f"unknown space {s!r}." + did_you_mean(s, SPACE_INDEX))
        for m in self.models:
            if m not in MODELS:
                raise UserInputError(
                    f"unknown model {m!r}; use {', '.join(MODELS)}." + did_you_mean(m, MODELS)
                )
        if not self.origins:
            raise UserInputError("no origins to backtest")
        if self.workers < 0:
            raise UserInputError(f"--workers must be >= 0, got {self.workers}")
        if not 0 <= int(self.seed) < 2**63:
            raise UserInputError(f"--seed must be a whole number >= 0, got {self.seed}")
        if self.fit_threads is not None and self.fit_threads < 1:
            raise UserInputError(f"--fit-threads must be >= 1, got {self.fit_threads}")

    def threads_per_fit(self) -> int:
        """Threads one Bayesian fit may use (see ``fit_threads``)."""
        if self.fit_threads is not None:
            return self.fit_threads
        if self.scheduler is not None:
            return 1
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            cpus = os.cpu_count() or 1
        return max(1, cpus // max(1, self.workers))


@dataclass
class BacktestResult:
    """Forecasts of every model, with the truth of each row, and run information.

    ``forecasts`` has one row per model, space, origin and country: ``model``, ``space``,
    ``outcome`` (V-Dem index), ``origin``, ``country``, ``gwcode``, ``p_opening``, ``p_closing``,
    ``y_opening``, ``y_closing`` (shipped truth, NaN = unscored). ``tasks`` has one row per task
    and model with its wall time (``seconds``) and sampler information.
    """

    config: BacktestConfig
    forecasts: pd.DataFrame
    tasks: pd.DataFrame
    wall_seconds: float
    meta: dict[str, object] = field(default_factory=dict)


def run_task(
    panel: xr.Dataset,
    events: xr.Dataset,
    features: pd.DataFrame,
    origin: int,
    space: str,
    protocol: Protocol,
    models: Sequence[str],
    method: str,
    seed: int,
    threads: int = 1,
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Build one origin's rows and forecast them with every baseline, both directions."""
    from analogcast.evaluation.baselines import BASELINES

    data = origin_set(panel, events, features, origin=origin, space=space, protocol=protocol)
    test = data.test
    base = pd.DataFrame(
        {
            "space": space,
            "outcome": SPACE_INDEX[space],
            "origin": origin,
            "country": test.index.get_level_values("country"),
            "gwcode": test["gwcode"].to_numpy(),
            "y_opening": test["y_opening"].to_numpy(),
            "y_closing": test["y_closing"].to_numpy(),
        }
    )
    frames, info = [], []
    for model in models:
        out = base.copy()
        out.insert(0, "model", model)
        for direction in DIRECTIONS:
            s = task_seed(seed, origin, space, direction, model)
            t0 = time.perf_counter()
            extra: dict[str, float] = {}
            p = BASELINES[model](data, direction, s)
            out[f"p_{direction}"] = np.asarray(p, float)
            info.append(
                {
                    "origin": origin,
                    "space": space,
                    "direction": direction,
                    "model": model,
                    "n_train": int(data.train[f"y_{direction}"].notna().sum()),
                    "seconds": time.perf_counter() - t0,
                    "pid": os.getpid(),
                    **extra,
                }
            )
        frames.append(out)
    return pd.concat(frames, ignore_index=True), info


#: Leapfrog steps one chain of a backtest fit may take per tuning or draw iteration, on average,
#: before the fit counts as collapsed (:func:`sample_with_restart`). The short fits take 31-39
#: (tree depth 5); a chain whose step size collapsed takes the maximum, 1,023, every iteration.
STEP_BUDGET_PER_ITERATION = 200


def sample_with_restart(sample: Callable[[int, int | None], xr.DataTree], seed: int,
                        ) -> tuple[xr.DataTree, int]:
    """``sample(seed, per_iteration)`` with :data:`STEP_BUDGET_PER_ITERATION` (the caller makes it
    the sampler's ``step_budget`` by multiplying with its iterations), and once more with a child
    seed and ``None`` (no budget) if a chain's step-size adaptation collapsed: it ran over its
    budget of leapfrog steps
    (:class:`analogcast.models.sampling.RunawayChains`, raised as soon as the sampler reports it,
    which saves most of such a fit's time), or its step size ended far below the other chains'
    (:func:`analogcast.models.convergence.collapsed_chains`). Returns the tree and the number of
    refits (0 or 1); the second fit is kept whatever its chains did.

    The decision reads the sampler's own statistics only, never the forecasts or the labels, so
    it cannot select fits by their scores; the refit's seed derives from the task's seed, and the
    budget decision depends on step counts only, so the backtest stays reproducible.
    """
    from analogcast.models.convergence import collapsed_chains
    from analogcast.models.sampling import RunawayChains

    try:
        tree = sample(seed, STEP_BUDGET_PER_ITERATION)
        bad = collapsed_chains(tree)
    except RunawayChains as exc:
        bad = exc.chains
        _log.warning("%s", exc)
    if not bad:
        return tree, 0
    child = int(np.random.SeedSequence(seed).spawn(1)[0].generate_state(1)[0])
    _log.warning("chain(s) %s of a backtest fit (seed %d) collapsed their step size; "
                 "refitting once with the child seed %d", bad, seed, child)
    return sample(child, None), 1


@dataclass(frozen=True)
class RegistryFit:
    """One backtest fit of a registry model: the model, its data, the sampled tree, the number of
    refits (:func:`sample_with_restart`) and the task seed (the forecasts' random stream derives
    from it)."""

    model: ForecastModel
    data: ModelData
    tree: xr.DataTree
    refits: int
    seed: int


def fit_registry_model(panel: xr.Dataset, events: xr.Dataset, origin: int,
                       spaces: Sequence[str], protocol: Protocol, model: str, method: str,
                       seed: int, threads: int = 1,
                       options: Mapping[str, Any] | None = None) -> RegistryFit:
    """Fit registry ``model`` for ``origin`` as the backtest does: every space, both directions,
    no target, the :data:`FAST` (``method="nutpie"``) or :data:`REFERENCE` settings, the task's
    seed, the step budget and one refit (:func:`sample_with_restart`). ``options`` are model
    options other than the defaults (the backtest uses the defaults; benchmarks and tests compare
    variants)."""
    from analogcast.models import get_model, sample_model

    m = get_model(model, **dict(options or {}))
    data = m.prepare(panel, events, target=None, origin=origin, spaces=list(spaces),
                     protocol=protocol)
    cfg = FAST if method == "nutpie" else REFERENCE
    s = task_seed(seed, origin, "all", "both", model)
    pm_model = m.build(data, None)
    tree, refits = sample_with_restart(
        lambda ss, per_iteration: sample_model(
            pm_model, draws=int(cfg["draws"]), tune=int(cfg["tune"]), chains=int(cfg["chains"]),
            seed=ss, target_accept=float(cfg["target_accept"]),
            cores=max(1, min(int(threads), int(cfg["chains"]))),
            step_budget=None if per_iteration is None
            else per_iteration * (int(cfg["draws"]) + int(cfg["tune"]))),
        s)
    return RegistryFit(model=m, data=data, tree=tree, refits=refits, seed=s)


def run_model_task(
    panel: xr.Dataset,
    events: xr.Dataset,
    features: pd.DataFrame,
    origin: int,
    spaces: tuple[str, ...],
    protocol: Protocol,
    model: str,
    method: str,
    seed: int,
    threads: int = 1,
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Fit a registry model once for ``origin`` (every space, both directions, no target) and
    forecast every country observed at the origin: P(event in ``origin+1 .. origin+2``)."""
    from analogcast.evaluation.protocol import truth_labels
    from analogcast.models.convergence import diagnostics

    del features  # the registry model builds its own design from the panel
    t0 = time.perf_counter()
    fit = fit_registry_model(panel, events, origin, spaces, protocol, model, method, seed, threads)
    data, refits = fit.data, fit.refits
    post = fit.tree["posterior"].to_dataset()
    draws = fit.model.predict_all(post, data, 2,
                                  np.random.default_rng(np.random.SeedSequence(fit.seed)),
                                  per_draw=True)
    probs = {k: v.mean(axis=-1) for k, v in draws.items()}
    diag = diagnostics(fit.tree)
    all_c = np.asarray(data.meta["all_countries"])
    gw = pd.Series(np.asarray(panel["gwcode"].values),
                   index=pd.Index(panel["country"].values.astype(str)))
    frames = []
    for si, sp in enumerate(data.spaces):
        ok = ~np.isnan(probs["opening"][:, si])
        truth = truth_labels(events, sp).xs(origin, level="year").reindex(all_c[ok])
        frames.append(pd.DataFrame({
            "model": model, "space": sp, "outcome": SPACE_INDEX[sp], "origin": origin,
            "country": all_c[ok], "gwcode": gw.reindex(all_c[ok]).to_numpy(),
            "y_opening": truth["y_opening"].to_numpy(), "y_closing": truth["y_closing"].to_numpy(),
            "p_opening": probs["opening"][ok, si], "p_closing": probs["closing"][ok, si],
        }))
    info = [{
        "origin": origin, "space": "all", "direction": "both", "model": model,
        "n_train": int(data.meta["n_rows"]), "n_fit": int(data.meta["n_rows_fit"]),
        "seconds": time.perf_counter() - t0, "pid": os.getpid(),
        "divergences": float(diag["divergences"]), "max_rhat": float(diag["max_rhat"]),
        "min_ess_bulk": float(diag["min_ess_bulk"]), "refits": refits,
        **_task_mcse(frames, draws, data.spaces, post.sizes["chain"]),
    }]
    return pd.concat(frames, ignore_index=True), info


#: pooled groups of a task's rows whose log-loss Monte Carlo SE ``tasks.csv`` records (the score
#: table's ``barometer6`` and ``all7``)
MCSE_GROUPS: tuple[str, ...] = ("barometer6", "all7")


def _task_mcse(frames: Sequence[pd.DataFrame], draws: Mapping[str, np.ndarray],
               spaces: Sequence[str], chains: int) -> dict[str, float]:
    """Per direction and group, the number of scored rows and the delta-method Monte Carlo SE of
    the task's log-loss over them (:func:`analogcast.evaluation.scores.log_loss_mcse`):
    ``n_up_all7``, ``mcse_up_all7``, ... (``up`` openings, ``down`` closings). The forecasts of
    one fit share its posterior draws, so these are per fit; fits of different origins are
    independent, and :func:`pooled_mcse` combines them."""
    from analogcast.data import BAROMETER_SPACES
    from analogcast.evaluation.scores import log_loss_mcse

    out: dict[str, float] = {}
    for d, short in (("opening", "up"), ("closing", "down")):
        for group in MCSE_GROUPS:
            ys, ps = [], []
            for si, (sp, fr) in enumerate(zip(spaces, frames, strict=True)):
                if group == "barometer6" and sp not in BAROMETER_SPACES:
                    continue
                rows = draws[d][:, si, :]
                P = rows[~np.isnan(rows[:, 0])]
                y = fr[f"y_{d}"].to_numpy(float)
                keep = ~np.isnan(y)
                ys.append(y[keep])
                ps.append(P[keep])
            y_all = np.concatenate(ys) if ys else np.empty(0)
            out[f"n_{short}_{group}"] = float(y_all.size)
            out[f"mcse_{short}_{group}"] = (
                log_loss_mcse(y_all, np.concatenate(ps), chains)[1] if y_all.size else float("nan"))
    return out


def pooled_mcse(tasks: pd.DataFrame, model: str) -> dict[str, dict[str, float]]:
    """Monte Carlo SE of the pooled log-loss of ``model`` over all its origins, per group and
    direction: the pooled log-loss is ``sum_o n_o LL_o / sum_o n_o`` over independent fits, so its
    SE is ``sqrt(sum_o (n_o SE_o)^2) / sum_o n_o``. Empty when ``tasks`` has no such columns (a
    baseline, or a run written before they existed)."""
    t = tasks[tasks["model"] == model]
    out: dict[str, dict[str, float]] = {}
    for group in MCSE_GROUPS:
        for short in ("up", "down"):
            n_col, se_col = f"n_{short}_{group}", f"mcse_{short}_{group}"
            if t.empty or se_col not in t or t[se_col].isna().all():
                continue
            n, se = t[n_col].to_numpy(float), t[se_col].to_numpy(float)
            out.setdefault(group, {})[short] = float(np.sqrt(np.nansum((n * se) ** 2)) / n.sum())
    return out


def _task(panel: xr.Dataset, events: xr.Dataset, features: pd.DataFrame, kind: str,
          *args: object) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """One task of either kind (``map_tasks`` calls one function with the shared data first)."""
    fn = run_model_task if kind == "model" else run_task
    return fn(panel, events, features, *args)  # type: ignore[arg-type]


def _report(on: bool, done: int, total: int, t0: float) -> None:
    if on:
        _log.info("backtest: %d/%d tasks, %.0f s", done, total, time.perf_counter() - t0)


def _load() -> tuple[xr.Dataset, xr.Dataset, pd.DataFrame]:
    from analogcast.data import load_events, load_panel

    panel = load_panel()
    events = load_events()
    return panel, events, make_features(panel)


def run_backtest(
    config: BacktestConfig,
    *,
    panel: xr.Dataset | None = None,
    events: xr.Dataset | None = None,
    progress: bool = False,
) -> BacktestResult:
    """Run the backtest of ``config`` (see the module docstring for execution).

    Parameters
    ----------
    config
        What to run.
    panel, events
        ``load_panel()`` / ``load_events()``; loaded from the package data when ``None``.
    progress
        Print ``done/total`` task counts to stderr as tasks finish.
    """
    t0 = time.perf_counter()
    if panel is None or events is None:
        panel, events, features = _load()
    else:
        features = make_features(panel)
    years = panel["year"].values.astype(int)
    bad = [t for t in config.origins if t - 3 < years.min() or t + 2 > years.max()]
    if bad:
        shown = ", ".join(map(str, bad[:5])) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise UserInputError(
            f"--from-years: origins {shown} are outside {years.min() + 3}-{years.max() - 2}: forecasts for t+1..t+2 "
            "must be observable to be scored"
        )
    space_order = [s for s in SPACE_INDEX if s in config.spaces]
    threads = config.threads_per_fit()
    baselines = tuple(m for m in config.models if m in BASELINE_MODELS)
    registry = [m for m in config.models if m in REGISTRY_MODELS]
    # registry fits first: they are the long tasks, so the short baseline tasks fill the gaps
    calls: list[tuple[object, ...]] = [
        ("model", t, tuple(space_order), config.protocol, m, config.method, config.seed, threads)
        for m in registry for t in config.origins
    ]
    keys = [f"backtest-{m}-{t}-{config.protocol}" for m in registry for t in config.origins]
    if baselines:
        calls += [("baseline", t, s, config.protocol, baselines, config.method, config.seed, threads)
                  for t in config.origins for s in space_order]
        keys += [f"backtest-{t}-{s}-{config.protocol}" for t in config.origins for s in space_order]
    results, n_workers = map_tasks(
        _task,
        calls,
        keys=keys,
        workers=config.workers,
        scheduler=config.scheduler,
        shared=(panel, events, features),
        on_done=lambda n: _report(progress, n, len(keys), t0),
    )
    forecasts = pd.concat([r[0] for r in results], ignore_index=True)
    order = {m: i for i, m in enumerate(config.models)}
    sorder = {s: i for i, s in enumerate(space_order)}
    forecasts = (
        forecasts.assign(_m=forecasts["model"].map(order), _s=forecasts["space"].map(sorder))
        .sort_values(["_m", "_s", "origin", "gwcode", "country"], kind="mergesort")
        .drop(columns=["_m", "_s"])
        .reset_index(drop=True)
    )
    tasks = pd.DataFrame([row for r in results for row in r[1]])
    return BacktestResult(
        config=config,
        forecasts=forecasts,
        tasks=tasks,
        wall_seconds=time.perf_counter() - t0,
        meta={"n_workers": n_workers, "n_tasks": len(keys), "fit_threads": threads},
    )

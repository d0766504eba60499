"""Independent tasks run in this process or on Dask distributed (shared by every stage that fans out).

The backtest (:mod:`analogcast.evaluation.engine`) and grids of fits (:mod:`analogcast.runs.grid`)
both run a list of independent tasks and need their results back in submission order. Execution:
``workers=0`` and no ``scheduler`` calls the tasks one after another in this process; otherwise a
``LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)`` on 127.0.0.1 is started
and closed, unless ``scheduler`` gives the address of an existing cluster (``Client(address)``),
which is used and left running. Seeds are the callers' business: they derive them from each task's
identity, so results never depend on where or in which order a task ran.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Sequence
from typing import Any

from analogcast.errors import UserInputError

__all__ = ["map_tasks", "check_scheduler"]

_ADDRESS = re.compile(r"(?:(?P<proto>tcp|tls)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})/?")


def check_scheduler(address: str, flag: str = "--scheduler", timeout: float = 5.0) -> str:
    """Refuse, before any work, a Dask scheduler address that is malformed or cannot be reached.

    Accepts ``tcp://HOST:PORT``, ``tls://HOST:PORT`` or ``HOST:PORT``; for plain TCP it opens
    (and closes) a connection within ``timeout`` seconds.

    Raises
    ------
    UserInputError
        One line naming ``flag``, the address and the fix.
    """
    m = _ADDRESS.fullmatch(address.strip())
    if not m or not 0 < int(m.group("port")) < 65536:
        raise UserInputError(
            f"{flag} {address[:80]!r} is not a scheduler address; expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786"
        )
    if m.group("proto") == "tls":
        return address
    host = m.group("host").strip("[]")
    try:
        with socket.create_connection((host, int(m.group("port"))), timeout=timeout):
            pass
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UserInputError(
            f"{flag} {address}: cannot reach a scheduler there ({reason}); start one with 'dask scheduler' "
            "or omit --scheduler to use a local cluster"
        ) from None
    return address


def map_tasks(
    fn: Callable[..., Any],
    args: Sequence[tuple[Any, ...]],
    *,
    keys: Sequence[str],
    workers: int,
    scheduler: str | None = None,
    shared: tuple[Any, ...] = (),
    on_done: Callable[[int], None] | None = None,
) -> tuple[list[Any], int]:
    """Call ``fn(*shared, *a)`` for every ``a`` in ``args``; results in ``args`` order.

    Parameters
    ----------
    fn
        The task; must be importable by the workers (a module-level function).
    args
        Per-task positional arguments.
    keys
        One unique Dask key per task (names the task on the dashboard and in errors).
    workers
        0 = run in this process; N >= 1 = a local cluster of N single-threaded processes.
    scheduler
        Address of an existing Dask scheduler (overrides ``workers``).
    shared
        Arguments common to every task (large data): scattered once to every worker.
    on_done
        Called with the number of finished tasks each time one finishes.

    Returns
    -------
    (results, n_workers)
        ``n_workers`` is 0 when the tasks ran in this process.
    """
    if len(keys) != len(args):
        raise ValueError("map_tasks: one key per task")
    if scheduler is None and workers == 0:
        results = []
        for i, a in enumerate(args, 1):
            results.append(fn(*shared, *a))
            if on_done is not None:
                on_done(i)
        return results, 0

    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, ValueError) as exc:  # OSError covers timeouts
            raise UserInputError(f"--scheduler {scheduler}: cannot connect ({type(exc).__name__}: {exc})") from None
    else:
        import dask

        # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (its "memtrim" default),
        # so glibc hands every freed block over 64 KiB back to the system; JAX frees and
        # reallocates its buffers on every log-density call, and a backtest fit then spent most
        # of its time in page faults: 2.26 against 1.00 ms per gradient, 18 million page faults
        # against 0.3 million (origin 2016; the strict backtest had 1,028 s of system time in
        # 24 min). The workers keep glibc's own adaptive threshold (a user's variable is
        # inherited as it is).
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            )
        client = Client(cluster)
    try:
        n_workers = len(client.scheduler_info()["workers"])
        common = client.scatter(list(shared), broadcast=True) if shared else []
        futures = [
            client.submit(fn, *common, *a, key=k, pure=False)
            for a, k in zip(args, keys, strict=True)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        done: list[Any] = [None] * len(futures)
        for n, fut in enumerate(as_completed(futures), 1):
            done[index[fut.key]] = fut.result()
            if on_done is not None:
                on_done(n)
        return done, n_workers
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

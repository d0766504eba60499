"""Benchmark of one log density + gradient call, as nutpie makes it (JAX-compiled).

Usage (from the repository root)::

    .venv/bin/python bench/bench_gradient.py            # all cases, writes bench/results/gradient.json
    .venv/bin/python bench/bench_gradient.py --reps 20

Cases:

* ``densities``: each model's observation densities as PyMC writes them (``Bernoulli(logit_p)``,
  ``StudentT`` with a per-row ``nu``) against ``analogcast.models.likelihoods``, on the main job's
  ``event_logit`` and ``trajectory`` and on one strict backtest fit (origin 2016, every space, no
  target). Both versions are built and compiled in one process and timed in alternation.
* ``dispatch``: the same backtest fit's call with JAX's default asynchronous dispatch and CPU pool
  against the settings ``analogcast.models.sampling`` uses (synchronous dispatch; in a worker, one
  pool thread per fit thread), each in its own process, alone and two side by side (the backtest's
  two workers). Wall and CPU time per call.

Each timing is the median over ``--reps`` batches of 200 calls at one fixed point; the machine's
load average is recorded (the 2-core machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "gradient.json"
SPACES = ("associational", "informational", "individual", "governing", "electoral", "economic",
          "women")


def _logp_call(pm_model):
    import nutpie

    c = nutpie.compile_pymc_model(pm_model, backend="jax", gradient_backend="jax")
    fn = partial(c._make_logp_func(), **c._shared_data)
    x = np.random.default_rng(0).normal(size=c.n_dim) * 0.1
    fn(x)
    return fn, x


def _time(fn, x, n: int = 200) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn(x)
    return (time.perf_counter() - t0) / n * 1e3, (time.process_time() - c0) / n * 1e3


def _builds(case: str):
    """(model, data, prior) of a case."""
    from analogcast.data import load_events, load_panel
    from analogcast.fitting.fitter import prepare_data, resolve_prior
    from analogcast.fitting.spec import load_spec
    from analogcast.models import get_model

    if case == "backtest_2016":
        m = get_model("event_logit")
        d = m.prepare(load_panel(), load_events(), target=None, origin=2016, spaces=list(SPACES),
                      protocol="strict")
        return m, d, None
    spec = load_spec("fits/afghanistan.toml")
    prior, _ = resolve_prior(spec)
    m = get_model(case, **spec.model.options.get(case, {}))
    return m, prepare_data(spec)[case], prior


def densities(reps: int) -> list[dict]:
    import pymc as pm

    import analogcast.models.event as E
    import analogcast.models.trajectory as T
    from analogcast.models.sampling import _prepare_jax

    _prepare_jax()

    def old_b(nm, eta, y):
        return pm.Bernoulli(nm, logit_p=eta, observed=y)

    def old_t(nm, nu, g, mu, s, y):
        return pm.StudentT(nm, nu=nu[g], mu=mu, sigma=s, observed=y)

    out = []
    for case, name in (("event_logit", "event_logit"), ("trajectory", "trajectory"),
                       ("backtest_2016", "event_logit")):
        m, d, prior = _builds(case)
        new = _logp_call(m.build(d, prior))
        saved = (E.bernoulli_logit, T.bernoulli_logit, T.student_t)
        E.bernoulli_logit, T.bernoulli_logit, T.student_t = old_b, old_b, old_t
        try:
            old = _logp_call(m.build(d, prior))
        finally:
            E.bernoulli_logit, T.bernoulli_logit, T.student_t = saved
        same = abs(new[0](new[1])[0] - old[0](old[1])[0])
        times = {"analogcast": [], "pymc": []}
        for _ in range(reps):
            for k, (fn, x) in (("analogcast", new), ("pymc", old)):
                times[k].append(_time(fn, x)[0])
        rec = {"case": case, "model": name, "n_dim": int(new[1].size),
               "rows": int(d.meta.get("n_rows_fit", 0)) or None,
               "logp_abs_difference": float(same),
               "ms_per_call_median": {k: round(float(np.median(v)), 4) for k, v in times.items()},
               "ms_per_call_min": {k: round(float(np.min(v)), 4) for k, v in times.items()},
               "loadavg": round(os.getloadavg()[0], 2)}
        print(json.dumps(rec), flush=True)
        out.append(rec)
    return out


def _child(settings: str, reps: int) -> None:
    """One process: time the backtest fit's call with ``settings`` ("default" or "analogcast")."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if settings == "analogcast":
        from analogcast.models.sampling import _prepare_jax

        os.environ.setdefault("PJRT_NPROC", "1")  # as in a single-threaded backtest worker
        _prepare_jax()
    m, d, _ = _builds("backtest_2016")
    fn, x = _logp_call(m.build(d, None))
    res = [_time(fn, x) for _ in range(reps)]
    print(json.dumps({"wall_ms": float(np.median([r[0] for r in res])),
                      "cpu_ms": float(np.median([r[1] for r in res]))}), flush=True)


def dispatch(reps: int) -> list[dict]:
    out = []
    for settings in ("default", "analogcast"):
        for side_by_side in (1, 2):
            procs = [subprocess.Popen([sys.executable, __file__, "--child", settings, "--reps",
                                       str(reps)], stdout=subprocess.PIPE, text=True)
                     for _ in range(side_by_side)]
            got = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
            rec = {"case": "backtest_2016", "settings": settings, "processes": side_by_side,
                   "wall_ms": [round(g["wall_ms"], 4) for g in got],
                   "cpu_ms": [round(g["cpu_ms"], 4) for g in got],
                   "loadavg": round(os.getloadavg()[0], 2)}
            print(json.dumps(rec), flush=True)
            out.append(rec)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.reps)
        return
    res = {"benchmark": "gradient", "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "cpu_count": os.cpu_count(), "platform": platform.platform(),
           "densities": densities(args.reps), "dispatch": dispatch(args.reps)}
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(res, indent=1) + "\n")
    tmp.replace(RESULTS)


if __name__ == "__main__":
    main()

"""Monte Carlo error of a backtest fit's pooled log-loss.

Usage::

    .venv/bin/python bench/bench_mcse.py                       # origin 2005, the six Barometer spaces
    .venv/bin/python bench/bench_mcse.py --origins 2005,2016 --seeds 20261126,1

For each origin and seed, fits the registry model (``event_logit``) as the backtest does
(``analogcast.evaluation.engine.fit_registry_model`` with the ``FAST`` settings: the same seed,
design, sampler, step budget and refit rule) and with the reference settings (``REFERENCE``), takes every draw's forecast probabilities
(``all_country_event_probs(per_draw=True)``, the forecast's own random stream) and reports per
direction the pooled log-loss of the posterior-mean forecast and its Monte Carlo SE by the delta
method: the log-loss linearised at the posterior mean is the mean over draws of
``g_s = sum_i dLL/dp_i * p_i^(s)``, whose SE is ``sd(g) / sqrt(ESS(g))`` (arviz-stats' mean ESS
over chains and draws). The reference uses all its draws here (the backtest's reference path
thins them to 400). Writes ``bench/results/mcse.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "mcse.json"


def one(origin: int, spaces: list[str], seed: int, which: str) -> dict:
    from analogcast.data import load_events, load_panel
    from analogcast.evaluation.engine import FAST, REFERENCE, fit_registry_model
    from analogcast.evaluation.protocol import truth_labels
    from analogcast.evaluation.scores import log_loss_mcse
    from analogcast.models.event_forecast import all_country_event_probs

    panel, events = load_panel(), load_events()
    t0 = time.perf_counter()
    fit = fit_registry_model(panel, events, origin, spaces, "strict", "event_logit",
                             "nutpie" if which == "fast" else "nuts", seed, threads=2)
    data, post = fit.data, fit.tree["posterior"].to_dataset()
    probs = all_country_event_probs(post, data, 2,
                                    np.random.default_rng(np.random.SeedSequence(fit.seed)),
                                    n_paths=int(fit.model.options["n_paths"]), max_draws=None,
                                    per_draw=True)
    all_c = np.asarray(data.meta["all_countries"])
    rec: dict = {"origin": origin, "spaces": spaces, "seed": seed, "settings": which,
                 "sampler": dict(FAST if which == "fast" else REFERENCE), "refits": fit.refits,
                 "seconds": round(time.perf_counter() - t0, 1)}
    for d in ("opening", "closing"):
        ys, ps = [], []
        for si, sp in enumerate(data.spaces):
            P = probs[d][:, si, :]
            ok = ~np.isnan(P[:, 0])
            y = truth_labels(events, sp).xs(origin, level="year").reindex(all_c[ok])[f"y_{d}"]
            keep = y.notna().to_numpy()
            ys.append(y.to_numpy()[keep])
            ps.append(P[ok][keep])
        ll, se, e = log_loss_mcse(np.concatenate(ys), np.concatenate(ps), post.sizes["chain"])
        rec[d] = {"log_loss": round(ll, 5), "mcse": round(se, 5), "ess": round(e, 1),
                  "rows": int(sum(len(y) for y in ys))}
    return rec


def main() -> None:
    from analogcast.data import BAROMETER_SPACES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", default="2005")
    ap.add_argument("--spaces", default=",".join(BAROMETER_SPACES))
    ap.add_argument("--seeds", default="20261126")
    args = ap.parse_args()
    rows = []
    for origin in (int(x) for x in args.origins.split(",")):
        for seed in (int(x) for x in args.seeds.split(",")):
            for which in ("fast", "reference"):
                rec = one(origin, args.spaces.split(","), seed, which)
                print(json.dumps(rec), flush=True)
                rows.append(rec)
    out = {"benchmark": "mcse", "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "cpu_count": os.cpu_count(), "platform": platform.platform(), "records": rows}
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    tmp.replace(RESULTS)


if __name__ == "__main__":
    main()

"""Is the analogy prior on the event model's scale? The analogs' intercepts in a fitted run.

The event model puts the analogy prior on ``theta[space, direction]``, the target's logit hazard at
its own mean covariates, averaged over its years' year effects. The shipped prior builds each
analog's evidence from its event counts at rate ``logistic(theta / kappa)`` (the calibrated count
route, :mod:`analogcast.priors.calibration`). This script reads a saved run that fitted
``event_logit`` with the analog countries in its training data and computes, for every analog
country (not spells of the target: in a run with the target its rows carry theta), the same
quantity from the fit (``EventLogit.unit_intercepts``: the mean over its rows of the model's
log-odds), posterior mean and sd. It prints and writes, per space and
direction: that model-scale intercept, the count route's point value ``kappa * logit((x + 1/2) /
(n + 1))``, the prior's mean, and the target's theta prior and posterior (how much the prior can
move the forecast at all).

Usage: ``python bench/prior_scale.py [RUN_DIR]`` (default ``fits/runs/afghanistan``); writes
``bench/results/prior_scale.json``.
"""

from __future__ import annotations

import json
import sys
import tomllib
from datetime import date
from pathlib import Path

import numpy as np
import xarray as xr
from scipy.special import logit

from analogcast._io import atomic_write_text
from analogcast.data import load_events, load_panel
from analogcast.models import get_model
from analogcast.priors.calibration import kappa_for

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    run_dir = Path(argv[0]) if argv else ROOT / "fits" / "runs" / "afghanistan"
    spec = tomllib.loads((run_dir / "spec.toml").read_text())
    prior = tomllib.loads((run_dir / "prior.toml").read_text())
    post = xr.open_datatree(run_dir / "posterior.nc")["event_logit/posterior"].to_dataset()
    post = post.isel(draw=slice(None, None, 5))  # 2 x 400 draws are plenty for means and sds
    opts = spec.get("model", {}).get("options", {}).get("event_logit", {})
    model = get_model("event_logit", **opts)
    target, origin = str(spec["target"]), int(spec["origin"])
    spaces = [str(s) for s in post["space"].values]
    data = model.prepare(load_panel(), load_events(), target=target, origin=origin, spaces=spaces)
    labels = [str(x) for x in prior["meta"]["analogs"]]
    analogs = [lab for lab in labels if ":" not in lab and lab != target]
    # each analog's mean log-odds over its rows, the quantity theta is for the target
    fitted = model.unit_intercepts(post, data, analogs)
    meta = json.loads((run_dir / "metadata.json").read_text())
    hashes = {k: meta.get(k) for k in ("fit_id", "data_sha256", "spec_sha256", "prior_sha256", "seed")}
    out: dict[str, object] = {"run": str(run_dir), "run_hashes": hashes, "date": date.today().isoformat(),
                              "target": target, "analogs": analogs,
                              "skipped": [lab for lab in labels if lab not in analogs],
                              "cells": []}
    dirs = [str(d) for d in post["direction"].values]
    for s in spaces:
        for d in dirs:
            cell = prior["spaces"][s][d]
            th = post["theta"].sel(space=s, direction=d).values.ravel()
            row: dict[str, object] = {
                "space": s, "direction": d, "kappa": kappa_for(s, d),
                "prior_mean_logit": cell["mean_logit"], "prior_sd_logit": cell["sd_logit"],
                "target_theta_posterior": [round(float(th.mean()), 3), round(float(th.std()), 3)],
            }
            est = {lab: (m, sd) for lab, m, sd in fitted[(s, d)]}
            for lab in analogs:
                if lab not in est:  # the analog has no coded rows in this space (e.g. SAU electoral)
                    row[lab] = None
                    continue
                ev = next(e for e in cell["evidence"] if e["label"] == lab)
                count = kappa_for(s, d) * float(logit((ev["events"] + 0.5) / (ev["years"] + 1.0)))
                row[lab] = {"events": ev["events"], "years": ev["years"],
                            "model_theta": [round(est[lab][0], 3), round(est[lab][1], 3)],
                            "count_route": round(count, 3),
                            "count_minus_model": round(count - est[lab][0], 3)}
            out["cells"].append(row)  # type: ignore[union-attr]
            print(json.dumps(row))
    gaps = [r[lab]["count_minus_model"] for r in out["cells"] for lab in analogs  # type: ignore[index,union-attr]
            if r[lab] is not None]  # type: ignore[index]
    out["summary"] = {"count_minus_model_mean": round(float(np.mean(gaps)), 3),
                      "count_minus_model_median": round(float(np.median(gaps)), 3),
                      "count_minus_model_range": [round(float(min(gaps)), 3), round(float(max(gaps)), 3)]}
    print(out["summary"])
    dest = ROOT / "bench" / "results" / "prior_scale.json"
    atomic_write_text(dest, json.dumps(out, indent=1) + "\n")
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

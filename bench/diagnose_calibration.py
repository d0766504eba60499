"""Where a backtest's miscalibration comes from: shift (the year's level) or spread.

Reads a backtest's ``forecasts.csv`` (default the kept strict run) with the shipped two-year labels
(six Barometer spaces) and writes ``bench/results/calibration_diagnosis.json``:

* ``raw``: log-loss and ECE (10 equal-width bins) per direction;
* ``oracle_shift``: the same after an intercept shift per origin that makes the mean forecast
  equal the observed share (the year's level known in hindsight): what the year's level costs;
* ``per_origin_slope``: the logistic recalibration slope ``b`` of ``logit p`` per origin (with its
  own intercept); ``b < 1`` means the forecasts are more spread out than the outcomes support;
* ``common_slope_after_shift``: one slope for all origins after the per-origin shift, and its
  log-loss.

Diagnosis only: these are fitted on the outcomes they score, so they bound what a better year
level or a less spread-out model could gain; they are not forecasts.

Usage: ``python bench/diagnose_calibration.py [BACKTEST_DIR]``.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import numpy as np
from scipy.optimize import brentq, minimize, minimize_scalar
from scipy.special import expit, logit
from sklearn.metrics import log_loss

from analogcast._io import atomic_write_text
from analogcast.data import BAROMETER_SPACES
from analogcast.reporting.plot_skill import backtest_forecasts

ROOT = Path(__file__).resolve().parents[1]


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    b = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(p[b == k].mean() - y[b == k].mean()) * (b == k).sum()
                     for k in range(bins) if (b == k).any()) / len(p))


def shift_to_mean(lp: np.ndarray, target: float, slope: float = 1.0) -> np.ndarray:
    c = brentq(lambda c: expit(c + slope * lp).mean() - target, -20, 20)
    return expit(c + slope * lp)


def main(argv: list[str]) -> int:
    bt = Path(argv[0]) if argv else ROOT / "reports" / "backtest" / "strict"
    fc, _, _ = backtest_forecasts(bt)
    fc = fc[fc["space"].isin(BAROMETER_SPACES)]
    out: dict[str, object] = {"backtest": str(bt.relative_to(ROOT) if bt.is_relative_to(ROOT) else bt),
                              "date": date.today().isoformat(), "spaces": "six Barometer spaces"}
    for d in ("opening", "closing"):
        s = fc[fc[f"y_{d}"].notna() & fc[f"p_{d}"].notna()]
        p = s[f"p_{d}"].clip(1e-4, 1 - 1e-4).to_numpy()
        y = s[f"y_{d}"].to_numpy()
        o = s["origin"].to_numpy()
        lp = logit(p)
        shifted = np.empty_like(p)
        slopes = {}
        for org in np.unique(o):
            m = o == org
            shifted[m] = shift_to_mean(lp[m], y[m].mean())
            ym, lpm = y[m], lp[m]
            r = minimize(lambda ab, ym=ym, lpm=lpm: log_loss(ym, expit(ab[0] + ab[1] * lpm),
                                                             labels=[0, 1]),
                         [0.0, 1.0], method="Nelder-Mead")
            slopes[int(org)] = round(float(r.x[1]), 3)

        def pooled(b: float, lp=lp, y=y, o=o) -> float:
            q = np.empty_like(lp)
            for org in np.unique(o):
                m = o == org
                q[m] = shift_to_mean(lp[m], y[m].mean(), b)
            return log_loss(y, q)

        best = minimize_scalar(pooled, bounds=(0.2, 1.5), method="bounded")
        out[d] = {
            "n": int(len(y)),
            "raw": {"log_loss": round(log_loss(y, p), 4), "ece": round(ece(p, y), 4)},
            "oracle_shift": {"log_loss": round(log_loss(y, shifted), 4),
                             "ece": round(ece(shifted, y), 4)},
            "per_origin_slope": slopes,
            "common_slope_after_shift": {"slope": round(float(best.x), 3),
                                         "log_loss": round(float(best.fun), 4)},
        }
        print(d, json.dumps(out[d]))
    dest = ROOT / "bench" / "results" / "calibration_diagnosis.json"
    atomic_write_text(dest, json.dumps(out, indent=2) + "\n")
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

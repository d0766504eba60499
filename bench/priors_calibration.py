"""Measure kappa: how a country's mean logit hazard relates to the logit of its mean yearly rate.

For each space and direction, a fixed-effects logit of the yearly event on the event model's
dynamic covariates at t-1 (index level, two-year change, log years since a large move), the RoW
regime category at t-1 and year dummies (sklearn, L2 penalty C=100, all countries, 1970-2023).
For every country with at least one event: theta_c = mean over its rows of the linear predictor
(the model-scale intercept at its own mean covariates) and r_c = logit(mean over its rows of the
fitted hazard), which equals logit(x/n) up to the penalty. kappa = sum(theta_c r_c) / sum(r_c^2)
(least squares through the origin: theta = kappa * logit(rate), the logistic-normal form).

Run: PYTHONPATH=src python bench/priors_calibration.py   (about a minute)
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression

from analogcast.data import CUTPOINTS, SPACES, load_events, load_panel
from analogcast.models.design import dynamic_grid


def main() -> None:
    panel = load_panel()
    events = load_events()
    years = panel["year"].values
    countries = [str(c) for c in panel["country"].values]
    regime = panel["v2x_regime"].transpose("country", "year").values
    reg_lag = np.full_like(regime, np.nan)
    reg_lag[:, 1:] = regime[:, :-1]
    for s, var in SPACES.items():
        x = panel[var].transpose("country", "year").values.astype(float)
        dyn = dynamic_grid(x, float(CUTPOINTS[s]))
        for d in ("opening", "closing"):
            y = events[d].sel(space=s).reindex(country=countries, year=years).transpose("country", "year").values
            ok = np.isfinite(y) & np.isfinite(dyn).all(-1) & np.isfinite(reg_lag) & (years >= 1970)[None, :]
            ci, ti = np.nonzero(ok)
            feats = np.column_stack([dyn[ci, ti], reg_lag[ci, ti]])
            feats = (feats - feats.mean(0)) / feats.std(0)
            yd = np.eye(len(years))[ti][:, 1:]
            cd = np.eye(len(countries))[ci]
            X = np.column_stack([feats, yd, cd])
            yy = y[ci, ti]
            m = LogisticRegression(C=100.0, max_iter=5000).fit(X, yy)
            eta = m.decision_function(X)
            th, r, gaps = [], [], []
            for c in np.unique(ci):
                sel = ci == c
                if yy[sel].sum() < 1 or sel.sum() < 10:
                    continue
                th.append(eta[sel].mean())
                r.append(logit(expit(eta[sel]).mean()))
                gaps.append(r[-1] - th[-1])
            th, r = np.array(th), np.array(r)
            kappa = float(np.sum(th * r) / np.sum(r * r))
            print(f"{s:14s}{d:8s} kappa {kappa:.3f}  gap mean {np.mean(gaps):.3f} "
                  f"[{np.quantile(gaps, 0.1):.2f}, {np.quantile(gaps, 0.9):.2f}]  "
                  f"countries {len(th)}  sd(eta within) {np.mean([eta[ci == c].std() for c in np.unique(ci)]):.2f}")


if __name__ == "__main__":
    main()

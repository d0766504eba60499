"""Checks that the aid terms are not artefacts: a lead placebo, sub-period stability, leave-one-region-out.

The Bayesian event model takes minutes to fit; these checks use a cheap stand-in with the same
covariates (``analogcast.models.design.common_design``) and fixed effects for year, region and
space: a ridge-penalised logistic regression (Newton's method, ``C = 10`` on standardised columns)
of openings (or closings) on country-year-space rows, with standard errors clustered by country
(sandwich estimator around the penalised Hessian). It runs in seconds on the real panel.

- **Placebo (leads).** Aid three years *after* the outcome year (``aid_lead3``, same transform and
  scale as ``aid``) added to the model: future aid cannot cause past events, so its coefficient
  should be near 0. A clearly non-zero lead says the aid term partly picks up something that
  moves with aid over time (donor selection, trends), not aid itself (METHODS section 7).
- **Stability.** The average aid association (``aid`` without interactions) fitted separately on
  outcome years 1970-1999 and 2000-2019.
- **Leave-one-region-out.** The full model refitted six times, each time without one V-Dem region.

Everything here is an association; none of it identifies a causal effect.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.errors import UserInputError

__all__ = ["AidCheckData", "aid_check_data", "fit_logit", "placebo_check", "stability_check",
           "loro_check", "run_aid_checks", "identification_summary", "identification_sentence",
           "assumption_sentences",
           "aid_check_sentences"]

logger = logging.getLogger(__name__)

#: Design columns the checks report (when present).
AID_COLUMNS = ("aid", "aid_cw", "aid_patron", "sanctions", "sanctions_cw")
_PERIODS = ((1970, 1999), (2000, 2019))


@dataclass
class AidCheckData:
    """Long rows (country-year-space) for the cheap checks.

    Attributes
    ----------
    X
        ``(rows, k)`` covariates: the common design columns ``names`` then the space's dynamic
        covariates (level, two-year change, years since a move), standardised.
    names
        Column names of ``X``.
    y
        ``{"opening": (rows,), "closing": (rows,)}`` 0/1 (NaN where not coded).
    country, year, region, space
        Row keys.
    aid_lead3
        ``(rows,)`` log1p ODA (% of GNI, structural zeros) three years after the outcome year, on
        the scale of ``aid``; NaN where unknown.
    """

    X: np.ndarray
    names: tuple[str, ...]
    y: dict[str, np.ndarray]
    country: np.ndarray
    year: np.ndarray
    region: np.ndarray
    space: np.ndarray
    aid_lead3: np.ndarray


def aid_check_data(panel: xr.Dataset | None = None, events: xr.Dataset | None = None,
                   years: tuple[int, int] = (1970, 2019)) -> AidCheckData:
    """Build the rows: every coded country-year-space with outcome year in ``years``.

    Parameters
    ----------
    panel, events
        ``load_panel()`` / ``load_events()`` output (default: the shipped data).
    years
        First and last outcome year.
    """
    from analogcast.data import CUTPOINTS, SPACES, load_events, load_panel
    from analogcast.models.design import common_design, derived_variable, dynamic_grid

    panel = load_panel() if panel is None else panel
    events = load_events() if events is None else events
    yrs = np.asarray(panel["year"].values, dtype=np.int64)
    countries = np.asarray(panel["country"].values).astype(str)
    in_win = (yrs >= years[0]) & (yrs <= years[1])
    spaces = [s for s in SPACES if s in events["space"].values]
    ev = events.reindex(country=countries, year=yrs)
    dyn: dict[str, np.ndarray] = {}
    ok_any = np.zeros((countries.size, yrs.size), dtype=bool)
    for s in spaces:
        x = np.asarray(panel[SPACES[s]].transpose("country", "year").values, dtype=np.float64)
        dyn[s] = dynamic_grid(x, float(CUTPOINTS[s]))
        coded = np.isfinite(ev["opening"].sel(space=s).transpose("country", "year").values)
        ok_any |= coded & np.isfinite(dyn[s]).all(axis=-1) & in_win[None, :]
    cd = common_design(panel, ok_any, 0, np.zeros(yrs.size, dtype=bool))
    aid_scale = cd.scaling["aid"]["scale"]
    oda = derived_variable(panel, "DT.ODA.ODAT.GN.ZS").transpose("country", "year").values
    lead = np.full_like(oda, np.nan, dtype=np.float64)
    lead[:, :-3] = np.log1p(np.clip(oda[:, 3:], 0.0, None)) / aid_scale

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("X", "yo", "yc", "c", "t", "s", "lead")}
    for k, s in enumerate(spaces):
        coded = np.isfinite(ev["opening"].sel(space=s).transpose("country", "year").values)
        ok = coded & np.isfinite(dyn[s]).all(axis=-1) & in_win[None, :]
        ci, ti = np.nonzero(ok)
        d = dyn[s][ci, ti]
        d = (d - d.mean(axis=0)) / np.where(d.std(axis=0) > 0, d.std(axis=0), 1.0)
        parts["X"].append(np.concatenate([cd.X[ci, ti], d], axis=1))
        parts["yo"].append(ev["opening"].sel(space=s).transpose("country", "year").values[ci, ti])
        parts["yc"].append(ev["closing"].sel(space=s).transpose("country", "year").values[ci, ti])
        parts["c"].append(ci)
        parts["t"].append(ti)
        parts["s"].append(np.full(ci.size, k))
        parts["lead"].append(lead[ci, ti])
    ci = np.concatenate(parts["c"])
    region = np.asarray(panel["region"].values)[ci] if "region" in panel.coords else np.zeros(ci.size)
    return AidCheckData(
        X=np.concatenate(parts["X"]), names=(*cd.names, "level", "change2", "log_years_since_move"),
        y={"opening": np.concatenate(parts["yo"]), "closing": np.concatenate(parts["yc"])},
        country=countries[ci], year=yrs[np.concatenate(parts["t"])], region=region,
        space=np.asarray(spaces)[np.concatenate(parts["s"])], aid_lead3=np.concatenate(parts["lead"]),
    )


def _dummies(keys: np.ndarray) -> np.ndarray:
    """One-hot columns of ``keys`` minus the first level (the intercept carries it)."""
    levels, inv = np.unique(keys, return_inverse=True)
    out = np.zeros((keys.size, max(levels.size - 1, 0)))
    rows = np.flatnonzero(inv > 0)
    out[rows, inv[rows] - 1] = 1.0
    return out


def fit_logit(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, *, C: float = 10.0,
              max_iter: int = 50, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Ridge-penalised logistic regression (Newton's method) with country-clustered standard errors.

    Maximises ``sum log-likelihood - ||beta||^2 / (2 C)`` (intercept unpenalised), as
    scikit-learn's ``LogisticRegression(C=C)`` does, but by Newton steps on the small
    ``(k x k)`` Hessian, which is much faster for many rows and a few dozen columns.

    Returns
    -------
    coef, se
        Coefficients of ``X``'s columns (intercept excluded) and their cluster-robust SEs:
        ``H^-1 (sum_c g_c g_c') H^-1`` with ``H = X'WX + I / C`` (the penalised Hessian) and
        ``g_c`` the score of cluster c.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # many BLAS threads on a busy machine are 10x slower
        return _newton_logit(X, y, cluster, C=C, max_iter=max_iter, tol=tol)


def _newton_logit(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, *, C: float, max_iter: int,
                  tol: float) -> tuple[np.ndarray, np.ndarray]:
    from scipy.special import expit

    Xi = np.column_stack([np.ones(len(y)), X])
    pen = np.full(Xi.shape[1], 1.0 / C)
    pen[0] = 0.0
    beta = np.zeros(Xi.shape[1])
    ybar = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    beta[0] = np.log(ybar / (1 - ybar))
    for _ in range(max_iter):
        p = expit(Xi @ beta)
        grad = Xi.T @ (y - p) - pen * beta
        H = (Xi * (p * (1 - p))[:, None]).T @ Xi + np.diag(pen)
        step = np.linalg.solve(H, grad)
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    p = expit(Xi @ beta)
    H = (Xi * (p * (1 - p))[:, None]).T @ Xi + np.diag(pen)
    score = Xi * (y - p)[:, None]
    _, inv = np.unique(cluster, return_inverse=True)
    G = np.zeros((inv.max() + 1, Xi.shape[1]))
    np.add.at(G, inv, score)
    Hinv = np.linalg.inv(H)
    V = Hinv @ (G.T @ G) @ Hinv
    return beta[1:], np.sqrt(np.clip(np.diag(V)[1:], 0.0, None))


def _fit_terms(d: AidCheckData, rows: np.ndarray, outcome: str, terms: Sequence[str],
               drop: Sequence[str] = (), extra: dict[str, np.ndarray] | None = None) -> list[dict]:
    y = d.y[outcome]
    rows = rows & np.isfinite(y)
    keep = [j for j, n in enumerate(d.names) if n not in drop]
    cols = [d.X[rows][:, keep]]
    names = [d.names[j] for j in keep]
    for n, v in (extra or {}).items():
        cols.append(v[rows][:, None])
        names.append(n)
    X = np.concatenate([*cols, _dummies(d.year[rows]), _dummies(d.region[rows]), _dummies(d.space[rows])], axis=1)
    sd = X.std(axis=0)
    live = sd > 0
    coef, se = fit_logit(X[:, live], y[rows], d.country[rows])
    full_c = np.full(X.shape[1], np.nan)
    full_s = np.full(X.shape[1], np.nan)
    full_c[live], full_s[live] = coef, se
    out = []
    for t in terms:
        if t in names:
            j = names.index(t)
            out.append({"outcome": outcome, "term": t, "estimate": float(full_c[j]), "se": float(full_s[j]),
                        "n_rows": int(rows.sum()), "n_events": int(y[rows].sum())})
    return out


def placebo_check(d: AidCheckData, outcomes: Sequence[str] = ("opening", "closing"),
                  last_year: int = 2016) -> pd.DataFrame:
    """Aid three years ahead added to the full model (rows where it is known, outcome years up to
    ``last_year`` = the last ODA year minus 3): its coefficient should be ~0."""
    rows = np.isfinite(d.aid_lead3) & (d.year <= last_year)
    out = []
    for o in outcomes:
        for r in _fit_terms(d, rows, o, ("aid_lead3", "aid"), extra={"aid_lead3": np.nan_to_num(d.aid_lead3)}):
            out.append({"check": "placebo_lead3", "subset": f"{d.year[rows].min()}-{d.year[rows].max()}", **r})
    return pd.DataFrame(out)


def stability_check(d: AidCheckData, outcomes: Sequence[str] = ("opening", "closing"),
                    periods: Sequence[tuple[int, int]] = _PERIODS) -> pd.DataFrame:
    """The average aid association (no aid interactions) per sub-period of outcome years."""
    out = []
    for lo, hi in periods:
        rows = (d.year >= lo) & (d.year <= hi)
        for o in outcomes:
            for r in _fit_terms(d, rows, o, ("aid",), drop=("aid_cw", "aid_patron")):
                out.append({"check": "stability", "subset": f"{lo}-{hi}", **r})
    return pd.DataFrame(out)


def loro_check(d: AidCheckData, outcomes: Sequence[str] = ("opening", "closing")) -> pd.DataFrame:
    """The full model without one region at a time (and with all regions, ``subset = "all"``)."""
    out = []
    for reg in ["all", *sorted(set(d.region.tolist()))]:
        rows = np.ones(d.year.size, dtype=bool) if reg == "all" else d.region != reg
        for o in outcomes:
            for r in _fit_terms(d, rows, o, AID_COLUMNS):
                out.append({"check": "loro", "subset": "all" if reg == "all" else f"without region {reg}", **r})
    return pd.DataFrame(out)


def run_aid_checks(panel: xr.Dataset | None = None, events: xr.Dataset | None = None) -> pd.DataFrame:
    """All three checks on the real panel (default): one table, ``z = estimate / se`` added."""
    d = aid_check_data(panel, events)
    if d.y["opening"].size == 0:
        raise UserInputError("no coded country-years for the aid checks.")
    df = pd.concat([placebo_check(d), stability_check(d), loro_check(d)], ignore_index=True)
    df["z"] = df["estimate"] / df["se"]
    logger.info("aid checks: %d estimates on %d rows", len(df), d.y["opening"].size)
    return df


def identification_summary(panel: xr.Dataset | None = None, *, aid_min: float = 10.0,
                           align_min: float | None = None, years: tuple[int, int] = (1991, 2019)) -> dict:
    """What the data can identify: country-years with both high aid and high patron alignment.

    Parameters
    ----------
    aid_min
        ODA threshold (% of GNI).
    align_min
        ``patron_align`` threshold (default: the ``alt_patrons = 1`` reference level).
    years
        Covariate years counted (default: after the Cold War, up to the last ODA year).
    """
    from analogcast.data import load_panel
    from analogcast.models.covariates import alt_patrons_levels
    from analogcast.models.design import derived_variable

    panel = load_panel() if panel is None else panel
    sub = panel.sel(year=slice(*years))
    oda = derived_variable(sub, "DT.ODA.ODAT.GN.ZS").transpose("country", "year").values
    pa = derived_variable(sub, "patron_align").transpose("country", "year").values
    if align_min is None:
        align_min = alt_patrons_levels(panel)[1]["patron_align"]
    both = (oda >= aid_min) & (pa >= align_min)
    with np.errstate(invalid="ignore"):
        return {
            "years": list(years),
            "aid_min": aid_min,
            "align_min": float(align_min),
            "country_years_both": int(both.sum()),
            "countries_both": int(both.any(axis=1).sum()),
            "country_years_aid_known": int(np.isfinite(oda).sum()),
            "country_years_align_known": int(np.isfinite(pa).sum()),
            "country_years_both_known": int((np.isfinite(oda) & np.isfinite(pa)).sum()),
        }


def identification_sentence(ident: dict | None = None) -> str:
    """One sentence on the country-years behind the aid x alignment term (the shipped data by default)."""
    ident = identification_summary() if ident is None else ident
    return (
        f"Aid at or above {ident['aid_min']:g}% of GNI together with UN-vote alignment with China/Russia at or "
        f"above the 'alternative patrons' level ({ident['align_min']:.2f}) occurs in {ident['country_years_both']} "
        f"country-years ({ident['countries_both']} countries) in {ident['years'][0]}-{ident['years'][1]}, out of "
        f"{ident['country_years_both_known']} with both measured; the aid x alignment term rests on these and, "
        "beyond them, on its prior. Chinese finance is measured only from 2000, UN votes only to 2019 and ODA only "
        "to 2019."
    )


def _fmt(r: pd.Series) -> str:
    return f"{r['estimate']:+.2f} (SE {r['se']:.2f})"


def aid_check_sentences(checks: pd.DataFrame, ident: dict | None = None) -> list[str]:
    """Alias of :func:`assumption_sentences` (the name exported by ``analogcast.evaluation``)."""
    return assumption_sentences(checks, ident)


def assumption_sentences(checks: pd.DataFrame, ident: dict | None = None) -> list[str]:
    """Plain sentences for the report's assumptions section, from :func:`run_aid_checks` output.

    Estimates are logit coefficients per SD of ``log1p(ODA % of GNI)`` from the cheap penalised
    logit with year, region and space fixed effects, clustered SEs.
    """
    out = ["Checks of the aid terms use a quick penalised logit with the model's covariates and year, "
           "region and space fixed effects (coefficients per SD of log aid, country-clustered SEs); "
           "they test the model's assumptions, they are not the model."]
    pl = checks[(checks.check == "placebo_lead3") & (checks.term == "aid_lead3")]
    for _, r in pl.iterrows():
        verdict = "consistent with no association, as it should be" if abs(r["z"]) < 1.96 else (
            "NOT null: part of the aid association may reflect what moves with aid over time rather than aid")
        out.append(f"Placebo: aid three years after the outcome 'predicts' {r['outcome']}s with {_fmt(r)}, "
                   f"{verdict} ({r['n_rows']:,} rows, {r['subset']}).")
    st = checks[checks.check == "stability"]
    for o in dict.fromkeys(st["outcome"]):
        sub = st[st.outcome == o]
        txt = "; ".join(f"{r['subset']}: {_fmt(r)}" for _, r in sub.iterrows())
        out.append(f"Stability of the average aid association with {o}s across sub-periods: {txt}.")
    lo = checks[(checks.check == "loro") & (checks.subset != "all") & (checks.term == "aid")]
    for o in dict.fromkeys(lo["outcome"]):
        sub = lo[lo.outcome == o]
        full = checks[(checks.check == "loro") & (checks.subset == "all") & (checks.term == "aid") & (checks.outcome == o)]
        base = f"{_fmt(full.iloc[0])} with all regions; " if len(full) else ""
        out.append(f"Leaving one region out, the aid coefficient for {o}s ranges from {sub['estimate'].min():+.2f} "
                   f"to {sub['estimate'].max():+.2f} ({base}sign {'stable' if (np.sign(sub['estimate']).nunique() == 1) else 'NOT stable'}).")
    if ident:
        out.append(identification_sentence(ident))
    return out


# -- kept results (analogcast.evaluation.kept) ---------------------------------------------------------


def write_kept_checks(directory: str | None = None) -> dict:
    """Run :func:`run_aid_checks` and :func:`identification_summary` on the shipped data and keep
    them (``aid_checks.csv`` and ``aid_checks.json`` with the data hash), atomically."""
    from analogcast.evaluation.kept import write_kept

    checks = run_aid_checks()
    meta = {"producer": "analogcast.evaluation.aid_checks.write_kept_checks",
            "identification": identification_summary(), "rows": len(checks)}
    return write_kept("aid_checks", meta, checks.to_csv(index=False, float_format="%.6g"), directory)


def kept_checks(data_sha256: str | None) -> tuple[pd.DataFrame | None, dict, str]:
    """The kept checks if they were computed on the data with hash ``data_sha256``.

    Returns
    -------
    (checks, meta, reason)
        ``checks`` is ``None`` when nothing is kept or the hashes differ; ``reason`` then says why
        in one sentence (for the report).
    """
    import io

    from analogcast.evaluation.kept import kept_file, read_kept

    meta, reason = read_kept("aid_checks", data_sha256)
    if meta is None:
        return None, {}, reason
    try:
        text = kept_file("aid_checks.csv").read_text(encoding="utf-8")
    except OSError:
        return None, meta, "The kept aid checks table is missing (`make aid-checks`)."
    return pd.read_csv(io.StringIO(text)), meta, ""


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analogcast.evaluation.aid_checks``: recompute and keep the checks."""
    import argparse

    ap = argparse.ArgumentParser(description="Recompute the aid checks on the shipped data and keep them.")
    ap.add_argument("--out", default=None, help="directory (default: the package's evaluation/files)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    meta = write_kept_checks(args.out)
    print(f"kept {meta['rows']} estimates for data {meta['data_sha256'][:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

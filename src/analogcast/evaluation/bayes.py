"""The Bayesian model of the backtest: a hierarchical logit of the two-year event label.

Why a backtest-specific model
-----------------------------
``analogcast.models.event_logit`` is built around one target country (its ``theta[s, d]`` carries
the analogy prior). A backtest forecasts every country from every origin, ~170 x 16 x 14 rows, so
this module fits, per origin, space and direction, the partially pooled logit of METHODS §2 on the
two-year label that the Barometer forecasts (so no hazard-to-window conversion is needed):

    logit P(y[c, r] = 1) = a + v[region(c)] + u[c] + x[c, r] . beta + sum_j f_j(x_own_j[c, r])
    v[k] = sigma_v * zv[k],  u[c] = sigma_u * zu[c]      (non-centred)
    f_j(x) = Z_j(x) . w_j,  w_j = lambda_j * wz_j        (penalised splines, one scale each)
    a ~ Normal(logit(base rate), 1.5);  beta ~ Normal(0, tau);  tau, sigma_v, sigma_u ~ HalfNormal
    lambda_j ~ HalfNormal(1);  wz_j ~ Normal(0, 1)

``x`` is the feature table of :mod:`analogcast.evaluation.features`, standardised on the training
rows only; a missing value becomes 0 (the training mean) and gets an explicit missingness
indicator column (METHODS §2: never fill silently). A country without training rows draws ``u``
from its population ``Normal(0, sigma_u)``, once per posterior draw.

The smooth terms ``f_j`` (variant ``"gam"``, the default) are Bayesian P-splines
(:mod:`analogcast.evaluation.smooth`) of the forecast space's own level, 1-year and 3-year
change: the event rule is a threshold on the change of a bounded index, so its probability is
non-linear in these (events are rare at the ends of the scale, and a large recent move raises the
chance of a further one). Knots, centring and scaling come from the training rows only. Each term
has its own smoothing scale ``lambda_j``; ``lambda_j -> 0`` is the linear model. The first
model's single squared own-level column (variant ``"linear"``) is kept for comparison.

Inference
---------
``method="nutpie"`` (default): nutpie's NUTS, few draws and ``target_accept=0.9`` (see :data:`FAST`);
chains run in ``threads`` parallel threads (same draws whatever the number).
``method="advi"``: PyMC mean-field ADVI. ``method="nuts"``: the reference, nutpie with 1,000
tuning and 1,000 draws per chain; ``bench/bench_backtest.py`` compares the fast settings with it
on a subset of origins (mean absolute difference of forecast probabilities). The forecast is the
posterior mean of the probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analogcast.evaluation.protocol import OriginSet

__all__ = [
    "Design",
    "design",
    "fit_predict",
    "METHODS",
    "VARIANTS",
    "SMOOTH_TERMS",
    "FAST",
    "REFERENCE",
]

METHODS: tuple[str, ...] = ("nutpie", "advi", "nuts")
#: ``gam``: smooth own-space terms (default); ``linear``: the first model (own level
#: squared), kept for comparison.
VARIANTS: tuple[str, ...] = ("gam", "linear")
#: own-space features with a penalised-spline smooth (``<term>_<space>``) in the ``gam`` variant
SMOOTH_TERMS: tuple[str, ...] = ("lvl", "d1", "d3")
#: interior knots per smooth (4 -> 6 penalised columns per term)
N_INTERIOR = 4

#: fast nutpie settings used for backtest scores. ``target_accept`` 0.9 (nutpie's default is 0.8):
#: at 0.8, 149 of 224 fits of the 2005-2020 strict backtest had divergences (555 in all, from the
#: hierarchical scales); on the six worst of them 0.9 left none, for about 5% more time.
FAST: dict[str, float] = {"chains": 2, "tune": 200, "draws": 150, "target_accept": 0.9}
#: reference NUTS settings (METHODS §5 sizes)
REFERENCE: dict[str, float] = {"chains": 2, "tune": 1000, "draws": 1000, "target_accept": 0.9}


@dataclass(frozen=True)
class Design:
    """Standardised design of one fit: training matrix, forecast matrix, groups.

    The shapes other than the number of rows are the same for every origin and space (all
    feature columns, all missingness indicators, every panel country, regions 0-6), so one
    compiled model serves every fit of a process (:func:`fit_predict` swaps the data in).
    """

    x: np.ndarray
    y: np.ndarray
    country: np.ndarray
    region: np.ndarray
    x_test: np.ndarray
    country_test: np.ndarray
    region_test: np.ndarray
    n_country: int
    n_region: int
    columns: tuple[str, ...]
    variant: str = "linear"
    z: np.ndarray | None = None  # smooth columns (training rows)
    z_test: np.ndarray | None = None
    smooth_of: np.ndarray | None = None  # smooth column -> term index
    n_smooth: int = 0

    @property
    def key(self) -> tuple[object, ...]:
        """Everything but the number of rows that fixes the compiled model's shapes."""
        nz = 0 if self.z is None else self.z.shape[1]
        return (self.variant, len(self.columns), self.n_country, self.n_region, nz)


N_REGION = 7  # V-Dem regions 1-6, 0 = unknown


def design(data: OriginSet, direction: str, variant: str = "gam") -> Design:
    """Build the standardised design of ``data`` for ``direction`` (training rows only for scaling).

    ``variant="gam"`` adds the penalised-spline columns of the own space's level, 1- and 3-year
    change (:mod:`analogcast.evaluation.smooth`, knots from training rows) and drops the own
    level's square; ``"linear"`` is the first model.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    own = f"lvl_{data.space}"
    cols = [c for c in data.features if c != "region"]
    y_all = data.train[f"y_{direction}"]
    ok = y_all.notna().to_numpy()
    tr = data.train.loc[ok]

    def matrix(df: pd.DataFrame) -> pd.DataFrame:
        m = df[cols].astype(float).copy()
        if variant == "linear":
            m["own_lvl_sq"] = m[own] ** 2
        return m

    mtr, mte = matrix(tr), matrix(data.test)
    centre = mtr.mean().fillna(0.0)
    scale = mtr.std().replace(0.0, 1.0).fillna(1.0)
    ztr = ((mtr - centre) / scale).fillna(0.0)
    zte = ((mte - centre) / scale).fillna(0.0)
    # explicit missingness indicators (fixed width, so one compiled model serves every fit):
    # one per optional covariate, one for the space indices (missing only at series starts)
    space_cols = [c for c in cols if c.split("_", 1)[0] in ("lvl", "d1", "d3")]
    for c in [c for c in cols if c not in space_cols and not c.startswith("prev_")]:
        ztr[f"miss_{c}"] = mtr[c].isna().astype(float)
        zte[f"miss_{c}"] = mte[c].isna().astype(float)
    for name, cs in (
        ("miss_spaces", space_cols),
        ("miss_prev", [c for c in cols if c.startswith("prev_")]),
    ):
        ztr[name] = mtr[cs].isna().any(axis=1).astype(float)
        zte[name] = mte[cs].isna().any(axis=1).astype(float)
    universe = pd.Index(
        data.meta.get("countries", data.train.index.get_level_values("country").unique())
    )
    c_tr = universe.get_indexer(tr.index.get_level_values("country"))
    c_te = universe.get_indexer(data.test.index.get_level_values("country"))
    reg_tr = np.nan_to_num(tr["region"].to_numpy(dtype=float), nan=0.0).astype(int)
    reg_te = np.nan_to_num(data.test["region"].to_numpy(dtype=float), nan=0.0).astype(int)
    extra: dict[str, object] = {}
    if variant == "gam":
        extra = _gam_parts(data, tr)
    return Design(
        x=ztr.to_numpy(float),
        y=y_all.to_numpy(float)[ok],
        country=c_tr,
        region=reg_tr,
        x_test=zte.to_numpy(float),
        country_test=c_te,
        region_test=reg_te,
        n_country=len(universe),
        n_region=N_REGION,
        columns=tuple(ztr.columns),
        variant=variant,
        **extra,  # type: ignore[arg-type]
    )


def _gam_parts(data: OriginSet, tr: pd.DataFrame) -> dict[str, object]:
    """Smooth columns of the own space's features, fitted on the training rows ``tr`` only."""
    from analogcast.evaluation.smooth import fit_basis

    n_per = N_INTERIOR + 2  # penalised columns of a cubic P-spline with N_INTERIOR knots
    zs, zts, of = [], [], []
    for j, term in enumerate(SMOOTH_TERMS):
        col = f"{term}_{data.space}"
        try:
            basis = fit_basis(tr[col].to_numpy(float), n_interior=N_INTERIOR)
            z, zt = basis(tr[col].to_numpy(float)), basis(data.test[col].to_numpy(float))
        except ValueError:  # too few distinct training values: no smooth (fixed width)
            z, zt = np.zeros((len(tr), n_per)), np.zeros((len(data.test), n_per))
        zs.append(z)
        zts.append(zt)
        of += [j] * z.shape[1]
    return {
        "z": np.hstack(zs),
        "z_test": np.hstack(zts),
        "smooth_of": np.asarray(of, int),
        "n_smooth": len(SMOOTH_TERMS),
    }


def _base_logit(d: Design) -> float:
    """Logit of the training base rate (clipped to 1-99%): the intercept's prior mean."""
    base = float(np.clip(d.y.mean(), 0.01, 0.99))
    return float(np.log(base / (1 - base)))


def build(d: Design):  # -> pm.Model
    """The PyMC model of a :class:`Design` (never samples); data enter as ``pm.Data``."""
    import pymc as pm

    coords = {
        "covariate": list(d.columns),
        "region_id": np.arange(d.n_region),
        "country_id": np.arange(d.n_country),
    }
    with pm.Model(coords=coords) as model:
        x = pm.Data("x", d.x)
        y = pm.Data("y_obs", d.y)
        cidx = pm.Data("cidx", d.country)
        ridx = pm.Data("ridx", d.region)
        mu_a = pm.Data("mu_a", _base_logit(d))
        # non-centred on purpose: the initial point of ``a ~ Normal(mu_a, 1.5)`` would be this
        # design's ``mu_a``, frozen into the compiled model by the first design a process fits, so
        # a later design's chains (swapped in by ``with_data``) would start from another point and
        # the forecasts would depend on which worker ran which task first
        a_z = pm.Normal("a_z", 0.0, 1.0)
        a = pm.Deterministic("a", mu_a + 1.5 * a_z)
        tau = pm.HalfNormal("tau", 0.5)
        beta_z = pm.Normal("beta_z", 0.0, 1.0, dims="covariate")
        beta = pm.Deterministic("beta", tau * beta_z, dims="covariate")
        sigma_v = pm.HalfNormal("sigma_v", 0.5)
        zv = pm.Normal("zv", 0.0, 1.0, dims="region_id")
        sigma_u = pm.HalfNormal("sigma_u", 1.0)
        zu = pm.Normal("zu", 0.0, 1.0, dims="country_id")
        eta = a + sigma_v * zv[ridx] + sigma_u * zu[cidx] + pm.math.dot(x, beta)
        if d.variant == "gam":
            eta = eta + _gam_terms(d, model)
        pm.Bernoulli("y", logit_p=eta, observed=y, shape=x.shape[0])
    return model


def _gam_terms(d: Design, model):  # -> pytensor expression added to eta
    """Smooth terms: penalised-spline columns, one half-normal smoothing scale per term."""
    import pymc as pm

    assert d.z is not None and d.smooth_of is not None
    model.add_coords({"smooth_col": np.arange(d.z.shape[1]), "smooth": list(SMOOTH_TERMS)})
    z = pm.Data("z", d.z)
    lam = pm.HalfNormal("lam", 1.0, dims="smooth")
    w_z = pm.Normal("w_z", 0.0, 1.0, dims="smooth_col")
    w = pm.Deterministic("w", lam[d.smooth_of] * w_z, dims="smooth_col")
    return pm.math.dot(z, w)


_COMPILED: dict[tuple[object, ...], object] = {}


def _compiled(d: Design):  # -> nutpie CompiledModel with this design's data
    """One nutpie compilation per process and shape; later fits only swap the data in."""
    import nutpie

    key = d.key
    data = {
        "x": d.x,
        "y_obs": d.y,
        "cidx": d.country,
        "ridx": d.region,
        "mu_a": _base_logit(d),
    }
    if d.variant == "gam":
        data["z"] = d.z
    if key not in _COMPILED:
        from analogcast.models.sampling import exact_numerics

        with exact_numerics():  # draws independent of the compile cache's state
            _COMPILED[key] = nutpie.compile_pymc_model(build(d))
    return _COMPILED[key].with_data(**data)


def _draws(idata_post, name: str) -> np.ndarray:
    v = idata_post[name]
    arr = np.asarray(v.values)
    return arr.reshape(-1, *arr.shape[2:])


def _predict(d: Design, post) -> np.ndarray:
    a = _draws(post, "a")
    beta = _draws(post, "beta")
    sv, zv = _draws(post, "sigma_v"), _draws(post, "zv")
    su, zu = _draws(post, "sigma_u"), _draws(post, "zu")
    # a country with no training rows has zu drawn from its prior: a new country's effect
    eta = (
        a[:, None]
        + (sv[:, None] * zv)[:, d.region_test]
        + (su[:, None] * zu)[:, d.country_test]
        + beta @ d.x_test.T
    )
    if d.variant == "gam":
        eta = eta + _draws(post, "w") @ d.z_test.T
    return (1.0 / (1.0 + np.exp(-eta))).mean(axis=0)


def fit_predict(
    data: OriginSet,
    direction: str,
    seed: int,
    *,
    method: str = "nutpie",
    settings: dict[str, float] | None = None,
    variant: str = "gam",
    threads: int = 1,
) -> tuple[np.ndarray, dict[str, float]]:
    """Fit the hierarchical logit to ``data`` for ``direction`` and forecast its test rows.

    Parameters
    ----------
    data
        One origin's rows (:func:`analogcast.evaluation.protocol.origin_set`).
    direction
        ``"opening"`` or ``"closing"``.
    seed
        Seed of the sampler and of the draws for unseen countries.
    method
        ``"nutpie"`` (fast NUTS, :data:`FAST`), ``"nuts"`` (:data:`REFERENCE`), or ``"advi"``.
    settings
        Override chains / tune / draws (NUTS) or ``n`` iterations and ``draws`` (ADVI).
    variant
        ``"gam"`` (default: smooth own-space terms) or ``"linear"`` (the first model).
    threads
        Chains sampled in parallel threads (at most ``chains``). nutpie's chains are seeded
        independently, so the draws are the same whatever this is; only the wall time changes.

    Returns
    -------
    (p, info)
        Posterior-mean probabilities for ``data.test`` rows and a dict of fit information
        (seconds, diagnostics where available).
    """
    import time

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    d = design(data, direction, variant)
    if d.y.min() == d.y.max():
        rate = (d.y.sum() + 0.5) / (d.y.size + 1.0)
        return np.full(d.x_test.shape[0], rate), {"seconds": 0.0, "degenerate": 1.0}
    t0 = time.perf_counter()
    info: dict[str, float] = {}
    if method in ("nutpie", "nuts"):
        import nutpie

        cfg = dict(FAST if method == "nutpie" else REFERENCE)
        cfg.update(settings or {})
        compiled = _compiled(d)
        t1 = time.perf_counter()
        chains = int(cfg["chains"])
        trace = nutpie.sample(
            compiled,
            draws=int(cfg["draws"]),
            tune=int(cfg["tune"]),
            chains=chains,
            seed=int(seed % (2**63)),
            target_accept=float(cfg.get("target_accept", 0.8)),
            progress_bar=False,
            cores=max(1, min(int(threads), chains)),
        )
        post = trace.posterior
        info["compile_seconds"] = t1 - t0
        try:
            info["divergences"] = float(np.asarray(trace.sample_stats["diverging"]).sum())
        except (KeyError, AttributeError):
            pass
    else:
        import pymc as pm

        cfg = {"n": 20000, "draws": 500}
        cfg.update(settings or {})
        cfg = {k: int(v) for k, v in cfg.items()}
        from analogcast.models.sampling import exact_numerics

        with build(d), exact_numerics():
            approx = pm.fit(
                n=cfg["n"], method="advi", random_seed=int(seed % (2**32)), progressbar=False
            )
            idata = approx.sample(cfg["draws"], random_seed=int((seed + 1) % (2**32)))
        post = idata.posterior
    p = _predict(d, post)
    info["seconds"] = time.perf_counter() - t0
    return p, info

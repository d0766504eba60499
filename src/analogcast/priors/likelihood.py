"""Exact binomial likelihoods of analog counts, and the MAP / power priors computed on a grid.

Each analog's evidence for space ``s`` and direction ``d`` is ``x`` event years in ``n`` coded
years. Events come in multi-year episodes, so counts are divided by the design effect ``D`` (the
mean episode length, :func:`analogcast.priors.evidence.design_effects`): the analog's likelihood
for the target-scale parameter ``theta`` is the binomial

``L_j(theta) = p^(x_j / D) (1 - p)^((n_j - x_j) / D)``,  ``p = logistic(theta / kappa)``

raised to the analog's power ``a_j = discount * w_j / max(w)``. It is evaluated exactly, so a zero
count keeps what it says (rates above a few per cent are unlikely) instead of becoming the nearly
flat normal of the old delta method. ``kappa`` (>= 1) puts the analog's mean yearly rate on the
model's scale (:mod:`analogcast.priors.calibration`): ``theta`` is the mean of the logit hazard
over a country's years, and by the logistic-normal approximation the mean rate is
``logistic(theta / kappa)``.

MAP
    ``theta_j ~ N(mu, tau^2)`` with ``tau`` integrated by tanh-sinh quadrature over its prior and
    ``mu ~ N(m0, s0^2)`` (weakly informative, centred on the pooled rate of all countries; needed
    because a zero-count likelihood is flat as ``theta -> -inf``). Every integral is a sum on a
    uniform grid of ``theta`` (the normal kernel integrated exactly over each grid cell, so it stays
    exact as ``tau -> 0``). The predictive of the target's ``theta`` is a density on the grid.
Power
    Jeffreys ``Beta(1/2, 1/2)`` initial prior on ``p`` and the pooled counts raised to ``a_j``: the
    conjugate ``Beta(1/2 + sum a_j x_j / D, 1/2 + sum a_j (n_j - x_j) / D)`` on ``p``, mapped to
    ``theta = kappa logit p`` (METHODS section 3, Beta-Binomial form). Its ESS is exactly
    ``1 + sum a_j n_j / D`` (local-information ELIR), so the borrowed part is linear in the discount.

The grid density is stored as a normal mixture of at most four components fitted by EM to the grid
mass (:func:`fit_mixture`; mean and variance are matched exactly, the KL lost is reported).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from analogcast.errors import UserInputError
from analogcast.priors.methods import TauPrior, _unit_interval_rule, _weighted_quantile
from analogcast.priors.mixture import NormalMixture

__all__ = [
    "Grid",
    "GridDensity",
    "count_loglik",
    "grid_map",
    "grid_power",
    "fit_mixture",
    "MU_PRIOR_SD",
]

MU_PRIOR_SD: float = 2.0
"""SD of the MAP's population-mean prior ``mu ~ N(m0, 2^2)`` (logit scale): the unit-information
scale of a Bernoulli at p = 0.5, the usual weakly informative choice (RBesT's default for binomial
data); m0 is the pooled rate of all countries on the model's scale."""


@dataclass(frozen=True)
class Grid:
    """Uniform grid on the logit scale (cell width ``step``)."""

    lo: float = -14.0
    hi: float = 7.0
    step: float = 0.05

    @property
    def points(self) -> np.ndarray:
        """Cell centres."""
        n = int(round((self.hi - self.lo) / self.step)) + 1
        return self.lo + self.step * np.arange(n)


@dataclass(frozen=True)
class GridDensity:
    """A density on a grid (``mass`` sums to 1) and, for MAP, the posterior of tau."""

    theta: np.ndarray
    mass: np.ndarray
    tau_median: float | None = None
    tau_lower: float | None = None
    tau_upper: float | None = None

    def mean(self) -> float:
        """Mean of theta."""
        return float(np.sum(self.mass * self.theta))

    def expect(self, f) -> float:  # type: ignore[no-untyped-def]
        """``E[f(theta)]``."""
        return float(np.sum(self.mass * f(self.theta)))

    def update(self, x: float, n: float, kappa: float = 1.0) -> GridDensity:
        """Posterior after ``x`` events in ``n`` yearly Bernoulli trials at rate logistic(theta / kappa)."""
        lp = np.log(np.maximum(self.mass, 1e-300)) + count_loglik(self.theta, x, n, kappa)
        w = np.exp(lp - lp.max())
        return GridDensity(self.theta, w / w.sum())


def count_loglik(theta: np.ndarray, x: float, n: float, kappa: float = 1.0) -> np.ndarray:
    """``x log p + (n - x) log(1 - p)``, ``p = logistic(theta / kappa)`` (no constant; x, n may be fractional)."""
    if not (n >= 0 and 0 <= x <= n):
        raise UserInputError(f"need 0 <= events <= years (got events = {x}, years = {n})")
    t = np.asarray(theta, dtype=float) / kappa
    return -x * np.logaddexp(0.0, -t) - (n - x) * np.logaddexp(0.0, t)


def _kernel(g: int, step: float, tau: float) -> np.ndarray:
    """``k[j] = P(theta - mu in the cell at offset (j - g + 1) step | tau)``, j = 0..2g-2.

    Symmetric; a unit spike at tau = 0, so the MAP stays exact as tau -> 0.
    """
    off = step * np.arange(-(g - 1), g)
    if tau <= 1e-9 * step:
        return (np.abs(off) < 0.5 * step).astype(float)
    return special.ndtr((off + 0.5 * step) / tau) - special.ndtr((off - 0.5 * step) / tau)


def _smooth(v: np.ndarray, kern: np.ndarray) -> np.ndarray:
    """``out[i] = sum_k v[k] kern[k - i + g - 1]`` (the kernel matrix product, as a convolution)."""
    g = v.size
    return np.convolve(v, kern)[g - 1 : 2 * g - 1]


def grid_map(
    logliks: Sequence[np.ndarray],
    tau_prior: TauPrior,
    grid: Grid,
    mu_prior: tuple[float, float] | None,
    tau_step: float = 0.25,
) -> GridDensity:
    """MAP predictive of a new ``theta`` from per-analog log likelihoods on ``grid.points``.

    Parameters
    ----------
    logliks
        One array per analog, its (already powered) log likelihood at each grid point.
    tau_prior
        Heterogeneity prior (``fixed`` gives one node).
    grid
        The grid (also the grid of ``mu``).
    mu_prior
        ``(mean, sd)`` of the normal prior on ``mu``; None for flat on the grid.
    tau_step
        Step of the tanh-sinh rule on tau's prior probability scale.
    """
    th = grid.points
    g = th.size
    if not logliks:
        raise UserInputError("MAP needs at least one analog")
    L = np.stack([np.exp(lv - np.max(lv)) for lv in logliks], axis=1)  # (G, J)
    if tau_prior.kind == "fixed":
        u, gw = np.array([0.5]), np.array([1.0])
        taus = np.array([tau_prior.scale])
    else:
        u, gw = _unit_interval_rule(tau_step)
        taus = tau_prior.ppf(u)
    log_mu = (
        np.zeros(g)
        if mu_prior is None
        else -0.5 * ((th - mu_prior[0]) / mu_prior[1]) ** 2
    )
    logpost = np.empty((taus.size, g))
    kernels = []
    for t, tau in enumerate(taus):
        kern = _kernel(g, grid.step, float(tau))
        kernels.append(kern)
        # (G, J): marginal likelihood of each analog given mu = th[i]
        m = np.stack([_smooth(L[:, j], kern) for j in range(L.shape[1])], axis=1)
        with np.errstate(divide="ignore"):
            logpost[t] = np.log(gw[t]) + log_mu + np.log(np.maximum(m, 1e-300)).sum(axis=1)
    post = np.exp(logpost - logpost.max())
    post /= post.sum()
    dens = np.zeros(g)
    for t, kern in enumerate(kernels):
        if post[t].max() > 1e-300:
            dens += _smooth(post[t], kern)
    dens /= dens.sum()
    if tau_prior.kind == "fixed":
        med = lo = hi = float(tau_prior.scale)
    else:
        pt_ = post.sum(axis=1)
        med, lo, hi = (
            float(tau_prior.ppf(np.asarray(_weighted_quantile(u, pt_, q)))) for q in (0.5, 0.055, 0.945)
        )
    return GridDensity(th, dens, med, lo, hi)


def grid_power(x_eff: float, n_eff: float, grid: Grid, kappa: float = 1.0) -> GridDensity:
    """``theta = kappa logit p``, ``p ~ Beta(1/2 + x_eff, 1/2 + n_eff - x_eff)``, on the grid."""
    a, b = 0.5 + x_eff, 0.5 + (n_eff - x_eff)
    th = grid.points
    lp = count_loglik(th, a, a + b, kappa)  # logit-Beta density up to a constant
    w = np.exp(lp - lp.max())
    return GridDensity(th, w / w.sum())


def fit_mixture(
    dens: GridDensity, k: int = 4, label: str = "map", steps: int = 150
) -> tuple[NormalMixture, float]:
    """A ``k``-component normal mixture fitted by EM to the grid mass, and ``KL(grid || mixture)``.

    Started from components at the 10/37/63/90 % quantiles; each EM step keeps the mixture's mean
    and variance equal to the grid's (responsibilities sum to one at every point).
    """
    t, mass = dens.theta, dens.mass
    keep = mass > 1e-14 * mass.max()
    t, mass = t[keep], mass[keep] / mass[keep].sum()
    mu0 = float(np.sum(mass * t))
    sd0 = math.sqrt(max(float(np.sum(mass * (t - mu0) ** 2)), 1e-12))
    if k == 1 or t.size < 8:
        return NormalMixture.normal(mu0, sd0, label), 0.0
    cdf = np.cumsum(mass)
    qs = np.linspace(0.1, 0.9, k)
    m = np.interp(qs, cdf, t)
    s = np.full(k, sd0 / k + 1e-3)
    w = np.full(k, 1.0 / k)
    last = -np.inf
    for _ in range(steps):
        lt = np.log(w) - np.log(s) - 0.5 * ((t[:, None] - m) / s) ** 2
        top = lt.max(axis=1, keepdims=True)
        e = np.exp(lt - top)
        tot = e.sum(axis=1, keepdims=True)
        ll = float(np.sum(mass * (np.log(tot[:, 0]) + top[:, 0])))
        r = e / tot * mass[:, None]
        nk = r.sum(axis=0)
        if np.any(nk < 1e-10):
            live = nk >= 1e-10
            w, m, s = w[live] / w[live].sum(), m[live], s[live]
            continue
        if ll - last < 1e-8:
            break
        last = ll
        m = (r * t[:, None]).sum(axis=0) / nk
        s = np.sqrt(np.maximum((r * (t[:, None] - m) ** 2).sum(axis=0) / nk, 1e-8))
        w = nk / nk.sum()
    order = np.argsort(-w, kind="stable")
    mix = NormalMixture(tuple(w[order]), tuple(m[order]), tuple(s[order]), (label,) * len(w))
    # KL(grid || mix) with the grid as a density (cell mass / step)
    step = float(dens.theta[1] - dens.theta[0])
    kl = float(np.sum(mass * (np.log(mass / step) - mix.logpdf(t))))
    return mix, max(0.0, kl)

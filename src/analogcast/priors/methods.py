"""Borrowing methods: MAP (tau quadrature), power prior, robust MAP, and the weakly-informative default.

All work on the logit yearly hazard ``theta`` and take each analog's evidence as an estimate
``theta_hat_j`` with standard error ``se_j`` (see :mod:`analogcast.priors.evidence`). Discounts are
applied by the caller through :func:`discounted_se` (the analog's likelihood raised to a power
``a0 * w_j``, i.e. its variance divided by that power), so every method sees already-discounted
evidence.

MAP (Neuenschwander et al. 2010)
    ``theta_hat_j ~ N(theta_j, se_j^2)``, ``theta_j, theta_target ~ N(mu, tau^2)``, flat prior on ``mu``,
    ``tau`` from :class:`TauPrior`. Given ``tau`` the predictive of ``theta_target`` is normal,
    ``N(sum v_j theta_hat_j / sum v_j, tau^2 + 1 / sum v_j)`` with ``v_j = 1 / (se_j^2 + tau^2)``, and the
    marginal likelihood of ``tau`` is ``(sum v)^{-1/2} prod v_j^{1/2} exp(-Q/2)`` with ``Q`` the weighted
    residual sum of squares. Integrating ``tau`` out by tanh-sinh quadrature on the prior's
    probability scale (``tau = F^{-1}(u)``) gives the exact predictive as a scale/location mixture of
    normals, one component per node; :func:`~analogcast.priors.mixture.reduce_mixture` stores it in at
    most 4 components (moment-preserving; the KL divergence lost is reported).
Power prior (Ibrahim and Chen 2000)
    Flat initial prior, pooled normal likelihoods raised to ``a0``: ``N(theta_pool, 1 / (a0 sum 1/se_j^2))``.
Robust MAP (Schmidli et al. 2014)
    ``(1 - w) MAP + w N(E_MAP[theta], 1 / (p_ref (1 - p_ref)))``: the vague part carries one
    country-year of information at the MAP's reference rate ``p_ref = logistic(E_MAP[theta])``.
None
    ``N(logit(global base rate), 1.5^2)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special, stats

from analogcast.errors import UserInputError
from analogcast.priors.mixture import NormalMixture, kl_divergence, reduce_mixture

__all__ = [
    "METHODS",
    "TauPrior",
    "MapResult",
    "map_prior",
    "map_known_tau",
    "power_prior",
    "robustify",
    "vague_prior",
    "discounted_se",
    "DEFAULT_TAU_SCALE",
    "NONE_SD",
]

METHODS: tuple[str, ...] = ("map", "power", "robust_map", "none")

DEFAULT_TAU_SCALE: float = 1.0
"""Default half-normal scale of tau (logit scale). Between-country spread of yearly event hazards
is large: HalfNormal(1) puts median tau at 0.67 and 89% below 1.6 (Neuenschwander et al.'s
"large" heterogeneity band 0.5-1), so two analogs can never imply near-complete pooling."""

NONE_SD: float = 1.5
"""Standard deviation of the weakly-informative default ``N(logit(base rate), 1.5^2)``."""


@dataclass(frozen=True)
class TauPrior:
    """Prior on the between-analog standard deviation ``tau`` (logit scale).

    Parameters
    ----------
    kind
        ``"halfnormal"`` (default, as RBesT's ``tau.dist = "HalfNormal"``), ``"halfcauchy"`` or
        ``"fixed"`` (a point mass: known tau).
    scale
        Half-normal / half-Cauchy scale, or the fixed value of tau (>= 0; must be > 0 unless fixed).
    """

    kind: Literal["halfnormal", "halfcauchy", "fixed"] = "halfnormal"
    scale: float = DEFAULT_TAU_SCALE

    def __post_init__(self) -> None:
        if self.kind not in ("halfnormal", "halfcauchy", "fixed"):
            raise UserInputError(
                f"tau prior kind = {self.kind!r} is not one of 'halfnormal', 'halfcauchy', 'fixed'"
            )
        scale = float(self.scale)
        if not math.isfinite(scale) or scale < 0 or (scale == 0 and self.kind != "fixed"):
            raise UserInputError(f"tau prior scale = {self.scale} must be > 0 (>= 0 when fixed)")
        object.__setattr__(self, "scale", scale)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function of the prior."""
        if self.kind == "halfnormal":
            return self.scale * stats.halfnorm.ppf(u)
        if self.kind == "halfcauchy":
            return self.scale * stats.halfcauchy.ppf(u)
        return np.full_like(np.asarray(u, dtype=float), self.scale)

    def __str__(self) -> str:
        names = {"halfnormal": "HalfNormal", "halfcauchy": "HalfCauchy", "fixed": "Fixed"}
        return f"{names[self.kind]}({self.scale:g})"

    @classmethod
    def parse(cls, text: str) -> TauPrior:
        """Read ``"HalfNormal(1)"``, ``"halfcauchy(0.5)"``, ``"fixed(0.3)"`` or a bare number (half-normal scale)."""
        t = str(text).strip()
        try:
            return cls("halfnormal", float(t))
        except ValueError:
            pass
        low = t.lower().replace(" ", "")
        for kind in ("halfnormal", "halfcauchy", "fixed"):
            if low.startswith(kind + "(") and low.endswith(")"):
                try:
                    return cls(kind, float(low[len(kind) + 1 : -1]))  # type: ignore[arg-type]
                except ValueError:
                    break
        raise UserInputError(
            f"tau prior = {text!r} is not understood; use e.g. 'HalfNormal(1)', 'HalfCauchy(0.5)' or 'Fixed(0.3)'"
        )


@dataclass(frozen=True)
class MapResult:
    """A MAP prior: compressed mixture, the exact quadrature mixture, and what tau did.

    Attributes
    ----------
    mixture
        At most ``k`` components (what is stored and used).
    exact
        The quadrature scale mixture (one component per tau node).
    tau_median, tau_lower, tau_upper
        Posterior median and 89% interval of tau given the analogs.
    compression_kl
        ``KL(exact || mixture)`` in nats.
    """

    mixture: NormalMixture
    exact: NormalMixture
    tau_median: float
    tau_lower: float
    tau_upper: float
    compression_kl: float


def _check_evidence(
    theta_hat: Sequence[float], se: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(theta_hat, dtype=float).ravel()
    s = np.asarray(se, dtype=float).ravel()
    if y.size == 0 or y.size != s.size:
        raise UserInputError(
            f"need one se per estimate and at least one analog (got {y.size} and {s.size})"
        )
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise UserInputError(f"analog estimates must be finite with se > 0 (theta_hat={y}, se={s})")
    return y, s


def discounted_se(
    se: Sequence[float], discount: float = 1.0, weights: Sequence[float] | None = None
) -> np.ndarray:
    """Standard errors after raising each analog's likelihood to the power ``discount * w_j / max(w)``.

    A normal likelihood ``N(theta_hat, se^2)`` raised to ``a`` is ``N(theta_hat, se^2 / a)``, so the
    information ``1 / se^2`` is multiplied by ``a``. Analog weights are normalised so the largest
    is 1 (that analog is discounted by ``discount`` only); a weight of 0 removes the analog (its se
    becomes infinite, which callers must drop).
    """
    s = np.asarray(se, dtype=float)
    if not 0.0 < discount <= 1.0:
        raise UserInputError(f"discount = {discount} is outside (0, 1]; use e.g. --discount 0.5")
    if weights is None:
        a = np.full(s.shape, float(discount))
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != s.shape or np.any(~np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
            raise UserInputError(
                f"analog weights = {list(w)} must be >= 0, one per analog, not all 0"
            )
        a = discount * w / w.max()
    with np.errstate(divide="ignore"):
        return np.where(a > 0, s / np.sqrt(a), np.inf)


def map_known_tau(
    theta_hat: Sequence[float], se: Sequence[float], tau: float
) -> tuple[float, float]:
    """Analytic MAP predictive for known ``tau``: ``(mean, variance)``.

    ``mean = sum v_j theta_hat_j / sum v_j``, ``var = tau^2 + 1 / sum v_j``, ``v_j = 1 / (se_j^2 + tau^2)``.
    """
    y, s = _check_evidence(theta_hat, se)
    v = 1.0 / (s**2 + tau**2)
    return float(np.sum(v * y) / np.sum(v)), float(tau**2 + 1.0 / np.sum(v))


def _unit_interval_rule(h: float = 0.125, t_max: float = 3.5) -> tuple[np.ndarray, np.ndarray]:
    """Tanh-sinh nodes and weights on (0, 1): ``u = (1 + tanh(pi/2 sinh t)) / 2``.

    Double-exponential decay of the weights makes the rule converge geometrically even though
    ``tau = F^{-1}(u)`` is singular at ``u = 1``.
    """
    t = np.arange(-t_max, t_max + h / 2, h)
    x = np.pi * np.sinh(t)
    u = special.expit(x)
    w = h * np.pi * np.cosh(t) * special.expit(x) * special.expit(-x)
    keep = (u > 0) & (u < 1) & (w > 0)
    return u[keep], w[keep]


def _weighted_quantile(u: np.ndarray, w: np.ndarray, q: float) -> float:
    """Quantile ``q`` of the node distribution on ``u`` (piecewise-linear cdf through node midpoints)."""
    c = np.cumsum(w) - 0.5 * w
    return float(np.interp(q, c, u))


def map_prior(
    theta_hat: Sequence[float],
    se: Sequence[float],
    tau_prior: TauPrior | None = None,
    k: int | None = 4,
    step: float = 0.125,
    label: str = "map",
) -> MapResult:
    """Meta-analytic-predictive prior for a new country from analog estimates.

    Parameters
    ----------
    theta_hat, se
        Analog estimates and (already discounted) standard errors on the logit scale.
    tau_prior
        Prior on tau; default ``HalfNormal(1.0)``. ``TauPrior("fixed", t)`` gives the analytic normal.
    k
        Components kept after compression; None keeps the exact quadrature mixture.
    step
        Step of the tanh-sinh rule on the prior's probability scale of tau (0.125: 57 nodes,
        predictive mean and variance exact to ~1e-13 against adaptive quadrature).
    label
        Label of the stored components.

    Returns
    -------
    MapResult
    """
    y, s = _check_evidence(theta_hat, se)
    tau_prior = tau_prior or TauPrior()
    if tau_prior.kind == "fixed":
        mean, var = map_known_tau(y, s, tau_prior.scale)
        mix = NormalMixture.normal(mean, math.sqrt(var), label)
        t = tau_prior.scale
        return MapResult(mix, mix, t, t, t, 0.0)
    u, gw = _unit_interval_rule(step)
    tau = tau_prior.ppf(u)
    v = 1.0 / (s[None, :] ** 2 + tau[:, None] ** 2)  # (nodes, J)
    sv = v.sum(axis=1)
    mu_hat = (v * y[None, :]).sum(axis=1) / sv
    q = (v * (y[None, :] - mu_hat[:, None]) ** 2).sum(axis=1)
    loglik = -0.5 * np.log(sv) + 0.5 * np.log(v).sum(axis=1) - 0.5 * q
    logw = np.log(gw) + loglik
    post = np.exp(logw - special.logsumexp(logw))
    live = (
        post > 1e-15 * post.max()
    )  # tanh-sinh end nodes carry ~0 mass (and, for HalfCauchy, huge tau)
    u, tau, sv, mu_hat, post = (
        u[live],
        tau[live],
        sv[live],
        mu_hat[live],
        post[live] / post[live].sum(),
    )
    pred_sd = np.sqrt(tau**2 + 1.0 / sv)
    exact = NormalMixture(tuple(post), tuple(mu_hat), tuple(pred_sd), (label,) * len(post))
    if k is None:
        mix, kl = exact, 0.0
    else:
        mix = reduce_mixture(exact, k=k)
        kl = kl_divergence(exact, mix)
    tau_med, tau_lo, tau_hi = (
        float(tau_prior.ppf(np.asarray(_weighted_quantile(u, post, qq))))
        for qq in (0.5, 0.055, 0.945)
    )
    return MapResult(mix, exact, tau_med, tau_lo, tau_hi, kl)


def power_prior(
    theta_hat: Sequence[float], se: Sequence[float], a0: float = 1.0, label: str = "power"
) -> NormalMixture:
    """Power prior with a flat initial prior: ``N(theta_pool, 1 / (a0 * sum 1 / se_j^2))``.

    ``se`` may already carry per-analog discounts (:func:`discounted_se`); ``a0`` is applied on top.
    """
    y, s = _check_evidence(theta_hat, se)
    if not 0.0 < a0 <= 1.0:
        raise UserInputError(f"discount = {a0} is outside (0, 1]; use e.g. --discount 0.5")
    prec = 1.0 / s**2
    mean = float(np.sum(prec * y) / np.sum(prec))
    return NormalMixture.normal(mean, math.sqrt(1.0 / (a0 * float(np.sum(prec)))), label)


def unit_information_sd(mean: float, kappa: float = 1.0) -> float:
    """SD of a normal on theta carrying one country-year at rate ``logistic(mean / kappa)``."""
    p = float(special.expit(mean / kappa))
    return kappa / math.sqrt(p * (1.0 - p))


def robustify(
    mix: NormalMixture, weight: float, mean: float | None = None, kappa: float = 1.0
) -> NormalMixture:
    """``(1 - weight) mix + weight N(mean, unit_information_sd(mean)^2)`` labelled ``"vague"``.

    Parameters
    ----------
    mix
        The informative prior (its components keep their labels).
    weight
        Prior weight of the vague component, in [0, 1).
    mean
        Centre of the vague component; default the mean of ``mix``.
    kappa
        Scale factor of theta (the vague part carries one country-year at rate logistic(mean / kappa)).
    """
    if not (math.isfinite(weight) and 0.0 <= weight < 1.0):
        raise UserInputError(
            f"robust_weight = {weight} is outside [0, 1); use e.g. --robust-weight 0.2"
        )
    centre = mix.mean() if mean is None else float(mean)
    vague = NormalMixture.normal(centre, unit_information_sd(centre, kappa), "vague")
    if weight == 0.0:
        return mix
    return NormalMixture.combine([(1.0 - weight, mix), (weight, vague)])


def vague_prior(base_rate: float, sd: float = NONE_SD) -> NormalMixture:
    """The weakly-informative default ``N(logit(base_rate), sd^2)`` labelled ``"default"``."""
    if not 0.0 < base_rate < 1.0:
        raise UserInputError(f"base rate = {base_rate} must be inside (0, 1)")
    return NormalMixture.normal(float(special.logit(base_rate)), sd, "default")

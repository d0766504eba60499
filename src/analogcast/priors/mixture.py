"""Finite normal mixtures on the logit scale: the storage format of every analogy prior.

A :class:`NormalMixture` is immutable (tuples inside a frozen dataclass). It knows its density,
the first two derivatives of its log density (needed by the ELIR effective sample size), its
quantiles, and how to draw from itself. Two operations turn one mixture into another:

* :func:`reduce_mixture` compresses a large mixture (e.g. the exact tau-quadrature MAP, a scale
  mixture of many normals) to at most ``k`` components by greedy moment-preserving merges
  (Runnalls 2007, IEEE Trans. Aerospace and Electronic Systems 43(3)), so mean and variance are
  preserved exactly; :func:`kl_divergence` measures what the compression lost.
* :func:`update_mixture` conditions a mixture prior on binomial data (``x`` events in ``n``
  years) with a logit link, by numerical integration per component, and returns the posterior
  mixture whose weights show how the data moved mass between components (the robust-MAP
  prior-data conflict signal of Schmidli et al. 2014).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special, stats

from analogcast.errors import UserInputError

__all__ = [
    "NormalMixture",
    "reduce_mixture",
    "kl_divergence",
    "update_mixture",
    "expect",
    "quadrature_nodes",
]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class NormalMixture:
    """Immutable mixture of normals ``sum_k w_k N(mu_k, sd_k^2)``.

    Parameters
    ----------
    weights, means, sds
        Component weights (non-negative, summing to 1 within 1e-6; stored renormalised),
        means and standard deviations (positive). Stored as tuples of floats.
    labels
        Optional name per component (e.g. ``"map"`` or ``"vague"``); empty means unlabelled.
    """

    weights: tuple[float, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        w = tuple(float(v) for v in np.atleast_1d(np.asarray(self.weights, dtype=float)))
        m = tuple(float(v) for v in np.atleast_1d(np.asarray(self.means, dtype=float)))
        s = tuple(float(v) for v in np.atleast_1d(np.asarray(self.sds, dtype=float)))
        labels = tuple(str(v) for v in self.labels)
        if not (len(w) == len(m) == len(s)) or len(w) == 0:
            raise UserInputError(
                f"mixture needs equally many weights, means and sds (got {len(w)}, {len(m)}, {len(s)})"
            )
        if labels and len(labels) != len(w):
            raise UserInputError(
                f"mixture labels has {len(labels)} entries for {len(w)} components"
            )
        if not all(math.isfinite(v) for v in (*w, *m, *s)):
            raise UserInputError(
                f"mixture parameters must be finite (weights={w}, means={m}, sds={s})"
            )
        if any(v < 0 for v in w):
            raise UserInputError(f"mixture weights must be >= 0 (got {w})")
        if any(v <= 0 for v in s):
            raise UserInputError(f"mixture sds must be > 0 (got {s})")
        total = sum(w)
        if abs(total - 1.0) > 1e-6:
            raise UserInputError(f"mixture weights must sum to 1 (got sum {total:.8g})")
        if abs(total - 1.0) > 1e-12:  # keep given weights bit-for-bit when they already sum to 1
            w = tuple(v / total for v in w)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "means", m)
        object.__setattr__(self, "sds", s)
        object.__setattr__(self, "labels", labels)

    # ------------------------------------------------------------------ construction
    @classmethod
    def normal(cls, mean: float, sd: float, label: str = "") -> NormalMixture:
        """A one-component mixture ``N(mean, sd^2)``."""
        return cls((1.0,), (float(mean),), (float(sd),), (label,) if label else ())

    @classmethod
    def combine(cls, parts: Sequence[tuple[float, NormalMixture]]) -> NormalMixture:
        """The mixture ``sum_i a_i * part_i`` (``a_i`` >= 0 summing to 1), keeping labels."""
        weights: list[float] = []
        means: list[float] = []
        sds: list[float] = []
        labels: list[str] = []
        for a, mix in parts:
            if a <= 0:
                continue
            weights.extend(a * w for w in mix.weights)
            means.extend(mix.means)
            sds.extend(mix.sds)
            labels.extend(mix.labels or ("",) * mix.n_components)
        return cls(tuple(weights), tuple(means), tuple(sds), tuple(labels) if any(labels) else ())

    # ------------------------------------------------------------------ basics
    @property
    def n_components(self) -> int:
        """Number of components."""
        return len(self.weights)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.asarray(self.weights), np.asarray(self.means), np.asarray(self.sds)

    def mean(self) -> float:
        """Mixture mean."""
        w, m, _ = self._arrays()
        return float(np.sum(w * m))

    def var(self) -> float:
        """Mixture variance (law of total variance)."""
        w, m, s = self._arrays()
        mu = np.sum(w * m)
        return float(np.sum(w * (s**2 + (m - mu) ** 2)))

    def sd(self) -> float:
        """Mixture standard deviation."""
        return math.sqrt(self.var())

    def weight_of(self, label: str) -> float:
        """Total weight of the components labelled ``label`` (0.0 if none)."""
        return float(
            sum(w for w, lab in zip(self.weights, self.labels, strict=False) if lab == label)
        )

    def component(self, label: str) -> NormalMixture:
        """The sub-mixture of components labelled ``label``, renormalised."""
        idx = [i for i, lab in enumerate(self.labels) if lab == label]
        if not idx:
            raise UserInputError(
                f"mixture has no component labelled {label!r} (labels: {self.labels})"
            )
        w = np.asarray([self.weights[i] for i in idx])
        return NormalMixture(
            tuple(w / w.sum()),
            tuple(self.means[i] for i in idx),
            tuple(self.sds[i] for i in idx),
            tuple(self.labels[i] for i in idx),
        )

    # ------------------------------------------------------------------ density
    def _log_terms(self, x: np.ndarray) -> np.ndarray:
        """``log w_k + log N(x | mu_k, sd_k)`` with shape ``x.shape + (K,)``."""
        w, m, s = self._arrays()
        z = (x[..., None] - m) / s
        with np.errstate(divide="ignore"):
            logw = np.log(w)
        return logw - np.log(s) - _LOG_SQRT_2PI - 0.5 * z * z

    def logpdf(self, x: float | np.ndarray) -> np.ndarray:
        """Log density at ``x`` (vectorised)."""
        x = np.asarray(x, dtype=float)
        return _logsumexp(self._log_terms(x))

    def pdf(self, x: float | np.ndarray) -> np.ndarray:
        """Density at ``x``."""
        return np.exp(self.logpdf(x))

    def cdf(self, x: float | np.ndarray) -> np.ndarray:
        """Distribution function at ``x``."""
        x = np.asarray(x, dtype=float)
        w, m, s = self._arrays()
        return np.sum(w * special.ndtr((x[..., None] - m) / s), axis=-1)

    def sf(self, x: float | np.ndarray) -> np.ndarray:
        """Survival function ``1 - cdf`` (accurate in the upper tail)."""
        x = np.asarray(x, dtype=float)
        w, m, s = self._arrays()
        return np.sum(w * special.ndtr(-(x[..., None] - m) / s), axis=-1)

    def ppf(self, q: float) -> float:
        """Quantile function (root of the cdf, to 1e-12 in ``x``)."""
        if not 0.0 < q < 1.0:
            raise UserInputError(f"quantile level q = {q} is outside (0, 1)")
        w, m, s = self._arrays()
        lo = float(np.min(m - 40 * s))
        hi = float(np.max(m + 40 * s))
        return float(optimize.brentq(lambda v: float(self.cdf(v)) - q, lo, hi, xtol=1e-12))

    def interval(self, prob: float = 0.89) -> tuple[float, float]:
        """Central (equal-tailed) interval holding ``prob`` of the mass."""
        a = (1.0 - prob) / 2.0
        return self.ppf(a), self.ppf(1.0 - a)

    def dlogpdf(self, x: float | np.ndarray) -> np.ndarray:
        """First derivative of the log density."""
        x = np.asarray(x, dtype=float)
        _, m, s = self._arrays()
        r = self._responsibilities(x)
        return np.sum(r * (-(x[..., None] - m) / s**2), axis=-1)

    def neg_d2logpdf(self, x: float | np.ndarray) -> np.ndarray:
        """Observed prior information ``-d^2/dx^2 log p(x)`` (may be negative between modes).

        With responsibilities ``r_k(x)`` and scores ``a_k = -(x - mu_k) / sd_k^2`` it equals
        ``sum_k r_k / sd_k^2 - Var_r(a)``.
        """
        x = np.asarray(x, dtype=float)
        _, m, s = self._arrays()
        r = self._responsibilities(x)
        a = -(x[..., None] - m) / s**2
        ea = np.sum(r * a, axis=-1)
        return np.sum(r / s**2, axis=-1) - (np.sum(r * a * a, axis=-1) - ea * ea)

    def _responsibilities(self, x: np.ndarray) -> np.ndarray:
        lt = self._log_terms(x)
        return np.exp(lt - _logsumexp(lt)[..., None])

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws using the generator ``rng`` (pass a seeded one)."""
        w, m, s = self._arrays()
        k = rng.choice(len(w), size=n, p=w)
        return m[k] + s[k] * rng.standard_normal(n)

    def bounds(self, n_sd: float = 12.0) -> tuple[float, float]:
        """A finite range holding all but a negligible mass (each component +- ``n_sd`` sds)."""
        _, m, s = self._arrays()
        return float(np.min(m - n_sd * s)), float(np.max(m + n_sd * s))

    def to_dict(self) -> dict[str, list[float] | list[str]]:
        """Plain lists (for TOML/JSON)."""
        out: dict[str, list[float] | list[str]] = {
            "weights": list(self.weights),
            "means": list(self.means),
            "sds": list(self.sds),
        }
        if self.labels:
            out["labels"] = list(self.labels)
        return out


_PANEL_EDGES = np.array(
    [
        -14.0,
        -10.0,
        -8.0,
        -6.0,
        -5.0,
        -4.0,
        -3.0,
        -2.5,
        -2.0,
        -1.5,
        -1.0,
        -0.5,
        0.0,
        0.5,
        1.0,
        1.5,
        2.0,
        2.5,
        3.0,
        4.0,
        5.0,
        6.0,
        8.0,
        10.0,
        14.0,
    ]
)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(10)


def quadrature_nodes(mix: NormalMixture) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights integrating smooth functions against ``mix`` over the real line.

    Candidate panel edges are every component's ``mu_k + c sd_k`` for ``c`` in +-{0, 0.5, ..., 14}.
    They are thinned so consecutive edges are at least half the local scale apart (the smallest
    ``sd_k`` among components within 8 sds of the edge), which keeps large scale mixtures cheap,
    and each panel gets 10-point Gauss-Legendre. Narrow components thus get narrow panels wherever
    they have mass; the rule is accurate to near machine precision for the smooth integrands used
    here (densities, log-density derivatives, ``exp(+-theta)`` times a density).
    """
    m = np.asarray(mix.means)
    sd = np.asarray(mix.sds)
    cand = np.unique((m[:, None] + sd[:, None] * _PANEL_EDGES[None, :]).ravel())
    near = np.abs(cand[:, None] - m[None, :]) <= 8.0 * sd[None, :]
    local = 0.5 * np.where(near, sd[None, :], np.inf).min(axis=1)
    local = np.where(np.isfinite(local), local, 0.5 * sd.max())
    keep = [0]
    for i in range(1, cand.size - 1):
        if cand[i] - cand[keep[-1]] >= local[i]:
            keep.append(i)
    keep.append(cand.size - 1)
    edges = cand[keep]
    a, b = edges[:-1], edges[1:]
    half = 0.5 * (b - a)
    mid = 0.5 * (b + a)
    t = (mid[:, None] + half[:, None] * _GL_X[None, :]).ravel()
    w = (half[:, None] * _GL_W[None, :]).ravel()
    return t, w


def _logsumexp(a: np.ndarray) -> np.ndarray:
    """``log(sum(exp(a), axis=-1))`` (plain numpy; much faster than scipy's for our shapes)."""
    top = np.max(a, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.log(np.sum(np.exp(a - top), axis=-1)) + top[..., 0]


def expect(mix: NormalMixture, f: Callable[[np.ndarray], np.ndarray]) -> float:
    """``E[f(theta)]`` under ``mix``, ``f`` vectorised, by panel Gauss-Legendre quadrature."""
    t, w = quadrature_nodes(mix)
    return float(np.sum(w * mix.pdf(t) * f(t)))


# ---------------------------------------------------------------------- reduction
def _merge(
    w1: float, m1: float, v1: float, w2: float, m2: float, v2: float
) -> tuple[float, float, float]:
    w = w1 + w2
    m = (w1 * m1 + w2 * m2) / w
    v = (w1 * v1 + w2 * v2) / w + w1 * w2 * (m1 - m2) ** 2 / (w * w)
    return w, m, v


def reduce_mixture(
    mix: NormalMixture, k: int = 4, drop_below: float = 1e-12, em_steps: int = 100
) -> NormalMixture:
    """Compress ``mix`` to at most ``k`` components by greedy moment-preserving merges.

    At each step the pair with the smallest Runnalls upper bound on the KL divergence caused by
    merging, ``B = 0.5 * [(w_i + w_j) log v_ij - w_i log v_i - w_j log v_j]``, is replaced by a single
    normal with the pair's total weight, mean and variance. Mean and variance of the whole mixture
    are therefore preserved exactly. The result then starts ``em_steps`` EM iterations fitted to the
    exact density (nodes of :func:`quadrature_nodes` weighted by its mass), which lower
    ``KL(mix || result)`` further while still matching mean and variance exactly. Labels must be
    uniform (a reduction never mixes labels).

    Parameters
    ----------
    mix
        The mixture to compress.
    k
        Maximum number of components kept (>= 1).
    drop_below
        Components with weight below this are first merged into their nearest neighbour.
    em_steps
        EM refinement iterations after the merges (0 for pure Runnalls).
    """
    if k < 1:
        raise UserInputError(f"k = {k} must be >= 1")
    if len(set(mix.labels)) > 1:
        raise UserInputError("reduce_mixture works on one labelled part at a time")
    w = list(mix.weights)
    m = list(mix.means)
    v = [s * s for s in mix.sds]
    while len(w) > k or (len(w) > 1 and min(w) < drop_below):
        n = len(w)
        wa, ma, va = np.asarray(w), np.asarray(m), np.asarray(v)
        wij = wa[:, None] + wa[None, :]
        vij = (wa[:, None] * va[:, None] + wa[None, :] * va[None, :]) / wij + (
            wa[:, None] * wa[None, :] * (ma[:, None] - ma[None, :]) ** 2
        ) / (wij * wij)
        cost = 0.5 * (
            wij * np.log(vij)
            - wa[:, None] * np.log(va)[:, None]
            - wa[None, :] * np.log(va)[None, :]
        )
        cost[np.diag_indices(n)] = np.inf
        i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
        i, j = min(i, j), max(i, j)
        w[i], m[i], v[i] = _merge(w[i], m[i], v[i], w[j], m[j], v[j])
        del w[j], m[j], v[j]
    wa, ma, sa = np.asarray(w), np.asarray(m), np.sqrt(np.asarray(v))
    if em_steps > 0 and len(w) > 1 and mix.n_components > len(w):
        wa, ma, sa = _em_refine(mix, wa, ma, sa, em_steps)
    order = np.argsort(-wa, kind="stable")
    label = mix.labels[0] if mix.labels else ""
    return NormalMixture(
        tuple(wa[order]), tuple(ma[order]), tuple(sa[order]), (label,) * len(wa) if label else ()
    )


def _em_refine(
    target: NormalMixture, w: np.ndarray, m: np.ndarray, s: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EM on the target density (quadrature nodes weighted by its mass).

    Each EM step cannot increase ``KL(target || fit)``, and, because responsibilities sum to one
    at every node, each M-step reproduces the target's mean and variance exactly.
    """
    t, qw = quadrature_nodes(target)
    mass = qw * target.pdf(t)
    keep = mass > 1e-300
    t, mass = t[keep], mass[keep] / mass[keep].sum()
    last = -np.inf
    for _ in range(steps):
        lt = np.log(w / w.sum()) - np.log(s) - 0.5 * ((t[:, None] - m) / s) ** 2
        top = lt.max(axis=1, keepdims=True)
        e = np.exp(lt - top)
        tot = e.sum(axis=1, keepdims=True)
        crossent = float(np.sum(mass * (np.log(tot[:, 0]) + top[:, 0])))
        r = e / tot * mass[:, None]
        nk = r.sum(axis=0)
        if np.any(nk <= 1e-14) or crossent - last < 1e-10:
            break
        last = crossent
        m_new = (r * t[:, None]).sum(axis=0) / nk
        v_new = (r * (t[:, None] - m_new) ** 2).sum(axis=0) / nk
        if np.any(v_new <= 1e-12):
            break
        w, m, s = nk, m_new, np.sqrt(v_new)
    return w / w.sum(), m, s


def kl_divergence(p: NormalMixture, q: NormalMixture) -> float:
    """``KL(p || q) = E_p[log p - log q]`` by quadrature (nats)."""
    return max(0.0, expect(p, lambda t: p.logpdf(t) - q.logpdf(t)))


# ---------------------------------------------------------------------- conjugate-free update
def _binom_loglik(theta: np.ndarray, x: float, n: float) -> np.ndarray:
    """Binomial log likelihood of ``x`` events in ``n`` trials at logit ``theta`` (with constant)."""
    log_p = -np.logaddexp(0.0, -theta)
    log_q = -np.logaddexp(0.0, theta)
    const = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    return const + x * log_p + (n - x) * log_q


def update_mixture(mix: NormalMixture, x: float, n: float, grid: int = 4001) -> NormalMixture:
    """Posterior mixture after observing ``x`` events in ``n`` years (logit link, binomial).

    Each component's posterior ``N(mu_k, sd_k) * Bin(x | n, logistic(theta))`` is integrated on its own
    uniform grid of ``grid`` points over ``mu_k +- 12 sd_k`` (trapezoid rule in log space): its
    marginal likelihood ``m_k`` gives the posterior weight ``w_k m_k / sum_j w_j m_j`` and its
    mean and variance give the moment-matched normal stored for that component. Labels are kept, so
    ``update_mixture(prior, x, n).weight_of("vague")`` is the posterior weight of the vague part.

    Parameters
    ----------
    mix
        Prior on the logit yearly hazard.
    x, n
        Events and coded years of the target (0 <= x <= n).
    grid
        Grid points per component.
    """
    if not (n >= 0 and 0 <= x <= n):
        raise UserInputError(f"binomial data need 0 <= x <= n (got x = {x}, n = {n})")
    log_m = np.empty(mix.n_components)
    means = np.empty(mix.n_components)
    sds = np.empty(mix.n_components)
    for k, (w, mu, sd) in enumerate(zip(mix.weights, mix.means, mix.sds, strict=True)):
        t = np.linspace(mu - 12 * sd, mu + 12 * sd, grid)
        dt = t[1] - t[0]
        logf = stats.norm.logpdf(t, mu, sd) + _binom_loglik(t, x, n)
        c = float(np.max(logf))
        f = np.exp(logf - c)
        z = integrate.trapezoid(f, dx=dt)
        log_m[k] = (math.log(w) if w > 0 else -np.inf) + c + math.log(z)
        means[k] = integrate.trapezoid(f * t, dx=dt) / z
        sds[k] = math.sqrt(max(integrate.trapezoid(f * (t - means[k]) ** 2, dx=dt) / z, 1e-300))
    post_w = np.exp(log_m - special.logsumexp(log_m))
    return NormalMixture(tuple(post_w), tuple(means), tuple(sds), mix.labels)

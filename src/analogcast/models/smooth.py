"""Penalised-spline (Bayesian P-spline) bases for the event model's smooth terms.

A smooth term ``f(x)`` of one continuous feature is written in the mixed-model form of a
P-spline (Eilers and Marx 1996; Wand and Ormerod 2008; Lang and Brezger 2004 for the Bayesian
version):

    f(x) = beta * x  +  sum_k u_k Z_k(x),      u_k ~ Normal(0, lambda^2)

where ``B(x)`` is a cubic B-spline basis on knots at quantiles of the **training** values, the
second-difference penalty ``P = D2' D2`` on its coefficients is diagonalised (``P = U diag(e) U'``)
and ``Z = B U_+ diag(e_+)^(-1/2)`` keeps the penalised directions only: the penalty's null space
(coefficients constant or linear in their index, i.e. a constant and a roughly linear function of
``x``, exactly linear for evenly spaced knots) is left to the model's intercept and linear
coefficient. With
``u_k`` iid, ``lambda`` is the one smoothing parameter of the term and gets a half-normal prior:
``lambda -> 0`` gives back the linear model. ``Z`` is centred and scaled on the training rows, so
``lambda`` is on the logit scale (the standard deviation over training rows of the smoothest
non-linear component).

Everything (knots, boundary, centring, scale) comes from the training values only; forecast values
outside the training range are clamped to it (the linear term still extrapolates); a missing value
contributes 0, the term's training average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import BSpline

__all__ = ["SmoothBasis", "fit_basis"]

DEGREE = 3


@dataclass(frozen=True)
class SmoothBasis:
    """A fitted smooth basis: knots, boundary and the mixed-model transform, from training rows."""

    knots: np.ndarray  # full knot vector (boundary knots repeated)
    lo: float
    hi: float
    transform: np.ndarray  # (n_bspline, n_penalised)
    centre: np.ndarray
    scale: float
    fill: float  # placeholder for a missing x before its row is zeroed

    @property
    def n_columns(self) -> int:
        return int(self.transform.shape[1])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Basis columns ``Z(x)`` (rows of ``x``, :attr:`n_columns`); a missing ``x`` gives 0.

        Zero is the training average of every column, so a missing value contributes nothing to
        the smooth term (as a missing linear covariate contributes nothing once filled with its
        training mean; the design adds missingness indicators).
        """
        x = np.asarray(x, float)
        ok = np.isfinite(x)
        b = _bspline(np.clip(np.where(ok, x, self.fill), self.lo, self.hi), self.knots)
        z = (b @ self.transform - self.centre) / self.scale
        z[~ok] = 0.0
        return z


def _bspline(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    return BSpline.design_matrix(x, knots, DEGREE).toarray()


def fit_basis(x_train: np.ndarray, n_interior: int = 4) -> SmoothBasis:
    """Fit a P-spline basis on training values ``x_train`` (NaN ignored).

    ``n_interior`` interior knots at equally spaced quantiles (duplicates removed, so a feature
    with many ties gets fewer); ``n_interior + DEGREE + 1 - 2`` penalised columns at most.
    """
    x = np.asarray(x_train, float)
    x = x[np.isfinite(x)]
    if np.unique(x).size < max(10, n_interior + 2):
        raise ValueError("a smooth term needs at least 10 distinct finite training values")
    lo, hi = float(x.min()), float(x.max())
    probs = np.linspace(0, 1, n_interior + 2)[1:-1]
    inner = np.unique(np.quantile(x, probs))
    if inner.size < n_interior or inner[0] <= lo or inner[-1] >= hi:
        # many ties: quantiles of the distinct values keep the basis width fixed
        inner = np.quantile(np.unique(x), probs)
    knots = np.concatenate([[lo] * (DEGREE + 1), inner, [hi] * (DEGREE + 1)])
    n_b = knots.size - DEGREE - 1
    d2 = np.diff(np.eye(n_b), 2, axis=0)
    evals, evecs = np.linalg.eigh(d2.T @ d2)
    keep = evals > 1e-8 * evals.max()
    transform = evecs[:, keep] / np.sqrt(evals[keep])
    # order columns from smoothest (smallest eigenvalue, largest scale) to wiggliest
    transform = transform[:, np.argsort(evals[keep])]
    z = _bspline(x, knots) @ transform
    centre = z.mean(axis=0)
    scale = float(z[:, 0].std()) or 1.0
    return SmoothBasis(
        knots=knots,
        lo=lo,
        hi=hi,
        transform=transform,
        centre=centre,
        scale=scale,
        fill=float(x.mean()),
    )

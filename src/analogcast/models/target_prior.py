"""The prior of the target's baseline hazard ``theta`` in ``event_logit``: the analogy prior's
mixture per (space, direction), or a vague normal around the training base rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import logit

from analogcast.data import DIRECTIONS
from analogcast.models.design import ModelData

__all__ = ["theta_prior_arrays"]


def theta_prior_arrays(data: ModelData, prior: Any, vague_sd: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mixture arrays ``(space, direction, component)`` for the target's theta.

    ``prior=None`` or method ``none``: ``Normal(logit(base rate), vague_sd)``. Mixtures with fewer
    components are padded with copies of their first component at weight 1e-12 (negligible).
    """
    S = len(data.spaces)
    base = np.clip(data.arrays["base_rate"], 1e-3, 1 - 1e-3)
    method = None
    if prior is not None:
        meta = getattr(prior, "meta", None)
        method = getattr(meta, "method", None) if meta is not None else None
        if isinstance(meta, Mapping):
            method = meta.get("method")
    if prior is None or method == "none":
        return (np.ones((S, 2, 1)), logit(base)[..., None], np.full((S, 2, 1), vague_sd))
    mixes = [[prior.mixture(s, d) for d in DIRECTIONS] for s in data.spaces]
    k = max(len(mx.weights) for row in mixes for mx in row)
    w = np.full((S, 2, k), 1e-12)
    m = np.zeros((S, 2, k))
    sd = np.ones((S, 2, k))
    for i, row in enumerate(mixes):
        for j, mx in enumerate(row):
            n = len(mx.weights)
            w[i, j, :n] = mx.weights
            m[i, j, :] = mx.means[0]
            sd[i, j, :] = mx.sds[0]
            m[i, j, :n] = mx.means
            sd[i, j, :n] = mx.sds
    w = w / w.sum(axis=-1, keepdims=True)
    return w, m, sd

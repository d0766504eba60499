"""The records inside an analogy prior: ``PriorMeta`` (the ``[meta]`` table) and ``SpacePrior``.

Plain frozen dataclasses shared by :mod:`analogcast.priors.prior` (the ``AnalogPrior`` object) and
:mod:`analogcast.priors.io` (the TOML file), so neither module imports the other's internals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from analogcast.priors.checks import CONFLICT_ALPHA, PredictiveSummary
from analogcast.priors.evidence import AnalogEvidence
from analogcast.priors.mixture import NormalMixture

__all__ = ["PriorMeta", "SpacePrior"]


def _r(x: float | None, sig: int = 10) -> float | None:
    """Round to ``sig`` significant digits (what the TOML file stores, so round trips are exact)."""
    if x is None:
        return None
    x = float(x)
    if x == 0.0 or not math.isfinite(x):
        return x
    return float(f"{x:.{sig}g}")


def _rmix(mix: NormalMixture) -> NormalMixture:
    w = np.asarray([_r(v, 12) for v in mix.weights], dtype=float)
    w[0] = _r(1.0 - float(np.sum(w[1:])), 15)  # exact sum 1 after rounding
    return NormalMixture(
        tuple(float(v) for v in w),
        tuple(_r(v, 12) for v in mix.means),
        tuple(_r(v, 12) for v in mix.sds),
        mix.labels,
    )


@dataclass(frozen=True)
class PriorMeta:
    """Provenance and settings of a prior (the ``[meta]`` table)."""

    target: str
    analogs: tuple[str, ...]
    weights: tuple[float, ...]
    method: str
    discount: float
    robust_weight: float
    window: str
    tau_prior: str
    conflict_years: int
    data_sha256: str
    analogcast_version: str
    created: str
    analog_power: tuple[float, ...] = ()
    notes: str = ""
    current_from: int | None = None
    evidence_source: str = ""


@dataclass(frozen=True)
class SpacePrior:
    """The prior on ``theta[space, direction]`` and its diagnostics.

    Attributes
    ----------
    mixture
        Normal mixture on the logit yearly hazard (labels ``map``/``power``/``default``/``vague``).
    ess, ess_moment, ess_local
        Effective sample sizes in country-years: ``ess`` (the headline) is the ELIR at the
        reference rate, ``ess_moment`` moment-matched, ``ess_local`` the ELIR with the local
        Bernoulli information (:mod:`analogcast.priors.ess`).
    ess_share
        Analog -> share of the ESS: ESS of the prior built from that analog alone (same method and
        settings, before robustification), measured at the combined prior's reference rate, over
        the sum of those ESSs (so shares compare information, not where each analog is centred).
    evidence
        Each analog's events and coded years in the window.
    rate
        Prior mean, median and 89% interval of the yearly hazard ``logistic(theta)``.
    p_any_2y
        Prior mean and 89% interval of P(at least one event within 2 years).
    conflict_p
        Two-sided prior predictive tail probability of the target's events in its last coded years
        under the informative part of the prior (None if the target has no coded years).
    conflict_events, conflict_years, conflict_span
        The target data used for the check.
    vague_weight_posterior
        ``robust_map`` only: weight of the vague component after updating with those data.
    tau_median, tau_lower, tau_upper, compression_kl
        MAP only: posterior of tau (median, 89% interval) and the KL lost by storing <= 4 components.
    kappa
        Scale factor of theta: an analog's (and the target's) mean yearly rate is
        ``logistic(theta / kappa)`` (:mod:`analogcast.priors.calibration`; 1 = raw-rate scale, and
        always 1 for model-scale evidence).
    design_effect
        Mean episode length the counts were divided by (None for model-scale evidence).
    model_evidence
        Model-scale route: ``(label, mean, sd)`` of each analog's fitted intercept.
    """

    space: str
    direction: str
    mixture: NormalMixture
    ess: float
    ess_moment: float
    ess_share: Mapping[str, float]
    evidence: tuple[AnalogEvidence, ...]
    rate: PredictiveSummary
    p_any_2y: PredictiveSummary
    conflict_p: float | None
    conflict_events: int
    conflict_years: int
    conflict_span: tuple[int, int] | None
    vague_weight_posterior: float | None = None
    tau_median: float | None = None
    tau_lower: float | None = None
    tau_upper: float | None = None
    compression_kl: float | None = None
    ess_local: float | None = None
    kappa: float = 1.0
    design_effect: float | None = None
    model_evidence: tuple[tuple[str, float, float], ...] = ()

    @property
    def conflict_flag(self) -> bool:
        """True when ``conflict_p < 0.05``."""
        return self.conflict_p is not None and self.conflict_p < CONFLICT_ALPHA

    @property
    def informative(self) -> NormalMixture:
        """The analog-informed part of the mixture (the whole mixture unless robustified)."""
        if "vague" in self.mixture.labels and set(self.mixture.labels) != {"vague"}:
            return self.mixture.component(
                next(lab for lab in self.mixture.labels if lab != "vague")
            )
        return self.mixture

"""Analogy priors: what analog countries say about the target's yearly event hazards.

The prior is on ``theta[space, direction]``, the target's logit yearly hazard of an opening or
closing event. Each analog contributes its events / coded country-years in a window; the methods
(``map``, ``power``, ``robust_map``, ``none``) turn that evidence into a normal mixture per space and
direction, stored with its effective sample size (country-years), each analog's share, a prior
predictive summary and a prior-data conflict check. Analogs can be country-spells
(``AFG:1996-2000``); counts enter with their exact binomial likelihood, per episode, on the model's
scale (see README "Analogy priors" and :mod:`analogcast.priors.likelihood`). Methods:
meta-analytic-predictive priors (Neuenschwander et al. 2010, Clinical Trials 7(1)), power priors
(Ibrahim and Chen 2000, Statistical Science 15(1)), robust mixtures (Schmidli et al. 2014,
Biometrics 70(4)) and the ELIR effective sample size (Neuenschwander, Weber, Schmidli and O'Hagan
2020, Biometrics 76(2)).

>>> from analogcast.priors import build_prior, load_prior                 # doctest: +SKIP
>>> prior = build_prior("AFG", ["SAU", "IRN"], method="robust_map", discount=0.5)  # doctest: +SKIP
>>> prior.mixture("women", "opening").mean()                              # doctest: +SKIP

Importing this package loads no data.
"""

from analogcast.priors.build import ModelScaleEvidence, build_prior
from analogcast.priors.calibration import KAPPA
from analogcast.priors.checks import conflict_pvalue, predictive_pmf, prob_any_event
from analogcast.priors.ess import elir, ess_beta, ess_mixture
from analogcast.priors.evidence import (
    DIRECTIONS,
    AnalogEvidence,
    Window,
    logit_estimate,
    parse_window,
)
from analogcast.priors.methods import (
    DEFAULT_TAU_SCALE,
    METHODS,
    MapResult,
    TauPrior,
    map_known_tau,
    map_prior,
    power_prior,
    robustify,
    vague_prior,
)
from analogcast.priors.mixture import NormalMixture, kl_divergence, reduce_mixture, update_mixture
from analogcast.priors.prior import AnalogPrior, PriorMeta, SpacePrior, load_prior, prior_from_dict
from analogcast.priors.similarity import SIMILARITY_COVARIATES, suggest_weights
from analogcast.priors.spells import Analog, parse_analogs, regime_changes, regime_spells

__all__ = [
    "AnalogPrior",
    "PriorMeta",
    "SpacePrior",
    "build_prior",
    "ModelScaleEvidence",
    "KAPPA",
    "Analog",
    "parse_analogs",
    "regime_spells",
    "regime_changes",
    "load_prior",
    "prior_from_dict",
    "suggest_weights",
    "SIMILARITY_COVARIATES",
    "NormalMixture",
    "update_mixture",
    "reduce_mixture",
    "kl_divergence",
    "TauPrior",
    "MapResult",
    "map_prior",
    "map_known_tau",
    "power_prior",
    "robustify",
    "vague_prior",
    "METHODS",
    "DEFAULT_TAU_SCALE",
    "ess_mixture",
    "ess_beta",
    "elir",
    "prob_any_event",
    "predictive_pmf",
    "conflict_pvalue",
    "AnalogEvidence",
    "Window",
    "parse_window",
    "logit_estimate",
    "DIRECTIONS",
]

"""``AnalogPrior``: the immutable prior object the models take, and how to load it.

A prior holds, for every space and direction, the normal mixture on the target's ``theta[s, d]``
plus its diagnostics (ESS, analog shares, prior predictive, conflict). It is built by
:func:`analogcast.priors.build_prior`, written by :meth:`AnalogPrior.to_toml` and read back by
:func:`load_prior`. Import order inside the package: ``records -> io -> prior -> build`` (no cycle).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
from scipy import special

from analogcast.errors import UserInputError, did_you_mean
from analogcast.priors.checks import PredictiveSummary, prob_any_event
from analogcast.priors.drift import DriftPrior
from analogcast.priors.ess import ess_mixture
from analogcast.priors.evidence import DIRECTIONS
from analogcast.priors.io import parse_prior_document, prior_to_toml, read_prior_file
from analogcast.priors.methods import robustify
from analogcast.priors.mixture import NormalMixture, expect, update_mixture
from analogcast.priors.records import PriorMeta, SpacePrior, _r, _rmix

__all__ = ["PriorMeta", "SpacePrior", "AnalogPrior", "load_prior", "prior_from_dict", "rate_scale"]


@dataclass(frozen=True)
class AnalogPrior:
    """Immutable analogy prior: ``meta`` plus ``spaces[space][direction] -> SpacePrior``.

    Use :meth:`mixture` to get the distribution the models put on ``theta[space, direction]``.
    """

    meta: PriorMeta
    spaces: Mapping[str, Mapping[str, SpacePrior]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    drift: Mapping[str, DriftPrior] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        frozen = MappingProxyType({s: MappingProxyType(dict(d)) for s, d in self.spaces.items()})
        object.__setattr__(self, "spaces", frozen)
        object.__setattr__(self, "drift", MappingProxyType(dict(self.drift)))

    def drift_mixture(self, series: str) -> NormalMixture | None:
        """Prior on the trajectory model's drift intercept of the target for ``series`` (None if absent).

        ``series`` is a space name or ``"wbl"``; see :mod:`analogcast.priors.drift`.
        """
        dp = self.drift.get(series)
        return None if dp is None else dp.mixture

    @property
    def space_names(self) -> tuple[str, ...]:
        """Spaces in file order."""
        return tuple(self.spaces)

    def get(self, space: str, direction: str) -> SpacePrior:
        """The :class:`SpacePrior` of one space and direction (clear error when absent)."""
        if space not in self.spaces:
            raise UserInputError(
                f"space = {space!r} is not in this prior.{did_you_mean(space, self.spaces)}"
                f" Spaces: {', '.join(self.spaces)}"
            )
        if direction not in self.spaces[space]:
            raise UserInputError(f"direction = {direction!r} is not one of {', '.join(DIRECTIONS)}")
        return self.spaces[space][direction]

    def mixture(self, space: str, direction: str) -> NormalMixture:
        """Prior on ``theta[space, direction]`` (logit yearly hazard)."""
        return self.get(space, direction).mixture

    def table(self) -> pd.DataFrame:
        """One row per (space, direction): mean and 89% interval of the yearly rate, ESS, shares, conflict."""
        rows: list[dict[str, Any]] = []
        for s, dirs in self.spaces.items():
            for d, sp in dirs.items():
                row: dict[str, Any] = {
                    "space": s,
                    "direction": d,
                    "rate_mean": sp.rate.mean,
                    "rate_lower": sp.rate.lower,
                    "rate_upper": sp.rate.upper,
                    "p_any_2y": sp.p_any_2y.mean,
                    "ess": sp.ess,
                    "ess_moment": sp.ess_moment,
                    "conflict_p": sp.conflict_p,
                    "conflict": sp.conflict_flag,
                    "vague_weight_post": sp.vague_weight_posterior,
                }
                for c in self.meta.analogs:
                    row[f"share_{c}"] = sp.ess_share.get(c, 0.0)
                rows.append(row)
        return pd.DataFrame(rows).set_index(["space", "direction"])

    def to_toml_string(self) -> str:
        """The TOML text :meth:`to_toml` writes."""
        return prior_to_toml(self.meta, self.spaces, self.drift)

    def to_toml(self, path: str | Path) -> Path:
        """Write the prior to ``path`` atomically (temporary file, then rename)."""
        from analogcast._io import atomic_write_text

        return atomic_write_text(path, self.to_toml_string())

    # ------------------------------------------------------------------ with_*
    def with_meta(self, **changes: Any) -> AnalogPrior:
        """A copy with some ``meta`` fields replaced (e.g. ``notes``)."""
        return dataclasses.replace(self, meta=dataclasses.replace(self.meta, **changes))

    def with_spaces(self, spaces: Iterable[str]) -> AnalogPrior:
        """A copy keeping only ``spaces`` (in the given order)."""
        keep = list(spaces)
        for s in keep:
            self.get(s, DIRECTIONS[0])
        return dataclasses.replace(
            self,
            spaces=MappingProxyType({s: self.spaces[s] for s in keep}),
            drift=MappingProxyType({k: v for k, v in self.drift.items() if k in keep or k == "wbl"}),
        )

    def with_robust_weight(self, weight: float) -> AnalogPrior:
        """A copy re-robustified with vague weight ``weight`` (the informative part is unchanged).

        ``weight = 0`` gives the plain informative prior; method becomes ``robust_map`` for MAP priors.
        """
        if self.meta.method not in ("map", "robust_map"):
            raise UserInputError(
                f"with_robust_weight needs a MAP prior (method = {self.meta.method!r})"
            )
        if not (math.isfinite(weight) and 0.0 <= weight < 1.0):
            raise UserInputError(
                f"robust_weight = {weight} is outside [0, 1); use e.g. --robust-weight 0.2"
            )
        new: dict[str, dict[str, SpacePrior]] = {}
        for s, dirs in self.spaces.items():
            new[s] = {}
            for d, sp in dirs.items():
                mix = (
                    _rmix(robustify(sp.informative, weight, kappa=sp.kappa))
                    if weight > 0
                    else sp.informative
                )
                new[s][d] = dataclasses.replace(
                    sp,
                    mixture=mix,
                    **_summaries(mix, sp.conflict_events, sp.conflict_years, sp.kappa),
                )
        meta = dataclasses.replace(
            self.meta, robust_weight=float(weight), method="robust_map" if weight > 0 else "map"
        )
        return AnalogPrior(meta, MappingProxyType(new), self.drift)

    # ------------------------------------------------------------------ notebook display
    def __repr__(self) -> str:
        from analogcast._reprs import prior_repr

        return prior_repr(self)

    def _repr_html_(self) -> str:
        """Notebook display: analogs and weights, method, ESS and conflict by space and direction."""
        from analogcast._reprs import prior_html

        return prior_html(self)


def rate_scale(mix: NormalMixture, kappa: float = 1.0) -> NormalMixture:
    """The distribution of ``theta / kappa``, the logit of the yearly rate (same mixture when kappa = 1)."""
    if kappa == 1.0:
        return mix
    return NormalMixture(
        mix.weights,
        tuple(m / kappa for m in mix.means),
        tuple(s / kappa for s in mix.sds),
        mix.labels,
    )


def _informative_part(mix: NormalMixture) -> NormalMixture:
    """The mixture without its ``vague`` component (itself when there is none)."""
    labels = set(mix.labels)
    if "vague" in labels and labels != {"vague"}:
        return mix.component(next(lab for lab in mix.labels if lab != "vague"))
    return mix


def _summaries(mix: NormalMixture, x: int, n: int, kappa: float = 1.0) -> dict[str, Any]:
    """ESS, rate and 2-year predictive summaries, and the vague component's posterior weight.

    Rates are ``logistic(theta / kappa)``; ESS counts country-years at that rate.
    """
    rmix = rate_scale(mix, kappa)
    rate_lo, rate_hi = (float(special.expit(v)) for v in rmix.interval(0.89))
    rate = PredictiveSummary(
        _r(expect(rmix, special.expit), 6),
        _r(rate_lo, 6),
        _r(rate_hi, 6),
        median=_r(float(special.expit(rmix.ppf(0.5))), 6),
    )
    p2 = prob_any_event(rmix, 2, 0.89)
    vw = None
    if "vague" in mix.labels and n > 0:
        vw = _r(update_mixture(rmix, x, n).weight_of("vague"), 6)
    return {
        "ess": _r(ess_mixture(mix, "elir", kappa=kappa), 6),
        "ess_moment": _r(ess_mixture(mix, "moment", kappa=kappa), 6),
        # the local-information ELIR of the informative part: with the vague normal's tails (hazards
        # near 0 or 1, where a country-year carries almost no information) it has no useful bound
        "ess_local": _r(ess_mixture(_informative_part(mix), "local", kappa=kappa), 6),
        "rate": rate,
        "p_any_2y": PredictiveSummary(_r(p2.mean, 6), _r(p2.lower, 6), _r(p2.upper, 6)),
        "vague_weight_posterior": vw,
    }


def prior_from_dict(doc: Mapping[str, Any], source: str = "<dict>") -> AnalogPrior:
    """Validate a parsed prior document and build the :class:`AnalogPrior`."""
    meta, spaces, drift = parse_prior_document(doc, source)
    return AnalogPrior(meta, spaces, drift)


def load_prior(path: str | Path) -> AnalogPrior:
    """Read and validate a prior TOML file written by :meth:`AnalogPrior.to_toml`.

    Raises
    ------
    UserInputError
        The file does not exist.
    DataIntegrityError
        The file is not valid TOML or a key is missing, mistyped or out of range (the message
        names the file and the key).
    """
    meta, spaces, drift = read_prior_file(path)
    return AnalogPrior(meta, spaces, drift)

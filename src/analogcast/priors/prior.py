"""``AnalogPrior``: the immutable prior object the models take, and :func:`build_prior`.

A prior holds, for every space and direction, the normal mixture on the target's logit yearly
hazard ``theta[s, d]`` plus its diagnostics (ESS, analog shares, prior predictive, conflict). It is
built from the analogs' event histories by :func:`build_prior`, written by
:meth:`AnalogPrior.to_toml` and read back by :func:`analogcast.priors.load_prior`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from analogcast._version import __version__
from analogcast.errors import UnknownCountryError, UserInputError, did_you_mean
from analogcast.priors.checks import (
    CONFLICT_ALPHA,
    PredictiveSummary,
    conflict_pvalue,
    prob_any_event,
)
from analogcast.priors.ess import ess_mixture, reference_rate
from analogcast.priors.evidence import (
    DIRECTIONS,
    AnalogEvidence,
    Window,
    base_rates,
    collect_evidence,
    parse_window,
    target_recent_counts,
)
from analogcast.priors.methods import (
    DEFAULT_TAU_SCALE,
    METHODS,
    NONE_SD,
    TauPrior,
    map_prior,
    power_prior,
    robustify,
    vague_prior,
)
from analogcast.priors.mixture import NormalMixture, expect, update_mixture

__all__ = ["PriorMeta", "SpacePrior", "AnalogPrior", "build_prior"]


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


@dataclass(frozen=True)
class SpacePrior:
    """The prior on ``theta[space, direction]`` and its diagnostics.

    Attributes
    ----------
    mixture
        Normal mixture on the logit yearly hazard (labels ``map``/``power``/``default``/``vague``).
    ess, ess_moment
        Effective sample sizes in country-years (ELIR at the reference rate, and moment-matched;
        :mod:`analogcast.priors.ess`).
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


@dataclass(frozen=True)
class AnalogPrior:
    """Immutable analogy prior: ``meta`` plus ``spaces[space][direction] -> SpacePrior``.

    Use :meth:`mixture` to get the distribution the models put on ``theta[space, direction]``.
    """

    meta: PriorMeta
    spaces: Mapping[str, Mapping[str, SpacePrior]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        frozen = MappingProxyType({s: MappingProxyType(dict(d)) for s, d in self.spaces.items()})
        object.__setattr__(self, "spaces", frozen)

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
        from analogcast.priors.io import prior_to_toml

        return prior_to_toml(self)

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
        return dataclasses.replace(self, spaces=MappingProxyType({s: self.spaces[s] for s in keep}))

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
                mix = _rmix(robustify(sp.informative, weight)) if weight > 0 else sp.informative
                new[s][d] = dataclasses.replace(
                    sp,
                    mixture=mix,
                    **_summaries(mix, sp.conflict_events, sp.conflict_years),
                )
        meta = dataclasses.replace(
            self.meta, robust_weight=float(weight), method="robust_map" if weight > 0 else "map"
        )
        return AnalogPrior(meta, MappingProxyType(new))

    # ------------------------------------------------------------------ notebook display
    def __repr__(self) -> str:
        from analogcast._reprs import prior_repr

        return prior_repr(self)

    def _repr_html_(self) -> str:
        """Notebook display: analogs and weights, method, ESS and conflict by space and direction."""
        from analogcast._reprs import prior_html

        return prior_html(self)


def _summaries(mix: NormalMixture, x: int, n: int) -> dict[str, Any]:
    """ESS, rate and 2-year predictive summaries, and the vague component's posterior weight."""
    rate_lo, rate_hi = (float(special.expit(v)) for v in mix.interval(0.89))
    rate = PredictiveSummary(
        _r(expect(mix, special.expit), 6),
        _r(rate_lo, 6),
        _r(rate_hi, 6),
        median=_r(float(special.expit(mix.ppf(0.5))), 6),
    )
    p2 = prob_any_event(mix, 2, 0.89)
    vw = None
    if "vague" in mix.labels and n > 0:
        vw = _r(update_mixture(mix, x, n).weight_of("vague"), 6)
    return {
        "ess": _r(ess_mixture(mix, "elir"), 6),
        "ess_moment": _r(ess_mixture(mix, "moment"), 6),
        "rate": rate,
        "p_any_2y": PredictiveSummary(_r(p2.mean, 6), _r(p2.lower, 6), _r(p2.upper, 6)),
        "vague_weight_posterior": vw,
    }


# ---------------------------------------------------------------------- building
def _resolver(events: xr.Dataset | None):  # type: ignore[no-untyped-def]
    """``resolve_country`` from the data layer, or exact ids of a supplied events dataset."""
    if events is None:
        from analogcast.data import resolve_country

        return resolve_country
    known = [str(c) for c in events["country"].values]

    def resolve(text: str) -> str:
        t = str(text).strip().upper()
        if t in known:
            return t
        raise UnknownCountryError(
            f"country = {text!r} is not in the events data.{did_you_mean(t, known)}"
        )

    return resolve


def _check_inputs(method: str, discount: float, robust_weight: float, conflict_years: int) -> None:
    if method not in METHODS:
        raise UserInputError(
            f"method = {method!r} is not one of {', '.join(METHODS)}.{did_you_mean(method, METHODS)}"
        )
    if not (
        isinstance(discount, int | float) and math.isfinite(discount) and 0.0 < discount <= 1.0
    ):
        raise UserInputError(f"discount = {discount} is outside (0, 1]; use e.g. --discount 0.5")
    if not (
        isinstance(robust_weight, int | float)
        and math.isfinite(robust_weight)
        and 0.0 <= robust_weight < 1.0
    ):
        raise UserInputError(
            f"robust_weight = {robust_weight} is outside [0, 1); use e.g. --robust-weight 0.2"
        )
    if int(conflict_years) != conflict_years or conflict_years < 1:
        raise UserInputError(
            f"conflict_years = {conflict_years} must be a whole number of years >= 1"
        )


def _analog_weights(
    analogs: Sequence[str], weights: Mapping[str, float] | Sequence[float] | None, resolve: Any
) -> tuple[float, ...]:
    if weights is None:
        return tuple(1.0 for _ in analogs)
    if isinstance(weights, Mapping):
        resolved = {resolve(k): float(v) for k, v in weights.items()}
        extra = set(resolved) - set(analogs)
        if extra:
            raise UserInputError(
                f"weights name {', '.join(sorted(extra))}, which are not among the analogs "
                f"({', '.join(analogs)})"
            )
        w = tuple(resolved.get(a, 0.0) for a in analogs)
    else:
        w = tuple(float(v) for v in weights)
        if len(w) != len(analogs):
            raise UserInputError(
                f"weights has {len(w)} values for {len(analogs)} analogs ({', '.join(analogs)})"
            )
    for a, v in zip(analogs, w, strict=True):
        if not math.isfinite(v) or v < 0:
            raise UserInputError(f"weight of analog {a} = {v} must be a finite number >= 0")
    if not any(v > 0 for v in w):
        raise UserInputError(f"weights = {list(w)}: at least one analog needs a weight > 0")
    return w


def _informative(
    method: str, y: np.ndarray, se: np.ndarray, tau: TauPrior, k: int | None
) -> tuple[NormalMixture, dict[str, float]]:
    """Informative part for ``map``/``robust_map`` (MAP) or ``power`` (already-discounted se)."""
    if method == "power":
        return power_prior(y, se, 1.0), {}
    res = map_prior(y, se, tau, k=k, label="map")
    extra = {
        "tau_median": res.tau_median,
        "tau_lower": res.tau_lower,
        "tau_upper": res.tau_upper,
        "compression_kl": res.compression_kl,
    }
    return (res.mixture if k else res.exact), extra


def build_prior(
    target: str,
    analogs: Sequence[str],
    method: str = "robust_map",
    discount: float = 1.0,
    robust_weight: float = 0.2,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    window: str | tuple[int | None, int | None] | Window | None = None,
    tau_scale: float = DEFAULT_TAU_SCALE,
    tau_prior: TauPrior | str | None = None,
    conflict_years: int = 10,
    spaces: Iterable[str] | None = None,
    events: xr.Dataset | None = None,
    data_sha256: str | None = None,
    n_components: int = 4,
) -> AnalogPrior:
    """Build the analogy prior for ``target`` from the ``analogs``' event histories.

    Parameters
    ----------
    target
        Target country (code or name; resolved by :func:`analogcast.data.resolve_country`).
    analogs
        Analog countries (at least one unless ``method="none"``); the target may not be among them.
    method
        ``"map"``, ``"power"``, ``"robust_map"`` (default) or ``"none"``.
    discount
        ``a0`` in (0, 1]: every analog's likelihood is raised to ``a0`` (times its weight, below)
        before pooling (``power``) or the meta-analysis (``map``, ``robust_map``). 1 = full borrowing.
    robust_weight
        ``robust_map``: prior weight in [0, 1) of the unit-information vague component.
    weights
        Per-analog weights (mapping or sequence aligned with ``analogs``), >= 0. They act as
        per-analog discounts: analog ``j``'s likelihood power is ``discount * w_j / max(w)``.
    window
        Years of the analogs' history used, e.g. ``"1990-2020"`` or ``(1990, 2020)``; default all.
    tau_scale
        Half-normal scale of the MAP heterogeneity prior (ignored when ``tau_prior`` is given).
    tau_prior
        Full heterogeneity prior, e.g. ``"HalfCauchy(0.5)"`` or ``TauPrior("fixed", 0.3)``.
    conflict_years
        The conflict check uses the target's last ``conflict_years`` coded years in the data (the
        window restricts the analogs' history only).
    spaces
        Subset of spaces; default all seven.
    events
        Events dataset to use instead of :func:`analogcast.data.load_events` (tests, simulations).
    data_sha256
        Recorded data hash; default :func:`analogcast.data.data_sha256` (or ``"external"`` when
        ``events`` is supplied).
    n_components
        Components kept for the MAP part (1-4).

    Returns
    -------
    AnalogPrior
        Deterministic: everything is computed by quadrature, so no seed is involved.
    """
    _check_inputs(method, discount, robust_weight, conflict_years)
    if not 1 <= n_components <= 4:
        raise UserInputError(f"n_components = {n_components} must be between 1 and 4")
    base_resolve = _resolver(events)

    def resolve_field(field_name: str, text: str) -> str:
        try:
            return base_resolve(text)
        except UnknownCountryError as exc:
            raise UnknownCountryError(f"{field_name} = {text!r}: {exc}") from None

    tgt = resolve_field("target", target)
    if isinstance(analogs, str):
        analogs = [a for a in analogs.split(",") if a.strip()]
    an = [resolve_field("analogs", a) for a in analogs]
    if tgt in an:
        raise UserInputError(
            f"analogs = {','.join(an)} include the target {tgt}; an analog must be another country"
        )
    dup = sorted({a for a in an if an.count(a) > 1})
    if dup:
        raise UserInputError(f"analogs = {','.join(an)} list {', '.join(dup)} more than once")
    if not an and method != "none":
        raise UserInputError(f"method = {method!r} needs at least one analog (--analogs SAU,IRN)")
    w = _analog_weights(an, weights, lambda t: resolve_field("weights", t))
    win = parse_window(window)
    if tau_prior is None:
        tau = TauPrior("halfnormal", tau_scale)
    else:
        tau = tau_prior if isinstance(tau_prior, TauPrior) else TauPrior.parse(tau_prior)

    if events is None:
        from analogcast.data import data_sha256 as _sha
        from analogcast.data import load_events

        events = load_events()
        sha = data_sha256 or _sha()
    else:
        sha = data_sha256 or "external"
    all_spaces = [str(s) for s in events["space"].values]
    space_list = all_spaces if spaces is None else [str(s) for s in spaces]
    for s in space_list:
        if s not in all_spaces:
            raise UserInputError(
                f"space = {s!r} is unknown.{did_you_mean(s, all_spaces)} Spaces: {', '.join(all_spaces)}"
            )

    evidence = collect_evidence(events, an, win, space_list) if an else {}
    rates = base_rates(events, win) if method == "none" else {}
    power = tuple(discount * v / max(w) for v in w) if an else ()

    out: dict[str, dict[str, SpacePrior]] = {}
    for s in space_list:
        out[s] = {}
        for d in DIRECTIONS:
            ev = evidence.get((s, d), ())
            x_t, n_t, span = target_recent_counts(events, tgt, s, d, int(conflict_years))
            extra: dict[str, Any] = {}
            shares: dict[str, float] = {}
            if method == "none":
                mix = vague_prior(rates[(s, d)], NONE_SD)
                informative = mix
            else:
                use = [i for i, e in enumerate(ev) if e.years > 0 and power[i] > 0]
                if not use:
                    raise UserInputError(
                        f"window = {win} has no coded years for any analog ({', '.join(an)}) in space {s!r}; "
                        "widen --window or choose other analogs"
                    )
                y = np.array([ev[i].theta_hat for i in use])
                # likelihood of analog i raised to power[i] = discount * w_i / max(w): se / sqrt(power)
                se = np.array([ev[i].se for i in use]) / np.sqrt([power[i] for i in use])
                informative, extra = _informative(method, y, se, tau, n_components)
                informative = _rmix(informative)
                mix = (
                    _rmix(robustify(informative, robust_weight))
                    if method == "robust_map"
                    else informative
                )
                # each analog alone, in country-years at the combined prior's reference rate
                p_ref = reference_rate(informative)
                alone = {
                    an[i]: ess_mixture(
                        _informative(method, y[[j]], se[[j]], tau, None)[0], "elir", p_ref
                    )
                    for j, i in enumerate(use)
                }
                tot = sum(alone.values())
                shares = {a: (_r(alone.get(a, 0.0) / tot, 6) or 0.0) for a in an}
            cp = conflict_pvalue(informative, x_t, n_t) if n_t > 0 else None
            out[s][d] = SpacePrior(
                space=s,
                direction=d,
                mixture=mix,
                ess_share=MappingProxyType(shares),
                evidence=tuple(ev),
                conflict_p=_r(cp, 6),
                conflict_events=x_t,
                conflict_years=n_t,
                conflict_span=span,
                **{k: _r(v, 6) for k, v in extra.items()},
                **_summaries(mix, x_t, n_t),
            )
    meta = PriorMeta(
        target=tgt,
        analogs=tuple(an),
        weights=w,
        method=method,
        discount=float(discount),
        robust_weight=float(robust_weight) if method == "robust_map" else 0.0,
        window=str(win),
        tau_prior=str(tau) if method in ("map", "robust_map") else "",
        conflict_years=int(conflict_years),
        data_sha256=sha,
        analogcast_version=__version__,
        created=_dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        analog_power=tuple(_r(p, 10) or 0.0 for p in power),
        notes=_auto_notes(method, an, power, tau),
    )
    return AnalogPrior(meta, MappingProxyType(out))


def _auto_notes(method: str, analogs: Sequence[str], power: Sequence[float], tau: TauPrior) -> str:
    """Warnings a reader of the file needs (stored in ``meta.notes``)."""
    used = sum(1 for p in power if p > 0)
    if method in ("map", "robust_map") and used <= 2 and tau.kind != "fixed":
        return (
            f"tau is barely identified by {used} analog(s): its posterior is close to its prior {tau}, "
            "which therefore sets how much is borrowed; compare --tau-prior 'HalfNormal(0.5)' and "
            "'HalfNormal(2)' (tau_median/tau_lower/tau_upper per space show the posterior)."
        )
    return ""

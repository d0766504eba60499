"""``build_prior``: the analogy prior for a target from analog countries and spells.

Two routes to the analogs' evidence, both on the scale of the models' ``theta[s, d]``:

* **counts** (default): each analog's event years and coded years, divided by the episode design
  effect and entered with their exact binomial likelihood at rate ``logistic(theta / kappa)``
  (:mod:`analogcast.priors.likelihood`, :mod:`analogcast.priors.calibration`);
* **model scale** (``evidence=ModelScaleEvidence(...)``): each analog's intercept ``(mean, sd)`` on
  the model's scale, as a fitted event model without the target gives it; MAP / power / robust
  then use the normal likelihoods exactly (:mod:`analogcast.priors.methods`).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import xarray as xr
from scipy import special

from analogcast._version import __version__
from analogcast.errors import UnknownCountryError, UserInputError, did_you_mean
from analogcast.priors.calibration import kappa_for
from analogcast.priors.checks import conflict_pvalue
from analogcast.priors.drift import DriftPrior, build_drift, drift_evidence
from analogcast.priors.ess import ess_mixture, reference_rate
from analogcast.priors.evidence import (
    DIRECTIONS,
    AnalogEvidence,
    Window,
    base_rates,
    collect_evidence,
    design_effects,
    parse_window,
)
from analogcast.priors.likelihood import (
    MU_PRIOR_SD,
    Grid,
    count_loglik,
    fit_mixture,
    grid_map,
    grid_power,
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
from analogcast.priors.mixture import NormalMixture
from analogcast.priors.prior import AnalogPrior, _summaries, rate_scale
from analogcast.priors.records import PriorMeta, SpacePrior, _r, _rmix
from analogcast.priors.spells import Analog, parse_analog

__all__ = ["build_prior", "check_request", "ModelScaleEvidence"]

GRID = Grid()


@dataclass(frozen=True)
class ModelScaleEvidence:
    """Per-analog intercepts on the model's scale (the fitted-model route of :func:`build_prior`).

    Parameters
    ----------
    estimates
        ``(space, direction) -> sequence of (label, mean, sd)``: each analog's (or spell's)
        intercept ``theta_j`` at its own mean covariates, from an event model fitted without the
        target (posterior mean and sd). Labels are those of ``analogs`` (``SAU``, ``AFG:1996-2000``).
    source
        What produced them (stored in ``meta.evidence_source``), e.g. ``"event_logit fit without AFG"``.
    """

    estimates: Mapping[tuple[str, str], Sequence[tuple[str, float, float]]]
    source: str = "fitted event model without the target"

    def get(self, space: str, direction: str, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(means, sds)`` aligned with ``labels`` (NaN where an analog has no estimate)."""
        rows = {str(lab): (float(m), float(s)) for lab, m, s in self.estimates.get((space, direction), ())}
        unknown = set(rows) - set(labels)
        if unknown:
            raise UserInputError(
                f"evidence for {space}/{direction} names {', '.join(sorted(unknown))}, "
                f"which are not among the analogs ({', '.join(labels)})"
            )
        for lab, (m, s) in rows.items():
            if not (math.isfinite(m) and math.isfinite(s) and s > 0):
                raise UserInputError(
                    f"evidence for {lab} in {space}/{direction}: mean = {m}, sd = {s} (need finite, sd > 0)"
                )
        means = np.array([rows.get(lab, (np.nan, np.nan))[0] for lab in labels])
        sds = np.array([rows.get(lab, (np.nan, np.nan))[1] for lab in labels])
        return means, sds


@dataclass
class _Cell:
    informative: NormalMixture
    extra: dict[str, float] = field(default_factory=dict)
    alone: dict[str, NormalMixture] = field(default_factory=dict)


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
    """Weights aligned with the analog labels; mapping keys are resolved like ``--analogs``."""
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


def _count_cell(
    method: str,
    ev: Sequence[AnalogEvidence],
    power: Sequence[float],
    kappa: float,
    deff: float,
    tau: TauPrior,
    mu_prior: tuple[float, float],
    k: int,
    shares: bool = True,
) -> _Cell:
    """Informative part from counts (exact binomial likelihoods on the grid)."""
    use = [i for i, e in enumerate(ev) if e.years > 0 and power[i] > 0]
    if not use:
        return _Cell(NormalMixture.normal(0.0, 1.0))  # caller raises
    th = GRID.points

    def one(idx: Sequence[int], kk: int = k) -> tuple[NormalMixture, dict[str, float]]:
        if method == "power":
            x = sum(power[i] * ev[i].events / deff for i in idx)
            n = sum(power[i] * ev[i].years / deff for i in idx)
            mix, kl = fit_mixture(grid_power(x, n, GRID, kappa), kk, "power")
            return mix, {"compression_kl": kl}
        lls = [
            power[i] * count_loglik(th, ev[i].events / deff, ev[i].years / deff, kappa)
            for i in idx
        ]
        dens = grid_map(lls, tau, GRID, mu_prior)
        mix, kl = fit_mixture(dens, kk, "map")
        return mix, {
            "tau_median": dens.tau_median or 0.0,
            "tau_lower": dens.tau_lower or 0.0,
            "tau_upper": dens.tau_upper or 0.0,
            "compression_kl": kl,
        }

    mix, extra = one(use)
    # each analog alone (for the ESS shares): 3 components are plenty for an ESS
    alone = {ev[i].label: one([i], min(k, 3))[0] for i in use} if shares else {}
    return _Cell(mix, extra, alone)


def _model_cell(
    method: str, y: np.ndarray, sd: np.ndarray, labels: Sequence[str], power: Sequence[float],
    tau: TauPrior, k: int, shares: bool = True,
) -> _Cell:
    """Informative part from model-scale estimates (normal likelihoods, closed form per tau)."""
    use = [i for i in range(len(labels)) if np.isfinite(y[i]) and power[i] > 0]
    if not use:
        return _Cell(NormalMixture.normal(0.0, 1.0))
    se = sd[use] / np.sqrt(np.asarray([power[i] for i in use]))

    def one(yy: np.ndarray, ss: np.ndarray, kk: int | None) -> tuple[NormalMixture, dict[str, float]]:
        if method == "power":
            return power_prior(yy, ss, 1.0), {}
        res = map_prior(yy, ss, tau, k=kk, label="map")
        return (res.mixture if kk else res.exact), {
            "tau_median": res.tau_median,
            "tau_lower": res.tau_lower,
            "tau_upper": res.tau_upper,
            "compression_kl": res.compression_kl,
        }

    mix, extra = one(y[use], se, k)
    alone = {labels[i]: one(y[[i]], se[[j]], None)[0] for j, i in enumerate(use)} if shares else {}
    return _Cell(mix, extra, alone)


def _target_counts(
    events: xr.Dataset, target: str, space: str, direction: str, k: int, current_from: int | None
) -> tuple[int, int, tuple[int, int] | None]:
    """Target events and coded years in its last ``k`` coded years (from ``current_from`` on, if given)."""
    if target not in set(map(str, events["country"].values)):
        return 0, 0, None
    da = events[direction].sel(country=target, space=space)
    yrs = np.asarray(da["year"].values)
    vals = np.asarray(da.values, dtype=float)
    ok = np.isfinite(vals) & (yrs >= (current_from if current_from is not None else -10**9))
    yrs, vals = yrs[ok], vals[ok]
    if yrs.size == 0:
        return 0, 0, None
    order = np.argsort(yrs)[-k:]
    return (
        int(np.round(vals[order].sum())),
        int(order.size),
        (int(yrs[order].min()), int(yrs[order].max())),
    )


@dataclass(frozen=True)
class _Request:
    target: str
    specs: tuple[Analog, ...]
    labels: tuple[str, ...]
    weights: tuple[float, ...]
    window: Window
    tau: TauPrior


def check_request(
    target: str,
    analogs: Sequence[str | Analog] | str,
    method: str = "robust_map",
    discount: float = 1.0,
    robust_weight: float = 0.2,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    window: str | tuple[int | None, int | None] | Window | None = None,
    tau_scale: float = DEFAULT_TAU_SCALE,
    tau_prior: TauPrior | str | None = None,
    conflict_years: int = 10,
    events: xr.Dataset | None = None,
    *,
    current_from: int | None = None,
) -> _Request:
    """Resolve and check a :func:`build_prior` request (names, spells, weights, method, tau prior)
    without building anything: one line on the first problem. Lets a caller refuse bad input
    before long work (the model-scale evidence fit)."""
    _check_inputs(method, discount, robust_weight, conflict_years)
    base_resolve = _resolver(events)

    def resolve_field(field_name: str, text: str) -> str:
        try:
            return base_resolve(text)
        except UnknownCountryError as exc:
            raise UnknownCountryError(f"{field_name} = {text!r}: {exc}") from None

    tgt = resolve_field("target", target)
    specs = [parse_analog(a) for a in ([a for a in analogs.split(",") if a.strip()] if isinstance(analogs, str) else analogs)]
    specs = [a.with_country(resolve_field("analogs", a.country)) for a in specs]
    an = [a.label for a in specs]
    for a in specs:
        if a.country == tgt and not a.is_spell:
            raise UserInputError(
                f"analogs = {','.join(an)} include the target {tgt}; an analog must be another "
                f"country or an earlier spell of the target (e.g. {tgt}:1996-2000)"
            )
        if a.country == tgt and current_from is not None and int(a.last) >= current_from:  # type: ignore[arg-type]
            raise UserInputError(
                f"analogs = {a.label!r} overlaps the target's current spell (from {current_from}); "
                "an own spell must end before it"
            )
    dup = sorted({a for a in an if an.count(a) > 1})
    if dup:
        raise UserInputError(f"analogs = {','.join(an)} list {', '.join(dup)} more than once")
    if not an and method != "none":
        raise UserInputError(f"method = {method!r} needs at least one analog (--analogs SAU,IRN)")

    def resolve_label(text: str) -> str:
        return parse_analog(text, "weights").with_country(resolve_field("weights", parse_analog(text).country)).label

    w = _analog_weights(an, weights, resolve_label)
    win = parse_window(window)
    if tau_prior is None:
        tau = TauPrior("halfnormal", tau_scale)
    else:
        tau = tau_prior if isinstance(tau_prior, TauPrior) else TauPrior.parse(tau_prior)
    return _Request(tgt, tuple(specs), tuple(an), w, win, tau)


def build_prior(
    target: str,
    analogs: Sequence[str | Analog] | str,
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
    *,
    current_from: int | None = None,
    kappa: float | None = None,
    evidence: ModelScaleEvidence | None = None,
    episodes: bool = True,
    panel: xr.Dataset | None = None,
    drift: bool | None = None,
    directions: Iterable[str] | None = None,
    ess_shares: bool = True,
) -> AnalogPrior:
    """Build the analogy prior for ``target``'s current spell from analog countries and spells.

    Parameters
    ----------
    target
        Target country (code or name; resolved by :func:`analogcast.data.resolve_country`).
    analogs
        Analogs (at least one unless ``method="none"``): ``"SAU"`` (a country's coded history in
        ``window``) or ``"AFG:1996-2000"`` (a spell). The target itself may appear only as a spell
        that ends before ``current_from``: its own earlier regime, weighted like any analog.
    method
        ``"map"``, ``"power"``, ``"robust_map"`` (default) or ``"none"``.
    discount
        ``a0`` in (0, 1]: every analog's likelihood is raised to ``a0`` (times its weight, below).
    robust_weight
        ``robust_map``: prior weight in [0, 1) of the unit-information vague component.
    weights
        Per-analog weights (mapping label -> weight, or a sequence aligned with ``analogs``), >= 0:
        analog ``j``'s likelihood power is ``discount * w_j / max(w)``.
    window
        Years of the whole-country analogs' history, e.g. ``"1990-2020"``; default all.
    tau_scale, tau_prior
        MAP heterogeneity prior: HalfNormal(``tau_scale``) or a full ``TauPrior`` / text.
    conflict_years
        The conflict check uses the target's last ``conflict_years`` coded years (within the
        current spell when ``current_from`` is given).
    spaces
        Subset of spaces; default all seven.
    events
        Events dataset to use instead of :func:`analogcast.data.load_events`.
    data_sha256
        Recorded data hash; default :func:`analogcast.data.data_sha256` (``"external"`` with ``events``).
    n_components
        Components kept for the informative part (1-4).
    current_from
        First year of the target's current spell (the one the prior informs).
    kappa
        Scale factor for the counts route (theta = kappa logit(rate)); default the calibrated
        :data:`analogcast.priors.calibration.KAPPA` per space and direction; 1 = raw-rate scale.
    evidence
        Model-scale analog intercepts (:class:`ModelScaleEvidence`); then counts are only reported.
    episodes
        Divide counts by the episode design effect (default True; False counts every year as an
        independent trial, for comparison).
    panel
        Covariate panel for the trajectory drift prior (default :func:`analogcast.data.load_panel`
        when ``events`` is not supplied).
    drift
        Also build the trajectory model's drift prior (:mod:`analogcast.priors.drift`); default:
        when a panel is available (given, or the shipped data are used).
    directions
        Directions to build (default both). With one direction the prior is partial: it can
        answer :meth:`AnalogPrior.mixture` for that direction only and is not for fitting.
    ess_shares
        Compute each analog's ESS share (default True). The per-analog fits behind them are most
        of the cost of a build; ``False`` leaves ``ess_share`` empty. Neither option changes a
        mixture: they are for quick what-if rebuilds (the report's sensitivity section).

    Returns
    -------
    AnalogPrior
        Deterministic (grid and quadrature; no seed involved).
    """
    _check_inputs(method, discount, robust_weight, conflict_years)
    dirs = DIRECTIONS if directions is None else tuple(str(d) for d in directions)
    for d in dirs:
        if d not in DIRECTIONS:
            raise UserInputError(f"direction = {d!r} is not one of {', '.join(DIRECTIONS)}.{did_you_mean(d, DIRECTIONS)}")
    if not 1 <= n_components <= 4:
        raise UserInputError(f"n_components = {n_components} must be between 1 and 4")
    req = check_request(target, analogs, method, discount, robust_weight, weights, window, tau_scale,
                        tau_prior, conflict_years, events, current_from=current_from)
    tgt, specs, an, w, win, tau = (req.target, list(req.specs), list(req.labels), req.weights,
                                   req.window, req.tau)
    events_shipped = events is None
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

    ev_all = collect_evidence(events, specs, win, space_list) if an else {}
    rates = base_rates(events, win)
    deffs = design_effects(events, space_list) if (an and episodes and evidence is None) else {}
    power = tuple(discount * v / max(w) for v in w) if an else ()

    out: dict[str, dict[str, SpacePrior]] = {}
    for s in space_list:
        out[s] = {}
        for d in dirs:
            ev = ev_all.get((s, d), ())
            x_t, n_t, span = _target_counts(events, tgt, s, d, int(conflict_years), current_from)
            extra: dict[str, Any] = {}
            shares: dict[str, float] = {}
            kap = 1.0 if (method == "none" or evidence is not None) else kappa_for(s, d, kappa)
            deff = deffs.get((s, d), 1.0) if deffs else 1.0
            model_ev: tuple[tuple[str, float, float], ...] = ()
            if method == "none":
                mix = vague_prior(rates[(s, d)], NONE_SD)
                informative = mix
            else:
                if evidence is not None:
                    y, sd = evidence.get(s, d, an)
                    model_ev = tuple(
                        (an[i], float(y[i]), float(sd[i])) for i in range(len(an)) if np.isfinite(y[i])
                    )
                    cell = _model_cell(method, y, sd, an, power, tau, n_components, ess_shares)
                    if not model_ev or not any(power[i] > 0 for i in range(len(an)) if np.isfinite(y[i])):
                        raise UserInputError(
                            f"evidence has no estimate with weight > 0 for space {s!r}, {d}"
                        )
                else:
                    if not any(e.years > 0 and power[i] > 0 for i, e in enumerate(ev)):
                        raise UserInputError(
                            f"window = {win} has no coded years for any analog ({', '.join(an)}) in space {s!r}; "
                            "widen --window or choose other analogs"
                        )
                    m0 = kap * float(special.logit(rates[(s, d)]))
                    cell = _count_cell(method, ev, power, kap, deff, tau, (m0, MU_PRIOR_SD * kap), n_components, ess_shares)
                informative = _rmix(cell.informative)
                extra = cell.extra
                mix = (
                    _rmix(robustify(informative, robust_weight, kappa=kap))
                    if method == "robust_map"
                    else informative
                )
                # each analog alone, in country-years at the combined prior's reference rate
                p_ref = reference_rate(informative, kap)
                alone = {lab: ess_mixture(m, "elir", p_ref, kappa=kap) for lab, m in cell.alone.items()}
                tot = sum(alone.values())
                shares = {a: (_r(alone.get(a, 0.0) / tot, 6) or 0.0) for a in an} if alone else {}
            cp = conflict_pvalue(rate_scale(informative, kap), x_t, n_t) if n_t > 0 else None
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
                kappa=_r(kap, 6) or 1.0,
                design_effect=_r(deff, 6) if deffs else None,
                model_evidence=tuple((lab, _r(m, 10), _r(v, 10)) for lab, m, v in model_ev),  # type: ignore[misc]
                **{k_: _r(v, 6) for k_, v in extra.items()},
                **_summaries(mix, x_t, n_t, kap),
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
        current_from=current_from,
        evidence_source=(
            "" if method == "none"
            else evidence.source if evidence is not None
            else ("counts: exact binomial, episode design effect, calibrated kappa" if episodes
                  else "counts: exact binomial, every year a trial, calibrated kappa")
        ),
    )
    use_drift = (panel is not None or events_shipped) if drift is None else drift
    drift_priors: dict[str, DriftPrior] = {}
    if use_drift and an and method != "none":
        if panel is None:
            from analogcast.data import load_panel

            panel = load_panel()
        pw = dict(zip(an, power, strict=True))
        wl = (win.first, win.last)
        for series in [*space_list, "wbl"]:
            evs = [e for a in specs if (e := drift_evidence(panel, a, series, wl)) is not None]
            dp = build_drift(evs, pw, method, robust_weight, series)
            if dp is not None:
                drift_priors[series] = DriftPrior(series, _rmix(dp.mixture), dp.evidence,
                                                  _r(dp.tau_median, 6))
    return AnalogPrior(meta, MappingProxyType(out), MappingProxyType(drift_priors))


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

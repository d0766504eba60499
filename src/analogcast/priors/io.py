"""The prior file: human-readable TOML, written by ``AnalogPrior.to_toml`` and read by :func:`load_prior`.

Layout::

    [meta]                              target, analogs, weights, method, discount, robust_weight,
                                        window, tau_prior, conflict_years, data_sha256, version, created
    [spaces.<space>.<direction>]        summaries: rate, ESS, 2-year predictive, conflict, tau
    [spaces.<space>.<direction>.mixture]    weights, means, sds, labels (logit scale; what models use)
    [spaces.<space>.<direction>.ess_share]  analog -> share of the ESS

``mean_logit`` and ``sd_logit`` are derived from the mixture and written only for the reader.
Every value is validated on load; a malformed file raises :class:`~analogcast.errors.DataIntegrityError`
naming the file and the key.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import tomli_w

from analogcast.errors import DataIntegrityError, UserInputError
from analogcast.priors.checks import PredictiveSummary
from analogcast.priors.drift import DriftEvidence, DriftPrior
from analogcast.priors.evidence import DIRECTIONS, AnalogEvidence
from analogcast.priors.methods import METHODS
from analogcast.priors.mixture import NormalMixture
from analogcast.priors.records import PriorMeta, SpacePrior

__all__ = ["prior_to_toml", "parse_prior_document", "read_prior_file", "FORMAT_VERSION"]

Spaces = Mapping[str, Mapping[str, SpacePrior]]

FORMAT_VERSION = 1

_HEADER = """\
# analogcast analogy prior (format {fmt}).
# Prior on theta[space, direction] = the target's logit yearly hazard of an opening / closing event,
# built from the analog countries' event histories ({method}). Load with analogcast.priors.load_prior(path).
#
# How to read a [spaces.<space>.<direction>] table:
#   rate_mean, rate_median,             prior mean, median and 89% interval of the yearly event
#   rate_lower, rate_upper              probability (the mean yearly rate p = logistic(theta / kappa))
#   ess                                 effective sample size in country-years, the headline (ELIR with
#                                       the information of one yearly Bernoulli observation at the
#                                       reference rate logistic(mean_logit / kappa))
#   ess_moment                          ESS of the normal with the prior's mean and variance
#   ess_local                           ELIR with the local information p(1 - p) at every theta (RBesT's
#                                       binomial ESS) of the informative part (without the vague part)
#   kappa                               theta = kappa * logit(mean yearly rate): the scale calibration
#   design_effect                       mean episode length D; analog counts enter as x / D in n / D
#   ess_share                           each analog's share (ESS of the prior from that analog alone, at
#                                       this prior's reference rate, over the sum across analogs)
#   p_any_2y_*                          prior mean and 89% interval of P(at least one event within 2 years)
#   conflict_p, conflict_flag           two-sided prior predictive tail probability of the target's events
#                                       in its last conflict_years coded years (from meta.current_from
#                                       on, when set), under the informative part (flag when < 0.05)
#   vague_weight_posterior              robust_map: weight of the vague part after those target data
#                                       (above robust_weight = the target's data pull away from the analogs)
#   evidence                            each analog's (label: country or country:spell) event years,
#                                       coded years and episodes; its likelihood is the exact binomial
#                                       of (events / D) in (years / D) at rate logistic(theta / kappa)
#   model_evidence                      (model-scale route) each analog's fitted intercept mean and sd
#   [...mixture]                        the distribution itself: sum_k weights[k] * Normal(means[k], sds[k])
"""


def _clean(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _cell(sp: SpacePrior) -> dict[str, Any]:
    mix = sp.mixture
    out: dict[str, Any] = {
        "mean_logit": float(f"{mix.mean():.8g}"),
        "sd_logit": float(f"{mix.sd():.8g}"),
        "rate_mean": sp.rate.mean,
        "rate_median": sp.rate.median,
        "rate_lower": sp.rate.lower,
        "rate_upper": sp.rate.upper,
        "ess": sp.ess,
        "ess_moment": sp.ess_moment,
        "p_any_2y_mean": sp.p_any_2y.mean,
        "p_any_2y_lower": sp.p_any_2y.lower,
        "p_any_2y_upper": sp.p_any_2y.upper,
        "conflict_p": sp.conflict_p,
        "conflict_flag": sp.conflict_flag,
        "conflict_events": sp.conflict_events,
        "conflict_years": sp.conflict_years,
        "conflict_span": list(sp.conflict_span) if sp.conflict_span else None,
        "vague_weight_posterior": sp.vague_weight_posterior,
        "tau_median": sp.tau_median,
        "tau_lower": sp.tau_lower,
        "tau_upper": sp.tau_upper,
        "compression_kl": sp.compression_kl,
        "ess_local": sp.ess_local,
        "kappa": sp.kappa,
        "design_effect": sp.design_effect,
        "evidence": [
            _clean(
                {
                    "label": e.label,
                    "country": e.country,
                    "events": e.events,
                    "years": e.years,
                    "episodes": e.episodes,
                    "first_year": e.first_year,
                    "last_year": e.last_year,
                    "rate": float(f"{e.events / e.years:.6g}") if e.years else None,
                }
            )
            for e in sp.evidence
        ],
        "model_evidence": [
            {"label": lab, "mean": m, "sd": sd} for lab, m, sd in sp.model_evidence
        ],
        "mixture": mix.to_dict(),
        "ess_share": dict(sp.ess_share),
    }
    if not out["evidence"]:
        del out["evidence"]
    if not out["model_evidence"]:
        del out["model_evidence"]
    if not out["ess_share"]:
        del out["ess_share"]
    return _clean(out)


_ARRAY_RE = re.compile(r"= \[\n((?:    [^\n\[\]{}]*,\n)+)\]")


def _one_line_arrays(text: str) -> str:
    """Put arrays of scalars on one line (tomli_w writes one element per line)."""
    return _ARRAY_RE.sub(
        lambda m: "= [" + ", ".join(x.strip().rstrip(",") for x in m.group(1).splitlines()) + "]",
        text,
    )


def _drift_cell(dp: DriftPrior) -> dict[str, Any]:
    return _clean(
        {
            "mean": float(f"{dp.mixture.mean():.8g}"),
            "sd": float(f"{dp.mixture.sd():.8g}"),
            "tau_median": dp.tau_median,
            "evidence": [
                {"label": e.label, "mean": e.mean, "se": e.se, "moved_years": e.moved}
                for e in dp.evidence
            ],
            "mixture": dp.mixture.to_dict(),
        }
    )


def prior_to_toml(
    meta: PriorMeta, spaces: Spaces, drift: Mapping[str, DriftPrior] | None = None
) -> str:
    """Render a prior as commented TOML; the text is parsed back and checked before returning."""
    meta_d: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "target": meta.target,
        "analogs": list(meta.analogs),
        "weights": list(meta.weights),
        "analog_power": list(meta.analog_power),
        "method": meta.method,
        "discount": meta.discount,
        "robust_weight": meta.robust_weight,
        "window": meta.window,
        "tau_prior": meta.tau_prior,
        "conflict_years": meta.conflict_years,
        "data_sha256": meta.data_sha256,
        "analogcast_version": meta.analogcast_version,
        "created": meta.created,
        "notes": meta.notes,
        "current_from": meta.current_from,
        "evidence_source": meta.evidence_source,
    }
    meta_d = _clean(meta_d)
    parts = [_HEADER.format(fmt=FORMAT_VERSION, method=meta.method)]
    parts.append(
        "# weights: as given (1 each by default); analog_power: the power each analog's likelihood\n"
        "# is raised to = discount * weight / max(weight). tau_prior: MAP heterogeneity prior (logit scale).\n\n"
    )
    parts.append(_one_line_arrays(tomli_w.dumps({"meta": meta_d})))
    for s, dirs in spaces.items():
        parts.append(
            f"\n# ---------------------------------------------------------------- space: {s}\n"
        )
        parts.append(
            _one_line_arrays(
                tomli_w.dumps({"spaces": {s: {d: _cell(sp) for d, sp in dirs.items()}}})
            )
        )
    if drift:
        parts.append(
            "\n# ---------------------------------------------------------------- trajectory drift\n"
            "# Prior on the trajectory model's drift intercept of the target per series (logit index\n"
            "# per year, in years the index moves): MAP over each analog's mean yearly change.\n"
        )
        parts.append(
            _one_line_arrays(tomli_w.dumps({"drift": {k: _drift_cell(v) for k, v in drift.items()}}))
        )
    text = "".join(parts)
    back_meta, back_spaces, back_drift = parse_prior_document(tomllib.loads(text), "<rendered>")
    same = (
        back_meta == meta
        and {k: dict(v) for k, v in back_spaces.items()} == {k: dict(v) for k, v in spaces.items()}
        and back_drift == dict(drift or {})
    )
    if not same:  # pragma: no cover - guards the writer against silent drift
        raise DataIntegrityError("prior TOML does not round-trip; refusing to write it")
    return text


# ---------------------------------------------------------------------- reading
class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, msg: str) -> DataIntegrityError:
        return DataIntegrityError(f"prior file {self.source}: key '{key}' {msg}")

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        kind: type | tuple[type, ...],
        optional: bool = False,
        default: Any = None,
    ) -> Any:
        full = f"{where}.{key}" if where else key
        if key not in table:
            if optional:
                return default
            raise self.fail(full, "is missing")
        v = table[key]
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if isinstance(v, bool) and kind is not bool:
            raise self.fail(
                full, f"= {v!r} has the wrong type (expected {getattr(kind, '__name__', kind)})"
            )
        if not isinstance(v, kind):
            name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(full, f"= {v!r} has the wrong type (expected {name})")
        if isinstance(v, float) and not math.isfinite(v):
            raise self.fail(full, f"= {v!r} is not finite")
        return v

    def floats(self, table: Mapping[str, Any], key: str, where: str) -> tuple[float, ...]:
        v = self.get(table, key, where, list)
        out = []
        for i, x in enumerate(v):
            if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(float(x)):
                raise self.fail(f"{where}.{key}[{i}]", f"= {x!r} is not a finite number")
            out.append(float(x))
        return tuple(out)

    def summary(self, t: Mapping[str, Any], prefix: str, where: str) -> PredictiveSummary:
        vals = [self.get(t, f"{prefix}_{k}", where, float) for k in ("mean", "lower", "upper")]
        median = self.get(t, f"{prefix}_median", where, float, optional=True)
        return PredictiveSummary(*vals, median=median)


def _cell_from(r: _Reader, t: Any, space: str, d: str, analogs: tuple[str, ...]) -> SpacePrior:
    where = f"spaces.{space}.{d}"
    if not isinstance(t, dict):
        raise r.fail(where, "must be a table")
    mt = r.get(t, "mixture", where, dict)
    labels = r.get(mt, "labels", f"{where}.mixture", list, optional=True, default=[])
    try:
        mix = NormalMixture(
            r.floats(mt, "weights", f"{where}.mixture"),
            r.floats(mt, "means", f"{where}.mixture"),
            r.floats(mt, "sds", f"{where}.mixture"),
            tuple(str(x) for x in labels),
        )
    except UserInputError as exc:
        raise r.fail(f"{where}.mixture", f"is not a valid normal mixture: {exc}") from None
    shares_t = r.get(t, "ess_share", where, dict, optional=True, default={})
    shares: dict[str, float] = {}
    for k in shares_t:
        shares[str(k)] = r.get(shares_t, k, f"{where}.ess_share", float)
        if k not in analogs:
            raise r.fail(f"{where}.ess_share.{k}", f"names {k}, which is not in meta.analogs")
    ev = []
    for i, e in enumerate(r.get(t, "evidence", where, list, optional=True, default=[])):
        ew = f"{where}.evidence[{i}]"
        if not isinstance(e, dict):
            raise r.fail(ew, "must be a table")
        ev.append(
            AnalogEvidence(
                r.get(e, "country", ew, str),
                r.get(e, "events", ew, int),
                r.get(e, "years", ew, int),
                r.get(e, "first_year", ew, int, optional=True),
                r.get(e, "last_year", ew, int, optional=True),
                episodes=r.get(e, "episodes", ew, int, optional=True),
                label=r.get(e, "label", ew, str, optional=True, default=""),
            )
        )
    model_ev = []
    for i, e in enumerate(r.get(t, "model_evidence", where, list, optional=True, default=[])):
        ew = f"{where}.model_evidence[{i}]"
        if not isinstance(e, dict):
            raise r.fail(ew, "must be a table")
        sd = r.get(e, "sd", ew, float)
        if sd <= 0:
            raise r.fail(f"{ew}.sd", f"= {sd} must be > 0")
        model_ev.append((r.get(e, "label", ew, str), r.get(e, "mean", ew, float), sd))
    span = r.get(t, "conflict_span", where, list, optional=True)
    if span is not None and (len(span) != 2 or not all(isinstance(x, int) for x in span)):
        raise r.fail(f"{where}.conflict_span", f"= {span!r} must be [first_year, last_year]")
    for k in ("ess", "ess_moment"):
        if r.get(t, k, where, float) < 0:
            raise r.fail(f"{where}.{k}", "must be >= 0")
    opt = {
        k: r.get(t, k, where, float, optional=True)
        for k in (
            "vague_weight_posterior",
            "tau_median",
            "tau_lower",
            "tau_upper",
            "compression_kl",
            "ess_local",
            "design_effect",
        )
    }
    kappa = r.get(t, "kappa", where, float, optional=True, default=1.0)
    if kappa <= 0:
        raise r.fail(f"{where}.kappa", f"= {kappa} must be > 0")
    cp = r.get(t, "conflict_p", where, float, optional=True)
    if cp is not None and not 0.0 <= cp <= 1.0:
        raise r.fail(f"{where}.conflict_p", f"= {cp} is not a probability")
    return SpacePrior(
        space=space,
        direction=d,
        mixture=mix,
        ess=r.get(t, "ess", where, float),
        ess_moment=r.get(t, "ess_moment", where, float),
        ess_share=MappingProxyType(shares),
        evidence=tuple(ev),
        rate=r.summary(t, "rate", where),
        p_any_2y=r.summary(t, "p_any_2y", where),
        conflict_p=cp,
        conflict_events=r.get(t, "conflict_events", where, int),
        conflict_years=r.get(t, "conflict_years", where, int),
        conflict_span=tuple(span) if span is not None else None,  # type: ignore[arg-type]
        kappa=kappa,
        model_evidence=tuple(model_ev),
        **opt,
    )


def _drift_from(r: _Reader, t: Any, series: str) -> DriftPrior:
    where = f"drift.{series}"
    if not isinstance(t, dict):
        raise r.fail(where, "must be a table")
    mt = r.get(t, "mixture", where, dict)
    labels = r.get(mt, "labels", f"{where}.mixture", list, optional=True, default=[])
    try:
        mix = NormalMixture(
            r.floats(mt, "weights", f"{where}.mixture"),
            r.floats(mt, "means", f"{where}.mixture"),
            r.floats(mt, "sds", f"{where}.mixture"),
            tuple(str(x) for x in labels),
        )
    except UserInputError as exc:
        raise r.fail(f"{where}.mixture", f"is not a valid normal mixture: {exc}") from None
    ev = []
    for i, e in enumerate(r.get(t, "evidence", where, list, optional=True, default=[])):
        ew = f"{where}.evidence[{i}]"
        if not isinstance(e, dict):
            raise r.fail(ew, "must be a table")
        ev.append(
            DriftEvidence(
                r.get(e, "label", ew, str),
                r.get(e, "mean", ew, float),
                r.get(e, "se", ew, float),
                r.get(e, "moved_years", ew, int),
            )
        )
    return DriftPrior(series, mix, tuple(ev), r.get(t, "tau_median", where, float, optional=True))


def parse_prior_document(
    doc: Mapping[str, Any], source: str = "<dict>"
) -> tuple[PriorMeta, dict[str, dict[str, SpacePrior]], dict[str, DriftPrior]]:
    """Validate a parsed prior document: ``(meta, spaces, drift)`` of an ``AnalogPrior``."""
    r = _Reader(source)
    m = r.get(doc, "meta", "", dict)
    fmt = r.get(m, "format", "meta", int)
    if fmt != FORMAT_VERSION:
        raise r.fail(
            "meta.format", f"= {fmt} is not a supported format (expected {FORMAT_VERSION})"
        )
    method = r.get(m, "method", "meta", str)
    if method not in METHODS:
        raise r.fail("meta.method", f"= {method!r} is not one of {', '.join(METHODS)}")
    analogs = tuple(str(a) for a in r.get(m, "analogs", "meta", list))
    weights = r.floats(m, "weights", "meta")
    if len(weights) != len(analogs):
        raise r.fail("meta.weights", f"has {len(weights)} values for {len(analogs)} analogs")
    discount = r.get(m, "discount", "meta", float)
    if not 0 < discount <= 1:
        raise r.fail("meta.discount", f"= {discount} is outside (0, 1]")
    rw = r.get(m, "robust_weight", "meta", float)
    if not 0 <= rw < 1:
        raise r.fail("meta.robust_weight", f"= {rw} is outside [0, 1)")
    meta = PriorMeta(
        target=r.get(m, "target", "meta", str),
        analogs=analogs,
        weights=weights,
        method=method,
        discount=discount,
        robust_weight=rw,
        window=r.get(m, "window", "meta", str),
        tau_prior=r.get(m, "tau_prior", "meta", str),
        conflict_years=r.get(m, "conflict_years", "meta", int),
        data_sha256=r.get(m, "data_sha256", "meta", str),
        analogcast_version=r.get(m, "analogcast_version", "meta", str),
        created=r.get(m, "created", "meta", str),
        analog_power=r.floats(m, "analog_power", "meta") if "analog_power" in m else (),
        notes=r.get(m, "notes", "meta", str, optional=True, default=""),
        current_from=r.get(m, "current_from", "meta", int, optional=True),
        evidence_source=r.get(m, "evidence_source", "meta", str, optional=True, default=""),
    )
    spaces_t = r.get(doc, "spaces", "", dict)
    if not spaces_t:
        raise r.fail("spaces", "has no space tables")
    spaces: dict[str, dict[str, SpacePrior]] = {}
    for s, dirs in spaces_t.items():
        if not isinstance(dirs, dict):
            raise r.fail(f"spaces.{s}", "must be a table")
        spaces[s] = {}
        for d in DIRECTIONS:
            if d not in dirs:
                raise r.fail(f"spaces.{s}.{d}", "is missing")
            spaces[s][d] = _cell_from(r, dirs[d], s, d, analogs)
        extra = set(dirs) - set(DIRECTIONS)
        if extra:
            raise r.fail(
                f"spaces.{s}.{sorted(extra)[0]}", f"is not a direction ({', '.join(DIRECTIONS)})"
            )
    drift_t = r.get(doc, "drift", "", dict, optional=True, default={})
    drift = {str(k): _drift_from(r, v, str(k)) for k, v in drift_t.items()}
    return meta, spaces, drift


def read_prior_file(
    path: str | Path,
) -> tuple[PriorMeta, dict[str, dict[str, SpacePrior]], dict[str, DriftPrior]]:
    """Read and validate a prior TOML file: ``(meta, spaces, drift)``.

    Raises
    ------
    UserInputError
        The file does not exist.
    DataIntegrityError
        The file is not valid TOML or a key is missing, mistyped or out of range (the message
        names the file and the key).
    """
    p = Path(path)
    if not p.is_file():
        raise UserInputError(
            f"prior file {p} does not exist; build one with 'analogcast priors build'"
        )
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataIntegrityError(f"prior file {p}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise DataIntegrityError(f"prior file {p}: not UTF-8 text") from None
    return parse_prior_document(doc, str(p))

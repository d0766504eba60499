"""How the headline probabilities move with the analogy prior, without refitting.

Method: Pareto-smoothed importance reweighting of the posterior draws (Vehtari et al. 2024). For
an alternative prior ``q`` on the target's opening hazard ``theta[space, "opening"]``, each draw
gets weight ``q(theta) / p(theta)`` (``p`` = the prior used in the fit); the weights are smoothed
with arviz-stats' PSIS and the headline probability is re-averaged with them. The Pareto k-hat of
each reweighting is reported: above 0.7 the reweighted number is unreliable and a refit is
needed. Alternatives, each changing one space's prior at a time:

* prior power-scaling ``p^alpha`` (alpha 0.5 and 2) -- the perturbation ``psense`` uses;
* the robust weight (share of the vague component) set to 0.1, 0.5 and 1 (1 = analogies ignored);
* the power-prior discount halved and doubled (informative components' precision scaled by the
  discount ratio, a normal approximation);
* leave-one-analog-out, when ``analogcast.priors.build_prior`` can rebuild the prior.

Power-scaling diagnostics (Kallioinen et al. 2024), both from arviz-stats:

* ``psense`` of theta and of the headline probability with the analogy prior alone as the log
  prior, one space at a time (needs only theta's draws and the prior);
* ``psense_summary``: prior *and* likelihood sensitivity of the headline parameters (see
  :func:`headline_params`, declared by the models), with arviz-stats' own threshold (0.05) and diagnosis. It needs the
  per-draw ``log_prior`` and ``log_likelihood`` groups that fitting stores for every model
  (:mod:`analogcast.fitting.loglik`); runs saved before that say the diagnostic is unavailable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from scipy.special import expit

from analogcast.priors.mixture import NormalMixture, expect

__all__ = [
    "MixtureParams",
    "as_mixture",
    "vague_mask",
    "SensitivityRow",
    "Sensitivity",
    "mixture_logpdf",
    "mixture_mean_expit",
    "reweighted_mean",
    "rebuild_jobs",
    "sensitivity",
    "psense_summary_rows",
    "top_level_priors",
    "headline_params",
    "PSENSE_THRESHOLD",
    "PSENSE_EXPLANATION",
    "PSENSE_UNAVAILABLE",
]

KHAT_OK = 0.7

def headline_params(model: str | None = None) -> list[tuple[str, dict[str, list[str]], str]]:
    """Headline parameters of the power-scaling summary, as the models declare them
    (``ModelOutputs.headline``): ``(variable, coordinates kept per dim, plain label)``.

    ``model``: a registry name (its own), else every registered model's, first declaration of a
    variable kept.
    """
    from analogcast.models.registry import available_models, model_outputs

    names = [model] if model in available_models() else list(available_models())
    out: dict[str, tuple[str, dict[str, list[str]], str]] = {}
    for n in names:
        for h in model_outputs(n).headline:
            out.setdefault(h.variable, (h.variable, {k: list(v) for k, v in h.keep.items()}, h.meaning))
    return list(out.values())

_COVARIATE_MEANING = {
    "aid": "Aid effect{on} (no alternative patrons)",
    "aid_cw": "Extra aid effect{on} when alternative patrons existed",
}
#: arviz-stats' psense_summary default: 0.05 or more counts as sensitive.
PSENSE_THRESHOLD = 0.05

PSENSE_EXPLANATION = (
    "Power-scaling asks how much each headline parameter's posterior would move if the prior, or "
    "the likelihood of the data, were made slightly stronger or weaker (raised to a power just "
    "above or below 1), without refitting. A value of 0.05 or more means the parameter is "
    "sensitive to that part (arviz-stats' threshold). Sensitive to the prior but not to the data "
    "('potential strong prior / weak likelihood'): the prior, not the data, sets the number. "
    "Sensitive to both ('potential prior-data conflict'): prior and data pull in different "
    "directions. 'No issue' means neither was detected (Kallioinen et al. 2024). The prior "
    "scaled is every top-level prior (the analogy prior on theta, the covariate effects, the "
    "scales); the priors of the group-level effects (years, regions, countries) are left alone, "
    "as the authors recommend for hierarchical models."
)

PSENSE_UNAVAILABLE = (
    "Prior and likelihood power-scaling (arviz-stats psense_summary) is unavailable for this run: "
    "it was saved without the per-draw log_prior and log_likelihood groups that current fits "
    "store. Refit the spec to get it."
)
_VAGUE_LABELS = {"vague", "robust", "weak", "unit"}


def as_mixture(m: Any) -> NormalMixture:
    """A :class:`~analogcast.priors.mixture.NormalMixture` from any object with ``weights``,
    ``means``, ``sds`` (and optional ``labels``); weights are renormalised to sum to 1."""
    if isinstance(m, NormalMixture):
        return m
    w = np.asarray(m.weights, dtype=float)
    labels = tuple(getattr(m, "labels", ()) or ())
    return NormalMixture(tuple(w / w.sum()), tuple(np.asarray(m.means, float)), tuple(np.asarray(m.sds, float)), labels)


class MixtureParams(NormalMixture):
    """The prior mixture as the report uses it: a :class:`NormalMixture` (the name kept for
    callers; new code takes ``NormalMixture`` and :func:`as_mixture`)."""

    @classmethod
    def of(cls, m: Any) -> NormalMixture:
        """From any object with ``weights``, ``means``, ``sds`` (and optional ``labels``)."""
        return as_mixture(m)


def vague_mask(m: NormalMixture) -> np.ndarray:
    """Boolean mask of the robust (vague) components, by label."""
    if not m.labels:
        return np.zeros(m.n_components, dtype=bool)
    return np.array([lab.lower() in _VAGUE_LABELS for lab in m.labels], dtype=bool)


def mixture_logpdf(m: Any, x: np.ndarray) -> np.ndarray:
    """Log density of the mixture at ``x`` (any shape): :meth:`NormalMixture.logpdf`."""
    return np.asarray(as_mixture(m).logpdf(x))


def mixture_mean_expit(m: Any) -> float:
    """``E[logistic(theta)]`` under the mixture (the prior mean hazard), by the quadrature of
    :func:`analogcast.priors.mixture.expect`."""
    return expect(as_mixture(m), expit)


def reweighted_mean(values: xr.DataArray, log_ratio: xr.DataArray) -> tuple[xr.DataArray, float]:
    """PSIS-reweighted posterior mean of ``values`` and the Pareto k-hat of the weights.

    Parameters
    ----------
    values
        Per-draw quantity with dims including ``chain`` and ``draw``.
    log_ratio
        ``log q(theta) - log p(theta)`` per draw (dims ``chain``, ``draw``).
    """
    import arviz_stats  # noqa: F401  (registers the .azstats accessor)

    if float(log_ratio.max() - log_ratio.min()) < 1e-12:  # same prior: equal weights, no tail to fit
        return values.mean(("chain", "draw")), float("nan")
    # arviz-stats' psislw takes the *negative* log weights (its LOO input is the log likelihood,
    # weights 1 / likelihood) and negates them itself; a conjugate-normal test pins this down
    lw, khat = (-log_ratio).azstats.psislw(dim=["chain", "draw"])
    w = np.exp(lw)
    w = w / w.sum()
    return (values * w).sum(("chain", "draw")), float(khat)


@dataclass
class SensitivityRow:
    """One alternative prior: label, method, per-space reweighted probability and k-hat."""

    label: str
    method: str
    values: dict[str, float] = field(default_factory=dict)
    khat: dict[str, float] = field(default_factory=dict)

    @property
    def max_khat(self) -> float:
        """Worst k-hat across spaces (NaN for the fitted row)."""
        ks = [k for k in self.khat.values() if math.isfinite(k)]
        return max(ks) if ks else float("nan")


@dataclass
class Sensitivity:
    """Rows of alternatives for one scenario at one horizon, plus psense output and notes."""

    scenario: str
    horizon: int
    spaces: list[str]
    rows: list[SensitivityRow]
    psense: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: psense_summary rows (``model``, ``variable``, ``parameter``, ``meaning``, ``prior``,
    #: ``likelihood``, ``diagnosis``); empty when unavailable (``psense_summary_note`` says why)
    psense_summary: list[dict[str, Any]] = field(default_factory=list)
    psense_summary_note: str = ""


def _alternatives(m: NormalMixture, meta: dict[str, Any], approx_discount: bool = True) -> list[tuple[str, str, NormalMixture | float]]:
    """``(label, method, alternative)``; a float alternative means power-scaling by alpha."""
    alts: list[tuple[str, str, NormalMixture | float]] = [
        ("Prior power 0.5 (weaker analogy prior)", "power-scaling", 0.5),
        ("Prior power 2 (stronger analogy prior)", "power-scaling", 2.0),
    ]
    vague = vague_mask(m)
    weights, sds0 = np.asarray(m.weights), np.asarray(m.sds)
    if vague.any() and (~vague).any():
        cur = float(weights[vague].sum())
        for w_new in (0.1, 0.5, 1.0):
            if abs(w_new - cur) < 1e-6:
                continue
            w = weights.copy()
            w[vague] = w[vague] / w[vague].sum() * w_new
            w[~vague] = w[~vague] / w[~vague].sum() * (1.0 - w_new)
            lab = "Vague component only (analogies ignored)" if w_new == 1.0 else f"Robust weight {w_new:g} (fitted {cur:.2g})"
            alts.append((lab, "reweighting", NormalMixture(tuple(w), m.means, m.sds, m.labels)))
    disc = meta.get("discount")
    try:
        d = float(disc)
    except (TypeError, ValueError):
        d = float("nan")
    if approx_discount and math.isfinite(d) and d > 0 and (~vague).any():
        for d_new in sorted({d / 2, min(1.0, 2 * d)}):
            if abs(d_new - d) < 1e-9:
                continue
            sds = sds0.copy()
            sds[~vague] = sds[~vague] * math.sqrt(d / d_new)
            alts.append(
                (f"Discount {d_new:g} (fitted {d:g})", "reweighting (approx.)", NormalMixture(m.weights, m.means, tuple(sds), m.labels))
            )
    return alts


def sensitivity(
    *,
    theta: xr.DataArray | None,
    prior: Any,
    mixture_of: Callable[[str, str], Any] | None,
    p_opening: xr.DataArray,
    scenario: str,
    horizon: int,
    spaces: Sequence[str],
    meta: dict[str, Any],
    rebuild: Callable[..., Callable[[str, str], Any]] | None = None,
    tree: Any = None,
) -> Sensitivity:
    """Headline opening probabilities under alternative priors, by PSIS reweighting.

    Parameters
    ----------
    theta
        Posterior draws of the target's ``theta`` (chain, draw, space, direction), or ``None``.
    prior
        The analogy prior object (``None`` if the fit used the weakly informative default).
    mixture_of
        ``(space, direction) -> mixture`` for the fitted prior.
    p_opening
        Per-draw opening probabilities (scenario, space, horizon, chain, draw).
    scenario, horizon
        Which headline numbers to recompute.
    spaces
        Spaces, in display order.
    meta
        The prior's metadata (``discount``, ``analogs``, ...).
    rebuild
        ``rebuild(**overrides) -> mixture_of``: the prior rebuilt with some settings changed
        (``discount=...`` or ``analogs=[...]``), e.g. with ``analogcast.priors.build_prior``.
        Without it the discount alternatives use a normal approximation and leave-one-analog-out
        is skipped.
    tree
        The fitted DataTree, for ``psense_summary`` when it has log_prior/log_likelihood groups.
    """
    base = p_opening.sel(scenario=scenario, horizon=horizon)
    fitted = SensitivityRow("As fitted", "posterior mean", {sp: float(base.sel(space=sp).mean()) for sp in spaces})
    out = Sensitivity(scenario=scenario, horizon=int(horizon), spaces=list(spaces), rows=[fitted])
    out.psense_summary, out.psense_summary_note = psense_summary_rows(tree)
    if theta is None or prior is None or mixture_of is None:
        out.notes.append(
            "No analogy prior or no posterior draws of theta in the run: prior sensitivity by "
            "reweighting is not available."
        )
        return out
    # posterior draws must line up with the forecast draws
    if theta.sizes.get("chain") != base.sizes.get("chain") or theta.sizes.get("draw") != base.sizes.get("draw"):
        out.notes.append("Forecast draws do not line up with posterior draws; reweighting skipped.")
        return out
    th = theta.transpose("chain", "draw", ...)
    rebuilt = _rebuilt_priors(rebuild, meta, out.notes) if rebuild is not None else []
    per_alt: dict[str, SensitivityRow] = {}

    def record(label: str, method: str, vals: xr.DataArray, lr: xr.DataArray, sp: str) -> None:
        mean, k = reweighted_mean(vals, lr)
        row = per_alt.setdefault(label, SensitivityRow(label, method))
        row.values[sp] = float(mean)
        row.khat[sp] = k

    for sp in spaces:
        x = th.sel(space=sp, direction="opening").values
        m = as_mixture(mixture_of(sp, "opening"))
        lp = xr.DataArray(mixture_logpdf(m, x), dims=("chain", "draw"))
        vals = base.sel(space=sp)
        for label, method, alt in _alternatives(m, meta, approx_discount=not rebuilt):
            lr = (alt - 1.0) * lp if isinstance(alt, float) else xr.DataArray(mixture_logpdf(alt, x), dims=("chain", "draw")) - lp
            record(label, method, vals, lr, sp)
        for label, alt_of in rebuilt:
            try:
                alt_m = as_mixture(alt_of(sp, "opening"))
            except Exception:  # noqa: BLE001 - a space the rebuilt prior lacks
                continue
            lr = xr.DataArray(mixture_logpdf(alt_m, x), dims=("chain", "draw")) - lp
            record(label, "reweighting (rebuilt prior)", vals, lr, sp)
    out.rows += list(per_alt.values())
    if rebuild is None:
        out.notes.append(
            "Leave-one-analog-out needs the prior rebuilt without each analog "
            "(analogcast.priors.build_prior) and was not computed for this run; the discount "
            "alternatives use a normal approximation."
        )
    out.psense = _psense_theta(th, mixture_of, base, spaces)
    if out.psense:
        out.notes.append(
            "Analogy-prior power-scaling: arviz-stats psense (group='prior') with the analogy prior's log "
            "density of theta[space, opening] as the log prior, one space at a time; values of 0.05 "
            "or more flag a prior-sensitive quantity (Kallioinen et al. 2024)."
        )
    return out


def rebuild_jobs(
    meta: dict[str, Any], max_analogs: int = 3, shares: dict[str, float] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The rebuilt-prior alternatives: ``(label, overrides)`` for discount halved/doubled and
    each analog left out -- the ``max_analogs`` with the largest ESS ``shares`` (the cap keeps
    the table short with many analogs). The overrides are
    :func:`analogcast.priors.alternatives.alternative_overrides`' (what a saved run stores)."""
    from analogcast.priors.alternatives import alternative_overrides

    analogs = [str(a) for a in meta.get("analogs", []) or []]
    order = sorted(analogs, key=lambda a: -(shares or {}).get(a, 0.0)) if shares else analogs
    jobs: list[tuple[str, dict[str, Any]]] = []
    for over in alternative_overrides(meta, order[:max_analogs]):
        if "discount" in over:
            jobs.append((f"Discount {over['discount']:g} (fitted {float(meta['discount']):g})", over))
        else:
            left = [a for a in analogs if a not in over["analogs"]]
            jobs.append((f"Without analog {left[0]}", over))
    return jobs


def _rebuilt_priors(
    rebuild: Callable[..., Callable[[str, str], Any]], meta: dict[str, Any], notes: list[str], max_analogs: int = 3
) -> list[tuple[str, Callable[[str, str], Any]]]:
    """Alternative priors rebuilt from the analogs: discount halved/doubled, each analog left out."""
    out: list[tuple[str, Callable[[str, str], Any]]] = []
    jobs = getattr(rebuild, "labelled_jobs", None) or rebuild_jobs(meta, max_analogs)
    for label, over in jobs:
        try:
            out.append((label, rebuild(**over)))
        except Exception as exc:  # noqa: BLE001 - report, never crash the report
            notes.append(f"{label}: prior could not be rebuilt ({exc}).")
    n = len([a for a in meta.get("analogs", []) or []])
    if n > max_analogs:
        notes.append(f"Leave-one-analog-out shown for the {max_analogs} analogs with the largest ESS shares only.")
    return out


def _psense_theta(
    theta: xr.DataArray, mixture_of: Callable[[str, str], Any], base: xr.DataArray, spaces: Sequence[str]
) -> list[dict[str, Any]]:
    """psense of theta and of the headline probability, power-scaling each space's analogy prior."""
    try:
        import arviz_stats as azs

        th = theta.sel(direction="opening", drop=True).transpose("chain", "draw", "space")
        lp = xr.concat(
            [
                xr.DataArray(mixture_logpdf(mixture_of(sp, "opening"), th.sel(space=sp).values), dims=("chain", "draw"))
                for sp in spaces
            ],
            dim="space",
        ).assign_coords(space=list(spaces)).transpose("chain", "draw", "space")
        head = base.transpose("chain", "draw", "space").drop_vars([c for c in base.coords if c not in ("chain", "draw", "space")])
        dt = xr.DataTree.from_dict(
            {
                "posterior": xr.Dataset({"theta": th.drop_vars([c for c in th.coords if c not in ("chain", "draw", "space")]), "headline": head}),
                "log_prior": xr.Dataset({"theta": lp}),
            }
        )
        rows = []
        for sp in spaces:
            res = azs.psense(dt, group="prior", coords={"space": [sp]}, group_coords={"space": [sp]})
            t, h = float(res["theta"].values.ravel()[0]), float(res["headline"].values.ravel()[0])
            rows.append(
                {
                    "model": "analogy prior",
                    "space": sp,
                    "theta (opening)": round(t, 3),
                    "headline probability": round(h, 3),
                    "diagnosis": "prior-sensitive" if max(t, h) >= 0.05 else "not sensitive",
                }
            )
        return rows
    except Exception:  # noqa: BLE001 - the diagnostic is optional
        return []


def _model_nodes(tree: Any) -> list[tuple[str, Any]]:
    if tree is None:
        return []
    from analogcast.models.registry import available_models, model_outputs

    # the model with the target's theta first (the model the opening probabilities come from)
    kids = list(getattr(tree, "children", {}))
    kids.sort(key=lambda k: not (k in available_models() and model_outputs(k).has_theta))
    return [("", tree)] + [(k, tree[k]) for k in kids]


def _coord_text(v: Any) -> str:
    return str(v.item() if hasattr(v, "item") else v)


def _meaning(var: str, default: str, label: str, dims: list[str]) -> str:
    """Plain words for one element, from arviz's label ``var[c1, c2]`` and the variable's dims."""
    from analogcast.reporting.tables import space_label

    inside = label[len(var) + 1 : -1] if label.startswith(var + "[") and label.endswith("]") else ""
    coords = dict(zip(dims, inside.split(", "), strict=False)) if inside else {}
    on = f" on {coords['direction']}s" if "direction" in coords and var != "theta" else ""
    if "covariate" in coords:
        text = _COVARIATE_MEANING.get(coords["covariate"], "Effect of {cov}{on}").format(on=on, cov=coords["covariate"])
    else:
        text = default + on
    where = coords.get("space") or coords.get("series")
    return f"{text}: {space_label(where)}" if where else text


def top_level_priors(log_prior: xr.Dataset) -> list[str] | None:
    """The log_prior variables to power-scale: those fitting flagged ``group_level = 0``
    (Kallioinen et al. 2024: in hierarchical models scale the top-level priors only); ``None``
    (all of them) when no variable carries the flag or none is top-level."""
    flags = {str(v): log_prior[v].attrs.get("group_level") for v in log_prior.data_vars}
    top = [v for v, f in flags.items() if f is not None and int(f) == 0]
    return top if top else None


def psense_summary_rows(tree: Any, threshold: float = PSENSE_THRESHOLD) -> tuple[list[dict[str, Any]], str]:
    """arviz-stats ``psense_summary`` of the headline parameters of every model node that stores
    ``log_prior`` and ``log_likelihood``; ``(rows, note)``, the note saying why there are no rows.

    Each row: ``model``, ``variable``, ``parameter`` (arviz label, e.g. ``theta[women, opening]``),
    ``meaning``, ``prior``, ``likelihood`` (sensitivities), arviz-stats' ``diagnosis`` and
    ``prior_scaled`` (the log_prior variables power-scaled: :func:`top_level_priors`).
    """
    import logging

    from analogcast.fitting.loglik import has_log_groups

    nodes = [(n, node) for n, node in _model_nodes(tree) if has_log_groups(node)]
    if not nodes:
        return [], PSENSE_UNAVAILABLE
    import arviz_stats as azs

    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    log = logging.getLogger("arviz_stats.psense")  # its "we detected potential issues" log line
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        for name, node in nodes:
            post = node["posterior"].to_dataset()
            prior_vars = top_level_priors(node["log_prior"].to_dataset())
            for var, want, meaning in headline_params(name):
                if var not in post:
                    continue
                da = post[var]
                coords = {}
                for dim, keep in want.items():
                    if dim in da.dims and dim in da.coords:
                        have = [c for c in keep if c in set(map(str, da[dim].values))]
                        if have:
                            coords[dim] = have
                try:
                    df = azs.psense_summary(node, var_names=[var], coords=coords or None, threshold=threshold, prior_var_names=prior_vars)
                except Exception as exc:  # noqa: BLE001 - the diagnostic is optional
                    problems.append(f"{name or 'model'} {var}: {type(exc).__name__}: {exc}")
                    continue
                for label, rec in df.iterrows():
                    rows.append(
                        {
                            "model": name,
                            "variable": var,
                            "parameter": str(label),
                            "meaning": _meaning(var, meaning, str(label), [d for d in da.dims if d not in ("chain", "draw")]),
                            "prior": float(rec["prior"]),
                            "likelihood": float(rec["likelihood"]),
                            "diagnosis": str(rec["diagnosis"]),
                            "prior_scaled": tuple(prior_vars or node["log_prior"].to_dataset().data_vars),
                        }
                    )
    finally:
        log.setLevel(level)
    if rows:
        return rows, ""
    if problems:
        return [], "Prior and likelihood power-scaling (arviz-stats psense_summary) failed: " + "; ".join(problems[:3])
    names = ", ".join(v for v, _, _ in headline_params())
    return [], "Prior and likelihood power-scaling: the run has no headline parameter (" + names + ") to diagnose."

"""Notebook displays (``__repr__`` and ``_repr_html_``) of ``AnalogPrior``, ``FitResult`` and ``Run``.

A neutral helper: the classes live in the priors, fitting and runs stages, which may not import
the report, so their displays are built here from the report's own table code
(:mod:`analogcast._display`: the same number formats, cells, space names and convergence checks)
and read the objects by attribute only. Every user string is escaped (MarkupSafe); a display fits
on a screen (it scrolls inside a capped box) and links nowhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from analogcast._display import (
    Cell,
    Flag,
    TableBlock,
    cell_key,
    evaluate_diagnostics,
    html_block,
    main_horizons,
    space_label,
)

__all__ = ["prior_repr", "prior_html", "fit_repr", "fit_html", "run_html", "leading_model"]

_DIRECTIONS = ("opening", "closing")
#: conflict p-values below this flag prior-data conflict (as ``analogcast.priors`` does)
_CONFLICT_ALPHA = 0.05


def _num(x: Any, fmt: str) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "n/a"
    return format(v, fmt) if math.isfinite(v) else "n/a"


# -- AnalogPrior --------------------------------------------------------------------------------


def _analog_weights(meta: Any) -> list[tuple[str, float, float | None]]:
    analogs = [str(a) for a in getattr(meta, "analogs", ()) or ()]
    weights = [float(w) for w in getattr(meta, "weights", ()) or ()]
    power = [float(p) for p in getattr(meta, "analog_power", ()) or ()]
    tot = sum(weights) or 1.0
    return [
        (a, (weights[i] / tot) if i < len(weights) else float("nan"), power[i] if i < len(power) else None)
        for i, a in enumerate(analogs)
    ]


def prior_repr(prior: Any) -> str:
    """``AnalogPrior(AFG from SAU 0.50, IRN 0.50; robust_map, discount 0.5, robust weight 0.2; 7 spaces)``."""
    m = prior.meta
    ws = ", ".join(f"{a} {w:.2f}" for a, w, _ in _analog_weights(m)) or "no analogs"
    return (
        f"AnalogPrior({m.target} from {ws}; {m.method}, discount {m.discount:g}, "
        f"robust weight {m.robust_weight:g}; {len(prior.spaces)} spaces)"
    )


def prior_html(prior: Any) -> str:
    """The prior's analogs and weights, its method, and ESS and conflict by space and direction."""
    m = prior.meta
    shares: dict[str, list[float]] = {}
    rows = []
    for sp, dirs in prior.spaces.items():
        row: list[Any] = [space_label(sp)]
        for d in _DIRECTIONS:
            row.append(_num(getattr(dirs[d], "ess", None), ".1f") if d in dirs else "n/a")
        for d in _DIRECTIONS:
            if d not in dirs or dirs[d].conflict_p is None:
                row.append(Flag("n/a", None))
                continue
            p = float(dirs[d].conflict_p)
            flagged = p < _CONFLICT_ALPHA
            row.append(Flag(f"{p:.3f}" + (" conflict" if flagged else ""), not flagged))
        for d in dirs.values():
            for a, v in dict(getattr(d, "ess_share", {}) or {}).items():
                shares.setdefault(str(a), []).append(float(v))
        rows.append(row)
    analog_rows = [
        [a, _num(w, ".2f"), "n/a" if p is None else f"{p:.2f}", _num(sum(shares.get(a, [])) / len(shares[a]), ".0%") if shares.get(a) else "n/a"]
        for a, w, p in _analog_weights(m)
    ]
    lines = [
        f"Method {m.method}, discount {m.discount:g}, robust weight {m.robust_weight:g}, window {m.window}, tau prior {m.tau_prior}.",
        f"Data sha256 {str(getattr(m, 'data_sha256', ''))[:12]}..., analogcast {m.analogcast_version}, created {m.created}.",
    ]
    tables = [
        TableBlock(
            id="prior-analogs",
            caption="Analogs",
            header=["Analog", "Weight", "Power (discount x weight / max)", "Mean share of ESS"],
            rows=analog_rows,
        ),
        TableBlock(
            id="prior-ess",
            caption="Effective sample size (country-years) and prior-data conflict p-value",
            header=["Space", "ESS opening", "ESS closing", "Conflict p opening", "Conflict p closing"],
            rows=rows,
            note=f"A conflict p-value below {_CONFLICT_ALPHA} (red) means the target's own recent events are surprising under the analogs.",
        ),
    ]
    return html_block(f"Analogy prior for {m.target}", lines, tables)


# -- FitResult ----------------------------------------------------------------------------------


def _draws(tree: Any, model: str) -> str:
    try:
        post = tree[model]["posterior"]
        return f"{post.sizes['chain']} chains x {post.sizes['draw']} draws"
    except (KeyError, TypeError, AttributeError):
        return "n/a"


def fit_repr(result: Any, limits: Mapping[str, float] | None = None) -> str:
    """``FitResult(models ['<name>'], 2 chains x 60 draws; max R-hat 1.004; all checks pass; 12.3 s)``."""
    models = list(result.spec.model.names)
    draws = "; ".join(f"{m} {_draws(result.tree, m)}" for m in models)
    bad = sum(c.passed is not True for m in models for c in evaluate_diagnostics(_model_diag(result, m), limits))
    status = "all checks pass" if not bad else f"{bad} failed check{'s' if bad > 1 else ''}"
    total = result.timings.get("total")
    return (
        f"FitResult({draws}; max R-hat {_num(result.diagnostics.get('max_rhat'), '.3f')}; {status}"
        + (f"; {float(total):.1f} s)" if total is not None else ")")
    )


def _model_diag(result: Any, model: str) -> Mapping[str, Any]:
    by = result.diagnostics.get("by_model") or {}
    return by.get(model) or (result.diagnostics if len(result.spec.model.names) == 1 else {})


def fit_html(result: Any, limits: Mapping[str, float] | None = None) -> str:
    """Models, draws, convergence diagnostics (failed checks in red) and timings of a fit."""
    spec = result.spec
    models = list(spec.model.names)
    rows = []
    header = ["Model", "Draws"]
    n_bad = 0
    for m in models:
        checks = evaluate_diagnostics(_model_diag(result, m), limits)
        if not rows:
            header += [f"{c.label} ({c.threshold})" for c in checks]
        rows.append([m, _draws(result.tree, m), *[Flag(c.value, c.passed) for c in checks]])
        n_bad += sum(c.passed is not True for c in checks)
    status = Flag(
        "All convergence checks pass." if not n_bad else f"{n_bad} convergence check(s) failed (red): do not trust these draws yet.",
        not n_bad,
    )
    t = dict(result.timings or {})
    order = [k for k in ("prior", "prepare") if k in t]
    order += [k for m in models for k in t if k.startswith(f"{m}.")]
    order += [k for k in ("forecast", "total") if k in t]
    timing = TableBlock(
        id="fit-timings",
        caption="Timings (seconds)",
        header=[k for k in order],
        rows=[[_num(t[k], ".1f") for k in order]],
    )
    lines: list[Any] = [
        f"{spec.title}" if getattr(spec, "title", "") else "",
        f"Target {spec.target}, origin {spec.origin}, spaces: {', '.join(spec.spaces)}; seed {spec.seed}.",
        status,
    ]
    diag = TableBlock(id="fit-diagnostics", caption="Convergence diagnostics", header=header, rows=rows)
    return html_block(f"FitResult: {', '.join(models)}", [x for x in lines if x], [diag, timing])


# -- Run ----------------------------------------------------------------------------------------


def leading_model(run: Any) -> str:
    """The model ``p_opening`` comes from (``run.lead_model``: the registry's lead event model
    among the fitted ones), else the first fitted model."""
    fitted = [str(m) for m in run.models]
    return str(getattr(run, "lead_model", None) or (fitted[0] if fitted else "n/a"))


def run_html(run: Any) -> str:
    """The headline table: P(opening) by scenario and space at each headline horizon."""
    tbl = run.table
    spaces = [str(s) for s in run.forecasts["space"].values]
    labels = {str(s.name): s.display_label for s in run.scenarios}
    names = [str(s) for s in run.forecasts["scenario"].values]
    avail = sorted({int(h) for h in tbl["horizon"]})
    hz = avail if len(avail) <= 3 else main_horizons(avail)
    rows = []
    for s in names:
        for h in hz:
            sub = tbl[(tbl["scenario"].astype(str) == s) & (tbl["horizon"].astype(int) == h)].set_index("space")
            cells = [
                Cell(cell_key("p_opening", s, sp, h), float(sub.at[sp, "p_opening"]), float(sub.at[sp, "p_opening_low"]), float(sub.at[sp, "p_opening_high"]))
                if sp in sub.index
                else "n/a"
                for sp in spaces
            ]
            rows.append([labels.get(s, s), f"{h} years", *cells])
    level = f"{round(100 * float(run.level)):d}%"
    problems = run.convergence_problems()
    status = Flag("Convergence checks pass." if not problems else "Failed convergence checks: " + "; ".join(problems), not problems)
    lead = leading_model(run)
    others = [m for m in run.models if m != lead]
    lines: list[Any] = [
        f"{run.spec.title}" if run.spec.title else "",
        f"Target {run.target}, origin {run.origin}; models {', '.join(run.models)}; {len(names)} scenarios; intervals at {level}.",
        f"P(opening) from the leading model, {lead}" + (f" ({', '.join(others)} also fitted)." if others else "."),
        status,
    ]
    note = "" if len(hz) == len(avail) else f"Other horizons ({', '.join(map(str, avail))} years in all) are in run.table."
    table = TableBlock(
        id="run-headline",
        caption=f"Probability of at least one opening within H years (posterior mean, {level} interval)",
        header=["Scenario", "Horizon", *[space_label(sp) for sp in spaces]],
        rows=rows,
        note=note,
    )
    where = f" ({run.path})" if run.path is not None else ""
    return html_block(f"Run {run.name}{where}", [x for x in lines if x], [table])

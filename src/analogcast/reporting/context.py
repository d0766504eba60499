"""The report model: every number, sentence, table and figure of a report, as plain data.

:func:`build_report_context` turns a run (anything shaped like ``analogcast.runs.Run``) into a
:class:`ReportContext`. The templates only lay it out; they compute nothing. The scenario table,
the figures and the narrative all read one forecasts table (:mod:`analogcast.reporting.tables`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xarray as xr

from analogcast.reporting import adapt
from analogcast.reporting.analogs import analogs_section, prior_rebuilder
from analogcast.reporting.checks import Check, diagnostics_from_tree, evaluate_diagnostics
from analogcast.reporting.figures import FigureItem
from analogcast.reporting.figures import report_figures as _figures
from analogcast.reporting.narrative import (
    SPACE_LABELS,
    Narrative,
    Num,
    Sentence,
    build_narrative,
    cells,
    pick_contrasts,
    rise_cells,
    rise_sentence,
    scenario_ranking,
)
from analogcast.reporting.readings import (
    Readings,
    event_model_skill,
    history_caution,
    readings_section,
    rise_history_sentence,
    shipped_history,
)
from analogcast.reporting.sensitivity import PSENSE_EXPLANATION, Sensitivity, sensitivity
from analogcast.reporting.tables import (
    Cell,
    TableBlock,
    cell_key,
    contrast_rows,
    fmt_any,
    fmt_delta,
    fmt_pct,
    fmt_score,
    forecast_rows,
    main_horizons,
    rise_rows,
    space_label,
    wbl_rise_rows,
    wbl_rows,
)

__all__ = ["FigureItem", "TableBlock", "ReportContext", "build_report_context"]


@dataclass
class ReportContext:
    """Everything the templates show (plain strings, numbers, tables and data URIs)."""

    title: str
    name: str
    target: str
    origin: int | None
    created: str
    synthetic: bool
    level: float
    horizons: list[int]
    headline_horizon: int
    spaces: list[str]
    space_labels: dict[str, str]
    scenarios: list[dict[str, str]]
    rows: pd.DataFrame
    narrative: Narrative
    scenario_tables: list[TableBlock]
    contrast_table: TableBlock
    full_table: TableBlock
    figures: dict[str, FigureItem]
    checks: list[Check]
    analogs: dict[str, Any] | None
    sensitivity: Sensitivity | None
    sensitivity_table: TableBlock | None
    psense_table: TableBlock | None
    assumptions: list[str]
    #: sentences on the kept checks of the aid terms (or why they are missing)
    aid_checks: list[str]
    provenance: dict[str, Any]
    citations: list[str]
    sources: list[dict[str, str]]
    backtest: TableBlock | None
    warnings: list[str] = field(default_factory=list)
    #: integrity problems of a run loaded with ``allow_mismatch`` (red banner at the top)
    integrity_problems: list[str] = field(default_factory=list)
    #: arviz-stats psense_summary of the headline parameters (prior and likelihood sensitivity)
    psense_summary_table: TableBlock | None = None
    #: the plain-words explanation above that table, or why the diagnostic is unavailable
    psense_summary_text: str = ""
    #: incremental liberalization (trajectory model): the rise rows (``rise_table``), one table per
    #: main horizon and delta, the sentence quoting them and the sentence saying what delta means
    rise: pd.DataFrame | None = None
    rise_tables: list[TableBlock] = field(default_factory=list)
    rise_sentence: Sentence | None = None
    rise_text: str = ""
    #: women's legal rights (World Bank WBL index, trajectory model): table, caveat, or why absent
    wbl_table: TableBlock | None = None
    wbl_text: str = ""
    #: set when the trajectory model was not fitted (both subsections are then omitted)
    trajectory_note: str = ""
    #: the two models' readings of openings and closings, side by side with history
    readings: Readings | None = None

    @property
    def failed_checks(self) -> list[Check]:
        """Diagnostics that failed or were not recorded (shown in the red banner)."""
        return [c for c in self.checks if c.passed is not True]

    @property
    def diagnostics_ok(self) -> bool:
        """True when every diagnostic passed its threshold."""
        return not self.failed_checks

    @property
    def level_pct(self) -> str:
        """The interval level as ``"89%"``."""
        return f"{round(100 * self.level):d}%"


def _scenario_tables(rows: pd.DataFrame, scen: list[dict[str, str]], spaces: list[str], horizons: list[int], level_pct: str) -> list[TableBlock]:
    out = []
    for quantity, word in (("p_opening", "opening"), ("p_closing", "closing")):
        for h in horizons:
            cs = cells(rows, quantity, h)
            body = [[s["label"], *[cs[(s["name"], sp)] for sp in spaces]] for s in scen]
            out.append(
                TableBlock(
                    id=f"table-{word}-{h}",
                    caption=f"Probability of at least one {word} within {h} years (posterior mean, {level_pct} interval)",
                    header=["Scenario", *[space_label(sp) for sp in spaces]],
                    rows=body,
                )
            )
    return out


TRAJECTORY_NOT_FITTED = (
    "The trajectory model was not fitted for this run, so the report shows neither the probability "
    "of incremental rises of the indices nor the women's legal rights (WBL) outcome."
)


def _origin_levels(fc: xr.Dataset, spaces: Sequence[str]) -> dict[str, float]:
    """The target's index at the origin (``index_origin``) of each of ``spaces`` where it is
    finite; empty when the run has none."""
    if "index_origin" not in fc or "space" not in fc["index_origin"].dims:
        return {}
    io = fc["index_origin"]
    return {str(k): float(v) for k, v in zip(io["space"].values, io.values, strict=True)
            if str(k) in spaces and math.isfinite(float(v))}


def _rise_section(
    rise: pd.DataFrame,
    fc: xr.Dataset,
    scen: list[dict[str, str]],
    spaces: list[str],
    horizons: list[int],
    level_pct: str,
    origin: int | None,
    target_name: str,
) -> tuple[list[TableBlock], Sentence | None, str]:
    """Tables of P(index rises by >= delta) per main horizon and delta, the sentence, what delta means."""
    avail = sorted(set(rise["horizon"]))
    hz = [h for h in horizons if h in avail] or main_horizons(avail)
    deltas = sorted(set(rise["delta"]))
    labels = {s["name"]: s["label"] for s in scen}
    tables = []
    for d in deltas:
        for h in hz:
            cs = rise_cells(rise, h, d)
            when = f"in {origin + h} ({h} years after the origin) than in {origin}" if origin is not None else f"{h} years after the origin than at the origin"
            tables.append(
                TableBlock(
                    id=f"table-rise-{h}-{fmt_delta(d).replace('.', 'p')}",
                    caption=f"Probability that the index is at least {fmt_delta(d)} higher {when} (posterior mean, {level_pct} interval)",
                    header=["Scenario", *[space_label(sp) for sp in spaces]],
                    rows=[[s["label"], *[cs[(s["name"], sp)] for sp in spaces]] for s in scen],
                )
            )
    sentence = rise_sentence(rise, labels=labels, horizon=max(hz), delta=min(deltas), origin=origin) if hz and deltas else None
    dl = " and ".join(fmt_delta(d) for d in deltas)
    at = f" in {origin}" if origin is not None else " at the origin"
    shares = " and ".join(f"{100 * d:g}%" for d in deltas)
    span = ""
    io = _origin_levels(fc, spaces)
    if len(io) > 1:
        lo_sp, hi_sp = min(io, key=io.get), max(io, key=io.get)
        span = (
            f", against {target_name}'s levels{at} of {io[lo_sp]:.2f} ({SPACE_LABELS.get(lo_sp, lo_sp)} space) "
            f"to {io[hi_sp]:.2f} ({SPACE_LABELS.get(hi_sp, hi_sp)} space)"
        )
    text = (
        f"A rise of at least {dl} means that the space's V-Dem index, which runs from 0 to 1, is at least "
        f"that much higher in the year a table names than{at}: {shares} of the whole scale{span}. "
        "The probabilities come from the trajectory model's simulated paths, the same paths as the fan charts."
    )
    return tables, sentence, text


def _wbl_section(
    fc: xr.Dataset,
    scen: list[dict[str, str]],
    horizons: list[int],
    level: float,
    origin: int | None,
    last_year: int | None,
) -> tuple[TableBlock | None, str]:
    """The women's legal rights table (WBL at origin, expected WBL and P(rise) per horizon) and its caveat."""
    if "wbl" not in fc:
        return None, (
            "This run's trajectory model did not include the World Bank WBL index (model option wbl = false), "
            "so there is no women's legal rights forecast."
        )
    level_pct = f"{round(100 * level):d}%"
    wr = wbl_rows(fc, level, horizons)
    pr = wbl_rise_rows(fc, level)
    hz = sorted(set(wr["horizon"])) if wr is not None else []
    deltas = sorted(set(pr["delta"])) if pr is not None else []
    w0 = float(fc["wbl_origin"]) if "wbl_origin" in fc else float("nan")
    year = (lambda h: str(origin + h)) if origin is not None else (lambda h: f"origin + {h}")
    header = ["Scenario", f"WBL {origin if origin is not None else 'at origin'}"]
    header += [f"Expected WBL {year(h)}" for h in hz]
    header += [f"P(+{100 * d:g} points by {year(h)})" for d in deltas for h in hz]
    body = []
    for s in scen:
        n = s["name"]
        row: list[Any] = [s["label"], fmt_score(w0)]
        for h in hz:
            r = wr[(wr["scenario"] == n) & (wr["horizon"] == h)].iloc[0]
            row.append(Cell(cell_key("wbl", n, "wbl", h), r["wbl"], r["wbl_low"], r["wbl_high"], kind="score"))
        for d in deltas:
            for h in hz:
                got = pr[(pr["scenario"] == n) & (pr["horizon"] == h) & ((pr["delta"] - d).abs() < 1e-9)]
                if got.empty:
                    row.append("n/a")
                    continue
                r = got.iloc[0]
                row.append(Cell(cell_key(f"p_wbl_rise_{fmt_delta(d)}", n, "wbl", h), r["p"], r["p_low"], r["p_high"]))
        body.append(row)
    table = TableBlock(
        id="table-wbl",
        caption=f"Women's legal rights: World Bank WBL index (0-100) at the origin, expected in later years, and probability of a rise of at least the stated points (posterior mean, {level_pct} interval)",
        header=header,
        rows=body,
    )
    if last_year is not None:
        ends = f"in this run's data the WBL series ends in {last_year}"
        if origin is not None and last_year < origin:
            ends += f", before the forecast origin ({origin})"
        ends += ", and every later value is simulated by the trajectory model"
    else:
        ends = "this run does not record the last year of its WBL series"
    text = (
        "The WBL index scores the laws on the books (mobility, workplace, pay, marriage, parenthood, "
        f"entrepreneurship, assets and pensions), not how they are applied or enforced; {ends}."
    )
    return table, text


def _fmt_pts(x: float) -> str:
    v = round(100 * x)
    return f"{v:+d}" if v else "0"


def _contrast_table(cr: pd.DataFrame, labels: dict[str, str]) -> TableBlock:
    body = []
    for r in cr.to_dict("records"):
        a, b, sp, h = r["scenario_a"], r["scenario_b"], r["space"], int(r["horizon"])
        body.append(
            [
                labels[a],
                labels[b],
                space_label(sp),
                str(h),
                f"{_fmt_pts(r['diff_mean'])} ({_fmt_pts(r['diff_low'])} to {_fmt_pts(r['diff_high'])})",
                Num(cell_key("p_a_gt_b", f"{a}>{b}", sp, h), fmt_pct(r["p_a_gt_b"])),
            ]
        )
    return TableBlock(
        id="table-contrasts",
        caption="Scenario contrasts quoted in the summary: difference in the probability of an opening (percentage points, A minus B)",
        header=["Scenario A", "Scenario B", "Space", "Years", "A − B (points)", "P(A > B)"],
        rows=body,
    )


def _full_table(rows: pd.DataFrame, labels: dict[str, str]) -> TableBlock:
    body = []
    for r in rows.to_dict("records"):
        body.append(
            [
                labels[r["scenario"]],
                space_label(r["space"]),
                str(int(r["horizon"])),
                Cell(cell_key("p_opening", r["scenario"], r["space"], r["horizon"]), r["p_opening"], r["p_opening_low"], r["p_opening_high"]).text,
                Cell(cell_key("p_closing", r["scenario"], r["space"], r["horizon"]), r["p_closing"], r["p_closing_low"], r["p_closing_high"]).text,
            ]
        )
    return TableBlock(
        id="table-full",
        caption="All forecasts: probability of at least one opening and of at least one closing",
        header=["Scenario", "Space", "Years", "Opening", "Closing"],
        rows=body,
    )


def _citations() -> tuple[list[str], list[dict[str, str]]]:
    """References (``analogcast.data.citations()``) and one licence line per data producer."""
    refs: list[str] = []
    try:
        from analogcast.data import citations

        refs = [str(c) for c in citations()]
    except Exception:  # noqa: BLE001 - provenance falls back to the manifest / static list
        refs = []
    try:
        from importlib import resources

        text = resources.files("analogcast.data").joinpath("files/MANIFEST.json").read_text(encoding="utf-8")
        files = json.loads(text).get("files", {})
    except Exception:  # noqa: BLE001
        files = {}
    sources: dict[str, dict[str, str]] = {}
    for name, f in files.items():
        prod = str(f.get("producer", "")).strip()
        if not prod:
            continue
        entry = sources.setdefault(prod, {"producer": prod, "license": str(f.get("license", "")), "files": ""})
        entry["files"] = ", ".join(x for x in (entry["files"], str(name)) if x)
        if not refs:
            for c in [f.get("citation", "")] + list(f.get("citations", []) or []):
                if c and str(c) not in refs:
                    refs.append(str(c))
    if not refs:
        refs = [
            "Coppedge, Michael et al. 2024. V-Dem Dataset v14. Varieties of Democracy (V-Dem) Project. https://doi.org/10.23696/mcwt-fr58",
            "Beger, Andreas, Richard K. Morgan and Laura Maxwell. 2020. The Democratic Spaces Barometer. V-Dem Institute.",
            "World Bank. World Development Indicators.",
            "Felbermayr, Gabriel et al. 2020. The Global Sanctions Data Base. European Economic Review 129.",
        ]
    return refs, list(sources.values())


_IDENTIFICATION = [
    "Openings and closings are modelled jointly for all spaces with a hierarchical logit: each "
    "country-year's chance of an event depends on covariates measured the year before, year "
    "effects that absorb global trends, and country effects.",
    "The target's own baseline hazard (theta) carries the analogy prior: the analog countries' "
    "event rates, pooled with between-country heterogeneity and discounted, so the analogies count "
    "as a stated number of country-years (the effective sample size) and no more.",
    "Aid enters as log(1 + ODA as % of GNI), 0 for countries that receive none; its association may "
    "differ in the Cold War, when alternative patrons existed for every regime (years up to 1990; "
    "Dunning 2004), and with each country's measured alignment with China and Russia relative to the "
    "US in UN General Assembly votes. Chinese official finance (AidData) enters on its own. Sanctions "
    "enter two years before the outcome, because sanctions follow repression. 'Alternative patrons "
    "available' in a scenario sets the measured alignment and Chinese finance to the level of Iran "
    "and Myanmar in 2015-2019; 'no alternative patrons' to Afghanistan's 2002-2019 level. In UN votes "
    "these two levels are close (Afghanistan's republic voted with the non-aligned majority), so "
    "these scenarios differ mainly through Chinese finance.",
    "Limits: this is an observational association across countries and years, not a randomized "
    "effect. Aid responds to expected political change, so the estimate can be confounded by what "
    "donors know; year and country effects remove only common trends and stable differences. "
    "Scenario paths move the named covariates only; everything else holds at its last observed value.",
]


_SHORT = {
    "associational": "Assoc.",
    "informational": "Inform.",
    "individual": "Indiv.",
    "governing": "Govern.",
    "electoral": "Elect.",
    "economic": "Econ.",
    "women": "Women's",
}


def _psense_summary_table(sens: Sensitivity) -> tuple[TableBlock | None, str]:
    """The psense_summary table and the sentence above it (or why it is unavailable)."""
    if not sens.psense_summary:
        return None, sens.psense_summary_note
    models = {r["model"] for r in sens.psense_summary}
    many = len(models) > 1
    body = [
        [
            *([r["model"]] if many else []),
            r["meaning"],
            r["parameter"],
            f"{r['prior']:.3f}",
            f"{r['likelihood']:.3f}",
            "no issue" if r["diagnosis"] == "✓" else r["diagnosis"],
        ]
        for r in sens.psense_summary
    ]
    only = next(iter(models)) if not many else ""
    return (
        TableBlock(
            id="table-psense-summary",
            caption="Prior and likelihood sensitivity of the headline parameters (arviz-stats psense_summary"
            + (f", model {only}" if only else "")
            + "; 0.05 or more = sensitive)",
            header=[*(["Model"] if many else []), "Parameter", "Posterior variable", "Prior", "Likelihood", "Diagnosis (arviz-stats)"],
            rows=body,
            note="Priors power-scaled: "
            + "; ".join(
                (f"{m}: " if many else "") + ", ".join(next(r["prior_scaled"] for r in sens.psense_summary if r["model"] == m))
                for m in sorted(models)
            )
            + ".",
        ),
        PSENSE_EXPLANATION,
    )


def _sens_table(sens: Sensitivity, spaces: list[str], label: str) -> TableBlock:
    body = []
    for r in sens.rows:
        k = r.max_khat
        if not math.isfinite(k):
            ktxt = "—"
        else:
            kk = k if abs(k) >= 0.005 else 0.0
            ktxt = f"{kk:.2f} ok" if k <= 0.7 else f"{kk:.2f} unreliable"
        body.append([r.label, r.method, *[fmt_pct(r.values.get(sp, float("nan"))) for sp in spaces], ktxt])
    return TableBlock(
        id="table-sensitivity",
        caption=f"Probability of at least one opening within {sens.horizon} years under {label}, as fitted and under alternative analogy priors",
        header=["Alternative", "Method", *[_SHORT.get(sp, space_label(sp)) for sp in spaces], "Max k-hat"],
        rows=body,
        note="Each alternative changes the prior of one space at a time and reweights the posterior draws (Pareto-smoothed importance sampling); k-hat above 0.7 means the reweighted number cannot be trusted without a refit.",
    )


_SCORE_COLS = ("n", "n_events", "brier", "log_loss", "roc_auc", "pr_auc", "ece")


def _backtest_frame(run: Any, backtest: Any = None) -> pd.DataFrame | None:
    """``analogcast backtest``'s ``scores.csv`` as a frame, if available: ``backtest`` (a
    DataFrame, a ``scores.csv`` path or its directory), then ``run.backtest``, then
    ``<run dir>/backtest/scores.csv``."""
    from pathlib import Path

    from analogcast.evaluation.outputs import read_scores

    bt = backtest if backtest is not None else getattr(run, "backtest", None)
    if bt is None and getattr(run, "path", None) is not None:
        bt = Path(run.path) / "backtest"
    if isinstance(bt, str | Path):
        p = Path(bt)
        p = p / "scores.csv" if p.is_dir() else p
        bt = read_scores(p) if (backtest is not None or p.is_file()) else None
    if not isinstance(bt, pd.DataFrame) or bt.empty:
        return None
    return bt


def _backtest(run: Any, df: pd.DataFrame | None) -> TableBlock | None:
    """Backtest skill from ``analogcast backtest``'s ``scores.csv`` (pooled rows of ``df``, from
    :func:`_backtest_frame`), if available."""
    if df is None:
        return None
    if "space" in df.columns and df["space"].isin(["all7", "barometer6"]).any():
        df = df[df["space"].isin(["all7", "barometer6"])]
    keys = [c for c in ("protocol", "model", "space", "direction") if c in df.columns]
    cols = keys + [c for c in _SCORE_COLS if c in df.columns]
    if not cols:
        cols = list(df.columns)
    body = []
    for rec in df.loc[:, cols].to_dict("records"):
        row = []
        for c in cols:
            v = rec[c]
            if c == "direction":
                v = {"up": "openings", "down": "closings"}.get(str(v), v)
            row.append(f"{v:.3f}" if isinstance(v, float) and c not in ("n", "n_events") else fmt_any(v))
        body.append(row)
    note = ("Lower Brier score, log loss and ECE are better; higher ROC-AUC and PR-AUC are better. "
            "Compare the model rows with the climatology and persistence baselines. 'barometer6' "
            "pools the six Barometer spaces, 'all7' adds women's space.")
    fc = getattr(run, "forecasts", None)
    raw = fc.attrs.get("models", []) if fc is not None else []
    if isinstance(raw, str):  # stored in forecasts.nc as JSON text
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = [raw]
    run_models = [str(m) for m in ([raw] if isinstance(raw, str) else list(raw))]
    scored = {str(m) for m in df["model"]} if "model" in df.columns else set()
    unscored = [m for m in run_models if m not in scored]
    if unscored and scored:
        note += (" Caution: the model behind this report's forecasts (" + ", ".join(unscored)
                 + ") is not among the scored models (" + ", ".join(sorted(scored)) + "): these"
                 " scores describe other models, not the track record of these forecasts.")
    return TableBlock(
        id="table-backtest",
        caption="Backtest skill: out-of-sample two-year forecasts scored against what happened (analogcast backtest; pooled spaces)",
        header=[c.replace("_", " ") for c in cols],
        rows=body,
        note=note,
    )


def build_report_context(
    run: Any,
    *,
    horizons: Sequence[int] | None = None,
    reference: str | None = None,
    with_figures: bool = True,
    backtest: Any = None,
    integrity_problems: Sequence[str] | None = None,
) -> ReportContext:
    """Build the report model of ``run``.

    Parameters
    ----------
    run
        An ``analogcast.runs.Run`` or any object with ``forecasts`` (xr.Dataset), ``metadata`` and
        ``result`` (``spec``, ``prior``, ``tree``, ``diagnostics``); ``table`` and ``contrasts``
        are used when present.
    horizons
        Headline horizons (default 2, 5 and 10 years where forecast).
    reference
        Reference scenario for contrasts (default ``status_quo`` if present, else the first).
    with_figures
        Draw the figures (off for fast tests of the numbers).
    backtest
        ``analogcast backtest`` output (its directory or ``scores.csv``, or a DataFrame) for the
        backtest-skill section; default ``<run dir>/backtest`` when present.
    integrity_problems
        Problems :func:`analogcast.runs.verify_run` found in a run loaded anyway
        (``load_run(path, allow_mismatch=True)``, ``analogcast report --allow-mismatch``): the
        report opens with a red banner listing them.

    Returns
    -------
    ReportContext
    """
    fc: xr.Dataset = run.forecasts
    meta = adapt.metadata(run)
    spec = adapt.spec_dict(run)
    level = adapt.as_float(getattr(run, "level", None))
    if not math.isfinite(level):
        level = adapt.as_float(spec.get("level", meta.get("level", 0.89)))
    if not math.isfinite(level):
        level = 0.89
    scen = adapt.run_scenarios(run, fc)
    labels = {s["name"]: s["label"] for s in scen}
    names = [s["name"] for s in scen]
    spaces = [str(s) for s in fc["space"].values]
    rows = forecast_rows(fc, level, getattr(run, "table", None))
    avail = sorted(set(rows["horizon"]))
    hz = [h for h in (horizons or []) if h in avail] or main_horizons(avail)
    head = 5 if 5 in hz else hz[len(hz) // 2]
    ranking = scenario_ranking(rows, head)
    ref = reference if reference in names else ("status_quo" if "status_quo" in names else names[0])
    picks = pick_contrasts(rows, head, ranking, ref)
    stored_c = getattr(run, "contrasts", None)
    cr_parts = [
        contrast_rows(fc, level, [(a, b)], [head], table=stored_c if isinstance(stored_c, pd.DataFrame) else None)
        .query("space == @sp")
        .assign(subject=subj)
        for a, b, sp, subj in picks
    ]
    cr = pd.concat(cr_parts, ignore_index=True) if cr_parts else pd.DataFrame(
        columns=["scenario_a", "scenario_b", "space", "horizon", "diff_mean", "diff_low", "diff_high", "p_a_gt_b"]
    )

    result = getattr(run, "result", None)
    tree = getattr(result, "tree", None) if result is not None else getattr(run, "tree", None)
    diag = getattr(result, "diagnostics", None) if result is not None else getattr(run, "diagnostics", None)
    if not diag and tree is not None:
        diag = diagnostics_from_tree(tree)
    checks = evaluate_diagnostics(diag)
    diag_ok = all(c.passed is True for c in checks)

    prior = adapt._prior(run)
    theta = adapt.find_theta(tree)
    analogs = analogs_section(prior, spaces, theta)
    rebuilder = prior_rebuilder(prior, spaces, (analogs or {}).get("shares")) if theta is not None else None
    conflict_spaces = analogs["conflict_spaces"] if analogs else []

    target = str(getattr(run, "target", None) or spec.get("target") or fc.attrs.get("target", ""))
    origin_raw = getattr(run, "origin", None) or spec.get("origin") or fc.attrs.get("origin")
    origin = int(origin_raw) if origin_raw is not None else None
    target_name = _country_name(target)
    narrative = build_narrative(
        rows,
        cr,
        labels=labels,
        target_name=target_name,
        origin=origin,
        horizon=head,
        level=level,
        ranking=ranking,
        spaces=spaces,
        diagnostics_ok=diag_ok,
        conflict_spaces=conflict_spaces,
    )

    best = str(ranking.iloc[0]["scenario"])
    figures: dict[str, FigureItem] = {}
    if with_figures:
        figures = _figures(run, fc, rows, theta, prior, spaces, names, labels, level, head, None, analogs)
    sens = None
    sens_tbl = psense_tbl = None
    try:
        sens = sensitivity(
            theta=theta,
            prior=prior,
            mixture_of=adapt.mixture_function(prior),
            p_opening=fc["p_opening"],
            scenario=best,
            horizon=head,
            spaces=spaces,
            meta=adapt.prior_meta(prior),
            rebuild=rebuilder,
            tree=tree,
        )
        sens_tbl = _sens_table(sens, spaces, labels[best])
        if sens.psense:
            keys = [k for k in sens.psense[0] if k not in ("model",)]
            own = sens.psense[0].get("model") == "analogy prior"
            psense_tbl = TableBlock(
                id="table-psense",
                caption=(
                    f"Power-scaling prior sensitivity (arviz-stats psense) of theta and of the {head}-year opening probability under {labels[best]}"
                    if own
                    else "Power-scaling sensitivity (arviz-stats psense_summary)"
                ),
                header=[("Space" if k == "space" else k) for k in keys] if own else ["model", *keys],
                rows=[
                    [(space_label(r[k]) if k == "space" else fmt_any(r.get(k))) for k in keys] if own else [r.get("model", ""), *[fmt_any(r.get(k)) for k in keys]]
                    for r in sens.psense
                ],
            )
        psummary_tbl, psummary_text = _psense_summary_table(sens)
    except Exception as exc:  # noqa: BLE001 - a report without this section beats no report
        sens = None
        psummary_tbl, psummary_text = None, ""
        warnings_sens = f"Sensitivity analysis failed: {exc}"
    else:
        warnings_sens = ""

    if with_figures and sens is not None and len(sens.rows) > 1:
        figures.update(_figures(run, fc, rows, theta, prior, spaces, names, labels, level, head, sens, analogs, only_sensitivity=True))

    rise = rise_rows(fc, level)
    rise_tbls: list[TableBlock] = []
    rise_sent: Sentence | None = None
    rise_text = wbl_text = traj_note = ""
    wbl_tbl: TableBlock | None = None
    if rise is None:
        traj_note = TRAJECTORY_NOT_FITTED
    else:
        rise_tbls, rise_sent, rise_text = _rise_section(rise, fc, scen, spaces, hz, f"{round(100 * level):d}%", origin, target_name)
        wbl_tbl, wbl_text = _wbl_section(fc, scen, hz, level, origin, adapt.wbl_last_year(run) if "wbl" in fc else None)

    provenance = _provenance(run, spec, meta)
    bt_frame = _backtest_frame(run, backtest)
    readings = None
    if rise is not None:
        from analogcast.data import CUTPOINTS

        history, why = shipped_history(provenance["hashes"].get("data"), _origin_levels(fc, spaces),
                                       hz, exclude=target or None,
                                       deltas=[float(d) for d in fc["delta"].values]
                                       if "delta" in fc.coords else ())
        readings = readings_section(fc, scen, spaces, hz, CUTPOINTS, history=history,
                                    history_note=why, skill=event_model_skill(bt_frame),
                                    target_name=target_name)
        if history and "delta" in fc.coords and len(fc["delta"]):
            extra = rise_history_sentence(history, spaces, head, float(fc["delta"].values[0]),
                                          target_name)
            rise_text = f"{rise_text} {extra}".strip()
        caution = history_caution(readings, head, target_name)
        if caution:
            narrative.cautions.append(Sentence([caution], kind="caution"))
    refs, sources = _citations()
    assumptions = _string_list(fc.attrs.get("assumptions"))
    aid_checks = _aid_checks(provenance["hashes"].get("data"))
    if analogs is not None:
        from analogcast.evaluation.loco import kept_new_regime_sentences

        analogs["track_record"] = kept_new_regime_sentences(provenance["hashes"].get("data"))
    title = str(spec.get("title") or meta.get("title") or f"{target_name}: scenario forecasts")
    ctx = ReportContext(
        title=title,
        name=str(getattr(run, "name", None) or meta.get("name") or spec.get("name") or "report"),
        target=target,
        origin=origin,
        created=str(meta.get("created", "")),
        synthetic=bool(meta.get("synthetic", False)),
        level=level,
        horizons=hz,
        headline_horizon=head,
        spaces=spaces,
        space_labels={sp: space_label(sp) for sp in spaces},
        scenarios=scen,
        rows=rows,
        narrative=narrative,
        scenario_tables=_scenario_tables(rows, scen, spaces, hz, f"{round(100 * level):d}%"),
        contrast_table=_contrast_table(cr, labels),
        full_table=_full_table(rows[rows["horizon"].isin(hz)], labels),
        figures=figures,
        checks=checks,
        analogs=analogs,
        sensitivity=sens,
        sensitivity_table=sens_tbl,
        psense_table=psense_tbl,
        assumptions=assumptions,
        aid_checks=aid_checks,
        provenance=provenance,
        citations=refs,
        sources=sources,
        backtest=_backtest(run, bt_frame),
        integrity_problems=[str(p) for p in integrity_problems or ()],
        psense_summary_table=psummary_tbl,
        psense_summary_text=psummary_text,
        rise=rise,
        rise_tables=rise_tbls,
        rise_sentence=rise_sent,
        rise_text=rise_text,
        wbl_table=wbl_tbl,
        wbl_text=wbl_text,
        trajectory_note=traj_note,
        readings=readings,
    )
    if warnings_sens:
        ctx.warnings.append(warnings_sens)
    # scenario values outside the training data's range (analogcast.models.covariates.range_notes)
    ctx.warnings.extend(_string_list(fc.attrs.get("scenario_warnings")))
    return ctx


def _aid_checks(data_sha256: str | None) -> list[str]:
    """The kept checks of the aid terms (placebo, stability, leave-one-region-out) and what the
    data identify about aid x patron alignment, if they were computed on the run's data; else one
    sentence saying why they are missing."""
    from analogcast.evaluation.aid_checks import assumption_sentences, kept_checks

    checks, meta, reason = kept_checks(data_sha256)
    if checks is None:
        return [reason]
    ident = meta.get("identification") if isinstance(meta.get("identification"), dict) else None
    try:
        return assumption_sentences(checks, ident) + [
            f"Computed once on the shipped data (sha256 {str(data_sha256)[:12]}, the run's) by "
            f"{meta.get('producer', 'analogcast')}."]
    except (KeyError, ValueError, TypeError) as exc:  # a damaged kept table: say so, keep the report
        return [f"The kept aid checks could not be read ({type(exc).__name__}); recompute them with "
                "`make aid-checks`."]


def _country_name(code: str) -> str:
    try:
        from analogcast.data import country_table

        tbl = country_table()
        for col in ("country_text_id", "text_id", "code"):
            if col in tbl.columns:
                hit = tbl[tbl[col] == code]
                for name_col in ("country_name", "name"):
                    if not hit.empty and name_col in hit.columns:
                        return str(hit.iloc[0][name_col])
    except Exception:  # noqa: BLE001 - fall back to the code
        pass
    return {"AFG": "Afghanistan"}.get(code, code)


def _string_list(value: Any) -> list[str]:
    """A list of strings from an attribute that may be a list, an array, a JSON string or a string.

    NetCDF stores list attributes of strings as JSON text (``'["a", "b"]'``) or arrays.
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                got = json.loads(text)
            except ValueError:
                import ast

                try:
                    got = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    got = [text]
            return [str(x) for x in got] if isinstance(got, list | tuple) else [str(got)]
        return [text] if text else []
    try:
        return [str(x) for x in list(value)]
    except TypeError:
        return [str(value)]


def _provenance(run: Any, spec: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The provenance section: from the run's typed ``metadata.json``
    (:class:`analogcast.runs.metadata.RunMetadata`, ``run.info``) when the run was loaded from a
    directory, else from the fit's own provenance and the spec."""
    info = getattr(run, "info", None)
    prov = dict(getattr(run, "provenance", None) or getattr(getattr(run, "result", None), "provenance", None) or {})
    spec_obj = getattr(run, "spec", None) or getattr(getattr(run, "result", None), "spec", None)
    spec_text = ""
    if spec_obj is not None and callable(getattr(spec_obj, "to_toml", None)):
        try:
            spec_text = spec_obj.to_toml()
        except Exception:  # noqa: BLE001
            spec_text = ""
    if not spec_text:
        spec_text = json.dumps(spec, indent=2, sort_keys=True, default=str)
    timings = dict(getattr(run, "timings", None) or getattr(getattr(run, "result", None), "timings", None) or {})
    if info is not None:
        hashes = info.hashes
        data_files, versions, seed, seeds = dict(info.data_files), dict(info.versions), info.seed, dict(info.seeds)
        sampler: Any = info.sampler
        command: Any = info.command
        prior_source, created = info.prior_source or "", info.created
    else:
        hashes = {k.replace("_sha256", ""): str(prov[k]) for k in ("data_sha256", "prior_sha256") if prov.get(k)}
        data_files = dict(prov.get("data_files") or {})
        versions = dict(prov.get("versions") or {})
        seed, seeds = spec.get("seed"), dict(prov.get("seeds") or {})
        sampler, command = spec.get("sampler") or {}, None
        prior_source, created = str(prov.get("prior_source") or ""), str(meta.get("created", ""))
    return {
        "spec_text": spec_text,
        "hashes": dict(sorted(hashes.items())),
        "versions": {str(k): str(v) for k, v in versions.items()},
        "seed": seed,
        "seeds": ", ".join(f"{k} {v}" for k, v in seeds.items()),
        "sampler": ", ".join(f"{k} {v}" for k, v in dict(sampler).items() if v is not None) if isinstance(sampler, dict) else str(sampler),
        "command": " ".join(map(str, command)) if isinstance(command, list | tuple) else str(command or ""),
        "prior_source": str(prior_source),
        "data_files": {str(k): str(v) for k, v in sorted(data_files.items())},
        "models": ", ".join(map(str, spec.get("model", {}).get("names", []) if isinstance(spec.get("model"), dict) else [])) or str(run.forecasts.attrs.get("models", "")),
        "timings": {str(k): (f"{v:.1f} s" if isinstance(v, int | float) else str(v)) for k, v in timings.items()},
        "created": str(created),
        "path": str(getattr(run, "path", "") or ""),
    }

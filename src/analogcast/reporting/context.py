"""The report model: every number, sentence, table and figure of a report, as plain data.

:func:`build_report_context` turns a run (an ``analogcast.runs.Run``) into a
:class:`ReportContext`. The templates only lay it out; they compute nothing. The scenario table,
the figures and the narrative all read one forecasts table (:mod:`analogcast.reporting.tables`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import xarray as xr

from analogcast.data import country_name
from analogcast.reporting import run_inputs
from analogcast.reporting.analogs import analogs_section, prior_rebuilder
from analogcast.reporting.associations import Associations, policy_associations
from analogcast.reporting.assumptions import (
    aid_check_sentences,
    psense_summary_table,
    sensitivity_table,
)
from analogcast.reporting.checks import Check, diagnostics_from_tree, evaluate_diagnostics
from analogcast.reporting.class_skill import ClassSkill, backtest_dir, class_skill_section
from analogcast.reporting.figures import FigureItem
from analogcast.reporting.figures import report_figures as _figures
from analogcast.reporting.narrative import (
    Narrative,
    Num,
    Sentence,
    build_narrative,
    cells,
    pick_contrasts,
    scenario_ranking,
)
from analogcast.reporting.outcomes import (
    origin_levels,
    paths_not_fitted,
    rise_section,
    wbl_section,
)
from analogcast.reporting.provenance import citations_and_sources, provenance_section
from analogcast.reporting.readings import (
    Readings,
    event_model_skill,
    history_caution,
    readings_section,
    rise_history_sentence,
    shipped_history,
)
from analogcast.reporting.sensitivity import Sensitivity, sensitivity
from analogcast.reporting.skill import backtest_frame, backtest_table
from analogcast.reporting.tables import (
    Cell,
    TableBlock,
    cell_key,
    contrast_rows,
    fmt_any,
    fmt_pct,
    forecast_rows,
    main_horizons,
    rise_rows,
    space_label,
)

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.runs.run import Run

__all__ = ["FigureItem", "TableBlock", "ReportContext", "build_report_context"]


@dataclass
class ReportContext:
    """Everything the templates show (plain strings, numbers, tables and data URIs)."""

    title: str
    name: str
    target: str
    origin: int | None
    created: str
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
    #: incremental liberalization (the model of index paths): the rise rows (``rise_table``), one table per
    #: main horizon and delta, the sentence quoting them and the sentence saying what delta means
    rise: pd.DataFrame | None = None
    rise_tables: list[TableBlock] = field(default_factory=list)
    rise_sentence: Sentence | None = None
    rise_text: str = ""
    #: women's legal rights (World Bank WBL index, model of index paths): table, caveat, or why absent
    wbl_table: TableBlock | None = None
    wbl_text: str = ""
    #: set when the model of index paths was not fitted (both subsections are then omitted)
    paths_note: str = ""
    #: how the report names the model of index paths (its declared label)
    paths_label: str = ""
    #: the two models' readings of openings and closings, side by side with history
    readings: Readings | None = None
    #: the backtest's forecasts for cases like the target's (classes of hard cases)
    class_skill: ClassSkill | None = None
    #: the fitted common slopes of the terms scenarios move (aid, sanctions, patrons)
    associations: Associations | None = None

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


def _class_skill(run: Run, backtest: Any, target: str, target_name: str,
                 origin: int | None, spaces: Sequence[str], data_hash: str | None) -> ClassSkill:
    """The "cases like this one" subsection, or an empty one saying why."""
    if not target or origin is None:
        return ClassSkill(None, note="Not computed: the run has no real target and origin.")
    from analogcast.data import load_panel

    return class_skill_section(backtest_dir(run, backtest), load_panel(), target, target_name,
                               int(origin), spaces, data_hash)


def build_report_context(
    run: Run,
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
        The run (``Run.from_result``, ``load_run``): its forecasts, stored tables, fit result
        (spec, prior, posterior tree, diagnostics, model data) and ``metadata.json``.
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
    meta = run_inputs.metadata(run)
    spec = run_inputs.spec_dict(run)
    level = run.level
    scen = run_inputs.run_scenarios(run, fc)
    labels = {s["name"]: s["label"] for s in scen}
    names = [s["name"] for s in scen]
    spaces = [str(s) for s in fc["space"].values]
    rows = forecast_rows(fc, level, run.table)
    avail = sorted(set(rows["horizon"]))
    hz = [h for h in (horizons or []) if h in avail] or main_horizons(avail)
    head = 5 if 5 in hz else hz[len(hz) // 2]
    ranking = scenario_ranking(rows, head)
    ref = reference if reference in names else ("status_quo" if "status_quo" in names else names[0])
    picks = pick_contrasts(rows, head, ranking, ref)
    stored_c = run.contrasts
    cr_parts = [
        contrast_rows(fc, level, [(a, b)], [head], table=stored_c if isinstance(stored_c, pd.DataFrame) else None)
        .query("space == @sp")
        .assign(subject=subj)
        for a, b, sp, subj in picks
    ]
    cr = pd.concat(cr_parts, ignore_index=True) if cr_parts else pd.DataFrame(
        columns=["scenario_a", "scenario_b", "space", "horizon", "diff_mean", "diff_low", "diff_high", "p_a_gt_b"]
    )

    tree, diag = run.tree, run.diagnostics
    if not diag and tree is not None:
        diag = diagnostics_from_tree(tree)
    checks = evaluate_diagnostics(diag)
    diag_ok = all(c.passed is True for c in checks)

    prior = run_inputs.run_prior(run)
    theta = run_inputs.find_theta(tree)
    analogs = analogs_section(prior, spaces, theta)
    rebuilder = (prior_rebuilder(prior, spaces, (analogs or {}).get("shares"), run_inputs.saved_alternatives(run, spaces))
                 if theta is not None else None)
    conflict_spaces = analogs["conflict_spaces"] if analogs else []

    target, origin = run.target, run.origin
    target_name = country_name(target)
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
            mixture_of=prior.mixture if prior is not None else None,
            p_opening=fc["p_opening"],
            scenario=best,
            horizon=head,
            spaces=spaces,
            meta=run_inputs.prior_meta(prior),
            rebuild=rebuilder,
            tree=tree,
        )
        sens_tbl = sensitivity_table(sens, spaces, labels[best])
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
        psummary_tbl, psummary_text = psense_summary_table(sens)
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
    rise_text = wbl_text = paths_note = ""
    wbl_tbl: TableBlock | None = None
    if rise is None:
        paths_note = paths_not_fitted()
    else:
        rise_tbls, rise_sent, rise_text = rise_section(rise, fc, scen, spaces, hz, f"{round(100 * level):d}%", origin, target_name)
        wbl_tbl, wbl_text = wbl_section(fc, scen, hz, level, origin, run_inputs.wbl_last_year(run) if "wbl" in fc else None)

    provenance = provenance_section(run, spec, meta)
    bt_frame = backtest_frame(run, backtest)
    readings = None
    if rise is not None:
        from analogcast.data import CUTPOINTS

        history, why = shipped_history(provenance["hashes"].get("data"), origin_levels(fc, spaces),
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
    cls_skill = _class_skill(run, backtest, target, target_name, origin, spaces,
                             provenance["hashes"].get("data"))
    if cls_skill.caution:
        narrative.cautions.append(Sentence([cls_skill.caution], kind="caution"))
    refs, sources = citations_and_sources()
    assumptions = run_inputs.attr_list(fc, "assumptions")
    aid_checks = aid_check_sentences(provenance["hashes"].get("data"))
    associations = policy_associations(tree, level)
    if analogs is not None:
        from analogcast.evaluation.loco import kept_new_regime_sentences

        analogs["track_record"] = kept_new_regime_sentences(provenance["hashes"].get("data"))
        if analogs.get("model_evidence") is not None and analogs["track_record"][0].startswith("Do analogy priors help"):
            analogs["track_record"].append(
                "That check built its priors from the analogs' event counts. This report's prior is "
                "built from the analogs' fitted intercepts (the table below), a route the check did not cover.")
    title = str(spec.get("title") or meta.get("title") or f"{target_name}: scenario forecasts")
    ctx = ReportContext(
        title=title,
        name=run.name,
        target=target,
        origin=origin,
        created=str(meta.get("created", "")),
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
        backtest=backtest_table(run, bt_frame),
        class_skill=cls_skill,
        associations=associations,
        integrity_problems=[str(p) for p in integrity_problems or ()],
        psense_summary_table=psummary_tbl,
        psense_summary_text=psummary_text,
        rise=rise,
        rise_tables=rise_tbls,
        rise_sentence=rise_sent,
        rise_text=rise_text,
        wbl_table=wbl_tbl,
        wbl_text=wbl_text,
        paths_note=paths_note,
        paths_label=run_inputs.path_model_label(),
        readings=readings,
    )
    if warnings_sens:
        ctx.warnings.append(warnings_sens)
    # scenario values outside the training data's range (analogcast.models.covariates.range_notes)
    ctx.warnings.extend(run_inputs.attr_list(fc, "scenario_warnings"))
    return ctx



"""Reports: a policy brief on top, a statistician's audit underneath (HTML and PDF).

Stage ``reporting`` (after ``evaluation``). Importing this package is cheap: matplotlib, Jinja2
and WeasyPrint load only when a report is built.

Public API
----------
``build_report_context(run, *, horizons=None, reference=None, with_figures=True, backtest=None, integrity_problems=None) -> ReportContext``
    The report model: forecasts table rows, narrative sentences (every number keyed to its
    table cell), tables, figures as PNG data URIs, diagnostics with pass/fail, analogies,
    sensitivity (PSIS reweighting under alternative priors, arviz-stats psense), provenance.

Modules: ``tables`` (the one source of numbers and how they print), ``narrative`` (sentences),
``plot_base``/``plot_forecasts``/``plot_priors``/``plot_skill`` (the plots, public as
:mod:`analogcast.plots`), ``figures`` (the report's figure list, drawn by those plots), ``analogs``, ``sensitivity``, ``checks`` (diagnostic
thresholds), ``adapt`` (reads any run-shaped object), ``context`` (assembles), ``render``
(Jinja2 + WeasyPrint).
``render_report(run, out_dir="reports", formats=("html", "pdf"), *, name=None, backtest=None) -> list[Path]``
    Writes ``<name>.html`` (self-contained, no network) and ``<name>.pdf`` (A4, TOC with page
    numbers, bookmarks) atomically. ``run`` may be a saved run directory (``load_run``);
    ``backtest`` an ``analogcast backtest --out`` directory for the backtest-skill section.
``render_html(ctx) -> str``, ``render_pdf(html, path) -> Path``, ``parse_formats(text)``.
"""

from __future__ import annotations

from analogcast._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "build_report_context": "analogcast.reporting.context",
    "ReportContext": "analogcast.reporting.context",
    "render_report": "analogcast.reporting.render",
    "render_html": "analogcast.reporting.render",
    "render_pdf": "analogcast.reporting.render",
    "parse_formats": "analogcast.reporting.render",
    "FORMATS": "analogcast.reporting.render",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

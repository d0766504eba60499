"""Render a report model to one self-contained HTML file and a PDF of the same content.

HTML: Jinja2 with autoescaping on (every user string is escaped), CSS inline, figures as PNG data
URIs, a Content-Security-Policy that forbids loading anything, and no JavaScript. PDF: the same
HTML through WeasyPrint, with a URL fetcher that refuses every URL but ``data:`` (so rendering
never touches the network or the file system), A4 pages, page numbers, a table of contents with
page numbers and PDF bookmarks from the section headings. Files are written atomically.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analogcast._io import atomic_path, atomic_write_text
from analogcast._version import __version__
from analogcast.errors import UserInputError
from analogcast.reporting.assumptions import IDENTIFICATION
from analogcast.reporting.context import ReportContext, build_report_context
from analogcast.reporting.narrative import Num
from analogcast.reporting.tables import Cell

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.runs.run import Run

__all__ = ["FORMATS", "render_html", "render_pdf", "render_report", "parse_formats"]

FORMATS = ("html", "pdf")


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"html,pdf"`` -> ``("html", "pdf")``; unknown formats raise :class:`UserInputError`."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text)]
    items = [t for t in items if t]
    bad = [t for t in items if t not in FORMATS]
    if bad or not items:
        from analogcast.errors import did_you_mean

        hint = did_you_mean(bad[0], FORMATS) if bad else ""
        raise UserInputError(f"unknown report format {bad[0]!r}.{hint} Formats: html, pdf" if bad else "no report format given; use --format html,pdf")
    return tuple(dict.fromkeys(items))


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("analogcast.reporting", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml"), default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.globals.update(is_num=lambda x: isinstance(x, Num), is_cell=lambda x: isinstance(x, Cell))
    return env


def render_html(ctx: ReportContext) -> str:
    """The report as one self-contained HTML document (a string)."""
    from importlib import resources

    from markupsafe import Markup

    css = resources.files("analogcast.reporting").joinpath("templates/report.css").read_text(encoding="utf-8")
    env = _environment()
    tpl = env.get_template("report.html")
    # the stylesheet is ours (not user text); "</" cannot occur in it, so it cannot end <style>
    assert "</" not in css
    return strip_invisible(tpl.render(ctx=ctx, css=Markup(css), version=__version__, identification=IDENTIFICATION))


#: Control characters (except tab, newline, carriage return) and the bidirectional-override
#: and isolate marks: they have no business in a report and can hide or reorder text.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


def strip_invisible(text: str) -> str:
    """``text`` without C0/C1 control characters (tab and newlines kept) and bidi overrides (U+202A-E, U+2066-9)."""
    return _INVISIBLE.sub("", text)


def _data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves ``data:`` URIs and refuses everything else."""
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:  # noqa: D401
            if not str(url).lower().startswith("data:"):
                raise ValueError(f"analogcast reports load nothing but data: URIs (refused {url[:80]!r})")
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols=("data",), timeout=1)


def render_pdf(html: str, target: str | os.PathLike[str]) -> Path:
    """Write the PDF of ``html`` to ``target`` atomically (WeasyPrint, print media, A4)."""
    import weasyprint

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    doc = weasyprint.HTML(string=html, url_fetcher=_data_only_fetcher(), media_type="print")
    with atomic_path(target) as tmp:
        doc.write_pdf(tmp)
    return Path(target)


def _load(run: Run | str | os.PathLike[str]) -> Run:
    if isinstance(run, str | os.PathLike):
        from analogcast.runs import load_run

        return load_run(Path(run))
    return run


def report_name(run: Run, ctx: ReportContext | None = None) -> str:
    """The default report file stem: the spec's run name, else its name, else ``report``."""
    for cand in (run.spec.run_name, run.spec.name, ctx.name if ctx is not None else None):
        if cand:
            return str(cand)
    return "report"


def render_report(
    run: Run | str | os.PathLike[str],
    out_dir: str | os.PathLike[str] = "reports",
    formats: Sequence[str] | str = FORMATS,
    *,
    name: str | None = None,
    context: ReportContext | None = None,
    backtest: Any = None,
) -> list[Path]:
    """Render a run's report to ``<out_dir>/<name>.html`` and/or ``<name>.pdf``.

    Parameters
    ----------
    run
        A ``Run``, or the path of a saved run directory (loaded with
        ``analogcast.runs.load_run``, which refuses a tampered run).
    out_dir
        Output directory (created if missing).
    formats
        ``("html", "pdf")``, either one, or ``"html,pdf"``.
    name
        File stem; default the spec's run name (e.g. ``afghanistan``).
    context
        A prebuilt :class:`ReportContext` (skips rebuilding it).
    backtest
        ``analogcast backtest`` output directory (or its ``scores.csv``) to include.

    Returns
    -------
    list of pathlib.Path
        The files written, in ``formats`` order.
    """
    fmts = parse_formats(formats)
    run = _load(run)
    ctx = context if context is not None else build_report_context(run, backtest=backtest)
    stem = name or report_name(run, ctx)
    if not stem or "/" in stem or stem.startswith("."):
        raise UserInputError(f"report name {stem!r} is not a plain file name")
    out = Path(out_dir)
    html = render_html(ctx)
    written: list[Path] = []
    for f in fmts:
        target = out / f"{stem}.{f}"
        if f == "html":
            atomic_write_text(target, html)
        else:
            render_pdf(html, target)
        written.append(target)
    return written

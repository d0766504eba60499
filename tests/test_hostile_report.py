"""Reports under hostile user text: long unbroken labels stay on the page, invisible characters go."""

from __future__ import annotations

from importlib import resources

import pytest

from analogcast.reporting.render import strip_invisible


def _boxes(box):  # type: ignore[no-untyped-def]
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


@pytest.mark.parametrize("label", ["X" * 300, "https://example.org/" + "a1" * 150])
def test_long_unbroken_label_keeps_every_table_column_on_the_pdf_page(label: str) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    css = resources.files("analogcast.reporting").joinpath("templates/report.css").read_text(encoding="utf-8")
    html = (
        f"<html><head><style>{css}</style></head><body><section><h2>{label}</h2>"
        '<table class="scenario-table"><thead><tr><th>Space</th>'
        f"<th>{label}</th><th>Isolation</th><th>Aid</th></tr></thead><tbody><tr><td>{label}</td>"
        '<td class="num"><span class="m">45%</span><span class="ci">30-60%</span></td>'
        '<td class="num">12%</td><td class="num">13%</td></tr></tbody></table>'
        f'<p class="note">{label}</p></section></body></html>'
    )
    page = weasyprint.HTML(string=html, media_type="print").render().pages[0]
    pb = page._page_box
    right = pb.content_box_x() + pb.width
    cells = [b for b in _boxes(pb) if getattr(b, "element_tag", None) in ("td", "th", "p", "h2")]
    assert len(cells) >= 9
    overflow = max(b.position_x + b.margin_width() for b in cells) - right
    assert overflow <= 0.5, f"a cell ends {overflow:.0f} pt beyond the page's right margin"


def test_long_unbroken_scenario_labels_keep_the_real_reports_tables_on_the_page(tiny_run) -> None:  # type: ignore[no-untyped-def]
    """The real tiny run's report with 200-character unbroken scenario labels: no table cell of
    its PDF ends beyond the right margin (the print stylesheet wraps most cells by whole words and
    keeps breaking anywhere only where user text can be: this checks every table the labels reach)."""
    import dataclasses

    from analogcast.reporting import build_report_context, render_html

    weasyprint = pytest.importorskip("weasyprint")
    labels = [c * 200 for c in "LM"][: tiny_run.forecasts.sizes["scenario"]]
    fc = tiny_run.forecasts.assign_coords(scenario_label=("scenario", labels))
    html = render_html(build_report_context(dataclasses.replace(tiny_run, forecasts=fc), with_figures=False))
    assert labels[0] in html and labels[-1] in html
    checked = 0
    for page in weasyprint.HTML(string=html, media_type="print").render().pages:
        pb = page._page_box
        right = pb.content_box_x() + pb.width
        cells = [b for b in _boxes(pb) if getattr(b, "element_tag", None) in ("td", "th")]
        checked += len(cells)
        if cells:
            overflow = max(b.position_x + b.margin_width() for b in cells) - right
            assert overflow <= 0.5, f"a table cell ends {overflow:.0f} pt beyond the page's right margin"
    assert checked > 100


def test_strip_invisible_removes_controls_and_bidi_overrides_only() -> None:
    hostile = "a\x00b\x0bc\u202ed\u2066e\x1bf\x7fg\x85h\ufeffi"
    assert strip_invisible(hostile) == "abcdefghi"
    kept = "tab\there\nnew line\r\nÄfghānistān – 45% ≥ ½ 你好 مرحبا"
    assert strip_invisible(kept) == kept


def test_rendered_html_carries_no_control_or_override_characters(tiny_run) -> None:  # type: ignore[no-untyped-def]
    """Render the real tiny run's report with hostile text in its title and check the HTML."""
    import dataclasses

    from analogcast.reporting import build_report_context, render_html

    ctx = build_report_context(tiny_run, with_figures=False)
    fields = {f.name for f in dataclasses.fields(ctx)}
    assert "title" in fields
    ctx = dataclasses.replace(ctx, title="Tiny \x00run\u202e with \x0bcontrols")
    html = render_html(ctx)
    assert "Tiny run with controls" in html
    for ch in ("\x00", "\x0b", "\u202e"):
        assert ch not in html

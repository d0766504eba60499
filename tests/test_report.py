"""Report tests on a SYNTHETIC run (``analogcast.reporting.synthetic``: random numbers shaped like
the Run contract, labelled synthetic in the report itself).

They check the issue-6 promises that do not need a browser: the narrative quotes the table
(parsed from the HTML), user strings are escaped, the HTML loads nothing, failed diagnostics
raise a red banner at the top, the PDF has a table of contents with page numbers and bookmarks,
and the WeasyPrint fetcher refuses every URL but ``data:``.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from analogcast.errors import UserInputError
from analogcast.reporting import build_report_context, parse_formats, render_html, render_report
from analogcast.reporting.tables import fmt_interval, fmt_pct
from synthetic_run import synthetic_run

XSS = "<script>alert(1)</script>"
INTERVAL = re.compile(r"^(<1|>99|\d+)% \((\d+)–(\d+)%\)$")


class _Collector(HTMLParser):
    """Collects tags/attributes, keyed numbers in the narrative and in table cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.narrative: list[tuple[str, str]] = []
        self.cells: dict[str, str] = {}
        self._cur: list[tuple[str, str, list[str]]] = []  # (kind, key, text parts)
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag not in ("img", "meta", "br", "hr", "link", "input"):
            self.stack.append((tag, a))
        if "data-key" in a and tag in ("span", "td"):
            self._cur.append(("span" if tag == "span" else "td", str(a["data-key"]), []))

    def handle_endtag(self, tag: str) -> None:
        if self._cur and tag == ("span" if self._cur[-1][0] == "span" else "td") and tag in ("span", "td"):
            # a span inside a td (mean/ci) closes before the td: only close matching kinds
            kind, key, parts = self._cur[-1]
            if (kind == "span" and tag == "span" and self._in_narrative()) or (kind == "td" and tag == "td"):
                self._cur.pop()
                text = " ".join("".join(parts).split())
                if kind == "span":
                    self.narrative.append((key, text))
                else:
                    self.cells[key] = text
        while self.stack and self.stack[-1][0] != tag:
            self.stack.pop()
        if self.stack:
            self.stack.pop()

    def _in_narrative(self) -> bool:
        return any(t == "section" and a.get("id") == "sec-summary" for t, a in self.stack)

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        for _, _, parts in self._cur:
            parts.append(data)


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


@pytest.fixture(scope="module")
def run():
    return synthetic_run(draws=120)


@pytest.fixture(scope="module")
def ctx(run):
    return build_report_context(run)


@pytest.fixture(scope="module")
def html(ctx) -> str:
    return render_html(ctx)


def test_fmt_pct_and_interval() -> None:
    assert fmt_pct(0.213) == "21%"
    assert fmt_pct(0.004) == "<1%"
    assert fmt_pct(0.0) == "<1%"
    assert fmt_pct(0.996) == ">99%"
    assert fmt_pct(1.0) == ">99%"
    assert fmt_pct(float("nan")) == "n/a"
    assert fmt_interval(0.21, 0.12, 0.33) == "21% (12–33%)"
    assert fmt_interval(0.996, 0.97, 0.9999) == ">99% (97–100%)"
    assert fmt_interval(0.003, 0.0, 0.02) == "<1% (0–2%)"


def test_parse_formats() -> None:
    assert parse_formats("html, PDF") == ("html", "pdf")
    assert parse_formats(["pdf"]) == ("pdf",)
    with pytest.raises(UserInputError, match="docx"):
        parse_formats("html,docx")
    with pytest.raises(UserInputError):
        parse_formats("")


def test_narrative_numbers_match_the_table(html: str, ctx) -> None:
    """Every number in the summary is the text of the table cell it quotes, and both match the rows."""
    doc = _parse(html)
    assert len(doc.narrative) >= len(ctx.scenarios) * len(ctx.spaces), "expected keyed numbers in the summary"
    rows = ctx.rows.set_index(["scenario", "space", "horizon"])
    quoted_intervals = 0
    for key, text in doc.narrative:
        assert key in doc.cells, f"narrative number {text!r} ({key}) has no table cell"
        assert doc.cells[key] == text, f"{key}: narrative says {text!r}, table says {doc.cells[key]!r}"
        quantity, scen, space, h = key.split("|")
        if quantity in ("p_opening", "p_closing"):
            m = INTERVAL.match(text)
            assert m, text
            r = rows.loc[(scen, space, int(h))]
            assert f"{m.group(1)}%" == fmt_pct(r[quantity])
            assert int(m.group(2)) == round(100 * r[f"{quantity}_low"])
            assert int(m.group(3)) == round(100 * r[f"{quantity}_high"])
            quoted_intervals += 1
    assert quoted_intervals >= len(ctx.scenarios) * len(ctx.spaces)
    # the contrast sentence of the issue, with its probability quoted from the contrasts table
    summary_text = "".join(doc.text_parts)
    assert re.search(r"is associated with a (higher|lower) 5-year probability of an opening in \w+('s)? space: \S+ \(\S+\), against \S+ \(\S+\) under ", summary_text)
    assert re.search(r"the probability that it is (higher|lower) is (\d+|<1|>99)%", summary_text)


def _summary_sentences(html: str) -> list[str]:
    """Plain-text sentences of the executive summary section of the HTML (tags stripped)."""
    sec = html.split('<section id="sec-summary"', 1)[1].split("</section>", 1)[0]
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", sec)).split())
    return [t for t in re.split(r"(?<=[.!?])\s+", text) if t]


def test_summary_speaks_of_associations_not_causes(html: str, ctx) -> None:
    """No causal verb applied to a scenario contrast in the HTML executive summary (issue 13), and the
    identification caveat is said once, at the first contrast."""
    from analogcast.reporting.narrative import CAUSAL_VERBS, IDENTIFICATION_CAVEAT

    labels = [s["label"] for s in ctx.scenarios]
    sentences = _summary_sentences(html)
    naming = [t for t in sentences if any(lab in t for lab in labels)]
    assert len(naming) >= len(ctx.narrative.contrasts) >= 1
    for t in naming:
        for verb in ("raises", "lowers", "increases", "reduces", *CAUSAL_VERBS):
            assert not re.search(rf"\b{verb}\b", t, flags=re.IGNORECASE), f"causal verb {verb!r} in: {t}"
    summary = " ".join(sentences)
    assert summary.count("Under the model's assumptions") >= 1
    assert summary.count(IDENTIFICATION_CAVEAT.split(":")[0]) == 1
    first = ctx.narrative.contrasts[0].text
    assert first.startswith("Under the model's assumptions, ") and IDENTIFICATION_CAVEAT in first
    assert all(IDENTIFICATION_CAVEAT not in s.text for s in ctx.narrative.contrasts[1:])


def test_user_strings_are_escaped(tmp_path: Path) -> None:
    bad = synthetic_run(
        draws=60,
        title=f"Title {XSS}",
        notes=XSS,
        scenarios=(("status_quo", f"Status quo {XSS}"), ("isolation", f"Isolation {XSS}")),
    )
    ctx = build_report_context(bad, with_figures=False)
    html = render_html(ctx)
    doc = _parse(html)
    assert not [t for t, _ in doc.tags if t == "script"], "a <script> element made it into the report"
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = "".join(doc.text_parts)
    assert f"Title {XSS}" in text and f"Status quo {XSS}" in text  # shown as text
    # event-handler attributes cannot appear either
    assert not any(k.startswith("on") for _, a in doc.tags for k in a)


def test_html_is_self_contained(html: str) -> None:
    doc = _parse(html)
    tags = {t for t, _ in doc.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base"}
    for tag, attrs in doc.tags:
        for attr in ("src", "href", "srcset", "poster", "data", "action"):
            v = attrs.get(attr)
            if v is None:
                continue
            assert v.startswith("#") or v.startswith("data:image/png;base64,"), f"<{tag} {attr}={v[:60]!r}>"
    csp = [a for t, a in doc.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in str(csp[0]["content"])
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@import" not in style and not re.search(r"url\((?!data:)", style)
    assert "http://" not in style and "https://" not in style
    imgs = [a for t, a in doc.tags if t == "img"]
    assert len(imgs) >= 4


def test_failed_diagnostics_put_a_red_banner_at_the_top() -> None:
    bad = synthetic_run(draws=60, failing_diagnostics=True)
    html = render_html(build_report_context(bad, with_figures=False))
    assert 'id="diagnostics-banner"' in html
    banner_at = html.index('id="diagnostics-banner"')
    assert banner_at < html.index('id="sec-summary"') and banner_at < html.index('class="toc"')
    assert "Largest R-hat: 1.070" in html and "Divergent transitions: 12" in html


def test_passing_diagnostics_no_banner(html: str, ctx) -> None:
    assert ctx.diagnostics_ok
    assert 'id="diagnostics-banner"' not in html


def test_no_prior_run_renders(tmp_path: Path) -> None:
    r = synthetic_run(draws=60, with_prior=False, with_index=False, n_spaces=2)
    ctx = build_report_context(r, with_figures=False)
    assert ctx.analogs is None
    html = render_html(ctx)
    assert "weakly informative default prior" in html


def test_data_only_fetcher() -> None:
    from analogcast.reporting.render import _data_only_fetcher

    fetch = _data_only_fetcher()
    for url in ("http://example.com/x.png", "https://example.com/a.css", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(ValueError, match="refused"):
            fetch(url)
    resp = fetch("data:text/plain;base64,aGk=")
    assert resp is not None


def test_pdf_has_toc_page_numbers_and_bookmarks(tmp_path: Path, ctx) -> None:
    import weasyprint

    from analogcast.reporting.render import _data_only_fetcher

    html = render_html(ctx)
    doc = weasyprint.HTML(string=html, url_fetcher=_data_only_fetcher(), media_type="print").render()
    assert len(doc.pages) >= 5
    labels = [b[0] for b in doc.make_bookmark_tree()]
    assert "1. Executive summary" in labels and "5. Diagnostics" in labels
    anchors = {a: i + 1 for i, p in enumerate(doc.pages) for a in p.anchors}
    assert anchors["sec-diagnostics"] > anchors["sec-summary"]
    out = tmp_path / "r.pdf"
    doc.write_pdf(out)
    assert out.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed (apt-get install poppler-utils): TOC page numbers not read back")
    text = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(out), "-"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Diagnostics\s*\.*\s*(\d+)", text)
    assert m and int(m.group(1)) == anchors["sec-diagnostics"], text[:800]
    last = subprocess.run(["pdftotext", "-f", str(len(doc.pages)), "-l", str(len(doc.pages)), str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert f"Page {len(doc.pages)} of {len(doc.pages)}" in last


def test_render_report_writes_both_atomically(tmp_path: Path, run, ctx) -> None:
    out = render_report(run, tmp_path / "reports", context=ctx, name="afghanistan")
    assert [p.name for p in out] == ["afghanistan.html", "afghanistan.pdf"]
    assert all(p.stat().st_size > 10_000 for p in out)
    assert not list((tmp_path / "reports").glob(".*.tmp"))
    with pytest.raises(UserInputError):
        render_report(run, tmp_path, formats="html", context=ctx, name="../evil")


def test_figures_are_legible_at_print_width(ctx) -> None:
    """Figures are drawn at the printed width with >= 8 pt fonts (so no downscaling shrinks them)."""
    import base64
    import io

    from PIL import Image

    from analogcast.reporting import figures as F

    assert F._RC["font.size"] >= 8 and F._RC["xtick.labelsize"] >= 8 and F._RC["legend.fontsize"] >= 8
    for f in ctx.figures.values():
        im = Image.open(io.BytesIO(base64.b64decode(f.uri.split(",", 1)[1])))
        width_in = im.size[0] / 200
        assert width_in <= F.WIDTH_IN + 0.05, f"{f.id} is wider than the page and would be scaled down"


def test_sensitivity_with_the_shipped_prior() -> None:
    """SYNTHETIC draws with the real Afghanistan prior file: PSIS reweighting under alternative
    priors (power, robust weight, rebuilt discount and leave-one-analog-out), each with k-hat."""
    from analogcast.priors import load_prior

    root = Path(__file__).resolve().parents[1]
    prior = load_prior(root / "priors" / "afghanistan_saudi_iran.toml")
    r = synthetic_run(draws=150, prior=prior, with_index=False, horizons=(2, 5))
    ctx = build_report_context(r, with_figures=False)
    labels = [row.label for row in ctx.sensitivity.rows]
    assert labels[0] == "As fitted"
    assert any(lab.startswith("Robust weight") for lab in labels)
    assert any(lab.startswith("Discount") for lab in labels)
    assert {"Without analog SAU", "Without analog IRN"} <= set(labels)
    for row in ctx.sensitivity.rows[1:]:
        assert set(row.values) == set(ctx.spaces)
        assert all(0 <= v <= 1 for v in row.values.values())
        assert all(np.isfinite(k) for k in row.khat.values())
    # the analogies section explains the cases: similarity, evidence, ESS shares, conflict
    a = ctx.analogs
    assert a["similarity"] is not None and [row[0] for row in a["similarity"].rows] == ["AFG", "SAU", "IRN"]
    assert a["evidence"] is not None
    assert all(row[5] != "n/a" for row in a["ess"].rows)
    # arviz-stats psense with the analogy prior as the log prior, per space
    assert ctx.psense_table is not None and len(ctx.psense_table.rows) == len(ctx.spaces)
    html = render_html(ctx)
    assert "Without analog SAU" in html and "Max k-hat" in html and "psense" in html


def test_backtest_section_reads_scores_csv(tmp_path: Path) -> None:
    """A SYNTHETIC scores.csv in the format 'analogcast backtest' writes fills section 8."""
    import pandas as pd

    rows = []
    for model in ("bayes", "climatology"):
        for space in ("barometer6", "all7", "associational"):
            for d in ("up", "down"):
                rows.append({"protocol": "strict", "model": model, "space": space, "direction": d, "n": 100, "n_events": 9,
                             "pos_rate": 0.09, "log_loss": 0.3, "brier": 0.08, "roc_auc": 0.7, "pr_auc": 0.2, "ece": 0.02})
    (tmp_path / "bt").mkdir()
    pd.DataFrame(rows).to_csv(tmp_path / "bt" / "scores.csv", index=False)
    ctx = build_report_context(synthetic_run(draws=60, n_spaces=2), with_figures=False, backtest=tmp_path / "bt")
    assert ctx.backtest is not None and len(ctx.backtest.rows) == 8  # pooled rows only
    html = render_html(ctx)
    assert 'id="table-backtest"' in html and "openings" in html


def test_one_scenario_one_space_one_horizon() -> None:
    r = synthetic_run(draws=40, n_spaces=1, scenarios=(("only", "Only one"),), horizons=(1,), with_prior=False, with_index=False)
    ctx = build_report_context(r, with_figures=False)
    html = render_html(ctx)
    assert "under 1 aid scenario." in html and "within 1 year." in html
    assert not ctx.narrative.contrasts


def test_assumptions_attribute_forms() -> None:
    """NetCDF round trips turn list attributes into JSON text; the report lists them either way."""
    from analogcast.reporting.context import _string_list

    assert _string_list('["a b", "c"]') == ["a b", "c"]
    assert _string_list(["x", "y"]) == ["x", "y"]
    assert _string_list("single") == ["single"]
    assert _string_list(None) == []
    assert _string_list(np.array(["p", "q"])) == ["p", "q"]


def test_psis_reweighting_recovers_a_conjugate_posterior() -> None:
    """Reweighting draws of a normal-normal posterior to another prior gives that prior's posterior."""
    import xarray as xr

    from analogcast.reporting.sensitivity import MixtureParams, mixture_logpdf, reweighted_mean

    rng = np.random.default_rng(3)
    y, s2 = 1.0, 0.5**2  # one observation with known variance
    prior = MixtureParams(np.array([1.0]), np.array([0.0]), np.array([1.0]))
    alt = MixtureParams(np.array([1.0]), np.array([0.0]), np.array([2.0]))

    def post(m: MixtureParams) -> tuple[float, float]:
        v = 1 / (1 / m.sds[0] ** 2 + 1 / s2)
        return v * (m.means[0] / m.sds[0] ** 2 + y / s2), v

    mu, v = post(prior)
    draws = xr.DataArray(rng.normal(mu, np.sqrt(v), size=(4, 5000)), dims=("chain", "draw"))
    lr = xr.DataArray(mixture_logpdf(alt, draws.values) - mixture_logpdf(prior, draws.values), dims=("chain", "draw"))
    mean, khat = reweighted_mean(draws, lr)
    mu_alt, _ = post(alt)
    assert khat < 0.5
    assert abs(float(mean) - mu_alt) < 0.01
    same, _ = reweighted_mean(draws, lr * 0.0)
    assert abs(float(same) - float(draws.mean())) < 1e-12


def test_scenario_extrapolation_warnings_reach_the_report() -> None:
    """Scenario values outside the training range (forecasts attr ``scenario_warnings``) show as banners."""
    run = synthetic_run(draws=40)
    note = "scenario 'isolation': sanctions = 1500 cases lies outside the range seen in the training data (0 to 25)"
    run.forecasts.attrs["scenario_warnings"] = json.dumps([note])  # as stored in forecasts.nc
    html = render_html(build_report_context(run, with_figures=False))
    banners = re.findall(r'<div class="banner banner-warn" role="note">(.*?)</div>', html, flags=re.S)
    assert any(html_lib.unescape(b).strip() == note for b in banners)

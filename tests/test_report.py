"""Report tests on REAL runs: the session's ``tiny_run`` (conftest: a real fit of
``event_logit`` on one space with the shipped Afghanistan prior, saved and loaded back), or a
``Run`` built from its real ``FitResult`` with one field changed where a test needs a state the
tiny fit is not in (passing or failed diagnostics, no prior, one scenario and horizon).

They check the issue-6 promises that do not need a browser: the narrative quotes the table
(parsed from the HTML), user strings are escaped, the HTML loads nothing, failed diagnostics
raise a red banner at the top, the PDF has a table of contents with page numbers and bookmarks,
and the WeasyPrint fetcher refuses every URL but ``data:``.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import json
import logging
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from analogcast._display import fmt_score
from analogcast.errors import UserInputError
from analogcast.reporting import build_report_context, parse_formats, render_html, render_report
from analogcast.reporting.tables import fmt_interval, fmt_pct
from analogcast.runs import Run
from conftest import XSS
from external_tools import find_program, require_program

INTERVAL = re.compile(r"^(<1|>99|\d+)% \((<1|>99|\d+)–(<1|>99|\d+)%\)$")
#: A printed 0% or 100% anywhere: a whole "0"/"100" as a percentage or as an interval end.
CERTAINTY = re.compile(r"(?<![\d.])(0|100)(%|–)")


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


#: Diagnostics that pass every threshold (hand-made: the 2 x 60-draw tiny fit does not converge).
PASSING = {"max_rhat": 1.004, "min_ess_bulk": 812.0, "min_ess_tail": 655.0, "divergences": 0, "min_bfmi": 0.81}


def with_result(run: Run, **changes: object) -> Run:
    """``run`` with fields of its real ``FitResult`` replaced (``dataclasses.replace``)."""
    return dataclasses.replace(run, result=dataclasses.replace(run.result, **changes))


def with_diagnostics(run: Run, diag: dict[str, float]) -> Run:
    """``run`` whose fit recorded ``diag`` (top level and for its one model)."""
    return with_result(run, diagnostics={**diag, "by_model": {m: dict(diag) for m in run.models}})


@pytest.fixture(scope="module")
def run(tiny_run) -> Run:
    return tiny_run


@pytest.fixture(scope="module")
def ctx(run):
    return build_report_context(run)


@pytest.fixture(scope="module")
def html(ctx) -> str:
    return render_html(ctx)


def test_fmt_pct_and_interval() -> None:
    """README: probabilities are never printed as 0% or 100% (``<1%``, ``>99%``), interval ends
    included."""
    assert fmt_pct(0.213) == "21%"
    assert fmt_pct(0.004) == "<1%"
    assert fmt_pct(0.0) == "<1%"
    assert fmt_pct(0.005) == "1%"
    assert fmt_pct(0.994) == "99%"
    assert fmt_pct(0.996) == ">99%"
    assert fmt_pct(1.0) == ">99%"
    assert fmt_pct(float("nan")) == "n/a"
    assert fmt_interval(0.21, 0.12, 0.33) == "21% (12–33%)"
    assert fmt_interval(0.996, 0.97, 0.9999) == ">99% (97–>99%)"
    # a share exactly on a half-percent prints the same whatever the last bit of its mean: the
    # report's mean over (chain, draw) and a test's mean of a selection differ there (a real
    # run's share of draws: 0.05499999999999999 against 0.05500000000000001)
    assert fmt_pct(0.05499999999999999) == fmt_pct(0.055) == fmt_pct(0.05500000000000001) == "6%"
    assert fmt_pct(0.04499999999999999) == fmt_pct(0.045) == fmt_pct(0.04500000000000001) == "4%"
    assert fmt_pct(0.0549) == "5%" and fmt_pct(0.0551) == "6%"
    assert fmt_score(33.74999999999999) == fmt_score(33.75) == fmt_score(33.750000000000014) == "33.8"
    assert fmt_score(33.7499) == "33.7"
    assert fmt_interval(0.003, 0.0, 0.02) == "<1% (<1–2%)"
    assert fmt_interval(0.5, 0.0, 1.0) == "50% (<1–>99%)"


@given(st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).map(sorted))
@example([0.0, 0.005, 1.0])  # 100 * 0.005 == 0.5 exactly, which round() takes to 0
@example([0.005, 0.5, 0.995])
def test_no_probability_is_printed_as_certain(p: list[float]) -> None:
    low, mean, high = p
    text = fmt_interval(mean, low, high)
    assert INTERVAL.match(text), text
    assert not CERTAINTY.search(text), text


def test_parse_formats() -> None:
    assert parse_formats("html, PDF") == ("html", "pdf")
    assert parse_formats(["pdf"]) == ("pdf",)
    with pytest.raises(UserInputError, match="docx"):
        parse_formats("html,docx")
    with pytest.raises(UserInputError):
        parse_formats("")


def test_narrative_numbers_match_the_table(html: str, ctx, run: Run) -> None:
    """Every number in the summary is the text of the table cell it quotes, and both match the rows."""
    doc = _parse(html)
    assert len(doc.narrative) >= len(ctx.scenarios) * len(ctx.spaces), "expected keyed numbers in the summary"
    fc, a = run.forecasts, (1.0 - run.level) / 2.0

    def expected(quantity: str, scen: str, space: str, h: int) -> tuple[str, str, str]:
        """Mean and equal-tailed interval of the run's draws, at forecasts.csv's 4 decimals."""
        x = fc[quantity].sel(scenario=scen, space=space, horizon=h).values.ravel()
        lo, hi = np.quantile(x, [a, 1.0 - a])
        return tuple(fmt_pct(round(float(v), 4)) for v in (x.mean(), lo, hi))

    quoted_intervals = 0
    for key, text in doc.narrative:
        assert key in doc.cells, f"narrative number {text!r} ({key}) has no table cell"
        assert doc.cells[key] == text, f"{key}: narrative says {text!r}, table says {doc.cells[key]!r}"
        quantity, scen, space, h = key.split("|")
        if quantity in ("p_opening", "p_closing"):
            m = INTERVAL.match(text)
            assert m, text
            assert (f"{m.group(1)}%", f"{m.group(2)}%", f"{m.group(3)}%") == expected(quantity, scen, space, int(h))
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


def test_user_strings_are_escaped(html: str) -> None:
    """The tiny run's title, a scenario label and a scenario note carry markup (conftest)."""
    doc = _parse(html)
    assert not [t for t, _ in doc.tags if t == "script"], "a <script> element made it into the report"
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = "".join(doc.text_parts)
    assert f"Tiny run {XSS}" in text and f"Status quo {XSS}" in text and f"Aid as now {XSS}" in text  # shown as text
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


def test_failed_diagnostics_put_a_red_banner_at_the_top(run: Run) -> None:
    bad = with_diagnostics(run, {**PASSING, "max_rhat": 1.07, "divergences": 12})
    html = render_html(build_report_context(bad, with_figures=False))
    assert 'id="diagnostics-banner"' in html
    banner_at = html.index('id="diagnostics-banner"')
    assert banner_at < html.index('id="sec-summary"') and banner_at < html.index('class="toc"')
    assert "Largest R-hat: 1.070" in html and "Divergent transitions: 12" in html


def test_passing_diagnostics_no_banner(run: Run) -> None:
    ctx = build_report_context(with_diagnostics(run, PASSING), with_figures=False)
    assert ctx.diagnostics_ok
    assert 'id="diagnostics-banner"' not in render_html(ctx)


def test_the_tiny_fits_own_diagnostics_fail_and_say_so(html: str, ctx, run: Run) -> None:
    """The real 2 x 60-draw fit does not converge: the banner quotes its recorded R-hat."""
    assert not ctx.diagnostics_ok and run.diagnostics["max_rhat"] > 1.01
    assert 'id="diagnostics-banner"' in html and f"Largest R-hat: {run.diagnostics['max_rhat']:.3f}" in html


def test_no_prior_run_renders(run: Run) -> None:
    """The tiny fit's draws, reported as if its prior were the default (``FitResult.prior = None``)."""
    ctx = build_report_context(with_result(run, prior=None), with_figures=False)
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


def test_render_pdf_loads_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``render_pdf`` itself (not a test-supplied fetcher) refuses a local file and an http URL
    that a report's HTML points at: the local server sees no request, the file is not read."""
    import http.server
    import threading

    from analogcast.reporting.render import render_pdf

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = tmp_path / "local.css"
    local.write_text("body { color: blue }", encoding="utf-8")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    html = (f'<html><head><link rel="stylesheet" href="{url}/a.css">'
            f'<link rel="stylesheet" href="{local.as_uri()}"></head>'
            f'<body><p>x</p><img src="{url}/b.png"><img src="{local.as_uri()}"></body></html>')
    try:
        with caplog.at_level(logging.DEBUG, logger="weasyprint"):
            out = render_pdf(html, tmp_path / "r.pdf")
    finally:
        server.shutdown()
        server.server_close()
    assert out.read_bytes()[:5] == b"%PDF-"
    assert hits == [], f"render_pdf fetched {hits} over http"
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    for target in (f"{url}/a.css", f"{url}/b.png", local.as_uri()):
        assert any(target[:60] in m for m in refused), f"{target} was not refused: {refused}"


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
    pdftotext = require_program(find_program("pdftotext"), "pdftotext",
                                "apt-get install poppler-utils; TOC page numbers not read back")
    text = subprocess.run([pdftotext, "-layout", "-f", "1", "-l", "1", str(out), "-"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Diagnostics\s*\.*\s*(\d+)", text)
    assert m and int(m.group(1)) == anchors["sec-diagnostics"], text[:800]
    last = subprocess.run([pdftotext, "-f", str(len(doc.pages)), "-l", str(len(doc.pages)), str(out), "-"], capture_output=True, text=True, check=True).stdout
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


def test_sensitivity_with_the_shipped_prior(ctx) -> None:
    """The real fit with the shipped Afghanistan prior file: PSIS reweighting under alternative
    priors (power, robust weight, rebuilt discount and leave-one-analog-out), each with k-hat."""
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


def test_backtest_section_reads_scores_csv(tmp_path: Path, tiny_run: Run) -> None:
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
    ctx = build_report_context(tiny_run, with_figures=False, backtest=tmp_path / "bt")
    assert ctx.backtest is not None and len(ctx.backtest.rows) == 8  # pooled rows only
    html = render_html(ctx)
    assert 'id="table-backtest"' in html and "openings" in html


def test_one_scenario_one_space_one_horizon(run: Run) -> None:
    """A real forecast of the tiny fit for one scenario at one horizon (the fit has one space)."""
    only = run.scenarios[1]
    spec = run.spec.model_copy(update={"horizons": (1,)})
    r = Run.from_result(dataclasses.replace(run.result, spec=spec), scenarios=[only])
    assert list(r.forecasts["scenario"].values) == [only.name] and list(r.forecasts["horizon"].values) == [1]
    ctx = build_report_context(r, with_figures=False)
    html = render_html(ctx)
    assert "under 1 aid scenario." in html and "within 1 year." in html
    assert not ctx.narrative.contrasts


def test_assumptions_are_listed_from_the_forecasts(html: str, ctx, run: Run) -> None:
    """The forecasts' ``assumptions`` (a list, decoded by ``load_run``) each appear in the report."""
    from analogcast.models.assumptions import ASSUMPTIONS

    assert list(ctx.assumptions) == list(ASSUMPTIONS) and len(ASSUMPTIONS) >= 2
    text = " ".join("".join(_parse(html).text_parts).split())
    for a in ASSUMPTIONS:
        assert " ".join(a.split()) in text, a[:60]


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


def test_sensitivity_mixture_maths_is_the_priors_mixture() -> None:
    """The report's prior densities and mean hazards are priors.mixture's NormalMixture, checked
    against independent numerical integration and a closed form."""
    from scipy import integrate, stats
    from scipy.special import expit

    from analogcast.priors.mixture import NormalMixture
    from analogcast.reporting.sensitivity import (
        _alternatives,
        as_mixture,
        mixture_logpdf,
        mixture_mean_expit,
    )

    class Plain:  # any object with weights / means / sds / labels (weights not normalised)
        weights, means, sds, labels = [2.0, 6.0], [-2.0, 0.5], [0.4, 1.5], ["map", "vague"]

    m = as_mixture(Plain())
    assert isinstance(m, NormalMixture) and m.weights == (0.25, 0.75)
    x = np.array([-3.0, -1.0, 0.0, 2.5])
    dens = 0.25 * stats.norm.pdf(x, -2.0, 0.4) + 0.75 * stats.norm.pdf(x, 0.5, 1.5)
    np.testing.assert_allclose(mixture_logpdf(Plain(), x), np.log(dens), rtol=1e-12)
    want = integrate.quad(lambda t: expit(t) * (0.25 * stats.norm.pdf(t, -2.0, 0.4) + 0.75 * stats.norm.pdf(t, 0.5, 1.5)), -30, 30)[0]
    assert mixture_mean_expit(Plain()) == pytest.approx(want, abs=1e-9)
    assert mixture_mean_expit(NormalMixture.normal(0.0, 2.0)) == pytest.approx(0.5, abs=1e-12)  # symmetry
    # robust-weight alternatives move weight between labelled parts; each is a proper mixture
    alts = {lab: alt for lab, _, alt in _alternatives(m, {"discount": 0.5}) if not isinstance(alt, float)}
    only_vague = alts["Vague component only (analogies ignored)"]
    assert only_vague.weights == pytest.approx((0.0, 1.0))
    assert alts["Robust weight 0.1 (fitted 0.75)"].weights == pytest.approx((0.9, 0.1))
    assert alts["Discount 0.25 (fitted 0.5)"].sds == pytest.approx((0.4 * np.sqrt(2), 1.5))


def test_provenance_comes_from_the_runs_metadata_json(tiny_run, tiny_run_dir: Path) -> None:
    """A REAL saved run: the provenance section shows what metadata.json on disk records."""

    meta = json.loads((tiny_run_dir / "metadata.json").read_text(encoding="utf-8"))
    prov = build_report_context(tiny_run, with_figures=False).provenance
    assert prov["hashes"]["fit_id"] == meta["fit_id"]
    assert prov["hashes"]["metadata"] == meta["metadata_sha256"]
    assert {k: prov["hashes"][k] for k in meta["files"]} == meta["files"]
    assert prov["data_files"] == meta["data_files"] and prov["data_files"]
    assert prov["versions"] == {k: str(v) for k, v in meta["versions"].items()}
    assert prov["seed"] == meta["seed"] and prov["created"] == meta["created"]
    assert prov["seeds"] == ", ".join(f"{k} {v}" for k, v in meta["seeds"].items())
def test_scenario_extrapolation_warnings_reach_the_report(run: Run) -> None:
    """Scenario values outside the training range (forecasts attr ``scenario_warnings``) show as banners."""
    note = "scenario 'isolation': sanctions = 1500 cases lies outside the range seen in the training data (0 to 25)"
    warned = dataclasses.replace(run, forecasts=run.forecasts.assign_attrs(scenario_warnings=[note]))
    html = render_html(build_report_context(warned, with_figures=False))
    banners = re.findall(r'<div class="banner banner-warn" role="note">(.*?)</div>', html, flags=re.S)
    assert any(html_lib.unescape(b).strip() == note for b in banners)

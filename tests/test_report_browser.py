"""The HTML report in a real browser: headless Chromium renders it (screenshot), with no console
messages and no network requests from the page.

Uses the REAL ``tiny_paths_run`` (conftest: both registry models, so every section and figure;
its title and a scenario label carry a ``<script>`` tag).
Console messages come from ``--enable-logging=stderr`` (lines with ``:CONSOLE``; the report has no
JavaScript, so any message is a CSP violation or an error). Network requests come from a NetLog
(``--log-net-log``): every ``URL_REQUEST_START_JOB`` made on behalf of the ``file://`` page
(its network isolation key or site-for-cookies is ``file://``) that is not ``file:`` or ``data:``.
Chromium's own background traffic (updates, sign-in; initiator "not an origin") is not the
page's and is ignored. Skips when Chromium is missing, and fails under ``CI=true``
(``.ci/run`` installs it; ``tests/external_tools.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from analogcast.reporting import build_report_context, render_report
from external_tools import find_program, require_program

pytestmark = pytest.mark.browser

CHROMIUM = find_program("chromium", "/usr/bin/chromium")


def _page_requests(netlog: Path) -> list[str]:
    text = netlog.read_text(encoding="utf-8", errors="replace")
    try:
        d = json.loads(text)
    except json.JSONDecodeError:  # a NetLog cut short by the browser's exit: close it
        d = json.loads(text.rstrip().rstrip(",") + "]}")
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    out = []
    for e in d.get("events", []):
        if types.get(e.get("type")) != "URL_REQUEST_START_JOB":
            continue
        p = e.get("params", {})
        url = str(p.get("url", ""))
        page = "file://" in str(p.get("network_isolation_key", "")) or "site=file://" in str(p.get("site_for_cookies", ""))
        if page and not url.startswith(("file:", "data:")):
            out.append(url)
    return out


def test_report_renders_in_headless_chromium(tmp_path: Path, tiny_paths_run) -> None:
    require_program(CHROMIUM, "chromium", "apt-get install chromium")
    from PIL import Image

    run = tiny_paths_run
    ctx = build_report_context(run)
    (html,) = render_report(run, tmp_path, formats="html", context=ctx, name="browser")
    shot, netlog, profile = tmp_path / "shot.png", tmp_path / "net.json", tmp_path / "profile"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={netlog}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        html.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    assert not console, "browser console messages:\n" + "\n".join(console)
    assert shot.is_file() and shot.stat().st_size > 20_000
    im = Image.open(shot).convert("L")
    assert im.size == (1280, 2000)
    lo, hi = im.getextrema()
    assert lo < 100 and hi > 200, "the screenshot looks blank"
    assert netlog.is_file()
    assert _page_requests(netlog) == []
    # keep the screenshot for humans when asked: ANALOGCAST_KEEP_SCREENSHOT=dir
    import os

    keep = os.environ.get("ANALOGCAST_KEEP_SCREENSHOT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report_screenshot.png")


def test_netlog_parser_sees_a_page_request(tmp_path: Path) -> None:
    """Control: a page that does load something is caught (so an empty list means something)."""
    require_program(CHROMIUM, "chromium", "apt-get install chromium")
    page = tmp_path / "leak.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"><p>x</p></body></html>')
    netlog = tmp_path / "net.json"
    subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'p'}", f"--log-net-log={netlog}",
            f"--screenshot={tmp_path / 's.png'}", "--window-size=400,300", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert any("127.0.0.1:9" in u for u in _page_requests(netlog))

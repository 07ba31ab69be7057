"""The dashboard at /dashboard, driven in a real headless browser against the real app over HTTP.

The browser is Debian's ``chromium`` (installed by ``.ci/install`` where apt works), driven by
Playwright through its executable path; Playwright never downloads a browser here. Without
chromium or Playwright the browser tests skip with a message saying so; the asset test needs no
browser and always runs.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest

from store.alerts import put_alerts
from store.keys import create_key
from tests.service_helpers import (  # noqa: F401  (fixtures)
    LAST_DAY, app_settings, client, seed_forecast, seed_topics, test_embedder,
)
from tests.test_service_sentiment import score_fuel_last_week_negative
from tests.test_service_server import server  # noqa: F401  (the uvicorn fixture)

CHROMIUM = os.environ.get("TOPICPULSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Namespace names are identifiers that no browser fetches; any other absolute URL is a reference.
_NAMESPACES = {"http://www.w3.org/2000/svg"}
# A URL with a scheme and a host (any host, an IP address too), or scheme-relative ("//cdn.example/x").
_ABSOLUTE_URL = re.compile(r"""(?:\b[A-Za-z][A-Za-z0-9+.-]*:)?//[A-Za-z0-9-]+(?:[.:][A-Za-z0-9-]+)*[^\s"'`)<>]*""")


def _outside_urls(body: str) -> list[str]:
    """The absolute URLs in ``body`` that a browser would fetch from some host."""
    return [url for url in _ABSOLUTE_URL.findall(body) if url not in _NAMESPACES]


def test_the_url_check_catches_every_way_of_naming_another_host():
    """The asset test below is only as good as this detector: it must flag what a CDN link looks like."""
    for reference in ('<script src="https://cdn.jsdelivr.net/npm/chart.js@4"></script>',
                      '@import url(//fonts.googleapis.com/css?family=Inter);',
                      'fetch("http://10.0.0.7:9000/track")', "new WebSocket(`wss://telemetry.example.org/x`)",
                      '<img src="http://intranet/logo.png">'):
        assert _outside_urls(reference), reference
    for local in ('import { h } from "./dom.js";', '<link href="/dashboard/static/dashboard.css">',
                  'document.createElementNS("http://www.w3.org/2000/svg", "svg")', "// a comment, not a URL"):
        assert not _outside_urls(local), local


def _static_files() -> list[str]:
    """Every file under the dashboard's static folder, relative to it."""
    root = Path(str(resources.files("service.dashboard") / "static"))
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def test_the_page_and_every_asset_reference_only_local_urls(client):
    """Every file the dashboard serves names no outside host: no CDN, no web font, no tracker."""
    names = _static_files()
    assert {"index.html", "dashboard.css", "js/app.js", "js/charts.js", "js/pages/topic.js"} <= set(names)
    page = client.get("/dashboard")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    bodies = {"/dashboard": page.text}
    for name in names:
        response = client.get(f"/dashboard/static/{name}")
        assert response.status_code == 200, name
        bodies[name] = response.text
    for name, body in bodies.items():
        outside = _outside_urls(body)
        assert not outside, f"{name} references non-local URLs: {outside}"
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert src.startswith(("/dashboard/", "#", "data:")), src


def test_the_dashboard_page_carries_the_configured_time_zone(client):
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert '<meta name="topicpulse-timezone" content="Asia/Ho_Chi_Minh">' in page.text


# The browser tests


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no chromium at {CHROMIUM}: `apt-get install chromium` (done by .ci/install as root) "
                    "or set TOPICPULSE_CHROMIUM to its path")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def dashboard(server, app_settings, test_embedder):  # noqa: F811
    """(base url, keys by role, topic keys) of a served store with two topics, a forecast and alerts."""
    base, app = server
    store = app.state.store
    keys = seed_topics(app_settings, store, embedder=test_embedder)
    seed_forecast(store, keys["fuel"])
    put_alerts(store, [
        {"kind": "surge", "topic_key": keys["fuel"], "day": LAST_DAY, "severity": "high", "score": 4.2,
         "numbers": {"actual": 3, "upper": 1.5}, "explanation": "Fuel had 3 comments, twice its upper bound.",
         "dedup_key": "surge-fuel"},
        {"kind": "fading", "topic_key": keys["traffic"], "day": LAST_DAY - timedelta(days=2), "severity": "low",
         "score": 1.1, "numbers": {}, "explanation": "Traffic is fading slowly.", "dedup_key": "fading-traffic"},
    ])
    tokens = {role: create_key(store, f"browser {role}", role)[1] for role in ("reader", "analyst", "admin")}
    return base, tokens, keys


@pytest.fixture
def page(browser, dashboard):
    """A fresh tab whose every request is recorded; the test fails if one left 127.0.0.1."""
    base = dashboard[0]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    requests: list[str] = []
    errors: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.on("pageerror", lambda error: errors.append(str(error)))
    console: list[str] = []
    tab.on("console", lambda message: console.append(message.text))
    tab.requests = requests
    tab.console = console
    yield tab
    context.close()
    outside = [url for url in requests if not url.startswith((base, "data:", "blob:"))]
    assert not outside, f"the dashboard fetched non-local URLs: {outside}"
    assert not errors, f"script errors on the page: {errors}"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sign_in(page, base: str, token: str) -> None:
    page.goto(f"{base}/dashboard")
    page.fill("#api-key", token)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#topics-table[data-ready]")


def test_sign_in_overview_topic_alerts_and_search(page, dashboard, caplog):
    base, tokens, keys = dashboard
    caplog.set_level(logging.DEBUG)
    sign_in(page, base, tokens["reader"])

    # Overview: both topics, fuel first by volume, each with a drawn sparkline; alert badges.
    rows = page.locator("#topics-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-topic") == keys["fuel"]
    assert "giá xăng" in rows.nth(0).inner_text() and "tắc đường" in rows.nth(1).inner_text()
    assert page.locator("#topics-table svg.sparkline path").count() == 2
    assert "Tăng đột biến" in rows.nth(0).inner_text()  # the surge badge, in Vietnamese by default
    assert page.locator("#nav a[data-page=overview]").inner_text() == "Tổng quan"

    # Topic: keywords, its chart with the actual line, the forecast and its band, the backtest line.
    rows.nth(0).locator("a.topic-link").click()
    page.wait_for_selector("#volume svg.volume-chart")
    assert page.locator("#keywords .chip").all_inner_texts()[:3] == ["xăng", "giá", "tăng"]
    for part in ("actual", "forecast", "band"):
        assert page.locator(f"#volume svg path.{part}").count() == 1, part
    assert page.locator("#volume svg path.actual").get_attribute("d").count("L") == 19  # 20 days of history
    backtest = page.inner_text("#backtest")
    assert "seasonal_naive" in backtest and "MAE 0,9" in backtest and "MASE 0,8" in backtest  # vi decimals
    assert page.locator("#representative li").count() == 3
    assert "mới xuất hiện" in page.inner_text("#lineage")

    # Alerts: filtering by kind leaves the surge, with its explanation and a link to its topic.
    page.click("#nav a[data-page=alerts]")
    page.wait_for_selector("#alert-count")
    assert page.locator("#alert-list li").count() == 2
    page.select_option("#alert-filter select[name=kind]", "surge")
    page.click("#alert-filter button[type=submit]")
    alert = page.locator("#alert-list li")
    expect(alert).to_have_count(1)
    assert alert.get_attribute("data-kind") == "surge"
    assert "Fuel had 3 comments" in alert.inner_text() and "Cao" in alert.inner_text()
    assert alert.locator("a.topic-link").get_attribute("href") == f"#/topic/{keys['fuel']}"
    page.select_option("#alert-filter select[name=kind]", "")
    page.fill("#alert-filter input[name=end]", (LAST_DAY - timedelta(days=1)).isoformat())
    page.click("#alert-filter button[type=submit]")
    expect(page.locator("#alert-list li")).to_have_count(1)
    assert page.locator("#alert-list li").get_attribute("data-kind") == "fading"

    # Search: the fuel comments come first, each with its topic.
    page.click("#nav a[data-page=search]")
    page.fill("#search-query", "fuel price")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#search-count")
    first = page.locator("#search-results li").first
    assert "Fuel price up again" in first.inner_text()
    assert first.locator("a.topic-link").inner_text() == "giá xăng"

    # English on demand; the key never appeared in a URL, the browser's console or the server's log.
    page.select_option("#language", "en")
    expect(page.locator("#nav a[data-page=search]")).to_have_text("Search")
    assert not any(tokens["reader"] in url for url in page.requests)
    assert tokens["reader"] not in page.url
    assert not any(tokens["reader"] in line for line in page.console)
    assert caplog.records and tokens["reader"] not in caplog.text


def test_the_overview_shows_each_topics_negative_share(page, dashboard, server, app_settings, test_embedder):  # noqa: F811
    base, tokens, keys = dashboard
    score_fuel_last_week_negative(app_settings, server[1].state.store, test_embedder.fingerprint)
    sign_in(page, base, tokens["reader"])
    assert "Tỉ lệ tiêu cực" in page.locator("#topics-table thead").text_content()
    cells = {row.get_attribute("data-topic"): row.locator("td[data-label='Tỉ lệ tiêu cực']").inner_text()
             for row in page.locator("#topics-table tbody tr").all()}
    assert cells == {keys["fuel"]: "100%", keys["traffic"]: "0%"}


def test_a_wrong_key_and_a_too_low_role_say_so(page, dashboard, caplog):
    base, tokens, _ = dashboard
    caplog.set_level(logging.DEBUG)
    page.goto(f"{base}/dashboard")
    page.fill("#api-key", "tp_not_a_real_key")
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#signin-status .error[data-status='401']")
    assert "không hợp lệ" in page.inner_text("#signin-status")
    assert page.evaluate("sessionStorage.length") == 0 and page.is_hidden("#nav")

    sign_in(page, base, tokens["reader"])
    assert page.evaluate("Object.keys(sessionStorage)") == ["topicpulse.apiKey"]
    assert page.evaluate("localStorage.getItem('topicpulse.apiKey')") is None
    page.click("#nav a[data-page=jobs]")
    page.wait_for_selector(".error[data-status='403']")
    assert "không đủ quyền" in page.inner_text("#page-jobs") and "admin" in page.inner_text("#page-jobs")

    page.click("#sign-out")
    page.wait_for_selector("#signin")
    assert page.evaluate("sessionStorage.length") == 0
    assert "tp_not_a_real_key" not in caplog.text and tokens["reader"] not in caplog.text


def test_reports_download_and_jobs_for_an_admin(page, dashboard):
    base, tokens, _ = dashboard
    sign_in(page, base, tokens["admin"])
    page.click("#nav a[data-page=reports]")
    page.wait_for_selector("#report-form")
    start = LAST_DAY - timedelta(days=6)
    page.fill("#report-form input[name=from]", start.isoformat())
    page.fill("#report-form input[name=to]", LAST_DAY.isoformat())
    with page.expect_download() as download:
        page.click("button[data-format=csv]")
    assert download.value.suggested_filename == f"topic-report-{start}-{LAST_DAY + timedelta(days=1)}.csv"
    body = open(download.value.path(), encoding="utf-8").read()
    assert "giá xăng" in body and "tắc đường" in body
    assert "topic-report" in page.inner_text("#report-status")

    page.click("#nav a[data-page=jobs]")
    page.wait_for_selector("#job-list > *")
    page.click("#start-forecast")
    page.wait_for_selector("#job-status .ok")
    job_id = re.search(r"#(\d+)", page.inner_text("#job-status")).group(1)
    page.wait_for_selector(f"#job-list tr[data-job='{job_id}']")
    assert "forecast" in page.inner_text(f"#job-list tr[data-job='{job_id}']")


def test_usable_at_phone_width(browser, dashboard):
    base, tokens, keys = dashboard
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        sign_in(tab, base, tokens["reader"])
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        tab.goto(f"{base}/dashboard#/topic/{keys['fuel']}")
        chart = tab.wait_for_selector("#volume svg.volume-chart")
        box = chart.bounding_box()
        assert box["width"] <= 390 and box["height"] > 150  # drawn for the width, not shrunk
        legend_overflow = tab.evaluate("""() => {
            const chart = document.querySelector('#volume svg.volume-chart').getBoundingClientRect();
            return [...document.querySelectorAll('#volume svg text.legend')]
                .filter((text) => text.getBoundingClientRect().right > chart.right + 1).map((text) => text.textContent);
        }""")
        assert tab.locator("#volume svg text.legend").count() == 3 and legend_overflow == []
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_dates_in_the_configured_zone_and_numbers_in_the_language(browser, dashboard):
    """A browser in New York still shows Asia/Ho_Chi_Minh times; Vietnamese and English number formats."""
    base, tokens, _ = dashboard
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    tab = context.new_page()
    try:
        sign_in(tab, base, tokens["reader"])
        shown = tab.evaluate("""async () => {
            const format = await import('/dashboard/static/js/format.js');
            return [format.moment('2026-02-13T18:30:00Z'), format.day('2026-02-14'), format.number(1234.5, 1),
                    format.change(0.25), format.keyword('giá_xăng')];
        }""")
        assert "14/02/2026" in shown[0] and "01:30" in shown[0]
        assert shown[1] == "14/02/2026"
        assert shown[2] == "1.234,5" and shown[3].startswith("+25")
        assert shown[4] == "giá xăng"  # a keyword shows as written, not as the tokenizer joined it
        tab.select_option("#language", "en")
        assert tab.evaluate("async () => (await import('/dashboard/static/js/format.js')).number(1234.5, 1)") == "1,234.5"
    finally:
        context.close()

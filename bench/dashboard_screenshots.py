"""Screenshots of every dashboard page, at 1280 px and at phone width, to look at by eye.

It serves the store in ``--data-dir`` (e.g. the demo store) on loopback in this process, signs in
with a temporary admin key (revoked at the end), and drives Debian's headless ``chromium``
through Playwright: sign-in, overview, a topic (daily and weekly), alerts (all and filtered),
search, reports and jobs, in Vietnamese, plus the overview in English. The store must not be
open in another process (stop ``topicpulse serve`` first). Nothing leaves 127.0.0.1: the script
records every request the browser makes and fails if one went anywhere else.

    python bench/dashboard_screenshots.py --data-dir data [--out bench/out/dashboard] [--query "giá xăng"]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from config import Settings
from service.app import create_app
from store.keys import create_key, revoke_key

log = logging.getLogger("dashboard_screenshots")

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shoot(page: Page, out: Path, name: str, ready: str) -> None:
    """Wait for ``ready`` (or an error box), then save a full-page screenshot. The first search
    loads the embedding model, hence the long wait."""
    page.wait_for_selector(f"{ready}, .error", timeout=180_000)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    log.info("wrote %s", out / f"{name}.png")


def capture(base: str, token: str, out: Path, query: str, chromium: str) -> None:
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for size, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="vi-VN")
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{base}/dashboard")
            shoot(page, out, f"{size}-signin", "#signin")
            page.fill("#api-key", token)
            page.click("#signin button[type=submit]")
            shoot(page, out, f"{size}-overview", "#topics-table[data-ready]")
            topic = page.get_attribute("#topics-table tbody tr", "data-topic")
            page.goto(f"{base}/dashboard#/topic/{topic}")
            shoot(page, out, f"{size}-topic-day", "#volume svg.volume-chart")
            page.goto(f"{base}/dashboard#/topic/{topic}?freq=week")
            shoot(page, out, f"{size}-topic-week", "#volume a.active[data-freq=week]")
            page.goto(f"{base}/dashboard#/alerts")
            shoot(page, out, f"{size}-alerts", "#alert-count")
            page.select_option("#alert-filter select[name=severity]", "high")
            page.click("#alert-filter button[type=submit]")
            shoot(page, out, f"{size}-alerts-high", "#alert-count")
            page.goto(f"{base}/dashboard#/search")
            page.fill("#search-query", query)
            page.click("#search-form button[type=submit]")
            shoot(page, out, f"{size}-search", "#search-count")
            page.goto(f"{base}/dashboard#/reports")
            shoot(page, out, f"{size}-reports", "#report-form")
            page.goto(f"{base}/dashboard#/jobs")
            shoot(page, out, f"{size}-jobs", "#job-list > *")
            page.select_option("#language", "en")
            page.goto(f"{base}/dashboard#/overview")
            shoot(page, out, f"{size}-overview-en", "#topics-table[data-ready]")
            page.select_option("#language", "vi")
            page.close()
        browser.close()
    outside = sorted({url for url in requested if not url.startswith((base, "data:", "blob:"))})
    if outside:
        raise SystemExit(f"the dashboard requested non-local URLs: {outside}")
    log.info("%d requests, all to %s", len(requested), base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--out", type=Path, default=Path("bench/out/dashboard"))
    parser.add_argument("--query", default="giá xăng tăng")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not Path(args.chromium).exists():
        raise SystemExit(f"no chromium at {args.chromium}: apt-get install chromium, or pass --chromium PATH")
    args.out.mkdir(parents=True, exist_ok=True)

    app = create_app(Settings(data_dir=args.data_dir))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start; is the store in use by another process?")
        time.sleep(0.05)
    record, token = create_key(app.state.store, "dashboard screenshots", "admin")
    try:
        capture(f"http://127.0.0.1:{port}", token, args.out, args.query, args.chromium)
    finally:
        revoke_key(app.state.store, record["id"])
        server.should_exit = True
        thread.join(timeout=60)


if __name__ == "__main__":
    main()

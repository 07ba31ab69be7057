"""The built-in dashboard at ``/dashboard``: one HTML page, plain ES modules and a style sheet.

Every file is shipped in this package and served by the app, so a browser fetches nothing from
outside (deployments are often offline). The page holds no data: its scripts call the REST API
with the API key the user typed, kept in ``sessionStorage`` for that browser tab only. The server
fills in just the configured time zone, so dates show in the deployment's local time.
"""

from __future__ import annotations

import html
from importlib import resources

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DASHBOARD_URL = "/dashboard"
_STATIC = resources.files(__name__) / "static"
_TIMEZONE_SLOT = "{{timezone}}"
_HEADERS = {
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    # The browser itself refuses anything not served by this app (and inline scripts).
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'",
}


def add_dashboard(app: FastAPI, *, timezone: str) -> None:
    """Serve the dashboard page at ``/dashboard`` and its files under ``/dashboard/static``."""
    page = (_STATIC / "index.html").read_text(encoding="utf-8").replace(_TIMEZONE_SLOT, html.escape(timezone))
    app.mount(f"{DASHBOARD_URL}/static", StaticFiles(directory=str(_STATIC)), name="dashboard-static")

    @app.get(DASHBOARD_URL, include_in_schema=False)
    @app.get(f"{DASHBOARD_URL}/", include_in_schema=False)
    async def dashboard() -> HTMLResponse:
        return HTMLResponse(page, headers=_HEADERS)

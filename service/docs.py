"""The API docs page, served with Swagger UI files from this machine.

Deployments are often offline, and a browser must not fetch the docs' scripts from a CDN, so the
page uses the Swagger UI bundle that the ``fastapi-offline`` package ships.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles


def add_offline_docs(app: FastAPI, *, docs_url: str, openapi_url: str) -> None:
    """Serve Swagger UI at ``docs_url`` with its assets under ``{docs_url}/assets``."""
    assets_url = f"{docs_url}/assets"
    assets = resources.files("fastapi_offline") / "static"
    app.mount(assets_url, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get(docs_url, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{assets_url}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets_url}/swagger-ui.css",
            swagger_favicon_url=f"{assets_url}/favicon.png",
        )

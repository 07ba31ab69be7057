"""``topicpulse serve``: the HTTP API under uvicorn, with JSON log lines."""

from __future__ import annotations

import logging

import typer

from service.cli.common import settings_of
from service.logs import configure_logging


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Address to bind (default: service.host)."),
    port: int | None = typer.Option(None, "--port", help="Port (default: service.port)."),
) -> None:
    """Serve the REST API; the service then owns the store (other commands go through the API).

    Example: topicpulse serve --host 0.0.0.0 --port 8000
    """
    import uvicorn

    from service.app import create_app

    settings = settings_of(ctx)
    configure_logging(logging.getLevelName(logging.getLogger().level), json_lines=True)
    uvicorn.run(
        create_app(settings),
        host=host or settings.service.host,
        port=port or settings.service.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )

"""The ``topicpulse`` command line: a thin layer that opens the store and calls one pipeline.

Each command lives in its own module; this one builds the settings and registers them all.
Commands import their pipeline when they run, not here, so ``--help`` and the small commands
start without torch, pandas or scikit-learn. Errors: see ``service.cli.common``; an unexpected
one prints its type and message, and its traceback with ``--log-level debug``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from pydantic import ValidationError

from config import load_settings
from service.cli import corrections, demo, embed, forecast, ingest, keys, models, report, scheduler, serve, topics
from service.cli.common import domain_errors, fail, one_line
from service.logs import configure_logging

app = typer.Typer(
    help="TopicPulse: topics, trends and forecasts from public comments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", help="TOML settings file (default: $TOPICPULSE_CONFIG; none is read unless named)."
    ),
    log_level: str | None = typer.Option(None, "--log-level", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    try:
        settings = load_settings(config)
    except (FileNotFoundError, ValidationError) as exc:
        raise fail(exc) from exc
    configure_logging(log_level or settings.log_level)
    ctx.obj = settings


app.command("demo")(domain_errors(demo.demo))
app.command("ingest")(domain_errors(ingest.ingest))
app.add_typer(models.app, name="models")
app.command("embed")(domain_errors(embed.embed))
app.command("topics")(domain_errors(topics.topics))
app.command("assign")(domain_errors(topics.assign))
app.add_typer(corrections.app, name="corrections")
app.command("forecast")(domain_errors(forecast.forecast))
app.command("report")(domain_errors(report.report))
app.command("scheduler")(domain_errors(scheduler.scheduler))
app.command("jobs")(domain_errors(scheduler.jobs))
app.command("serve")(domain_errors(serve.serve))
app.add_typer(keys.app, name="keys")


def main() -> None:
    """The ``topicpulse`` entry point."""
    try:
        app()
    except Exception as exc:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            raise
        typer.echo(f"Error: unexpected {type(exc).__name__}: {one_line(str(exc))} (traceback: --log-level debug)", err=True)
        sys.exit(1)

"""The ``topicpulse`` command line: a thin layer that opens the store and calls one pipeline.

Each command lives in its own module; this one builds the settings and registers them all.
"""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError

from config import load_settings
from service.cli import corrections, demo, embed, forecast, ingest, keys, models, report, scheduler, serve, topics
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
        raise typer.BadParameter(str(exc), param_hint="--config / TOPICPULSE_*") from exc
    configure_logging(log_level or settings.log_level)
    ctx.obj = settings


app.command("demo")(demo.demo)
app.command("ingest")(ingest.ingest)
app.add_typer(models.app, name="models")
app.command("embed")(embed.embed)
app.command("topics")(topics.topics)
app.command("assign")(topics.assign)
app.add_typer(corrections.app, name="corrections")
app.command("forecast")(forecast.forecast)
app.command("report")(report.report)
app.command("scheduler")(scheduler.scheduler)
app.command("jobs")(scheduler.jobs)
app.command("serve")(serve.serve)
app.add_typer(keys.app, name="keys")


def main() -> None:
    app()

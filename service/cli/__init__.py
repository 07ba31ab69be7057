"""The ``topicpulse`` command line: a thin layer that opens the store and calls one pipeline."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError

from pipelines.settings import load_settings
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
        None, "--config", "-c", help="TOML settings file (default: topicpulse.toml, or $TOPICPULSE_CONFIG)."
    ),
    log_level: str | None = typer.Option(None, "--log-level", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    try:
        settings = load_settings(config)
    except (FileNotFoundError, ValidationError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--config / TOPICPULSE_*") from exc
    configure_logging(log_level or settings.log_level)
    ctx.obj = settings


# Commands live in their own modules and register here, after `app` exists.
from service.cli import ingest as _ingest  # noqa: E402
from service.cli import report as _report  # noqa: E402

app.command("ingest")(_ingest.ingest)

from service.cli import demo as _demo  # noqa: E402

app.command("demo")(_demo.demo)

app.command("report")(_report.report)

from service.cli import scheduler as _scheduler  # noqa: E402

app.command("scheduler")(_scheduler.scheduler)
app.command("jobs")(_scheduler.jobs)

from service.cli import keys as _keys  # noqa: E402
from service.cli import serve as _serve  # noqa: E402

app.add_typer(_keys.app, name="keys")
app.command("serve")(_serve.serve)

from service.cli import forecast as _forecast  # noqa: E402

app.command("forecast")(_forecast.forecast)

from service.cli import embed as _embed  # noqa: E402
from service.cli import models as _models  # noqa: E402

app.add_typer(_models.app, name="models")
app.command("embed")(_embed.embed)

from service.cli import topics as _topics  # noqa: E402

app.command("topics")(_topics.topics)
app.command("assign")(_topics.assign)


def main() -> None:
    app()

"""``topicpulse report``: the analyst's topic report for a period, written to a file or stdout."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path

import typer

from pipelines.report import ReportError, build_topic_report, render_report
from service.cli.common import open_store, settings_of


_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


class ReportFormat(str, Enum):
    md = "md"
    html = "html"
    csv = "csv"
    json = "json"


def report(
    ctx: typer.Context,
    start: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"], help="First local day of the period."),
    end: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="Day after the last day (exclusive)."),
    fmt: ReportFormat | None = typer.Option(
        None, "--format", "-f", help="md, html, csv or json (default: from --output's suffix, else md)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: stdout)."),
    top: int = typer.Option(10, "--top", help="How many top topics to include."),
) -> None:
    """Write the topic report for [--from, --to): top topics, change against the previous period,
    representative comments, forecasts and alerts. Markdown and HTML are single files with their
    SVG charts embedded.

    Example: topicpulse report --from 2026-03-01 --to 2026-03-08 -o week.html
    """
    settings = settings_of(ctx)
    chosen = (fmt.value if fmt else None) or _format_from_suffix(output)
    with open_store(settings) as store:
        try:
            built = build_topic_report(settings, store, start=start.date(), end=end.date(), top_n=top)
        except ReportError as exc:
            raise typer.BadParameter(str(exc), param_hint=f"--{exc.field}") from exc
    text = render_report(built, chosen)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {chosen} report for {start.date()} to {end.date()} ({len(built.topics)} topics) to {output}")


def _format_from_suffix(output: Path | None) -> str:
    return _SUFFIX_FORMATS.get(output.suffix.lower(), "md") if output else "md"

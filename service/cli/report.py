"""``topicpulse report``: the analyst's topic report for a period, written to a file or stdout."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path

import typer

from service.cli.common import open_store, settings_of


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
    SVG charts embedded (inline <svg> in HTML, data: URIs in Markdown).

    Example: topicpulse report --from 2026-03-01 --to 2026-03-08 -o week.html
    """
    from pipelines.report import ReportError, build_topic_report, format_for_path, render_report, write_report

    settings = settings_of(ctx)
    chosen = fmt.value if fmt else (format_for_path(output) if output else "md")
    first, stop = start.date(), end.date()
    with open_store(settings) as store:
        try:
            if output is None:
                built = build_topic_report(settings, store, start=first, end=stop, top_n=top)
                typer.echo(render_report(built, chosen), nl=False)
                return
            built = write_report(settings, store, output, start=first, end=stop, fmt=chosen, top_n=top)
        except ReportError as exc:
            raise typer.BadParameter(str(exc), param_hint=f"--{exc.field}") from exc
    typer.echo(f"wrote {chosen} report for {first} to {stop} ({len(built.topics)} topics) to {output}")

"""``topicpulse ingest``: load comment files into the store, one atomic batch per file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from service.cli.common import one_line, open_store, settings_of

if TYPE_CHECKING:
    from pipelines.ingest import IngestReport


def ingest(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="CSV/TSV, JSONL, JSON array or Parquet files, optionally .gz."),
    encoding: str | None = typer.Option(
        None, "--encoding", "-e", help="Text encoding (utf-8, utf-16, cp1258 ...); detected when omitted."
    ),
    source: str | None = typer.Option(None, "--source", "-s", help="Source name for rows without a source column."),
) -> None:
    """Ingest comment files: print accepted / duplicate / rejected per file.

    Bad rows are kept in the rejected_rows table with their line and reason; the command
    fails only for a file it cannot use at all (unreadable, no text or time column).

    Example: topicpulse ingest exports/facebook_2026-11.csv.gz --source facebook
    """
    from pipelines.ingest import IngestError, ingest_file

    settings = settings_of(ctx)
    unusable = 0
    with open_store(settings) as store:
        for path in files:
            try:
                report = ingest_file(settings, store, path, encoding=encoding, source=source)
            except IngestError as exc:
                unusable += 1
                typer.echo(f"{path}: {one_line(str(exc))}", err=True)
                continue
            typer.echo(describe(report))
    if unusable:
        raise IngestError(f"{unusable} of {len(files)} files could not be used (see above)")


def describe(report: IngestReport) -> str:
    """The summary line of one batch, then its first rejection reasons, indented."""
    lines = [report.summary()]
    if report.reason_counts:
        lines.append("  rejected by reason: " + ", ".join(f"{k} {v}" for k, v in report.reason_counts.items()))
        lines.extend(f"  {reason}" for reason in report.reasons)
    return "\n".join(lines)

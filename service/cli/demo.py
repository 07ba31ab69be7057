"""``topicpulse demo``: the seeded end-to-end demo on synthetic comments."""

from __future__ import annotations

import typer

from service.cli.common import open_store, settings_of


def demo(
    ctx: typer.Context,
    comments: int = typer.Option(24000, "--comments", min=1000, help="How many comments to generate."),
) -> None:
    """Generate the demo comments into data/demo/, run every pipeline stage on them, print a summary.

    Safe to re-run: the files are the same bytes each time and are not ingested twice.

    Example: topicpulse demo
    """
    from pipelines.demo import run_demo

    settings = settings_of(ctx)
    with open_store(settings) as store:
        summary = run_demo(settings, store, n_comments=comments)
    for line in summary.lines():
        typer.echo(line)

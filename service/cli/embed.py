"""``topicpulse embed``: embed the comments that have no vector yet for the configured model."""

from __future__ import annotations

import typer

from service.cli.common import open_store, settings_of


def embed(ctx: typer.Context) -> None:
    """Embed every comment text without a vector for the current model; a re-run embeds nothing new.

    Example: TOPICPULSE_EMBEDDING__DEVICE=cpu topicpulse embed
    """
    from pipelines.embed import embed_comments

    settings = settings_of(ctx)
    with open_store(settings) as store:
        report = embed_comments(settings, store)
    typer.echo(
        f"{report.texts_embedded} texts embedded, {report.texts_cached} already cached, "
        f"{report.texts_total} distinct texts ({report.fingerprint}, {report.seconds:.1f}s)"
    )

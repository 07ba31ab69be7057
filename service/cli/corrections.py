"""``topicpulse corrections``: an analyst's renames, merges, hidden and seeded topics, and undo.

Each applies to the current run at once and to every later run (the service must be stopped, or
use the ``/api/v1/topics/{key}/...`` and ``/api/v1/corrections`` endpoints with an analyst key).
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from service.cli.common import open_store, settings_of

app = typer.Typer(help="Rename, merge, hide or seed topics; corrections survive re-fits until undone.",
                  no_args_is_help=True)


def _pipeline():
    """``pipelines.corrections``, imported when a command runs so the CLI starts without pandas."""
    from pipelines import corrections

    return corrections


def _run(ctx: typer.Context, action: Callable) -> None:
    """Apply one correction and say what it did, or exit 1 with the reason."""
    settings = settings_of(ctx)
    with open_store(settings) as store:
        try:
            made = action(settings, store)
        except _pipeline().CorrectionError as exc:
            typer.echo(f"correction refused: {exc}", err=True)
            raise typer.Exit(1) from exc
    state = "undone" if made.get("undone_at") else "applied"
    typer.echo(f"correction {made['id']} ({made['kind']} {made['topic_key']}) {state}")


@app.command("rename")
def rename(ctx: typer.Context, topic_key: str = typer.Argument(..., help="e.g. t0003"),
           label: str = typer.Argument(..., help="The label to show from now on.")) -> None:
    """Give a topic a label chosen by a person.

    Example: topicpulse corrections rename t0003 "Giá xăng dầu"
    """
    _run(ctx, lambda settings, store: _pipeline().rename_topic(store, topic_key, label))


@app.command("merge")
def merge(ctx: typer.Context, topic_key: str = typer.Argument(..., help="The topic that stays."),
          merged_keys: list[str] = typer.Argument(..., help="Topics folded into it.")) -> None:
    """Fold topics into one; they stay merged across re-fits.

    Example: topicpulse corrections merge t0003 t0011 t0014
    """
    _run(ctx, lambda settings, store: _pipeline().merge_topics(store, topic_key, merged_keys))


@app.command("hide")
def hide(ctx: typer.Context, topic_key: str = typer.Argument(..., help="e.g. t0009")) -> None:
    """Hide a topic (noise, spam) from topic lists, forecasts and alerts.

    Example: topicpulse corrections hide t0009
    """
    _run(ctx, lambda settings, store: _pipeline().hide_topic(store, topic_key))


@app.command("seed")
def seed(ctx: typer.Context, label: str = typer.Argument(..., help="The new topic's label."),
         phrases: list[str] = typer.Argument(..., help="Seed phrases, Vietnamese or English.")) -> None:
    """Split off a new topic from seed phrases (loads the embedding model).

    Example: topicpulse corrections seed "Sữa giả" "sữa giả" "fake milk"
    """
    from pipelines.embed import load_embedder

    _run(ctx, lambda settings, store: _pipeline().seed_topic(store, label, phrases, load_embedder(settings)))


@app.command("undo")
def undo(ctx: typer.Context, correction_id: int = typer.Argument(..., help="The id `corrections list` shows.")) -> None:
    """Undo a correction; the current run is corrected again without it.

    Example: topicpulse corrections undo 4
    """
    _run(ctx, lambda settings, store: _pipeline().undo(store, correction_id))


@app.command("list")
def list_(ctx: typer.Context, all_: bool = typer.Option(False, "--all", help="Include undone corrections.")) -> None:
    """List corrections, oldest first: id, kind, topic, what it sets, date.

    Example: topicpulse corrections list --all
    """
    with open_store(settings_of(ctx)) as store:
        from store import corrections as store_corrections

        rows = store_corrections.list_corrections(store, active_only=not all_)
    if not rows:
        typer.echo("no corrections")
    for row in rows:
        what = row["label"] or ", ".join(row["merged_keys"] or [])
        state = f"undone {row['undone_at']:%Y-%m-%d}" if row["undone_at"] else "active"
        typer.echo(f"{row['id']}\t{row['kind']}\t{row['topic_key']}\t{what}\t{row['created_at']:%Y-%m-%d}\t{state}")

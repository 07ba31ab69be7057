"""``topicpulse topics`` (a full topic run) and ``topicpulse assign`` (new comments to current topics)."""

from __future__ import annotations

import typer

from service.cli.common import open_store, settings_of


def topics(
    ctx: typer.Context,
    sample_size: int | None = typer.Option(None, "--sample-size", min=10, help="Fit on at most this many comments."),
    min_cluster_size: int | None = typer.Option(
        None, "--min-cluster-size", min=2, help="Smallest topic, in comments (default scales with the corpus)."
    ),
    show: int = typer.Option(15, "--show", min=0, help="Topics to print, largest first."),
) -> None:
    """Fit topics on every comment (embedding what is missing), match them to the previous run's
    topics so keys stay stable, and store topics, lineage and one assignment per comment. A failed
    run leaves the previous one current.

    Example: topicpulse topics --sample-size 50000
    """
    from pipelines.topics import run_topics
    from store import topics as store_topics

    settings = settings_of(ctx)
    overrides = {k: v for k, v in {"sample_size": sample_size, "min_cluster_size": min_cluster_size}.items() if v}
    if overrides:
        settings = settings.updated("topics", **overrides)
    with open_store(settings) as store:
        report = run_topics(settings, store)
        listed = store_topics.list_topics(store)
    typer.echo(report.summary())
    for topic in listed[:show]:
        typer.echo(f"  {topic['topic_key']}  {topic['size']:>7}  [{topic['relation']}]  {topic['label']}")


def assign(ctx: typer.Context) -> None:
    """Give comments ingested after the current topic run their nearest topic (or none, below
    the topic's similarity threshold), and say whether a full re-fit is due.

    Example: topicpulse assign
    """
    from pipelines.assign import assign_new_comments

    settings = settings_of(ctx)
    with open_store(settings) as store:
        report = assign_new_comments(settings, store)
    typer.echo(
        f"run {report.run_id}: {report.considered} new comments, {report.assigned} assigned, "
        f"{report.unassigned} unassigned, {report.without_vector} without a vector ({report.seconds:.1f}s)"
    )
    if report.refit_due:
        typer.echo(f"a re-fit is due: {report.refit_reason}. Run `topicpulse topics`.")

"""``topicpulse scheduler`` (the schedule in the foreground, or one job now) and ``topicpulse jobs``."""

from __future__ import annotations

import json
import signal
import threading
from typing import TYPE_CHECKING

import typer

from config import Settings, TopicPulseError
from pipelines.jobs import JOB_KINDS, recover_crashed_jobs, run_job
from service.cli.common import settings_of
from store.jobs import STATUSES, get_job, jsonable, list_jobs

if TYPE_CHECKING:
    from store import Store


_SERVICE_RUNS_JOBS = (
    "The service runs the schedule itself when schedule.enabled is true (TOPICPULSE_SCHEDULE__ENABLED=true); "
    "start one job there with its API (POST /api/v1/runs, /forecasts, /assign)."
)


def _open_store(settings: Settings, hint: str) -> Store:
    """The store, or a clear stop when another process (the service) holds the file."""
    from store import Store, StoreError

    try:
        return Store(settings.store_path)
    except StoreError as exc:
        raise StoreError(f"{exc} {hint}") from exc


def scheduler(
    ctx: typer.Context,
    once: str | None = typer.Option(
        None, "--once", metavar="KIND", help=f"Run one job now and exit. Kinds: {', '.join(JOB_KINDS)}."
    ),
) -> None:
    """Follow the job schedule in settings.schedule until stopped (Ctrl-C), or run one job with --once.

    Example: topicpulse scheduler --once ingest_inbox
    """
    settings = settings_of(ctx)
    if once is not None and once not in JOB_KINDS:
        raise typer.BadParameter(f"unknown job kind {once!r}; use one of {', '.join(JOB_KINDS)}", param_hint="--once")
    with _open_store(settings, _SERVICE_RUNS_JOBS) as store:
        recover_crashed_jobs(store)
        if once is None:
            _follow_schedule(settings, store)
            return
        job = get_job(store, run_job(settings, store, once, trigger="cli"))
    typer.echo(json.dumps(jsonable(job), ensure_ascii=False, indent=2))
    if job["status"] != "succeeded":
        raise TopicPulseError(f"job {job['id']} ({once}) {job['status']}: {job['error']}")


def _follow_schedule(settings: Settings, store: Store) -> None:
    """Run the scheduler until SIGINT or SIGTERM, then let a running job finish."""
    from pipelines.schedule import build_scheduler

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    schedule = build_scheduler(settings, store)
    schedule.start()
    for job in schedule.get_jobs():
        typer.echo(f"{job.id}: {job.trigger}, next run {job.next_run_time:%Y-%m-%d %H:%M %Z}")
    if not schedule.get_jobs():
        typer.echo("No job is scheduled: every cron setting in [schedule] is empty.", err=True)
    stop.wait()
    typer.echo("Stopping; waiting for a running job to finish.", err=True)
    schedule.shutdown(wait=True)


def jobs(
    ctx: typer.Context,
    kind: str | None = typer.Option(None, help="Only jobs of this kind."),
    status: str | None = typer.Option(None, help=f"Only jobs in this state: {', '.join(STATUSES)}."),
    limit: int = typer.Option(20, min=1, help="How many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object a line, with params and counts."),
) -> None:
    """List recent jobs (scheduled, API and CLI), newest first.

    Example: topicpulse jobs --status failed
    """
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"use one of {', '.join(STATUSES)}", param_hint="--status")
    with _open_store(settings_of(ctx), "While the service runs, list jobs with GET /api/v1/jobs.") as store:
        recover_crashed_jobs(store)  # holding the file proves no other process still runs them
        rows = list_jobs(store, kind=kind, status=status, limit=limit)
    for job in rows:
        if as_json:
            typer.echo(json.dumps(jsonable(job), ensure_ascii=False))
            continue
        took = ""
        if job["started_at"] and job["finished_at"]:
            took = f"{(job['finished_at'] - job['started_at']).total_seconds():.1f}s"
        typer.echo(
            f"{job['id']:>6}  {job['kind']:<13} {job['status']:<9} {job['trigger']:<8} "
            f"{job['created_at']:%Y-%m-%d %H:%M:%S}Z {took:>8}  {job['error'] or ''}".rstrip()
        )

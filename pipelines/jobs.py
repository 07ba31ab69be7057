"""The job runner shared by the scheduler, the CLI and the service.

``start_job`` records a queued job and refuses it (``JobAlreadyRunning``) while a job of the same
kind, or of a kind sharing a pipeline stage with it (``STAGES``: forecast waits for nightly and
refit), is queued or running; ``execute_job`` runs it synchronously and records its status,
counts and error; ``run_job`` does both. The service calls ``start_job`` inside the request (202
and the id) and ``execute_job`` in the background.

The lock: the check and the insert happen in one store transaction, writers in one process take
turns (``Store.transaction`` holds a lock), and DuckDB lets only one process write the file. A
job left queued or running by a process that exited is failed when the next job of its kind is
created, and ``recover_crashed_jobs`` fails all of them at start-up.

Job kinds are a table from name to a function ``(settings, store, job) -> counts``. ``JOB_KINDS``
holds the built-in ones; callers pass ``kinds=`` to run others (tests, a service-only kind). Each
pipeline stage is imported only when its job runs, so a stage that is missing fails that job with
a message naming it instead of breaking every import.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from config import Settings
from config.errors import TopicPulseError
from store.jobs import (
    JobAlreadyRunning,
    create_job,
    fail_job,
    fail_orphaned_jobs,
    finish_job,
    get_job,
    jsonable,
    mark_running,
    update_progress,
)
from store.recovery import fail_running_batches, fail_running_runs

if TYPE_CHECKING:
    from store import Store

log = logging.getLogger(__name__)

__all__ = [
    "JOB_KINDS",
    "STAGES",
    "JobAlreadyRunning",
    "JobContext",
    "JobFailed",
    "StageUnavailable",
    "UnknownJobKind",
    "execute_job",
    "ingest_inbox",
    "load_stage",
    "overlapping_kinds",
    "recover_crashed_jobs",
    "report_counts",
    "run_job",
    "start_job",
]


class UnknownJobKind(TopicPulseError, ValueError):
    """No job function is registered under this name."""


class StageUnavailable(TopicPulseError, RuntimeError):
    """The pipeline stage a job kind needs cannot be imported."""


class JobFailed(Exception):
    """A job failed after doing part of its work; ``counts`` says which part is done."""

    def __init__(self, message: str, counts: dict[str, Any]) -> None:
        super().__init__(message)
        self.counts = counts


@dataclasses.dataclass(frozen=True)
class JobContext:
    """What a job function gets besides settings and store: its id, its params, and progress.

    ``span`` is the part of the whole job's progress this context covers, so a step of a
    sequence reports 0..1 for itself and the job's row shows the share of the whole.
    """

    store: Store
    job_id: int
    params: Mapping[str, Any]
    span: tuple[float, float] = (0.0, 1.0)

    def progress(self, fraction: float | None = None, message: str | None = None) -> None:
        if fraction is not None:
            low, high = self.span
            fraction = low + (high - low) * min(max(fraction, 0.0), 1.0)
        update_progress(self.store, self.job_id, fraction, message)

    def step(self, index: int, total: int) -> JobContext:
        low, high = self.span
        width = (high - low) / total
        return dataclasses.replace(self, span=(low + index * width, low + (index + 1) * width))


JobFunction = Callable[[Settings, "Store", JobContext], Mapping[str, Any]]


def load_stage(module: str, name: str) -> Any:
    """A pipeline function, imported when a job needs it."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise StageUnavailable(f"{module}.{name} is not available ({exc}); this job kind cannot run") from exc


def report_counts(report: Any) -> dict[str, Any]:
    """A pipeline's report as plain JSON values, for the job's counts."""
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return jsonable(dataclasses.asdict(report))
    if isinstance(report, Mapping):
        return jsonable(dict(report))
    raise TypeError(f"a pipeline report should be a dataclass or a mapping, not {type(report).__name__}")


def _embed(settings: Settings, store: Store, job: JobContext) -> dict[str, Any]:
    return report_counts(load_stage("pipelines.embed", "embed_comments")(settings, store))


def _topics(settings: Settings, store: Store, job: JobContext, embedder: Any = None) -> dict[str, Any]:
    run_topics = load_stage("pipelines.topics", "run_topics")
    from pipelines.workers import worker_pool  # imported with the stage, like the stage itself

    with worker_pool(1) as fit_process:  # UMAP and HDBSCAN use neither this process's GIL nor its store
        return report_counts(run_topics(settings, store, embedder, executor=fit_process))


def _assign(settings: Settings, store: Store, job: JobContext) -> dict[str, Any]:
    return report_counts(load_stage("pipelines.assign", "assign_new_comments")(settings, store))


def _forecast(settings: Settings, store: Store, job: JobContext) -> dict[str, Any]:
    """Re-forecast every topic, then look for alerts against the new forecasts."""
    forecast_topics = load_stage("pipelines.forecast", "forecast_topics")
    detect_alerts = load_stage("pipelines.alerts", "detect_alerts")
    job.progress(0.0, "forecasting topics")
    report = forecast_topics(settings, store)
    job.progress(0.9, "detecting alerts")
    alerts = detect_alerts(settings, store)
    by_kind = Counter(alert.kind for alert in alerts)
    return {"forecast": report_counts(report), "alerts": {"count": len(alerts), "by_kind": dict(by_kind)}}


def _refit(settings: Settings, store: Store, job: JobContext) -> dict[str, Any]:
    """Embed new comments, re-fit topics and re-forecast, loading the embedding model once."""
    embedder = load_stage("pipelines.embed", "load_embedder")(settings)
    embed_comments = load_stage("pipelines.embed", "embed_comments")
    job.step(0, 3).progress(0.0, "embed (1/3)")
    counts = {"embed": report_counts(embed_comments(settings, store, embedder))}
    job.step(1, 3).progress(0.0, "topics (2/3)")
    counts["topics"] = _topics(settings, store, job, embedder)
    counts["forecast"] = _forecast(settings, store, job.step(2, 3))
    return counts


def _nightly(settings: Settings, store: Store, job: JobContext) -> dict[str, Any]:
    """Assign the comments that arrived since the topic run, then re-forecast and look for alerts."""
    job.step(0, 2).progress(0.0, "assign (1/2)")
    counts = {"assign": _assign(settings, store, job.step(0, 2))}
    counts["forecast"] = _forecast(settings, store, job.step(1, 2))
    return counts


def ingest_inbox(settings: Settings, store: Store, job: JobContext) -> dict[str, Any]:
    """Ingest every settled file in the watched folder, oldest first, and move it out of the way.

    A file that ingests goes to ``done/`` (also one whose exact bytes were ingested before, listed
    under ``already_ingested``); one the ingester rejects as a whole (``IngestError``)
    goes to ``failed/`` with a ``.error.txt`` beside it. Nothing is deleted. A file that fails for
    another reason (the store, a bug) stays in the inbox to be tried again next run, the other
    files still go through, and the job ends failed with the counts of what it did.
    Files still being copied are left alone: names starting with ``.`` or ending ``.part``/``.tmp``,
    and files changed within ``schedule.inbox_settle_seconds``.
    """
    ingest_file = load_stage("pipelines.ingest", "ingest_file")
    ingest_error = load_stage("pipelines.ingest", "IngestError")
    inbox = settings.resolve(settings.schedule.watch_dir)
    inbox.mkdir(parents=True, exist_ok=True)
    files = _settled_files(inbox, settings.schedule.inbox_settle_seconds)
    totals = Counter({"rows_read": 0, "accepted": 0, "duplicates": 0, "rejected": 0})
    counts: dict[str, Any] = {
        "files": len(files),
        "done": [],
        "already_ingested": [],
        "failed": {},
        "retry": {},
        "batch_ids": [],
    }
    for index, path in enumerate(files):
        job.progress(index / len(files), f"ingesting {path.name} ({index + 1}/{len(files)})")
        try:
            report = ingest_file(settings, store, path)
        except ingest_error as exc:
            moved = _move_into(path, inbox / "failed")
            moved.with_name(moved.name + ".error.txt").write_text(f"{exc}\n", encoding="utf-8")
            log.warning("inbox file %s was rejected, moved to %s: %s", path.name, moved, exc)
            counts["failed"][path.name] = str(exc)
            continue
        except Exception as exc:
            log.exception("inbox file %s could not be ingested; it stays in the inbox for the next run", path.name)
            counts["retry"][path.name] = f"{type(exc).__name__}: {exc}"
            continue
        _move_into(path, inbox / "done")
        counts["done"].append(path.name)
        if report.already_ingested:
            counts["already_ingested"].append(path.name)
        elif report.batch_id is not None:
            counts["batch_ids"].append(report.batch_id)
        totals.update({key: getattr(report, key) for key in totals})
    counts.update(totals)
    if counts["retry"]:
        raise JobFailed(f"{len(counts['retry'])} inbox file(s) could not be ingested and stay in the inbox", counts)
    return counts


_UNSETTLED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


def _settled_files(inbox: Path, settle_seconds: float) -> list[Path]:
    newest_allowed = time.time() - settle_seconds
    found = []
    for path in inbox.iterdir():
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(_UNSETTLED_SUFFIXES):
            continue
        modified = path.stat().st_mtime
        if modified <= newest_allowed:
            found.append((modified, path.name, path))
    return [path for _, _, path in sorted(found)]


def _move_into(path: Path, folder: Path) -> Path:
    """Move a file into ``folder`` without overwriting anything there; return its new path."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    number = 1
    while target.exists():
        target = folder / f"{path.stem}.{number}{path.suffix}"
        number += 1
    return path.rename(target)


JOB_KINDS: Mapping[str, JobFunction] = MappingProxyType(
    {
        "ingest_inbox": ingest_inbox,
        "embed": _embed,
        "topics": _topics,
        "assign": _assign,
        "forecast": _forecast,
        "nightly": _nightly,
        "refit": _refit,
    }
)

# The stages each built-in kind runs. Kinds that share a stage never run at the same time: a
# forecast job waits for nightly's forecast step as it would for another forecast job.
STAGES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "ingest_inbox": frozenset({"ingest"}),
        "embed": frozenset({"embed"}),
        "topics": frozenset({"embed", "topics"}),  # run_topics embeds what is missing first
        "assign": frozenset({"embed", "assign"}),  # so does assign_new_comments
        "forecast": frozenset({"forecast"}),
        "nightly": frozenset({"embed", "assign", "forecast"}),
        "refit": frozenset({"embed", "topics", "forecast"}),
    }
)


def overlapping_kinds(kind: str) -> set[str]:
    """The other kinds sharing a stage with ``kind`` (a kind not in STAGES is its own stage)."""
    stages = STAGES.get(kind, frozenset({kind}))
    return {other for other, theirs in STAGES.items() if other != kind and theirs & stages}


def start_job(
    settings: Settings,
    store: Store,
    kind: str,
    params: Mapping[str, Any] | None = None,
    *,
    trigger: str = "cli",
    kinds: Mapping[str, JobFunction] | None = None,
) -> int:
    """Record a queued job of ``kind`` and return its id; raise JobAlreadyRunning if a job of this
    kind, or of a kind sharing a stage with it (``STAGES``), is queued or running.

    ``settings`` is taken, like every pipeline function's, so the signature stays the same if a
    kind ever needs checking against the configuration before it is queued.
    """
    table = JOB_KINDS if kinds is None else kinds
    if kind not in table:
        raise UnknownJobKind(f"unknown job kind {kind!r}; known kinds: {', '.join(sorted(table))}")
    job_id = create_job(store, kind, params=dict(params or {}), trigger=trigger, blocked_by=overlapping_kinds(kind))
    log.info("job %d (%s) queued by %s", job_id, kind, trigger, extra={"job_id": job_id})
    return job_id


def execute_job(
    settings: Settings,
    store: Store,
    job_id: int,
    *,
    kinds: Mapping[str, JobFunction] | None = None,
) -> dict[str, Any]:
    """Run a queued job here and now, record how it ended, and return its final row.

    A failure of the job is recorded, logged and not raised: the caller reads the row. Misuse is
    raised: an unknown id (LookupError) or a job that is not queued (ValueError). An interrupt
    (KeyboardInterrupt, SystemExit) is recorded as a failure and raised again.
    """
    job = get_job(store, job_id)
    if job is None:
        raise LookupError(f"job {job_id} does not exist")
    table = JOB_KINDS if kinds is None else kinds
    mark_running(store, job_id)
    function = table.get(job["kind"])
    if function is None:
        fail_job(store, job_id, f"unknown job kind {job['kind']!r} in this process")
        return get_job(store, job_id)
    context = JobContext(store, job_id, job["params"] or {})
    started = time.monotonic()
    try:
        counts = jsonable(function(settings, store, context))
    except JobFailed as exc:
        log.error("job %d (%s) failed: %s", job_id, job["kind"], exc, extra={"job_id": job_id})
        fail_job(store, job_id, str(exc), exc.counts)
    except Exception as exc:
        log.exception("job %d (%s) failed", job_id, job["kind"], extra={"job_id": job_id})
        fail_job(store, job_id, f"{type(exc).__name__}: {exc}")
    except BaseException as exc:
        fail_job(store, job_id, f"interrupted: {type(exc).__name__}")
        raise
    else:
        finish_job(store, job_id, counts)
        log.info(
            "job %d (%s) succeeded in %.1f s", job_id, job["kind"], time.monotonic() - started, extra={"job_id": job_id}
        )
    return get_job(store, job_id)


def run_job(
    settings: Settings,
    store: Store,
    kind: str,
    params: Mapping[str, Any] | None = None,
    *,
    trigger: str = "cli",
    kinds: Mapping[str, JobFunction] | None = None,
) -> int:
    """Start a job and run it to the end in this thread; return its id (read the row for the outcome)."""
    job_id = start_job(settings, store, kind, params, trigger=trigger, kinds=kinds)
    execute_job(settings, store, job_id, kinds=kinds)
    return job_id


def recover_crashed_jobs(store: Store) -> list[int]:
    """Mark failed, with the reason, every record a process which exited left queued or running:
    jobs, topic runs and ingest batches; call at start-up, before any job starts. Returns the jobs.

    Forecast runs need nothing: their row is written once, when the run has finished.
    """
    recovered = fail_orphaned_jobs(store)
    if recovered:
        log.warning("marked %d job(s) left by an exited process as failed: %s", len(recovered), recovered)
    runs = fail_running_runs(store)
    if runs:
        log.warning("marked %d topic run(s) left running by an exited process as failed", runs)
    batches = fail_running_batches(store)
    if batches:
        log.warning("marked ingest batch(es) %s left running by an exited process as failed", batches)
    return recovered

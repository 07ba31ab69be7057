"""The schedule: jobs started by the clock, inside the service or as ``topicpulse scheduler``.

What runs when (``settings.schedule``, crontab syntax read in ``schedule.timezone``, default
Asia/Ho_Chi_Minh; an empty expression turns a job off):

* ``ingest_cron`` (default ``0 * * * *``, hourly): ``ingest_inbox``, new files from ``watch_dir``;
* ``nightly_cron`` (default ``30 1 * * *``): ``nightly``, assign new comments, re-forecast, alerts;
* ``refit_cron`` (default ``0 3 * * 0``, Sunday 03:00): ``refit``, embed, re-fit topics, re-forecast.

Missed-run policy:

* Runs never overlap. Scheduled jobs run one at a time on one worker thread, in the order they
  fall due, and a kind already queued or running (started by the API, say) is not started again:
  that slot is skipped with a warning in the log. The next slot runs as usual.
* Missed slots are coalesced: however many slots of a kind were missed, one run makes up for all.
* A slot missed by at most ``schedule.misfire_grace_minutes`` (default 60) still runs, once, as
  soon as it can. While the process is up (the worker was busy with a long refit, the machine was
  suspended) this is APScheduler's ``misfire_grace_time``. Across a restart, the scheduler reads
  the jobs table when it is built: if the latest slot of a kind fell within the grace period
  before now and no job of that kind (from any trigger, whatever its outcome) has been created
  since that slot, one run starts at once. A kind that never ran counts as missed, so the hourly
  ingest runs as soon as a fresh scheduler starts.
* A slot missed by more than the grace period is not made up; the job waits for its next slot.
* A job that was running when its process died is not resumed: at start-up it is marked failed
  (``pipelines.jobs.recover_crashed_jobs``), and the next slot runs the kind again.

DuckDB lets one process write the file, so the standalone scheduler cannot run while the service
holds the database; with ``schedule.enabled = true`` the service runs this schedule itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from config import Settings, parse_cron
from pipelines.jobs import JobAlreadyRunning, JobFunction, run_job
from store import Store
from store.jobs import list_jobs

log = logging.getLogger(__name__)

# Which job kind each cron setting starts.
SCHEDULED = {"ingest_inbox": "ingest_cron", "nightly": "nightly_cron", "refit": "refit_cron"}


def crontab_trigger(expression: str, timezone: dt.tzinfo | str | None = None) -> CronTrigger:
    """A trigger for a five-field crontab expression, read as cron reads it (``config.cron``).

    Raises ValueError.
    """
    return CronTrigger(**parse_cron(expression).trigger_fields(), timezone=timezone)


def cron_triggers(settings: Settings) -> dict[str, CronTrigger]:
    """The trigger of each scheduled job kind that is turned on."""
    zone = ZoneInfo(settings.schedule.timezone)
    triggers = {}
    for kind, field in SCHEDULED.items():
        expression = getattr(settings.schedule, field)
        if expression:
            triggers[kind] = crontab_trigger(expression, zone)
    return triggers


def missed_runs(settings: Settings, store: Store, now: dt.datetime | None = None) -> list[str]:
    """The kinds whose latest slot fell within the grace period before ``now`` and has not run."""
    zone = ZoneInfo(settings.schedule.timezone)
    now = (now or dt.datetime.now(zone)).astimezone(zone)
    grace = dt.timedelta(minutes=settings.schedule.misfire_grace_minutes)
    missed = []
    for kind, trigger in cron_triggers(settings).items():
        slot = _latest_slot(trigger, now - grace, now)
        if slot is None:
            continue
        latest = list_jobs(store, kind=kind, limit=1)
        if not latest or latest[0]["created_at"] < slot:
            missed.append(kind)
    return missed


def _latest_slot(trigger: CronTrigger, start: dt.datetime, end: dt.datetime) -> dt.datetime | None:
    """The last time the trigger fires in [start, end], or None."""
    latest = None
    slot = trigger.get_next_fire_time(None, start)
    while slot is not None and slot <= end:
        latest = slot
        slot = trigger.get_next_fire_time(slot, slot + dt.timedelta(seconds=1))
    return latest


def run_scheduled(
    settings: Settings, store: Store, kind: str, kinds: Mapping[str, JobFunction] | None = None
) -> int | None:
    """Run one scheduled job; a kind that is already running is skipped, not queued behind."""
    try:
        return run_job(settings, store, kind, trigger="schedule", kinds=kinds)
    except JobAlreadyRunning as exc:
        log.warning("scheduled %s skipped: %s", kind, exc)
        return None


def build_scheduler(
    settings: Settings,
    store: Store,
    *,
    kinds: Mapping[str, JobFunction] | None = None,
    now: dt.datetime | None = None,
) -> BackgroundScheduler:
    """A scheduler holding the configured cron jobs, not yet started.

    Start it with ``.start()`` and stop it with ``.shutdown()``; the scheduler runs jobs on its
    own thread, so the caller (the service's lifespan, the CLI) stays free. Kinds missed within
    the grace period before ``now`` (see the module docstring) are due at once when it starts.
    """
    zone = ZoneInfo(settings.schedule.timezone)
    scheduler = BackgroundScheduler(
        timezone=zone,
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.schedule.misfire_grace_minutes * 60,
        },
    )
    missed = set(missed_runs(settings, store, now))
    for kind, trigger in cron_triggers(settings).items():
        due_now = {"next_run_time": dt.datetime.now(zone)} if kind in missed else {}
        scheduler.add_job(
            run_scheduled, trigger, args=(settings, store, kind, kinds), id=kind, name=kind, **due_now
        )
        if kind in missed:
            log.info("scheduled %s missed its last slot within the grace period; running it now", kind)
    return scheduler

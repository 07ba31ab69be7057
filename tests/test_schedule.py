"""The schedule: cron jobs from settings, the missed-run policy, and the standalone CLI's edges."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from pipelines.jobs import JOB_KINDS, JobContext
from pipelines.schedule import build_scheduler, crontab_trigger, missed_runs, run_scheduled
from config import Settings
from store import Store
from store.jobs import create_job, get_job, list_jobs

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(store: Store, job_id: int, created_at: dt.datetime) -> None:
    """Backdate a job, as if it had been created at that time."""
    with store.transaction() as cur:
        cur.execute("UPDATE jobs SET created_at = ? WHERE id = ?", [created_at, job_id])


def _finished(store: Store, job_id: int) -> None:
    with store.transaction() as cur:
        cur.execute("UPDATE jobs SET status = 'succeeded', finished_at = now() WHERE id = ?", [job_id])


@pytest.fixture
def nightly_only(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        schedule={"ingest_cron": "", "refit_cron": "", "nightly_cron": "30 1 * * *", "misfire_grace_minutes": 60},
    )


def test_scheduler_registers_the_cron_jobs_with_the_missed_run_policy(settings: Settings, store: Store) -> None:
    scheduler = build_scheduler(settings, store, now=dt.datetime(2026, 3, 4, 12, 10, tzinfo=SAIGON))
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"ingest_inbox", "nightly", "refit"}
        fields = {kind: {f.name: str(f) for f in job.trigger.fields} for kind, job in jobs.items()}
        assert (fields["ingest_inbox"]["minute"], fields["ingest_inbox"]["hour"]) == ("0", "*")
        assert (fields["nightly"]["minute"], fields["nightly"]["hour"]) == ("30", "1")
        assert (fields["refit"]["hour"], fields["refit"]["day_of_week"]) == ("3", "sun")
        for job in jobs.values():
            assert job.trigger.timezone == SAIGON
            assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
            assert job.args[2] == job.id
        assert (jobs["nightly"].next_run_time.hour, jobs["nightly"].next_run_time.minute) == (1, 30)
        assert jobs["refit"].next_run_time.weekday() == 6
        # Ingest never ran and its 12:00 slot is within the grace period: it is due at once.
        assert jobs["ingest_inbox"].next_run_time <= dt.datetime.now(SAIGON)
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.parametrize(
    ("weekdays", "fires_on"),
    [("0", {"Sunday"}), ("7", {"Sunday"}), ("1-5", {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}),
     ("*/3", {"Sunday", "Wednesday", "Saturday"}), ("sat,sun", {"Saturday", "Sunday"})],
)
def test_crontab_weekdays_are_read_as_cron_reads_them(weekdays: str, fires_on: set[str]) -> None:
    trigger = crontab_trigger(f"0 3 * * {weekdays}", SAIGON)
    fire, days = dt.datetime(2026, 3, 1, tzinfo=SAIGON), set()
    for _ in range(7):
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
        days.add(fire.strftime("%A"))
    assert days == fires_on


@pytest.mark.parametrize("expression", ["0 3 * * 8", "0 3 * * 5-1", "0 3 * *", "0 3 1 * 1", "61 * * * *"])
def test_bad_crontab_is_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        crontab_trigger(expression)


def test_empty_cron_turns_a_job_off_and_bad_cron_is_refused(tmp_path: Path, nightly_only: Settings) -> None:
    with Store(nightly_only.store_path) as store:
        scheduler = build_scheduler(nightly_only, store)
        assert [job.id for job in scheduler.get_jobs()] == ["nightly"]
    with pytest.raises(ValidationError, match="schedule.refit_cron"):
        Settings(data_dir=tmp_path, schedule={"refit_cron": "every sunday"})


def test_slot_missed_within_grace_runs_once_at_start(nightly_only: Settings) -> None:
    with Store(nightly_only.store_path) as store:
        yesterday = create_job(store, "nightly", trigger="schedule")
        _finished(store, yesterday)
        _at(store, yesterday, dt.datetime(2026, 3, 3, 1, 30, tzinfo=SAIGON))

        assert missed_runs(nightly_only, store, dt.datetime(2026, 3, 4, 2, 0, tzinfo=SAIGON)) == ["nightly"]
        assert missed_runs(nightly_only, store, dt.datetime(2026, 3, 4, 2, 31, tzinfo=SAIGON)) == []
        assert missed_runs(nightly_only, store, dt.datetime(2026, 3, 4, 1, 29, tzinfo=SAIGON)) == []

        today = create_job(store, "nightly", trigger="api")
        _finished(store, today)
        _at(store, today, dt.datetime(2026, 3, 4, 1, 45, tzinfo=SAIGON))
        assert missed_runs(nightly_only, store, dt.datetime(2026, 3, 4, 2, 0, tzinfo=SAIGON)) == []


def test_missed_slot_is_due_at_once_when_the_scheduler_starts(nightly_only: Settings) -> None:
    with Store(nightly_only.store_path) as store:
        scheduler = build_scheduler(nightly_only, store, now=dt.datetime.now(SAIGON).replace(hour=1, minute=45))
        scheduler.start(paused=True)
        try:
            (job,) = scheduler.get_jobs()
            assert job.next_run_time <= dt.datetime.now(SAIGON)
        finally:
            scheduler.shutdown(wait=False)

        on_time = build_scheduler(nightly_only, store, now=dt.datetime(2026, 3, 4, 12, 0, tzinfo=SAIGON))
        on_time.start(paused=True)
        try:
            (job,) = on_time.get_jobs()
            assert (job.next_run_time.hour, job.next_run_time.minute) == (1, 30)
        finally:
            on_time.shutdown(wait=False)


def test_scheduled_run_records_a_schedule_job(nightly_only: Settings) -> None:
    """The scheduler's own thread runs the due job and the history says it was the schedule."""

    def nightly(settings: Settings, store: Store, job: JobContext) -> dict:
        return {"assigned": 5}

    with Store(nightly_only.store_path) as store:
        scheduler = build_scheduler(
            nightly_only,
            store,
            kinds={**JOB_KINDS, "nightly": nightly},
            now=dt.datetime.now(SAIGON).replace(hour=1, minute=45),
        )
        scheduler.start()
        try:
            deadline = time.monotonic() + 30
            while not list_jobs(store, status="succeeded") and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            scheduler.shutdown(wait=True)
        (job,) = list_jobs(store)
        assert (job["kind"], job["trigger"], job["status"], job["counts"]) == (
            "nightly",
            "schedule",
            "succeeded",
            {"assigned": 5},
        )


def test_scheduled_slot_is_skipped_while_the_kind_is_running(
    nightly_only: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with Store(nightly_only.store_path) as store:
        busy = create_job(store, "nightly", trigger="api")
        assert run_scheduled(nightly_only, store, "nightly") is None
        assert [job["id"] for job in list_jobs(store)] == [busy]
        assert get_job(store, busy)["status"] == "queued"
    assert "scheduled nightly skipped: a nightly job is already queued" in caplog.text


def test_standalone_scheduler_stops_clearly_while_the_service_holds_the_store(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.cli import app

    Store(settings.store_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(settings.store_path)!r}); "
            "print('ok', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(settings.data_dir))
    try:
        assert holder.stdout.readline().strip() == "ok"
        result = CliRunner().invoke(app, ["scheduler", "--once", "nightly"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert "in use by another process" in result.output
    assert "schedule.enabled" in result.output


def test_cli_runs_one_job_and_lists_the_history(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.cli import app

    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()

    ran = runner.invoke(app, ["scheduler", "--once", "ingest_inbox"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["status"] == "succeeded"

    listed = runner.invoke(app, ["jobs", "--kind", "ingest_inbox"])
    assert listed.exit_code == 0
    assert "ingest_inbox  succeeded cli" in listed.stdout

    unknown = runner.invoke(app, ["scheduler", "--once", "reindex"])
    assert unknown.exit_code == 2
    assert "unknown job kind 'reindex'" in unknown.output


def test_standalone_scheduler_runs_due_jobs_and_stops_on_sigterm(settings: Settings) -> None:
    """`topicpulse scheduler` in its own process: the current minute's ingest slot never ran, so
    it runs at start; SIGTERM lets it finish and exit cleanly."""
    inbox = settings.resolve(settings.schedule.watch_dir)
    inbox.mkdir(parents=True)
    (inbox / "a.csv").write_text("text,created_at\nđường ngập nước,2026-03-01 10:00\n", encoding="utf-8")
    env = {
        **os.environ,
        "TOPICPULSE_DATA_DIR": str(settings.data_dir),
        "TOPICPULSE_SCHEDULE__INGEST_CRON": "* * * * *",
        "TOPICPULSE_SCHEDULE__NIGHTLY_CRON": "",
        "TOPICPULSE_SCHEDULE__REFIT_CRON": "",
        "TOPICPULSE_SCHEDULE__INBOX_SETTLE_SECONDS": "0",
    }
    command = [sys.executable, "-c", "from service.cli import main; main()", "scheduler"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (inbox / "done" / "a.csv").exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        assert (inbox / "done" / "a.csv").exists()
    finally:
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert "ingest_inbox: cron[" in out
    with Store(settings.store_path) as store:
        (job,) = list_jobs(store)
    assert (job["kind"], job["trigger"], job["status"]) == ("ingest_inbox", "schedule", "succeeded")
    assert job["counts"]["accepted"] == 1

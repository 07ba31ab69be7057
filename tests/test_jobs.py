"""The job runner and the jobs table, against real DuckDB files and real processes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from pipelines.jobs import (
    JOB_KINDS,
    JobAlreadyRunning,
    JobContext,
    JobFailed,
    StageUnavailable,
    UnknownJobKind,
    execute_job,
    load_stage,
    overlapping_kinds,
    recover_crashed_jobs,
    run_job,
    start_job,
)
from config import Settings
from store import Store
from store.jobs import INTERRUPTED, Runner, create_job, get_job, list_jobs, mark_running, running_job

ROOT = Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class FakeReport:
    """Shaped like a pipeline report: numbers, a NaN metric, a date and a list."""

    accepted: int
    mase: float
    finished: dt.datetime
    reasons: list[str]


def _report(settings: Settings, store: Store, job: JobContext) -> FakeReport:
    return FakeReport(3, float("nan"), dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc), ["too long"])


def _boom(settings: Settings, store: Store, job: JobContext) -> dict:
    raise RuntimeError("the model folder is empty")


KINDS = {**JOB_KINDS, "report": _report, "boom": _boom}


def test_history_row_has_kind_times_status_and_counts(settings: Settings, store: Store) -> None:
    job_id = run_job(settings, store, "report", {"full": True}, kinds=KINDS)

    job = get_job(store, job_id)
    assert job["kind"] == "report" and job["trigger"] == "cli" and job["status"] == "succeeded"
    assert job["params"] == {"full": True}
    assert job["counts"] == {
        "accepted": 3,
        "mase": None,
        "finished": "2026-01-02T00:00:00+00:00",
        "reasons": ["too long"],
    }
    assert job["error"] is None and job["progress"] == 1.0
    assert job["created_at"] <= job["started_at"] <= job["finished_at"]
    assert job["started_at"].tzinfo == dt.timezone.utc
    assert job["pid"] == os.getpid()


def test_failing_job_records_its_error_and_frees_the_kind(settings: Settings, store: Store) -> None:
    job_id = run_job(settings, store, "boom", kinds=KINDS)

    job = get_job(store, job_id)
    assert job["status"] == "failed"
    assert job["error"] == "RuntimeError: the model folder is empty"
    assert job["finished_at"] is not None
    assert running_job(store, "boom") is None
    assert get_job(store, run_job(settings, store, "boom", kinds=KINDS))["status"] == "failed"


def test_partial_failure_keeps_the_counts_of_what_was_done(settings: Settings, store: Store) -> None:
    def half(settings: Settings, store: Store, job: JobContext) -> dict:
        raise JobFailed("1 of 2 files failed", {"done": ["a.csv"]})

    job = get_job(store, run_job(settings, store, "half", kinds={"half": half}))
    assert (job["status"], job["error"], job["counts"]) == ("failed", "1 of 2 files failed", {"done": ["a.csv"]})


def test_overlapping_job_of_the_same_kind_is_refused(settings: Settings, store: Store) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow(settings: Settings, store: Store, job: JobContext) -> dict:
        entered.set()
        release.wait(30)
        return {"waited": True}

    kinds = {**KINDS, "slow": slow}
    worker = threading.Thread(target=run_job, args=(settings, store, "slow"), kwargs={"kinds": kinds})
    worker.start()
    try:
        assert entered.wait(30)
        with pytest.raises(JobAlreadyRunning, match="slow job is already running") as refused:
            run_job(settings, store, "slow", kinds=kinds)
        assert refused.value.job["status"] == "running"
        assert get_job(store, run_job(settings, store, "report", kinds=kinds))["status"] == "succeeded"
    finally:
        release.set()
        worker.join(30)
    assert [j["status"] for j in list_jobs(store, kind="slow")] == ["succeeded"]
    assert get_job(store, run_job(settings, store, "slow", kinds=kinds))["status"] == "succeeded"


def test_racing_starts_of_one_kind_create_exactly_one_job(settings: Settings, store: Store) -> None:
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def start() -> None:
        barrier.wait()
        try:
            outcomes.append(start_job(settings, store, "report", kinds=KINDS))
        except JobAlreadyRunning as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert sum(isinstance(o, JobAlreadyRunning) for o in outcomes) == 7
    assert len(list_jobs(store, kind="report")) == 1


def test_queued_job_blocks_its_kind_until_executed(settings: Settings, store: Store) -> None:
    job_id = start_job(settings, store, "report", trigger="api", kinds=KINDS)
    with pytest.raises(JobAlreadyRunning, match=f"job {job_id}, triggered by api"):
        start_job(settings, store, "report", kinds=KINDS)
    assert execute_job(settings, store, job_id, kinds=KINDS)["status"] == "succeeded"
    with pytest.raises(ValueError, match="is succeeded, not queued"):
        execute_job(settings, store, job_id, kinds=KINDS)
    with pytest.raises(LookupError, match="job 999 does not exist"):
        execute_job(settings, store, 999, kinds=KINDS)


def test_kinds_sharing_a_stage_do_not_overlap(settings: Settings, store: Store) -> None:
    nightly = start_job(settings, store, "nightly", trigger="schedule")
    with pytest.raises(JobAlreadyRunning, match=f"a nightly job is already queued \\(job {nightly}"):
        start_job(settings, store, "forecast", trigger="api")
    with pytest.raises(JobAlreadyRunning):
        start_job(settings, store, "refit")
    with pytest.raises(JobAlreadyRunning):
        start_job(settings, store, "topics")  # both embed new comments
    assert start_job(settings, store, "ingest_inbox") > nightly
    assert overlapping_kinds("forecast") == {"nightly", "refit"}
    assert overlapping_kinds("ingest_inbox") == set()


def test_unknown_kind_is_refused_before_anything_is_recorded(settings: Settings, store: Store) -> None:
    with pytest.raises(UnknownJobKind, match="unknown job kind 'reindex'; known kinds: .*nightly"):
        start_job(settings, store, "reindex")
    assert list_jobs(store) == []


def test_missing_stage_fails_the_job_with_a_message_naming_it(settings: Settings, store: Store) -> None:
    def ghost(settings: Settings, store: Store, job: JobContext) -> dict:
        return load_stage("pipelines.ghost", "haunt")(settings, store)

    with pytest.raises(StageUnavailable, match="pipelines.ghost.haunt is not available"):
        load_stage("pipelines.ghost", "haunt")
    job = get_job(store, run_job(settings, store, "ghost", kinds={"ghost": ghost}))
    assert job["status"] == "failed"
    assert job["error"].startswith("StageUnavailable: pipelines.ghost.haunt is not available")


def test_interrupt_is_recorded_as_failure_and_raised_again(settings: Settings, store: Store) -> None:
    def interrupted(settings: Settings, store: Store, job: JobContext) -> dict:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_job(settings, store, "stop", kinds={"stop": interrupted})
    (job,) = list_jobs(store, kind="stop")
    assert (job["status"], job["error"]) == ("failed", "interrupted: KeyboardInterrupt")


def test_sequence_steps_report_their_share_of_the_progress(settings: Settings, store: Store) -> None:
    seen: list[tuple[float, str]] = []

    def step(settings: Settings, store: Store, job: JobContext) -> dict:
        job.step(1, 2).progress(0.5, "second half, halfway")
        row = get_job(store, job.job_id)
        seen.append((row["progress"], row["message"]))
        return {}

    run_job(settings, store, "step", kinds={"step": step})
    assert seen == [(0.75, "second half, halfway")]


def test_crashed_process_job_is_recovered_as_failed(tmp_path: Path) -> None:
    """A process killed mid-job leaves its row running; the next process marks it failed."""
    path = tmp_path / "tp.duckdb"
    script = textwrap.dedent(
        f"""
        import threading
        from pipelines.jobs import run_job
        from config import Settings
        from store import Store

        def hang(settings, store, job):
            print("running", flush=True)
            threading.Event().wait()

        store = Store({str(path)!r})
        run_job(Settings(data_dir={str(tmp_path)!r}), store, "topics", kinds={{"topics": hang}})
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout.readline().strip() == "running"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)

    with Store(path) as store:
        (left,) = list_jobs(store)
        assert (left["kind"], left["status"], left["pid"]) == ("topics", "running", child.pid)
        assert recover_crashed_jobs(store) == [left["id"]]
        job = get_job(store, left["id"])
        assert (job["status"], job["error"]) == ("failed", INTERRUPTED)
        assert job["finished_at"] is not None
        assert recover_crashed_jobs(store) == []


def test_job_left_by_a_dead_process_does_not_block_its_kind(settings: Settings, store: Store) -> None:
    gone = Runner(host="old-container", pid=1, token="exited")
    stale = create_job(store, "report", runner=gone)
    mark_running(store, stale, runner=gone)
    mine = start_job(settings, store, "boom", kinds=KINDS)

    fresh = run_job(settings, store, "report", kinds=KINDS)

    assert get_job(store, stale)["error"] == INTERRUPTED
    assert get_job(store, fresh)["status"] == "succeeded"
    assert recover_crashed_jobs(store) == []
    assert get_job(store, mine)["status"] == "queued"


def test_list_jobs_filters_and_pages_newest_first(settings: Settings, store: Store) -> None:
    ids = [run_job(settings, store, kind, kinds=KINDS) for kind in ("report", "boom", "report", "report")]

    assert [j["id"] for j in list_jobs(store, kind="report")] == [ids[3], ids[2], ids[0]]
    assert [j["id"] for j in list_jobs(store, status="failed")] == [ids[1]]
    first = list_jobs(store, limit=2)
    assert [j["id"] for j in first] == [ids[3], ids[2]]
    assert [j["id"] for j in list_jobs(store, limit=2, before=first[-1]["id"])] == [ids[1], ids[0]]
    with pytest.raises(ValueError, match="status must be one of"):
        list_jobs(store, status="done")


def _old(path: Path) -> Path:
    """Set a file's mtime an hour back, as if its copy into the inbox had long finished."""
    past = path.stat().st_mtime - 3600
    os.utime(path, (past, past))
    return path


def _contents_under(folder: Path) -> list[bytes]:
    return sorted(p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".error.txt"))


def test_ingest_inbox_moves_every_file_and_loses_none(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", schedule={"inbox_settle_seconds": 600})
    inbox = settings.resolve(settings.schedule.watch_dir)
    (inbox / "done").mkdir(parents=True)
    (inbox / "done" / "good.csv").write_text("text,created_at\nan older file of the same name,2026-01-01 08:00\n")
    (inbox / "good.csv").write_text(
        "text,created_at\n"
        "Giá xăng tăng quá nhanh,2026-03-01 10:00\n"
        "Trận đấu tối qua hay quá,2026-03-01 11:30\n",
        encoding="utf-8",
    )
    (inbox / "no_text.csv").write_text("foo,bar\n1,2\n")
    (inbox / ".upload.csv").write_text("text,created_at\nhidden while uploading,2026-03-01 10:00\n")
    (inbox / "big.csv.part").write_text("text,created_at\nstill copying,2026-03-01 10:00\n")
    for path in inbox.iterdir():
        if path.is_file():
            _old(path)
    (inbox / "fresh.csv").write_text("text,created_at\nvừa mới chép vào,2026-03-02 09:00\n", encoding="utf-8")
    before = _contents_under(inbox)

    with Store(settings.store_path) as store:
        job = get_job(store, run_job(settings, store, "ingest_inbox", trigger="schedule"))
        assert job["status"] == "succeeded", job["error"]
        counts = job["counts"]
        assert counts["files"] == 2 and counts["done"] == ["good.csv"]
        assert list(counts["failed"]) == ["no_text.csv"] and "no text column" in counts["failed"]["no_text.csv"]
        assert (counts["accepted"], counts["rejected"], len(counts["batch_ids"])) == (2, 0, 1)
        assert store.conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 2

        assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [".upload.csv", "big.csv.part", "fresh.csv"]
        assert sorted(p.name for p in (inbox / "done").iterdir()) == ["good.1.csv", "good.csv"]
        assert "no text column" in (inbox / "failed" / "no_text.csv.error.txt").read_text()
        assert _contents_under(inbox) == before

        _old(inbox / "fresh.csv")
        again = get_job(store, run_job(settings, store, "ingest_inbox"))
        assert (again["counts"]["done"], again["counts"]["accepted"]) == (["fresh.csv"], 1)


def test_ingest_inbox_moves_a_file_ingested_before_without_loading_it_twice(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", schedule={"inbox_settle_seconds": 0})
    inbox = settings.resolve(settings.schedule.watch_dir)
    inbox.mkdir(parents=True)
    body = "text,created_at\nmưa to quá,2026-03-01 10:00\n"
    with Store(settings.store_path) as store:
        (inbox / "a.csv").write_text(body, encoding="utf-8")
        run_job(settings, store, "ingest_inbox")
        (inbox / "a.csv").write_text(body, encoding="utf-8")
        job = get_job(store, run_job(settings, store, "ingest_inbox"))
        assert job["status"] == "succeeded"
        assert (job["counts"]["already_ingested"], job["counts"]["accepted"]) == (["a.csv"], 0)
        assert store.conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 1
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["a.1.csv", "a.csv"]

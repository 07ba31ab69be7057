"""A server killed during a topic run leaves, once restarted, no run, job or batch "running" and no
orphan worker process: recovery at start-up, and workers that die with their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from pipelines.jobs import recover_crashed_jobs
from config import Settings
from service.app import create_app
from store import Store
from store import comments as comment_store
from store import topics as topic_store
from store.jobs import INTERRUPTED
from store.keys import create_key

REPO = Path(__file__).resolve().parents[1]
PATIENCE_S = 180  # how long to wait for a spawned process on a loaded machine: a bound, not a timing


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (dead, not yet reaped by whoever adopted it) counts as gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_kill_9_during_a_topic_run_leaves_nothing_running_after_restart(settings: Settings, tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_server", str(settings.data_dir), str(pid_file)], cwd=REPO
    )
    try:
        _wait_for(lambda: pid_file.exists() and pid_file.read_text(), "the fit worker to start")
        worker = int(pid_file.read_text())
        assert _alive(worker)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        _wait_for(lambda: not _alive(worker), f"the orphaned fit worker {worker} to exit")
    finally:
        if server.poll() is None:
            server.kill()

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        key = {"X-API-Key": create_key(client.app.state.store, "test", "admin")[1]}
        runs = client.get("/api/v1/runs", headers=key).json()["items"]
        jobs = client.get("/api/v1/jobs", headers=key).json()["items"]
    assert [(run["status"], bool(run["error"])) for run in runs] == [("failed", True)]
    assert [(job["kind"], job["status"], job["error"]) for job in jobs] == [("topics", "failed", INTERRUPTED)]


def test_start_up_fails_runs_and_batches_a_dead_process_left_running(settings: Settings) -> None:
    with Store(settings.store_path) as store:
        run_id = topic_store.start_run(store, {})
        with store.transaction() as cur:
            batch_id = comment_store.start_batch(cur, source_file="a.csv", checksum=None, fmt="csv", encoding="utf-8")
        recover_crashed_jobs(store)
        run = store.conn.execute("SELECT status, error FROM topic_runs WHERE id = ?", [run_id]).fetchone()
        batch = store.conn.execute("SELECT status, error FROM ingest_batches WHERE id = ?", [batch_id]).fetchone()
    assert run[0] == "failed" and "interrupted" in run[1]
    assert batch[0] == "failed" and "interrupted" in batch[1]

"""Starting jobs over HTTP (202 + id), following them, and reads that keep working during a run."""

from __future__ import annotations

import threading
import time

import pytest

from tests.service_helpers import app_settings, client, headers  # noqa: F401  (fixtures)

_ALERT = {
    "kind": "surge", "topic_key": "t0001", "day": "2026-02-14", "severity": "high", "score": 3.0,
    "numbers": {"actual": 30}, "explanation": "t0001 surged.", "dedup_key": "surge:t0001:2026-02-14",
}


def wait_for_job(client, job_id: int, admin: dict, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=admin).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


@pytest.fixture
def kinds(client):
    """Job kinds whose work the test controls, installed in the app's runner."""
    steps = {name: threading.Event() for name in ("writing", "commit", "computing", "finish")}

    def blocking_run(settings, store, job):
        from store.alerts import put_alerts

        job.progress(0.5, "clustering")
        with store.transaction() as cur:
            cur.execute("INSERT INTO alerts (kind, day, severity, score, numbers, explanation, dedup_key)"
                        " VALUES ('fading', DATE '2026-02-01', 'low', 1, '{}', 'uncommitted', 'x')")
            steps["writing"].set()
            assert steps["commit"].wait(30), "the test never let the run commit"
            cur.execute("DELETE FROM alerts WHERE dedup_key = 'x'")
        steps["computing"].set()
        assert steps["finish"].wait(30), "the test never let the run finish"
        put_alerts(store, [_ALERT])
        return {"topics": 1}

    def failing(settings, store, job):
        raise RuntimeError("the model folder is missing")

    def quick(settings, store, job):
        return {"assigned": 0}

    client.app.state.jobs.kinds = {"topics": blocking_run, "forecast": failing, "assign": quick, "refit": quick}
    yield steps
    for step in steps.values():
        step.set()


def test_run_is_202_then_reads_keep_working_while_it_runs(client, headers, kinds):
    steps = kinds
    admin, reader = headers["admin"], headers["reader"]
    response = client.post("/api/v1/runs", headers=admin)
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["kind"] == "topics" and accepted["url"] == f"/api/v1/jobs/{accepted['job_id']}"
    assert steps["writing"].wait(10)

    # The run holds an open write transaction; reads answer from the last committed state.
    running = client.get(accepted["url"], headers=admin).json()
    assert running["status"] == "running" and running["progress"] == 0.5 and running["message"] == "clustering"
    assert client.get("/api/v1/alerts", headers=reader).json() == {"items": []}
    assert client.get("/api/v1/jobs", headers=admin).status_code == 200
    assert client.get("/readyz").status_code == 200
    steps["commit"].set()
    assert steps["computing"].wait(10)

    # While it computes (no lock held) writers go on, and a second run of the kind is refused.
    again = client.post("/api/v1/runs", headers=admin)
    assert again.status_code == 409 and "already running" in again.json()["detail"]

    assert client.post("/api/v1/keys", json={"name": "during", "role": "reader"}, headers=admin).status_code == 201
    steps["finish"].set()
    finished = wait_for_job(client, accepted["job_id"], admin)
    assert finished["status"] == "succeeded" and finished["counts"] == {"topics": 1}
    assert [a["topic_key"] for a in client.get("/api/v1/alerts", headers=reader).json()["items"]] == ["t0001"]
    text = client.get("/metrics").text
    assert 'topicpulse_job_duration_seconds_count{kind="topics",status="succeeded"} 1.0' in text


def test_failed_job_reports_its_error(client, headers, kinds):
    job_id = client.post("/api/v1/forecasts", headers=headers["admin"]).json()["job_id"]
    job = wait_for_job(client, job_id, headers["admin"])
    assert job["status"] == "failed" and "model folder is missing" in job["error"]


def test_assign_and_refit_start_their_kinds(client, headers, kinds):
    assign = client.post("/api/v1/assign", headers=headers["admin"]).json()
    assert assign["kind"] == "assign"
    wait_for_job(client, assign["job_id"], headers["admin"])  # refit and assign share a stage: never together
    refit = client.post("/api/v1/runs", params={"refit": "true"}, headers=headers["admin"]).json()
    assert refit["kind"] == "refit"
    assert wait_for_job(client, refit["job_id"], headers["admin"])["status"] == "succeeded"


def test_jobs_list_filters_and_pages(client, headers, kinds):
    admin = headers["admin"]
    ids = []
    for _ in range(3):
        job_id = client.post("/api/v1/assign", headers=admin).json()["job_id"]
        wait_for_job(client, job_id, admin)
        ids.append(job_id)
    first = client.get("/api/v1/jobs", params={"limit": 2, "kind": "assign"}, headers=admin).json()
    assert [j["id"] for j in first["items"]] == ids[::-1][:2]
    rest = client.get("/api/v1/jobs", params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin).json()
    assert [j["id"] for j in rest["items"]] == ids[:1] and rest["next_cursor"] is None
    assert client.get("/api/v1/jobs", params={"status": "succeeded"}, headers=admin).json()["items"]
    assert client.get("/api/v1/jobs", params={"status": "done"}, headers=admin).status_code == 422
    assert client.get("/api/v1/jobs", params={"limit": 501}, headers=admin).status_code == 422


def test_unknown_job_is_404(client, headers):
    response = client.get("/api/v1/jobs/999", headers=headers["admin"])
    assert response.status_code == 404 and "999" in response.json()["detail"]

"""The app under a real uvicorn server on loopback, and a CLI started against the store it owns."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
import uvicorn

from service.app import create_app
from store.keys import create_key
from tests.service_helpers import app_settings, seed_topics  # noqa: F401  (fixtures)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(app_settings):
    """(base url, app) of a uvicorn server in a thread, stopped at the end."""
    app = create_app(app_settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    running.should_exit = True
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_real_server_answers_over_loopback(server, app_settings):
    base, app = server
    keys = seed_topics(app_settings, app.state.store)
    token = create_key(app.state.store, "loopback", "reader")[1]
    with httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/api/v1/topics").status_code == 401
        topics = http.get("/api/v1/topics", headers={"Authorization": f"Bearer {token}"})
        assert topics.status_code == 200 and topics.headers["x-request-id"]
        assert {t["topic_key"] for t in topics.json()["items"]} == set(keys.values())
        detail = http.get(f"/api/v1/topics/{keys['fuel']}", headers={"X-API-Key": token})
        assert detail.status_code == 200 and detail.json()["lineage"]
        # The middleware records a request just after its response is sent: allow it a moment.
        deadline = time.monotonic() + 10
        while 'route="/api/v1/topics/{topic_key}"' not in http.get("/metrics").text:
            assert time.monotonic() < deadline, "the request never reached the metrics"
            time.sleep(0.05)


def test_cli_against_a_running_service_fails_clearly(server, app_settings, tmp_path):
    env = {**os.environ, "TOPICPULSE_DATA_DIR": str(app_settings.data_dir)}
    result = subprocess.run(
        [sys.executable, "-c", "from service.cli import main; main()", "keys", "list"],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "in use by another process" in result.stderr and "API" in result.stderr

"""`topicpulse keys` and `topicpulse serve` from the command line."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from service.cli import app
from store import Store
from store.keys import verify_key


@pytest.fixture(autouse=True)
def _keep_root_logging():
    """The CLI points the root logger at CliRunner's stream; later tests must not log into it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def run(settings, *args: str):
    env = {"TOPICPULSE_DATA_DIR": str(settings.data_dir)}
    return CliRunner().invoke(app, list(args), env=env)


def test_keys_create_list_revoke(settings):
    created = run(settings, "keys", "create", "dashboard", "--role", "analyst")
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    with Store(settings.store_path) as store:
        assert verify_key(store, token)["role"] == "analyst"
    listed = run(settings, "keys", "list")
    assert "analyst" in listed.output and "dashboard" in listed.output and token not in listed.output
    key_id = listed.output.split()[0]
    assert run(settings, "keys", "revoke", key_id).exit_code == 0
    assert "no keys" in run(settings, "keys", "list").output
    assert "revoked" in run(settings, "keys", "list", "--all").output
    assert run(settings, "keys", "revoke", key_id).exit_code == 1
    bad_role = run(settings, "keys", "create", "x", "--role", "owner")
    assert bad_role.exit_code != 0 and "--role" in bad_role.output


def test_serve_answers_and_logs_json_lines(settings, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TOPICPULSE_DATA_DIR": str(settings.data_dir)}
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "serve", "--port", str(port)],
        env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "cli-test"})
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "topicpulse serve did not start"
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=60)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("request_id") == "cli-test"]
    assert access and access[0]["route"] == "/healthz" and access[0]["status"] == 200

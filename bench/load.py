"""Loopback load test of the HTTP API: requests/s and p50/p99 latency under 50 concurrent clients.

It serves a store that holds the demo data with ``topicpulse serve`` in a child process (so the
load generator does not share the server's GIL), then drives ``GET /topics``,
``GET /topics/{key}``, ``GET /alerts`` and ``POST /search`` in turn from ``--clients`` concurrent
keep-alive connections. Every request goes to 127.0.0.1 only; each endpoint stops after
``--requests`` requests or ``--seconds`` seconds, whichever comes first.

The load generator shares the machine's cores with the server, so it is a bare HTTP/1.1 client
on asyncio streams (about a tenth of httpx's CPU per request): with httpx the client, not the
server, was the limit. Every answer's status is checked; anything but 200 counts as an error.

Usage (after ``topicpulse demo`` and ``topicpulse topics`` have filled data/, or with
``--prepare`` to run both here; the embedding model is the configured one, e.g.
``TOPICPULSE_EMBEDDING__MODEL``):

    python bench/load.py --data-dir data [--prepare] [--clients 50] [--requests 2000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

SEARCH_QUERIES = ["giá xăng tăng", "tắc đường", "học phí đại học", "bão lũ miền trung", "điện thoại mới", "Tết"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", "from service.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, check=True)
    return done.stdout


def prepare(env: dict[str, str]) -> None:
    """Generate and ingest the demo data into the data folder, then embed it and fit topics."""
    for command in ("demo", "topics"):
        print(f"preparing the demo store: topicpulse {command} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-c", "from service.cli import main; main()", command], env=env, check=True)


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a request and reads its whole answer."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = f"Host: 127.0.0.1\r\nX-API-Key: {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        """The answer's status code; the body is read and dropped."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        extra = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def drive(port: int, token: str, name: str, request, clients: int, total: int, seconds: float) -> dict:
    """Send ``total`` requests (or for ``seconds``) from ``clients`` concurrent connections, after
    one untimed request (a poll finds the answer already computed, as a dashboard's would)."""
    warm = Connection(port, token)
    await request(warm, 0)
    warm.close()
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + seconds

    async def client_loop() -> None:
        nonlocal sent, errors
        connection = Connection(port, token)
        try:
            while sent < total and time.perf_counter() < deadline:
                sent += 1
                started = time.perf_counter()
                try:
                    ok = await request(connection, sent) == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    connection.close()
                    connection = Connection(port, token)
                latencies.append(time.perf_counter() - started)
                errors += not ok
        finally:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    wall = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "endpoint": name,
        "requests": len(ordered),
        "errors": errors,
        "rps": len(ordered) / wall,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    }


async def run(port: int, token: str, clients: int, total: int, seconds: float) -> list[dict]:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": token}, timeout=120) as http:
        topics = (await http.get("/api/v1/topics")).json()["items"]
        if not topics:
            raise SystemExit("the store has no topics; run `topicpulse demo` first or pass --prepare")
        key = topics[0]["topic_key"]
        warm = await http.post("/api/v1/search", json={"query": "khởi động"})  # loads the embedder once
        warm.raise_for_status()

    async def get_topics(connection, n):
        return await connection.request("GET", "/api/v1/topics")

    async def get_topic(connection, n):
        return await connection.request("GET", f"/api/v1/topics/{key}")

    async def get_alerts(connection, n):
        return await connection.request("GET", "/api/v1/alerts")

    async def search(connection, n):
        query = {"query": SEARCH_QUERIES[n % len(SEARCH_QUERIES)], "limit": 10}
        return await connection.request("POST", "/api/v1/search", json.dumps(query).encode())

    return [
        await drive(port, token, name, request, clients, total, seconds)
        for name, request in (("GET /topics", get_topics), ("GET /topics/{key}", get_topic),
                              ("GET /alerts", get_alerts), ("POST /search", search))
    ]


def event_loop_run(coroutine):
    """uvloop when installed (uvicorn[standard] brings it), as the server uses: a cheaper client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--prepare", action="store_true", help="Run `topicpulse demo` into --data-dir first.")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="Per endpoint.")
    parser.add_argument("--seconds", type=float, default=60.0, help="Per endpoint, at most.")
    args = parser.parse_args()

    env = {**os.environ, "TOPICPULSE_DATA_DIR": str(args.data_dir.resolve()), "HF_HUB_OFFLINE": "1"}
    if args.prepare:
        prepare(env)
    created = cli(env, "keys", "create", "load-bench", "--role", "reader").strip().splitlines()
    key_id, token = created[0].split()[2], created[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "--log-level", "WARNING", "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        results = event_loop_run(run(port, token, args.clients, args.requests, args.seconds))
        load_after = Path("/proc/loadavg").read_text().split()[:3]
    finally:
        server.terminate()
        server.wait(timeout=60)
        cli(env, "keys", "revoke", key_id)
    print(f"# {' '.join(sys.argv)}")
    print(f"# machine: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{args.clients} concurrent clients over loopback; the machine was shared with other work")
    print(f"# load average (1, 5, 15 min) before: {' '.join(load_before)}; after: {' '.join(load_after)}")
    print("| endpoint | requests | errors | requests/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for row in results:
        print(f"| {row['endpoint']} | {row['requests']} | {row['errors']} | {row['rps']:.0f} | "
              f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} |")


if __name__ == "__main__":
    main()

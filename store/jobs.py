"""The jobs table: one row per job run, kept as history, and the lock that keeps runs of a kind apart.

Every job row names the process that owns it (its ``Runner``: host, pid and a token unique to the
process start, since pids are reused, pid 1 in every container start). DuckDB lets one process write
the file at a time, so while this process has the store open no other process can finish a job: a
queued or running row owned by another runner was left behind by a process that exited or crashed.
Such rows are marked failed with ``INTERRUPTED``, by ``fail_orphaned_jobs`` and whenever a new job of
the same kind is created, so a crash never blocks a kind forever.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import os
import socket
import uuid
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.errors import TopicPulseError
from store.rows import records

if TYPE_CHECKING:
    from store.db import Store

STATUSES = ("queued", "running", "succeeded", "failed")
ACTIVE = ("queued", "running")
TRIGGERS = ("api", "schedule", "cli")
INTERRUPTED = "interrupted: process exited"

_COLUMNS = (
    "id, kind, params, trigger, status, progress, message, counts, error,"
    " created_at, started_at, finished_at, host, pid, runner"
)


class JobAlreadyRunning(TopicPulseError, RuntimeError):
    """A job of the same kind is queued or running; ``job`` is that row."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        super().__init__(
            f"a {job['kind']} job is already {job['status']} (job {job['id']}, triggered by {job['trigger']}); "
            "wait for it to finish, or see `topicpulse jobs`"
        )


@dataclasses.dataclass(frozen=True)
class Runner:
    """The process that owns a job."""

    host: str
    pid: int
    token: str


_this_process: Runner | None = None


def current_runner() -> Runner:
    """This process's identity; a forked child gets its own, since it is another process."""
    global _this_process
    if _this_process is None or _this_process.pid != os.getpid():
        _this_process = Runner(socket.gethostname(), os.getpid(), uuid.uuid4().hex)
    return _this_process


def to_json(value: Any) -> str:
    """JSON for params and counts; see ``jsonable`` for what is converted."""
    return json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False)


def jsonable(value: Any) -> Any:
    """Plain JSON values from pipeline reports: dataclasses become dicts, dates ISO strings, paths
    strings, numpy numbers Python numbers, and NaN or infinity null (JSON has no NaN)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [jsonable(v) for v in sorted(value, key=str)]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if hasattr(value, "tolist"):  # numpy arrays and scalars, without importing numpy here
        return jsonable(value.tolist())
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _decoded(job: dict[str, Any]) -> dict[str, Any]:
    for key in ("params", "counts"):
        if job[key] is not None:
            job[key] = json.loads(job[key])
    for key in ("created_at", "started_at", "finished_at"):
        if job[key] is not None:
            job[key] = job[key].astimezone(dt.timezone.utc)
    return job


def _fetch(cur, sql: str, params: list) -> list[dict[str, Any]]:
    cur.execute(sql, params)
    return [_decoded(job) for job in records(cur)]


def _fail_orphans(cur, runner: Runner, kinds: Collection[str] | None = None) -> list[int]:
    sql = (
        "UPDATE jobs SET status = 'failed', error = ?, finished_at = now()"
        " WHERE status IN ('queued', 'running') AND runner <> ?"
    )
    params: list = [INTERRUPTED, runner.token]
    if kinds is not None:
        sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
        params.extend(kinds)
    cur.execute(sql + " RETURNING id", params)
    return sorted(int(r[0]) for r in cur.fetchall())


def create_job(
    store: Store,
    kind: str,
    *,
    params: dict[str, Any] | None = None,
    trigger: str = "cli",
    blocked_by: Collection[str] = (),
    runner: Runner | None = None,
) -> int:
    """Record a queued job and return its id; raise JobAlreadyRunning if a job of this kind, or of
    one of the ``blocked_by`` kinds (jobs doing part of the same work), is queued or running.

    The check and the insert happen in one transaction, and this process's writers take turns
    (``Store.transaction``), so two callers racing for the same kind cannot both get a job.
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {', '.join(TRIGGERS)}, not {trigger!r}")
    runner = runner or current_runner()
    kinds = sorted({kind, *blocked_by})
    with store.transaction() as cur:
        _fail_orphans(cur, runner, kinds)
        active = _fetch(
            cur,
            f"SELECT {_COLUMNS} FROM jobs WHERE kind IN ({', '.join('?' for _ in kinds)})"
            " AND status IN ('queued', 'running') ORDER BY id LIMIT 1",
            kinds,
        )
        if active:
            raise JobAlreadyRunning(active[0])
        cur.execute(
            "INSERT INTO jobs (kind, params, trigger, host, pid, runner) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [kind, to_json(params or {}), trigger, runner.host, runner.pid, runner.token],
        )
        return int(cur.fetchone()[0])


def _transition(store: Store, job_id: int, allowed: tuple[str, ...], assignments: str, params: list) -> None:
    """Update a job that is in one of the ``allowed`` states, or say precisely why it cannot be."""
    placeholders = ", ".join("?" for _ in allowed)
    with store.transaction() as cur:
        cur.execute(
            f"UPDATE jobs SET {assignments} WHERE id = ? AND status IN ({placeholders}) RETURNING id",
            [*params, job_id, *allowed],
        )
        if cur.fetchone() is not None:
            return
        cur.execute("SELECT status FROM jobs WHERE id = ?", [job_id])
        found = cur.fetchone()
    if found is None:
        raise LookupError(f"job {job_id} does not exist")
    raise ValueError(f"job {job_id} is {found[0]}, not {' or '.join(allowed)}")


def mark_running(store: Store, job_id: int, *, runner: Runner | None = None) -> None:
    """A queued job starts; the process running it becomes its owner."""
    runner = runner or current_runner()
    _transition(
        store,
        job_id,
        ("queued",),
        "status = 'running', started_at = now(), progress = 0, host = ?, pid = ?, runner = ?",
        [runner.host, runner.pid, runner.token],
    )


def update_progress(store: Store, job_id: int, progress: float | None = None, message: str | None = None) -> None:
    """Record how far a running job is (0..1) and/or what it is doing; None leaves a field as it was."""
    if progress is not None and not (0.0 <= progress <= 1.0 and math.isfinite(progress)):
        raise ValueError(f"progress must be between 0 and 1, not {progress}")
    _transition(
        store,
        job_id,
        ("running",),
        "progress = coalesce(?, progress), message = coalesce(?, message)",
        [progress, message],
    )


def finish_job(store: Store, job_id: int, counts: dict[str, Any] | None = None) -> None:
    """A running job succeeded; ``counts`` says what it did."""
    _transition(
        store,
        job_id,
        ("running",),
        "status = 'succeeded', progress = 1, finished_at = now(), counts = ?",
        [to_json(counts or {})],
    )


def fail_job(store: Store, job_id: int, error: str, counts: dict[str, Any] | None = None) -> None:
    """A queued or running job failed; ``error`` says why, ``counts`` what it did before."""
    _transition(
        store,
        job_id,
        ACTIVE,
        "status = 'failed', finished_at = now(), error = ?, counts = ?",
        [error, None if counts is None else to_json(counts)],
    )


def fail_orphaned_jobs(store: Store, *, runner: Runner | None = None) -> list[int]:
    """Mark failed every queued or running job owned by another process; return their ids."""
    with store.transaction() as cur:
        return _fail_orphans(cur, runner or current_runner())


def get_job(store: Store, job_id: int) -> dict[str, Any] | None:
    with store.cursor() as cur:
        found = _fetch(cur, f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", [job_id])
    return found[0] if found else None


def list_jobs(
    store: Store,
    *,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 50,
    before: int | None = None,
) -> list[dict[str, Any]]:
    """Jobs newest first; pass the last id seen as ``before`` for the next page."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    where, params = [], []
    for column, value in (("kind", kind), ("status", status)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if before is not None:
        where.append("id < ?")
        params.append(before)
    sql = f"SELECT {_COLUMNS} FROM jobs"
    if where:
        sql += " WHERE " + " AND ".join(where)
    with store.cursor() as cur:
        return _fetch(cur, sql + " ORDER BY id DESC LIMIT ?", [*params, limit])


def running_job(store: Store, kind: str) -> dict[str, Any] | None:
    """The queued or running job of this kind, if any."""
    with store.cursor() as cur:
        found = _fetch(
            cur,
            f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? AND status IN ('queued', 'running') ORDER BY id LIMIT 1",
            [kind],
        )
    return found[0] if found else None

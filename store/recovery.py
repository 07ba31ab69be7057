"""What a process that died left 'running': its topic runs and its ingest batches.

Crash recovery runs at the start of every command that may write (``topicpulse jobs``, the
scheduler, the service), so it lives apart from the topic and comment queries: this module needs
only the database, never pandas or pyarrow, and a command that just lists jobs starts at once.
(Jobs left running are failed by ``store.jobs.fail_orphaned_jobs``, which job creation also uses.)
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.db import Store


def fail_running_runs(store: Store) -> int:
    """Mark topic runs left 'running' by a process that died as failed; returns how many.

    Called at start-up and when a run starts: one process writes a store at a time and the jobs
    table keeps two topic runs from overlapping, so a 'running' row at that point has no live owner.
    """
    with store.transaction() as cur:
        rows = cur.execute(
            "UPDATE topic_runs SET status = 'failed', finished_at = now(),"
            " error = 'interrupted: the process running it stopped before it finished'"
            " WHERE status = 'running' RETURNING id"
        ).fetchall()
    return len(rows)


def fail_running_batches(store: Store) -> list[int]:
    """Mark failed the ingest batches left 'running' by a process that died; returns their ids.

    A batch is written inside one transaction, so a crash normally rolls its row back; this
    catches any row that still says running when no ingest can be in progress (start-up).
    """
    with store.transaction() as cur:
        rows = cur.execute(
            "UPDATE ingest_batches SET status = 'failed', finished_at = ?,"
            " error = 'interrupted: the process ingesting it stopped before it finished'"
            " WHERE status = 'running' RETURNING id",
            [datetime.now(timezone.utc)],
        ).fetchall()
    return sorted(int(row[0]) for row in rows)

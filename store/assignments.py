"""Per-comment topic assignments of a run: what the fit wrote (``store.topic_runs.write_run``) and
what ``assign`` adds for comments ingested after it, and the comments a run is fitted on."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from store.db import Store


def comment_texts(store: Store, comment_ids: np.ndarray) -> list[str]:
    """The texts of ``comment_ids``, in that order (all must exist)."""
    frame = pd.DataFrame({"id": np.asarray(comment_ids, dtype=np.int64), "pos": np.arange(len(comment_ids))})
    with store.cursor() as cur:
        cur.register("wanted_comments", frame)
        rows = cur.execute(
            "SELECT c.text FROM wanted_comments w JOIN comments c ON c.id = w.id ORDER BY w.pos"
        ).fetchall()
    if len(rows) != len(frame):
        raise ValueError(f"{len(frame) - len(rows)} of the comment ids are not in the store")
    return [row[0] for row in rows]


def recent_comment_texts(store: Store, limit: int) -> list[str]:
    """The texts of the latest ``limit`` comments by id (what the assign path learns spellings from)."""
    with store.cursor() as cur:
        rows = cur.execute("SELECT text FROM comments ORDER BY id DESC LIMIT ?", [limit]).fetchall()
    return [row[0] for row in rows]


def data_window(store: Store, comment_ids: np.ndarray) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Earliest and latest ``created_at`` among the comments."""
    frame = pd.DataFrame({"id": np.asarray(comment_ids, dtype=np.int64)})
    with store.cursor() as cur:
        cur.register("window_comments", frame)
        first, last = cur.execute(
            "SELECT min(c.created_at), max(c.created_at) FROM comments c JOIN window_comments w ON w.id = c.id"
        ).fetchall()[0]
    return first, last


def comments_to_assign(store: Store, run_id: int) -> np.ndarray:
    """Ids of comments with no assignment in the run (ingested after it), oldest first."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT c.id FROM comments c WHERE NOT EXISTS"
            " (SELECT 1 FROM topic_assignments a WHERE a.run_id = ? AND a.comment_id = c.id) ORDER BY c.id",
            [run_id],
        ).fetchall()
    return np.array([row[0] for row in rows], dtype=np.int64)


def add_assignments(store: Store, run_id: int, assignments: pd.DataFrame) -> int:
    """Record incremental assignments (comment_id, topic_key or None, similarity); returns rows added.

    Comments that already have a row in the run are left as they are, so a repeated call adds nothing.
    """
    frame = assignments.assign(run_id=run_id, method="assign")[["run_id", "comment_id", "topic_key", "similarity", "method"]]
    with store.transaction() as cur:
        cur.register("new_assignments", frame)
        added = cur.execute(
            "INSERT INTO topic_assignments (run_id, comment_id, topic_key, similarity, method)"
            " SELECT run_id, comment_id, topic_key, similarity, method FROM new_assignments n"
            " WHERE NOT EXISTS (SELECT 1 FROM topic_assignments a WHERE a.run_id = n.run_id"
            " AND a.comment_id = n.comment_id) RETURNING comment_id"
        ).fetchall()
        cur.unregister("new_assignments")
    return len(added)


def incremental_counts(store: Store, run_id: int) -> tuple[int, int]:
    """(comments assigned to the run after it was fitted, of those unassigned)."""
    with store.cursor() as cur:
        total, unassigned = cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE topic_key IS NULL) FROM topic_assignments"
            " WHERE run_id = ? AND method = 'assign'", [run_id]
        ).fetchall()[0]
    return int(total), int(unassigned)

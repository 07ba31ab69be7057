"""Topics of a run and their lineage: the topics' own rows, keyed by stable keys (t0001, ...).

The topic store is split by what it stores: runs in ``store.topic_runs``, per-comment assignments
in ``store.assignments``, volumes in ``store.volumes``, and the topics here. This module also
names the other three's queries (``__all__``), so that callers import one topic store.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from store.assignments import (
    add_assignments,
    comment_texts,
    comments_to_assign,
    data_window,
    incremental_counts,
    recent_comment_texts,
)
from store.db import Store
from store.rows import records
from store.topic_runs import (
    current_run,
    fail_run,
    get_run,
    list_runs,
    record_stage_seconds,
    run_or_current,
    start_run,
    write_run,
)
from store.volumes import DEFAULT_TZ, topic_sentiment, topic_volume, unassigned_share

__all__ = [
    "DEFAULT_TZ",
    "add_assignments",
    "comment_texts",
    "comments_to_assign",
    "current_run",
    "data_window",
    "fail_run",
    "get_run",
    "get_topic",
    "incremental_counts",
    "list_runs",
    "list_topics",
    "new_topic_keys",
    "recent_comment_texts",
    "record_stage_seconds",
    "start_run",
    "topic_key",
    "topic_lineage",
    "topic_sentiment",
    "topic_vectors",
    "topic_volume",
    "unassigned_share",
    "write_run",
]

_CORRECTED = "t.fitted_label, t.origin, t.hidden, t.merged_into, t.label_set_at"  # see store/corrections.py


def topic_key(number: int) -> str:
    return f"t{number:04d}"


def new_topic_keys(store: Store, count: int) -> list[str]:
    """``count`` never-used stable keys (t0001, t0002, ...)."""
    with store.cursor() as cur:
        rows = cur.execute("SELECT nextval('topic_key_number') FROM range(?)", [count]).fetchall()
        return [topic_key(int(row[0])) for row in rows]


def list_topics(store: Store, run_id: int | None = None, *, include_hidden: bool = False) -> list[dict[str, Any]]:
    """Topics of a run (default: the current one), largest first, with lineage; no centroids.

    Topics an analyst merged into another are left out, and hidden ones unless ``include_hidden``.
    """
    run_id = run_or_current(store, run_id)
    if run_id is None:
        return []
    return _query(
        store,
        f"SELECT t.run_id, t.topic_key, t.topic_index, t.label, t.keywords, t.size, t.representative_ids,"
        f" {_CORRECTED}, l.relation, l.parent_keys, l.parent_run_id"
        " FROM topics t LEFT JOIN topic_lineage l USING (run_id, topic_key)"
        f" WHERE t.run_id = ? AND t.merged_into IS NULL {'' if include_hidden else 'AND NOT t.hidden'}"
        " ORDER BY t.size DESC, t.topic_key",
        [run_id],
    )


def get_topic(store: Store, topic_key: str) -> dict[str, Any] | None:
    """A topic as of the latest successful run that has it, with its representative comments.

    ``current`` says whether that run is the current one (False: the key was retired by a re-fit).
    """
    current = current_run(store)
    rows = _query(
        store,
        f"SELECT t.run_id, t.topic_key, t.topic_index, t.label, t.keywords, t.size, t.representative_ids,"
        f" t.min_similarity, {_CORRECTED}, l.relation, l.parent_keys, l.parent_run_id"
        " FROM topics t JOIN topic_runs r ON r.id = t.run_id"
        " LEFT JOIN topic_lineage l USING (run_id, topic_key)"
        " WHERE t.topic_key = ? AND r.status = 'done' ORDER BY t.run_id DESC LIMIT 1",
        [topic_key],
    )
    if not rows:
        return None
    topic = rows[0]
    topic["current"] = current is not None and topic["run_id"] == current["run_id"]
    with store.cursor() as cur:
        texts = dict(cur.execute(
            "SELECT id, text FROM comments WHERE id IN (SELECT unnest(?::BIGINT[]))", [topic["representative_ids"]]
        ).fetchall())
    topic["representative_comments"] = [
        {"comment_id": cid, "text": texts[cid]} for cid in topic["representative_ids"] if cid in texts
    ]
    return topic


def topic_lineage(store: Store, topic_key: str) -> list[dict[str, Any]]:
    """How a topic evolved: one entry per successful run where it exists or is named as a parent.

    Each entry has run_id, finished_at, topic_key, relation (match | split | merge | new),
    parent_run_id, parent_keys, label, size and score. Entries whose topic_key differs from the one
    asked for are its descendants (topics split from or merged with it). Oldest run first.
    """
    return _query(
        store,
        "SELECT l.run_id, r.finished_at, l.topic_key, l.relation, l.parent_run_id, l.parent_keys,"
        " t.label, t.size, l.score"
        " FROM topic_lineage l JOIN topic_runs r ON r.id = l.run_id"
        " JOIN topics t ON t.run_id = l.run_id AND t.topic_key = l.topic_key"
        " WHERE r.status = 'done' AND (l.topic_key = ? OR list_contains(l.parent_keys, ?))"
        " ORDER BY l.run_id, l.topic_key = ? DESC, l.topic_key",
        [topic_key, topic_key, topic_key],
    )


def topic_vectors(store: Store, run_id: int, *, fitted: bool = False) -> dict[str, Any]:
    """A run's topics as arrays: keys, centroids, min_similarity, keywords.

    For assignment (default) every topic counts, seeded ones included, and a topic merged into
    another answers with the key it was merged into. For lineage (``fitted``) only the topics the
    fit found count, under their own keys, so corrections never change which key a re-fit inherits.
    """
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT CASE WHEN ? THEN topic_key ELSE coalesce(merged_into, topic_key) END, centroid, min_similarity,"
            " keywords FROM topics WHERE run_id = ? AND (NOT ? OR origin = 'fit') ORDER BY topic_key",
            [fitted, run_id, fitted],
        ).fetchall()
    return {
        "keys": [row[0] for row in rows],
        "centroids": np.array([row[1] for row in rows], dtype=np.float32).reshape(len(rows), -1),
        "min_similarity": np.array([row[2] for row in rows], dtype=np.float32),
        "keywords": [[entry["word"] for entry in json.loads(row[3])] for row in rows],
    }


def _query(store: Store, sql: str, params: list) -> list[dict[str, Any]]:
    with store.cursor() as cur:
        return records(cur.execute(sql, params), json_columns=("keywords",))

"""Topic runs: the 'running' row a run starts with, the one transaction that stores it, and reads.

The current run is the latest run with status 'done'. A run is written in two steps: a 'running'
row when it starts (so a crash leaves a trace, see ``store.recovery``), then its topics, lineage and
assignments in one transaction that also flips it to 'done'. A failed run never becomes current,
so readers keep the previous one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pandas as pd

from store.db import Store
from store.rows import records

_RUN_COLUMNS = (
    "status", "finished_at", "duration_s", "params", "embedding_fingerprint", "model_fingerprint",
    "data_start", "data_end", "max_comment_id", "n_comments", "n_fitted", "n_topics", "n_unassigned",
    "raw_outlier_share", "outlier_share", "topic_diversity", "npmi", "stage_seconds", "artifact_path", "error",
)
_JSON_COLUMNS = ("params", "stage_seconds")


def start_run(store: Store, params: dict[str, Any]) -> int:
    """Record a run as 'running' and return its id."""
    with store.transaction() as cur:
        row = cur.execute(
            "INSERT INTO topic_runs (status, params) VALUES ('running', ?) RETURNING id", [json.dumps(params)]
        ).fetchall()[0]
    return int(row[0])


def fail_run(store: Store, run_id: int, error: str) -> None:
    """Mark a run failed with the reason; the previous run stays current."""
    with store.transaction() as cur:
        cur.execute(
            "UPDATE topic_runs SET status = 'failed', error = ?, finished_at = now(),"
            " duration_s = epoch(now() - started_at) WHERE id = ?",
            [error[:4000], run_id],
        )


def write_run(
    store: Store,
    run_id: int,
    *,
    run: dict[str, Any],
    topics: Sequence[dict[str, Any]],
    lineage: Sequence[dict[str, Any]],
    assignments: pd.DataFrame,
    correct: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
) -> None:
    """Store a finished run in one transaction: its topics, lineage and assignments, then status 'done'.

    ``correct`` runs inside that transaction before the run turns 'done' (analysts' corrections),
    so no reader ever sees the run without them.

    ``topics`` rows: topic_key, topic_index, label, keywords (list of {word, weight}), size,
    representative_ids, min_similarity, centroid. ``lineage`` rows: topic_key, parent_run_id,
    parent_keys, relation, score. ``assignments``: comment_id, topic_key (None: unassigned), similarity.
    """
    frame = assignments.assign(run_id=run_id, method="fit")[["run_id", "comment_id", "topic_key", "similarity", "method"]]
    with store.transaction() as cur:
        cur.executemany(
            "INSERT INTO topics (run_id, topic_key, topic_index, label, keywords, size, representative_ids,"
            " min_similarity, centroid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [run_id, t["topic_key"], t["topic_index"], t["label"], json.dumps(t["keywords"], ensure_ascii=False),
                 t["size"], list(t["representative_ids"]), t["min_similarity"], [float(x) for x in t["centroid"]]]
                for t in topics
            ],
        )
        if lineage:
            cur.executemany(
                "INSERT INTO topic_lineage (run_id, topic_key, parent_run_id, parent_keys, relation, score)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [[run_id, r["topic_key"], r["parent_run_id"], list(r["parent_keys"]), r["relation"], r["score"]]
                 for r in lineage],
            )
        cur.register("run_assignments", frame)
        cur.execute(
            "INSERT INTO topic_assignments (run_id, comment_id, topic_key, similarity, method)"
            " SELECT run_id, comment_id, topic_key, similarity, method FROM run_assignments"
        )
        cur.unregister("run_assignments")
        if correct is not None:
            correct(cur)
        values = {**run, "status": "done"}
        names = [name for name in _RUN_COLUMNS if name in values]
        sets = ", ".join(f"{name} = ?" for name in names)
        cur.execute(
            f"UPDATE topic_runs SET {sets}, finished_at = coalesce(finished_at, now()) WHERE id = ?",
            [_json_value(name, values[name]) for name in names] + [run_id],
        )


def record_stage_seconds(store: Store, run_id: int, stage_seconds: dict[str, float], duration_s: float) -> None:
    """Add the per-stage timings, known only once the run's transaction has committed."""
    with store.transaction() as cur:
        cur.execute("UPDATE topic_runs SET stage_seconds = ?, duration_s = ? WHERE id = ?",
                    [json.dumps({k: round(v, 3) for k, v in stage_seconds.items()}), duration_s, run_id])


def current_run(store: Store) -> dict[str, Any] | None:
    """The latest successful run, or None before the first one."""
    return _one_run(store, "WHERE status = 'done' ORDER BY id DESC LIMIT 1", [])


def get_run(store: Store, run_id: int) -> dict[str, Any] | None:
    return _one_run(store, "WHERE id = ?", [run_id])


def list_runs(store: Store, *, limit: int = 20) -> list[dict[str, Any]]:
    """Runs newest first, failed and running ones included (they say why in ``error``)."""
    with store.cursor() as cur:
        return records(cur.execute(
            f"SELECT id AS run_id, * EXCLUDE (id) FROM topic_runs ORDER BY id DESC LIMIT {int(limit)}"
        ), json_columns=_JSON_COLUMNS)


def run_or_current(store: Store, run_id: int | None) -> int | None:
    """``run_id``, or the current run's id when it is None (None before the first run)."""
    if run_id is not None:
        return run_id
    run = current_run(store)
    return None if run is None else int(run["run_id"])


def _one_run(store: Store, clause: str, params: list) -> dict[str, Any] | None:
    with store.cursor() as cur:
        rows = records(cur.execute(f"SELECT id AS run_id, * EXCLUDE (id) FROM topic_runs {clause}", params),
                       json_columns=_JSON_COLUMNS)
    return rows[0] if rows else None


def _json_value(name: str, value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if name in _JSON_COLUMNS else value

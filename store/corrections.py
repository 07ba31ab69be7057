"""Analysts' corrections (rename, merge, hide, seed) and the corrected state of a topic run.

A run's rows keep what the fit found (``topics.fitted_label``, ``topic_assignments.fitted_topic_key``
for moved comments) next to what readers see (``label``, ``topic_key``, ``hidden``, ``merged_into``),
so ``reset_run`` can always go back to the fitted state and corrections be applied afresh: after an
undo, or on a new run whose topics inherited the corrected keys through lineage.
No correction records who made it: the API and the report say "an analyst".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from store.db import Store
from store.rows import records

KINDS = ("rename", "merge", "hide", "seed")
_COLUMNS = "id, kind, topic_key, merged_keys, label, seed_phrases, created_at, undone_at"


def add_correction(
    cur: duckdb.DuckDBPyConnection,
    kind: str,
    topic_key: str,
    *,
    merged_keys: Sequence[str] = (),
    label: str | None = None,
    seed_phrases: Sequence[str] = (),
    seed_vector: np.ndarray | None = None,
    seed_fingerprint: str | None = None,
) -> dict[str, Any]:
    """Record a correction inside the caller's transaction and return it."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return records(cur.execute(
        "INSERT INTO topic_corrections (kind, topic_key, merged_keys, label, seed_phrases, seed_vector,"
        f" seed_fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
        [kind, topic_key, list(merged_keys), label, list(seed_phrases),
         None if seed_vector is None else [float(x) for x in seed_vector], seed_fingerprint],
    ))[0]


def undo_correction(cur: duckdb.DuckDBPyConnection, correction_id: int) -> dict[str, Any] | None:
    """Mark a correction undone (it stays on record); None when there is no active one with that id."""
    rows = records(cur.execute(
        f"UPDATE topic_corrections SET undone_at = now() WHERE id = ? AND undone_at IS NULL RETURNING {_COLUMNS}",
        [correction_id],
    ))
    return rows[0] if rows else None


def list_corrections(
    store: Store | duckdb.DuckDBPyConnection, *, active_only: bool = True, topic_key: str | None = None
) -> list[dict[str, Any]]:
    """Corrections oldest first (the order they apply in); ``topic_key`` keeps those that name it.

    Given a transaction's cursor instead of the store, it sees that transaction's own changes.
    """
    where = ["TRUE"]
    params: list[Any] = []
    if active_only:
        where.append("undone_at IS NULL")
    if topic_key is not None:
        where.append("(topic_key = ? OR list_contains(merged_keys, ?))")
        params += [topic_key, topic_key]
    sql = (f"SELECT {_COLUMNS}, seed_vector, seed_fingerprint FROM topic_corrections"
           f" WHERE {' AND '.join(where)} ORDER BY id")
    if isinstance(store, Store):
        with store.cursor() as cur:
            return records(cur.execute(sql, params))
    return records(store.execute(sql, params))


def set_seed_vector(cur: duckdb.DuckDBPyConnection, correction_id: int, vector: np.ndarray, fingerprint: str) -> None:
    """Store a seed's embedding under a new model's fingerprint (after a re-fit with another model)."""
    cur.execute("UPDATE topic_corrections SET seed_vector = ?, seed_fingerprint = ? WHERE id = ?",
                [[float(x) for x in vector], fingerprint, correction_id])


def corrections_version(store: Store) -> tuple[int, int]:
    """(newest correction id, undone count): changes whenever the set of active corrections does."""
    with store.cursor() as cur:
        row = cur.execute("SELECT coalesce(max(id), 0), count(undone_at) FROM topic_corrections").fetchone()
    return int(row[0]), int(row[1])


# ---------------------------------------------------------------------------- a run's corrected state

def reset_run(cur: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Put a run back to what its fit found: fitted labels and keys, nothing hidden, merged or seeded."""
    cur.execute("UPDATE topics SET fitted_label = label WHERE run_id = ? AND fitted_label IS NULL", [run_id])
    cur.execute(
        "UPDATE topic_assignments SET topic_key = fitted_topic_key, fitted_topic_key = NULL, corrected = false"
        " WHERE run_id = ? AND corrected", [run_id],
    )
    cur.execute("DELETE FROM topics WHERE run_id = ? AND origin = 'seed'", [run_id])
    cur.execute(
        "UPDATE topics SET label = fitted_label, hidden = false, merged_into = NULL, label_set_at = NULL"
        " WHERE run_id = ? AND (label <> fitted_label OR hidden OR merged_into IS NOT NULL OR label_set_at IS NOT NULL)",
        [run_id],
    )


def run_topic_keys(cur: duckdb.DuckDBPyConnection, run_id: int) -> set[str]:
    return {row[0] for row in cur.execute("SELECT topic_key FROM topics WHERE run_id = ?", [run_id]).fetchall()}


def set_label(cur: duckdb.DuckDBPyConnection, run_id: int, topic_key: str, label: str, when: dt.datetime) -> None:
    cur.execute("UPDATE topics SET label = ?, label_set_at = ? WHERE run_id = ? AND topic_key = ?",
                [label, when, run_id, topic_key])


def hide(cur: duckdb.DuckDBPyConnection, run_id: int, topic_key: str) -> None:
    cur.execute("UPDATE topics SET hidden = true WHERE run_id = ? AND topic_key = ?", [run_id, topic_key])


def move_comments(cur: duckdb.DuckDBPyConnection, run_id: int, from_key: str, to_key: str) -> None:
    """Reassign every comment of ``from_key`` to ``to_key``, remembering where the fit put it."""
    cur.execute(
        "UPDATE topic_assignments SET fitted_topic_key = CASE WHEN corrected THEN fitted_topic_key ELSE topic_key END,"
        " corrected = true, topic_key = ? WHERE run_id = ? AND topic_key = ?", [to_key, run_id, from_key],
    )


def fold_topic(cur: duckdb.DuckDBPyConnection, run_id: int, merged_key: str, into_key: str) -> None:
    """Merge ``merged_key`` into ``into_key``: its comments move there and it is marked merged."""
    move_comments(cur, run_id, merged_key, into_key)
    cur.execute("UPDATE topics SET merged_into = ? WHERE run_id = ? AND topic_key = ?", [into_key, run_id, merged_key])
    cur.execute("UPDATE topics SET merged_into = ? WHERE run_id = ? AND merged_into = ?", [into_key, run_id, merged_key])


def run_assignments(cur: duckdb.DuckDBPyConnection, run_id: int) -> pd.DataFrame:
    """comment_id, topic_key (as corrected so far) and similarity of every comment in the run."""
    return cur.execute(
        "SELECT comment_id, topic_key, similarity FROM topic_assignments WHERE run_id = ? ORDER BY comment_id", [run_id]
    ).df()


def add_seed_topic(
    cur: duckdb.DuckDBPyConnection,
    run_id: int,
    topic: dict[str, Any],
    members: np.ndarray,
) -> None:
    """Insert a seeded topic (label, keywords, representative_ids, min_similarity, centroid) and move
    the ``members`` comment ids to it (their similarity stays the one to the fitted topic)."""
    cur.execute(
        "INSERT INTO topics (run_id, topic_key, topic_index, label, fitted_label, keywords, size, representative_ids,"
        " min_similarity, centroid, origin, label_set_at) VALUES (?, ?, -1, ?, ?, ?, 0, ?, ?, ?, 'seed', ?)",
        [run_id, topic["topic_key"], topic["label"], topic["label"], topic["keywords_json"],
         list(topic["representative_ids"]), topic["min_similarity"], [float(x) for x in topic["centroid"]],
         topic["label_set_at"]],
    )
    cur.register("seed_members", pd.DataFrame({"comment_id": np.asarray(members, dtype=np.int64)}))
    cur.execute(
        "UPDATE topic_assignments a SET fitted_topic_key = CASE WHEN a.corrected THEN a.fitted_topic_key"
        " ELSE a.topic_key END, corrected = true, topic_key = ?"
        " FROM seed_members m WHERE a.run_id = ? AND a.comment_id = m.comment_id",
        [topic["topic_key"], run_id],
    )
    cur.unregister("seed_members")


def comments_mentioning(cur: duckdb.DuckDBPyConnection, run_id: int, phrases: Sequence[str]) -> np.ndarray:
    """Ids of the run's comments whose text contains any of ``phrases`` (case-insensitive)."""
    wanted = [phrase.lower() for phrase in phrases if phrase.strip()]
    if not wanted:
        return np.empty(0, dtype=np.int64)
    rows = cur.execute(
        "SELECT a.comment_id FROM topic_assignments a JOIN comments c ON c.id = a.comment_id"
        " WHERE a.run_id = ? AND EXISTS (SELECT 1 FROM unnest(?::VARCHAR[]) AS w(phrase)"
        " WHERE contains(lower(c.text), w.phrase))"
        " ORDER BY a.comment_id", [run_id, wanted],
    ).fetchall()
    return np.array([row[0] for row in rows], dtype=np.int64)


def recount_sizes(cur: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Topic sizes from the corrected fit-time assignments (a merged topic's size goes to its survivor)."""
    cur.execute(
        "UPDATE topics t SET size = coalesce((SELECT count(*) FROM topic_assignments a WHERE a.run_id = t.run_id"
        " AND a.topic_key = t.topic_key AND a.method = 'fit'), 0) WHERE t.run_id = ?", [run_id],
    )

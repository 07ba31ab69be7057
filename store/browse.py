"""Read queries the API pages through: comments with filters, newest first, by keyset.

Every value reaches DuckDB as a parameter; a text filter's ``%`` and ``_`` are escaped so they
match themselves. Only columns fit to publish are read: never ``author_hash`` or ``raw_text``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.db import Store
from store.embeddings import model_dim, vectors_table
from store.rows import records

_PUBLIC_COLUMNS = ("id", "source", "external_id", "created_at", "text", "lang")
_SELECT_PUBLIC = ", ".join(f"c.{name}" for name in _PUBLIC_COLUMNS) + ", a.topic_key"


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(
    *, start: datetime | None, end: datetime | None, source: str | None, query: str | None, topic_key: str | None
) -> tuple[list[str], list[Any]]:
    where, params = [], []
    for clause, value in (("c.created_at >= ?", start), ("c.created_at < ?", end), ("c.source = ?", source),
                          ("a.topic_key = ?", topic_key)):
        if value is not None:
            where.append(clause)
            params.append(value)
    if query:
        where.append("c.text ILIKE ? ESCAPE '\\'")
        params.append(_like_pattern(query))
    return where, params


def list_comments(
    store: Store,
    *,
    run_id: int | None = None,
    topic_key: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    source: str | None = None,
    query: str | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Comments in [start, end) newest first, at most ``limit``, after the keyset ``after``
    ((created_at, id) of the last row of the previous page), each with its topic in run ``run_id``.

    ``query`` matches a substring of the text, case-insensitively; ``topic_key`` keeps one
    topic's comments (it needs ``run_id``).
    """
    where, params = _filters(start=start, end=end, source=source, query=query, topic_key=topic_key)
    if after is not None:
        where.append("(c.created_at, c.id) < (?, ?)")
        params.extend(after)
    sql = (
        f"SELECT {_SELECT_PUBLIC} FROM comments c"
        " LEFT JOIN topic_assignments a ON a.run_id = ? AND a.comment_id = c.id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY c.created_at DESC, c.id DESC LIMIT ?"
    with store.cursor() as cur:
        return records(cur.execute(sql, [run_id, *params, limit]))


def comment_span(store: Store) -> tuple[datetime | None, datetime | None]:
    """When the first and the newest comment were posted; (None, None) for an empty store."""
    with store.cursor() as cur:
        first, last = cur.execute("SELECT min(created_at), max(created_at) FROM comments").fetchone()
    return first, last


def search_comments(
    store: Store,
    fingerprint: str,
    vector: list[float],
    *,
    run_id: int | None = None,
    topic_key: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    source: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]] | None:
    """The comments most similar to ``vector`` among those with a cached vector of model
    ``fingerprint``, best first, one per distinct text (its newest comment); None when that
    model has no vectors.

    DuckDB scores the cached vectors (``array_cosine_similarity``, one per distinct text) and
    keeps the best ``limit`` before joining them to their comments, so only those rows leave
    the database. Filters narrow the texts before they are ranked.
    """
    dim = model_dim(store, fingerprint)
    if dim is None:
        return None
    if len(vector) != dim:
        raise ValueError(f"the query vector has {len(vector)} dimensions; model {fingerprint} has {dim}")
    where, params = _filters(start=start, end=end, source=source, query=None, topic_key=topic_key)
    joined = "FROM comments c LEFT JOIN topic_assignments a ON a.run_id = ? AND a.comment_id = c.id"
    narrowed = " AND ".join(where) or "TRUE"
    candidates = f" AND e.text_hash IN (SELECT c.text_hash {joined} WHERE {narrowed})" if where else ""
    sql = (
        f"WITH best AS (SELECT e.text_hash, array_cosine_similarity(e.vector, ?::FLOAT[{int(dim)}]) AS score"
        f" FROM {vectors_table(dim)} e WHERE e.fingerprint = ?{candidates} ORDER BY score DESC LIMIT ?)"
        f" SELECT {_SELECT_PUBLIC}, best.score FROM best JOIN comments c ON c.text_hash = best.text_hash"
        " LEFT JOIN topic_assignments a ON a.run_id = ? AND a.comment_id = c.id"
        f" WHERE {narrowed}"
        " QUALIFY row_number() OVER (PARTITION BY c.text_hash ORDER BY c.created_at DESC, c.id DESC) = 1"
        " ORDER BY best.score DESC, c.id DESC"
    )
    candidate_params = [run_id, *params] if where else []
    with store.cursor() as cur:
        return records(cur.execute(sql, [vector, fingerprint, *candidate_params, limit, run_id, *params]))


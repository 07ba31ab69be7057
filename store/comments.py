"""Queries on comments, rejected rows and ingest batches: the only SQL ingestion runs."""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pyarrow as pa

from store.db import Store

# Columns a chunk of accepted comments carries, in this order (plus ``line`` for ordering).
COMMENT_COLUMNS = (
    "source",
    "external_id",
    "created_at",
    "text",
    "text_hash",
    "raw_text",
    "lang",
    "author_hash",
    "meta",
)
REJECTED_COLUMNS = ("line_number", "reason", "raw")

_SELECT = ", ".join(f"c.{name}" for name in COMMENT_COLUMNS)
# Duplicates are looked up with a semi join from the (large) table to the (small) chunk, so
# the hash tables are the chunk's size, not the table's: memory stays flat as comments grow.
_INSERT_BY_ID = f"""
INSERT INTO comments (batch_id, {", ".join(COMMENT_COLUMNS)})
WITH c AS (
    SELECT * FROM chunk WHERE external_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY source, external_id ORDER BY line) = 1),
seen AS (
    SELECT x.source, x.external_id FROM comments x
    SEMI JOIN c ON x.source = c.source AND x.external_id = c.external_id)
SELECT c.batch_id, {_SELECT}
FROM c ANTI JOIN seen ON seen.source = c.source AND seen.external_id = c.external_id
ORDER BY c.line
"""
_INSERT_BY_CONTENT = f"""
INSERT INTO comments (batch_id, {", ".join(COMMENT_COLUMNS)})
WITH c AS (
    SELECT * FROM chunk WHERE external_id IS NULL
    QUALIFY row_number() OVER (PARTITION BY source, text_hash, created_at ORDER BY line) = 1),
seen AS (
    SELECT x.source, x.text_hash, x.created_at FROM comments x
    SEMI JOIN c ON x.source = c.source AND x.text_hash = c.text_hash AND x.created_at = c.created_at)
SELECT c.batch_id, {_SELECT}
FROM c ANTI JOIN seen
    ON seen.source = c.source AND seen.text_hash = c.text_hash AND seen.created_at = c.created_at
ORDER BY c.line
"""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def finished_batch_with_checksum(store: Store, checksum: str) -> tuple[int, str | None] | None:
    """The id and encoding of a completed batch of the same file bytes, so a re-ingest can say so and stop."""
    with store.cursor() as cur:
        row = cur.execute(
            "SELECT id, encoding FROM ingest_batches WHERE checksum = ? AND status = 'done' ORDER BY id LIMIT 1",
            [checksum],
        ).fetchone()
    return None if row is None else (int(row[0]), row[1])


def start_batch(
    cur: duckdb.DuckDBPyConnection, *, source_file: str, checksum: str | None, fmt: str, encoding: str | None
) -> int:
    row = cur.execute(
        "INSERT INTO ingest_batches (source_file, checksum, format, encoding, started_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        [source_file, checksum, fmt, encoding, _now()],
    ).fetchall()
    return int(row[0][0])


def _insert_from(cur: duckdb.DuckDBPyConnection, table: pa.Table, sql: str) -> int:
    """Run an INSERT that reads ``table`` as ``chunk``; returns the rows inserted.

    Through a relation, not ``cur.register``: in DuckDB 2.0.1 a registered table stays alive
    until the cursor closes, so memory grew with the whole file (measured: ~10 MB a chunk).
    """
    return int(cur.from_arrow(table).query("chunk", sql).fetchall()[0][0])


def _with_batch(table: pa.Table, batch_id: int, **constants: str) -> pa.Table:
    table = table.append_column("batch_id", pa.array([batch_id] * table.num_rows, pa.int64()))
    for name, value in constants.items():
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
    return table


def insert_comments(cur: duckdb.DuckDBPyConnection, batch_id: int, chunk: pa.Table) -> int:
    """Insert the chunk's comments not already stored (by id, else by text and time); returns how many.

    Earlier chunks of the same batch are visible inside the transaction, so duplicates
    across chunks of one file are caught as well as duplicates of earlier batches.
    """
    chunk = _with_batch(chunk, batch_id)
    return sum(_insert_from(cur, chunk, sql) for sql in (_INSERT_BY_ID, _INSERT_BY_CONTENT))


def insert_rejected(cur: duckdb.DuckDBPyConnection, batch_id: int, source_file: str, rows: pa.Table) -> None:
    _insert_from(
        cur,
        _with_batch(rows, batch_id, source_file=source_file),
        "INSERT INTO rejected_rows (batch_id, source_file, line_number, reason, raw)"
        " SELECT batch_id, source_file, line_number, reason, raw FROM chunk ORDER BY line_number",
    )


def finish_batch(
    cur: duckdb.DuckDBPyConnection, batch_id: int, *, rows_read: int, accepted: int, duplicates: int, rejected: int
) -> None:
    cur.execute(
        "UPDATE ingest_batches SET finished_at = ?, rows_read = ?, accepted = ?, duplicates = ?,"
        " rejected = ?, status = 'done' WHERE id = ?",
        [_now(), rows_read, accepted, duplicates, rejected, batch_id],
    )


def record_failed_batch(store: Store, *, source_file: str, checksum: str | None, fmt: str, error: str) -> None:
    """Leave a trace of an ingest that rolled back, so an operator sees it in ingest_batches."""
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO ingest_batches (source_file, checksum, format, started_at, finished_at, status, error)"
            " VALUES (?, ?, ?, ?, ?, 'failed', ?)",
            [source_file, checksum, fmt, _now(), _now(), error[:2000]],
        )


def comment_count(store: Store) -> int:
    with store.cursor() as cur:
        return int(cur.execute("SELECT count(*) FROM comments").fetchone()[0])


def comment_overview(store: Store) -> dict:
    """Counts a person checks after loading data: comments, span, languages, sources, rejects."""
    with store.cursor() as cur:
        total, first, last, days = cur.execute(
            "SELECT count(*), min(created_at), max(created_at),"
            " count(DISTINCT CAST(timezone('UTC', created_at) AS DATE)) FROM comments"
        ).fetchone()
        languages = dict(cur.execute("SELECT lang, count(*) FROM comments GROUP BY lang ORDER BY 2 DESC").fetchall())
        sources = dict(cur.execute("SELECT source, count(*) FROM comments GROUP BY source ORDER BY 2 DESC").fetchall())
        rejected = int(cur.execute("SELECT count(*) FROM rejected_rows").fetchone()[0])
        batches = int(cur.execute("SELECT count(*) FROM ingest_batches WHERE status = 'done'").fetchone()[0])
    return {
        "comments": int(total),
        "first": first,
        "last": last,
        "days": int(days),
        "languages": languages,
        "sources": sources,
        "rejected": rejected,
        "batches": batches,
    }

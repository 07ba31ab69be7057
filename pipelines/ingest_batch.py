"""Writing one batch: accepted rows and rejections flushed a chunk at a time into ONE transaction,
so a crash leaves the whole batch or nothing, and the report of what was added and why rows were
turned away.

Python's working set is one chunk (``settings.ingest.batch_rows``); DuckDB keeps the uncommitted
batch (a few hundred bytes a comment) until the commit. A batch that fails is rolled back and
recorded as 'failed' with the error.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from config import Settings
from pipelines.ingest_columns import Columns
from pipelines.ingest_read import BadRecord, IngestError, Record
from pipelines.ingest_rows import RowBuilder
from store import Store
from store import comments as comment_store

log = logging.getLogger(__name__)

MAX_REASONS = 5
MAX_LISTED = 1000
"""Most rejections one report lists by position; the rest are counted (all are in rejected_rows)."""


@dataclass
class IngestReport:
    """What one file (or one API call) added, and why rows were turned away."""

    batch_id: int | None
    source_file: str
    rows_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)  # the first few, "line 12: empty text"
    reason_counts: dict[str, int] = field(default_factory=dict)  # by kind, "empty text": 3
    rejections: list[tuple[int, str]] = field(default_factory=list)  # (position, reason), the first MAX_LISTED
    rejections_not_listed: int = 0  # rejected rows beyond MAX_LISTED: len(rejections) + this == rejected
    format: str | None = None
    encoding: str | None = None
    already_ingested: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        if self.already_ingested:
            said = "".join(f"; {reason}" for reason in self.reasons)
            return f"{self.source_file}: already ingested as batch {self.batch_id} (same checksum); 0 rows added{said}"
        return (
            f"{self.source_file}: {self.rows_read} read, {self.accepted} accepted, "
            f"{self.duplicates} duplicate, {self.rejected} rejected ({self.seconds:.1f}s)"
        )


_COMMENT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("external_id", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("text", pa.string()),
        ("text_hash", pa.string()),
        ("raw_text", pa.string()),
        ("lang", pa.string()),
        ("author_hash", pa.string()),
        ("meta", pa.string()),
        ("line", pa.int64()),
    ]
)
_REJECTED_SCHEMA = pa.schema([("line_number", pa.int64()), ("reason", pa.string()), ("raw", pa.string())])


def _arrow(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    """Row tuples as one Arrow table, which DuckDB inserts from without a per-row round trip."""
    columns = zip(*rows)
    return pa.Table.from_arrays([pa.array(values, type=f.type) for values, f in zip(columns, schema)], schema=schema)


class Batch:
    """Collects rows and rejections, flushing a chunk at a time into the open transaction."""

    def __init__(
        self,
        cur: duckdb.DuckDBPyConnection,
        batch_id: int,
        source_file: str,
        chunk_rows: int,
        *,
        label: str,
        zero_based: bool,
    ) -> None:
        self.cur = cur
        self.label = label  # "line" or "record": how reasons name a position
        self.zero_based = zero_based  # API records are listed by 0-based index, file rows by their line
        self.batch_id = batch_id
        self.source_file = source_file
        self.chunk_rows = chunk_rows
        self.rows: list[tuple] = []
        self.rejected_rows: list[tuple[int, str, str]] = []
        self.rows_read = self.accepted = self.offered = self.rejected = 0
        self.reason_counts: Counter[str] = Counter()
        self.reasons: list[str] = []
        self.rejections: list[tuple[int, str]] = []

    def add(self, line: int, row: tuple) -> None:
        self.rows_read += 1
        self.rows.append((*row, line))
        if len(self.rows) >= self.chunk_rows:
            self.flush()

    def reject(self, line: int, reason: str, raw: str) -> None:
        self.rows_read += 1
        self.rejected += 1
        self.reason_counts[reason.split(":")[0]] += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(f"{self.label} {line}: {reason}")
        if len(self.rejections) < MAX_LISTED:
            self.rejections.append((line - 1 if self.zero_based else line, reason))
        self.rejected_rows.append((line, reason, raw))
        if len(self.rejected_rows) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.offered += len(self.rows)
            self.accepted += comment_store.insert_comments(self.cur, self.batch_id, _arrow(self.rows, _COMMENT_SCHEMA))
            self.rows = []
        if self.rejected_rows:
            table = _arrow(self.rejected_rows, _REJECTED_SCHEMA)
            comment_store.insert_rejected(self.cur, self.batch_id, self.source_file, table)
            self.rejected_rows = []

    def report(self, **extra: Any) -> IngestReport:
        return IngestReport(
            batch_id=self.batch_id,
            source_file=self.source_file,
            rows_read=self.rows_read,
            accepted=self.accepted,
            duplicates=self.offered - self.accepted,
            rejected=self.rejected,
            reasons=self.reasons,
            reason_counts=dict(self.reason_counts),
            rejections=self.rejections,
            rejections_not_listed=self.rejected - len(self.rejections),
            **extra,
        )

    def finish(self) -> None:
        self.flush()
        comment_store.finish_batch(
            self.cur,
            self.batch_id,
            rows_read=self.rows_read,
            accepted=self.accepted,
            duplicates=self.offered - self.accepted,
            rejected=self.rejected,
        )


def run_batch(
    settings: Settings,
    store: Store,
    builder: RowBuilder,
    records: Iterator[Record],
    columns: Columns | None,
    *,
    source_file: str,
    checksum: str | None,
    fmt: str,
    encoding: str | None,
    label: str,
    zero_based: bool = False,
) -> IngestReport:
    """Validate and insert every record in one transaction; on failure leave a 'failed' batch row."""
    records = _readable(records, source_file, label)
    try:
        with store.transaction() as cur:
            batch_id = comment_store.start_batch(cur, source_file=source_file, checksum=checksum, fmt=fmt, encoding=encoding)
            batch = Batch(
                cur, batch_id, source_file, settings.ingest.batch_rows, label=label, zero_based=zero_based
            )
            for line, record, raw in records:
                if isinstance(record, BadRecord):
                    batch.reject(line, str(record), builder.raw_for_person(raw))
                    continue
                row_columns = columns or builder.columns(tuple(record))
                try:
                    batch.add(line, builder.row(record, row_columns))
                except BadRecord as reason:
                    batch.reject(line, str(reason), builder.raw_for_person(record, row_columns))
            batch.finish()
    except IngestError:
        raise
    except Exception as exc:
        log.error("ingest of %s failed and was rolled back: %s", source_file, exc)
        try:
            comment_store.record_failed_batch(store, source_file=source_file, checksum=checksum, fmt=fmt, error=repr(exc))
        except duckdb.Error as record_error:
            log.error("could not record the failed batch: %s", record_error)
        raise
    return batch.report(format=fmt, encoding=encoding)


def _readable(records: Iterator[Record], where: str, label: str) -> Iterator[Record]:
    """The records, with a file that breaks off midway (truncated gzip, corrupt Parquet) made an IngestError."""
    line = 0
    try:
        for item in records:
            line = item[0]
            yield item
    except (OSError, EOFError, pa.ArrowException) as exc:
        raise IngestError(
            f"{where}: cannot read past {label} {line} ({exc}); nothing was added. Check that the file is complete."
        ) from exc

"""Ingestion: comment files (CSV/TSV, JSONL, JSON array, Parquet, each optionally gzipped) and API records.

Every file is read as a stream of records, ``settings.ingest.batch_rows`` at a time, so memory
stays bounded however large the file. Each record is validated and normalised
(``models.text``); good ones are inserted in chunks, bad ones go to ``rejected_rows`` with their
line (or record) number and reason. All chunks of one file share ONE transaction, so a crash
leaves the whole batch or nothing. Python's working set is one chunk; DuckDB keeps the
uncommitted batch (a few hundred bytes a comment) until the commit.

Only a file that cannot be used at all (unreadable, no text or timestamp column) raises
``IngestError``; anything else is a rejected row and the good rows still load.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import io
import json
import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from models.text import detect_language, fold_diacritics, normalise_text, redact, text_hash
from pipelines.ingest_read import (
    UNDECODABLE,
    BadRecord,
    IngestError,
    Record,
    csv_records,
    detect_encoding,
    detect_format,
    file_checksum,
    json_array_records,
    jsonl_records,
    open_parquet,
    parquet_records,
    read_head,
    text_stream,
)
from config import Settings
from store import Store
from store import comments as comment_store
from store.dates import NEWEST, OLDEST, SPAN_WORDS

__all__ = ["IngestError", "IngestReport", "detect_encoding", "ingest_file", "ingest_records", "parse_timestamp"]

log = logging.getLogger(__name__)

# Column names tried in order, compared after lower-casing and folding diacritics ("Nội dung" → noi_dung).
TEXT_COLUMNS = ("text", "content", "comment", "noi_dung", "message", "body", "binh_luan", "comment_text", "title")
TIME_COLUMNS = ("created_at", "timestamp", "date", "time", "datetime", "created_time", "published_at", "thoi_gian", "ngay")
ID_COLUMNS = ("id", "external_id", "comment_id")
SOURCE_COLUMNS = ("source", "channel", "platform", "nguon")
AUTHOR_COLUMNS = ("author", "user", "username", "user_name", "author_name", "author_id", "user_id")
# Identity columns that never reach meta: authors are hashed, these are simply not kept.
IDENTITY_COLUMNS = frozenset(
    ("email", "e_mail", "phone", "phone_number", "sdt", "so_dien_thoai", "name", "full_name", "ho_ten",
     "profile_url", "avatar", "ip", "ip_address")
)

DEFAULT_SOURCE = "unknown"
MAX_REASONS = 5
MAX_LISTED = 1000
"""Most rejections one report lists by position; the rest are counted (all are in rejected_rows)."""
_RAW_CHARS = 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


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


# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class _Columns:
    """Which input field plays which role; everything else goes to meta."""

    text: str | None
    created_at: str | None
    external_id: str | None
    source: str | None
    author: str | None
    meta: tuple[str, ...]
    dropped: tuple[str, ...]

    @classmethod
    def from_names(cls, names: Iterable[str]) -> _Columns:
        names = list(names)
        by_key: dict[str, str] = {}
        for name in names:
            by_key.setdefault(_column_key(name), name)

        def pick(candidates: tuple[str, ...]) -> str | None:
            return next((by_key[c] for c in candidates if c in by_key), None)

        roles = {
            "text": pick(TEXT_COLUMNS),
            "created_at": pick(TIME_COLUMNS),
            "external_id": pick(ID_COLUMNS),
            "source": pick(SOURCE_COLUMNS),
            "author": pick(AUTHOR_COLUMNS),
        }
        mapped = {name for name in roles.values() if name}
        dropped = tuple(n for n in names if n not in mapped and _column_key(n) in IDENTITY_COLUMNS)
        meta = tuple(n for n in names if n not in mapped and n not in dropped and n != "")
        return cls(meta=meta, dropped=dropped, **roles)

    def check_usable(self, where: str) -> None:
        if self.text is None:
            raise IngestError(
                f"{where}: no text column. Name the column holding the comment one of "
                f"{', '.join(TEXT_COLUMNS)}."
            )
        if self.created_at is None:
            raise IngestError(
                f"{where}: no timestamp column. Name the column holding the comment time one of "
                f"{', '.join(TIME_COLUMNS)}."
            )


def _column_key(name: str) -> str:
    folded = fold_diacritics(unicodedata.normalize("NFC", str(name)).strip().lower())
    return re.sub(r"[\s\-]+", "_", folded.lstrip("\ufeff"))


# ---------------------------------------------------------------- values


def parse_timestamp(value: Any, tz: ZoneInfo) -> datetime:
    """An aware datetime from ISO 8601, epoch s or ms, dd/mm/yyyy [HH:MM[:SS]] or a datetime.

    Naive values are taken in ``tz``. Raises ``BadRecord`` with the reason otherwise.
    """
    if isinstance(value, bool) or value is None:
        raise BadRecord("missing timestamp" if value is None else "wrong type: timestamp is a boolean")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)):
        moment = _from_epoch(value)
    elif isinstance(value, str):
        moment = _parse_timestamp_text(value.strip())
    else:
        raise BadRecord(f"wrong type: timestamp is {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if not OLDEST <= moment < NEWEST:
        raise BadRecord(f"timestamp out of range ({SPAN_WORDS}): {str(value)[:40]!r}")
    return moment


def _parse_timestamp_text(text: str) -> datetime:
    if not text:
        raise BadRecord("missing timestamp")
    try:
        if _NUMBER.fullmatch(text):
            return _from_epoch(float(text))
        for pattern, order in ((_DMY, (2, 1, 0)), (_YMD_SLASH, (0, 1, 2))):
            match = pattern.fullmatch(text)
            if match:
                parts = match.groups()
                year, month, day = (int(parts[i]) for i in order)
                clock = [int(p) if p else 0 for p in parts[3:]]
                return datetime(year, month, day, *clock)
        return datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise BadRecord(f"unparseable timestamp: {text[:40]!r}") from None


def _from_epoch(number: float) -> datetime:
    """Epoch seconds, or milliseconds when the number is too large to be seconds (after 5138)."""
    seconds = number / 1000 if abs(number) >= 1e11 else number
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise BadRecord(f"timestamp out of range ({SPAN_WORDS}): {number!r}") from None


def _optional_text(value: Any, role: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (bool, float, list, dict)):
        raise BadRecord(f"wrong type: {role} is {type(value).__name__}")
    text = str(value).strip()
    return text or None


# ---------------------------------------------------------------- record → row


def _undecodable_reason(encoding: str | None) -> str:
    """Why a row with bytes its file's encoding cannot read is rejected; UTF-8 says so by name."""
    if encoding is not None and codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return "invalid UTF-8: bytes in this row are not UTF-8 (the file's other rows are)"
    return f"bytes not valid in the file's encoding ({encoding}); give --encoding?"


class _RowBuilder:
    """Turns records into comment columns, or a rejection reason, under one settings object."""

    def __init__(self, settings: Settings, default_source: str, encoding: str | None = None) -> None:
        ingest = settings.ingest
        self.undecodable = _undecodable_reason(encoding)
        self.tz = ZoneInfo(ingest.timezone)
        self.max_chars = ingest.max_text_chars
        self.redact_pii = ingest.redact_pii
        self.keep_raw = ingest.keep_raw_text
        self.default_source = default_source
        key = ingest.author_hash_key
        self.author_key = key.get_secret_value().encode("utf-8") if key else None
        self._columns_cache: dict[tuple[str, ...], _Columns] = {}
        self.authors_dropped = False
        self.identities_seen = False  # an author or identity column: raw lines are then withheld

    def columns(self, names: tuple[str, ...]) -> _Columns:
        found = self._columns_cache.get(names)
        if found is None:
            found = self._columns_cache[names] = _Columns.from_names(names)
            self.identities_seen |= bool(found.author or found.dropped)
        return found

    def row(self, record: dict, columns: _Columns) -> tuple:
        """The comment's column values in ``COMMENT_COLUMNS`` order; raises ``BadRecord``."""
        if columns.text is None or columns.text not in record:
            raise BadRecord("missing text field")
        raw = record[columns.text]
        if raw is None:
            raise BadRecord("empty text")
        if not isinstance(raw, str):
            raise BadRecord(f"wrong type: text is {type(raw).__name__}")
        if any(isinstance(value, str) and UNDECODABLE in value for value in record.values()):
            raise BadRecord(self.undecodable)
        text = normalise_text(raw, redact_pii=self.redact_pii)
        if not text:
            raise BadRecord("empty text")
        if len(text) > self.max_chars:
            raise BadRecord(f"text longer than {self.max_chars} characters ({len(text)})")
        created = parse_timestamp(record.get(columns.created_at) if columns.created_at else None, self.tz)
        external_id = _optional_text(record.get(columns.external_id), "id") if columns.external_id else None
        source = _optional_text(record.get(columns.source), "source") if columns.source else None
        author = _optional_text(record.get(columns.author), "author") if columns.author else None
        return (
            source or self.default_source,
            external_id,
            (created - _EPOCH) // timedelta(microseconds=1),
            text,
            text_hash(text),
            raw if self.keep_raw else None,
            detect_language(text),
            self._author_hash(author),
            self._meta(record, columns),
        )

    def _author_hash(self, author: str | None) -> str | None:
        if author is None:
            return None
        if self.author_key is None:
            if not self.authors_dropped:
                log.info("author column present but ingest.author_hash_key is unset: authors are dropped")
                self.authors_dropped = True
            return None
        return hmac.new(self.author_key, author.encode("utf-8"), hashlib.sha256).hexdigest()

    def _meta(self, record: dict, columns: _Columns) -> str | None:
        meta = {}
        for name in columns.meta:
            value = record.get(name)
            if value is None or value == "":
                continue
            if isinstance(value, str):
                value = unicodedata.normalize("NFC", value)
                if self.redact_pii:
                    value = redact(value)
            meta[name] = value
        return json.dumps(meta, ensure_ascii=False, default=str) if meta else None

    def raw_for_person(self, record: Any, columns: _Columns | None = None) -> str:
        """The rejected record as text a person can fix, redacted like comments are.

        Author and identity fields are left out. A line that could not be split into fields
        is withheld when the file has such columns, since we cannot tell where they are; its
        line number still leads a person to it.
        """
        if isinstance(record, dict) and columns is not None:
            hidden = {columns.author, *columns.dropped}
            record = {k: ("<withheld>" if k in hidden else v) for k, v in record.items()}
        elif isinstance(record, str) and self.identities_seen:
            return "<withheld: the file has author or identity columns>"
        text = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False, default=str)
        text = text.replace(UNDECODABLE, "\ufffd")[:_RAW_CHARS]
        return redact(text) if self.redact_pii else text


# ---------------------------------------------------------------- chunks and the batch


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


class _Batch:
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


# ---------------------------------------------------------------- public entry points


def ingest_file(
    settings: Settings,
    store: Store,
    path: Path | str,
    *,
    encoding: str | None = None,
    source: str | None = None,
    source_file: str | None = None,
) -> IngestReport:
    """Load one comment file into the store as one atomic batch.

    ``encoding`` overrides detection for text formats; ``source`` names the channel for rows
    that have no source column; ``source_file`` is the name recorded for the batch and its
    rejected rows (default: the path; the service passes an upload's sanitised name). Raises
    IngestError when the file cannot be used at all.
    """
    path = Path(path)
    where = source_file or str(path)
    started = time.perf_counter()
    if not path.is_file():
        raise IngestError(f"{path}: no such file. Check the path.")
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise IngestError(f"unknown encoding {encoding!r}. Use e.g. utf-8, utf-16, cp1258.") from None
    checksum = file_checksum(path)
    previous = comment_store.finished_batch_with_checksum(store, checksum)
    if previous is not None:
        return _already_ingested(where, *previous, asked=encoding)

    head = read_head(path)
    fmt = detect_format(path, head)
    used_encoding = None if fmt == "parquet" else encoding or detect_encoding(head)
    builder = _RowBuilder(settings, source or DEFAULT_SOURCE, used_encoding)
    with ExitStack() as stack:
        if fmt == "parquet":
            parquet = open_parquet(path, stack)
            columns = builder.columns(tuple(parquet.schema_arrow.names))
            columns.check_usable(where)
            records = parquet_records(parquet, settings.ingest.batch_rows)
        else:
            stream = stack.enter_context(text_stream(path, used_encoding))
            columns, records = _open_text_records(fmt, stream, where, builder)
        report = _run_batch(
            settings,
            store,
            builder,
            records,
            columns,
            source_file=where,
            checksum=checksum,
            fmt=fmt,
            encoding=used_encoding,
            label="line" if fmt in ("csv", "jsonl") else "record",
        )
    report.seconds = time.perf_counter() - started
    log.info("%s", report.summary())
    return report


def _already_ingested(where: str, batch_id: int, read_as: str | None, *, asked: str | None) -> IngestReport:
    """The report for bytes ingested before; a different encoding asked for is said, not ignored,
    since the stored text is what the first decoding made of the bytes."""
    log.info("%s was already ingested as batch %d; skipping", where, batch_id)
    report = IngestReport(batch_id=batch_id, source_file=where, already_ingested=True, encoding=read_as)
    if asked is not None and read_as is not None and codecs.lookup(read_as).name != asked:
        report.reasons.append(
            f"encoding not applied: these bytes were read as {read_as} in batch {batch_id}, and that text is kept; "
            f"they were not read again as {asked}"
        )
        log.warning("%s: %s", where, report.reasons[-1])
    return report


def _open_text_records(
    fmt: str, stream: io.TextIOWrapper, where: str, builder: _RowBuilder
) -> tuple[_Columns | None, Iterator[Record]]:
    """The record stream, and the column roles when the format fixes them up front (CSV)."""
    if fmt == "csv":
        header, records = csv_records(stream, where)
        columns = builder.columns(tuple(header))
        columns.check_usable(where)
        return columns, records
    records = jsonl_records(stream) if fmt == "jsonl" else json_array_records(stream, where)
    return None, _checked_records(records, builder, where)


def _run_batch(
    settings: Settings,
    store: Store,
    builder: _RowBuilder,
    records: Iterator[Record],
    columns: _Columns | None,
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
            batch = _Batch(
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


def _checked_records(records: Iterator[Record], builder: _RowBuilder, where: str) -> Iterator[Record]:
    """The records, after checking that the first good one has text and time fields (JSON formats)."""
    checked = False
    for line, record, raw in records:
        if not checked and isinstance(record, dict):
            builder.columns(tuple(record)).check_usable(f"{where} (record {line})")
            checked = True
        yield line, record, raw
    if not checked:
        raise IngestError(f"{where}: no JSON object found. Give one object per line, or an array of objects.")


def ingest_records(
    settings: Settings, store: Store, records: Iterable[dict], *, source_file: str = "api", source: str | None = None
) -> IngestReport:
    """Load API records (dicts shaped like a file's rows) as one atomic batch.

    Bad records are reported in ``rejections`` as (0-based index, reason) and stored in
    rejected_rows; they never block the good ones.
    """
    started = time.perf_counter()
    builder = _RowBuilder(settings, source or DEFAULT_SOURCE)

    def numbered() -> Iterator[Record]:
        for number, record in enumerate(records, start=1):
            if isinstance(record, dict):
                yield number, record, None
            else:
                yield number, BadRecord(f"wrong type: record is {type(record).__name__}, expected an object"), record

    report = _run_batch(
        settings,
        store,
        builder,
        numbered(),
        None,
        source_file=source_file,
        checksum=None,
        fmt="records",
        encoding=None,
        label="record",
        zero_based=True,
    )
    report.seconds = time.perf_counter() - started
    return report

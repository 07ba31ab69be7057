"""Ingestion: comment files (CSV/TSV, JSONL, JSON array, Parquet, each optionally gzipped) and API records.

Every file is read as a stream of records, ``settings.ingest.batch_rows`` at a time, so memory
stays bounded however large the file. Each record is validated and normalised
(``models.text``); good ones are inserted in chunks, bad ones go to ``rejected_rows`` with their
line (or record) number and reason. All chunks of one file share ONE transaction, so a crash
leaves the whole batch or nothing.

One module per step: reading files (``ingest_read``), column roles (``ingest_columns``),
timestamps (``ingest_time``), row building (``ingest_rows``) and batch writing (``ingest_batch``);
this one holds the two entry points, ``ingest_file`` and ``ingest_records``.

Only a file that cannot be used at all (unreadable, no text or timestamp column) raises
``IngestError``; anything else is a rejected row and the good rows still load.
"""

from __future__ import annotations

import codecs
import io
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path

from config import Settings
from pipelines.ingest_batch import IngestReport, run_batch
from pipelines.ingest_columns import Columns
from pipelines.ingest_read import (
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
from pipelines.ingest_rows import RowBuilder
from pipelines.ingest_time import parse_timestamp
from store import Store
from store import comments as comment_store

__all__ = ["IngestError", "IngestReport", "detect_encoding", "ingest_file", "ingest_records", "parse_timestamp"]

log = logging.getLogger(__name__)

DEFAULT_SOURCE = "unknown"


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
    builder = RowBuilder(settings, source or DEFAULT_SOURCE, used_encoding)
    with ExitStack() as stack:
        if fmt == "parquet":
            parquet = open_parquet(path, stack)
            columns = builder.columns(tuple(parquet.schema_arrow.names))
            columns.check_usable(where)
            records = parquet_records(parquet, settings.ingest.batch_rows)
        else:
            stream = stack.enter_context(text_stream(path, used_encoding))
            columns, records = _open_text_records(fmt, stream, where, builder)
        report = run_batch(
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
    fmt: str, stream: io.TextIOWrapper, where: str, builder: RowBuilder
) -> tuple[Columns | None, Iterator[Record]]:
    """The record stream, and the column roles when the format fixes them up front (CSV)."""
    if fmt == "csv":
        header, records = csv_records(stream, where)
        columns = builder.columns(tuple(header))
        columns.check_usable(where)
        return columns, records
    records = jsonl_records(stream) if fmt == "jsonl" else json_array_records(stream, where)
    return None, _checked_records(records, builder, where)


def _checked_records(records: Iterator[Record], builder: RowBuilder, where: str) -> Iterator[Record]:
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
    builder = RowBuilder(settings, source or DEFAULT_SOURCE)

    def numbered() -> Iterator[Record]:
        for number, record in enumerate(records, start=1):
            if isinstance(record, dict):
                yield number, record, None
            else:
                yield number, BadRecord(f"wrong type: record is {type(record).__name__}, expected an object"), record

    report = run_batch(
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

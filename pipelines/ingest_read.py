"""Reading comment files as streams of records: format and encoding detection, one reader per format.

Readers never load a file whole. Each yields ``(line, record, raw)``: ``line`` is the 1-based line
(CSV, JSON Lines) or record number (JSON array, Parquet); ``record`` is a dict, or a
``BadRecord`` whose message is why the row cannot be used; ``raw`` is what a person needs to
fix a bad row. A file that cannot be read at all raises ``IngestError``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from config.errors import TopicPulseError
from models.text import detect_language

_READ_BYTES = 1 << 20
UNDECODABLE = "\udcff"  # what our codec error handler puts for bytes the encoding cannot read


class IngestError(TopicPulseError, ValueError):
    """The whole input is unusable; the message says what to fix."""


class BadRecord(Exception):
    """One record is bad; its message is the reason stored in rejected_rows."""


def _mark_undecodable(error: UnicodeError) -> tuple[str, int]:
    return UNDECODABLE, error.end  # type: ignore[attr-defined]


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_READ_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped when it starts with the gzip magic number."""
    handle = path.open("rb")
    if handle.read(2) == b"\x1f\x8b":
        handle.seek(0)
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    handle.seek(0)
    return handle


def read_head(path: Path, size: int = 65536) -> bytes:
    try:
        with _open_bytes(path) as handle:
            return handle.read(size)
    except (OSError, EOFError) as exc:
        raise IngestError(f"{path}: cannot read the file ({exc}). Check that it is a complete, readable file.") from exc


def detect_format(path: Path, head: bytes) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    suffix = suffixes[-1] if suffixes else ""
    if head.startswith(b"PAR1") or suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    start = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")[:1]
    if start == b"[":
        return "json"
    if start == b"{":
        return "jsonl"
    if suffix == ".json":
        raise IngestError(f"{path}: a .json file must hold an array of objects or one object per line.")
    return "csv"


def detect_encoding(head: bytes) -> str:
    """BOM, then UTF-8 when the bytes are UTF-8 (a few invalid bytes allowed: their rows are rejected),
    then Windows-1258 if that reads as Vietnamese, then charset-normalizer.

    The decision is made once per file, on the evidence of its head: a file whose non-ASCII bytes
    nearly all form valid UTF-8 sequences is UTF-8 with damage, not a Windows code page, because
    legacy code-page text almost never forms valid UTF-8 sequences by chance. Decoding such a
    file whole as another code page would store every good row garbled.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if sample and sample.count(0) > len(sample) // 4:
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    valid, invalid = utf8_evidence(head)
    if invalid == 0 or valid >= UTF8_VALID_PER_INVALID * invalid:
        return "utf-8"
    legacy = unicodedata.normalize("NFC", head.decode("cp1258", errors="replace"))
    if detect_language(legacy) == "vi":
        return "cp1258"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    return best.encoding if best is not None else "cp1258"


UTF8_VALID_PER_INVALID = 10
"""Valid multi-byte UTF-8 characters needed per invalid byte for a file to count as damaged UTF-8."""


def utf8_evidence(head: bytes) -> tuple[int, int]:
    """How many multi-byte UTF-8 characters ``head`` holds, and how many of its bytes are not UTF-8.

    A sequence cut off by the end of ``head`` counts as neither.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    text = decoder.decode(head, final=False)
    invalid = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    valid = sum(1 for ch in text if ch > "\x7f") - invalid
    return valid, invalid


@contextmanager
def text_stream(path: Path, encoding: str) -> Iterator[io.TextIOWrapper]:
    codecs.register_error("topicpulse-undecodable", _mark_undecodable)
    with _open_bytes(path) as raw:
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="topicpulse-undecodable", newline="")
        try:
            yield stream
        finally:
            stream.detach()


Record = tuple[int, "dict | BadRecord", Any]  # (line, record or why it is bad, raw for rejected_rows)


class _LineTap:
    """Feeds lines to csv.reader and keeps those of the current record, for rejected_rows.raw."""

    def __init__(self, stream: io.TextIOWrapper) -> None:
        self.stream = stream
        self.lines: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self.stream)
        self.lines.append(line)
        return line


def csv_records(stream: io.TextIOWrapper, where: str) -> tuple[list[str], Iterator[Record]]:
    sample = stream.read(8192)
    stream.seek(0)
    first_line = sample.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(sample[: sample.rfind("\n") + 1] or sample, delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    tap = _LineTap(stream)
    reader = csv.reader(tap, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise IngestError(f"{where}: the file is empty. Give it a header row and comments.") from None
    except csv.Error as exc:
        raise IngestError(f"{where}: cannot read the header row ({exc}). Fix its quoting.") from None
    header = [unicodedata.normalize("NFC", h).lstrip("\ufeff").strip() for h in header]

    def records() -> Iterator[Record]:
        line = reader.line_num
        while True:
            start = line + 1
            tap.lines.clear()
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = reader.line_num
                span = f"lines {start}–{line}" if line > start else f"line {start}"
                yield start, BadRecord(f"broken quoting: {exc} ({span})"), "".join(tap.lines)
                continue
            line = reader.line_num
            if not fields:
                continue  # blank line
            if len(fields) != len(header):
                yield start, BadRecord(
                    f"broken quoting: {len(fields)} fields where the header has {len(header)}"
                ), delimiter.join(fields)
                continue
            yield start, dict(zip(header, fields)), None

    return header, records()


def jsonl_records(stream: io.TextIOWrapper) -> Iterator[Record]:
    for number, line in enumerate(stream, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            record = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield number, BadRecord(f"invalid JSON: {exc.msg}"), stripped
            continue
        if not isinstance(record, dict):
            yield number, BadRecord(f"wrong type: record is a JSON {type(record).__name__}, expected an object"), stripped
            continue
        yield number, record, None


def json_array_records(stream: io.TextIOWrapper, where: str) -> Iterator[Record]:
    """Elements of a top-level JSON array, decoded one at a time from a sliding buffer."""
    decoder = json.JSONDecoder()
    buffer, pos, eof = "", 0, False

    def fill() -> None:
        nonlocal buffer, pos, eof
        block = stream.read(_READ_BYTES)
        eof = not block
        buffer, pos = buffer[pos:] + block, 0

    def skip_space() -> str:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buffer) or eof:
                return buffer[pos] if pos < len(buffer) else ""
            fill()

    fill()
    if skip_space() != "[":
        raise IngestError(f"{where}: not a JSON array. Use an array of objects, or JSON Lines.")
    pos += 1
    index = 0
    while True:
        if len(buffer) - pos < _READ_BYTES and not eof:
            fill()
        first = skip_space()
        if first == "]":
            return
        if first == "":
            yield index + 1, BadRecord("invalid JSON: the array is not closed (truncated file?)"), ""
            return
        try:
            record, end = decoder.raw_decode(buffer, pos)
        except json.JSONDecodeError as exc:
            if not eof:
                fill()
                continue
            if index == 0:
                raise IngestError(f"{where}: not valid JSON ({exc}). Fix the file or export it again.") from None
            yield index + 1, BadRecord(f"invalid JSON: {exc.msg}; the rest of the array cannot be read"), buffer[pos : pos + 200]
            return
        index += 1
        pos = end
        if isinstance(record, dict):
            yield index, record, None
        else:
            yield index, BadRecord(f"wrong type: record is a JSON {type(record).__name__}, expected an object"), record


def parquet_records(parquet: pq.ParquetFile, rows: int) -> Iterator[Record]:
    index = 0
    for batch in parquet.iter_batches(batch_size=rows):
        for record in batch.to_pylist():
            index += 1
            yield index, record, None


def open_parquet(path: Path, stack: ExitStack) -> pq.ParquetFile:
    """A Parquet file; a gzipped one is first unpacked to a temporary file (Parquet needs seeking)."""
    try:
        with path.open("rb") as handle:
            gzipped = handle.read(2) == b"\x1f\x8b"
        if not gzipped:
            return pq.ParquetFile(str(path))
        spooled = stack.enter_context(tempfile.TemporaryFile())
        with _open_bytes(path) as raw:
            shutil.copyfileobj(raw, spooled, _READ_BYTES)
        spooled.seek(0)
        return pq.ParquetFile(spooled)
    except (OSError, pa.ArrowException) as exc:
        raise IngestError(f"{path}: not a readable Parquet file ({exc}). Export it again.") from exc

"""One record to one comment row: text normalised and redacted, timestamp parsed, author hashed
(or dropped), the other fields kept as meta; or the reason the record is rejected.

Rejected records are also turned into text a person can fix (``RowBuilder.raw_for_person``),
redacted like comments are and without author or identity fields.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import json
import logging
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from config import Settings
from models.text import detect_language, normalise_text, redact, text_hash
from pipelines.ingest_columns import Columns
from pipelines.ingest_read import UNDECODABLE, BadRecord
from pipelines.ingest_time import parse_timestamp

log = logging.getLogger(__name__)

_RAW_CHARS = 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _optional_text(value: Any, role: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (bool, float, list, dict)):
        raise BadRecord(f"wrong type: {role} is {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _undecodable_reason(encoding: str | None) -> str:
    """Why a row with bytes its file's encoding cannot read is rejected; UTF-8 says so by name."""
    if encoding is not None and codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return "invalid UTF-8: bytes in this row are not UTF-8 (the file's other rows are)"
    return f"bytes not valid in the file's encoding ({encoding}); give --encoding?"


class RowBuilder:
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
        self._columns_cache: dict[tuple[str, ...], Columns] = {}
        self.authors_dropped = False
        self.identities_seen = False  # an author or identity column: raw lines are then withheld

    def columns(self, names: tuple[str, ...]) -> Columns:
        found = self._columns_cache.get(names)
        if found is None:
            found = self._columns_cache[names] = Columns.from_names(names)
            self.identities_seen |= bool(found.author or found.dropped)
        return found

    def row(self, record: dict, columns: Columns) -> tuple:
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

    def _meta(self, record: dict, columns: Columns) -> str | None:
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

    def raw_for_person(self, record: Any, columns: Columns | None = None) -> str:
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

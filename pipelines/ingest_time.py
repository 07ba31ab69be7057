"""Comment timestamps: the forms people's exports use (ISO 8601, epoch seconds or milliseconds,
dd/mm/yyyy [HH:MM[:SS]]), naive ones taken in the configured zone, all within the store's span."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from pipelines.ingest_read import BadRecord
from store.dates import NEWEST, OLDEST, SPAN_WORDS

_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


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

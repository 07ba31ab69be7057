"""The span of time TopicPulse holds comments for: posted from 1990-01-01 to 2099-12-31.

One span for every layer: ingest rejects a timestamp outside it (an epoch of 0, or a yyyymmdd read
as seconds, lands before 1990), the API refuses a date outside it with 422, and volume series are
cut to it, so no date a caller picks can overflow a calendar or zero-fill a series to year 9999.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2099, 12, 31)
OLDEST = datetime(1990, 1, 1, tzinfo=UTC)
"""The earliest moment a comment may be posted (included)."""
NEWEST = datetime(2100, 1, 1, tzinfo=UTC)
"""The end of the span (excluded)."""
SPAN_WORDS = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def clamp_day(day: date) -> date:
    """``day`` moved into the span, for queries whose bounds a caller chose."""
    return min(max(day, FIRST_DAY), LAST_DAY)

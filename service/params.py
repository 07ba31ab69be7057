"""Date and time parameters as the API takes them: ISO 8601 text inside the store's span of days.

Left to pydantic, ``end=0`` would be 1970-01-01 (a Unix time) and any year up to 9999 would reach
the queries. Here a day is ``YYYY-MM-DD`` and a moment RFC 3339 with its UTC offset, both in
1990-01-01 .. 2099-12-31 (``store.dates``), anything else is a 422 naming the field, and the
schema states the same rule as a pattern, so clients generated from it and the server agree.
Rules between two parameters (``end`` after ``start``, a window's longest span) cannot be
written in a schema; ``check_order`` enforces them and each parameter's description states them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import HTTPException
from pydantic import BeforeValidator, WithJsonSchema

from store.dates import SPAN_WORDS

_YEAR = r"(?:199\d|20\d\d)"
_LEAP_YEAR = r"(?:199[26]|20(?:[02468][048]|[13579][26]))"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))"
)
_DAY = rf"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
DAY_PATTERN = rf"^{_DAY}$"
"""A real calendar day from 1990-01-01 to 2099-12-31, written YYYY-MM-DD."""
MOMENT_PATTERN = rf"^{_DAY}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{{1,6}})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$"
"""RFC 3339 date-time with seconds and an offset, on such a day (``T`` and ``Z`` in capitals)."""

POSTED_PATTERN = (
    rf"^{_DAY}[Tt ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{{1,6}})?)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$"
)
"""ISO 8601 date-time on such a day, seconds and offset optional (no offset: ``ingest.timezone``)."""

_DAY_RE = re.compile(DAY_PATTERN)
_MOMENT_RE = re.compile(MOMENT_PATTERN)
_POSTED_RE = re.compile(POSTED_PATTERN)


def _matching(pattern: re.Pattern[str], shape: str):
    """A validator for text from a client; a ``date`` made in Python (a stored row) passes as it is."""

    def check(value: Any) -> Any:
        if isinstance(value, date):
            return value
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"expected {shape} from {SPAN_WORDS}, got {str(value)[:40]!r}")
        return value

    return check


Day = Annotated[
    date,
    BeforeValidator(_matching(_DAY_RE, "a date YYYY-MM-DD")),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
"""A local calendar day in the store's span."""

Moment = Annotated[
    datetime,
    BeforeValidator(_matching(_MOMENT_RE, "an RFC 3339 date-time with offset, e.g. 2026-02-14T08:30:00+07:00,")),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}),
]
"""An instant, with its UTC offset, on a day in the store's span."""


Posted = Annotated[
    datetime,
    BeforeValidator(_matching(_POSTED_RE, "an ISO 8601 date-time, e.g. 2026-02-14T08:30:00+07:00,")),
    WithJsonSchema({"type": "string", "pattern": POSTED_PATTERN}),
]
"""When a comment was posted, as a client sends it (a number is refused, not read as a Unix time)."""


def check_order(start: date | None, end: date | None, field: str, *, inclusive: bool = False) -> None:
    """422 naming ``field`` (the end) unless ``end`` comes after ``start`` (or equals it when inclusive)."""
    if start is None or end is None:
        return
    if end < start or (end == start and not inclusive):
        word = "on or after" if inclusive else "after"
        raise HTTPException(422, f"{field}: must be {word} start ({start.isoformat()}), got {end.isoformat()}")

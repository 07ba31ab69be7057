"""Opaque cursors for keyset pagination: the last row's sort key, as URL-safe base64 JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeVar

from fastapi import HTTPException
from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


def encode_cursor(key: Any) -> str:
    raw = json.dumps(key, default=str, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, shape: type[T]) -> T:
    """The sort key in ``cursor``; 422 naming the ``cursor`` parameter when it was not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return TypeAdapter(shape).validate_python(json.loads(raw))
    except (binascii.Error, ValueError, ValidationError) as exc:
        raise HTTPException(422, "query.cursor: not a cursor from a previous page; start without it") from exc

"""API keys: created once, shown once, stored only as a hash, checked in constant time.

A key reads ``tp_<prefix>_<secret>``. The prefix (12 hex characters) is stored in clear so a
request finds its row with one indexed lookup and a listing can name keys without revealing
them; the whole key is stored as its sha256. The secret has 256 bits of entropy, so a plain
hash is as strong as a slow one and costs microseconds per request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from store.rows import records

if TYPE_CHECKING:
    from store.db import Store

ROLES = ("reader", "analyst", "admin")
"""Roles from least to most trusted; each one may do everything the ones before it may."""

_KEY_FIELDS = "id, prefix, name, role, created_at, revoked_at"


def role_allows(role: str, needed: str) -> bool:
    """Whether a key with ``role`` may do what ``needed`` may."""
    return ROLES.index(role) >= ROLES.index(needed)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(store: Store, name: str, role: str) -> tuple[dict, str]:
    """A new key's record and the key itself, which is not stored and cannot be shown again."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name.strip():
        raise ValueError("name must not be empty")
    prefix = secrets.token_hex(6)
    token = f"tp_{prefix}_{secrets.token_urlsafe(32)}"
    with store.transaction() as cur:
        cur.execute(
            f"INSERT INTO api_keys (prefix, key_hash, name, role) VALUES (?, ?, ?, ?) RETURNING {_KEY_FIELDS}",
            [prefix, _hash(token), name.strip(), role],
        )
        (record,) = records(cur)
    return record, token


def list_keys(store: Store, *, include_revoked: bool = False) -> list[dict]:
    """Every key's record (never the key), oldest first."""
    where = "" if include_revoked else "WHERE revoked_at IS NULL"
    with store.cursor() as cur:
        return records(cur.execute(f"SELECT {_KEY_FIELDS} FROM api_keys {where} ORDER BY id"))


def revoke_key(store: Store, key_id: int) -> dict | None:
    """Revoke a key; None when no active key has that id."""
    with store.transaction() as cur:
        found = records(cur.execute(
            f"UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING {_KEY_FIELDS}",
            [datetime.now(UTC), key_id],
        ))
    return found[0] if found else None


def verify_key(store: Store, token: str) -> dict | None:
    """The active key's record for a presented key, or None when it is unknown, wrong or revoked."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "tp":
        return None
    with store.cursor() as cur:
        found = records(cur.execute(
            f"SELECT {_KEY_FIELDS}, key_hash FROM api_keys WHERE prefix = ? AND revoked_at IS NULL", [parts[1]]
        ))
    if not found or not hmac.compare_digest(found[0].pop("key_hash"), _hash(token)):
        return None
    return found[0]

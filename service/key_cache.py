"""API keys already checked, trusted for a few seconds so the hot path asks the store nothing.

Checking a key is one indexed query and a hash, cheap but not free at a thousand requests a
second. An accepted key is remembered for ``service.key_cache_seconds``; revoking it through the
API empties the cache at once, and a key revoked any other way stops working when its entry
expires. Unknown and revoked keys are never remembered, so they always reach the store.
"""

from __future__ import annotations

import time

from store import Store
from store.keys import verify_key

_MAX_ENTRIES = 10_000


class KeyCache:
    """Accepted keys' records by the presented token, each until its expiry (monotonic clock)."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, dict]] = {}

    def lookup(self, token: str) -> dict | None:
        """The key's record while its entry is fresh; None means: ask the store."""
        entry = self._entries.get(token)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def verify(self, store: Store, token: str) -> dict | None:
        """The active key's record for ``token`` (None when unknown, wrong or revoked), cached."""
        found = self.lookup(token)
        if found is not None:
            return found
        found = verify_key(store, token)
        if found is not None and self.ttl_seconds > 0:
            if len(self._entries) >= _MAX_ENTRIES:
                self.clear()
            self._entries[token] = (time.monotonic() + self.ttl_seconds, found)
        return found

    def clear(self) -> None:
        """Forget every key, so that a revocation takes effect on the next request."""
        self._entries = {}

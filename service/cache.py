"""Serialised read responses, kept per request for one data version, within an entry count and a byte budget.

The dashboard polls the same few reads, and their answers change only when the store commits a
write (``Store.data_version``). Keeping the finished bytes, their ETag and headers means a poll
costs a dictionary lookup and two ASGI messages. The cache is bounded twice: by entries and by
the bytes of the bodies and headers it holds, evicting the least recently used first, so a few
large answers cannot exhaust memory. It is used from the event loop only, so it takes no lock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedResponse:
    """A 200 answer as it goes out: body, ETag and headers (without the per-request id)."""

    version: int
    etag: bytes
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class ResponseCache:
    """Least-recently-used responses, one per request key, each valid for one data version."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, CachedResponse] = OrderedDict()
        self.total_bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, version: int) -> CachedResponse | None:
        """The response for ``key`` at ``version``; an entry of an older version is dropped."""
        entry = self._entries.get(key)
        if entry is not None and entry.version == version:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry
        if entry is not None:
            self._drop(key)
        self.misses += 1
        return None

    def put(self, key: Hashable, entry: CachedResponse) -> bool:
        """Keep ``entry`` (evicting the oldest to make room); False when it alone exceeds a bound."""
        if entry.size > self.max_bytes or self.max_entries < 1:
            return False
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self.total_bytes += entry.size
        while len(self._entries) > self.max_entries or self.total_bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return True

    def _drop(self, key: Hashable) -> None:
        self.total_bytes -= self._entries.pop(key).size

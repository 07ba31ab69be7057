"""A small cache for the heaviest dashboard reads, keyed by what the answer depends on.

``GET /topics`` and ``GET /topics/{key}`` are aggregations that change only when a topic run
finishes, comments are assigned, or comments arrive. ``store.browse.topic_data_version`` reads
those three facts in one cheap query; an answer is reused while they are unchanged, so a
dashboard polling every few seconds costs a lookup, not a recount. Nothing is ever served
from a version other than the one just read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class ReadCache:
    """Least-recently-used answers, each valid for one data version."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for ``key`` at ``version``, computing (outside the lock) on a miss."""
        entry_key = (version, key)
        with self._lock:
            if entry_key in self._entries:
                self._entries.move_to_end(entry_key)
                self.hits += 1
                return self._entries[entry_key]
            self.misses += 1
        value = compute()
        with self._lock:
            self._entries[entry_key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

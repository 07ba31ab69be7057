"""The one home of the DuckDB schema, its migrations and its queries.

``Store`` opens the file and applies migrations; the sibling modules hold the queries for one
part of the domain each (comments, embeddings, topics, forecasts, jobs, keys, crash recovery). ``Store`` and
``StoreError`` are imported on first use, so a command that only prints its help (or a module
that names ``store.keys.ROLES``) does not pay for importing DuckDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.db import Store, StoreError

__all__ = ["Store", "StoreError"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from store import db

        return getattr(db, name)
    raise AttributeError(f"module 'store' has no attribute {name!r}")

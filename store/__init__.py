"""The one home of the DuckDB schema, its migrations and its queries.

``Store`` opens the file and applies migrations; the sibling modules hold the queries for one
part of the domain each (comments, embeddings, topics, forecasts, jobs, keys).
"""

from store.db import Store, StoreError

__all__ = ["Store", "StoreError"]

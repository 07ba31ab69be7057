"""The one row helper: query results as dicts by column name.

Its own module, free of DuckDB imports, so light modules (``store.jobs``, ``store.keys``, which
the CLI imports to print its help) can use it without loading the database engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def records(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of the query just executed on ``cur``, as dicts by column name."""
    names = [column[0] for column in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]

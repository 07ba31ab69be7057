"""The one row helper: query results as dicts by column name.

Its own module, free of DuckDB imports, so light modules (``store.jobs``, ``store.keys``, which
the CLI imports to print its help) can use it without loading the database engine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def records(cur: duckdb.DuckDBPyConnection, *, json_columns: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The rows of the query just executed on ``cur``, as dicts by column name; the ``json_columns``
    that hold JSON text come back decoded."""
    names = [column[0] for column in cur.description]
    rows = [dict(zip(names, row)) for row in cur.fetchall()]
    for row in rows:
        for name in json_columns:
            if isinstance(row.get(name), str):
                row[name] = json.loads(row[name])
    return rows

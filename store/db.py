"""Opening the DuckDB file, applying forward migrations, and transactions."""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from config.errors import TopicPulseError

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


class StoreError(TopicPulseError):
    """The store cannot be opened or used as asked; the message says what to do."""


def migrations() -> list[tuple[int, str, str]]:
    """The packaged migrations as (version, name, sql), oldest first."""
    found = []
    for entry in resources.files("store.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


class _CommitCounter:
    """Committed write transactions, shared by a Store and every view of it (``copy.copy``)."""

    def __init__(self) -> None:
        self.value = 0


class Store:
    """One open DuckDB database with the current schema.

    DuckDB lets one process write a file at a time, so a process opens its Store once and
    shares it. Queries run on a cursor, always as ``with store.cursor() as cur:`` so that it is
    closed when done; writes go through ``transaction()``; a thread that needs a ``Store`` of its
    own (a request, a worker) takes ``view()``. ``data_version`` counts the commits made through
    ``transaction()``: the process owns the file, so an unchanged count means unchanged data, and
    a read cache can trust it.
    """

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"{self.path} is in use by another process (is `topicpulse serve` running?). "
                    "Stop it, or send the request through its API."
                ) from exc
            raise StoreError(f"cannot open {self.path}: {exc}") from exc
        self._write_lock = threading.RLock()
        self._commits = _CommitCounter()
        if not read_only:
            self.migrate()

    @classmethod
    def memory(cls) -> Store:
        return cls(":memory:")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection for one thread (DuckDB connections are not shared across threads); use it in ``with``."""
        return self.conn.cursor()

    def view(self) -> Store:
        """This store with its own connection, for one request or one worker thread.

        It shares the write lock, so ``transaction()`` still lets one writer in at a time; close
        it when done (closing closes only its own connection).
        """
        view = copy.copy(self)
        view.conn = self.conn.cursor()
        return view

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All writes inside commit together or not at all; writers in this process take turns."""
        with self._write_lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
                self._commits.value += 1  # after COMMIT, so a reader that sees the new count sees the data
            finally:
                cur.close()

    @property
    def data_version(self) -> int:
        """Changes after every committed write transaction (and only then); reading it costs nothing."""
        return self._commits.value

    def schema_version(self) -> int:
        row = self.conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        return int(row[0])

    def migrate(self) -> None:
        """Apply every packaged migration the file has not recorded, oldest first, each in one transaction.

        Missing versions are applied even below the newest recorded one, so a migration that
        lands after a later-numbered one still reaches files created in between.
        """
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        applied = {row[0] for row in self.conn.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in migrations():
            if version in applied:
                continue
            log.info("applying migration %04d_%s to %s", version, name, self.path)
            with self.transaction() as cur:
                cur.execute(sql)
                cur.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])

from pathlib import Path

import pytest

from store import Store, StoreError
from store.db import migrations


def test_migrations_are_applied_once_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "tp.duckdb"
    with Store(path) as store:
        version = store.schema_version()
    assert version == max(v for v, _, _ in migrations())
    with Store(path) as store:
        assert store.schema_version() == version
        count = store.conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert count == len(migrations())


def test_transaction_rolls_back_everything_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction() as cur:
            cur.execute("INSERT INTO ingest_batches (source_file, started_at) VALUES ('a.csv', now())")
            raise RuntimeError("crash mid-batch")
    assert store.conn.execute("SELECT count(*) FROM ingest_batches").fetchone()[0] == 0


def test_second_writer_process_gets_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "tp.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError, match="in use by another process"):
            Store(path)
    finally:
        holder.kill()
        holder.wait()
    with Store(path) as store:  # once the other process lets go, the file opens again
        assert store.schema_version() == max(v for v, _, _ in migrations())


def test_a_migration_that_lands_after_a_later_one_is_still_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.db

    every = migrations()
    late_version = every[1][0]
    monkeypatch.setattr(store.db, "migrations", lambda: [m for m in every if m[0] != late_version])
    path = tmp_path / "tp.duckdb"
    Store(path).close()
    monkeypatch.setattr(store.db, "migrations", lambda: every)
    with Store(path) as reopened:
        versions = [v for (v,) in reopened.conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert versions == [m[0] for m in every]

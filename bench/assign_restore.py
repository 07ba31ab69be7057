"""Assigning comments typed without diacritics to an existing topic run, with and without restoration.

Takes a copy of a store with a finished topic run (the demo's: ``topicpulse demo``), picks
``--comments`` accented Vietnamese comments of that run (seeded), ingests a copy of each with its
diacritics stripped as a new comment, and runs ``assign_new_comments`` twice on two copies of the
store: ``topics.restore_diacritics`` on (the default) and off. Reports the share of stripped copies
that get their original's topic. The store given is only read.

    python bench/assign_restore.py [--store data/topicpulse.duckdb] [--comments 300]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import numpy as np

from config import Settings
from models.diacritics import needs_restoration
from models.text import fold_diacritics
from pipelines.assign import assign_new_comments
from pipelines.embed import load_embedder
from pipelines.ingest import ingest_records
from store import Store

log = logging.getLogger("bench.assign_restore")


def stripped_twins(store_path: Path, n: int, seed: int) -> tuple[list[dict], list[str]]:
    """New records (stripped copies) and the topic key their original got in the current run."""
    conn = duckdb.connect(str(store_path), read_only=True)
    try:
        run_id = conn.execute("SELECT max(id) FROM topic_runs WHERE status = 'done'").fetchone()[0]
        rows = conn.execute(
            "SELECT c.text, a.topic_key FROM comments c JOIN topic_assignments a ON a.comment_id = c.id"
            " WHERE a.run_id = ? AND a.topic_key IS NOT NULL AND c.lang = 'vi' ORDER BY c.id", [run_id]).fetchall()
    finally:
        conn.close()
    rows = [(text, key) for text, key in rows if not needs_restoration(text) and fold_diacritics(text) != text]
    picked = np.random.default_rng(seed).choice(len(rows), size=min(n, len(rows)), replace=False)
    records = [{"id": f"stripped-{i}", "text": fold_diacritics(rows[i][0]), "created_at": "2026-11-16T10:00:00+00:00"}
               for i in picked]
    return records, [rows[i][1] for i in picked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("data/topicpulse.duckdb"))
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if not args.store.is_file():
        print(f"skipped: no {args.store} with a topic run (run `topicpulse demo`)")
        return
    records, expected = stripped_twins(args.store, args.comments, args.seed)
    embedder = load_embedder(Settings())
    for restore in (False, True):
        with tempfile.TemporaryDirectory(prefix="assign-restore-") as folder:
            settings = Settings(data_dir=Path(folder), topics={"restore_diacritics": restore})
            shutil.copy(args.store, settings.store_path)
            with Store(settings.store_path) as store:
                ingest_records(settings, store, records)
                report = assign_new_comments(settings, store, embedder)
                got = dict(store.conn.execute(
                    "SELECT c.external_id, a.topic_key FROM topic_assignments a JOIN comments c ON c.id = a.comment_id"
                    " WHERE a.method = 'assign'").fetchall())
        same = np.mean([got.get(r["id"]) == key for r, key in zip(records, expected)])
        print(f"restore_diacritics={str(restore).lower()}: {report.considered} stripped copies assigned in "
              f"{report.seconds:.0f}s, {same:.1%} get their original's topic, {report.unassigned} unassigned")
    print(f"load average {open('/proc/loadavg').read().split()[:3]}, {len(os.sched_getaffinity(0))} cores")


if __name__ == "__main__":
    main()

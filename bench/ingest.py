"""Ingest benchmark: rows/s and peak memory for a large synthetic CSV (default 1,000,000 rows).

    python bench/ingest.py [--rows 1000000] [--format csv|jsonl] [--memory-limit 256MB] [--workdir DIR]

The file is written first; the ingest then runs in a child process so that its peak
resident memory (ru_maxrss of the child) is measured alone, generator excluded.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WORDS = (
    "giá xăng tăng quá trời hôm nay lại điều chỉnh dân khổ luật đất đai dự thảo góp ý phạt nguội giao thông "
    "học phí trường con viện phí bệnh viện lũ lụt miền trung ngập lừa đảo online cúp điện bóng đá đội tuyển "
    "thủ tục hành chính công an phường ko biết sao nữa mọi người ơi 😡 😂 👍 khong biet gia xang "
    "fuel price is too high again school fees hospital flood scam power outage football match"
).split()


def write_rows(path: Path, rows: int, fmt: str, seed: int = 1) -> None:
    """Synthetic comments: 70% with an id, a few duplicates and bad rows, a year of timestamps."""
    rng = random.Random(seed)
    start = datetime(2025, 11, 15, tzinfo=timezone.utc)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle) if fmt == "csv" else None
        if writer:
            writer.writerow(["id", "created_at", "source", "text", "likes"])
        for n in range(rows):
            text = " ".join(rng.choices(_WORDS, k=rng.randint(4, 30)))
            when = (start + timedelta(seconds=rng.randrange(365 * 86400))).isoformat()
            row = [str(n) if rng.random() < 0.7 else "", when, rng.choice(("facebook", "youtube", "news")), text, str(rng.randint(0, 500))]
            if rng.random() < 0.001:
                row[3] = ""
            if writer:
                writer.writerow(row)
            else:
                handle.write(json.dumps(dict(zip(["id", "created_at", "source", "text", "likes"], row)), ensure_ascii=False) + "\n")


_CHILD = """
import json, sys, time
from config import Settings
from store import Store
from pipelines.ingest import ingest_file
settings = Settings(data_dir=sys.argv[1])
with Store(settings.store_path) as store:
    if sys.argv[3]:
        store.conn.execute(f"SET memory_limit = '{sys.argv[3]}'")
    started = time.perf_counter()
    report = ingest_file(settings, store, sys.argv[2])
    seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows_read": report.rows_read, "accepted": report.accepted,
                  "duplicates": report.duplicates, "rejected": report.rejected}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument("--memory-limit", default="", help="DuckDB memory_limit for the ingest (default: DuckDB's)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        source = work / f"comments.{args.format}"
        started = time.perf_counter()
        write_rows(source, args.rows, args.format)
        written = time.perf_counter() - started
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(work / "data"), str(source), args.memory_limit],
            capture_output=True, text=True, env=env, cwd=ROOT,
        )
        if out.returncode:
            sys.exit(f"the ingest failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mib = usage.ru_maxrss / 1024
        cpu = usage.ru_utime + usage.ru_stime
        db_mib = sum(p.stat().st_size for p in (work / "data").glob("*.duckdb*")) / 2**20
        print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()} (shared with other work)")
        limit = f" --memory-limit {args.memory_limit}" if args.memory_limit else ""
        print(f"command: python bench/ingest.py --rows {args.rows} --format {args.format}{limit}")
        print(f"file: {source.stat().st_size / 2**20:.0f} MiB {args.format}, written in {written:.0f}s")
        print(
            f"ingest: {result['rows_read']} rows in {result['seconds']:.1f}s = {result['rows_read'] / result['seconds']:,.0f} rows/s; "
            f"accepted {result['accepted']}, duplicates {result['duplicates']}, rejected {result['rejected']}"
        )
        print(f"CPU time of the ingest process: {cpu:.1f}s = {result['rows_read'] / cpu:,.0f} rows per CPU-second (load-independent)")
        print(f"peak RSS of the ingest process: {peak_mib:,.0f} MiB; DuckDB file {db_mib:,.0f} MiB")


if __name__ == "__main__":
    main()

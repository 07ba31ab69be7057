"""One million comments end to end — ingest → embed from cache → topics → assignment → forecasts —
with the peak memory of the whole process tree.

    python bench/e2e_1m.py [--comments 1000000] [--new-share 0.1] [--sample-size N] [--engine local|ray]

What is real and what is not: the comments are synthetic Vietnamese sentences on 60 themes over 90
days, written to two CSV files and ingested with ``ingest_file`` (the first ``1 - new-share`` of
them before the topic run, the rest after it, to be assigned). Their vectors are synthetic too
(clustered 384-dim unit vectors, as in ``bench/topics_speed.py``): embedding a million texts does
not fit in a bench on this machine, so a setup step puts one vector per text hash in the embedding
cache first, and the run's embed stage finds every text cached. The embed figure is the cache
check, not model inference (see bench/embed.py and bench/ray_scale.py for that).

The measured run is a child process; a sampler thread in it sums the resident memory of the child
and every process below it (forecast workers, Ray's processes with ``--engine ray``) every 0.2 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from topics_speed import FILLERS, SYLLABLES, CachedEmbedder  # noqa: E402

THEMES = 60
DIM = CachedEmbedder.dim
FINGERPRINT = CachedEmbedder.fingerprint
_CHUNK = 50_000


def comment_chunks(n: int, seed: int = 7):
    """(texts, created_at, vectors) in chunks of 50,000, reproducible from the seed.

    The comments of ``bench/topics_speed.py`` (same themes, words and vector spread), made a
    chunk at a time so that a million of them never sit in memory at once.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(THEMES, DIM))
    words = [(SYLLABLES[i % len(SYLLABLES)], SYLLABLES[(i * 7 + 3) % len(SYLLABLES)], f"chủ đề {i}")
             for i in range(THEMES)]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for first in range(0, n, _CHUNK):
        size = min(_CHUNK, n - first)
        theme = rng.integers(THEMES, size=size)
        fillers = rng.integers(len(FILLERS), size=size)
        minutes = np.sort(rng.integers(60 * 24 * 90, size=size))
        texts = [f"{FILLERS[f]} {words[t][0]} và {words[t][1]} {words[t][2]} số {first + i}"
                 for i, (t, f) in enumerate(zip(theme, fillers))]
        created = [(start + timedelta(minutes=int(m))).isoformat() for m in minutes]
        vectors = centres[theme] + 0.9 * rng.normal(size=(size, DIM))
        yield texts, created, (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def prepare(work: Path, n: int, new_share: float) -> None:
    """Write the two CSV files and fill the embedding cache of a fresh store (setup, not measured)."""
    from models.text import normalise_text, text_hash
    from config import Settings
    from store import Store
    from store import embeddings as store_embeddings

    settings = Settings(data_dir=work / "data")
    first_file = int(n * (1 - new_share))
    files = [open(work / name, "w", encoding="utf-8", newline="") for name in ("comments.csv", "new.csv")]
    writers = [csv.writer(handle) for handle in files]
    for writer in writers:
        writer.writerow(["id", "text", "created_at"])
    written = 0
    with Store(settings.store_path) as store:
        store_embeddings.register_model(store, FINGERPRINT, DIM, "synthetic")
        for texts, created, vectors in comment_chunks(n):
            for text, when in zip(texts, created):
                writers[0 if written < first_file else 1].writerow([str(written), text, when])
                written += 1
            hashes = [text_hash(normalise_text(text)) for text in texts]
            store_embeddings.put_vectors(store, FINGERPRINT, hashes, vectors)
    for handle in files:
        handle.close()


class TreeMemory:
    """Peak of the summed RSS of this process and all its descendants, sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self.peak_driver = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        self.peak = self.peak_driver = 0

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.2):
            pids = _descendants(me)
            sizes = {pid: _rss(pid) for pid in [me, *pids]}
            self.peak = max(self.peak, sum(sizes.values()))
            self.peak_driver = max(self.peak_driver, sizes[me])


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run(work: Path, engine: str, sample_size: int | None) -> dict:
    """The measured pipeline, stage by stage, in this (child) process."""
    from pipelines.assign import assign_new_comments
    from pipelines.embed import embed_comments
    from pipelines.forecast import forecast_topics
    from pipelines.ingest import ingest_file
    from config import Settings
    from pipelines.topics import run_topics
    from store import Store

    topics = {"representation": "ctfidf"} | ({"sample_size": sample_size} if sample_size else {})
    settings = Settings(data_dir=work / "data", engine=engine, topics=topics)
    embedder = CachedEmbedder()
    stages: dict[str, dict] = {}
    with TreeMemory() as memory, Store(settings.store_path) as store:
        def stage(name, call):
            memory.reset()
            clock = time.perf_counter()
            result = call()
            stages[name] = {"seconds": round(time.perf_counter() - clock, 1),
                            "peak_tree_mib": round(memory.peak / 2**20), "peak_driver_mib": round(memory.peak_driver / 2**20)}
            return result

        ingested = stage("ingest", lambda: ingest_file(settings, store, work / "comments.csv"))
        embedded = stage("embed (from cache)", lambda: embed_comments(settings, store, embedder))
        fitted = stage("topics", lambda: run_topics(settings, store, embedder))
        stage("ingest new", lambda: ingest_file(settings, store, work / "new.csv"))
        assigned = stage("assign", lambda: assign_new_comments(settings, store, embedder))
        forecast = stage("forecasts", lambda: forecast_topics(settings, store))
    return {
        "stages": stages,
        "accepted": ingested.accepted, "cached": embedded.texts_cached, "embedded": embedded.texts_embedded,
        "topics": fitted.topics, "fitted": fitted.fitted, "topic_stage_seconds": fitted.stage_seconds,
        "assigned": assigned.assigned, "unassigned": assigned.unassigned,
        "series": forecast.series, "prophet": forecast.prophet, "seasonal_naive": forecast.seasonal_naive,
        "driver_maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--new-share", type=float, default=0.1, help="Share ingested after the topic run and assigned.")
    parser.add_argument("--sample-size", type=int, help="topics.sample_size (default: the setting's default).")
    parser.add_argument("--engine", choices=("local", "ray"), default="local")
    parser.add_argument("--workdir", type=Path, help="Keep the files here (default: a temporary folder).")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        logging.basicConfig(level=logging.WARNING)
        print(json.dumps(run(args.workdir, args.engine, args.sample_size)))
        return

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        clock = time.perf_counter()
        prepare(work, args.comments, args.new_share)
        setup = time.perf_counter() - clock
        clock = time.perf_counter()
        command = [sys.executable, __file__, "--child", "--workdir", str(work), "--engine", args.engine]
        if args.sample_size:
            command += ["--sample-size", str(args.sample_size)]
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        total = time.perf_counter() - clock
        result = json.loads(out.stdout.strip().splitlines()[-1])
        store_mib = (work / "data" / "topicpulse.duckdb").stat().st_size / 2**20

    print(f"{args.comments:,} synthetic comments, engine {args.engine}, setup (CSV + cache fill, not measured) {setup:.0f}s")
    print(f"accepted {result['accepted']:,}; cached {result['cached']:,}, embedded {result['embedded']}; "
          f"{result['topics']} topics fitted on {result['fitted']:,}; assigned {result['assigned']:,} "
          f"(+{result['unassigned']:,} unassigned); {result['series']} series "
          f"({result['prophet']} Prophet, {result['seasonal_naive']} seasonal naive); store {store_mib:.0f} MiB")
    print("| stage | seconds | peak RSS, process tree | peak RSS, driver |\n|---|---|---|---|")
    for name, figures in result["stages"].items():
        print(f"| {name} | {figures['seconds']} | {figures['peak_tree_mib']:,} MiB | {figures['peak_driver_mib']:,} MiB |")
    peak_tree = max(f["peak_tree_mib"] for f in result["stages"].values())
    print(f"| **total** | **{total:.0f}** | **{peak_tree:,} MiB** | **{result['driver_maxrss_mib']:,} MiB** (ru_maxrss) |")
    print("topic stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result["topic_stage_seconds"].items()))
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, load average "
          f"{open('/proc/loadavg').read().split()[:3]} at the end")


if __name__ == "__main__":
    main()

"""Speed and peak memory of a full topic run (``run_topics``) on synthetic comments, split by stage.

The comments are Vietnamese sentences built from 60 themes; their vectors are synthetic (one
clustered 384-dim unit vector per comment, like a MiniLM/e5-small output) and put in the
embedding cache beforehand, so the figures are the topic run alone: load from DuckDB, segment,
UMAP + HDBSCAN, outlier reduction, description, lineage, save and the write transaction.
Keywords are plain c-TF-IDF (``--representation mmr`` adds the keyword-embedding cost).

    python bench/topics_speed.py --comments 100000
"""

from __future__ import annotations

import argparse
import logging
import platform
import resource
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from config import Settings
from pipelines.topics import run_topics
from store import Store
from store import embeddings as store_embeddings

SYLLABLES = ("đất đai|quy hoạch|giao thông|xe máy|học phí|bệnh viện|giá xăng|lũ lụt|mất điện|lừa đảo|"
             "bóng đá|ca sĩ|điện thoại|thuế|lương|việc làm|du lịch|khách sạn|nhà hàng|thời tiết").split("|")
FILLERS = ["tôi thấy", "mọi người", "hôm nay", "thật sự", "nói chung", "ai cũng biết", "theo tôi"]


class CachedEmbedder:
    """Stands in for the Embedder: every comment already has a vector under this fingerprint."""

    fingerprint = "bench-synthetic-384"
    model_name = "synthetic"
    dim = 384

    def encode(self, texts, show_progress: bool = False) -> np.ndarray:
        raise AssertionError("the bench puts every vector in the cache; nothing should be embedded")


def synthetic_comments(n: int, themes: int = 60, seed: int = 7) -> tuple[list[dict], np.ndarray]:
    rng = np.random.default_rng(seed)
    words = [(SYLLABLES[i % len(SYLLABLES)], SYLLABLES[(i * 7 + 3) % len(SYLLABLES)], f"chủ đề {i}") for i in range(themes)]
    theme = rng.integers(themes, size=n)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    records = [
        {"id": str(i), "text": f"{rng.choice(FILLERS)} {words[t][0]} và {words[t][1]} {words[t][2]} số {i}",
         "created_at": (start + timedelta(minutes=int(rng.integers(60 * 24 * 90)))).isoformat()}
        for i, t in enumerate(theme)
    ]
    centres = rng.normal(size=(themes, 384))
    vectors = centres[theme] + 0.9 * rng.normal(size=(n, 384))
    return records, (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--representation", default="ctfidf")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("numba", "BERTopic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from pipelines.ingest import ingest_records

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), topics={"representation": args.representation})
        records, vectors = synthetic_comments(args.comments)
        embedder = CachedEmbedder()
        with Store(settings.store_path) as store:
            clock = time.perf_counter()
            ingest_records(settings, store, records)
            ingest_seconds = time.perf_counter() - clock
            hashes = [h for (h,) in store.conn.execute("SELECT text_hash FROM comments ORDER BY id").fetchall()]
            store_embeddings.register_model(store, embedder.fingerprint, embedder.dim, embedder.model_name)
            store_embeddings.put_vectors(store, embedder.fingerprint, hashes, vectors)
            del records, vectors
            report = run_topics(settings, store, embedder=embedder)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"topic run on {report.comments} synthetic comments ({report.fitted} fitted), "
          f"{report.topics} topics, {report.outlier_share:.1%} unassigned")
    print(f"(setup, not part of the run: ingest {ingest_seconds:.1f}s)")
    print("| stage | seconds |\n|---|---|")
    for stage, seconds in report.stage_seconds.items():
        print(f"| {stage} | {seconds:.1f} |")
    print(f"| **total** | **{report.seconds:.1f}** |")
    print(f"peak memory (max RSS of the process, setup included): {peak_mib:.0f} MiB")
    print(f"machine: {platform.processor() or platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores "
          "available, shared with other engineers' jobs while measured")


if __name__ == "__main__":
    main()

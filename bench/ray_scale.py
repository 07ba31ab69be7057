"""Comments/s for embedding and assignment on the local engine and on a local Ray with 1 and 2 workers.

    python bench/ray_scale.py [--texts 3000] [--assign 200000] [--cpus 2]

Embedding: distinct ViHSD comments (synthetic Vietnamese ones when ../shared/data/vihsd is absent)
with the offline default model (e5-small, int8 ONNX on CPU), each engine into a fresh store. The
Ray figure is the whole ``embed_comments`` call, starting the worker actors (each loads the model)
included; "start" is the same call on one comment, so (texts)/(whole - start) is the steady rate.

Assignment: synthetic clustered 384-dim vectors (as in bench/e2e_1m.py) already in the embedding
cache, a topic run fitted on a 2,000-comment sample, then ``--assign`` new comments assigned by
each engine, each on its own copy of the store.

Ray runs in this process (``start_ray(num_cpus=--cpus)``); the driver writes every result.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from e2e_1m import DIM, FINGERPRINT, CachedEmbedder, comment_chunks  # noqa: E402
from embed_gpu import comments as bench_texts  # noqa: E402

from config import Settings  # noqa: E402
from store import Store  # noqa: E402

ENGINES = (("local", None), ("ray", 1), ("ray", 2))


# One data folder for the model cache (the default model is converted once per machine, its ONNX
# export once); each store is a file of its own in the run's temporary folder.
MODEL_CACHE = Path(tempfile.gettempdir()) / "topicpulse-bench"


def _settings(work: Path, name: str, engine: str, workers: int | None, **extra) -> Settings:
    return Settings(data_dir=MODEL_CACHE, store={"path": str(work / name)}, engine=engine,
                    ray={"workers": workers}, **extra)


def _records(texts: list[str]) -> list[dict]:
    return [{"id": str(i), "text": text, "created_at": "2026-03-01T08:00:00+07:00"} for i, text in enumerate(texts)]


def bench_embed(work: Path, n: int) -> None:
    from pipelines.embed import embed_comments, load_embedder
    from pipelines.ingest import ingest_records

    texts, source = bench_texts(n * 3)
    texts = list(dict.fromkeys(texts))[:n]
    embedder = load_embedder(Settings(data_dir=MODEL_CACHE))
    embedder.encode(texts[:64])  # prepares the ONNX export once, outside the timings
    print(f"\nembedding {len(texts)} distinct texts from {source} with {embedder.fingerprint} ({embedder.backend})")
    print("| engine | whole call | start (1 text) | comments/s (whole) | comments/s (steady) |\n|---|---|---|---|---|")
    for engine, workers in ENGINES:
        timings = []
        for count in (1, len(texts)):
            settings = _settings(work, f"embed-{engine}-{workers}-{count}.duckdb", engine, workers)
            with Store(settings.store_path) as store:
                ingest_records(settings, store, _records(texts[:count]))
                clock = time.perf_counter()
                report = embed_comments(settings, store, embedder)
                timings.append(time.perf_counter() - clock)
                assert report.texts_embedded == count
        start, whole = timings
        label = "local" if engine == "local" else f"Ray, {workers} worker{'s' if workers > 1 else ''}"
        print(f"| {label} | {whole:.1f} s | {start:.1f} s | {len(texts) / whole:.0f} | "
              f"{len(texts) / max(whole - start, 1e-9):.0f} |", flush=True)


def bench_assign(work: Path, n: int) -> None:
    from models.text import normalise_text, text_hash
    from pipelines.assign import assign_new_comments
    from pipelines.ingest import ingest_records
    from pipelines.topics import run_topics
    from store import embeddings as store_embeddings

    embedder = CachedEmbedder()
    fit_n = 50_000  # the first chunk of comment_chunks
    base = _settings(work, "assign-base.duckdb", "local", None, topics={"representation": "ctfidf", "sample_size": 2000})
    chunks = comment_chunks(fit_n + n)
    with Store(base.store_path) as store:
        store_embeddings.register_model(store, FINGERPRINT, DIM, "synthetic")
        seen, later = 0, []
        for texts, created, vectors in chunks:
            store_embeddings.put_vectors(store, FINGERPRINT, [text_hash(normalise_text(t)) for t in texts], vectors)
            records = [{"id": str(seen + i), "text": t, "created_at": c} for i, (t, c) in enumerate(zip(texts, created))]
            if seen < fit_n:
                ingest_records(base, store, records)
            else:
                later.append(records)
            seen += len(texts)
        run_topics(base, store, embedder)
        for records in later:
            ingest_records(base, store, records)
    print(f"\nassigning {n:,} new comments (cached synthetic vectors) to a run fitted on 2,000 of {fit_n:,}")
    print("| engine | seconds | comments/s |\n|---|---|---|")
    for engine, workers in ENGINES:
        settings = _settings(work, f"assign-{engine}-{workers}.duckdb", engine, workers,
                             topics={"representation": "ctfidf", "sample_size": 2000})
        shutil.copy(base.store_path, settings.store_path)
        with Store(settings.store_path) as store:
            clock = time.perf_counter()
            report = assign_new_comments(settings, store, embedder)
            seconds = time.perf_counter() - clock
        label = "local" if engine == "local" else f"Ray, {workers} worker{'s' if workers > 1 else ''}"
        print(f"| {label} | {seconds:.1f} | {report.considered / seconds:,.0f} |", flush=True)
        settings.store_path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=3000, help="Distinct texts embedded per engine.")
    parser.add_argument("--assign", type=int, default=200_000, help="New comments assigned per engine.")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs given to the local Ray.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from pipelines.ray_engine import start_ray

    ray = start_ray(num_cpus=args.cpus)
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, Ray {ray.__version__} "
          f"with {args.cpus} CPUs; load average {open('/proc/loadavg').read().split()[:3]} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        if args.texts:
            bench_embed(Path(tmp), args.texts)
        if args.assign:
            bench_assign(Path(tmp), args.assign)
    print(f"load average {open('/proc/loadavg').read().split()[:3]} at the end")


if __name__ == "__main__":
    main()

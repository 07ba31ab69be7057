"""Topic quality on labelled public data: TopicPulse's TopicModel vs plain BERTopic, same embeddings.

Datasets (read from the shared evaluation folder, never copied): UIT-VSFC test split (3,166
Vietnamese student-feedback sentences, 4 topic labels) and BBC News (2,225 English articles,
5 labels). Both models get the same vectors from the project's embedder (``load_embedder``: the
offline multilingual e5 default unless TOPICPULSE_EMBEDDING__MODEL says otherwise); vectors are
cached under data/bench/ so a second run skips embedding.

- TopicPulse: ``pipelines.topics.topic_model(Settings())`` with its word encoder, i.e. the
  production defaults (segmented vocabulary, scaled UMAP/HDBSCAN, c-TF-IDF keywords, adaptive
  outlier reduction), and the same with MaximalMarginalRelevance keywords (representation=mmr).
- Plain BERTopic: ``BERTopic(embedding_model=<the same embedder>)`` and nothing else, fitted on
  the raw texts with the precomputed vectors (its UMAP has no seed, so it varies run to run).

Figures: NMI and ARI against the labels (outliers count as one more cluster), number of topics,
outlier share, NPMI of the top-10 keywords (document co-occurrence on the segmented corpus,
``models.topic_quality``; the same reference for both models) and topic diversity (top-10).

    python bench/topics_quality.py [--datasets uit-vsfc bbc-news] [--repeats 1]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from models.segment import segment_all
from models.topic_quality import npmi_coherence, topic_diversity
from pipelines.embed import load_embedder
from config import Settings
from pipelines.topics import topic_model

SHARED_DATA = Path(os.environ.get("TOPICPULSE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
log = logging.getLogger("bench.topics_quality")


def load_uit_vsfc(folder: Path) -> tuple[list[str], np.ndarray]:
    texts = (folder / "test" / "sents.txt").read_text(encoding="utf-8").splitlines()
    labels = np.array([int(x) for x in (folder / "test" / "topics.txt").read_text(encoding="utf-8").split()])
    return texts, labels


def load_bbc(folder: Path) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    categories = sorted(p.name for p in (folder / "bbc").iterdir() if p.is_dir())
    for index, category in enumerate(categories):
        for path in sorted((folder / "bbc" / category).glob("*.txt")):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            texts.append(" ".join(text.split()))
            labels.append(index)
    return texts, np.array(labels)


DATASETS = {"uit-vsfc": load_uit_vsfc, "bbc-news": load_bbc}


def embeddings_for(name: str, texts: list[str], embedder) -> np.ndarray:
    cache = Path("data/bench") / f"{name}-{embedder.fingerprint}.npy"
    if cache.is_file():
        return np.load(cache)
    clock = time.perf_counter()
    vectors = embedder.encode(texts)
    log.info("embedded %d %s texts in %.0fs", len(texts), name, time.perf_counter() - clock)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def scores(name: str, labels: np.ndarray, predicted: np.ndarray, topic_words: list[list[str]],
           reference: list[str], seconds: float) -> dict:
    return {
        "model": name,
        "NMI": normalized_mutual_info_score(labels, predicted),
        "ARI": adjusted_rand_score(labels, predicted),
        "topics": len(topic_words),
        "outliers": float(np.mean(predicted == -1)),
        "NPMI": npmi_coherence(topic_words, reference),
        "diversity": topic_diversity(topic_words),
        "seconds": seconds,
    }


def run_topicpulse(texts, vectors, labels, reference, embedder, **topics: object) -> dict:
    clock = time.perf_counter()
    model = topic_model(Settings(topics=topics), word_encoder=embedder).fit(texts, vectors)
    seconds = time.perf_counter() - clock
    name = "TopicPulse" + "".join(f" {k}={v}" for k, v in topics.items())
    return scores(name, labels, model.labels_, [t.words() for t in model.topics_], reference, seconds)


def run_plain_bertopic(texts, vectors, labels, reference, embedder) -> dict:
    from bertopic import BERTopic
    from bertopic.backend import BaseEmbedder

    class Backend(BaseEmbedder):
        def embed(self, documents, verbose: bool = False) -> np.ndarray:
            return embedder.encode(list(documents))

    clock = time.perf_counter()
    model = BERTopic(embedding_model=Backend())
    predicted, _ = model.fit_transform(texts, embeddings=vectors)
    seconds = time.perf_counter() - clock
    words = [[w for w, _ in model.get_topic(t)] for t in sorted(set(predicted) - {-1})]
    return scores("plain BERTopic", labels, np.asarray(predicted), words, reference, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--repeats", type=int, default=1, help="Plain BERTopic runs (unseeded) per dataset.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("numba", "BERTopic", "sentence_transformers", "root"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    embedder = load_embedder(Settings())
    rows = []
    for name in args.datasets:
        folder = SHARED_DATA / name
        if not folder.exists():
            print(f"skipped {name}: {folder} is absent (set TOPICPULSE_SHARED_DATA to the shared/data folder)")
            continue
        texts, labels = DATASETS[name](folder)
        vectors = embeddings_for(name, texts, embedder)
        reference = segment_all(texts)
        rows.append((name, run_topicpulse(texts, vectors, labels, reference, embedder)))
        rows.append((name, run_topicpulse(texts, vectors, labels, reference, embedder, representation="mmr")))
        for _ in range(args.repeats):
            rows.append((name, run_plain_bertopic(texts, vectors, labels, reference, embedder)))
        log.info("%s done", name)

    print(f"embeddings: {embedder.fingerprint} (dim {embedder.dim}), the same vectors for both models")
    print("| dataset | model | NMI | ARI | topics | outlier share | NPMI | diversity | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['model']} | {r['NMI']:.3f} | {r['ARI']:.3f} | {r['topics']} | {r['outliers']:.1%} "
              f"| {r['NPMI']:.3f} | {r['diversity']:.3f} | {r['seconds']:.0f} |")
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, shared with other engineers' jobs")


if __name__ == "__main__":
    main()

"""Topic quality on labelled data: TopicPulse's TopicModel before/after, and plain BERTopic, same embeddings.

Datasets (read where they are, never copied): the demo store (``topicpulse demo``; 12 planted
themes, each with English and unaccented Vietnamese comments; NMI/ARI over the planted-theme
comments, short/spam rows left out), the UIT-VSFC test split (3,166 student-feedback sentences,
4 topic labels), BBC News (2,225 English articles, 5 labels), the dated Dân Trí headlines (3,850,
8 sections), and the *twin* set: UIT-VSFC's test split plus a copy of every other sentence with
its diacritics stripped; "twins" is the share of stripped copies whose topic equals their
accented original's. Vectors come from the project's embedder (``load_embedder``) and are cached
under data/bench/ (the demo's come from the store's own cache).

- "before": ``topics.restore_diacritics=false`` and ``topics.merge_topics=false`` (no restoration,
  no merge), i.e. the fit as it was before issue #10; "after": the defaults. Each is
  ``pipelines.topics.topic_model(Settings(topics=...))`` with the embedder as word encoder.
- Plain BERTopic: ``BERTopic(embedding_model=<the same embedder>)`` (unseeded UMAP), ``--repeats`` times.

Figures: NMI and ARI against the labels (outliers count as one more cluster), topics, outlier
share, NPMI of the top-10 keywords (``models.topic_quality``) and topic diversity (top-10). For the
demo also: topics holding English comments with no Vietnamese majority ("en-only") and the
fake-milk topic (share of fake-milk comments in the topic most of them land in, and its purity).

    python bench/topics_quality.py [--datasets demo uit-vsfc bbc-news dantri twins] [--repeats 0]
        [--skip-before] [--set merge_similarity=0.4 ...] [--sweep 0.3 0.4 ...] [--max-texts 750]
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import platform
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from models.diacritics import analysis_texts
from models.segment import segment_all
from models.text import fold_diacritics
from models.topic_merge import merge_groups, merged_labels
from models.topic_quality import npmi_coherence, topic_diversity
from pipelines.embed import load_embedder
from config import Settings
from pipelines.topics import topic_model

SHARED_DATA = Path(os.environ.get("TOPICPULSE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DEMO_STORE = Path(os.environ.get("TOPICPULSE_BENCH_DEMO_STORE", "data/topicpulse.duckdb"))
BEFORE = {"restore_diacritics": False, "merge_topics": False}
log = logging.getLogger("bench.topics_quality")


def load_uit_vsfc(folder: Path) -> tuple[list[str], np.ndarray]:
    texts = (folder / "test" / "sents.txt").read_text(encoding="utf-8").splitlines()
    labels = np.array([int(x) for x in (folder / "test" / "topics.txt").read_text(encoding="utf-8").split()])
    return texts, labels


def load_twins(folder: Path) -> tuple[list[str], np.ndarray]:
    """UIT-VSFC test plus a diacritic-free copy of every other sentence, appended in order."""
    texts, labels = load_uit_vsfc(folder)
    twins = list(range(1, len(texts), 2))
    return texts + [fold_diacritics(texts[i]) for i in twins], np.concatenate([labels, labels[twins]])


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


def load_dantri(folder: Path) -> tuple[list[str], np.ndarray]:
    """Headlines of the dated articles (the undated rows are section pages), labelled by section."""
    with (folder / "dantri_html_categories_vi.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["published_at"] and row["title"]]
    sections = sorted({row["category.primary"] for row in rows})
    return [row["title"] for row in rows], np.array([sections.index(row["category.primary"]) for row in rows])


SHARED = {"uit-vsfc": ("uit-vsfc", load_uit_vsfc), "bbc-news": ("bbc-news", load_bbc),
          "dantri": ("vn-news-dantri-2025", load_dantri), "twins": ("uit-vsfc", load_twins)}
DATASETS = ["demo", *SHARED]


def load_demo(embedder) -> tuple[list[str], np.ndarray, np.ndarray, list[str]] | None:
    """Texts, planted theme, cached vectors and language of the demo store's comments."""
    import duckdb

    if not DEMO_STORE.is_file():
        return None
    conn = duckdb.connect(str(DEMO_STORE), read_only=True)
    try:
        rows = conn.execute(
            "SELECT c.text, c.lang, json_extract_string(c.meta, '$.topic_hint'), e.vector FROM comments c"
            " JOIN embeddings_384 e ON e.text_hash = c.text_hash AND e.fingerprint = ? ORDER BY c.id",
            [embedder.fingerprint],
        ).fetchall()
    finally:
        conn.close()
    if not rows:
        return None
    return ([r[0] for r in rows], np.array([r[2] or "" for r in rows]),
            np.array([r[3] for r in rows], dtype=np.float32), [r[1] for r in rows])


def cached_encode(name: str, texts: list[str], embedder) -> np.ndarray:
    cache = Path("data/bench") / f"{name}-{embedder.fingerprint}.npy"
    if cache.is_file():
        return np.load(cache)
    clock = time.perf_counter()
    vectors = embedder.encode(texts)
    log.info("embedded %d %s texts in %.0fs", len(texts), name, time.perf_counter() - clock)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def analysis_inputs(name: str, texts: list[str], vectors: np.ndarray, embedder) -> tuple[list[str], np.ndarray]:
    """What a topic run fits on: restored texts, and their vectors, for comments typed without diacritics."""
    restored_texts, restored = analysis_texts(texts)
    vectors = np.array(vectors, dtype=np.float32)
    # As the store's embedding cache does: a restored text equal to a text of the corpus has its vector.
    row_of = {text: row for row, text in enumerate(texts)}
    known = [i for i in restored if restored_texts[i] in row_of]
    vectors[known] = vectors[[row_of[restored_texts[i]] for i in known]]
    new = [i for i in restored if restored_texts[i] not in row_of]
    if new:
        vectors[new] = cached_encode(f"{name}-restored-{len(new)}", [restored_texts[i] for i in new], embedder)
    return restored_texts, vectors


def scores(name: str, labels: np.ndarray, predicted: np.ndarray, topic_words: list[list[str]],
           reference: list[str], seconds: float, scored: np.ndarray) -> dict:
    return {
        "model": name,
        "NMI": normalized_mutual_info_score(labels[scored], predicted[scored]),
        "ARI": adjusted_rand_score(labels[scored], predicted[scored]),
        "topics": len(topic_words),
        "outliers": float(np.mean(predicted == -1)),
        "NPMI": npmi_coherence(topic_words, reference),
        "diversity": topic_diversity(topic_words),
        "seconds": seconds,
    }


def run_topicpulse(name, texts, vectors, labels, reference, embedder, scored, topics: dict) -> tuple[dict, np.ndarray]:
    settings = Settings(topics=topics)
    if settings.topics.restore_diacritics:
        texts, vectors = analysis_inputs(name, texts, vectors, embedder)
    clock = time.perf_counter()
    model = topic_model(settings, word_encoder=embedder).fit(texts, vectors)
    seconds = time.perf_counter() - clock
    label = "TopicPulse before" if topics == BEFORE else "TopicPulse" + "".join(f" {k}={v}" for k, v in topics.items())
    row = scores(label, labels, model.labels_, [t.words() for t in model.topics_], reference, seconds, scored)
    return row, model.labels_


def merge_sweep(name, texts, vectors, labels, embedder, scored, thresholds: list[float]) -> list[str]:
    """Topics and NMI/ARI of the merge at each threshold, applied to one fit with the merge off (no refit per threshold)."""
    settings = Settings(topics={"merge_topics": False})
    texts, vectors = analysis_inputs(name, texts, vectors, embedder)
    model = topic_model(settings, word_encoder=embedder).fit(texts, vectors)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    lines = []
    for threshold in [None, *thresholds]:
        predicted = model.labels_ if threshold is None else merged_labels(
            model.labels_, merge_groups(unit, texts, model.labels_, threshold))
        lines.append(f"{name}, merge {'off' if threshold is None else threshold} on the unmerged fit: "
                     f"{len(set(predicted.tolist()) - {-1})} topics, "
                     f"NMI {normalized_mutual_info_score(labels[scored], predicted[scored]):.3f}, "
                     f"ARI {adjusted_rand_score(labels[scored], predicted[scored]):.3f}")
    return lines


def run_plain_bertopic(texts, vectors, labels, reference, embedder, scored) -> tuple[dict, np.ndarray]:
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
    predicted = np.asarray(predicted)
    return scores("plain BERTopic", labels, predicted, words, reference, seconds, scored), predicted


def demo_notes(labels: np.ndarray, predicted: np.ndarray, languages: list[str]) -> str:
    """English-only topics and the fake-milk topic: what the demo must show."""
    english = np.array([lang == "en" for lang in languages])
    en_only = sum(1 for t in set(predicted.tolist()) - {-1} if english[predicted == t].mean() > 0.5)
    milk = predicted[labels == "fake_milk"]
    topic, held = Counter(milk.tolist()).most_common(1)[0]
    purity = float(np.mean(labels[predicted == topic] == "fake_milk")) if topic != -1 else 0.0
    return f"en-only topics {en_only}; fake-milk topic {topic}: {held / len(milk):.0%} of fake-milk comments, purity {purity:.0%}"


def twin_agreement(predicted: np.ndarray, n_original: int) -> float:
    twins = np.arange(1, n_original, 2)
    return float(np.mean(predicted[n_original:] == predicted[twins]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--repeats", type=int, default=1, help="Plain BERTopic runs (unseeded) per dataset.")
    parser.add_argument("--skip-before", action="store_true", help="Only the current defaults.")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="Also fit with these topics settings changed (e.g. merge_similarity=0.4), one variant each.")
    parser.add_argument("--max-texts", type=int, default=None, metavar="N",
                        help="Keep every k-th text of a shared dataset (k = ceil(rows/N)), so a run stays short.")
    parser.add_argument("--sweep", nargs="*", type=float, default=[], metavar="SIMILARITY",
                        help="Instead of the comparison: merge one unmerged fit at each of these similarities.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("numba", "BERTopic", "sentence_transformers", "root"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    embedder = load_embedder(Settings())
    rows, notes = [], []
    for name in args.datasets:
        languages: list[str] = []
        if name == "demo":
            demo = load_demo(embedder)
            if demo is None:
                print(f"skipped demo: no {DEMO_STORE} with {embedder.fingerprint} vectors (run `topicpulse demo`)")
                continue
            texts, labels, vectors, languages = demo
            scored = ~np.isin(labels, ["short", "spam", ""])
        else:
            folder_name, loader = SHARED[name]
            folder = SHARED_DATA / folder_name
            if not folder.exists():
                print(f"skipped {name}: {folder} is absent (set TOPICPULSE_SHARED_DATA to the shared/data folder)")
                continue
            texts, labels = loader(folder)
            if args.max_texts and len(texts) > args.max_texts:
                step, total = -(-len(texts) // args.max_texts), len(texts)
                texts, labels = texts[::step], labels[::step]
                print(f"{name}: one text in {step}, {len(texts)} of {total} (deterministic subsample)")
            vectors = cached_encode(f"{name}-{len(texts)}", texts, embedder)
            scored = np.ones(len(texts), dtype=bool)
        if args.sweep:
            notes += merge_sweep(name, texts, vectors, labels, embedder, scored, args.sweep)
            continue
        reference = segment_all(texts)
        variants = ([] if args.skip_before else [BEFORE]) + [{}] + [dict([change.split("=", 1)]) for change in args.set]
        for topics in variants:
            row, predicted = run_topicpulse(name, texts, vectors, labels, reference, embedder, scored, topics)
            rows.append((name, row))
            if name == "demo":
                notes.append(f"demo, {row['model']}: {demo_notes(labels, predicted, languages)}")
            if name == "twins":
                notes.append(f"twins, {row['model']}: {twin_agreement(predicted, len(load_uit_vsfc(SHARED_DATA / 'uit-vsfc')[0])):.1%} "
                             "of stripped copies share their accented twin's topic")
        for _ in range(args.repeats):
            rows.append((name, run_plain_bertopic(texts, vectors, labels, reference, embedder, scored)[0]))
        log.info("%s done", name)

    print(f"embeddings: {embedder.fingerprint} (dim {embedder.dim}), the same vectors for every model")
    print("| dataset | model | NMI | ARI | topics | outlier share | NPMI | diversity | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['model']} | {r['NMI']:.3f} | {r['ARI']:.3f} | {r['topics']} | {r['outliers']:.1%} "
              f"| {r['NPMI']:.3f} | {r['diversity']:.3f} | {r['seconds']:.0f} |")
    for note in notes:
        print(f"- {note}")
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, shared with other engineers' jobs; "
          f"load average {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()

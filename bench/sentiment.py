"""Sentiment quality on labelled public data: the embedding classifier vs the majority class.

The classifier (``models.sentiment``) learns only from the project's own short examples; the
evaluation sets are read from the shared folder, never copied, never trained on:

- UIT-VSFC (Vietnamese student feedback, 0 negative / 1 neutral / 2 positive): accuracy and
  macro-F1 on the dev split (where the examples' wording was looked at) and the test split
  (held out), against always answering the majority class.
- ViHSD (Vietnamese social-media comments, 0 clean / 1 offensive / 2 hate; no sentiment labels):
  a second check that needs no sentiment labels, the negative share per class, which should rise
  from clean to offensive and hate.

Vectors come from the project's embedder (``load_embedder``) and are cached under data/bench/.

    python bench/sentiment.py [--vihsd-sample 3000]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import logging
import os
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from config import Settings
from models.sentiment import LABELS, SentimentClassifier
from pipelines.embed import load_embedder

SHARED_DATA = Path(os.environ.get("TOPICPULSE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
log = logging.getLogger("bench.sentiment")


def load_uit_vsfc(folder: Path, split: str) -> tuple[list[str], np.ndarray]:
    """One split's sentences and sentiment labels (the train files lack a final newline)."""
    texts = (folder / split / "sents.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    labels = np.array([int(x) for x in (folder / split / "sentiments.txt").read_text(encoding="utf-8").split()])
    if len(texts) != len(labels):
        raise ValueError(f"{folder / split}: {len(texts)} sentences but {len(labels)} labels")
    return texts, labels


def load_vihsd(folder: Path, sample: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    with (folder / "test.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    picked = np.random.default_rng(seed).choice(len(rows), min(sample, len(rows)), replace=False)
    return [rows[i]["free_text"] for i in picked], np.array([int(rows[i]["label_id"]) for i in picked])


def cached_vectors(embedder, texts: list[str], cache_dir: Path) -> np.ndarray:
    digest = hashlib.sha256(("\n".join(texts) + embedder.fingerprint).encode()).hexdigest()[:16]
    path = cache_dir / f"sentiment-{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.asarray(embedder.encode(texts, show_progress=False), dtype=np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def score(labels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    return {"accuracy": float(accuracy_score(labels, predicted)),
            "macro_f1": float(f1_score(labels, predicted, average="macro", labels=[0, 1, 2], zero_division=0))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vihsd-sample", type=int, default=3000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings()
    embedder = load_embedder(settings)
    cache_dir = settings.resolve(Path("bench"))
    started = time.perf_counter()
    classifier = SentimentClassifier(embedder, settings.sentiment)
    log.info("classifier %s trained in %.1fs", classifier.key, time.perf_counter() - started)
    log.info("machine: %s, %d cores; load average %s", platform.platform(), os.cpu_count() or 0,
             Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?")

    uit = SHARED_DATA / "uit-vsfc"
    if not uit.exists():
        log.warning("UIT-VSFC absent at %s; set TOPICPULSE_SHARED_DATA", uit)
    else:
        train_labels = load_uit_vsfc(uit, "train")[1]
        majority = int(np.bincount(train_labels).argmax())
        print("| UIT-VSFC split | rows | classifier accuracy | classifier macro-F1 | majority accuracy | majority macro-F1 |")
        print("|---|---|---|---|---|---|")
        for split in ("dev", "test"):
            texts, labels = load_uit_vsfc(uit, split)
            vectors = cached_vectors(embedder, texts, cache_dir)
            started = time.perf_counter()
            predicted = classifier.probabilities(vectors).argmax(axis=1)
            seconds = time.perf_counter() - started
            ours, base = score(labels, predicted), score(labels, np.full_like(labels, majority))
            print(f"| {split} | {len(labels)} | {ours['accuracy']:.3f} | {ours['macro_f1']:.3f} |"
                  f" {base['accuracy']:.3f} | {base['macro_f1']:.3f} |")
            log.info("%s: scored %d vectors in %.3fs; confusion (rows true %s):\n%s", split, len(labels), seconds,
                     "/".join(LABELS), confusion_matrix(labels, predicted, labels=[0, 1, 2]))

    vihsd = SHARED_DATA / "vihsd"
    if not vihsd.exists():
        log.warning("ViHSD absent at %s; set TOPICPULSE_SHARED_DATA", vihsd)
        return
    texts, labels = load_vihsd(vihsd, args.vihsd_sample)
    predicted = classifier.probabilities(cached_vectors(embedder, texts, cache_dir)).argmax(axis=1)
    print("\n| ViHSD test sample class | rows | negative share | positive share |")
    print("|---|---|---|---|")
    for index, name in enumerate(("clean", "offensive", "hate")):
        mine = predicted[labels == index]
        print(f"| {name} | {len(mine)} | {np.mean(mine == 0):.3f} | {np.mean(mine == 2):.3f} |")


if __name__ == "__main__":
    main()

"""Topics as unit vectors: centroids, each comment's cosine to its own topic, the nearest topic.

Shared by the fit (``models.topics``) and by assignment of new comments (``pipelines.assign``), so
both give a comment the topic by the same rule.
"""

from __future__ import annotations

import numpy as np

OUTLIER = -1
"""The topic index of a comment that no topic is close enough to (HDBSCAN's noise label)."""


def unit_vector(vector: np.ndarray) -> np.ndarray:
    return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)


def centroids_of(embeddings: np.ndarray, labels: np.ndarray, topic_ids: list[int]) -> np.ndarray:
    """Unit-length mean embedding of each topic's comments, in ``topic_ids`` order."""
    row_of = {topic: row for row, topic in enumerate(topic_ids)}
    sums = np.zeros((len(topic_ids), embeddings.shape[1]), dtype=np.float64)
    assigned = np.flatnonzero(labels != OUTLIER)
    np.add.at(sums, np.array([row_of[t] for t in labels[assigned]], dtype=np.int64), embeddings[assigned])
    return np.stack([unit_vector(row) for row in sums])


def similarity_to_own(vectors: np.ndarray, labels: np.ndarray, topic_ids: list[int], centroids: np.ndarray) -> np.ndarray:
    row_of = {topic: row for row, topic in enumerate(topic_ids)}
    sims = vectors @ centroids.T
    own = np.array([row_of.get(t, -1) for t in labels.tolist()], dtype=np.int64)
    return np.where(own >= 0, sims[np.arange(len(vectors)), np.maximum(own, 0)], sims.max(axis=1)).astype(np.float32)


def nearest_topics(vectors: np.ndarray, centroids: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row of the nearest centroid by cosine (-1 below that topic's threshold) and the cosine."""
    vectors = np.asarray(vectors, dtype=np.float32)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sims = vectors @ np.asarray(centroids, dtype=np.float32).T
    best = sims.argmax(axis=1)
    score = sims[np.arange(len(vectors)), best].astype(np.float32)
    return np.where(score >= np.asarray(thresholds)[best], best, OUTLIER).astype(np.int64), score


def nearest_ids(vectors: np.ndarray, topic_ids: list[int], centroids: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, score = nearest_topics(vectors, centroids, thresholds)
    ids = np.asarray(topic_ids, dtype=np.int64)
    return np.where(rows == OUTLIER, OUTLIER, ids[np.maximum(rows, 0)]), score

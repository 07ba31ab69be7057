"""Merging topics that HDBSCAN split but that say the same thing: one subject, one topic, in any language.

HDBSCAN on comment embeddings finds dense *sub*-subjects (the demo's fuel-price theme came out as
eight topics: pump queues, taxi fares, the price per litre …) and groups English comments by
language before subject, so a planted set of 12 themes gave 75 topics. Raw centroid cosines
cannot tell these apart from real neighbours: every centroid of a multilingual e5 model sits at
0.93–0.98 from every other, because all share one large "a comment in this language" component.

So the merge compares centroids *centred per language*: each comment's vector minus the mean
vector of its language in the corpus (``models.text.detect_language``), which removes the shared
component and the language offset (as Libovický et al. 2020 found for multilingual encoders).
On the demo, same-theme topic pairs then have a median cosine of 0.49, pairs of different themes
a 99th percentile of 0.27, and the small emerging fake-milk topic is at 0.30 from its nearest
neighbour (online scams). Topics are merged by average-linkage clustering of those centred
centroids, cut at ``threshold`` (default 0.3, tuned on the demo; checked on UIT-VSFC, BBC and
Dân Trí in bench/RESULTS.md). Average linkage, not single, so a chain of pairwise-close topics
does not pull two subjects together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.text import detect_language

OUTLIER = -1
MIN_LANGUAGE_COMMENTS = 20


def language_centred(vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """Each vector minus its language's mean vector (the corpus mean for languages with few comments)."""
    languages = np.array([detect_language(text) for text in texts])
    out = vectors - vectors.mean(axis=0)
    for language in set(languages.tolist()):
        rows = languages == language
        if rows.sum() >= MIN_LANGUAGE_COMMENTS:
            out[rows] = vectors[rows] - vectors[rows].mean(axis=0)
    return out


def merge_groups(vectors: np.ndarray, texts: Sequence[str], labels: np.ndarray, threshold: float) -> dict[int, int]:
    """Which topic each topic becomes: topics whose centred centroids are, on average, at ``threshold`` or closer.

    Returns a map from every topic id in ``labels`` to its new id, 0..k-1 in order of each group's
    smallest old id; outliers (-1) are not topics and are not in the map.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    topic_ids = sorted(set(labels.tolist()) - {OUTLIER})
    if len(topic_ids) < 2:
        return {topic: row for row, topic in enumerate(topic_ids)}
    centred = language_centred(vectors, texts)
    centroids = np.stack([centred[labels == topic].mean(axis=0) for topic in topic_ids])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    distance = np.clip(1.0 - centroids @ centroids.T, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    groups = fcluster(linkage(squareform(distance, checks=False), method="average"),
                      t=1.0 - threshold, criterion="distance")
    first_seen: dict[int, int] = {}
    for group in groups.tolist():
        first_seen.setdefault(group, len(first_seen))
    return {topic: first_seen[group] for topic, group in zip(topic_ids, groups.tolist())}


def merged_labels(labels: np.ndarray, groups: dict[int, int]) -> np.ndarray:
    """``labels`` with every topic id replaced by its group's id; outliers stay -1."""
    lookup = np.array([groups.get(topic, OUTLIER) for topic in range(int(labels.max()) + 1)], dtype=np.int64)
    return np.where(labels == OUTLIER, OUTLIER, lookup[np.maximum(labels, 0)])

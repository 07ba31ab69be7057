"""Topic lineage: which topics of a new run continue, split from or merge topics of the previous run.

A pair (new topic, previous topic) scores ``w * cosine(centroids) + (1 - w) * jaccard(keywords)``.
Centroids are centred on the mean of both runs' centroids first: sentence encoders put all texts
in a narrow cone (e5 gives unrelated topics a cosine of 0.8+), and centring spreads them so that
a fixed score threshold means the same for every model. Pairs at or above ``min_score`` are links.

- Each previous topic hands its key to at most one new topic: the best one-to-one set of links
  (Hungarian assignment on the scores) decides who inherits which key.
- relation "merge": the new topic links to two or more previous topics.
- A link between a new topic and a previous one that each continue elsewhere (both keep their
  own keys) is dropped: close sibling topics resemble each other's predecessor, which is neither
  a split nor a merge.
- relation "split": its one previous topic links to two or more new topics (the best-matching
  child keeps the key, the others get new ones).
- relation "match": one link each way. "new": no link; the topic gets a new key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

MIN_TOPICS_TO_CENTRE = 4


@dataclass
class LineageLink:
    """How one new topic relates to the previous run. ``inherits`` indexes the previous topics."""

    inherits: int | None
    parents: list[int]
    relation: str
    score: float


def match_topics(
    previous_centroids: np.ndarray,
    previous_keywords: Sequence[Sequence[str]],
    new_centroids: np.ndarray,
    new_keywords: Sequence[Sequence[str]],
    *,
    min_score: float = 0.5,
    centroid_weight: float = 0.6,
) -> list[LineageLink]:
    """One ``LineageLink`` per new topic, in the order given."""
    if len(new_centroids) != len(new_keywords) or len(previous_centroids) != len(previous_keywords):
        raise ValueError("each topic needs one centroid and one keyword list")
    if len(previous_centroids) == 0:
        return [LineageLink(None, [], "new", 0.0) for _ in range(len(new_centroids))]
    scores = centroid_weight * _cosines(np.asarray(new_centroids), np.asarray(previous_centroids)) + (
        1 - centroid_weight
    ) * _jaccards(new_keywords, previous_keywords)
    links = scores >= min_score
    rows, cols = linear_sum_assignment(np.where(links, -scores, 1.0))
    inherits = {int(r): int(c) for r, c in zip(rows, cols) if links[r, c]}
    heirs = {previous: new for new, previous in inherits.items()}
    # Two neighbouring topics that both continue (each inherits its own key) resemble each
    # other's predecessor too; that likeness is no split or merge, so it is not a link.
    for new, previous in inherits.items():
        for other, other_heir in heirs.items():
            if other != previous and other_heir != new:
                links[new, other] = False
    children = links.sum(axis=0)
    out = []
    for i in range(len(new_centroids)):
        parents = [int(j) for j in np.argsort(-scores[i]) if links[i, j]]
        if len(parents) >= 2:
            relation = "merge"
        elif parents and children[parents[0]] >= 2:
            relation = "split"
        elif parents:
            relation = "match"
        else:
            relation = "new"
        best = float(scores[i].max())
        out.append(LineageLink(inherits.get(i), parents, relation, best))
    return out


def _cosines(new: np.ndarray, previous: np.ndarray) -> np.ndarray:
    if len(new) + len(previous) >= MIN_TOPICS_TO_CENTRE:
        centre = np.vstack([new, previous]).mean(axis=0)
        new, previous = new - centre, previous - centre
    new = new / np.maximum(np.linalg.norm(new, axis=1, keepdims=True), 1e-12)
    previous = previous / np.maximum(np.linalg.norm(previous, axis=1, keepdims=True), 1e-12)
    return new @ previous.T


def _jaccards(new: Sequence[Sequence[str]], previous: Sequence[Sequence[str]]) -> np.ndarray:
    new_sets = [set(words) for words in new]
    previous_sets = [set(words) for words in previous]
    out = np.zeros((len(new_sets), len(previous_sets)))
    for i, a in enumerate(new_sets):
        for j, b in enumerate(previous_sets):
            union = a | b
            out[i, j] = len(a & b) / len(union) if union else 0.0
    return out

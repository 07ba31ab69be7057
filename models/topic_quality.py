"""Topic quality figures: NPMI coherence and topic diversity, the two the BERTopic paper reports.

Both work on keyword strings only, so the same functions score TopicPulse's topics and a plain
BERTopic baseline. A keyword occurs in a comment when its syllables appear there in sequence:
'đất_đai' and 'đất đai' are the same keyword, and a segmented or a raw corpus gives the same
counts. Co-occurrence is counted per comment (document co-occurrence), which suits short texts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from models.segment import syllables


def topic_diversity(topic_words: Sequence[Sequence[str]], top_k: int = 10) -> float:
    """Share of distinct keywords among the top ``top_k`` of every topic (1.0: no keyword repeats)."""
    chosen = [[w for w in words if w][:top_k] for words in topic_words]
    total = sum(len(words) for words in chosen)
    if total == 0:
        return 0.0
    return len({syllables(w) for words in chosen for w in words}) / total


def npmi_coherence(topic_words: Sequence[Sequence[str]], corpus: Sequence[str], top_k: int = 10) -> float:
    """Mean NPMI over every pair of each topic's top ``top_k`` keywords, averaged over topics.

    NPMI(a, b) = log(P(a,b) / (P(a) P(b))) / -log P(a,b), probabilities are shares of comments;
    a pair that never co-occurs scores -1. Returns NaN when no topic has two keywords.
    """
    topics = [[syllables(w) for w in words if w and syllables(w)][:top_k] for words in topic_words]
    terms = sorted({term for words in topics for term in words})
    if not terms or not corpus:
        return float("nan")
    presence = _presence(terms, corpus)
    n_docs = presence.shape[0]
    counts = np.asarray(presence.sum(axis=0), dtype=np.float64).ravel()
    together = (presence.T @ presence).toarray()
    column = {term: i for i, term in enumerate(terms)}
    scores = []
    for words in topics:
        pairs = []
        for a, b in itertools.combinations([column[w] for w in words], 2):
            pairs.append(_npmi(together[a, b] / n_docs, counts[a] / n_docs, counts[b] / n_docs))
        if pairs:
            scores.append(float(np.mean(pairs)))
    return float(np.mean(scores)) if scores else float("nan")


def _npmi(p_ab: float, p_a: float, p_b: float) -> float:
    if p_ab <= 0:
        return -1.0
    if p_ab >= 1:
        return 1.0
    return math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)


def _presence(terms: list[tuple[str, ...]], corpus: Sequence[str]) -> sparse.csr_matrix:
    """A sparse 0/1 (comments x terms) matrix: does the term's syllable sequence occur in the comment."""
    index = {" ".join(term): i for i, term in enumerate(terms)}
    lengths = sorted({len(term) for term in terms})
    rows, cols = [], []
    for row, text in enumerate(corpus):
        parts = syllables(text)
        found = set()
        for n in lengths:
            for start in range(len(parts) - n + 1):
                col = index.get(" ".join(parts[start:start + n]))
                if col is not None:
                    found.add(col)
        rows.extend([row] * len(found))
        cols.extend(found)
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(corpus), len(terms)))

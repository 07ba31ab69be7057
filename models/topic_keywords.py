"""How a topic is described: keyword representation steps for BERTopic (word encoder, topic-share
floor, c-TF-IDF), its representative comments, its keyword order and its label.

BERTopic is imported inside the functions that build its parts, so importing this module (and
``models.topics``) stays light until a fit runs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from models.segment import keyword_terms, tokens
from models.text import detect_language


class WordEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def encoder_backend(encoder: WordEncoder):
    """BERTopic's view of a word encoder; defined here so BERTopic is imported only when fitting."""
    from bertopic.backend import BaseEmbedder

    class EncoderBackend(BaseEmbedder):
        def embed(self, documents, verbose: bool = False) -> np.ndarray:
            # Keywords arrive segmented ("đất_đai"); the encoder was trained on spaced syllables.
            return encoder.encode([str(doc).replace("_", " ") for doc in documents])

    return EncoderBackend()


def topic_share_floor(min_share: float, keep: int):
    """A BERTopic representation step: drop candidate keywords found in under ``min_share`` of the topic's comments."""
    from bertopic.representation import BaseRepresentation

    class TopicShareFloor(BaseRepresentation):
        def extract_topics(self, topic_model, documents, c_tf_idf, topics):
            found = {}
            for topic, docs in documents.groupby("Topic")["Document"]:
                counts = Counter(term for doc in docs for term in set(keyword_terms(doc)))
                found[topic] = (counts, math.ceil(min_share * len(docs)))
            out = {}
            for topic, candidates in topics.items():
                counts, need = found.get(topic, (Counter(), 1))
                out[topic] = [(word, score) for word, score in candidates if word and counts[word] >= need][:keep]
            return out

    return TopicShareFloor()


def ctfidf(reduce_frequent_words: bool):
    from bertopic.vectorizers import ClassTfidfTransformer

    return ClassTfidfTransformer(reduce_frequent_words=reduce_frequent_words)


def representatives(ranked: np.ndarray, texts: list[str], n: int) -> list[int]:
    """The ``n`` comments closest to the centroid, one per distinct text; very short ones last."""
    seen, full, short = set(), [], []
    for position, text in zip(ranked.tolist(), texts):
        words = tokens(text)
        key = " ".join(words)
        if key in seen:
            continue
        seen.add(key)
        (full if len(words) >= 3 else short).append(position)
        if len(full) >= n:
            break
    return (full + short)[:n]


def vietnamese_first(keywords: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Keywords with the Vietnamese ones first, each side in its own order: a mixed topic reads in Vietnamese."""
    return sorted(keywords, key=lambda kw: detect_language(kw[0].replace("_", " ")) != "vi")


def label_from_keywords(keywords: Sequence[str], n_words: int = 3) -> str:
    """A short readable label: the first keywords that share no word with one already taken."""
    chosen: list[str] = []
    taken: set[str] = set()
    for keyword in keywords:
        words = set(keyword.split())
        if not keyword or words & taken:
            continue
        chosen.append(keyword)
        taken |= words
        if len(chosen) == n_words:
            break
    return ", ".join(word.replace("_", " ") for word in chosen) or "(no keywords)"

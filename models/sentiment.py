"""Sentiment of a comment (negative, neutral, positive) read from its embedding.

No model is downloaded: a multinomial logistic regression learns, at load time, from the short
labelled examples in ``models.sentiment_examples`` embedded by the same embedder that embedded
the comments, so the vectors already cached for topics are all it needs. ``classifier_key``
names the classifier (embedder fingerprint, examples, parameters) without training it, so stored
scores from another one are never mixed with its own, and a run can tell that every text is
scored without importing scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
from typing import Protocol

import numpy as np

from config import SentimentSettings
from models import sentiment_examples

LABELS = ("negative", "neutral", "positive")


class TextEncoder(Protocol):
    fingerprint: str

    def encode(self, texts: list[str], *, show_progress: bool | None = None) -> np.ndarray: ...


def examples() -> tuple[list[str], np.ndarray]:
    """The labelled example texts and their class indices in ``LABELS`` order."""
    groups = (sentiment_examples.NEGATIVE, sentiment_examples.NEUTRAL, sentiment_examples.POSITIVE)
    texts = [text for group in groups for text in group]
    labels = np.concatenate([np.full(len(group), index) for index, group in enumerate(groups)])
    return texts, labels


def classifier_key(params: SentimentSettings, fingerprint: str) -> str:
    """The name of the classifier these parameters train on ``fingerprint`` vectors."""
    texts, labels = examples()
    fitted = {name: value for name, value in params.values().items() if name in ("regularisation", "max_iter")}
    digest = hashlib.sha256(json.dumps([texts, labels.tolist(), fitted], sort_keys=True).encode()).hexdigest()[:12]
    return f"logreg-{digest}-{fingerprint}"


class SentimentClassifier:
    """Trained on the examples' embeddings; ``probabilities`` scores comment vectors of that embedder."""

    def __init__(self, embedder: TextEncoder, params: SentimentSettings) -> None:
        from sklearn.linear_model import LogisticRegression  # only where a classifier is trained

        texts, labels = examples()
        vectors = np.asarray(embedder.encode(texts, show_progress=False), dtype=np.float32)
        self.fingerprint = embedder.fingerprint
        self.key = classifier_key(params, embedder.fingerprint)
        self._model = LogisticRegression(C=params.regularisation, max_iter=params.max_iter)
        self._model.fit(vectors, labels)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, 3) class probabilities in ``LABELS`` order."""
        if len(vectors) == 0:
            return np.empty((0, len(LABELS)), dtype=np.float32)
        return self._model.predict_proba(np.asarray(vectors, dtype=np.float32)).astype(np.float32)

    def labels(self, vectors: np.ndarray) -> list[str]:
        return [LABELS[i] for i in self.probabilities(vectors).argmax(axis=1)]

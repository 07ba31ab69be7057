"""Comments typed without diacritics, restored before they are clustered or assigned: one home for fit and assign.

A topic run fits unaccented Vietnamese on its restored spelling (``models.diacritics``). Comments
assigned to that run later must be read the same way: compared as typed, an unaccented comment
that the fit would have put with its accented twins sits far from their centroid and lands in
another topic, or in none. So the fit (``pipelines.topics``) and the assignment of new comments
(``pipelines.assign``) both take their vectors from ``analysis_vectors``.

The restored text is analysis only; the store keeps what people wrote. Its vector goes through
the embedding cache under the restored text's own hash, so each restoration is embedded once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.diacritics import DiacriticRestorer, analysis_texts
from models.text import text_hash
from store import Store
from store import embeddings as store_embeddings
from store import topics as store_topics


def learned_restorer(store: Store, limit: int) -> DiacriticRestorer:
    """Spellings learned from the store's latest ``limit`` comments, for texts that come without a corpus.

    The assign path sees a few new comments at a time, too few to learn from; the comments around
    them in the store are the corpus a re-fit would learn from (bounded like the fit's sample).
    """
    return DiacriticRestorer().fit(store_topics.recent_comment_texts(store, limit))


def analysis_vectors(store: Store, fingerprint: str, embedder, texts: Sequence[str], vectors: np.ndarray,
                     restorer: DiacriticRestorer | None = None) -> tuple[list[str], np.ndarray, int]:
    """The texts and vectors analysis reads, and how many were restored.

    Unaccented Vietnamese in ``texts`` gets its restored spelling and that spelling's vector; the
    other rows are returned as given. Without ``restorer`` the spellings are learned from ``texts``.
    """
    out, restored = analysis_texts(texts, restorer)
    if not restored:
        return out, vectors, 0
    hashes = [text_hash(out[i]) for i in restored]
    cached = store_embeddings.vectors_for_hashes(store, fingerprint, hashes)
    missing = sorted({h: out[i] for h, i in zip(hashes, restored) if h not in cached}.items())
    if missing:
        encoded = embedder.encode([text for _, text in missing], show_progress=False)
        store_embeddings.put_vectors(store, fingerprint, [h for h, _ in missing], encoded)
        cached.update(zip((h for h, _ in missing), encoded))
    analysed = np.array(vectors, dtype=np.float32)
    analysed[restored] = np.stack([cached[h] for h in hashes])
    return out, analysed, len(restored)

"""Embed every comment text that has no vector yet for the current model, in resumable batches."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from models.e5_convert import prepare_default_model
from models.embedding import PROGRESS_MIN_TEXTS, Embedder, progress_bar
from config import Settings
from pipelines import ray_engine
from store import Store
from store import embeddings as store_embeddings

log = logging.getLogger(__name__)


@dataclass
class EmbedReport:
    model: str
    fingerprint: str
    dim: int
    texts_total: int
    texts_cached: int
    texts_embedded: int
    batches: int
    seconds: float


def prepare_default(settings: Settings, *, force: bool = False) -> Path:
    """The offline multilingual default's folder in the model cache, converted on first use."""
    return prepare_default_model(settings.resolve(settings.embedding.cache_dir), force=force)


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder; with no model configured, the offline multilingual default."""
    cfg = settings.embedding
    model = cfg.model if cfg.model is not None else str(prepare_default(settings))
    return Embedder(
        model,
        device=cfg.device,
        batch_size=cfg.batch_size,
        max_seq_length=cfg.max_seq_length,
        prompt=cfg.prompt,
        backend=cfg.backend,
        cache_dir=settings.resolve(cfg.cache_dir) / "onnx",
    )


def embed_comments(settings: Settings, store: Store, embedder: Embedder | None = None) -> EmbedReport:
    """Embed the comment texts with no vector for this model; each batch commits on its own.

    Texts are keyed by their hash, so duplicates are embedded once, a second run over the same
    comments embeds nothing, and an interrupted run keeps every batch it finished. With
    ``engine = "ray"`` the pages are embedded by Ray workers and still written here.
    """
    started = time.perf_counter()
    embedder = embedder or load_embedder(settings)
    store_embeddings.register_model(store, embedder.fingerprint, embedder.dim, embedder.model_name)
    total, missing = store_embeddings.text_counts(store, embedder.fingerprint)
    log.info("%d distinct comment texts, %d to embed with %s", total, missing, embedder.fingerprint)
    embedded = batches = 0
    progress = progress_bar(missing, missing >= PROGRESS_MIN_TEXTS)
    pages = store_embeddings.missing_texts(store, embedder.fingerprint, batch_size=settings.embedding.write_batch)
    engine = ray_engine.for_settings(settings) if missing else None
    if engine is not None:
        embedded_pages = engine.embed_pages(embedder.model_name, pages, embedder.fingerprint)
    else:
        embedded_pages = ((hashes, embedder.encode(texts, show_progress=False)) for hashes, texts in pages)
    try:
        for text_hashes, vectors in embedded_pages:
            store_embeddings.put_vectors(store, embedder.fingerprint, text_hashes, vectors)
            embedded += len(text_hashes)
            batches += 1
            progress.update(len(text_hashes))
            log.info("embedded %d/%d texts", embedded, missing)
    finally:
        progress.close()
    return EmbedReport(
        model=embedder.model_name,
        fingerprint=embedder.fingerprint,
        dim=embedder.dim,
        texts_total=total,
        texts_cached=total - missing,
        texts_embedded=embedded,
        batches=batches,
        seconds=round(time.perf_counter() - started, 3),
    )

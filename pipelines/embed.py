"""Embed every comment text that has no vector yet for the current model, in resumable batches.

Loading a model costs seconds (torch, the weights, the ONNX session), so a run first asks
whether there is anything to embed: the fingerprint that the configured model had the last time
it was loaded is remembered in the model cache (``fingerprints.json``), keyed by everything the
fingerprint depends on that can be read without loading it (the configured model and its files'
sizes and times, prompt, sequence length, backend, device, whether a GPU is present). When that
fingerprint has a vector for every comment text, the run ends without importing torch.

After embedding, the sentiment of each text with a vector and no score is read from that vector
(``pipelines.sentiment``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from config import Settings
from models.e5_convert import MODEL_NAME, package_model_file, prepare_default_model
from models.embedding import PROGRESS_MIN_TEXTS, Embedder, progress_bar
from models.model_cache import default_cache_dir
from pipelines import ray_engine
from pipelines.sentiment import model_key as sentiment_key
from pipelines.sentiment import score_comments
from store import Store
from store import embeddings as store_embeddings
from store import sentiment as store_sentiment

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
    texts_scored: int = 0  # sentiment scores added (pipelines.sentiment)


def model_cache_dir(settings: Settings) -> Path:
    """The configured model cache, else the machine-wide one every store shares."""
    configured = settings.embedding.cache_dir
    return settings.resolve(configured) if configured is not None else default_cache_dir()


def prepare_default(settings: Settings, *, force: bool = False) -> Path:
    """The offline multilingual default's folder in the model cache, converted on first use."""
    return prepare_default_model(model_cache_dir(settings), force=force)


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder; with no model configured, the offline multilingual default."""
    cfg = settings.embedding
    model = cfg.model if cfg.model is not None else str(prepare_default(settings))
    embedder = Embedder(
        model,
        device=cfg.device,
        batch_size=cfg.batch_size,
        max_seq_length=cfg.max_seq_length,
        prompt=cfg.prompt,
        backend=cfg.backend,
        cache_dir=model_cache_dir(settings) / "onnx",
    )
    remember_fingerprint(settings, embedder)
    return embedder


def _memo_path(settings: Settings) -> Path:
    return model_cache_dir(settings) / "fingerprints.json"


def _model_key(settings: Settings) -> str:
    """Everything the configured model's fingerprint depends on that is known before loading it."""
    cfg = settings.embedding
    if cfg.model is not None:
        source = Path(cfg.model).expanduser()
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    else:  # the package file and the folders converted from it
        converted = model_cache_dir(settings).glob(f"{MODEL_NAME}-*/**/*")
        files = [package_model_file(), *sorted(p for p in converted if p.is_file())]
    parts = {
        "model": cfg.model,
        "files": [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in files if p.exists()],
        "settings": cfg.model_dump(mode="json", include={"device", "backend", "prompt", "max_seq_length"}),
        "gpu": os.path.exists("/dev/nvidiactl") and os.environ.get("CUDA_VISIBLE_DEVICES") != "",
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _remembered(settings: Settings) -> dict[str, dict[str, object]]:
    try:
        return json.loads(_memo_path(settings).read_text())
    except (OSError, ValueError):
        return {}


def remember_fingerprint(settings: Settings, embedder: Embedder) -> None:
    """Note the loaded model's fingerprint, so a later run can tell there is nothing to do without loading it."""
    memo = _remembered(settings)
    memo[_model_key(settings)] = {"fingerprint": embedder.fingerprint, "model": embedder.model_name, "dim": embedder.dim}
    path = _memo_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(memo, indent=1))
    partial.replace(path)


def _nothing_to_embed(settings: Settings, store: Store, started: float) -> EmbedReport | None:
    """The report of a run with nothing to do, when the remembered fingerprint shows that; else None."""
    known = _remembered(settings).get(_model_key(settings))
    if known is None or store_embeddings.model_dim(store, str(known["fingerprint"])) is None:
        return None
    fingerprint = str(known["fingerprint"])
    total, missing = store_embeddings.text_counts(store, fingerprint)
    scoring = sentiment_key(settings, fingerprint)
    if missing or (scoring is not None and store_sentiment.unscored_count(store, scoring)):
        return None
    log.info("%d distinct comment texts, none to embed with %s", total, fingerprint)
    return EmbedReport(
        model=str(known["model"]), fingerprint=fingerprint, dim=int(known["dim"]), texts_total=total,
        texts_cached=total, texts_embedded=0, batches=0, seconds=round(time.perf_counter() - started, 3),
    )


def embed_comments(settings: Settings, store: Store, embedder: Embedder | None = None) -> EmbedReport:
    """Embed the comment texts with no vector for this model; each batch commits on its own.

    Texts are keyed by their hash, so duplicates are embedded once, a second run over the same
    comments embeds nothing (without loading the model when none is given), and an interrupted
    run keeps every batch it finished. With ``engine = "ray"`` the pages are embedded by Ray
    workers and still written here.
    """
    started = time.perf_counter()
    if embedder is None:
        done = _nothing_to_embed(settings, store, started)
        if done is not None:
            return done
        embedder = load_embedder(settings)
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
    scored = score_comments(settings, store, embedder)
    return EmbedReport(
        model=embedder.model_name,
        fingerprint=embedder.fingerprint,
        dim=embedder.dim,
        texts_total=total,
        texts_cached=total - missing,
        texts_embedded=embedded,
        batches=batches,
        seconds=round(time.perf_counter() - started, 3),
        texts_scored=scored,
    )

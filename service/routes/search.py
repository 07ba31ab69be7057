"""Semantic search over stored comments, and classifying new texts against the current topics.

Both embed the asked texts with the configured embedder, loaded once on first use (never at
start-up) and shared by the app; encoding runs on the request's worker thread, one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Depends, HTTPException, Request

from models.embedding import Embedder, ModelUnavailableError
from pipelines.assign import AssignError, classify_texts
from pipelines.embed import load_embedder
from config import Settings
from service.deps import SettingsDep, StoreDep, current_run_with_topic, require_role
from service.params import check_order
from service.schemas import (
    ClassificationPublic,
    ClassificationsPublic,
    ClassifyIn,
    ErrorPublic,
    SearchHit,
    SearchIn,
    SearchPublic,
)
from store.browse import search_comments
from store.topics import current_run

router = APIRouter(
    tags=["search"],
    dependencies=[Depends(require_role("reader"))],
    responses={401: {"model": ErrorPublic}, 403: {"model": ErrorPublic}},
)


class QueryEncoder:
    """The app's embedder, loaded on the first search or classify; encoding takes turns."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()

    @contextmanager
    def use(self) -> Iterator[Embedder]:
        """The embedder, loaded if need be, for this caller alone until the block ends.

        Raises ``HTTPException(503)`` when the configured model cannot be loaded.
        """
        with self._lock:
            if self._embedder is None:
                try:
                    self._embedder = load_embedder(self.settings)
                except ModelUnavailableError as exc:
                    raise HTTPException(503, f"the embedding model cannot be loaded: {exc}") from exc
            yield self._embedder

    def encode(self, text: str) -> tuple[str, list[float]]:
        """(the model's fingerprint, the text's vector)."""
        with self.use() as embedder:
            return embedder.fingerprint, embedder.encode([text], show_progress=False)[0].tolist()


def get_encoder(request: Request) -> QueryEncoder:
    return request.app.state.encoder


@router.post(
    "/search",
    response_model=SearchPublic,
    summary="Comments closest in meaning to a query",
    responses={404: {"model": ErrorPublic, "description": "`topic_key` is not a topic of the current run."},
               409: {"model": ErrorPublic, "description": "No comment has been embedded with the model yet."}},
)
def search(body: SearchIn, store: StoreDep, encoder: QueryEncoder = Depends(get_encoder)) -> SearchPublic:
    """Embeds the query with the configured model and ranks the comments' cached vectors by cosine
    similarity inside DuckDB; one hit per distinct text. Filters narrow the candidates first."""
    check_order(body.start, body.end, "body.end")
    run = current_run_with_topic(store, body.topic_key, "body.topic_key")
    fingerprint, vector = encoder.encode(body.query)
    hits = search_comments(
        store, fingerprint, vector, run_id=run["run_id"] if run else None, topic_key=body.topic_key,
        start=body.start, end=body.end, source=body.source, limit=body.limit,
    )
    if hits is None:
        raise HTTPException(409, "no comment is embedded with the configured model yet; run a topic run or embed first")
    return SearchPublic(model=fingerprint, items=[SearchHit(**hit) for hit in hits])


@router.post(
    "/classify",
    response_model=ClassificationsPublic,
    summary="The current topic each text would join; nothing is stored",
    responses={409: {"model": ErrorPublic, "description": "No topic run yet, or it used another embedding model."}},
)
def classify(
    body: ClassifyIn, settings: SettingsDep, store: StoreDep, encoder: QueryEncoder = Depends(get_encoder)
) -> ClassificationsPublic:
    """Each text is normalised as ingestion would, embedded, and given the nearest topic of the
    current run when it is similar enough (else ``topic_key`` is null)."""
    run = current_run(store)
    try:
        with encoder.use() as embedder:
            found = classify_texts(settings, store, body.texts, embedder=embedder)
    except AssignError as exc:
        raise HTTPException(409, str(exc)) from exc
    return ClassificationsPublic(
        run_id=run["run_id"],
        items=[ClassificationPublic(text=text, topic_key=c.topic_key, label=c.label, similarity=c.similarity)
               for text, c in zip(body.texts, found, strict=True)],
    )

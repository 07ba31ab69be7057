"""Semantic search over stored comments, and classifying new texts against the current topics.

Both embed the asked texts with the configured embedder, loaded once on first use (never at
start-up) and shared by the app; encoding runs on the request's worker thread, one at a time.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, HTTPException, Request

from models.embedding import Embedder, ModelUnavailableError
from pipelines.embed import load_embedder
from pipelines.settings import Settings
from service.deps import SettingsDep, StoreDep, require_role
from service.schemas import ErrorPublic, SearchHit, SearchIn, SearchPublic
from store.browse import search_comments
from store.topics import current_run, list_topics

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

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings)
            return self._embedder

    def encode(self, texts: list[str]) -> tuple[str, list[list[float]]]:
        """(the model's fingerprint, one vector per text)."""
        embedder = self.embedder
        with self._lock:
            vectors = embedder.encode(texts, show_progress=False)
        return embedder.fingerprint, vectors.tolist()


def get_encoder(request: Request) -> QueryEncoder:
    return request.app.state.encoder


def _encode(encoder: QueryEncoder, texts: list[str]) -> tuple[str, list[list[float]]]:
    try:
        return encoder.encode(texts)
    except ModelUnavailableError as exc:
        raise HTTPException(503, f"the embedding model cannot be loaded: {exc}") from exc


@router.post(
    "/search",
    response_model=SearchPublic,
    summary="Comments closest in meaning to a query",
    responses={409: {"model": ErrorPublic, "description": "No comment has been embedded with the model yet."}},
)
def search(body: SearchIn, store: StoreDep, encoder: QueryEncoder = Depends(get_encoder)) -> SearchPublic:
    """Embeds the query with the configured model and ranks the comments' cached vectors by cosine
    similarity inside DuckDB; one hit per distinct text. Filters narrow the candidates first."""
    if body.start and body.end and body.end <= body.start:
        raise HTTPException(422, "body.end: must be after start")
    run = current_run(store)
    if body.topic_key is not None and (run is None or not any(
        t["topic_key"] == body.topic_key for t in list_topics(store, run["run_id"])
    )):
        raise HTTPException(404, f"body.topic_key: the current run has no topic {body.topic_key!r}")
    fingerprint, (vector,) = _encode(encoder, [body.query])
    hits = search_comments(
        store, fingerprint, vector, run_id=run["run_id"] if run else None, topic_key=body.topic_key,
        start=body.start, end=body.end, source=body.source, limit=body.limit,
    )
    if hits is None:
        raise HTTPException(409, "no comment is embedded with the configured model yet; run a topic run or embed first")
    return SearchPublic(model=fingerprint, items=[SearchHit(**hit) for hit in hits])

"""Analysts' corrections: rename, merge, hide and seed topics, list and undo corrections.

Each applies to the current run at once and to every later run through lineage (see
pipelines/corrections.py). Nothing records which key made a correction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from pipelines import corrections
from service.corrections_schemas import CorrectionPublic, CorrectionsPublic, LabelIn, MergeIn, SeedIn
from service.deps import StoreDep, require_role
from service.routes.search import QueryEncoder, get_encoder
from service.schemas import ErrorPublic
from store import corrections as store_corrections

router = APIRouter(
    tags=["corrections"],
    dependencies=[Depends(require_role("analyst"))],
    responses={401: {"model": ErrorPublic}, 403: {"model": ErrorPublic},
               404: {"model": ErrorPublic, "description": "No such topic in the current run (in the path or "
                                                          "the body), or no such correction."},
               409: {"model": ErrorPublic, "description": "No topic run yet, or (seeding) the run clustered "
                                                          "another embedding model's vectors."}},
)

TopicKeyPath = Annotated[str, Path(min_length=1, max_length=20, examples=["t0003"])]


def _correct(action) -> CorrectionPublic:
    """Run a correction, turning its complaints into 409 (no run, or one clustered with another
    embedder), 404 (an unknown topic or correction) or 422 (bad input), each naming the field."""
    try:
        return CorrectionPublic(**_public(action()))
    except corrections.CorrectionError as exc:
        if exc.conflict:
            raise HTTPException(409, str(exc)) from exc
        raise HTTPException(404 if exc.missing else 422, f"{_where(exc.field)}.{exc}") from exc


def _where(field: str) -> str:
    return "path" if field in ("topic_key", "correction_id") else "body"


def _public(row: dict) -> dict:
    return {**row, "merged_keys": row.get("merged_keys") or [], "seed_phrases": row.get("seed_phrases") or []}


@router.post("/topics/{topic_key}/label", response_model=CorrectionPublic, status_code=201,
             summary="Give a topic a label chosen by a person; it keeps it across re-fits")
def rename_topic(topic_key: TopicKeyPath, body: LabelIn, store: StoreDep) -> CorrectionPublic:
    return _correct(lambda: corrections.rename_topic(store, topic_key, body.label))


@router.post("/topics/{topic_key}/hide", response_model=CorrectionPublic, status_code=201,
             summary="Hide a topic (noise, spam) from topic lists, forecasts and alerts")
def hide_topic(topic_key: TopicKeyPath, store: StoreDep) -> CorrectionPublic:
    return _correct(lambda: corrections.hide_topic(store, topic_key))


@router.post("/topics/{topic_key}/merge", response_model=CorrectionPublic, status_code=201,
             summary="Fold other topics into this one; they stay merged across re-fits")
def merge_topics(topic_key: TopicKeyPath, body: MergeIn, store: StoreDep) -> CorrectionPublic:
    return _correct(lambda: corrections.merge_topics(store, topic_key, body.topic_keys))


@router.post("/seeded-topics", response_model=CorrectionPublic, status_code=201,
             summary="Split off a new topic from seed phrases (a seeded, zero-shot topic)")
def seed_topic(body: SeedIn, store: StoreDep, encoder: Annotated[QueryEncoder, Depends(get_encoder)]) -> CorrectionPublic:
    with encoder.use() as embedder:
        return _correct(lambda: corrections.seed_topic(store, body.label, body.phrases, embedder))


@router.get("/corrections", response_model=CorrectionsPublic, summary="Analysts' corrections, oldest first")
def list_corrections(
    store: StoreDep,
    include_undone: Annotated[bool, Query(description="Also list corrections someone undid.")] = False,
) -> CorrectionsPublic:
    rows = store_corrections.list_corrections(store, active_only=not include_undone)
    return CorrectionsPublic(items=[CorrectionPublic(**_public(row)) for row in rows])


@router.post("/corrections/{correction_id}/undo", response_model=CorrectionPublic,
             summary="Undo a correction; the current run is corrected again without it")
def undo_correction(correction_id: Annotated[int, Path(ge=1, le=2**62)], store: StoreDep) -> CorrectionPublic:
    return _correct(lambda: corrections.undo(store, correction_id))

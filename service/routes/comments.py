"""Comments in (a JSON batch or an uploaded file) and out (filtered, paged, never the author)."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile

from pipelines.ingest import IngestError, IngestReport, ingest_file, ingest_records
from service.deps import MetricsDep, PageSizeDep, SettingsDep, StoreDep, current_run_with_topic, require_role
from service.metrics import ServiceMetrics
from service.pagination import decode_cursor, encode_cursor
from service.params import Moment, check_order
from service.schemas import CommentPublic, CommentsIn, CommentsPublic, ErrorPublic, IngestPublic, Rejection
from store.browse import list_comments

router = APIRouter(tags=["comments"], responses={401: {"model": ErrorPublic}, 403: {"model": ErrorPublic}})

_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def display_name(filename: str | None) -> str:
    """A file name fit to show and to name a temporary file: no folders, no odd characters."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = _UNSAFE_NAME.sub("_", name).strip("._")[:100]
    return name or "upload"


def _public_report(report: IngestReport, metrics: ServiceMetrics) -> IngestPublic:
    metrics.observe_ingest(accepted=report.accepted, duplicates=report.duplicates, rejected=report.rejected)
    return IngestPublic(
        batch_id=report.batch_id,
        rows_read=report.rows_read,
        accepted=report.accepted,
        duplicates=report.duplicates,
        rejected=report.rejected,
        rejections=[Rejection(index=index, reason=reason) for index, reason in report.rejections],
        rejections_not_listed=report.rejections_not_listed,
        reasons=report.reasons,
        already_ingested=report.already_ingested,
        encoding=report.encoding,
    )


@router.post(
    "/comments",
    response_model=IngestPublic,
    dependencies=[Depends(require_role("admin"))],
    summary="Add a batch of comments",
    responses={422: {"model": ErrorPublic, "description": "Malformed body, a wrong type or date, or too many."}},
)
def post_comments(body: CommentsIn, settings: SettingsDep, store: StoreDep, metrics: MetricsDep) -> IngestPublic:
    """Stores the good comments in one batch; each turned-away comment is listed with its index
    and reason (empty after normalisation, too long, ...). Re-sent comments count as duplicates."""
    if len(body.comments) > settings.service.max_batch:
        raise HTTPException(422, f"body.comments: at most {settings.service.max_batch} comments per request")
    records = [comment.model_dump(exclude_none=True) for comment in body.comments]
    return _public_report(ingest_records(settings, store, records, source_file="api"), metrics)


@router.post(
    "/comments/upload",
    response_model=IngestPublic,
    dependencies=[Depends(require_role("admin"))],
    summary="Upload a CSV, JSONL, JSON or Parquet file of comments",
    responses={422: {"model": ErrorPublic, "description": "The file cannot be used; the message says why."}},
)
def upload_comments(
    settings: SettingsDep,
    store: StoreDep,
    metrics: MetricsDep,
    file: Annotated[UploadFile, File(description="The comments file; its columns are recognised by name.")],
    source: Annotated[str | None, Form(max_length=100, description="Channel for rows without a source.")] = None,
    encoding: Annotated[str | None, Form(max_length=40, description="Override encoding detection.")] = None,
) -> IngestPublic:
    """The file goes through the same ingestion as ``topicpulse ingest``. Its name is only shown
    (sanitised); it never becomes a path."""
    name = display_name(file.filename)
    with tempfile.TemporaryDirectory(prefix="topicpulse-upload-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        try:
            report = ingest_file(
                settings, store, path, encoding=encoding, source=source, source_file=f"upload:{name}"
            )
        except IngestError as exc:
            raise HTTPException(422, f"file: {str(exc).replace(str(path), name)}") from exc
    return _public_report(report, metrics)


@router.get(
    "/comments",
    response_model=CommentsPublic,
    dependencies=[Depends(require_role("reader"))],
    summary="Comments, newest first, filtered and paged",
    responses={404: {"model": ErrorPublic, "description": "`topic` is not a topic of the current run."}},
)
def get_comments(
    store: StoreDep,
    limit: PageSizeDep,
    start: Annotated[Moment | None, Query(description="From this moment (RFC 3339, with offset).")] = None,
    end: Annotated[Moment | None, Query(description="Before this moment (exclusive); after start.")] = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
    topic: Annotated[str | None, Query(max_length=20, description="Only this topic's comments (current run).")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text the comment contains (any case).")] = None,
    cursor: str | None = None,
) -> CommentsPublic:
    check_order(start, end, "query.end")
    after = decode_cursor(cursor, tuple[datetime, int]) if cursor else None
    run = current_run_with_topic(store, topic, "query.topic")
    rows = list_comments(
        store, run_id=run["run_id"] if run else None, topic_key=topic, start=start, end=end, source=source,
        query=q, after=after, limit=limit,
    )
    next_cursor = encode_cursor([rows[-1]["created_at"].isoformat(), rows[-1]["id"]]) if len(rows) == limit else None
    return CommentsPublic(items=[CommentPublic(**row) for row in rows], next_cursor=next_cursor)

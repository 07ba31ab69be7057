"""Starting long work (topic runs, forecasts, assignment) and following jobs.

Starting answers 202 with a job id at once; the work runs on a worker thread (see
``service.jobs``). A job whose kind (or a kind sharing a stage with it) is already queued or
running gets 409.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from service.deps import JobsDep, PageSizeDep, StoreDep, require_role
from service.pagination import decode_cursor, encode_cursor
from service.schemas import ErrorPublic, JobAccepted, JobKind, JobPublic, JobsPublic, JobStatus
from service.jobs import JobRunner
from store import Store
from store import jobs as job_store
from store.jobs import JobAlreadyRunning

router = APIRouter(
    tags=["jobs"],
    dependencies=[Depends(require_role("admin"))],
    responses={401: {"model": ErrorPublic}, 403: {"model": ErrorPublic}},
)

_STARTED = {409: {"model": ErrorPublic, "description": "A job of this kind is already queued or running."}}


def _start(request: Request, runner: JobRunner, store: Store, kind: str) -> JobAccepted:
    try:
        job_id = runner.submit(store, kind)
    except JobAlreadyRunning as exc:
        raise HTTPException(409, str(exc)) from exc
    return JobAccepted(job_id=job_id, kind=kind, url=str(request.url_for("get_job", job_id=job_id).path))


@router.post("/runs", status_code=202, response_model=JobAccepted, responses=_STARTED,
             summary="Start a topic run (refit=true: embed, fit topics, then forecast)")
def start_run(request: Request, runner: JobsDep, store: StoreDep, refit: bool = False) -> JobAccepted:
    return _start(request, runner, store, "refit" if refit else "topics")


@router.post("/forecasts", status_code=202, response_model=JobAccepted, responses=_STARTED,
             summary="Start forecasting every topic, then alert detection")
def start_forecast(request: Request, runner: JobsDep, store: StoreDep) -> JobAccepted:
    return _start(request, runner, store, "forecast")


@router.post("/assign", status_code=202, response_model=JobAccepted, responses=_STARTED,
             summary="Start assigning new comments to the current topics")
def start_assign(request: Request, runner: JobsDep, store: StoreDep) -> JobAccepted:
    return _start(request, runner, store, "assign")


@router.get("/jobs", response_model=JobsPublic, summary="Jobs, newest first")
def list_jobs(
    store: StoreDep,
    limit: PageSizeDep,
    kind: JobKind | None = None,
    status: JobStatus | None = None,
    cursor: str | None = None,
) -> JobsPublic:
    before = decode_cursor(cursor, int) if cursor else None
    rows = job_store.list_jobs(store, kind=kind, status=status, limit=limit, before=before)
    next_cursor = encode_cursor(rows[-1]["id"]) if len(rows) == limit else None
    return JobsPublic(items=[JobPublic(**row) for row in rows], next_cursor=next_cursor)


@router.get("/jobs/{job_id}", response_model=JobPublic, responses={404: {"model": ErrorPublic}},
            summary="One job: status, progress, counts and error")
def get_job(job_id: int, store: StoreDep) -> JobPublic:
    row = job_store.get_job(store, job_id)
    if row is None:
        raise HTTPException(404, f"job_id: no job with id {job_id}")
    return JobPublic(**row)

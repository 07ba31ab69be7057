"""Request and response models of the HTTP API (``XBase`` → ``XPublic`` / ``XsPublic``).

Models here describe the wire format only; routes build them from the store's dicts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_QUERY_CHARS = 2000
"""Longest search query or text to classify; longer ones are refused, not cut."""


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is, e.g. `body.comments.3.created_at`.")
    message: str


class ErrorPublic(BaseModel):
    detail: str = Field(description="What went wrong, naming the field when one is to blame.")
    request_id: str | None = Field(None, description="Quote it when reporting a problem; also in X-Request-ID.")
    errors: list[FieldError] | None = None

    model_config = ConfigDict(
        json_schema_extra={"example": {"detail": "query.limit: Input should be less than or equal to 500", "request_id": "5f0c…"}}
    )


# Operations


class HealthPublic(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyCheck(BaseModel):
    ok: bool
    detail: str


class ReadyPublic(BaseModel):
    ready: bool
    checks: dict[str, ReadyCheck]


# API keys


Role = Literal["reader", "analyst", "admin"]


class KeyBase(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["dashboard"])
    role: Role = Field(examples=["reader"])


class KeyCreate(KeyBase):
    pass


class KeyPublic(KeyBase):
    id: int
    prefix: str = Field(description="The public start of the key; enough to tell keys apart.")
    created_at: datetime
    revoked_at: datetime | None = None


class KeyCreated(KeyPublic):
    key: str = Field(description="The API key. It is shown only this once; store it now.")


class KeysPublic(BaseModel):
    items: list[KeyPublic]


# Jobs

JobKind = Literal["ingest_inbox", "embed", "topics", "assign", "forecast", "nightly", "refit"]
JobStatus = Literal["queued", "running", "succeeded", "failed"]


class JobPublic(BaseModel):
    id: int
    kind: str
    status: JobStatus
    trigger: str
    params: dict | None = None
    progress: float | None = Field(None, description="0..1 while running; null when unknown.")
    message: str | None = Field(None, description="What the job is doing now.")
    counts: dict | None = Field(None, description="What the job did: its pipeline's report.")
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"id": 12, "kind": "topics", "status": "running", "trigger": "api", "params": {},
                        "progress": 0.4, "message": "clustering", "created_at": "2026-03-01T02:00:00Z"}
        }
    )


class JobsPublic(BaseModel):
    items: list[JobPublic]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next (older) page.")


class JobAccepted(BaseModel):
    job_id: int
    kind: str
    status: JobStatus = "queued"
    url: str = Field(description="Where to follow the job.")

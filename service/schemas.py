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


# Alerts

AlertKind = Literal["emerging", "surge", "fading", "unassigned_growth"]
Severity = Literal["low", "medium", "high"]


class AlertPublic(BaseModel):
    id: int
    kind: AlertKind
    topic_key: str | None = Field(None, description="Null for unassigned_growth.")
    day: date = Field(description="The local day the alert is about.")
    severity: Severity
    score: float
    numbers: dict = Field(description="The figures behind the alert.")
    explanation: str
    created_at: datetime

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"id": 3, "kind": "surge", "topic_key": "t0007", "day": "2026-02-14", "severity": "high",
                        "score": 4.2, "numbers": {"actual": 310, "upper": 74.5},
                        "explanation": "t0007 had 310 comments on 2026-02-14, 4.2 times its forecast's upper bound.",
                        "created_at": "2026-02-15T01:30:12Z"}
        }
    )


class AlertsPublic(BaseModel):
    items: list[AlertPublic]


# Forecasts


class ForecastPoint(BaseModel):
    ds: date
    yhat: float
    lower: float
    upper: float


class BacktestScores(BaseModel):
    mae: float
    smape: float
    mase: float | None = Field(None, description="Null when the history is constant (no scale).")
    folds: int


class ForecastPublic(BaseModel):
    topic_key: str
    freq: Literal["day", "week"]
    model: str = Field(description="The model whose forecast this is: the backtest winner.")
    baseline_chosen: bool = Field(description="True when the seasonal-naive baseline beat Prophet.")
    reason: str
    interval_width: float
    history_start: date
    history_end: date
    observations: int
    created_at: datetime
    points: list[ForecastPoint]
    backtest: dict[str, BacktestScores] = Field(description="Rolling-origin backtest figures by model.")

"""Request and response models of the HTTP API (``XBase`` → ``XPublic`` / ``XsPublic``).

Models here describe the wire format only; routes build them from the store's dicts.

Why this file is over 400 lines: it is the API's whole wire format, one short model per shape,
kept together so that a client author (and the OpenAPI schema's reader) finds every shape in one
place; the models share no logic that a split would separate.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.params import Moment, Posted

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

AlertKind = Literal["emerging", "surge", "fading", "unassigned_growth", "negative_rise"]
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
                        "score": 4.2, "numbers": {"actual": 310, "usual": 74.0, "baseline_days": 28,
                                                                "ratio": 4.19, "p_value": 1e-60},
                        "explanation": "Topic t0007 had 310 comments on 2026-02-14, 4.2 times its usual 74 a day "
                                       "(the median of the 28 days before).",
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
    coverage: float | None = Field(
        None, description="Share of backtest points inside the model's interval (about interval_width when honest)."
    )
    folds: int
    horizon: int | None = Field(None, description="Steps each backtest fold forecast (the served horizon where the history allows).")


class ForecastPublic(BaseModel):
    topic_key: str
    freq: Literal["day", "week"]
    model: str = Field(
        description="The model whose forecast this is: the backtest winner (seasonal_naive, auto_ets, theta, mstl, "
        "croston, adida, prophet, or combination)."
    )
    members: list[str] = Field(default_factory=list, description="For a combination: the models it is the median of.")
    baseline_chosen: bool = Field(description="True when seasonal naive is served: no candidate beat it in the backtest.")
    reason: str
    interval_width: float
    coverage: float | None = Field(
        None, description="Share of backtest points inside the served model's interval: the interval's measured honesty."
    )
    history_start: date
    history_end: date
    observations: int
    created_at: datetime
    points: list[ForecastPoint]
    backtest: dict[str, BacktestScores] = Field(description="Rolling-origin backtest figures by model.")


# Comments


class CommentBase(BaseModel):
    text: str = Field(description="The comment; normalised and redacted when stored.", examples=["Giá xăng tăng quá!"])
    created_at: Posted = Field(
        description="When it was posted (ISO 8601); without an offset it is taken in ingest.timezone.",
        examples=["2026-02-14T08:30:00+07:00"],
    )
    source: str | None = Field(None, max_length=100, description="Channel or site.", examples=["facebook"])
    external_id: str | None = Field(None, max_length=200, description="The id in the source; dedups re-sends.")


class CommentIn(CommentBase):
    author: str | None = Field(
        None, max_length=200, description="Kept only as a keyed hash when ingest.author_hash_key is set; else dropped."
    )

    model_config = ConfigDict(extra="forbid")


class CommentsIn(BaseModel):
    comments: list[CommentIn] = Field(min_length=1, description="At most service.max_batch (1000) comments.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"comments": [{"text": "Giá xăng tăng quá!", "created_at": "2026-02-14T08:30:00+07:00",
                                      "source": "facebook", "external_id": "fb-123"}]}
        },
    )


class Rejection(BaseModel):
    index: int = Field(description="Position of the comment in the request (0-based); for a file, the line "
                                   "(CSV, JSON Lines) or record number (JSON array, Parquet), 1-based.")
    reason: str


class IngestPublic(BaseModel):
    batch_id: int | None
    rows_read: int
    accepted: int
    duplicates: int
    rejected: int
    rejections: list[Rejection] = Field(default_factory=list, description="Each comment turned away, and why "
                                        "(the first 1000; `rejections_not_listed` counts the rest).")
    rejections_not_listed: int = Field(0, description="Rejected rows beyond the list; with it the list adds up "
                                                      "to `rejected`.")
    reasons: list[str] = Field(default_factory=list, description="The first few reasons, in words.")
    already_ingested: bool = Field(False, description="The same file was loaded before; nothing was added.")
    encoding: str | None = Field(None, description="How the file's bytes were decoded (null for API batches and Parquet "
                                                  "input); for a file loaded before, how they were decoded then.")


class CommentPublic(CommentBase):
    id: int
    lang: str = Field(description="vi, en or other.")
    topic_key: str | None = Field(None, description="The current run's topic; null when unassigned.")


class CommentsPublic(BaseModel):
    items: list[CommentPublic]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next (older) page.")


# Topic runs


class RunPublic(BaseModel):
    run_id: int
    status: Literal["running", "done", "failed"]
    current: bool = Field(False, description="The run the API serves topics from.")
    started_at: datetime
    finished_at: datetime | None = None
    duration_s: float | None = None
    params: dict | None = Field(None, description="Settings and the parameters resolved for this corpus.")
    embedding_fingerprint: str | None = None
    data_start: datetime | None = None
    data_end: datetime | None = None
    n_comments: int | None = None
    n_fitted: int | None = Field(None, description="Comments clustered (the sample).")
    n_topics: int | None = None
    n_unassigned: int | None = None
    raw_outlier_share: float | None = Field(None, description="HDBSCAN noise share before outlier reduction.")
    outlier_share: float | None = Field(None, description="Unassigned share after it.")
    topic_diversity: float | None = None
    npmi: float | None = Field(None, description="Topic coherence (NPMI of top keywords).")
    stage_seconds: dict | None = None
    error: str | None = None


class RunsPublic(BaseModel):
    items: list[RunPublic]


# Topics


class TopicBase(BaseModel):
    topic_key: str = Field(description="Stable across runs through lineage.", examples=["t0007"])
    label: str = Field(examples=["giá xăng / tăng giá / xăng dầu"])
    size: int = Field(description="Comments assigned when the run fitted (with analysts' merges and seeds).")
    label_source: Literal["fit", "analyst"] = Field("fit", description="Who chose the label: the fit or a person.")
    provenance: list[str] = Field(default_factory=list, description="What analysts changed, who-free.",
                                  examples=[["label set by an analyst on 2026-02-14"]])
    hidden: bool = Field(False, description="Hidden by an analyst (noise, spam).")


class TopicSummary(TopicBase):
    keywords: list[str] = Field(description="Best first.")
    volume: int = Field(description="Comments in the window.")
    previous_volume: int = Field(description="Comments in the window of equal length just before it.")
    growth: float | None = Field(description="(volume - previous) / previous; null when previous is 0.")
    relation: str | None = Field(None, description="Lineage: match, split, merge or new.")
    negative_share: float | None = Field(
        None, ge=0, le=1, description="Share of the window's scored comments that are negative; null when none is scored.")
    previous_negative_share: float | None = Field(
        None, ge=0, le=1, description="The same for the window just before.")


class Window(BaseModel):
    start: date
    end: date = Field(description="Last day of the window (included).")


class TopicsPublic(BaseModel):
    run_id: int | None = Field(description="The current run; null before the first one.")
    window: Window | None
    items: list[TopicSummary]


class Keyword(BaseModel):
    word: str
    weight: float


class RepresentativeComment(BaseModel):
    comment_id: int
    text: str


class VolumePoint(BaseModel):
    ds: date = Field(description="The local day, or the Monday starting the week.")
    y: int


class SentimentPoint(BaseModel):
    """A topic's comments in one period, counted by the sentiment classifier (models.sentiment)."""

    ds: date = Field(description="The local day, or the Monday starting the week.")
    negative: int = Field(ge=0, description="Comments the sentiment classifier calls negative.")
    scored: int = Field(ge=0, description="Comments with a sentiment score.")
    share: float | None = Field(ge=0, le=1, description="negative / scored; null when no comment was scored.")


class LineageEntry(BaseModel):
    run_id: int
    finished_at: datetime | None = None
    topic_key: str
    relation: str
    parent_run_id: int | None = None
    parent_keys: list[str]
    label: str
    size: int
    score: float | None = None


class TopicPublic(TopicBase):
    run_id: int
    current: bool = Field(description="False when a later run retired this key.")
    origin: Literal["fit", "seed"] = Field("fit", description="seed: split off by an analyst's seed phrases.")
    merged_into: str | None = Field(None, description="The topic an analyst merged this one into.")
    keywords: list[Keyword]
    representative_comments: list[RepresentativeComment]
    daily_volume: list[VolumePoint]
    weekly_volume: list[VolumePoint]
    daily_negative_share: list[SentimentPoint] = Field(
        default_factory=list,
        description="Negative share of the topic's comments per local day, the same days as daily_volume: the series "
        "the negative_rise alert reads. Empty when sentiment is off (sentiment.enabled) or the topic run has no embedding model.",
    )
    weekly_negative_share: list[SentimentPoint] = Field(
        default_factory=list, description="The same per week (Monday-based), the same weeks as weekly_volume.")
    lineage: list[LineageEntry]


# Search and classify


class SearchIn(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, examples=["giá xăng tăng"])
    limit: int = Field(10, ge=1, le=100)
    topic_key: str | None = Field(None, max_length=20, description="Only this topic's comments.")
    source: str | None = Field(None, max_length=100)
    start: Moment | None = Field(None, description="Only comments from this moment (RFC 3339, with offset).")
    end: Moment | None = Field(None, description="Only comments before this moment; after start.")

    model_config = ConfigDict(extra="forbid")


class SearchHit(CommentPublic):
    score: float = Field(description="Cosine similarity to the query, -1..1.")


class SearchPublic(BaseModel):
    model: str = Field(description="Fingerprint of the embedding model that ranked the comments.")
    items: list[SearchHit]


class ClassifyIn(BaseModel):
    texts: list[Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS)]] = Field(
        min_length=1, max_length=100, description="At most 100 texts.", examples=[["xăng lại tăng giá rồi"]]
    )

    model_config = ConfigDict(extra="forbid")


class ClassificationPublic(BaseModel):
    text: str
    topic_key: str | None = Field(description="Null when no topic is close enough.")
    label: str | None = None
    similarity: float | None = None


class ClassificationsPublic(BaseModel):
    run_id: int
    items: list[ClassificationPublic]

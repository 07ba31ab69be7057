"""Topics of the current run: the list with recent volume and growth, one topic in depth, its
comments, its forecast, and the runs behind them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query

from pipelines.corrections import provenance
from pipelines.sentiment import model_key as sentiment_key
from pipelines.windows import Period, local_today, topic_volumes
from service.deps import PageSizeDep, SettingsDep, StoreDep, require_role
from service.pagination import decode_cursor, encode_cursor
from service.params import Day, Moment, check_order
from service.schemas import (
    CommentPublic,
    CommentsPublic,
    ErrorPublic,
    ForecastPublic,
    RunPublic,
    RunsPublic,
    SentimentPoint,
    TopicPublic,
    TopicsPublic,
    TopicSummary,
    VolumePoint,
    Window,
)
from store import topics as topic_store
from store.browse import comment_span, list_comments
from store.corrections import list_corrections
from store.sentiment import negative_shares
from store.forecasts import topic_forecast

router = APIRouter(
    tags=["topics"],
    dependencies=[Depends(require_role("reader"))],
    responses={401: {"model": ErrorPublic}, 403: {"model": ErrorPublic}},
)

_NOT_FOUND = {404: {"model": ErrorPublic, "description": "No topic (or run) with that key."}}
TopicSort = Literal["size", "volume", "growth", "key"]
MAX_SERIES_DAYS = 731
"""Longest daily volume series one topic answer holds (two years), so no answer grows with the asked range."""


def _topic_or_404(store, topic_key: str) -> dict:
    topic = topic_store.get_topic(store, topic_key)
    if topic is None:
        raise HTTPException(404, f"topic_key: no topic {topic_key!r}; see GET /api/v1/topics")
    return topic


def _points(frame: pd.DataFrame) -> list[VolumePoint]:
    return [VolumePoint(ds=ds.date(), y=int(y)) for ds, y in zip(frame["ds"], frame["y"])]


def _sentiment_points(frame: pd.DataFrame) -> list[SentimentPoint]:
    return [SentimentPoint(ds=row.ds.date(), negative=row.negative, scored=row.scored, share=row.share)
            for row in frame.itertuples()]


@router.get("/topics", response_model=TopicsPublic, summary="The current run's topics with recent volume and growth")
def list_topics(
    settings: SettingsDep,
    store: StoreDep,
    days: Annotated[int, Query(ge=1, le=366, description="Window length in days.")] = 7,
    end: Annotated[Day | None, Query(description="Last day of the window (default: the latest day with comments).")] = None,
    sort: Annotated[TopicSort, Query(description="size, volume (in the window), growth, or key.")] = "volume",
    min_volume: Annotated[int, Query(ge=0, description="Leave out topics with fewer comments in the window.")] = 0,
    include_hidden: Annotated[bool, Query(description="Also list topics an analyst hid.")] = False,
) -> TopicsPublic:
    """Volume counts the comments of each topic in the window of ``days`` local days ending on
    ``end``; growth compares it with the window of equal length just before. Topics an analyst
    merged into another are not listed (their comments count for that one)."""
    return _topic_summaries(settings, store, days, end, sort, min_volume, include_hidden)


def _corrected(topic: dict, notes: list[dict]) -> dict:
    """The fields that say what analysts changed about a topic."""
    return {"label_source": "analyst" if topic.get("label_set_at") else "fit", "hidden": bool(topic.get("hidden")),
            "provenance": provenance(notes, topic["topic_key"])}


def _topic_summaries(settings, store, days: int, end: date | None, sort: str, min_volume: int,
                     include_hidden: bool) -> TopicsPublic:
    run = topic_store.current_run(store)
    if run is None:
        return TopicsPublic(run_id=None, window=None, items=[])
    tz = settings.ingest.timezone
    if end is None:
        end = _comment_days(store, tz)[1]
    period = Period.ending_on(end, days)
    volumes = topic_volumes(store, period, timezone=tz, run_id=run["run_id"])
    sentiment = _window_sentiment(settings, store, run, period, tz)
    items = []
    notes = list_corrections(store)
    for topic in topic_store.list_topics(store, run["run_id"], include_hidden=include_hidden):
        now, then, change = volumes.of(topic["topic_key"])
        if now < min_volume:
            continue
        items.append(
            TopicSummary(
                topic_key=topic["topic_key"],
                label=topic["label"],
                size=topic["size"],
                keywords=[entry["word"] for entry in topic["keywords"]][:10],
                volume=now,
                previous_volume=then,
                growth=change,
                relation=topic.get("relation"),
                negative_share=sentiment["now"].get(topic["topic_key"]),
                previous_negative_share=sentiment["then"].get(topic["topic_key"]),
                **_corrected(topic, notes),
            )
        )
    order = {
        "size": lambda t: (-t.size, t.topic_key),
        "volume": lambda t: (-t.volume, t.topic_key),
        "growth": lambda t: (t.growth is None, -(t.growth or 0), -t.volume, t.topic_key),
        "key": lambda t: t.topic_key,
    }[sort]
    return TopicsPublic(run_id=run["run_id"], window=Window(start=period.start, end=period.last_day), items=sorted(items, key=order))


def _window_sentiment(settings, store, run: dict, period: Period, tz: str) -> dict[str, dict]:
    """Negative share per topic in the period (``now``) and in the period before it (``then``)."""
    model_key = sentiment_key(settings, run.get("embedding_fingerprint"))
    if model_key is None:
        return {"now": {}, "then": {}}
    frame = topic_store.topic_sentiment(store, model_key, start=period.before().start, end=period.last_day, tz=tz,
                                        run_id=run["run_id"])
    days_of = frame["ds"].dt.date
    return {"now": negative_shares(frame[days_of >= period.start]), "then": negative_shares(frame[days_of < period.start])}


@router.get("/topics/{topic_key}", response_model=TopicPublic, responses=_NOT_FOUND,
            summary="One topic: keywords, representative comments, volume series and lineage")
def get_topic(
    topic_key: str,
    settings: SettingsDep,
    store: StoreDep,
    start: Annotated[Day | None, Query(description=f"First day of the volume series (default: the first day with "
                                         f"comments, or {MAX_SERIES_DAYS - 1} days before end).")] = None,
    end: Annotated[Day | None, Query(description="Last day of the volume series, included; on or after start and at "
                                      f"most {MAX_SERIES_DAYS - 1} days after it (default: the latest day with "
                                      "comments).")] = None,
) -> TopicPublic:
    """The volume series cover at most ``MAX_SERIES_DAYS`` days: a missing bound is filled to stay
    within it, and two bounds further apart are refused (422 naming ``query.end``)."""
    check_order(start, end, "query.end", inclusive=True)
    if start is not None and end is not None and (end - start).days >= MAX_SERIES_DAYS:
        raise HTTPException(422, f"query.end: the series covers at most {MAX_SERIES_DAYS} days; "
                                 f"{start.isoformat()} to {end.isoformat()} is {(end - start).days + 1}")
    return _topic_detail(settings, store, topic_key, start, end)


def _series_window(store, tz: str, start: date | None, end: date | None) -> tuple[date, date]:
    """The asked days, with a missing bound filled from the data but never wider than MAX_SERIES_DAYS."""
    first, last = _comment_days(store, tz)
    longest = timedelta(days=MAX_SERIES_DAYS - 1)
    if end is None:
        end = last if start is None else min(last, start + longest)
    if start is None:
        start = max(first, end - longest)
    return start, end


def _comment_days(store, tz: str) -> tuple[date, date]:
    """The local days of the first and the latest comment (the configured zone's today for both when there is none)."""
    first, last = comment_span(store)
    if last is None:
        today = local_today(tz)
        return today, today
    zone = ZoneInfo(tz)
    return first.astimezone(zone).date(), last.astimezone(zone).date()


def _topic_detail(settings, store, topic_key: str, start: date | None, end: date | None) -> TopicPublic:
    topic = _topic_or_404(store, topic_key)
    tz = settings.ingest.timezone
    start, end = _series_window(store, tz, start, end)
    series = {
        freq: topic_store.topic_volume(store, freq=freq, start=start, end=end, topic_keys=[topic_key], tz=tz,
                                       run_id=topic["run_id"])
        for freq in ("day", "week")
    }
    run = topic_store.get_run(store, topic["run_id"])
    model_key = sentiment_key(settings, run["embedding_fingerprint"] if run else None)
    attitude = {
        freq: _sentiment_points(topic_store.topic_sentiment(
            store, model_key, freq=freq, start=start, end=end, topic_keys=[topic_key], tz=tz, run_id=topic["run_id"]))
        if model_key else []
        for freq in ("day", "week")
    }
    return TopicPublic(
        topic_key=topic["topic_key"],
        label=topic["label"],
        size=topic["size"],
        run_id=topic["run_id"],
        current=topic["current"],
        keywords=topic["keywords"],
        representative_comments=topic["representative_comments"],
        daily_volume=_points(series["day"]),
        weekly_volume=_points(series["week"]),
        daily_negative_share=attitude["day"],
        weekly_negative_share=attitude["week"],
        lineage=topic_store.topic_lineage(store, topic_key),
        origin=topic.get("origin") or "fit",
        merged_into=topic.get("merged_into"),
        **_corrected(topic, list_corrections(store, topic_key=topic_key)),
    )


@router.get("/topics/{topic_key}/comments", response_model=CommentsPublic, responses=_NOT_FOUND,
            summary="A topic's comments, newest first, paged")
def get_topic_comments(
    topic_key: str,
    store: StoreDep,
    limit: PageSizeDep,
    start: Annotated[Moment | None, Query(description="From this moment (RFC 3339, with offset).")] = None,
    end: Annotated[Moment | None, Query(description="Before this moment (exclusive); after start.")] = None,
    cursor: str | None = None,
) -> CommentsPublic:
    check_order(start, end, "query.end")
    topic = _topic_or_404(store, topic_key)
    after = decode_cursor(cursor, tuple[datetime, int]) if cursor else None
    rows = list_comments(store, run_id=topic["run_id"], topic_key=topic_key, start=start, end=end, after=after,
                         limit=limit)
    next_cursor = encode_cursor([rows[-1]["created_at"].isoformat(), rows[-1]["id"]]) if len(rows) == limit else None
    return CommentsPublic(items=[CommentPublic(**row) for row in rows], next_cursor=next_cursor)


@router.get("/topics/{topic_key}/forecast", response_model=ForecastPublic, responses=_NOT_FOUND,
            summary="A topic's forecast: intervals, the chosen model and the backtest behind the choice")
def get_topic_forecast(
    topic_key: str,
    store: StoreDep,
    freq: Annotated[Literal["day", "week"], Query(description="Daily or weekly forecast.")] = "day",
) -> ForecastPublic:
    _topic_or_404(store, topic_key)
    forecast = topic_forecast(store, topic_key, "D" if freq == "day" else "W")
    if forecast is None:
        adjective = "daily" if freq == "day" else "weekly"
        raise HTTPException(404, f"topic_key: {topic_key!r} has no {adjective} forecast yet; POST /api/v1/forecasts")
    return ForecastPublic(**{**forecast, "freq": freq})


@router.get("/runs", response_model=RunsPublic, summary="Topic runs, newest first, with their quality figures")
def list_runs(store: StoreDep, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> RunsPublic:
    current = topic_store.current_run(store)
    current_id = current["run_id"] if current else None
    return RunsPublic(
        items=[RunPublic(**run, current=run["run_id"] == current_id) for run in topic_store.list_runs(store, limit=limit)]
    )


@router.get("/runs/{run_id}", response_model=RunPublic, responses=_NOT_FOUND,
            summary="One topic run: parameters and quality figures")
def get_run(run_id: int, store: StoreDep) -> RunPublic:
    run = topic_store.get_run(store, run_id)
    if run is None:
        raise HTTPException(404, f"run_id: no topic run with id {run_id}")
    current = topic_store.current_run(store)
    return RunPublic(**run, current=current is not None and current["run_id"] == run_id)

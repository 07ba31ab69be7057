"""The analyst's topic report: what was talked about in a period, how it changed, where it is heading.

``build_topic_report`` gathers the figures from the store into plain dataclasses;
``render_report`` (in ``pipelines.report_render``) turns them into Markdown, HTML, CSV or JSON.
Building and rendering are split so the same figures feed every format and tests can render
hand-built reports. A stage that has not run yet (no topic run, no forecast, no alerts) becomes a
note in the report instead of an error.

Privacy: the report carries aggregates and representative comments only — the stored comment text,
which ingest has already normalised and redacted — and never author data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from pipelines.report_render import FORMATS, MEDIA_TYPES, render_report
from pipelines.settings import Settings
from store import Store

log = logging.getLogger(__name__)

__all__ = [
    "FORMATS", "MEDIA_TYPES", "AlertItem", "ForecastPoint", "ForecastSummary", "ReportError", "RunInfo",
    "TopicReport", "TopicSection", "VolumePoint", "build_topic_report", "render_report", "validate_period",
]

MAX_SPAN_DAYS = 366
"""Longest period one report covers; longer requests are refused, not truncated."""

MAX_TOP_N = 50
REPRESENTATIVE_COMMENTS = 3


class ReportError(ValueError):
    """The report cannot be built as asked. ``field`` names the offending input (``from``, ``to``...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class VolumePoint:
    ds: date
    y: int


@dataclass(frozen=True)
class ForecastPoint:
    ds: date
    yhat: float
    lower: float
    upper: float


@dataclass
class ForecastSummary:
    """The stored forecast of one topic, restricted to the dates the report shows."""

    model: str
    """The model whose forecast is published (``prophet`` or the seasonal-naive baseline)."""
    reason: str | None
    """Why that model was chosen (e.g. the series was too short, or Prophet lost the backtest)."""
    interval_width: float | None
    points: list[ForecastPoint]
    backtest: dict[str, dict[str, float | None]]
    """Per model, its backtest figures (``mae``, ``smape``, ``mase``)."""
    created_at: str | None = None


@dataclass
class TopicSection:
    rank: int
    topic_key: str
    label: str
    keywords: list[str]
    volume: int
    previous_volume: int
    change_pct: float | None
    """Change against the previous period in percent; None when the previous period had no comments."""
    share_pct: float
    """This topic's share of all topic-assigned comments in the period, in percent."""
    daily: list[VolumePoint]
    representative_comments: list[str]
    forecast: ForecastSummary | None
    alert_count: int = 0


@dataclass
class AlertItem:
    kind: str
    severity: str
    topic_key: str | None
    detected_at: str | None
    explanation: str
    score: float | None = None


@dataclass
class RunInfo:
    run_id: str
    created_at: str | None
    topic_count: int


@dataclass
class TopicReport:
    start: date
    end: date
    """Exclusive: the period is [start, end) in local days of ``timezone``."""
    previous_start: date
    timezone: str
    generated_at: str
    run: RunInfo | None
    total_volume: int
    previous_total_volume: int
    topics: list[TopicSection] = field(default_factory=list)
    alerts: list[AlertItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def previous_end(self) -> date:
        return self.start


def validate_period(start: date, end: date, *, top_n: int = 10) -> None:
    """Refuse periods the report cannot cover, naming the field (``from``/``to``/``top``) at fault."""
    if start >= end:
        raise ReportError("to", f"'to' ({end.isoformat()}) must be after 'from' ({start.isoformat()})")
    if (end - start).days > MAX_SPAN_DAYS:
        raise ReportError(
            "to", f"the period from {start.isoformat()} to {end.isoformat()} is longer than {MAX_SPAN_DAYS} days"
        )
    if not 1 <= top_n <= MAX_TOP_N:
        raise ReportError("top", f"'top' must be between 1 and {MAX_TOP_N}, got {top_n}")


def build_topic_report(settings: Settings, store: Store, *, start: date, end: date, top_n: int = 10) -> TopicReport:
    """The report for local days [start, end), compared with the equally long period before it.

    Raises ReportError for a period it cannot cover (see ``validate_period``).
    """
    validate_period(start, end, top_n=top_n)
    tz_name = settings.ingest.timezone
    previous_start = start - (end - start)
    report = TopicReport(
        start=start,
        end=end,
        previous_start=previous_start,
        timezone=tz_name,
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        run=None,
        total_volume=0,
        previous_total_volume=0,
    )
    # Imported here so the report module loads (and renders hand-built reports) before every store
    # module exists, and because only this function reads the store.
    from store import alerts as store_alerts
    from store import forecasts as store_forecasts
    from store import topics as store_topics

    run = store_topics.current_run(store)
    if run is None:
        report.notes.append("No topic run yet: run `topicpulse topics` (or POST /api/v1/runs) first.")
    else:
        report.run = _run_info(run, store_topics.list_topics(store))
        _add_topics(report, settings, store, store_topics, store_forecasts, top_n=top_n)
    _add_alerts(report, store, store_alerts)
    return report


def _add_topics(report: TopicReport, settings: Settings, store: Store, store_topics: Any,
                store_forecasts: Any, *, top_n: int) -> None:
    topics = {t["topic_key"]: t for t in store_topics.list_topics(store)}
    daily = _daily_volume(store_topics.topic_volume(
        store, freq="day", start=report.previous_start, end=report.end, tz=report.timezone,
    ), report.previous_start, report.end)
    current = daily[daily["ds"] >= pd.Timestamp(report.start)]
    previous = daily[daily["ds"] < pd.Timestamp(report.start)]
    volume = current.groupby("topic_key")["y"].sum()
    previous_volume = previous.groupby("topic_key")["y"].sum()
    report.total_volume = int(volume.sum())
    report.previous_total_volume = int(previous_volume.sum())

    ranked = sorted(
        (key for key in topics if volume.get(key, 0) or previous_volume.get(key, 0)),
        key=lambda key: (-int(volume.get(key, 0)), -int(previous_volume.get(key, 0)), key),
    )[:top_n]
    if not ranked:
        report.notes.append("No comments were assigned to a topic in this period or the one before it.")
    forecasts_missing = 0
    chart_end = report.end + timedelta(days=settings.forecast.horizon_days)
    for rank, key in enumerate(ranked, start=1):
        topic = store_topics.get_topic(store, key) or topics[key]
        now, before = int(volume.get(key, 0)), int(previous_volume.get(key, 0))
        forecast = _forecast_summary(store_forecasts.topic_forecast(store, key), report.start, chart_end)
        forecasts_missing += forecast is None
        series = current[current["topic_key"] == key].sort_values("ds")
        report.topics.append(TopicSection(
            rank=rank,
            topic_key=key,
            label=str(topic.get("label") or key),
            keywords=_keywords(topic),
            volume=now,
            previous_volume=before,
            change_pct=_change_pct(now, before),
            share_pct=round(100.0 * now / report.total_volume, 1) if report.total_volume else 0.0,
            daily=[VolumePoint(ds=ts.date(), y=int(y)) for ts, y in zip(series["ds"], series["y"])],
            representative_comments=_representative_texts(topic)[:REPRESENTATIVE_COMMENTS],
            forecast=forecast,
        ))
    if ranked and forecasts_missing == len(ranked):
        report.notes.append("No forecast yet for these topics: run `topicpulse forecast` to add forecasts.")
    elif forecasts_missing:
        report.notes.append(f"{forecasts_missing} of {len(ranked)} topics have no forecast yet.")


def _add_alerts(report: TopicReport, store: Store, store_alerts: Any) -> None:
    tz = ZoneInfo(report.timezone)
    rows = store_alerts.list_alerts(
        store,
        start=datetime.combine(report.start, time(), tz),
        end=datetime.combine(report.end, time(), tz),
        limit=500,
    )
    report.alerts = [_alert_item(row) for row in rows]
    if not report.alerts:
        report.notes.append("No alerts in this period.")
    counts: dict[str, int] = {}
    for alert in report.alerts:
        if alert.topic_key:
            counts[alert.topic_key] = counts.get(alert.topic_key, 0) + 1
    for section in report.topics:
        section.alert_count = counts.get(section.topic_key, 0)


def _change_pct(now: int, before: int) -> float | None:
    return round(100.0 * (now - before) / before, 1) if before else None


def _daily_volume(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Daily counts per topic over [start, end), zero-filled, whatever the store's end convention."""
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end) - pd.Timedelta(days=1), freq="D")
    if frame.empty:
        return pd.DataFrame({"topic_key": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"),
                             "y": pd.Series(dtype=int)})
    frame = frame.assign(ds=pd.to_datetime(frame["ds"]).dt.tz_localize(None).dt.normalize())
    frame = frame[(frame["ds"] >= days[0]) & (frame["ds"] <= days[-1])]
    grid = pd.MultiIndex.from_product([sorted(frame["topic_key"].unique()), days], names=["topic_key", "ds"])
    filled = frame.groupby(["topic_key", "ds"])["y"].sum().reindex(grid, fill_value=0)
    return filled.reset_index()


def _run_info(run: dict, topics: list[dict]) -> RunInfo:
    created = run.get("finished_at") or run.get("created_at") or run.get("started_at")
    return RunInfo(run_id=str(run.get("run_id", run.get("id"))), created_at=_iso(created), topic_count=len(topics))


def _keywords(topic: dict) -> list[str]:
    words = []
    for entry in topic.get("keywords") or []:
        if isinstance(entry, dict):
            words.append(str(entry.get("word") or entry.get("keyword")))
        elif isinstance(entry, (list, tuple)):
            words.append(str(entry[0]))
        else:
            words.append(str(entry))
    return words[:10]


def _representative_texts(topic: dict) -> list[str]:
    texts = []
    for entry in topic.get("representative_comments") or topic.get("representatives") or []:
        text = entry.get("text") if isinstance(entry, dict) else entry
        if isinstance(text, str) and text and text not in texts:
            texts.append(text)
    return texts


def _forecast_summary(stored: dict | None, first: date, last: date) -> ForecastSummary | None:
    if not stored:
        return None
    points = []
    for point in stored.get("points") or []:
        ds = pd.Timestamp(point["ds"]).date()
        if first <= ds < last:
            points.append(ForecastPoint(
                ds=ds, yhat=float(point["yhat"]), lower=float(point["lower"]), upper=float(point["upper"]),
            ))
    return ForecastSummary(
        model=str(stored.get("model") or stored.get("chosen_model")),
        reason=stored.get("reason"),
        interval_width=stored.get("interval_width"),
        points=points,
        backtest=stored.get("backtest") or {},
        created_at=_iso(stored.get("created_at")),
    )


def _alert_item(row: dict) -> AlertItem:
    score = row.get("score")
    return AlertItem(
        kind=str(row.get("kind")),
        severity=str(row.get("severity")),
        topic_key=row.get("topic_key"),
        detected_at=_iso(row.get("detected_at") or row.get("created_at")),
        explanation=str(row.get("explanation") or row.get("message") or ""),
        score=float(score) if score is not None else None,
    )


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)

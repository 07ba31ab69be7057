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
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from pipelines.corrections import provenance
from config.errors import TopicPulseError
from pipelines.report_render import FORMATS, MEDIA_TYPES, render_report
from pipelines.sentiment import model_key as sentiment_key
from pipelines.windows import Period, topic_volumes
from config import Settings
from store import Store
from store import alerts as store_alerts
from store.corrections import list_corrections
from store import forecasts as store_forecasts
from store import sentiment as store_sentiment
from store import topics as store_topics
from store.dates import FIRST_DAY, LAST_DAY, SPAN_WORDS

log = logging.getLogger(__name__)

__all__ = [
    "FORMATS", "MAX_SPAN_DAYS", "MAX_TOP_N", "MEDIA_TYPES", "AlertItem", "ForecastPoint", "ForecastSummary", "ReportError", "RunInfo",
    "TopicReport", "TopicSection", "VolumePoint", "build_topic_report", "format_for_path", "render_report",
    "validate_period", "write_recent_reports", "write_report",
]

MAX_SPAN_DAYS = 366
"""Longest period one report covers; longer requests are refused, not truncated."""

MAX_TOP_N = 50
KEYWORDS = 10
REPRESENTATIVE_COMMENTS = 3
MAX_ALERTS = 500
REPORTS_DIR = Path("reports")
"""Where ``write_recent_reports`` puts its files, relative to ``data_dir``."""
_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


class ReportError(TopicPulseError, ValueError):
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
    """The model whose forecast is published (``models.forecast.MODELS``: a candidate or their combination)."""
    reason: str | None
    """Why that model was chosen (e.g. the series was too short, or nothing beat seasonal naive)."""
    interval_width: float | None
    points: list[ForecastPoint]
    """The forecast ahead of the history it was fitted on, from ``start`` to ``horizon_days`` after ``end``."""
    asof: list[ForecastPoint]
    """Backtest forecasts of days in the period, each made from data before that day: what the
    period's actual volume is compared with (surge alerts judge a day against the topic's usual level
    instead: pipelines/alerts.py)."""
    backtest: dict[str, dict[str, float | None]]
    """Per model, its backtest figures (``mae``, ``smape``, ``mase``, ``coverage``)."""
    created_at: str | None = None
    coverage: float | None = None
    """Share of the backtest days inside the served model's interval (about interval_width when honest)."""


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
    provenance: list[str] = field(default_factory=list)
    """What analysts changed about the topic, who-free (e.g. 'label set by an analyst on 2026-03-01')."""
    negative_pct: float | None = None
    """Share of the period's sentiment-scored comments that are negative, in percent; None when none is."""
    previous_negative_pct: float | None = None


@dataclass
class AlertItem:
    kind: str
    severity: str
    topic_key: str | None
    day: date
    """The local day the alert is about."""
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
    """Comments assigned to a topic in the period (all topics, not only the top ones)."""
    previous_total_volume: int
    unassigned_volume: int
    """Comments in the period that matched no topic of the run (outliers or below the threshold)."""
    topics: list[TopicSection] = field(default_factory=list)
    alerts: list[AlertItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def validate_period(start: date, end: date, *, top_n: int = 10) -> None:
    """Refuse periods the report cannot cover, naming the field (``from``/``to``/``top``) at fault."""
    for name, day in (("from", start), ("to", end)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ReportError(name, f"'{name}' ({day.isoformat()}) must be a day from {SPAN_WORDS}")
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
    report = TopicReport(
        start=start,
        end=end,
        previous_start=Period(start, end).before().start,
        timezone=settings.ingest.timezone,
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        run=None,
        total_volume=0,
        previous_total_volume=0,
        unassigned_volume=0,
    )
    run = store_topics.current_run(store)
    if run is None:
        report.notes.append("No topic run yet: run `topicpulse topics` (or POST /api/v1/runs) first.")
    else:
        topics = store_topics.list_topics(store, run_id=run["run_id"])
        report.run = RunInfo(run_id=str(run["run_id"]), created_at=_iso(run.get("finished_at")), topic_count=len(topics))
        _add_topics(report, settings, store, run["run_id"], topics, top_n=top_n)
    _add_alerts(report, store)
    log.info("built topic report %s..%s: %d topics, %d alerts", start, end, len(report.topics), len(report.alerts))
    return report


def format_for_path(path: Path) -> str:
    """The report format a file name asks for by its suffix; Markdown when it names none."""
    return _SUFFIX_FORMATS.get(path.suffix.lower(), "md")


def write_report(settings: Settings, store: Store, path: Path, *, start: date, end: date,
                 fmt: str | None = None, top_n: int = 10) -> TopicReport:
    """Build the report and write it to ``path`` (format from ``fmt``, else from the suffix).

    The file is written whole or not at all (a temporary file renamed into place), so a reader
    never sees half a report.
    """
    report = build_topic_report(settings, store, start=start, end=end, top_n=top_n)
    _write_atomically(path, render_report(report, fmt or format_for_path(path)))
    log.info("wrote topic report %s..%s to %s", start, end, path)
    return report


def write_recent_reports(settings: Settings, store: Store, *, end: date, days: int = 28,
                         formats: tuple[str, ...] = ("html", "md")) -> list[Path]:
    """The report on the ``days`` local days before ``end``, once per format, under ``data_dir/reports``.

    For the demo and scheduled runs: files are named by period, so a rerun replaces its own files.
    """
    start = end - timedelta(days=days)
    folder = settings.resolve(REPORTS_DIR)
    paths = [folder / f"topics-{start.isoformat()}-{end.isoformat()}.{fmt}" for fmt in formats]
    report = build_topic_report(settings, store, start=start, end=end)
    for path, fmt in zip(paths, formats):
        _write_atomically(path, render_report(report, fmt))
    log.info("wrote %d topic report files for %s..%s to %s", len(paths), start, end, folder)
    return paths


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _add_topics(report: TopicReport, settings: Settings, store: Store, run_id: int, topics: list[dict], *,
                top_n: int) -> None:
    period = Period(report.start, report.end)
    volumes = topic_volumes(store, period, timezone=report.timezone, run_id=run_id)
    report.total_volume = sum(volumes.volume.values())
    report.previous_total_volume = sum(volumes.previous.values())
    unassigned = store_topics.unassigned_share(
        store, freq="day", start=report.start, end=period.last_day, tz=report.timezone, run_id=run_id,
    )
    report.unassigned_volume = int(unassigned["unassigned"].sum()) if len(unassigned) else 0

    by_key = {topic["topic_key"]: topic for topic in topics}
    ranked = sorted(
        (key for key in by_key if volumes.volume.get(key, 0) or volumes.previous.get(key, 0)),
        key=lambda key: (-volumes.volume.get(key, 0), -volumes.previous.get(key, 0), key),
    )[:top_n]
    if not ranked:
        report.notes.append("No comments were assigned to a topic in this period or the one before it.")
        return
    horizon_end = report.end + timedelta(days=settings.forecast.horizon_days)
    negative_now, negative_before = _negative_pcts(settings, store, report, run_id, ranked)
    notes = list_corrections(store)
    for rank, key in enumerate(ranked, start=1):
        topic = store_topics.get_topic(store, key) or by_key[key]
        now, before, change = volumes.of(key)
        series = volumes.series(key)
        report.topics.append(TopicSection(
            rank=rank,
            topic_key=key,
            label=topic["label"],
            keywords=[entry["word"] for entry in topic["keywords"][:KEYWORDS]],
            volume=now,
            previous_volume=before,
            change_pct=None if change is None else round(100.0 * change, 1),
            share_pct=round(100.0 * now / report.total_volume, 1) if report.total_volume else 0.0,
            daily=[VolumePoint(ds=ts.date(), y=int(y)) for ts, y in zip(series["ds"], series["y"])],
            representative_comments=[c["text"] for c in topic.get("representative_comments", [])][:REPRESENTATIVE_COMMENTS],
            forecast=_forecast_summary(store_forecasts.topic_forecast(store, key), report, horizon_end),
            provenance=provenance(notes, key),
            negative_pct=negative_now.get(key),
            previous_negative_pct=negative_before.get(key),
        ))
    missing = sum(section.forecast is None for section in report.topics)
    if missing == len(report.topics):
        report.notes.append("No forecast yet for these topics: run `topicpulse forecast` to add them.")
    elif missing:
        report.notes.append(f"{missing} of {len(report.topics)} topics have no forecast yet.")


def _negative_pcts(settings: Settings, store: Store, report: TopicReport, run_id: int, keys: list[str]) -> tuple[dict, dict]:
    """Per topic, the negative share in percent in the period and in the one before it."""
    run = store_topics.get_run(store, run_id)
    model_key = sentiment_key(settings, run["embedding_fingerprint"] if run else None)
    if model_key is None:
        return {}, {}
    frame = store_topics.topic_sentiment(store, model_key, start=report.previous_start,
                                         end=report.end - timedelta(days=1), topic_keys=keys, tz=report.timezone,
                                         run_id=run_id)
    in_period = frame["ds"] >= pd.Timestamp(report.start)
    return tuple(
        {key: round(100.0 * share, 1) for key, share in store_sentiment.negative_shares(part).items() if share is not None}
        for part in (frame[in_period], frame[~in_period])
    )


def _add_alerts(report: TopicReport, store: Store) -> None:
    rows = store_alerts.list_alerts(store, start=report.start, end=report.end, limit=MAX_ALERTS)
    report.alerts = [
        AlertItem(kind=row["kind"], severity=row["severity"], topic_key=row["topic_key"], day=row["day"],
                  explanation=row["explanation"], score=row["score"])
        for row in rows
    ]
    if len(rows) == MAX_ALERTS:
        report.notes.append(f"Only the {MAX_ALERTS} most recent alerts are listed; GET /api/v1/alerts has them all.")
    counts: dict[str, int] = {}
    for alert in report.alerts:
        if alert.topic_key:
            counts[alert.topic_key] = counts.get(alert.topic_key, 0) + 1
    for section in report.topics:
        section.alert_count = counts.get(section.topic_key, 0)


def _forecast_summary(stored: dict | None, report: TopicReport, horizon_end: date) -> ForecastSummary | None:
    if stored is None:
        return None
    return ForecastSummary(
        model=stored["chosen_model"],
        reason=stored["reason"],
        interval_width=stored["interval_width"],
        coverage=stored.get("coverage"),
        points=_points_between(stored["points"], report.start, horizon_end),
        asof=_points_between(stored.get("asof", []), report.start, report.end),
        backtest={
            model: {name: figures.get(name) for name in ("mae", "smape", "mase", "coverage")}
            for model, figures in stored["backtest"].items()
        },
        created_at=_iso(stored.get("created_at")),
    )


def _points_between(points: list[dict], first: date, stop: date) -> list[ForecastPoint]:
    """Stored forecast points with ``first <= ds < stop``."""
    chosen = []
    for point in points:
        ds = pd.Timestamp(point["ds"]).date()
        if first <= ds < stop:
            chosen.append(ForecastPoint(ds=ds, yhat=float(point["yhat"]), lower=float(point["lower"]),
                                        upper=float(point["upper"])))
    return chosen


def _iso(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat() if isinstance(value, date) else None

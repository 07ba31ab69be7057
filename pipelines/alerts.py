"""Alerts on topic volumes: emerging, surge, fading, and growth of comments that match no topic.

The rules are pure functions of DataFrames (``find_alerts``), so they are tested on series
directly; ``detect_alerts`` only loads those frames from the store and stores what is new.

Each run checks every day of the last ``scan_days`` (not only the latest), so a day missed by a
run that did not happen is still judged later. The rules, with thresholds in ``forecast.alerts``
(``AlertSettings``):

- emerging: over the ``recent_days`` to a day, a topic has ``emerging_min_count`` comments or
  more, was tiny in the ``baseline_days`` before (daily mean at most ``emerging_max_baseline``),
  and (recent median + 1) / (baseline mean + 1) is at least ``emerging_min_growth``. The median,
  not the mean, so that one busy day is a surge, not an emerging topic.
- surge: a day's count is at least ``surge_min_ratio`` times the topic's usual level *and* a
  count that high would be rare on a usual day (Poisson chance at most ``surge_max_p``). The usual
  level is the median of the ``surge_baseline_days`` before the day (never the day itself; the
  median, so that an earlier surge does not raise it), at least ``surge_min_level``. Both parts
  are needed: the ratio alone would call 1 -> 3 comments a surge, the Poisson test alone would
  call an ordinary busy weekday of a 100-a-day topic one. The threshold is relative to the usual
  level rather than to a forecast's upper bound: the as-of forecasts run up to 30 days ahead, so
  their bounds are wide, and an absolute excess over them missed most 3x surges of topics with
  a few comments a day (bench/RESULTS.md, "Alert detector"). A topic needs
  ``surge_baseline_days`` of history since its first comment to have a usual level: before
  that it can only be emerging, and surges of emerging topics are not reported either.
- fading: a topic that averaged ``fading_min_baseline`` a day or more over ``fading_baseline_days``,
  and in *both* halves of the ``fading_days`` after them is at most ``fading_max_ratio`` of that.
  Eight weeks in two halves, because a fade is slow (a topic losing half its volume in three
  months drops only by a fifth from one month to the next) and because Tết lowers every topic for
  about nine days, which must not read as fading: it can pull one half down, not both. Until two
  years of history show a topic's season, a seasonal topic leaving its season is reported as fading.
- unassigned_growth: the share of comments matching no topic over the recent days rose by
  ``unassigned_min_rise`` or more over the baseline: a topic re-fit is due. High severity once
  the share reaches ``topics.refit_unassigned_share``.
- negative_rise: a topic's share of negative comments over the recent days doubled against the
  baseline. The series is the one the topic API serves (``store.topics.topic_sentiment``:
  negative and sentiment-scored comments per topic and local day). Over the ``recent_days`` to a
  day, the share negative / scored is compared with the ``baseline_days`` before; the day alerts
  when the recent share is at least ``negative_min_ratio`` x the baseline share (2: "doubled"),
  rose by at least ``negative_min_rise`` (10 points, so 2 % -> 4 % is no alarm), and the recent
  window has ``negative_min_count`` negative comments and the baseline ``negative_min_baseline``
  scored ones at least, so a handful of comments cannot make a trend. A baseline with no negative
  comment counts as half a comment, so the ratio stays finite.

Deduplication: an alert's key is (kind, topic, day), unique in the store. On top of that, a topic
that already had an alert of the same kind within ``cooldown_days`` before gets no new one (a
surge only checks the day before, so a two-day surge is one alert, a surge a week later another).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import poisson

from pipelines.forecast import local_days
from pipelines.sentiment import model_key as sentiment_key
from config import AlertSettings, Settings
from store import Store
from store import alerts as store_alerts
from store import topics as store_topics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    kind: str
    topic_key: str | None
    day: dt.date
    severity: str
    score: float
    numbers: dict[str, Any]
    explanation: str

    @property
    def dedup_key(self) -> str:
        return f"{self.kind}:{self.topic_key or '-'}:{self.day.isoformat()}"

    def as_record(self) -> dict[str, Any]:
        return {**asdict(self), "dedup_key": self.dedup_key}


def find_alerts(
    volumes: pd.DataFrame,
    unassigned: pd.DataFrame | None,
    rules: AlertSettings,
    *,
    previous: pd.DataFrame | None = None,
    refit_share: float = 0.25,
    labels: dict[str, str] | None = None,
    sentiment: pd.DataFrame | None = None,
) -> list[Alert]:
    """Every alert over the last ``rules.scan_days`` of the data, after cooldowns, oldest first.

    volumes: daily counts (topic_key, ds, y); missing days count as zero.
    unassigned: daily (ds, unassigned, total), or None.
    previous: alerts already stored (kind, topic_key, day), for the cooldowns.
    labels: topic names for the explanations.
    sentiment: daily (topic_key, ds, negative, scored) sentiment counts, or None.
    """
    wide = daily_matrix(volumes)
    if wide.empty:
        return []
    names = labels or {}
    emerging = find_emerging(wide, rules, names)
    emerging_topics = {a.topic_key for a in emerging}
    if previous is not None and len(previous):
        emerging_topics |= set(previous.loc[previous["kind"] == "emerging", "topic_key"].dropna())
    surges = [a for a in find_surges(wide, rules, names) if a.topic_key not in emerging_topics]
    candidates = emerging + surges + find_fading(wide, rules, names)
    if unassigned is not None and len(unassigned):
        candidates += find_unassigned_growth(unassigned, rules, refit_share=refit_share)
    if sentiment is not None and len(sentiment):
        candidates += find_negative_rise(sentiment, rules, names)
    return apply_cooldowns(candidates, previous, rules.cooldown_days)


def daily_matrix(volumes: pd.DataFrame) -> pd.DataFrame:
    """Counts as a days x topics table over the whole date range, zero where a day has none."""
    if volumes.empty:
        return pd.DataFrame()
    frame = volumes.assign(ds=local_days(volumes["ds"]))
    wide = frame.pivot_table(index="ds", columns="topic_key", values="y", aggfunc="sum", fill_value=0)
    days = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
    return wide.reindex(days, fill_value=0).astype(float)


def find_emerging(wide: pd.DataFrame, rules: AlertSettings, names: dict[str, str]) -> list[Alert]:
    recent, base = rules.recent_days, rules.baseline_days
    alerts = []
    for key in wide.columns:
        y = wide[key].to_numpy()
        for i in _scan_indices(len(y), rules.scan_days, first=recent + recent - 1):
            window = y[i - recent + 1 : i + 1]
            before = y[max(0, i - recent - base + 1) : i - recent + 1]
            base_mean = float(before.mean())
            growth = (float(np.median(window)) + 1) / (base_mean + 1)
            if window.sum() < rules.emerging_min_count or base_mean > rules.emerging_max_baseline:
                continue
            if growth < rules.emerging_min_growth:
                continue
            day = wide.index[i].date()
            alerts.append(Alert(
                kind="emerging", topic_key=key, day=day,
                severity=_severity(growth, rules.emerging_min_growth),
                score=round(growth, 3),
                numbers={"recent_total": int(window.sum()), "recent_days": recent,
                         "recent_median": float(np.median(window)), "baseline_mean": round(base_mean, 3),
                         "baseline_days": len(before), "growth": round(growth, 3)},
                explanation=(
                    f"{_name(key, names)} is emerging: {int(window.sum())} comments in the {recent} days to "
                    f"{day}, against {base_mean:.1f} a day in the {len(before)} days before."
                ),
            ))
            break
    return alerts


def find_surges(wide: pd.DataFrame, rules: AlertSettings, names: dict[str, str]) -> list[Alert]:
    scores = surge_scores(wide, rules)
    scores = scores[scores["ds"] >= wide.index[max(0, len(wide) - rules.scan_days)]]
    hits = scores[(scores["ratio"] >= rules.surge_min_ratio) & (scores["p_value"] <= rules.surge_max_p)]
    alerts = []
    for row in hits.sort_values(["ds", "topic_key"]).itertuples(index=False):
        day = row.ds.date()
        alerts.append(Alert(
            kind="surge", topic_key=row.topic_key, day=day,
            severity=_severity(row.ratio, rules.surge_min_ratio),
            score=round(float(row.ratio), 3),
            numbers={"actual": int(row.actual), "usual": round(float(row.usual), 2),
                     "baseline_days": rules.surge_baseline_days, "ratio": round(float(row.ratio), 3),
                     "p_value": float(f"{row.p_value:.3g}")},
            explanation=(
                f"{_name(row.topic_key, names)} had {int(row.actual)} comments on {day}, {row.ratio:.1f} times "
                f"its usual {row.usual:g} a day (the median of the {rules.surge_baseline_days} days before)."
            ),
        ))
    return alerts


def surge_scores(wide: pd.DataFrame, rules: AlertSettings) -> pd.DataFrame:
    """Every (day, topic) with a usual level, and the two figures that the surge rule thresholds:
    ``ratio`` = actual / usual and ``p_value`` = P(count >= actual) for Poisson(usual)."""
    days = rules.surge_baseline_days
    usual = wide.shift(1).rolling(days, min_periods=days).median().clip(lower=rules.surge_min_level)
    history = wide.ne(0).cummax().cumsum().shift(1, fill_value=0)
    usual = usual.where(history >= days)
    frame = pd.DataFrame({"actual": wide.stack(), "usual": usual.stack()}).dropna()
    frame.index.names = ["ds", "topic_key"]
    frame = frame.reset_index()
    return frame.assign(ratio=frame["actual"] / frame["usual"],
                        p_value=poisson.sf(frame["actual"] - 1, frame["usual"]))


def find_fading(wide: pd.DataFrame, rules: AlertSettings, names: dict[str, str]) -> list[Alert]:
    span, base = rules.fading_days, rules.fading_baseline_days
    half = span // 2
    alerts = []
    for key in wide.columns:
        y = wide[key].to_numpy()
        for i in _scan_indices(len(y), rules.scan_days, first=span + base - 1):
            window = y[i - span + 1 : i + 1]
            base_mean = float(y[i - span - base + 1 : i - span + 1].mean())
            if base_mean < rules.fading_min_baseline or base_mean == 0:
                continue
            first_half, second_half = float(window[:half].mean()), float(window[half:].mean())
            if max(first_half, second_half) > rules.fading_max_ratio * base_mean:
                continue
            drop = 1 - second_half / base_mean
            day = wide.index[i].date()
            alerts.append(Alert(
                kind="fading", topic_key=key, day=day,
                severity="high" if drop >= 0.8 else "medium" if drop >= 0.6 else "low",
                score=round(drop, 3),
                numbers={"first_half_mean": round(first_half, 3), "second_half_mean": round(second_half, 3),
                         "recent_days": span, "baseline_mean": round(base_mean, 3), "baseline_days": base},
                explanation=(
                    f"{_name(key, names)} has been fading for {span} days: {second_half:.1f} comments a day in the "
                    f"{span - half} days to {day}, down {drop:.0%} from {base_mean:.1f} a day before that."
                ),
            ))
            break
    return alerts


def find_unassigned_growth(unassigned: pd.DataFrame, rules: AlertSettings, *, refit_share: float) -> list[Alert]:
    frame = unassigned.assign(ds=local_days(unassigned["ds"])).groupby("ds")[["unassigned", "total"]].sum()
    frame = frame.reindex(pd.date_range(frame.index.min(), frame.index.max(), freq="D"), fill_value=0)
    lost, total = frame["unassigned"].to_numpy(float), frame["total"].to_numpy(float)
    recent, base = rules.recent_days, rules.baseline_days
    for i in _scan_indices(len(frame), rules.scan_days, first=recent + recent - 1):
        now = slice(i - recent + 1, i + 1)
        before = slice(max(0, i - recent - base + 1), i - recent + 1)
        if total[now].sum() == 0 or total[before].sum() == 0:
            continue
        share_now = lost[now].sum() / total[now].sum()
        share_before = lost[before].sum() / total[before].sum()
        rise = share_now - share_before
        if rise < rules.unassigned_min_rise or lost[now].sum() < rules.unassigned_min_count:
            continue
        day = frame.index[i].date()
        severity = "high" if share_now >= refit_share else "medium" if rise >= 2 * rules.unassigned_min_rise else "low"
        return [Alert(
            kind="unassigned_growth", topic_key=None, day=day, severity=severity, score=round(rise, 4),
            numbers={"share": round(share_now, 4), "baseline_share": round(share_before, 4),
                     "unassigned": int(lost[now].sum()), "total": int(total[now].sum()),
                     "refit_share": refit_share},
            explanation=(
                f"{share_now:.0%} of comments in the {recent} days to {day} matched no topic, up from "
                f"{share_before:.0%} before; a topic re-fit is due{' now' if severity == 'high' else ' soon'}."
            ),
        )]
    return []


def find_negative_rise(sentiment: pd.DataFrame, rules: AlertSettings, names: dict[str, str]) -> list[Alert]:
    """sentiment: daily (topic_key, ds, negative, scored); missing days count as none scored."""
    frame = sentiment.assign(ds=local_days(sentiment["ds"]))
    days = pd.date_range(frame["ds"].min(), frame["ds"].max(), freq="D")
    recent, base = rules.recent_days, rules.baseline_days
    alerts = []
    for key, rows in frame.groupby("topic_key"):
        daily = rows.groupby("ds")[["negative", "scored"]].sum().reindex(days, fill_value=0)
        negative, scored = daily["negative"].to_numpy(float), daily["scored"].to_numpy(float)
        for i in _scan_indices(len(days), rules.scan_days, first=recent + recent - 1):
            now, before = slice(i - recent + 1, i + 1), slice(max(0, i - recent - base + 1), i - recent + 1)
            if scored[now].sum() == 0 or scored[before].sum() < rules.negative_min_baseline:
                continue
            share_now = negative[now].sum() / scored[now].sum()
            share_before = negative[before].sum() / scored[before].sum()
            ratio = share_now / max(share_before, 0.5 / scored[before].sum())
            if (ratio < rules.negative_min_ratio or share_now - share_before < rules.negative_min_rise
                    or negative[now].sum() < rules.negative_min_count):
                continue
            day = days[i].date()
            alerts.append(Alert(
                kind="negative_rise", topic_key=str(key), day=day, severity=_severity(ratio, rules.negative_min_ratio),
                score=round(float(ratio), 3),
                numbers={"share": round(share_now, 4), "baseline_share": round(share_before, 4),
                         "negative": int(negative[now].sum()), "scored": int(scored[now].sum()),
                         "recent_days": recent, "baseline_days": before.stop - before.start},
                explanation=(
                    f"{_name(str(key), names)}: {share_now:.0%} of its comments in the {recent} days to {day} "
                    f"were negative ({int(negative[now].sum())} of {int(scored[now].sum())}), against "
                    f"{share_before:.0%} in the {base} days before."
                ),
            ))
            break
    return alerts


def apply_cooldowns(candidates: list[Alert], previous: pd.DataFrame | None, cooldown_days: int) -> list[Alert]:
    """Drop an alert when the same kind and topic alerted within the cooldown before its day.

    Surges look back one day only, so consecutive surge days stay one alert.
    """
    last: dict[tuple[str, str | None], dt.date] = {}
    if previous is not None:
        for row in previous.itertuples(index=False):
            day = pd.Timestamp(row.day).date()
            key = (row.kind, row.topic_key if isinstance(row.topic_key, str) else None)
            last[key] = max(last.get(key, day), day)
    kept = []
    for alert in sorted(candidates, key=lambda a: (a.day, a.kind, a.topic_key or "")):
        key = (alert.kind, alert.topic_key)
        window = 1 if alert.kind == "surge" else cooldown_days
        seen = last.get(key)
        last[key] = alert.day if seen is None else max(seen, alert.day)
        if seen is not None and abs((alert.day - seen).days) <= window:
            continue
        kept.append(alert)
    return kept


def detect_alerts(settings: Settings, store: Store) -> list[Alert]:
    """Judge the latest days of every topic, store the alerts not stored before, and return those."""
    rules = settings.forecast.alerts
    tz = settings.ingest.timezone
    volumes = store_topics.topic_volume(store, freq="day", tz=tz)
    if volumes.empty:
        log.info("no topic volumes yet: nothing to check for alerts")
        return []
    last_day = local_days(volumes["ds"]).max()
    since = (last_day - pd.Timedelta(days=rules.scan_days + rules.cooldown_days)).date()
    alerts = find_alerts(
        volumes,
        store_topics.unassigned_share(store, freq="day", tz=tz),
        rules,
        previous=store_alerts.recent_alerts(store, since=since),
        refit_share=settings.topics.refit_unassigned_share,
        labels={t["topic_key"]: t.get("label") or "" for t in store_topics.list_topics(store)},
        sentiment=_sentiment_counts(settings, store, last_day),
    )
    stored = {row["dedup_key"] for row in store_alerts.put_alerts(store, [a.as_record() for a in alerts])}
    new = [a for a in alerts if a.dedup_key in stored]
    log.info("alerts: %d found over the last %d days, %d new", len(alerts), rules.scan_days, len(new))
    return new


def _sentiment_counts(settings: Settings, store: Store, last_day: pd.Timestamp) -> pd.DataFrame | None:
    """Daily negative and scored comments per topic of the current run, as far back as the scanned
    days' windows reach; None when sentiment is off or no topic run has an embedding model."""
    run = store_topics.current_run(store)
    key = sentiment_key(settings, run["embedding_fingerprint"] if run else None)
    if key is None:
        return None
    rules = settings.forecast.alerts
    start = (last_day - pd.Timedelta(days=rules.scan_days + rules.recent_days + rules.baseline_days)).date()
    return store_topics.topic_sentiment(store, key, freq="day", start=start, tz=settings.ingest.timezone)


def _scan_indices(n: int, scan_days: int, *, first: int) -> range:
    """Day indices to judge, oldest first: the last ``scan_days``, none before ``first``."""
    return range(max(first, n - scan_days), n)


def _severity(score: float, threshold: float) -> str:
    return "high" if score >= 2 * threshold else "medium" if score >= 1.5 * threshold else "low"


def _name(key: str, names: dict[str, str]) -> str:
    label = names.get(key)
    return f"Topic {key} ({label})" if label else f"Topic {key}"


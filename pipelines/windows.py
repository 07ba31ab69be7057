"""Topic volume in a period, and its growth against the equally long period just before it.

The one home of what the API's topic list, the report and the dashboard show about a period,
so that the same period gives the same numbers everywhere. The convention: a ``Period`` is the
local days ``[start, end)`` of the configured time zone (``settings.ingest.timezone``), its end
exclusive. Where people name the last day *included* (the API's ``?end=``), ``Period.ending_on``
converts. "Today" is the configured zone's today (``local_today``), never the server's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from store import Store
from store import topics as store_topics


@dataclass(frozen=True)
class Period:
    """The local days ``start`` up to, not including, ``end``."""

    start: date
    end: date

    @classmethod
    def ending_on(cls, last_day: date, days: int) -> Period:
        """The ``days`` days that end with ``last_day``, included."""
        return cls(start=last_day - timedelta(days=days - 1), end=last_day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def before(self) -> Period:
        """The period of equal length just before this one: what growth compares with."""
        return Period(start=self.start - timedelta(days=self.days), end=self.start)


def local_today(timezone: str) -> date:
    """Today in ``timezone`` (the configured zone), whatever the server's zone is."""
    return datetime.now(ZoneInfo(timezone)).date()


def growth(volume: int, previous: int) -> float | None:
    """The relative change from ``previous`` to ``volume`` (0.5 is +50%); None when ``previous`` is 0."""
    return (volume - previous) / previous if previous else None


@dataclass(frozen=True)
class TopicVolumes:
    """Each topic's comments in a period and in the period before it, and its daily series."""

    period: Period
    daily: pd.DataFrame
    """topic_key, ds, y for every topic of the run and every day of the period, zeros included."""
    volume: dict[str, int]
    previous: dict[str, int]

    def of(self, topic_key: str) -> tuple[int, int, float | None]:
        """The topic's volume, its previous period's volume and the growth between them."""
        now, then = self.volume.get(topic_key, 0), self.previous.get(topic_key, 0)
        return now, then, growth(now, then)

    def series(self, topic_key: str) -> pd.DataFrame:
        """The topic's daily rows in the period, oldest first."""
        return self.daily[self.daily["topic_key"] == topic_key].sort_values("ds")


def topic_volumes(store: Store, period: Period, *, timezone: str, run_id: int) -> TopicVolumes:
    """Volumes of every topic of run ``run_id`` in ``period`` and in ``period.before()``."""
    before = period.before()
    daily = store_topics.topic_volume(
        store, freq="day", start=before.start, end=period.last_day, tz=timezone, run_id=run_id
    )
    in_period = daily["ds"] >= pd.Timestamp(period.start)
    current, previous = daily[in_period], daily[~in_period]
    return TopicVolumes(
        period=period,
        daily=current,
        volume={key: int(y) for key, y in current.groupby("topic_key")["y"].sum().items()},
        previous={key: int(y) for key, y in previous.groupby("topic_key")["y"].sum().items()},
    )

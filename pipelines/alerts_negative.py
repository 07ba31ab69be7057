"""The negative_rise alert: a topic's share of negative comments doubled (by default) this week.

The series is the one the topic API serves (``store.topics.topic_sentiment``: negative and
sentiment-scored comments per topic and local day). Over the ``recent_days`` to a day, the share
negative / scored is compared with the ``baseline_days`` before, and the day alerts when

- the recent share is at least ``negative_min_ratio`` x the baseline share (2: "doubled"),
- it rose by at least ``negative_min_rise`` (10 points), so 2 % -> 4 % is no alarm,
- the recent window has at least ``negative_min_count`` negative comments and the baseline at
  least ``negative_min_baseline`` scored ones, so a handful of comments cannot make a trend.

A baseline with no negative comment counts as half a comment, so the ratio stays finite. Like
the other rules, each topic alerts at most once per scan (its first qualifying day) and then not
again within ``cooldown_days`` (``pipelines.alerts.apply_cooldowns``).
"""

from __future__ import annotations

import pandas as pd

from config import AlertSettings
from pipelines.alerts import Alert, _name, _scan_indices, _severity
from pipelines.forecast import local_days

KIND = "negative_rise"


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
                kind=KIND, topic_key=str(key), day=day, severity=_severity(ratio, rules.negative_min_ratio),
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

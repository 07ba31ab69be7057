"""Alert detector bench: planted surges and emerging topics in real series, at the default thresholds.

Run from the repository root:

    python -m bench.alerts                      # Dân Trí sections and the demo topics
    python -m bench.alerts --sizes 3 --positions 4 --rule surge_max_p=0.01

Each real daily series is a topic's background. Into it are planted, one at a time:
- surges of ``--sizes`` times the usual level (the mean of the 28 days before), one day long
  and ``--long-days`` days long, ending at the series' end or up to ``--positions`` - 1 weeks
  before (the series is cut there), judged by ``find_alerts`` as a nightly run on the cut series
  would. Found: a surge alert on a planted day; delay: days from the first planted day to it.
- an emerging topic: a new topic whose daily counts are the real series' last 14 days, zero
  before. Delay: days from its first comment to the emerging alert (or missed within 14 days).
False alerts: surge and emerging alerts on the unplanted series, every day with a usual level
judged (28 days of history before it), per topic-month (30 such days). Fading alerts are counted
apart: on real series a slow decline may be true. The surge rule needs no forecast, so nothing
is fitted and the bench takes seconds.
"""

from __future__ import annotations

import argparse
import logging
import platform
from collections.abc import Iterable

import numpy as np
import pandas as pd

from bench.forecast_data import daily_series, dantri_volumes, demo_volumes
from config import AlertSettings
from pipelines.alerts import daily_matrix, find_alerts, surge_scores

_LEVEL_DAYS = 28
_EMERGING_DAYS = 14


def alerts_on(frame: pd.DataFrame, rules: AlertSettings) -> list:
    return find_alerts(frame.assign(topic_key="topic"), None, rules)


def surge_trial(frame: pd.DataFrame, size: float, days: int, rules: AlertSettings) -> dict:
    """Plant a ``days``-long surge of ``size`` x the usual level at the end of ``frame``."""
    y = frame["y"].to_numpy(float).copy()
    start = len(y) - days
    level = float(y[start - _LEVEL_DAYS : start].mean())
    y[start:] += round((size - 1) * level)
    planted = frame.assign(y=y)
    first_day = planted["ds"].iloc[start].date()
    hits = sorted((a.day - first_day).days for a in alerts_on(planted, rules) if a.kind == "surge" and a.day >= first_day)
    scores = surge_scores(daily_matrix(planted.assign(topic_key="topic")), rules)
    day = scores[scores["ds"] == planted["ds"].iloc[start]]
    return {"level": level, "found": bool(hits), "delay": hits[0] if hits else None,
            "ratio": float(day["ratio"].max()), "p_value": float(day["p_value"].min())}


def emerging_trial(frame: pd.DataFrame, rules: AlertSettings) -> dict:
    """A new topic whose counts are ``frame``'s last 14 days, after 28 days without a comment."""
    tail = frame["y"].to_numpy(float)[-_EMERGING_DAYS:]
    y = np.concatenate([np.zeros(_LEVEL_DAYS), tail])
    days = pd.date_range(end=frame["ds"].iloc[-1], periods=len(y), freq="D")
    emerging = pd.DataFrame({"ds": days, "y": y})
    first_day = days[_LEVEL_DAYS].date()
    hits = sorted((a.day - first_day).days for a in alerts_on(emerging, rules) if a.kind == "emerging")
    return {"level": float(tail.mean()), "found": bool(hits), "delay": hits[0] if hits else None}


def false_alerts(frame: pd.DataFrame, rules: AlertSettings) -> dict:
    """Alerts on the unplanted series, every day judged, and each judged day's surge scores."""
    counts = {"surge": 0, "emerging": 0, "fading": 0}
    for alert in alerts_on(frame, rules.model_copy(update={"scan_days": len(frame)})):
        counts[alert.kind] = counts.get(alert.kind, 0) + 1
    scored = surge_scores(daily_matrix(frame.assign(topic_key="topic")), rules)
    return {**counts, "days": len(scored), "scored": scored[["ratio", "p_value"]]}


def detector_bench(
    series: Iterable[tuple[str, pd.DataFrame]], *, sizes: list[float], long_days: int, positions: int,
    rules: AlertSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(planted trials, false alerts per series) for each series long enough to judge."""
    trials, quiet = [], []
    for key, frame in series:
        if len(frame) < rules.surge_baseline_days + long_days + 7:
            continue
        for position in range(positions):
            cut = frame.iloc[: len(frame) - 7 * position].reset_index(drop=True)
            if len(cut) < rules.surge_baseline_days + long_days + 7:
                break
            for size in sizes:
                for days in (1, long_days):
                    trials.append({"series": key, "kind": f"surge {days}d", "size": size,
                                   **surge_trial(cut, size, days, rules)})
            trials.append({"series": key, "kind": "emerging", "size": None, **emerging_trial(cut, rules)})
        quiet.append({"series": key, **false_alerts(frame, rules)})
    return pd.DataFrame(trials), pd.DataFrame(quiet)


def threshold_grid(trials: pd.DataFrame, quiet: pd.DataFrame, ratios: list[float], max_ps: list[float]) -> pd.DataFrame:
    """For other surge thresholds, from the same scores: share of one-day 3x surges over both, and
    unplanted days over both per topic-month (an upper bound on false surge alerts: a run of
    such days is one alert)."""
    surges = trials[(trials["kind"] == "surge 1d") & (trials["size"] == 3.0)]
    days = pd.concat(list(quiet["scored"]), ignore_index=True)
    months = quiet["days"].sum() / 30
    rows = []
    for ratio in ratios:
        for max_p in max_ps:
            rows.append({"surge_min_ratio": ratio, "surge_max_p": max_p,
                         "3x one-day found": float(((surges["ratio"] >= ratio) & (surges["p_value"] <= max_p)).mean()),
                         "unplanted days over, per topic-month":
                             float(((days["ratio"] >= ratio) & (days["p_value"] <= max_p)).sum() / months)})
    return pd.DataFrame(rows)


def summary(trials: pd.DataFrame, quiet: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Detection rate and delays per kind and size; false alerts per topic-month."""
    table = trials.assign(size=trials["size"].fillna(0)).groupby(["kind", "size"]).agg(
        trials=("found", "size"), detected=("found", "mean"),
        same_day=("delay", lambda d: float((d == 0).sum()) / len(d)),
        mean_delay=("delay", "mean"), max_delay=("delay", "max"),
    )
    months = quiet["days"].sum() / 30 if len(quiet) else 0.0
    rates = {kind: (quiet[kind].sum() / months if months else float("nan")) for kind in ("surge", "emerging", "fading")}
    rates["topic_months"] = months
    return table, rates


def print_bench(name: str, trials: pd.DataFrame, quiet: pd.DataFrame) -> None:
    print(f"\n## {name}: {trials['series'].nunique() if len(trials) else 0} series")
    if trials.empty:
        print("no series long enough")
        return
    table, rates = summary(trials, quiet)
    print(table.to_markdown(floatfmt=".3f"))
    print(f"false alerts per topic-month over {rates['topic_months']:.1f} topic-months: surge {rates['surge']:.2f}, "
          f"emerging {rates['emerging']:.2f} (fading, maybe true: {rates['fading']:.2f})")
    print("\nOther surge thresholds (same scores):")
    print(threshold_grid(trials, quiet, [1.5, 2.0, 2.5], [0.03, 0.02, 0.01, 0.003]).to_markdown(index=False, floatfmt=".3f"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[2.0, 3.0, 5.0])
    parser.add_argument("--long-days", type=int, default=3)
    parser.add_argument("--positions", type=int, default=8, help="Surge end positions, a week apart.")
    parser.add_argument("--demo-comments", type=int, default=24000)
    parser.add_argument("--rule", action="append", default=[], metavar="NAME=VALUE",
                        help="An alert threshold to try instead of the default (repeatable).")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rules = AlertSettings.model_validate({**AlertSettings().model_dump(), **dict(r.split("=", 1) for r in args.rule)})
    print(f"# Alert detector bench: {platform.node()}, load average {open('/proc/loadavg').read().strip()}; "
          f"rules: surge_min_ratio {rules.surge_min_ratio}, surge_max_p {rules.surge_max_p}, "
          f"surge_baseline_days {rules.surge_baseline_days}, emerging_min_count {rules.emerging_min_count}")
    options = {"sizes": args.sizes, "long_days": args.long_days, "positions": args.positions, "rules": rules}
    dantri = dantri_volumes()
    if dantri is not None:
        print_bench("Dân Trí sections and feed", *detector_bench(daily_series(dantri), **options))
    demo = demo_volumes(args.demo_comments)
    print_bench("demo topics", *detector_bench(daily_series(demo), **options))


if __name__ == "__main__":
    main()

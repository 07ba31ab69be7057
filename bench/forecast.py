"""Forecast benchmark: accuracy of every candidate on held-out real data, and speed for 200 topics.

Run from the repository root:

    python -m bench.forecast                       # held-out MASE tables, then 200 topics x 365 days
    python -m bench.forecast --skip-timing         # accuracy only
    python -m bench.forecast --skip-accuracy --topics 20

1. Held-out accuracy, on the dated Dân Trí sections and feed and on the demo topics. For each
   series, ``--origins`` rolling origins ``--step`` days apart, the last one ``--horizon`` days
   before the end (so the last ``--horizon`` days are never seen by any choice): at each origin
   ``TopicForecaster(horizon=--horizon)`` is fitted on the days before it (its own backtest and
   choice included) and the next ``--horizon`` days are scored. Shown per series (mean over its
   origins): MASE of the served forecast, of each candidate alone and of the combination, next
   to seasonal naive and Prophet alone; MASE is the MAE divided by the in-sample seasonal-naive
   MAE of the training days. Plus the served interval's coverage of the held-out days.
2. Speed: ``forecast_topics``'s forecasting step (daily + weekly series per topic, every
   candidate backtested) for N synthetic topics x D days in ``--workers`` processes: wall time
   and CPU time (this process and its workers; steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import time
from collections import Counter

import numpy as np
import pandas as pd

from bench.forecast_data import daily_series, dantri_volumes, demo_volumes, synthetic_volumes
from config import Settings
from models.forecast import TopicForecaster
from models.forecast_candidates import COMBINATION, PROPHET, SEASONAL_NAIVE, STATISTICAL
from models.forecast_prophet import prophet_forecast
from models.forecast_scores import coverage, mae, naive_scale
from pipelines.forecast import run_tasks, series_tasks

ALONE = (SEASONAL_NAIVE, PROPHET, *STATISTICAL, COMBINATION)


def held_out(name: str, volumes: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    """Per series and origin: MASE of the served forecast and of each model alone."""
    rows = []
    for key, frame in daily_series(volumes):
        n = len(frame)
        cuts = [n - args.horizon - args.step * k for k in range(args.origins - 1, -1, -1)]
        for cut in (c for c in cuts if c >= args.min_train):
            train, test = frame.iloc[:cut].reset_index(drop=True), frame.iloc[cut : cut + args.horizon]
            scale = naive_scale(train["y"].to_numpy(), 7)
            if scale is None:
                continue
            actual = test["y"].to_numpy()
            forecaster = TopicForecaster(horizon=args.horizon, uncertainty_samples=args.samples, **args.param).fit(train)
            served = forecaster.predict()
            row = {"series": key, "origin": str(test["ds"].iloc[0].date()), "train days": cut,
                   "served": mae(actual, served["yhat"]) / scale, "picked": forecaster.chosen_model,
                   "coverage": coverage(actual, served["lower"], served["upper"])}
            for model in ALONE:
                if model == PROPHET:
                    params = forecaster.params
                    points = prophet_forecast(train, test[["ds"]].reset_index(drop=True), "D", params)
                elif model == COMBINATION and COMBINATION not in forecaster.scores:
                    continue
                else:
                    points = forecaster.forecast_of(model)
                row[model] = mae(actual, points["yhat"]) / scale
            rows.append(row)
    table = pd.DataFrame(rows)
    print(f"\n## Held-out MASE on {name}: {args.origins} origins x {args.horizon} days, {args.step} days apart, "
          f"at least {args.min_train} training days")
    if table.empty:
        print("no series long enough")
        return table
    shown = [c for c in ("served", *ALONE) if c in table]
    per_series = table.groupby("series").agg(
        {"train days": "min", "origin": "count", **{c: "mean" for c in (*shown, "coverage")}}
    ).rename(columns={"origin": "origins", "train days": "min train"})
    picked = table.groupby("series")["picked"].agg(lambda s: ", ".join(f"{m} {k}" for m, k in Counter(s).most_common()))
    per_series["picked"] = picked
    print(per_series.to_markdown(floatfmt=".3f"))
    means = per_series[shown].mean()
    print("mean over series: " + ", ".join(f"{c} {means[c]:.3f}" for c in shown))
    baseline = min(means[SEASONAL_NAIVE], means.get(PROPHET, np.inf))
    worse = per_series.index[per_series["served"] > per_series[SEASONAL_NAIVE]].tolist()
    print(f"served vs the better of seasonal naive and Prophet: {means['served']:.3f} vs {baseline:.3f} "
          f"({100 * (1 - means['served'] / baseline):+.1f} % better); worse than seasonal naive on "
          f"{len(worse)} of {len(per_series)} series {worse if worse else ''}")
    print(f"served 80 % interval coverage of the held-out days: mean {per_series['coverage'].mean():.1%}")
    return table


def time_topics(settings: Settings, n_topics: int, n_days: int) -> None:
    tasks = series_tasks(settings, synthetic_volumes(n_topics, n_days))
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    results, failures = run_tasks(tasks, settings.forecast.workers)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    chosen = Counter(r["chosen_model"] for r in results)
    print(f"\n## {n_topics} topics x {n_days} days, {settings.forecast.workers} workers (daily + weekly, "
          f"every candidate backtested)")
    print(f"series forecast: {len(results)} ({len(tasks)} tasks, {len(failures)} failed)")
    print(f"wall time: {seconds:.1f} s; CPU time, this process and its workers: {cpu:.1f} s; "
          f"load average after: {open('/proc/loadavg').read().strip()}")
    print("served: " + ", ".join(f"{m} {k}" for m, k in chosen.most_common()))


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--origins", type=int, default=4)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--step", type=int, default=7)
    parser.add_argument("--min-train", type=int, default=14)
    parser.add_argument("--samples", type=int, default=200, help="Prophet's uncertainty_samples.")
    parser.add_argument("--demo-comments", type=int, default=24000)
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="A forecast setting to try (repeatable), e.g. --param combine_margin=0.1.")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    args.param = dict(item.split("=", 1) for item in args.param)
    logging.basicConfig(level=logging.WARNING)

    print(f"# Forecast bench: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}; load average {open('/proc/loadavg').read().strip()}")
    if not args.skip_accuracy:
        dantri = dantri_volumes()
        if dantri is not None:
            held_out("Dân Trí (articles per section, and 'all')", dantri, args)
        held_out(f"the demo topics ({args.demo_comments} comments, topic_hint)", demo_volumes(args.demo_comments), args)
    if not args.skip_timing:
        settings = Settings()
        settings = settings.model_copy(update={"forecast": settings.forecast.model_copy(update={"workers": args.workers})})
        time_topics(settings, args.topics, args.days)


if __name__ == "__main__":
    main()

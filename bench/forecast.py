"""Forecast benchmark: time to forecast many topics, and MASE of Prophet against seasonal naive.

Run from the repository root:

    python -m bench.forecast                 # 200 topics x 365 days, 2 workers, + MASE tables
    python -m bench.forecast --topics 20     # a quicker look

Figures printed:
1. Wall time of the forecast step of ``forecast_topics`` (daily + weekly series per topic, the
   backtest included) for N synthetic topics x D days, in ``--workers`` processes.
2. Fit and predict time of one Prophet model on a year of daily data at 1000 (Prophet's default)
   and at the configured uncertainty_samples.
3. MASE per model over the same rolling-origin folds, on the demo data (per-topic daily series from
   each comment's ``topic_hint``) and on the dated Dân Trí set (daily articles per
   ``category.primary``); a dataset that is absent is skipped with a message.
4. On the same data, each series' last two weeks held out: MASE of the per-topic choice against
   always Prophet and always seasonal naive, on weeks the choice never saw.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from models.forecast import PROPHET, SEASONAL_NAIVE, TopicForecaster, mae, naive_scale
from pipelines.forecast import run_tasks, series_tasks
from config import Settings
from tests.forecast_series import demo_daily_volumes, poisson_series

SHARED_DATA = Path(os.environ.get("TOPICPULSE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def synthetic_volumes(n_topics: int, n_days: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-01", periods=n_days, freq="D")
    frames = []
    for k in range(n_topics):
        level = float(rng.lognormal(2.5, 0.8))
        trend = np.linspace(1.0, float(rng.uniform(0.5, 2.0)), n_days)
        y = rng.poisson(poisson_series(days, level, rng) * trend).astype(float)
        frames.append(pd.DataFrame({"topic_key": f"t{k:04d}", "ds": days, "y": y}))
    return pd.concat(frames, ignore_index=True)


def time_topics(settings: Settings, n_topics: int, n_days: int) -> None:
    tasks = series_tasks(settings, synthetic_volumes(n_topics, n_days))
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    results, failures = run_tasks(tasks, settings.forecast.workers)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    daily = [r for r in results if r["freq"] == "D"]
    prophet = sum(r["chosen_model"] == PROPHET for r in daily)
    print(f"## {n_topics} topics x {n_days} days, {settings.forecast.workers} workers, "
          f"uncertainty_samples={settings.forecast.uncertainty_samples}")
    print(f"series forecast: {len(results)} ({len(tasks)} tasks, {len(failures)} failed)")
    print(f"wall time: {seconds:.1f} s ({seconds / n_topics:.2f} s per topic, daily + weekly)")
    print(f"CPU time, this process and its workers: {cpu:.1f} s ({cpu / n_topics:.2f} s per topic), "
          f"steadier than wall time on a shared machine")
    print(f"daily series won by Prophet: {prophet} of {len(daily)}")


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_uncertainty_samples(configured: int) -> None:
    from models.forecast import quiet_prophet
    from prophet import Prophet

    days = pd.date_range("2025-01-01", periods=365, freq="D")
    frame = pd.DataFrame({"ds": days, "y": np.log1p(poisson_series(days, 20, np.random.default_rng(2)))})
    print("## Prophet fit vs predict, one topic, 365 days, 30-day horizon (median of 3)")
    for samples in sorted({1000, configured}, reverse=True):
        fits, predicts = [], []
        for _ in range(3):
            model = Prophet(weekly_seasonality=True, yearly_seasonality=False, daily_seasonality=False,
                            uncertainty_samples=samples)
            with quiet_prophet():
                started = time.perf_counter()
                model.fit(frame)
                fitted = time.perf_counter()
                model.predict(model.make_future_dataframe(30))
                predicted = time.perf_counter()
            fits.append(fitted - started)
            predicts.append(predicted - fitted)
        print(f"uncertainty_samples={samples}: fit {np.median(fits):.3f} s, predict {np.median(predicts):.3f} s")


def mase_table(name: str, volumes: pd.DataFrame, uncertainty_samples: int) -> None:
    """Backtest both models on each series (Prophet on counts, and on log1p counts) and print MASE."""
    rows = []
    for key, group in volumes.groupby("topic_key", sort=True):
        s = group.set_index("ds")["y"].sort_index()
        s = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D"), fill_value=0)
        s = s.loc[s.ne(0).idxmax():]
        frame = pd.DataFrame({"ds": s.index, "y": s.to_numpy(float)})
        forecaster = TopicForecaster(uncertainty_samples=uncertainty_samples).fit(frame)
        logged = TopicForecaster(uncertainty_samples=uncertainty_samples, log_transform=True).fit(frame)
        scores = forecaster.scores
        rows.append({
            "series": key, "days": len(s), "mean/day": round(float(s.mean()), 1),
            "prophet": scores[PROPHET].mase if PROPHET in scores else None,
            "prophet_log1p": logged.scores[PROPHET].mase if PROPHET in logged.scores else None,
            "seasonal_naive": scores[SEASONAL_NAIVE].mase if SEASONAL_NAIVE in scores else None,
            "chosen": forecaster.chosen_model, "note": "" if PROPHET in scores else forecaster.reason,
        })
    table = pd.DataFrame(rows)
    print(f"## MASE on {name} (3 folds x 7 days, daily; lower is better, 1 = in-sample seasonal naive)")
    print(table.to_markdown(index=False, floatfmt=".3f"))
    both = table.dropna(subset=["prophet", "seasonal_naive"])
    if len(both):
        means = ", ".join(f"{m} {both[m].mean():.3f}" for m in ("prophet", "prophet_log1p", "seasonal_naive"))
        medians = ", ".join(f"{m} {both[m].median():.3f}" for m in ("prophet", "prophet_log1p", "seasonal_naive"))
        print(f"mean MASE: {means}; median: {medians}; "
              f"Prophet (counts) better than seasonal naive on {int((both['prophet'] < both['seasonal_naive']).sum())} "
              f"of {len(both)} series")


def held_out_choice(name: str, volumes: pd.DataFrame, uncertainty_samples: int) -> None:
    """Is choosing per topic better than always using one model? Judged on weeks no choice saw.

    For each series and each of its last two weeks: fit on the days before that week (the
    backtest and the choice use only those), forecast the week, and score it. MASE is scaled by
    the in-sample seasonal-naive error of the training days.
    """
    modes = ("auto", PROPHET, SEASONAL_NAIVE)
    rows = []
    for key, group in volumes.groupby("topic_key", sort=True):
        s = group.set_index("ds")["y"].sort_index()
        s = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D"), fill_value=0)
        frame = pd.DataFrame({"ds": s.index, "y": s.to_numpy(float)}).loc[s.to_numpy().nonzero()[0][0]:]
        for weeks_back in (2, 1):
            cut = len(frame) - 7 * weeks_back
            train, test = frame.iloc[:cut], frame.iloc[cut : cut + 7]
            scale = naive_scale(train["y"].to_numpy(), 7)
            if cut < 28 + 7 or scale is None:  # at least one backtest fold before the held-out week
                continue
            row = {"series": key, "week": str(test["ds"].iloc[0].date())}
            for mode in modes:
                forecaster = TopicForecaster(horizon=7, uncertainty_samples=uncertainty_samples, model=mode).fit(train)
                row[mode] = mae(test["y"].to_numpy(), forecaster.predict()["yhat"].to_numpy()) / scale
                if mode == "auto":
                    row["auto picked"] = forecaster.chosen_model
            rows.append(row)
    table = pd.DataFrame(rows)
    print(f"## Held-out weeks on {name}: MASE of the per-topic choice against always one model")
    if table.empty:
        print("no series long enough (35 days before the held-out weeks)")
        return
    print(table.to_markdown(index=False, floatfmt=".3f"))
    print("mean MASE over held-out weeks: " + ", ".join(f"{m} {table[m].mean():.3f}" for m in modes))


def demo_volumes(n_comments: int) -> pd.DataFrame | None:
    try:
        from pipelines.demo_data import write_demo_data
    except ImportError:
        print("## MASE on demo data: skipped (pipelines.demo_data is not there yet)")
        return None
    with tempfile.TemporaryDirectory() as out:
        truth = write_demo_data(Path(out), seed=7, n_comments=n_comments)
        return demo_daily_volumes(truth.files)


def dantri_volumes() -> pd.DataFrame | None:
    path = SHARED_DATA / "vn-news-dantri-2025" / "dantri_html_categories_vi.csv"
    if not path.exists():
        print(f"## MASE on Dân Trí: skipped ({path} is absent; set TOPICPULSE_SHARED_DATA)")
        return None
    articles = pd.read_csv(path, usecols=["published_at", "category.primary"]).dropna()
    local = pd.to_datetime(articles["published_at"], utc=True).dt.tz_convert("Asia/Ho_Chi_Minh")
    articles = articles.assign(ds=local.dt.tz_localize(None).dt.normalize())
    return (articles.groupby(["category.primary", "ds"]).size().rename("y").reset_index()
            .rename(columns={"category.primary": "topic_key"}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--demo-comments", type=int, default=24000)
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-mase", action="store_true")
    args = parser.parse_args()

    settings = Settings()
    settings = settings.model_copy(update={"forecast": settings.forecast.model_copy(update={"workers": args.workers})})
    print(f"# Forecast bench: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()} (machine shared with other engineers while measured)")
    if not args.skip_timing:
        time_topics(settings, args.topics, args.days)
        time_uncertainty_samples(settings.forecast.uncertainty_samples)
    if args.skip_mase:
        return
    demo = demo_volumes(args.demo_comments)
    samples = settings.forecast.uncertainty_samples
    for name, volumes in (("the demo data (topic_hint)", demo),
                          ("Dân Trí, articles per category.primary", dantri_volumes())):
        if volumes is not None:
            mase_table(name, volumes, samples)
            held_out_choice(name, volumes, samples)


if __name__ == "__main__":
    main()

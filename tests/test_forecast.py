from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from models.forecast import PROPHET, SEASONAL_NAIVE, TopicForecaster, mae, naive_scale, smape, vietnam_holidays
from pipelines.forecast import SeriesTask, complete_weeks, forecaster_config, forecast_series, run_tasks
from config import Settings
from store import Store
from store import forecasts as store_forecasts
from tests.conftest import shared_dataset
from tests.forecast_series import planted_volumes, poisson_series, seed_topic_store, series

FAST = {"uncertainty_samples": 50, "backtest_folds": 3}


def test_vietnamese_holidays_fold_tet_into_one_week_long_window() -> None:
    frame = vietnam_holidays(range(2025, 2027))
    tet = frame[frame["holiday"] == "tet"]
    assert list(tet["ds"].dt.date) == [dt.date(2025, 1, 29), dt.date(2026, 2, 17)]
    assert set(tet["lower_window"]) == {-7} and set(tet["upper_window"]) == {7}
    assert not frame["holiday"].str.contains("Lunar").any()
    assert "National Day" in set(frame["holiday"])
    assert not frame["holiday"].str.contains(r"\(").any()
    weekly = vietnam_holidays(range(2026, 2027), freq="W")
    assert set(weekly.loc[weekly["holiday"] == "tet", "lower_window"]) == {-13}


def test_prophet_learns_tet_from_last_year_and_forecasts_the_dip() -> None:
    rng = np.random.default_rng(11)
    days = pd.date_range("2024-12-01", "2026-01-31", freq="D")
    y = poisson_series(days, 30, rng)
    tet_2025 = (days >= "2025-01-22") & (days <= "2025-02-05")
    y[tet_2025] = rng.poisson(6, tet_2025.sum())
    forecaster = TopicForecaster(horizon=40, **FAST).fit(pd.DataFrame({"ds": days, "y": y}))

    assert forecaster.chosen_model == PROPHET, forecaster.reason
    forecast = forecaster.predict()
    assert len(forecast) == 40 and forecast["ds"].iloc[0] == pd.Timestamp("2026-02-01")
    in_tet = forecast["ds"].between("2026-02-10", "2026-02-24")
    assert forecast.loc[in_tet, "yhat"].mean() < 0.5 * forecast.loc[~in_tet, "yhat"].mean()
    assert (forecast["lower"] >= 0).all()
    assert (forecast["lower"] <= forecast["yhat"]).all() and (forecast["yhat"] <= forecast["upper"]).all()


def test_prophet_on_the_real_dated_dantri_series() -> None:
    path = shared_dataset("vn-news-dantri-2025") / "dantri_html_categories_vi.csv"
    articles = pd.read_csv(path, usecols=["published_at"]).dropna()
    local = pd.to_datetime(articles["published_at"], utc=True).dt.tz_convert("Asia/Ho_Chi_Minh")
    counts = local.dt.tz_localize(None).dt.normalize().value_counts().sort_index()
    counts = counts.reindex(pd.date_range(counts.index.min(), counts.index.max(), freq="D"), fill_value=0)
    daily = pd.DataFrame({"ds": counts.index, "y": counts.to_numpy()})

    forecaster = TopicForecaster(**FAST).fit(daily)

    assert set(forecaster.scores) == {PROPHET, SEASONAL_NAIVE}
    assert all(score.folds == 3 and score.mase is not None for score in forecaster.scores.values())
    best = min(forecaster.scores.values(), key=lambda s: s.mase)
    assert forecaster.chosen_model == best.model
    forecast = forecaster.predict()
    # The 30 days after 2025-12-21 include New Year's Day, one of the holidays given to Prophet.
    assert pd.Timestamp("2026-01-01") in set(forecast["ds"])
    assert len(forecast) == 30 and (forecast["lower"] >= 0).all() and forecast["upper"].gt(0).all()
    assert len(forecaster.asof) == 21 and forecaster.asof["ds"].max() == daily["ds"].max()


def test_short_series_gets_seasonal_naive_with_the_reason() -> None:
    days = pd.date_range("2026-03-01", periods=20, freq="D")
    y = poisson_series(days, 10, np.random.default_rng(0))
    forecaster = TopicForecaster(**FAST).fit(pd.DataFrame({"ds": days, "y": y}))

    assert forecaster.chosen_model == SEASONAL_NAIVE
    assert "too short" in forecaster.reason and "20 steps" in forecaster.reason
    assert forecaster.scores == {}
    forecast = forecaster.predict()
    assert list(forecast["yhat"].iloc[:14]) == list(y[-7:]) * 2
    assert (forecast["upper"].iloc[7:14].to_numpy() > forecast["upper"].iloc[:7].to_numpy()).all()
    assert len(forecaster.asof) == 7


def test_sparse_series_gets_seasonal_naive_with_the_reason() -> None:
    days = pd.date_range("2026-01-01", periods=90, freq="D")
    y = np.zeros(90)
    y[::9] = 1
    forecaster = TopicForecaster(**FAST).fit(pd.DataFrame({"ds": days, "y": y}))
    assert forecaster.chosen_model == SEASONAL_NAIVE
    assert forecaster.reason.startswith("too sparse")


def test_backtest_scores_both_models_on_the_same_folds_and_keeps_the_better() -> None:
    rng = np.random.default_rng(5)
    days = pd.date_range("2026-01-01", periods=84, freq="D")
    # Noisy counts around a smooth weekly pattern: Prophet smooths the noise seasonal naive repeats.
    noisy = pd.DataFrame({"ds": days, "y": poisson_series(days, 20, rng)})
    # A pattern that repeats exactly each week (with one change of level): seasonal naive is exact.
    exact = np.tile([9.0, 3.0, 14.0, 1.0, 7.0, 0.0, 22.0], 12)
    exact[42:] *= 3
    repeating = pd.DataFrame({"ds": days, "y": exact})

    for frame in (noisy, repeating):
        forecaster = TopicForecaster(**FAST).fit(frame)
        scores = forecaster.scores
        assert scores[PROPHET].folds == scores[SEASONAL_NAIVE].folds == 3
        chosen, other = scores[forecaster.chosen_model], scores[({PROPHET, SEASONAL_NAIVE} - {forecaster.chosen_model}).pop()]
        assert chosen.mase < other.mase or (chosen.mase == other.mase and chosen.model == SEASONAL_NAIVE)

    assert TopicForecaster(**FAST).fit(noisy).chosen_model == PROPHET
    baseline_wins = TopicForecaster(**FAST).fit(repeating)
    assert baseline_wins.chosen_model == SEASONAL_NAIVE and "beat or matched Prophet" in baseline_wins.reason
    # When the baseline wins, the published forecast is the baseline's.
    assert list(baseline_wins.predict()["yhat"].iloc[:7]) == list(exact[-7:])
    # Unless Prophet is asked for by name: still scored, and the reason says so.
    pinned = TopicForecaster(model="prophet", **FAST).fit(repeating)
    assert pinned.chosen_model == PROPHET and "model='prophet' was asked for" in pinned.reason
    assert pinned.scores[SEASONAL_NAIVE] == baseline_wins.scores[SEASONAL_NAIVE]


def test_metrics_on_known_numbers() -> None:
    assert mae([1, 2, 3], [1, 4, 0]) == pytest.approx(5 / 3)
    assert smape([0, 10], [0, 30]) == pytest.approx(50.0)
    assert naive_scale(np.array([1, 2, 3, 4]), 1) == pytest.approx(1.0)
    assert naive_scale(np.array([5, 5, 5]), 1) is None


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"ds": [pd.NaT], "y": [1]}), "NaN in column ds"),
        (pd.DataFrame({"ds": pd.to_datetime(["2026-01-01", "2026-01-03"]), "y": [1, 2]}), "consecutive"),
        (pd.DataFrame({"ds": pd.to_datetime(["2026-01-01", "2026-01-01"]), "y": [1, 2]}), "duplicate dates"),
        (pd.DataFrame({"ds": pd.to_datetime(["2026-01-01"]), "y": [-1]}), "negative counts"),
        (pd.DataFrame({"ds": pd.to_datetime(["2026-01-01"]), "y": [np.nan]}), "NaN or infinity in column y"),
        (pd.DataFrame({"day": [1]}), "columns ds and y"),
    ],
)
def test_bad_series_are_refused_with_a_precise_message(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TopicForecaster().fit(frame)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="freq"):
        TopicForecaster(freq="M")
    with pytest.raises(ValueError, match="uncertainty_samples"):
        TopicForecaster(uncertainty_samples=0)
    with pytest.raises(ValueError, match="interval_width"):
        TopicForecaster(interval_width=1.5)
    with pytest.raises(ValueError, match="model must be"):
        TopicForecaster(model="arima")
    with pytest.raises(ValueError, match="Call fit"):
        TopicForecaster().predict()


def test_complete_weeks_drop_the_partial_first_and_last_week() -> None:
    days = pd.date_range("2026-03-04", "2026-03-25", freq="D")  # Wednesday to Wednesday
    weeks = complete_weeks(pd.Series(1.0, index=days))
    assert list(weeks.index) == [pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-16")]
    assert list(weeks) == [7.0, 7.0]


def test_forecasts_in_worker_processes_are_stored_and_read_back(settings: Settings, store: Store) -> None:
    settings = settings.model_copy(update={"forecast": settings.forecast.model_copy(update={"uncertainty_samples": 50})})
    planted = planted_volumes(n_topics=8)
    config = forecaster_config(settings, "D")
    tasks = [
        SeriesTask(key, "D", s["ds"].to_numpy(), s["y"].to_numpy(float), config)
        for key in sorted(planted.volumes["topic_key"].unique())
        for s in [series(planted.volumes, key)]
    ]
    tasks.append(SeriesTask("t9999", "D", tasks[0].ds[:3], np.ones(3), config))
    results, failures = run_tasks(tasks, workers=2)

    assert len(results) == 8 and failures == ["t9999 (D): series has 3 points; even seasonal naive needs 7"]
    assert results == sorted(results, key=lambda r: r["topic_key"])
    store_forecasts.write_run(store, started_at=dt.datetime.now(dt.UTC), series=9, skipped=0,
                              settings={}, results=results)
    stored = store_forecasts.topic_forecast(store, "t0003")
    assert stored["model"] in (PROPHET, SEASONAL_NAIVE) and stored["reason"]
    assert len(stored["points"]) == 30 and stored["points"][0]["ds"] == dt.date(2026, 5, 1)
    assert set(stored["backtest"]) == {PROPHET, SEASONAL_NAIVE}
    assert {"mae", "smape", "mase", "folds"} <= set(stored["backtest"][PROPHET])
    assert stored["fingerprint"] == tasks[3].fingerprint
    assert store_forecasts.topic_forecast(store, "t0003", freq="W") is None
    assert store_forecasts.topic_forecast(store, "nope") is None
    assert store_forecasts.fingerprints(store)[("t0003", "D")] == tasks[3].fingerprint
    # t0000 emerged 15 days ago: too short to backtest, it has one as-of week; the others three.
    assert len(store_forecasts.asof_points(store)) == 7 * 21 + 7
    # A refit replaces a topic's forecast whole.
    store_forecasts.write_run(store, started_at=dt.datetime.now(dt.UTC), series=1, skipped=0,
                              settings={}, results=[results[3]])
    assert len(store_forecasts.topic_forecast(store, "t0003")["points"]) == 30
    assert len(store_forecasts.asof_points(store)) == 7 * 21 + 7
    assert store_forecasts.latest_run(store)["refitted"] == 1


def test_same_series_same_fingerprint_and_settings_change_it(settings: Settings) -> None:
    planted = planted_volumes(n_topics=3)
    s = series(planted.volumes, "t0002")
    config = forecaster_config(settings, "D")
    a = SeriesTask("t0002", "D", s["ds"].to_numpy(), s["y"].to_numpy(float), config)
    b = SeriesTask("t0002", "D", s["ds"].to_numpy(), s["y"].to_numpy(float), dict(config))
    assert a.fingerprint == b.fingerprint
    changed_y = s["y"].to_numpy(float).copy()
    changed_y[-1] += 1
    assert SeriesTask("t0002", "D", a.ds, changed_y, config).fingerprint != a.fingerprint
    assert SeriesTask("t0002", "D", a.ds, a.y, {**config, "horizon": 10}).fingerprint != a.fingerprint
    assert forecast_series(a)["fingerprint"] == a.fingerprint


@pytest.fixture
def keep_root_logging():
    """The CLI points the root logger at CliRunner's stream; later tests must not log into it."""
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_forecast_command_prints_the_run_and_new_alerts(settings: Settings, keep_root_logging) -> None:
    from typer.testing import CliRunner

    from service.cli import app

    env = {"TOPICPULSE_DATA_DIR": str(settings.data_dir), "TOPICPULSE_FORECAST__UNCERTAINTY_SAMPLES": "50"}
    empty = CliRunner().invoke(app, ["forecast"], env=env)
    assert empty.exit_code == 0, empty.output
    assert "No topic volumes yet" in empty.output

    with Store(settings.store_path) as store:
        seed_topic_store(store, planted_volumes(n_topics=4).volumes)
    first = CliRunner().invoke(app, ["forecast", "--workers", "1"], env=env)
    assert first.exit_code == 0, first.output
    assert "8 series, 8 forecast" in first.output and "0 unchanged" in first.output
    assert "emerging" in first.output and "surge" in first.output
    again = CliRunner().invoke(app, ["forecast", "--workers", "1"], env=env)
    assert "0 forecast" in again.output and "8 unchanged" in again.output and "0 new alerts" in again.output

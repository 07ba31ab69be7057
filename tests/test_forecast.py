from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from models.forecast import MODELS, TopicForecaster
from models.forecast_candidates import (
    ADIDA,
    AUTO_ETS,
    COMBINATION,
    CROSTON,
    INTERMITTENT,
    MSTL,
    PROPHET,
    SEASONAL_NAIVE,
    STATISTICAL,
    THETA,
    statistical_forecast,
)
from models.forecast_prophet import prophet_forecast, tet_effect, vietnam_holidays
from models.forecast_scores import coverage, mae, naive_scale, smape
from pipelines.forecast import SeriesTask, complete_weeks, forecast_series, run_tasks
from config import ForecastSettings, Settings
from store import Store
from store import forecasts as store_forecasts
from tests.conftest import shared_dataset
from tests.forecast_series import planted_volumes, poisson_series, seed_topic_store, series

FAST = {"uncertainty_samples": 50, "backtest_folds": 3}


def dantri_daily(category: str | None = None) -> pd.DataFrame:
    """Dated Dân Trí articles per local day (all sections, or one ``category.primary``): 51 real days."""
    path = shared_dataset("vn-news-dantri-2025") / "dantri_html_categories_vi.csv"
    articles = pd.read_csv(path, usecols=["published_at", "category.primary"]).dropna()
    if category is not None:
        articles = articles[articles["category.primary"] == category]
    local = pd.to_datetime(articles["published_at"], utc=True).dt.tz_convert("Asia/Ho_Chi_Minh")
    counts = local.dt.tz_localize(None).dt.normalize().value_counts().sort_index()
    counts = counts.reindex(pd.date_range(counts.index.min(), counts.index.max(), freq="D"), fill_value=0)
    return pd.DataFrame({"ds": counts.index, "y": counts.to_numpy(float)})


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
    forecaster = TopicForecaster(horizon=40, model=PROPHET, **FAST).fit(pd.DataFrame({"ds": days, "y": y}))

    assert forecaster.chosen_model == PROPHET and "model='prophet' was asked for" in forecaster.reason
    forecast = forecaster.predict()
    assert len(forecast) == 40 and forecast["ds"].iloc[0] == pd.Timestamp("2026-02-01")
    in_tet = forecast["ds"].between("2026-02-10", "2026-02-24")
    assert forecast.loc[in_tet, "yhat"].mean() < 0.5 * forecast.loc[~in_tet, "yhat"].mean()
    assert (forecast["lower"] >= 0).all()
    assert (forecast["lower"] <= forecast["yhat"]).all() and (forecast["yhat"] <= forecast["upper"]).all()


def test_prophet_is_backtested_only_where_a_tet_can_make_it_win() -> None:
    rng = np.random.default_rng(4)
    before_tet = pd.date_range("2025-03-01", periods=150, freq="D")  # no Tết in history, folds or horizon
    frame = pd.DataFrame({"ds": before_tet, "y": poisson_series(before_tet, 20, rng)})
    assert PROPHET not in TopicForecaster(**FAST).fit(frame).scores
    assert PROPHET in TopicForecaster(prophet="always", **FAST).fit(frame).scores
    across_tet = pd.date_range("2024-12-01", "2026-01-20", freq="D")  # Tết 2025 seen, Tết 2026 ahead
    flat = pd.DataFrame({"ds": across_tet, "y": poisson_series(across_tet, 20, rng)})
    # A Tết that left no mark on the history teaches Prophet nothing: it is not fitted.
    assert PROPHET not in TopicForecaster(horizon=30, **FAST).fit(flat).scores
    dip = flat.assign(y=np.where(flat["ds"].between("2025-01-22", "2025-02-05"), flat["y"] * 0.4, flat["y"]))
    assert PROPHET in TopicForecaster(horizon=30, **FAST).fit(dip).scores


def test_the_tet_effect_is_the_window_against_the_weeks_around_it_beyond_noise() -> None:
    rng = np.random.default_rng(6)
    days = pd.date_range("2024-12-01", "2025-04-30", freq="D")
    frame = pd.DataFrame({"ds": days, "y": rng.poisson(20, len(days)).astype(float)})
    tet = frame["ds"].between("2025-01-22", "2025-02-05")
    assert tet_effect(frame, days[-1], "D") < 0.15
    assert tet_effect(frame.assign(y=np.where(tet, 8.0, frame["y"])), days[-1], "D") == pytest.approx(0.6, abs=0.05)
    # One comment a day: a third more over the window is within noise, so no effect.
    small = frame.assign(y=np.where(tet, 1.33, 1.0))
    assert tet_effect(small, days[-1], "D") == 0.0
    dip = frame.assign(y=np.where(tet, 0.0, frame["y"])).set_index("ds")["y"]
    weeks = dip.resample("W-MON", label="left", closed="left").sum().iloc[1:]  # weeks from a Monday
    assert tet_effect(pd.DataFrame({"ds": weeks.index, "y": weeks.to_numpy()}), weeks.index[-1], "W") > 0.3


def test_every_candidate_fits_and_forecasts_a_short_real_series() -> None:
    daily = dantri_daily("the-thao")
    params = ForecastSettings()
    for name in STATISTICAL:
        points = statistical_forecast(name, daily["y"].to_numpy(), 28, [7], params)
        assert len(points) == 28 and points.notna().all().all(), name
        assert ((points["lower"] <= points["yhat"] + 1e-9) & (points["yhat"] <= points["upper"] + 1e-9)).all(), name
        assert (points["lower"] >= 0).all(), name
    future = pd.DataFrame({"ds": daily["ds"].iloc[-1] + pd.to_timedelta(np.arange(1, 29), unit="D")})
    prophet = prophet_forecast(daily, future, "D", params.model_copy(update={"uncertainty_samples": 50}))
    assert len(prophet) == 28 and (prophet["lower"] <= prophet["upper"]).all()


def test_the_real_dantri_feed_is_backtested_on_a_served_length_fold() -> None:
    daily = dantri_daily()
    forecaster = TopicForecaster(horizon=28, **FAST).fit(daily)

    assert {SEASONAL_NAIVE, AUTO_ETS, THETA, MSTL, COMBINATION} <= set(forecaster.scores)
    assert all(score.folds == 1 and score.horizon == 28 for score in forecaster.scores.values())
    best = min(forecaster.scores.values(), key=lambda s: s.mase)
    naive = forecaster.scores[SEASONAL_NAIVE]
    served = forecaster.scores[forecaster.chosen_model]
    assert served.mase <= naive.mase
    assert forecaster.chosen_model == (best.model if best.mase < naive.mase else SEASONAL_NAIVE)
    assert 0 <= forecaster.coverage <= 1 and forecaster.coverage == served.coverage
    forecast = forecaster.predict()
    assert len(forecast) == 28 and (forecast["lower"] >= 0).all() and forecast["upper"].gt(0).all()
    assert len(forecaster.asof) == 28 and forecaster.asof["ds"].max() == daily["ds"].max()


def test_short_series_gets_seasonal_naive_with_the_reason() -> None:
    days = pd.date_range("2026-03-01", periods=20, freq="D")
    y = poisson_series(days, 10, np.random.default_rng(0))
    forecaster = TopicForecaster(**FAST).fit(pd.DataFrame({"ds": days, "y": y}))

    assert forecaster.chosen_model == SEASONAL_NAIVE
    assert "too short" in forecaster.reason and "20 days" in forecaster.reason
    assert forecaster.scores == {} and forecaster.coverage is None
    forecast = forecaster.predict()
    assert list(forecast["yhat"].iloc[:14]) == list(y[-7:]) * 2
    assert (forecast["upper"].iloc[7:14].to_numpy() > forecast["upper"].iloc[:7].to_numpy()).all()
    assert len(forecaster.asof) == 7


def test_a_short_history_gets_one_shorter_fold() -> None:
    days = pd.date_range("2026-03-01", periods=30, freq="D")
    y = poisson_series(days, 10, np.random.default_rng(2))
    forecaster = TopicForecaster(**FAST).fit(pd.DataFrame({"ds": days, "y": y}))
    assert {score.horizon for score in forecaster.scores.values()} == {16}
    assert {score.folds for score in forecaster.scores.values()} == {1}
    assert len(forecaster.predict()) == 30


def test_sparse_series_go_to_the_intermittent_models() -> None:
    rng = np.random.default_rng(7)
    days = pd.date_range("2026-01-01", periods=200, freq="D")
    y = np.where(rng.random(200) < 0.3, rng.integers(1, 10, 200), 0).astype(float)
    forecaster = TopicForecaster(**FAST).fit(pd.DataFrame({"ds": days, "y": y}))

    assert set(forecaster.scores) == {SEASONAL_NAIVE, CROSTON, ADIDA, COMBINATION}
    assert forecaster.chosen_model in INTERMITTENT or set(forecaster.members) & set(INTERMITTENT), forecaster.reason
    assert (forecaster.predict()["yhat"] > 0).all()


def test_candidates_share_the_folds_and_the_best_is_served() -> None:
    rng = np.random.default_rng(5)
    days = pd.date_range("2026-01-01", periods=120, freq="D")
    # Noisy counts around a smooth weekly pattern: the smoothing models beat repeating last week.
    noisy = pd.DataFrame({"ds": days, "y": poisson_series(days, 20, rng)})
    forecaster = TopicForecaster(**FAST).fit(noisy)

    scores = forecaster.scores
    assert {(s.folds, s.horizon) for s in scores.values()} == {(3, 30)}
    assert forecaster.chosen_model != SEASONAL_NAIVE
    best = min(s.mase for s in scores.values())
    served = scores[forecaster.chosen_model].mase
    # The best single model, or the combination when no single one beats it by combine_margin.
    assert served == best or (forecaster.chosen_model == COMBINATION and served * 0.9 <= best)
    assert "beat seasonal naive" in forecaster.reason
    if forecaster.chosen_model == COMBINATION:
        assert len(forecaster.members) == 3 and "median of" in forecaster.reason
    assert all(0 <= s.coverage <= 1 for s in scores.values())


def test_guard_rail_serves_seasonal_naive_where_nothing_beats_it() -> None:
    days = pd.date_range("2026-01-01", periods=84, freq="D")
    # A pattern that repeats exactly each week (with one change of level): seasonal naive is exact.
    exact = np.tile([9.0, 3.0, 14.0, 1.0, 7.0, 0.0, 22.0], 12)
    exact[42:] *= 3
    forecaster = TopicForecaster(**FAST).fit(pd.DataFrame({"ds": days, "y": exact}))

    assert forecaster.chosen_model == SEASONAL_NAIVE and forecaster.members == []
    assert forecaster.reason.startswith("no candidate beat seasonal naive")
    assert list(forecaster.predict()["yhat"].iloc[:7]) == list(exact[-7:])
    # Unless a model is asked for by name: still scored on the same folds, and the reason says so.
    pinned = TopicForecaster(model=THETA, **FAST).fit(pd.DataFrame({"ds": days, "y": exact}))
    assert pinned.chosen_model == THETA and "model='theta' was asked for" in pinned.reason
    assert pinned.scores[SEASONAL_NAIVE] == forecaster.scores[SEASONAL_NAIVE]


def test_weekly_series_are_backtested_on_eight_week_folds() -> None:
    weeks = pd.date_range("2025-01-06", periods=60, freq="W-MON")
    y = np.random.default_rng(3).poisson(140, 60).astype(float)
    forecaster = TopicForecaster(freq="W", **FAST).fit(pd.DataFrame({"ds": weeks, "y": y}))
    assert {(s.folds, s.horizon) for s in forecaster.scores.values()} == {(3, 8)}
    assert len(forecaster.predict()) == 8 and MSTL not in forecaster.scores


def test_metrics_on_known_numbers() -> None:
    assert mae([1, 2, 3], [1, 4, 0]) == pytest.approx(5 / 3)
    assert smape([0, 10], [0, 30]) == pytest.approx(50.0)
    assert naive_scale(np.array([1, 2, 3, 4]), 1) == pytest.approx(1.0)
    assert naive_scale(np.array([5, 5, 5]), 1) is None
    assert coverage([1, 5, 9], [0, 0, 0], [2, 5, 8]) == pytest.approx(2 / 3)


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
    with pytest.raises(TypeError, match="unknown forecast parameters: folds"):
        TopicForecaster(folds=3)
    assert set(MODELS) >= {SEASONAL_NAIVE, PROPHET, COMBINATION, *STATISTICAL}
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
    config = TopicForecaster(settings.forecast, freq="D").config()
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
    assert stored["model"] in MODELS and stored["reason"]
    assert len(stored["points"]) == 30 and stored["points"][0]["ds"] == dt.date(2026, 5, 1)
    assert {SEASONAL_NAIVE, AUTO_ETS, THETA, MSTL, COMBINATION} <= set(stored["backtest"])
    assert stored["backtest"][THETA]["horizon"] == 30 and stored["backtest"][THETA]["folds"] == 3
    assert 0 <= stored["backtest"][THETA]["coverage"] <= 1
    # The served model's interval coverage on the backtest folds is stored with the forecast.
    assert stored["coverage"] == stored["backtest"][stored["model"]]["coverage"]
    assert stored["baseline_chosen"] == (stored["model"] == SEASONAL_NAIVE)
    assert (len(stored["members"]) == 3) == (stored["model"] == COMBINATION)
    assert stored["fingerprint"] == tasks[3].fingerprint
    assert store_forecasts.topic_forecast(store, "t0003", freq="W") is None
    assert store_forecasts.topic_forecast(store, "nope") is None
    assert store_forecasts.fingerprints(store)[("t0003", "D")] == tasks[3].fingerprint
    # Each has three folds of 30 days (t0000's leading zero days are kept here, so it is as long).
    assert sum(len(store_forecasts.topic_forecast(store, r["topic_key"])["asof"]) for r in results) == 8 * 90
    # A refit replaces a topic's forecast whole.
    store_forecasts.write_run(store, started_at=dt.datetime.now(dt.UTC), series=1, skipped=0,
                              settings={}, results=[results[3]])
    assert len(store_forecasts.topic_forecast(store, "t0003")["points"]) == 30
    assert sum(len(store_forecasts.topic_forecast(store, r["topic_key"])["asof"]) for r in results) == 8 * 90
    assert store_forecasts.latest_run(store)["refitted"] == 1


def test_same_series_same_fingerprint_and_settings_change_it(settings: Settings) -> None:
    planted = planted_volumes(n_topics=3)
    s = series(planted.volumes, "t0002")
    config = TopicForecaster(settings.forecast, freq="D").config()
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

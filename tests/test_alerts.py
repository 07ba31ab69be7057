from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipelines.alerts import Alert, apply_cooldowns, detect_alerts, find_alerts, find_unassigned_growth
from models.forecast import TopicForecaster
from pipelines.demo_data import write_demo_data
from pipelines.forecast import SeriesTask, forecast_topics, run_tasks
from config import AlertSettings, Settings
from store import Store
from store import alerts as store_alerts
from store import forecasts as store_forecasts
from tests.forecast_series import (
    Planted,
    demo_daily_volumes,
    planted_volumes,
    poisson_series,
    seed_topic_store,
    series,
)

RULES = AlertSettings()


def asof_forecasts(volumes: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The chosen model's backtest forecasts per topic, as forecast_topics stores them (with the
    default 200 interval draws: 50 make the bounds, and so the surges, noticeably noisier)."""
    config = TopicForecaster(settings.forecast, freq="D").config()
    tasks = []
    for key in sorted(volumes["topic_key"].unique()):
        s = series(volumes, key)
        s = s.loc[s["y"].ne(0).idxmax():]
        tasks.append(SeriesTask(key, "D", s["ds"].to_numpy(), s["y"].to_numpy(float), config))
    results, failures = run_tasks(tasks, workers=1)
    assert not failures
    return pd.concat([r["asof"].assign(topic_key=r["topic_key"]) for r in results], ignore_index=True)


@pytest.fixture(scope="module")
def planted() -> tuple[Planted, pd.DataFrame]:
    planted = planted_volumes()
    return planted, asof_forecasts(planted.volumes, Settings())


def test_planted_emerging_fading_and_surge_are_found_with_few_false_alerts(planted) -> None:
    truth, asof = planted
    alerts = find_alerts(truth.volumes, asof, None, RULES)
    found = {(a.kind, a.topic_key) for a in alerts}

    assert ("emerging", truth.emerging) in found
    assert ("fading", truth.fading) in found
    surge_key, surge_day = truth.surge
    surges = [a for a in alerts if a.kind == "surge" and a.topic_key == surge_key]
    assert [a.day for a in surges] == [surge_day.date()]
    false_alerts = found - {("emerging", truth.emerging), ("fading", truth.fading), ("surge", surge_key)}
    assert len(false_alerts) <= 2, false_alerts
    # The emerging topic beats every forecast made before it existed: that is not reported as surges.
    assert not any(a.kind == "surge" and a.topic_key == truth.emerging for a in alerts)


def test_each_alert_carries_numbers_severity_and_one_plain_sentence(planted) -> None:
    truth, asof = planted
    alerts = find_alerts(truth.volumes, asof, None, RULES, labels={truth.surge[0]: "giá xăng"})
    surge = next(a for a in alerts if a.kind == "surge" and a.topic_key == truth.surge[0])
    assert surge.severity in ("low", "medium", "high")
    assert surge.numbers["actual"] > surge.numbers["upper"] > surge.numbers["yhat"]
    assert surge.score == pytest.approx(
        (surge.numbers["actual"] - surge.numbers["yhat"]) / (surge.numbers["upper"] - surge.numbers["yhat"]), rel=1e-2
    )
    assert surge.explanation.startswith("Topic t0002 (giá xăng) had ")
    for alert in alerts:
        assert alert.explanation.endswith(".") and alert.explanation.count(". ") == 0


def test_a_run_of_surge_days_is_one_alert_and_a_later_surge_is_another() -> None:
    day = dt.date(2026, 5, 1)
    surge = [Alert("surge", "t0001", day + dt.timedelta(days=d), "high", 5.0, {}, "x.") for d in (0, 1, 2, 9)]
    kept = apply_cooldowns(surge, None, cooldown_days=14)
    assert [a.day for a in kept] == [day, day + dt.timedelta(days=9)]


def test_an_alert_stored_earlier_is_not_raised_again_within_the_cooldown() -> None:
    day = dt.date(2026, 5, 1)
    previous = pd.DataFrame({"kind": ["fading"], "topic_key": ["t0001"], "day": [pd.Timestamp(day)]})
    again = [Alert("fading", "t0001", day + dt.timedelta(days=5), "low", 0.6, {}, "x."),
             Alert("fading", "t0002", day + dt.timedelta(days=5), "low", 0.6, {}, "x.")]
    assert [a.topic_key for a in apply_cooldowns(again, previous, cooldown_days=14)] == ["t0002"]
    later = [Alert("fading", "t0001", day + dt.timedelta(days=20), "low", 0.6, {}, "x.")]
    assert len(apply_cooldowns(later, previous, cooldown_days=14)) == 1


def test_rising_unassigned_share_says_a_refit_is_due() -> None:
    days = pd.date_range("2026-04-01", periods=42, freq="D")
    total = np.full(42, 200)
    unassigned = np.where(np.arange(42) < 35, 40, 100)
    frame = pd.DataFrame({"ds": days, "unassigned": unassigned, "total": total, "share": unassigned / total})
    [alert] = find_unassigned_growth(frame, RULES, refit_share=0.25)
    # Judged on the first day the 7-day share is 5 points above the 28 days before: the second day.
    assert alert.kind == "unassigned_growth" and alert.topic_key is None and alert.day == dt.date(2026, 5, 7)
    assert alert.numbers["share"] == pytest.approx(400 / 1400, abs=1e-4) and alert.numbers["baseline_share"] == 0.2
    assert alert.severity == "high" and "re-fit is due now" in alert.explanation
    flat = frame.assign(unassigned=40)
    assert find_unassigned_growth(flat, RULES, refit_share=0.25) == []


def test_steady_topics_raise_no_alerts() -> None:
    rng = np.random.default_rng(21)
    days = pd.date_range("2026-01-01", periods=90, freq="D")
    volumes = pd.concat(
        [pd.DataFrame({"topic_key": f"t{k:04d}", "ds": days, "y": poisson_series(days, rng.uniform(5, 30), rng)})
         for k in range(6)],
        ignore_index=True,
    )
    alerts = find_alerts(volumes, asof_forecasts(volumes, Settings()), None, RULES)
    assert len(alerts) <= 1, alerts


def test_stored_alerts_are_deduplicated_and_filtered(store: Store, planted) -> None:
    truth, asof = planted
    records = [a.as_record() for a in find_alerts(truth.volumes, asof, None, RULES)]
    first = store_alerts.put_alerts(store, records)
    assert len(first) == len(records) and all(row["id"] for row in first)
    assert store_alerts.put_alerts(store, records) == []

    surges = store_alerts.list_alerts(store, kind="surge")
    assert truth.surge[0] in {row["topic_key"] for row in surges}
    assert isinstance(surges[0]["numbers"], dict)
    day = truth.surge[1].date()
    one_day = store_alerts.list_alerts(store, start=day, end=day + dt.timedelta(days=1))
    assert one_day and {row["day"] for row in one_day} == {day}
    assert len(store_alerts.list_alerts(store, limit=1)) == 1
    with pytest.raises(ValueError, match="kind must be one of"):
        store_alerts.list_alerts(store, kind="spike")
    with pytest.raises(ValueError, match="severity must be one of"):
        store_alerts.list_alerts(store, severity="urgent")


def test_forecast_and_detect_through_the_store_find_the_planted_patterns_once(settings: Settings, store: Store) -> None:
    truth = planted_volumes()
    seed_topic_store(store, truth.volumes, unassigned_per_day=5)
    forecast = settings.forecast.model_copy(update={"workers": 2})
    settings = settings.model_copy(update={"forecast": forecast})

    report = forecast_topics(settings, store)
    assert report.failed == [] and report.series == 20 and report.refitted == 20
    assert sum(report.chosen.values()) == 20
    again = forecast_topics(settings, store)
    assert again.refitted == 0 and again.skipped == 20
    stored = store_forecasts.topic_forecast(store, "t0005")
    assert stored["history_end"] == dt.date(2026, 4, 30) and len(stored["points"]) == 30
    assert store_forecasts.topic_forecast(store, "t0005", freq="W")["points"][0]["ds"] == dt.date(2026, 4, 27)

    alerts = detect_alerts(settings, store)
    found = {(a.kind, a.topic_key) for a in alerts}
    assert {("emerging", truth.emerging), ("fading", truth.fading), ("surge", truth.surge[0])} <= found
    assert len(found) <= 5, found
    assert not any(a.kind == "unassigned_growth" for a in alerts)
    assert any("(label t0002)" in a.explanation for a in alerts)
    assert detect_alerts(settings, store) == []
    assert len(store_alerts.list_alerts(store)) == len(alerts)


def test_on_the_demo_data_the_planted_emerging_fading_and_surge_are_found(tmp_path) -> None:
    truth = write_demo_data(tmp_path / "demo", seed=7, n_comments=24000)
    volumes = demo_daily_volumes(truth.files)
    # Replay nightly runs over the whole period: every day is judged on the data up to it, and the
    # surge against the forecasts that the runs three days after it and on the last day made.
    cuts = [pd.Timestamp(truth.surge_date) + pd.Timedelta(days=3), volumes["ds"].max()]
    asof = pd.concat([asof_forecasts(volumes[volumes["ds"] <= cut], Settings()) for cut in cuts], ignore_index=True)
    rules = RULES.model_copy(update={"scan_days": volumes["ds"].nunique()})

    alerts = find_alerts(volumes, asof, None, rules)

    found = {(a.kind, a.topic_key) for a in alerts}
    planted = {("emerging", truth.emerging_topic), ("fading", truth.fading_topic), ("surge", truth.surge_topic)}
    assert planted <= found, alerts
    surge = next(a for a in alerts if a.kind == "surge" and a.topic_key == truth.surge_topic)
    assert surge.day == truth.surge_date
    emerging = next(a for a in alerts if a.kind == "emerging")
    assert truth.emerging_start <= emerging.day <= truth.end
    false_alerts = [a for a in alerts if (a.kind, a.topic_key) not in planted]
    assert len(false_alerts) <= 3, false_alerts

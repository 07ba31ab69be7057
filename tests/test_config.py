"""Settings: frozen once built, a TOML file read only when named, time zones and cron checked on load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from config import Settings, load_settings, parse_cron


def test_settings_cannot_be_changed_after_construction(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="frozen"):
        settings.data_dir = Path("elsewhere")
    with pytest.raises(ValidationError, match="frozen"):
        settings.topics.sample_size = 10
    changed = settings.model_copy(update={"topics": settings.topics.model_copy(update={"sample_size": 10})})
    assert (changed.topics.sample_size, settings.topics.sample_size) == (10, 100_000)


def test_a_toml_file_is_read_only_when_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "topicpulse.toml").write_text('log_level = "DEBUG"\n[ingest]\nmax_text_chars = 7\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings().log_level == "INFO"
    assert Settings().ingest.max_text_chars == 5000
    named = load_settings(tmp_path / "topicpulse.toml")
    assert (named.log_level, named.ingest.max_text_chars) == ("DEBUG", 7)
    monkeypatch.setenv("TOPICPULSE_CONFIG", str(tmp_path / "topicpulse.toml"))
    assert load_settings().ingest.max_text_chars == 7
    with pytest.raises(FileNotFoundError, match="absent.toml"):
        load_settings(tmp_path / "absent.toml")


def test_environment_overrides_the_named_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tp.toml").write_text("[ingest]\nmax_text_chars = 7\n")
    monkeypatch.setenv("TOPICPULSE_INGEST__MAX_TEXT_CHARS", "9")
    assert load_settings(tmp_path / "tp.toml").ingest.max_text_chars == 9


@pytest.mark.parametrize("section", ["ingest", "schedule"])
def test_unknown_time_zones_are_refused(tmp_path: Path, section: str) -> None:
    with pytest.raises(ValidationError, match=f"{section}.timezone"):
        Settings(data_dir=tmp_path, **{section: {"timezone": "Mars/Olympus"}})
    assert getattr(Settings(**{section: {"timezone": "Europe/Paris"}}), section).timezone == "Europe/Paris"


def test_cron_fields_are_parsed_as_cron_reads_them() -> None:
    parsed = parse_cron("*/15 9-17 * jan,jul 1-5")
    assert parsed.minute == (0, 15, 30, 45)
    assert parsed.hour == tuple(range(9, 18))
    assert (parsed.day, parsed.month) == (None, (1, 7))
    assert parsed.weekday == (1, 2, 3, 4, 5)
    assert parse_cron("0 3 * * 7").weekday == (0,)
    with pytest.raises(ValueError, match="hour"):
        parse_cron("0 24 * * *")


def test_loading_settings_imports_no_scheduler_or_stage() -> None:
    code = (
        "import sys; import config; config.Settings(schedule={'nightly_cron': '30 1 * * *'}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('apscheduler', 'pipelines', 'service', 'store', 'models')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

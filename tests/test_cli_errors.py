"""The CLI's one error path: a domain error is one line on stderr and exit 1, its traceback only at debug."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from config import Settings
from service.cli import app


def run(settings: Settings, *args: str):
    return CliRunner().invoke(app, list(args), env={"TOPICPULSE_DATA_DIR": str(settings.data_dir)})


def test_a_domain_error_is_one_line_and_exit_1(settings: Settings) -> None:
    result = run(settings, "--log-level", "warning", "keys", "revoke", "99")
    assert result.exit_code == 1
    assert result.stderr == "Error: no active key with id 99; see `topicpulse keys list --all`\n"
    assert result.stdout == ""


def test_the_traceback_is_shown_only_with_debug_logging(settings: Settings) -> None:
    quiet = run(settings, "keys", "revoke", "99")
    assert "Traceback" not in quiet.output
    loud = run(settings, "--log-level", "debug", "keys", "revoke", "99")
    assert loud.exit_code == 1
    assert "Traceback" in loud.stderr and "TopicPulseError: no active key with id 99" in loud.stderr
    assert loud.stderr.rstrip().endswith("Error: no active key with id 99; see `topicpulse keys list --all`")


def test_a_missing_config_file_is_a_domain_error(settings: Settings, tmp_path: Path) -> None:
    result = run(settings, "--config", str(tmp_path / "absent.toml"), "jobs")
    assert result.exit_code == 1
    assert result.stderr == f"Error: config file {tmp_path / 'absent.toml'} does not exist\n"


def test_a_bad_setting_names_the_field_on_one_line(settings: Settings) -> None:
    result = CliRunner().invoke(
        app, ["jobs"], env={"TOPICPULSE_DATA_DIR": str(settings.data_dir), "TOPICPULSE_INGEST__TIMEZONE": "Mars/Base"}
    )
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and "ingest.timezone" in line and "Mars/Base" in line

"""The CLI starts without the heavy libraries: each command imports what its own work needs.

A behaviour check, not a timing (``bench/`` holds the timings): each command runs in a fresh
process, which prints at exit which of the heavy libraries it had imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from config import Settings

HEAVY = ("torch", "transformers", "sentence_transformers", "bertopic", "umap", "prophet", "sklearn", "pandas")

_REPORT_AT_EXIT = (
    "import atexit, sys\n"
    f"heavy = {HEAVY!r}\n"
    "atexit.register(lambda: print('HEAVY=' + ','.join(m for m in heavy if m in sys.modules), file=sys.stderr))\n"
    "sys.argv = ['topicpulse', *sys.argv[1:]]\n"
    "from service.cli import main\n"
    "main()\n"
)


def heavy_imports(*args: str, data_dir: Path, **env_extra: str) -> tuple[list[str], subprocess.CompletedProcess]:
    """The heavy libraries that ``topicpulse ARGS`` had imported when it exited, and its outcome."""
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TOPICPULSE_DATA_DIR": str(data_dir),
           "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"], **env_extra}  # the session's model cache
    done = subprocess.run([sys.executable, "-c", _REPORT_AT_EXIT, *args], capture_output=True, text=True, env=env)
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("HEAVY=")]
    assert line, done.stderr
    return [m for m in line[-1].removeprefix("HEAVY=").split(",") if m], done


def test_importing_the_cli_imports_no_heavy_library() -> None:
    code = f"import sys, service.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_help_jobs_and_keys_import_no_heavy_library(settings: Settings) -> None:
    for args in (["--help"], ["jobs"], ["keys", "list"]):
        loaded, done = heavy_imports(*args, data_dir=settings.data_dir)
        assert done.returncode == 0, done.stderr
        assert loaded == [], args


def test_embed_with_nothing_to_embed_does_not_load_the_model(
    settings: Settings, minilm_path: str, monkeypatch
) -> None:
    from service.cli import app
    from store import Store
    from tests.test_embed import add_comments

    with Store(settings.store_path) as store:
        add_comments(store, ["xin chào", "tắc đường quá"])
    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TOPICPULSE_EMBEDDING__MODEL", minilm_path)
    first = CliRunner().invoke(app, ["embed"])
    assert first.exit_code == 0 and "2 texts embedded" in first.output, first.output

    loaded, done = heavy_imports("embed", data_dir=settings.data_dir, TOPICPULSE_EMBEDDING__MODEL=minilm_path)
    assert done.returncode == 0, done.stderr
    assert "0 texts embedded, 2 already cached" in done.stdout
    assert loaded == []

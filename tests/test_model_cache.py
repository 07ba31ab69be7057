"""The machine-wide model cache: one build per target even from two processes at once, atomic
results, every store on the machine sharing it, and a prepared export run without torch."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from models.model_cache import prepare_once
from pipelines.embed import model_cache_dir
from config import Settings

_PREPARE = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from models.model_cache import prepare_once

    target, log, go = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():  # both processes start preparing at the same moment
        time.sleep(0.01)

    def build(staged):
        with open(log, "a") as out:
            out.write(f"{os.getpid()}\\n")
        staged.mkdir()
        for part in range(5):  # a slow build: a reader must never see it half done
            (staged / f"part{part}").write_text("x" * 1000)
            time.sleep(0.2)
        (staged / "modules.json").write_text("{}")

    folder = prepare_once(target, build, ready=lambda f: (f / "modules.json").is_file())
    print(len(list(folder.iterdir())))
    """
)

_EMBED = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from models.embedding import Embedder

    model, cache, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():
        time.sleep(0.01)
    embedder = Embedder(model, device="cpu", backend="auto", cache_dir=cache)
    vectors = embedder.encode(["the bus was late again", "prices keep going up", "great match last night"])
    print(json.dumps({"fingerprint": embedder.fingerprint, "backend": embedder.backend, "vectors": vectors.tolist(),
                      "loaded": sorted(name for name in ("torch", "transformers", "sentence_transformers")
                                       if name in sys.modules)}))
    """
)


def _run_at_once(script: str, *args: str, processes: int, go: Path) -> list[str]:
    workers = [subprocess.Popen([sys.executable, "-c", script, *args, str(go)], stdout=subprocess.PIPE, text=True)
               for _ in range(processes)]
    go.touch()
    outputs = [worker.communicate(timeout=600)[0].strip() for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * processes
    go.unlink()
    return outputs


def test_two_processes_preparing_at_once_build_once_and_both_get_the_whole_result(tmp_path: Path) -> None:
    target, log = tmp_path / "cache" / "model-abc123", tmp_path / "builds.log"
    outputs = _run_at_once(_PREPARE, str(target), str(log), processes=2, go=tmp_path / "go")
    assert outputs == ["6", "6"]
    assert len(log.read_text().split()) == 1
    assert sorted(p.name for p in target.parent.iterdir()) == [".model-abc123.lock", "model-abc123"]


def test_a_failed_build_leaves_nothing_and_the_next_one_succeeds(tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"

    def broken(staged: Path) -> None:
        staged.write_text("half")
        raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        prepare_once(target, broken, ready=Path.is_file)
    assert not target.exists() and not list(tmp_path.glob(".model.onnx-*"))
    assert prepare_once(target, lambda staged: staged.write_text("whole"), ready=Path.is_file).read_text() == "whole"
    calls = []
    prepare_once(target, calls.append, ready=Path.is_file)
    assert calls == []


def test_every_store_shares_the_machine_wide_cache_unless_one_is_configured(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    first, second = Settings(data_dir=tmp_path / "a"), Settings(data_dir=tmp_path / "b")
    assert model_cache_dir(first) == model_cache_dir(second) == tmp_path / "xdg" / "topicpulse"
    own = Settings(data_dir=tmp_path / "a", embedding={"cache_dir": "models"})
    assert model_cache_dir(own) == tmp_path / "a" / "models"


def test_two_processes_export_one_onnx_model_and_a_third_runs_it_without_torch(
    minilm_path: str, tmp_path: Path
) -> None:
    cache, go = tmp_path / "onnx", tmp_path / "go"
    racing = [json.loads(out) for out in _run_at_once(_EMBED, minilm_path, str(cache), processes=2, go=go)]
    exports = [p for p in cache.iterdir() if not p.name.startswith(".") and p.name != "requests"]
    assert len(exports) == 1 and not list(cache.glob(".*-*"))
    (later,) = [json.loads(out) for out in _run_at_once(_EMBED, minilm_path, str(cache), processes=1, go=go)]
    assert later["loaded"] == [] and racing[0]["loaded"] != []
    assert {run["backend"] for run in [*racing, later]} == {"onnx"}
    assert {run["fingerprint"] for run in [*racing, later]} == {later["fingerprint"]}
    for run in racing:
        np.testing.assert_allclose(np.array(run["vectors"]), np.array(later["vectors"]), atol=1e-5)

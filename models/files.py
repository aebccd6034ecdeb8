"""Proof that a model's files are the ones we pinned, for every model callqa loads (Whisper,
the voice encoder, the sentence encoders): a half-copied or tampered file is refused with a
message that says how to fix it, instead of producing silent garbage."""

from __future__ import annotations

import hashlib
from pathlib import Path


class ModelFileError(Exception):
    """A model directory is missing, incomplete or does not match its pinned sha256."""


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def verify(folder: Path, pinned: dict[str, str], remedy: str) -> None:
    """`remedy`: what the user should do when a file is missing or different."""
    for name, expected in pinned.items():
        path = folder / name
        if not path.is_file():
            raise ModelFileError(f"model file missing: {path} ({remedy})")
        actual = sha256_of(path)
        if actual != expected:
            raise ModelFileError(
                f"model file {path} has sha256 {actual[:12]}..., expected {expected[:12]}...: "
                f"refusing to load it ({remedy})"
            )

"""Reading a corpus in the SCHEMA.md format.

The system side may read only what a recording system would know (manifest: id, file,
format, sample rate, channels, language); ground truth is read by the scorer alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CorpusCall:
    id: str
    audio: Path
    language: str
    channels: int


@dataclass(frozen=True)
class Corpus:
    root: Path
    calls: list[CorpusCall]

    @property
    def name(self) -> str:
        return self.root.resolve().name

    def truth(self, call_id: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.root / "calls" / f"{call_id}.json").read_text(encoding="utf-8")
        )
        return data


def load_corpus(root: Path) -> Corpus:
    manifest = root / "manifest.jsonl"
    if not manifest.is_file():
        raise FileNotFoundError(f"{root}: not a corpus (no manifest.jsonl)")
    calls = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        calls.append(
            CorpusCall(
                id=row["id"],
                audio=root / row["file"],
                language=row["language"],
                channels=int(row["channels"]),
            )
        )
    return Corpus(root=root, calls=calls)

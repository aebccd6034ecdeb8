"""Which scorecards exist: the ones shipped with callqa plus a user's directory.

A card that fails to load is reported and skipped, never fatal: one typo in one card must
not stop scoring with all the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scoring.scorecard import Scorecard, ScorecardError, load_scorecard

BUILTIN_DIR = Path(__file__).parent / "scorecards"


@dataclass
class ScorecardCatalog:
    cards: dict[str, Scorecard] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, *directories: Path | None) -> ScorecardCatalog:
        catalog = cls()
        for directory in (BUILTIN_DIR, *directories):
            if directory is None or not directory.is_dir():
                continue
            for path in sorted(directory.glob("*.y*ml")):
                try:
                    catalog.add(load_scorecard(path))
                except ScorecardError as error:
                    catalog.errors.append(str(error))
        return catalog

    def add(self, card: Scorecard) -> None:
        self.cards[card.key] = card

    def get(self, ref: str) -> Scorecard:
        """`id@version`, or a bare `id` for its latest version."""
        if ref in self.cards:
            return self.cards[ref]
        versions = [c for c in self.cards.values() if c.id == ref]
        if not versions:
            known = ", ".join(sorted(self.cards)) or "none"
            raise KeyError(f"unknown scorecard {ref!r} (known: {known})")
        return max(versions, key=lambda c: c.version)

    def latest(self) -> list[Scorecard]:
        ids = sorted({c.id for c in self.cards.values()})
        return [self.get(i) for i in ids]

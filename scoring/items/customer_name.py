"""`customer_name`: the agent addresses the customer by the name the customer gave.

The name is the word a customer says right after one of the card's `introductions` ("my name is
Dana", "this is Dana Scully": Dana, or Scully); a name is written with a capital (speech
recognition capitalises names), so "this is ridiculous" gives none. The agent passes by saying
either word anywhere in the call, as a word of its own and matched with `min_similarity` (ASR spells
names variously: Katherine, Catherine). A customer who gave no name makes the item N/A; in a mono
mix where nobody's words are attributed, who gave a name cannot be told: undecidable.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field
from rapidfuzz import fuzz

from asr.transcript import Transcript
from scoring.card_parts import Window
from scoring.items.base import (
    CallContext,
    CorpusLabel,
    Decision,
    ItemBase,
    Marks,
    Tuning,
    audio_problem,
    hit_finding,
    unheard,
)
from scoring.phrases import PhraseHit, find_phrases
from scoring.results import Finding, FindingKind, ItemStatus
from scoring.text import has_han, normalise

_NAME = r"\s*,?\s*([^\W\d_][\w'-]*)(?:\s+([^\W\d_][\w'-]*))?"
"""After an introduction: a word, and the next one (a surname, if it is written as a name)."""


class CustomerNameItem(ItemBase):
    """Passes when the agent says the name the customer gave after one of the `introductions`."""

    detector: Literal["customer_name"]
    marks = Marks.EVIDENCE
    corpus_labels = frozenset({CorpusLabel.DONE})
    introductions: list[str] = Field(
        min_length=1, description='what a customer says just before their name ("my name is")'
    )
    min_similarity: float = Field(default=80, ge=50, le=100)

    def decide(self, call: CallContext) -> Decision:
        transcript = call.transcript
        if (silent := unheard(transcript, "agent")) is not None:
            return silent
        given = self._introduction(transcript)
        if given is None:
            if any(s.speaker == "unknown" for s in transcript.segments):
                return Decision(ItemStatus.UNDECIDABLE, "who gave a name cannot be told in a mono recording")
            return Decision(ItemStatus.NA, "not applicable: the customer did not say their name")
        names = given.matched.split()
        hits = [
            h
            for h in find_phrases(transcript, names, "agent", Window(), self.min_similarity)
            if _as_a_word(h, self.min_similarity)
        ]
        if hits:
            best = max(hits, key=lambda h: (h.attributed, h.similarity, -h.start))
            return Decision(
                ItemStatus.PASS,
                f'said "{best.quote}" at {best.start:.1f} s',
                [hit_finding(self.id, FindingKind.PHRASE, best), given],
            )
        reason = f'the agent never said the name the customer gave at {given.start:.1f} s ("{given.matched}")'
        if problem := audio_problem(transcript, "agent"):
            return Decision(ItemStatus.UNDECIDABLE, f"{reason}, but {problem}", [given])
        return Decision(ItemStatus.FAIL, reason, [given])

    def _introduction(self, transcript: Transcript) -> Finding | None:
        """The customer's first turn that gives a name, as the finding that made the item apply
        (`matched`: the name, one or two words)."""
        patterns = [re.compile(_boundary(p) + re.escape(p) + _NAME, re.I) for p in self.introductions]
        for segment in transcript.by_speaker("customer"):
            text = segment.text.replace("\u2019", "'")
            for pattern in patterns:
                found = pattern.search(text)
                if found is None or found[1][0].islower():
                    continue
                name = found[1] if found[2] is None or found[2][0].islower() else f"{found[1]} {found[2]}"
                return Finding(
                    kind=FindingKind.APPLIES,
                    item_id=self.id,
                    speaker=segment.speaker,
                    start=segment.start,
                    end=segment.end,
                    quote=segment.text,
                    matched=name,
                    detail=f'the customer gave their name: "{name}"',
                )
        return None

    def listens_for(self) -> list[str]:
        """None: the introductions are the customer's words, not what an agent's sentence could
        mean instead of another item's phrases."""
        return []

    def tuning(self) -> Tuning:
        """How closely a word must match the name (inspectors' corrections say how ASR spells
        the names a team hears)."""
        return Tuning(("min_similarity",))


def _boundary(introduction: str) -> str:
    """Not inside a longer word ("this is" in "whatthis is"); Chinese has no spaces to bound it."""
    return "" if has_han(introduction[:1]) else r"(?<!\w)"


def _as_a_word(hit: PhraseHit, min_similarity: float) -> bool:
    """The name said as a word of its own: the phrase matcher aligns characters, and "Ann" is not
    said in "announce". Chinese, without spaces, keeps the matcher's alignment."""
    name = normalise(hit.phrase)
    return has_han(name) or any(fuzz.ratio(name, word) >= min_similarity for word in hit.quote.split())

"""`phrase_present`: a required phrase (a greeting, a recording disclosure, a closing).

Said literally (fuzzy, tolerant of ASR errors) or in other words (sentence embeddings, `semantic`)
it passes. Not found, it fails, unless the recording may be to blame: a channel too poor to tell
(silent, noisy, clipped, or transcribed with low confidence), or a near miss (within `NEAR_MISS`
points of the cut-off) on words the ASR was unsure of: the agent may well have said it, so a
person listens (undecidable).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from asr.transcript import Transcript
from scoring.card_parts import SEMANTIC, Window
from scoring.items.base import (
    CallContext,
    CorpusLabel,
    Decision,
    Listening,
    Marks,
    PhraseItem,
    Tuning,
    audio_problem,
    hit_finding,
)
from scoring.matching import said
from scoring.phrases import find_phrases
from scoring.results import FindingKind, ItemStatus
from scoring.text import has_han, normalise

NEAR_MISS = 15.0
UNSURE_WORD_PROBABILITY = 0.3


class PhrasePresentItem(PhraseItem):
    """Passes when the speaker says one of the phrases: literally (fuzzy, tolerant of ASR errors)
    or in other words (sentence embeddings, `semantic`)."""

    detector: Literal["phrase_present"]
    marks = Marks.EVIDENCE
    corpus_labels = frozenset({CorpusLabel.DONE})
    min_similarity: float = Field(default=85, ge=50, le=100)
    semantic: float | None = SEMANTIC

    def decide_in(self, call: CallContext, window: Window) -> Decision:
        transcript = call.transcript
        hits = said(
            transcript, self.phrases, self.speaker, window, self.min_similarity, self.semantic, call.rivals
        )
        if hits:
            best = max(hits, key=lambda h: (h.attributed, h.similarity, -h.start))
            return Decision(
                ItemStatus.PASS,
                f"said at {best.start:.1f} s",
                [hit_finding(self.id, FindingKind.PHRASE, best)],
            )
        if (near_miss := self._near_miss(transcript, window)) is not None:
            return near_miss
        reason = f"not said by the {self.speaker}{_window_text(window)}"
        if problem := audio_problem(transcript, self.speaker):
            return Decision(ItemStatus.UNDECIDABLE, f"{reason}, but {problem}")
        return Decision(ItemStatus.FAIL, reason)

    def _near_miss(self, transcript: Transcript, window: Window) -> Decision | None:
        """Undecidable when a long phrase nearly matched on words the ASR was unsure of."""
        near = find_phrases(transcript, self.phrases, self.speaker, window, self.min_similarity - NEAR_MISS)
        unsure = [h for h in near if h.min_probability < UNSURE_WORD_PROBABILITY and _long_phrase(h.phrase)]
        if not unsure:
            return None
        best = max(unsure, key=lambda h: h.similarity)
        return Decision(
            ItemStatus.UNDECIDABLE,
            f'possibly said at {best.start:.1f} s: "{best.quote}" matches "{best.phrase}" '
            f"{best.similarity:.0f}% on words the ASR was unsure of",
            [hit_finding(self.id, FindingKind.POSSIBLE_PHRASE, best)],
        )

    def tuning(self) -> Tuning:
        return Tuning(("semantic", "min_similarity"), Listening(self.phrases, self.speaker, self.window))


def _long_phrase(phrase: str) -> bool:
    """Only phrases long enough that one garbled word leaves the rest recognisable (3+ words,
    4+ Chinese characters) can be near misses; "good" is not nearly "goodbye"."""
    text = normalise(phrase)
    return len(text) >= 4 if has_han(text) else len(text.split()) >= 3


def _window_text(window: Window) -> str:
    if window.first_s is not None:
        return f" in the first {window.first_s:g} s"
    if window.last_s is not None:
        return f" in the last {window.last_s:g} s"
    return ""

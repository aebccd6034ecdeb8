"""`dead_air`: a silence longer than `max_silence_s` that nobody announced fails the item.

A wait announced in the turns just before it ("let me check that for you") is not dead air, but
is still shown, with how long after the announcement the talk resumed. A chat without times has
no silences to judge: not applicable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from asr.transcript import Transcript
from scoring.card_parts import Window
from scoring.conversation import Silence, silences
from scoring.items.base import CallContext, CorpusLabel, Decision, ItemBase, Marks, Tuning
from scoring.phrases import PhraseHit, find_phrases
from scoring.results import Finding, FindingKind, ItemStatus


class DeadAirItem(ItemBase):
    """Fails on a silence longer than `max_silence_s` that nobody announced."""

    detector: Literal["dead_air"]
    marks = Marks.NOTHING
    corpus_labels = frozenset({CorpusLabel.DONE})
    max_silence_s: float = Field(default=20.0, gt=0)
    min_silence_s: float = Field(default=3.0, gt=0)
    announce_phrases: list[str] = Field(default_factory=list)
    min_similarity: float = Field(default=80, ge=50, le=100)

    def decide(self, call: CallContext) -> Decision:
        transcript = call.transcript
        if not transcript.timed:
            return Decision(
                ItemStatus.NA, "not applicable: the conversation has no timings (a chat log without times)"
            )
        evidence: list[Finding] = []
        worst: Silence | None = None
        for gap in silences(transcript, self.min_silence_s):
            if gap.duration <= self.max_silence_s:
                continue
            announced = self._announcement(transcript, gap)
            detail = f"{gap.duration:.1f} s of dead air" + (
                f', announced at {announced.start:.1f} s ("{announced.quote}"), talk resumed '
                f"{gap.end - announced.end:.1f} s after the announcement"
                if announced
                else ", not announced"
            )
            evidence.append(
                Finding(
                    kind=FindingKind.DEAD_AIR,
                    item_id=self.id,
                    start=gap.start,
                    end=gap.end,
                    quote=announced.quote if announced else "",
                    detail=detail,
                    speaker=gap.before.speaker if gap.before else None,
                )
            )
            if announced is None and (worst is None or gap.duration > worst.duration):
                worst = gap
        if worst is not None:
            return Decision(
                ItemStatus.FAIL,
                f"{worst.duration:.0f} s of unannounced dead air at {worst.start:.0f} s",
                evidence,
            )
        return Decision(ItemStatus.PASS, "", evidence)

    def _announcement(self, transcript: Transcript, gap: Silence) -> PhraseHit | None:
        """Was the wait announced in the turns just before it (by either party)?"""
        if not self.announce_phrases:
            return None
        recent = [s for s in transcript.segments if s.end <= gap.start + 0.01][-2:]
        scoped = transcript.model_copy(update={"segments": recent})
        hits = find_phrases(scoped, self.announce_phrases, "any", Window(), self.min_similarity)
        return max(hits, key=lambda h: h.similarity) if hits else None

    def listens_for(self) -> list[str]:
        return self.announce_phrases

    def tuning(self) -> Tuning:
        """Nothing: inspectors mark no words for a silence, so there is nothing to learn from."""
        return Tuning()

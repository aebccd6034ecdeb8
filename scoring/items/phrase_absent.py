"""`phrase_absent`: forbidden language. Saying any of the phrases fails the item.

Matched literally only (a forbidden phrase found by meaning would accuse the agent of words they
did not say), at a stricter default cut-off than required phrases. Heard in an unseparated mono
mix, the words cannot be pinned on the agent: undecidable, and a person listens.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scoring.card_parts import Window
from scoring.items.base import CallContext, CorpusLabel, Decision, Marks, PhraseItem, Tuning, hit_finding
from scoring.phrases import find_phrases
from scoring.results import FindingKind, ItemStatus


class PhraseAbsentItem(PhraseItem):
    """Fails when the speaker says any of the phrases: forbidden language. A stricter default
    similarity than for required phrases: a false forbidden-phrase finding accuses the agent."""

    detector: Literal["phrase_absent"]
    marks = Marks.FORBIDDEN_PHRASE
    corpus_labels = frozenset({CorpusLabel.DONE, CorpusLabel.FORBIDDEN_PHRASES})
    min_similarity: float = Field(default=90, ge=50, le=100)

    def decide_in(self, call: CallContext, window: Window) -> Decision:
        hits = find_phrases(call.transcript, self.phrases, self.speaker, window, self.min_similarity)
        evidence = [hit_finding(self.id, FindingKind.FORBIDDEN_PHRASE, h) for h in hits]
        if any(h.attributed for h in hits):
            said = sorted({h.phrase for h in hits if h.attributed})
            return Decision(ItemStatus.FAIL, "said: " + "; ".join(f'"{p}"' for p in said), evidence)
        if hits:
            return Decision(
                ItemStatus.UNDECIDABLE, "heard in a mono recording where the speaker is not known", evidence
            )
        return Decision(ItemStatus.PASS)

    def tuning(self) -> Tuning:
        return Tuning(("min_similarity",))

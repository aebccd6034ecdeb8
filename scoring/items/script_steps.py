"""`script_steps`: the steps of a required script (a card replacement: verify, confirm the address,
give the delivery time), each found like a required phrase, in order when `ordered`.

It fails naming the missing and the misplaced steps (a step said only before the one it follows is
out of order); with `partial_credit`, a failed script still earns the share of steps done.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from asr.transcript import Transcript
from scoring.card_parts import SEMANTIC, SpeakerScope, Strict, Window
from scoring.items.base import (
    CallContext,
    CorpusLabel,
    Decision,
    ItemBase,
    Marks,
    Tuning,
    hit_finding,
    unheard,
)
from scoring.matching import said
from scoring.phrases import PhraseHit
from scoring.results import Finding, FindingKind, ItemStatus


class ScriptStep(Strict):
    name: str
    phrases: list[str] = Field(min_length=1)


class ScriptStepsItem(ItemBase):
    """Required script steps (e.g. a card replacement: verify, confirm address, give delivery time),
    each found like a phrase item; in order when `ordered`. Fails naming the missing or misplaced
    steps; with `partial_credit`, earns the share of steps done."""

    detector: Literal["script_steps"]
    marks = Marks.EVIDENCE
    corpus_labels = frozenset({CorpusLabel.DONE})
    speaker: SpeakerScope = "agent"
    steps: list[ScriptStep] = Field(min_length=2)
    ordered: bool = True
    partial_credit: bool = False
    min_similarity: float = Field(default=85, ge=50, le=100)
    semantic: float | None = SEMANTIC

    def decide(self, call: CallContext) -> Decision:
        """Each step found after the one before it (when ordered); a step said only earlier is out
        of order."""
        if (silent := unheard(call.transcript, self.speaker)) is not None:
            return silent
        evidence: list[Finding] = []
        missing: list[str] = []
        misplaced: list[str] = []
        bound: float | None = None
        for step in self.steps:
            others = call.rivals + [p for s in self.steps if s is not step for p in s.phrases]
            window = Window(start_after_s=bound) if self.ordered and bound is not None else Window()
            hits = self._said(call.transcript, step, window, others)
            if not hits:
                ordered_out = window.start_after_s is not None
                earlier = ordered_out and bool(self._said(call.transcript, step, Window(), others))
                (misplaced if earlier else missing).append(step.name)
                continue
            first = min(hits, key=lambda h: h.start)
            evidence.append(
                hit_finding(self.id, FindingKind.SCRIPT_STEP, first).model_copy(update={"detail": step.name})
            )
            bound = first.end - 0.01
        done = len(self.steps) - len(missing) - len(misplaced)
        if not missing and not misplaced:
            in_order = " in order" if self.ordered else ""
            return Decision(ItemStatus.PASS, f"all {len(self.steps)} steps{in_order}", evidence)
        problems = [f"missing: {', '.join(missing)}"] if missing else []
        problems += [f"out of order: {', '.join(misplaced)}"] if misplaced else []
        return Decision(
            ItemStatus.FAIL,
            f"{done} of {len(self.steps)} steps; " + "; ".join(problems),
            evidence,
            partial=self.weight * done / len(self.steps) if self.partial_credit else 0.0,
        )

    def _said(
        self, transcript: Transcript, step: ScriptStep, window: Window, rivals: list[str]
    ) -> list[PhraseHit]:
        return said(
            transcript, step.phrases, self.speaker, window, self.min_similarity, self.semantic, rivals
        )

    def listens_for(self) -> list[str]:
        return [p for step in self.steps for p in step.phrases]

    def tuning(self) -> Tuning:
        """Its cut-offs only: exemplars would have to be learnt per step."""
        return Tuning(("semantic", "min_similarity"))

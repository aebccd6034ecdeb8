"""The one protocol every scorecard item type implements, and the parts its modules share.

An item type is one module of this package: its card model, a subclass of `ItemBase` whose
`detector` field is the literal naming the type in YAML, listed in `registry.py`. The model answers
everything the rest of callqa asks of its type, so no other module keeps a list of types:
- `decide`: its decision on a call, with evidence (`scoring/evaluate.py` adds what every type
  shares: the `applies_if` condition and the points);
- `listens_for`: the phrases it matches, which the card's other items weigh as rivals;
- `tuning`: what calibration learns for it from inspectors' corrections (`review/calibration.py`);
- `marks`: what an inspector marks in the transcript to correct it (`services/evidence.py`);
- `corpus_labels`: the labels of an evaluation corpus it can give (`eval/labels.py`).
A type that leaves out a method stays abstract, and the registry then fails the type check; one
that leaves out `marks` or `corpus_labels` (facts of the type, class attributes) fails the
registry's unit test.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from asr.transcript import Transcript
from scoring.card_parts import Condition, SpeakerScope, Strict, Window
from scoring.phrases import PhraseHit
from scoring.results import Finding, FindingKind, ItemStatus

UNATTRIBUTED_CONFIDENCE = 0.6
"""A phrase heard in an unseparated mono mix: we know what was said, not who said it."""
MIN_SPEECH_RATIO = 0.01
MIN_SNR_DB = 10.0
MAX_CLIPPING = 0.01
MIN_WORD_PROBABILITY = 0.35


class Marks(StrEnum):
    """What an inspector marks in the transcript to correct an item's decision."""

    EVIDENCE = "evidence"  # the words that show it was done: a phrase said, a step taken
    FORBIDDEN_PHRASE = "forbidden_phrase"  # a forbidden phrase the machine missed
    NOTHING = "nothing"  # there are no words to mark (a silence)


class CorpusLabel(StrEnum):
    """A label of an evaluation corpus's ground truth (SCHEMA 3.2) that a team's label map
    (`eval/labels.py`) may read off an item."""

    DONE = "done"  # a boolean label: true when the item passed
    FORBIDDEN_PHRASES = "forbidden_phrases"  # the forbidden phrases said: its evidence's matched phrases


Cutoff = Literal["semantic", "min_similarity"]


@dataclass(frozen=True)
class Listening:
    """Who says an item's phrases, and where: calibration looks there for the sentence nearest in
    meaning to them, and adds the sentences inspectors marked to the item's `phrases` field."""

    phrases: list[str]
    speaker: SpeakerScope
    window: Window


@dataclass(frozen=True)
class Tuning:
    """What calibration may learn for an item besides its `applies_if` condition (learnt alike for
    every type): the cut-off fields of its model that it fits, in this order, each on a grid inside
    the field's own bounds; and, where `exemplars` says where the item listens, example sentences."""

    cutoffs: tuple[Cutoff, ...] = ()
    exemplars: Listening | None = None


@dataclass(frozen=True)
class CallContext:
    """What an item is decided on: the transcript, every other item's phrases (what a sentence
    could mean instead), and where each earlier item's first evidence is (its start and end), for
    windows placed after or before it."""

    transcript: Transcript
    rivals: list[str]
    found: Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class Decision:
    """An item's status on a call, why, the evidence, and the points a failed item still earns
    (script steps with partial credit)."""

    status: ItemStatus
    reason: str = ""
    evidence: list[Finding] = field(default_factory=list)
    partial: float = 0.0


class ItemBase(Strict):
    """The fields every item has, and the protocol its type implements."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    weight: float = Field(ge=0)
    critical: bool = False
    description: str = ""
    applies_if: Condition | None = Field(
        default=None, description="otherwise the item is N/A and left out of the maximum score"
    )
    detector: str = Field(description="the item's type; each type's model narrows it to its own name")

    marks: ClassVar[Marks]
    """What an inspector marks in the transcript to correct an item of the type."""
    corpus_labels: ClassVar[frozenset[CorpusLabel]]
    """The labels of an evaluation corpus a team's label map may read off an item of the type."""

    @abstractmethod
    def decide(self, call: CallContext) -> Decision:
        """The item's decision on the call, with the evidence an inspector checks it by."""

    @abstractmethod
    def listens_for(self) -> list[str]:
        """Every phrase the item matches (none if it matches no words): the rivals of the others."""

    @abstractmethod
    def tuning(self) -> Tuning:
        """What calibration learns for the item from inspectors' corrections."""

    def placed_by(self) -> list[str]:
        """The earlier items whose evidence places this one (`window.after`, `window.before`);
        only a `PhraseItem` has a window."""
        return []


class PhraseItem(ItemBase):
    """An item about phrases a speaker says in a window of the call. The window may be placed by
    an earlier item's evidence; when that item found nothing, the order cannot be checked, so the
    item is judged without it, and says so."""

    phrases: list[str] = Field(min_length=1)
    speaker: SpeakerScope = "agent"
    window: Window = Field(default_factory=Window)

    @abstractmethod
    def decide_in(self, call: CallContext, window: Window) -> Decision:
        """The decision with the window placed (`after`/`before` turned into times)."""

    def decide(self, call: CallContext) -> Decision:
        if (silent := unheard(call.transcript, self.speaker)) is not None:
            return silent
        window, unresolved = _placed(self.window, call.found)
        decision = self.decide_in(call, window)
        return replace(decision, reason="; ".join(r for r in (decision.reason, unresolved) if r))

    def listens_for(self) -> list[str]:
        return self.phrases

    def placed_by(self) -> list[str]:
        return [ref for ref in (self.window.after, self.window.before) if ref is not None]


def _placed(window: Window, found: Mapping[str, tuple[float, float]]) -> tuple[Window, str]:
    """Turns `after: greeting` into a time bound from the greeting's evidence; the note names the
    items whose evidence was not found."""
    update: dict[str, float] = {}
    missing = []
    if window.after is not None:
        if window.after in found:
            update["start_after_s"] = found[window.after][1] - 0.01
        else:
            missing.append(window.after)
    if window.before is not None:
        if window.before in found:
            update["end_before_s"] = found[window.before][0] + 0.01
        else:
            missing.append(window.before)
    note = f"order not checked: {', '.join(missing)} not found" if missing else ""
    return window.model_copy(update=update), note


def unheard(transcript: Transcript, speaker: SpeakerScope) -> Decision | None:
    """Undecidable when the party the item is about produced no speech at all (a dead channel
    cannot show that the agent said or did not say something); None when there is speech."""
    heard = (
        bool(transcript.segments)
        if speaker == "any"
        else any(s.speaker in (speaker, "unknown") for s in transcript.segments)
    )
    return None if heard else Decision(ItemStatus.UNDECIDABLE, f"no {speaker} speech was transcribed")


def audio_problem(transcript: Transcript, speaker: str) -> str:
    """Why a missing phrase may be the recording's fault rather than the agent's ("" if none)."""
    for channel in transcript.channels:
        if channel.speaker != speaker:
            continue
        if channel.speech_ratio < MIN_SPEECH_RATIO:
            return f"the {speaker} channel is nearly silent (one-way audio?)"
        if channel.snr_db < MIN_SNR_DB:
            return f"the {speaker} channel is too noisy (SNR {channel.snr_db:.0f} dB)"
        if channel.clipping_ratio > MAX_CLIPPING:
            return f"the {speaker} channel is clipped ({channel.clipping_ratio:.1%} of samples)"
    words = [w.probability for s in transcript.segments if s.speaker == speaker for w in s.words]
    if words and sum(words) / len(words) < MIN_WORD_PROBABILITY:
        return f"the {speaker}'s speech was transcribed with low confidence ({sum(words) / len(words):.2f})"
    return ""


def hit_finding(item_id: str, kind: FindingKind, hit: PhraseHit) -> Finding:
    """A phrase hit as evidence: where, the words, the phrase it matched and how closely."""
    confidence = hit.similarity / 100.0
    if not hit.attributed:
        confidence *= UNATTRIBUTED_CONFIDENCE
    return Finding(
        kind=kind,
        item_id=item_id,
        speaker=hit.segment.speaker,
        start=hit.start,
        end=hit.end,
        quote=hit.quote,
        matched=hit.phrase,
        confidence=round(confidence, 3),
        detail=(
            f'matched "{hit.phrase}" ({hit.similarity:.0f}%)'
            if hit.method == "fuzzy"
            else f'means "{hit.phrase}" (semantic similarity {hit.similarity / 100:.2f})'
        ),
    )

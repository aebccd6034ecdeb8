"""Inspectors' evidence marks as typed models: what a mark says, and the read API calibration uses.

`store/evidence.py` keeps the rows and imports nothing of callqa; here they become `EvidenceMark`
(speaker and sentiment label typed as the transcript and the sentiment model type them), the
one form every reader gets: the API, the call page and `callqa calibrate`, which learns an
item's exemplars from `item_evidence` marks and refits the sentiment head from `sentiment` ones:

    services.evidence.marks()                         # every mark, oldest first
    services.evidence.marks(since=last_calibration)   # made since then
    services.evidence.marks(call_ids=[...])           # of these calls
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from asr.transcript import Speaker
from models.sentiment import SentimentLabel
from scoring.pii import mask_text, phone_region
from store.evidence import EvidenceKind, EvidenceRepository, Logged, NewMark
from store.tables import EvidenceMarkRow

SAID = r"^[^\x00]*\S[^\x00]*$"
"""Something said (not blank) and storable (PostgreSQL text holds no NUL character)."""

MAX_SECONDS = 24 * 3600.0
"""Beyond any call (the audio limit is hours): a bound the schema can state."""


class _Mark(BaseModel):
    """Words of the call to mark, as the inspector selected them (one speaker's)."""

    model_config = ConfigDict(extra="forbid")

    start: float = Field(ge=0, le=MAX_SECONDS, description="seconds from the call's start")
    end: float = Field(ge=0, le=MAX_SECONDS, description="seconds from the call's start, after `start`")
    speaker: Speaker
    text: str = Field(max_length=2000, pattern=SAID, description="the words selected, as shown")
    redacted: bool = Field(default=False, description="selected in the redacted view (`text` has masks)")
    comment: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must come after start ({self.start})")
        return self


class ItemEvidence(_Mark):
    """The words show that the item (a required phrase, a script step) was done."""

    kind: Literal[EvidenceKind.ITEM_EVIDENCE]
    item_id: str = Field(max_length=100, pattern=SAID, description="the scorecard item")


class ForbiddenPhrase(_Mark):
    """A forbidden phrase of the item, said here, that the machine did not find."""

    kind: Literal[EvidenceKind.FORBIDDEN_PHRASE]
    item_id: str = Field(max_length=100, pattern=SAID, description="the scorecard item forbidding it")


class WordCorrection(_Mark):
    """Mis-heard words: the transcript keeps them and shows the correction beside them."""

    kind: Literal[EvidenceKind.WORD_CORRECTION]
    correction: str = Field(max_length=2000, pattern=SAID, description="what was said")

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if self.correction.strip() == self.text.strip():
            raise ValueError("the correction is the same as the words selected")
        return self


class SentimentMark(_Mark):
    """The customer's mood in this turn, where the machine read it wrong."""

    kind: Literal[EvidenceKind.SENTIMENT]
    speaker: Literal["customer"] = Field(description="a customer turn")
    label: SentimentLabel


MarkRequest = Annotated[
    ItemEvidence | ForbiddenPhrase | WordCorrection | SentimentMark, Field(discriminator="kind")
]
"""A mark to make: one model per kind, each with the fields it needs and no other, so a mark
never carries a field calibration would misread (a label on a word correction)."""


def item_of(request: MarkRequest) -> str | None:
    """The scorecard item the mark is about (evidence and forbidden phrases name one)."""
    return request.item_id if isinstance(request, ItemEvidence | ForbiddenPhrase) else None


MARK_REQUEST: TypeAdapter[MarkRequest] = TypeAdapter(MarkRequest)


class EvidenceMark(BaseModel):
    """A stored mark: what was marked on which analysis, by whom, when."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: str
    analysis_id: int = Field(description="the analysis it was made on (its items are that card's)")
    kind: EvidenceKind
    item_id: str | None
    start: float
    end: float
    speaker: Speaker
    text: str = Field(description="the words selected, as the inspector saw them")
    redacted: bool = Field(description="`text` was selected in the redacted view")
    correction: str | None
    label: SentimentLabel | None
    comment: str | None
    author: str
    created_at: datetime

    def masked(self, language: str | None) -> EvidenceMark:
        """As agents and trainers read it: personal data masked in the words."""
        region = phone_region(language)
        return self.model_copy(
            update={
                "text": mask_text(self.text, region),
                "correction": None if self.correction is None else mask_text(self.correction, region),
                "comment": None if self.comment is None else mask_text(self.comment, region),
            }
        )


@dataclass(frozen=True)
class EvidenceMarks:
    repository: EvidenceRepository

    def marks(
        self, since: datetime | None = None, call_ids: Collection[str] | None = None
    ) -> list[EvidenceMark]:
        """Oldest first: every mark, or those made at or after `since`, or those of `call_ids`."""
        return [_typed(row) for row in self.repository.search(since, call_ids)]

    def get(self, mark_id: int) -> EvidenceMark | None:
        row = self.repository.get(mark_id)
        return None if row is None else _typed(row)

    def add(
        self, call_id: str, analysis_id: int, request: MarkRequest, author: str, language: str | None
    ) -> EvidenceMark:
        new = NewMark(
            call_id=call_id,
            analysis_id=analysis_id,
            item_id=item_of(request),
            kind=request.kind,
            start=request.start,
            end=request.end,
            speaker=request.speaker,
            text=request.text,
            redacted=request.redacted,
            correction=request.correction if isinstance(request, WordCorrection) else None,
            label=request.label if isinstance(request, SentimentMark) else None,
            comment=(request.comment or "").strip() or None,
            author=author,
        )
        return _typed(self.repository.add(new, _logged(new.text, new.correction, language)))

    def remove(self, mark: EvidenceMark, actor: str, language: str | None) -> bool:
        """False when someone else removed it first."""
        return self.repository.remove(mark.id, actor, _logged(mark.text, mark.correction, language))


def _typed(row: EvidenceMarkRow) -> EvidenceMark:
    return EvidenceMark.model_validate(row)


def _logged(text: str, correction: str | None, language: str | None) -> Logged:
    region = phone_region(language)
    return Logged(mask_text(text, region), None if correction is None else mask_text(correction, region))

"""The parts of a scorecard that every item type and every phrase matcher share: who speaks, where
in the call, and when an item applies.

They sit below the scorecard and its item types (`scoring/scorecard.py`, `scoring/items/`), so the
matchers the item types decide with (`phrases`, `matching`, `semantic`) can use them without
importing the card that lists the types.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SpeakerScope = Literal["agent", "customer", "any"]
SentimentLabel = Literal["negative", "neutral", "positive"]


class Strict(BaseModel):
    """A card's part: an unknown field is a typo to report, never a setting to ignore."""

    model_config = ConfigDict(extra="forbid")


class Window(Strict):
    """Where in the call a phrase must fall: the first or last N seconds, the speaker's first turns,
    and/or before or after what another (earlier) item found."""

    first_s: float | None = Field(default=None, gt=0)
    last_s: float | None = Field(default=None, gt=0)
    first_turns: int | None = Field(default=None, ge=1, description="only the speaker's first N turns")
    after: str | None = Field(default=None, description="id of an earlier item: only after its evidence")
    before: str | None = Field(default=None, description="id of an earlier item: only before its evidence")
    start_after_s: float | None = Field(default=None, ge=0, description="absolute bound (after: sets it)")
    end_before_s: float | None = Field(default=None, ge=0, description="absolute bound (before: sets it)")


SEMANTIC = Field(
    default=55.0,
    ge=20,
    le=100,
    description="100 x the cosine at which a sentence counts as saying a phrase in other words; null: off",
)


class Condition(Strict):
    """When an item applies: one of these phrases is said (e.g. the agent opens the account), and/or
    the customer ends the call in one of these moods (a missing closing matters with an upset caller)."""

    phrases: list[str] = Field(default_factory=list)
    speaker: SpeakerScope = "agent"
    min_similarity: float = Field(default=85, ge=50, le=100)
    semantic: float | None = SEMANTIC
    customer_sentiment_end: list[SentimentLabel] = Field(default_factory=list)
    customer_sentiment_any: list[SentimentLabel] = Field(
        default_factory=list, description="some customer turn has one of these (e.g. [negative]: empathy due)"
    )
    description: str = Field(default="", description="when the item applies, for the card's readers")
    na_reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=200,
        description='why the item is N/A, read after "not applicable: " (e.g. no account work found); '
        "default: the part of the condition that was not met",
    )

    @model_validator(mode="after")
    def _something_to_check(self) -> Condition:
        if not self.phrases and not self.customer_sentiment_end and not self.customer_sentiment_any:
            raise ValueError("a condition needs phrases, customer_sentiment_end or customer_sentiment_any")
        return self

    @field_validator("na_reason")
    @classmethod
    def _without_prefix(cls, reason: str | None) -> str | None:
        if reason is not None and reason.strip().lower().startswith("not applicable"):
            raise ValueError('leave out "not applicable": it is put in front of the reason')
        return reason

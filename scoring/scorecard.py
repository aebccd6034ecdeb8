"""Versioned scorecards: the YAML schema, and loading that never crashes the service.

A malformed card is reported as `file:line: field: problem` for every problem at once, so
the person editing it can fix it in one pass; the service keeps running on the cards it has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SpeakerScope = Literal["agent", "customer", "any"]


class ScorecardError(ValueError):
    """The card is not valid; the message lists each problem with its line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Window(_Strict):
    """Where in the call a phrase must fall: the first or last N seconds, the speaker's first turns,
    and/or before or after what another (earlier) item found."""

    first_s: float | None = Field(default=None, gt=0)
    last_s: float | None = Field(default=None, gt=0)
    first_turns: int | None = Field(default=None, ge=1, description="only the speaker's first N turns")
    after: str | None = Field(default=None, description="id of an earlier item: only after its evidence")
    before: str | None = Field(default=None, description="id of an earlier item: only before its evidence")
    start_after_s: float | None = Field(default=None, ge=0, description="absolute bound (after: sets it)")
    end_before_s: float | None = Field(default=None, ge=0, description="absolute bound (before: sets it)")


SentimentLabel = Literal["negative", "neutral", "positive"]
SEMANTIC = Field(
    default=55.0,
    ge=20,
    le=100,
    description="100 x the cosine at which a sentence counts as saying a phrase in other words; null: off",
)


class Condition(_Strict):
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


class _Item(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    weight: float = Field(ge=0)
    critical: bool = False
    description: str = ""
    applies_if: Condition | None = Field(
        default=None, description="otherwise the item is N/A and left out of the maximum score"
    )


class _PhraseItem(_Item):
    phrases: list[str] = Field(min_length=1)
    speaker: SpeakerScope = "agent"
    window: Window = Field(default_factory=Window)


class PhrasePresentItem(_PhraseItem):
    """Passes when the speaker says one of the phrases: literally (fuzzy, tolerant of ASR errors)
    or in other words (sentence embeddings, `semantic`)."""

    detector: Literal["phrase_present"]
    min_similarity: float = Field(default=85, ge=50, le=100)
    semantic: float | None = SEMANTIC


class PhraseAbsentItem(_PhraseItem):
    """Fails when the speaker says any of the phrases: forbidden language. A stricter default
    similarity than for required phrases: a false forbidden-phrase finding accuses the agent."""

    detector: Literal["phrase_absent"]
    min_similarity: float = Field(default=90, ge=50, le=100)


class ScriptStep(_Strict):
    name: str
    phrases: list[str] = Field(min_length=1)


class ScriptStepsItem(_Item):
    """Required script steps (e.g. a card replacement: verify, confirm address, give delivery time),
    each found like a phrase item; in order when `ordered`. Fails naming the missing or misplaced
    steps; with `partial_credit`, earns the share of steps done."""

    detector: Literal["script_steps"]
    speaker: SpeakerScope = "agent"
    steps: list[ScriptStep] = Field(min_length=2)
    ordered: bool = True
    partial_credit: bool = False
    min_similarity: float = Field(default=85, ge=50, le=100)
    semantic: float | None = SEMANTIC


class DeadAirItem(_Item):
    """Fails on a silence longer than `max_silence_s` that nobody announced."""

    detector: Literal["dead_air"]
    max_silence_s: float = Field(default=20.0, gt=0)
    min_silence_s: float = Field(default=3.0, gt=0)
    announce_phrases: list[str] = Field(default_factory=list)
    min_similarity: float = Field(default=80, ge=50, le=100)


AnyItem = PhrasePresentItem | PhraseAbsentItem | ScriptStepsItem | DeadAirItem
Item = Annotated[AnyItem, Field(discriminator="detector")]


class Section(_Strict):
    name: str
    items: list[Item] = Field(min_length=1)


class Scorecard(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: int = Field(ge=1)
    name: str
    language: str
    description: str = ""
    pass_mark: float = Field(default=80, ge=0, le=100)
    review_margin: float = Field(default=10, ge=0, le=100)
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights_and_ids(self) -> Scorecard:
        ids = [item.id for section in self.sections for item in section.items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"item ids must be unique, repeated: {', '.join(duplicates)}")
        total = sum(item.weight for section in self.sections for item in section.items)
        if abs(total - 100) > 1e-6:
            raise ValueError(f"item weights must total 100, they total {total:g}")
        for position, item in enumerate(self.all_items()):
            window = getattr(item, "window", None)
            for ref in (window.after, window.before) if window is not None else ():
                if ref is not None and ref not in ids[:position]:
                    raise ValueError(
                        f"item {item.id}: window refers to {ref!r}, which is not an earlier item"
                    )
        return self

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def items(self) -> list[tuple[Section, AnyItem]]:
        return [(section, item) for section in self.sections for item in section.items]

    def all_items(self) -> list[AnyItem]:
        return [item for section in self.sections for item in section.items]


def load_scorecard(path: Path) -> Scorecard:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScorecardError(f"{path}: cannot read scorecard: {error}") from error
    return parse_scorecard(text, str(path))


def parse_scorecard(text: str, source: str = "<scorecard>") -> Scorecard:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise ScorecardError(f"{where}: invalid YAML: {getattr(error, 'problem', error)}") from error
    if not isinstance(data, dict):
        raise ScorecardError(f"{source}:1: a scorecard must be a mapping with id, version, sections")
    try:
        return Scorecard.model_validate(data)
    except ValidationError as error:
        raise ScorecardError("\n".join(validation_problems(error, root, source, "(card)"))) from error


def validation_problems(error: ValidationError, root: yaml.Node | None, source: str, whole: str) -> list[str]:
    """Each problem of a YAML document's validation as `file:line: field: problem`, the line being the
    YAML node's (any YAML file callqa reads reports its errors so); `whole` names the document itself."""
    lines = []
    for problem in error.errors():
        loc = [p for p in problem["loc"] if not _is_union_tag(p)]
        field = ".".join(str(p) for p in loc) or whole
        lines.append(f"{source}:{line_of(root, loc)}: {field}: {problem['msg']}")
    return lines


DETECTORS = {get_args(cls.model_fields["detector"].annotation)[0] for cls in get_args(AnyItem)}


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in DETECTORS


def line_of(node: yaml.Node | None, loc: list[Any]) -> int:
    """The line of the deepest YAML node the error path reaches (1-based)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line

"""Versioned scorecards: the YAML schema, and loading that never crashes the service.

A malformed card is reported as `file:line: field: problem` for every problem at once, so
the person editing it can fix it in one pass; the service keeps running on the cards it has.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import Field, GetCoreSchemaHandler, GetPydanticSchema, ValidationError, model_validator
from pydantic_core import CoreSchema, ErrorDetails

from scoring.card_parts import SentimentLabel, Strict, Window
from scoring.items.base import ItemBase
from scoring.items.phrase_present import PhrasePresentItem
from scoring.items.registry import ITEM_TYPES

# Also named here, for the code that took them from here (the API's schemas, tests): a card's parts
# (defined in `card_parts`) and its commonest item model (in its type's module).
__all__ = [
    "PhrasePresentItem",
    "Scorecard",
    "ScorecardError",
    "Section",
    "SentimentLabel",
    "Window",
    "line_of",
    "load_scorecard",
    "parse_scorecard",
    "validation_problems",
]


class ScorecardError(ValueError):
    """The card is not valid; the message lists each problem with its line."""


def _item_schema(_source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    """Validated as the union of the registered item types told apart by `detector`, so each
    problem is located in the item's own fields; typed as `ItemBase`, whose protocol is all that
    the code reading a card may use."""
    union = Union.__getitem__(tuple(ITEM_TYPES.values()))  # `Union[...]` of types known at run time
    return handler(Annotated[union, Field(discriminator="detector")])


Item = Annotated[ItemBase, GetPydanticSchema(get_pydantic_core_schema=_item_schema)]


class Section(Strict):
    name: str
    items: list[Item] = Field(min_length=1)


class CommentsRequired(StrEnum):
    """Which items an inspector must comment on to complete a review: every failed or overridden
    one (the default: the agent reads why), only overridden ones (the machine's reason stands for
    a confirmed fail), or none."""

    FAILED_OR_OVERRIDDEN = "failed_or_overridden"
    OVERRIDDEN = "overridden"
    NONE = "none"


class Scorecard(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: int = Field(ge=1)
    name: str
    language: str
    description: str = ""
    pass_mark: float = Field(default=80, ge=0, le=100)
    review_margin: float = Field(default=10, ge=0, le=100)
    comments_required: CommentsRequired = CommentsRequired.FAILED_OR_OVERRIDDEN
    """Which decided items a review must explain before it is completed (review/evaluation.py)."""
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
            for ref in item.placed_by():
                if ref not in ids[:position]:
                    raise ValueError(
                        f"item {item.id}: window refers to {ref!r}, which is not an earlier item"
                    )
        return self

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def items(self) -> list[tuple[Section, ItemBase]]:
        return [(section, item) for section in self.sections for item in section.items]

    def all_items(self) -> list[ItemBase]:
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
        loc, message = _located(problem)
        field = ".".join(str(p) for p in loc) or whole
        lines.append(f"{source}:{line_of(root, loc)}: {field}: {message}")
    return lines


def _located(problem: ErrorDetails) -> tuple[list[Any], str]:
    """Where a problem is, in the user's fields, and what it is. Pydantic names the union member
    in the path (`items.0.phrase_present.phrases`), which is no field of the file; a type that is
    unknown or missing is said of the field that names it (`items.0.detector`), with the types
    there are."""
    loc = [p for p in problem["loc"] if not (isinstance(p, str) and p in ITEM_TYPES)]
    context = problem.get("ctx", {})
    key = str(context.get("discriminator", "")).strip("'")
    if problem["type"] == "union_tag_invalid":
        known = str(context["expected_tags"]).replace("'", "")
        return [*loc, key], f"unknown type {context['tag']!r} (known: {known})"
    if problem["type"] == "union_tag_not_found":
        return [*loc, key], "Field required"
    return loc, problem["msg"]


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

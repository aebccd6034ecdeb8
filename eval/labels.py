"""A team's mapping from its scorecard items to a corpus's labels (SCHEMA sections 3.2 and 4).

`callqa eval` reads a corpus's ground truth in the SCHEMA format, whoever's cards score it; what
differs between teams is which item says what. The map names, per language, the card that scores
the calls, and which item gives each boolean label, the forbidden phrases and each fail code. It
is checked like a scorecard: every problem at once as `file:line: field: problem`, including an
item that the language's card does not have (a typo there would silently score as "missing"), or
one whose type cannot give the label (its type says which it can: `ItemBase.corpus_labels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eval.metrics import BINARY_MISSING_LABELS, FAIL_CODES
from scoring.catalog import ScorecardCatalog
from scoring.items.base import CorpusLabel, ItemBase
from scoring.items.registry import ITEM_TYPES
from scoring.scorecard import Scorecard, ScorecardError, line_of, load_scorecard, validation_problems

DEV_LABELS = Path(__file__).parent / "dev-labels.yaml"
SCORECARD_DIR = Path(__file__).parent / "scorecards"
"""The dev corpus's rubric as cards: what `callqa eval` scores with unless a team gives its own."""
LANGUAGES = ("en", "zh")
"""SCHEMA 2: the languages a corpus's calls may be in."""


class LabelMapError(ValueError):
    """The map is not valid; the message lists each problem with its line."""


class LabelMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scorecards: dict[str, str] = Field(
        min_length=1, description="language (en, zh) -> the card scoring its calls: id or id@version"
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="boolean label (greeting, disclosure, ...) -> item id"
    )
    forbidden_phrases: str | None = Field(
        default=None, description="the phrase_absent item whose matches are the forbidden phrases"
    )
    fail_reasons: dict[str, str] = Field(default_factory=dict, description="item id -> SCHEMA 4 fail code")

    def items(self) -> set[str]:
        """Every item id the map reads."""
        named = {*self.labels.values(), *self.fail_reasons}
        return named | ({self.forbidden_phrases} if self.forbidden_phrases else set())


@dataclass(frozen=True)
class EvalSetup:
    """The cards a corpus is scored with, per language, and how their items read as its labels."""

    mapping: LabelMap
    cards: dict[str, Scorecard]


def load_setup(scorecards: Sequence[Path] = (), labels: Path | None = None) -> EvalSetup:
    """A team's own cards and map, or with neither the built-in dev cards and `dev-labels.yaml`.
    Raises ScorecardError or LabelMapError listing every problem."""
    if scorecards and labels is None:
        raise LabelMapError("--labels is required with --scorecard: which item gives which label?")
    if scorecards:
        catalog = ScorecardCatalog()
        problems = []
        for path in scorecards:
            try:
                catalog.add(load_scorecard(path))
            except ScorecardError as error:
                problems.append(str(error))
        if problems:
            raise ScorecardError("\n".join(problems))
    else:
        catalog = ScorecardCatalog.load(SCORECARD_DIR)
    mapping, cards = load_label_map(labels or DEV_LABELS, catalog)
    return EvalSetup(mapping=mapping, cards=cards)


def load_label_map(path: Path, catalog: ScorecardCatalog) -> tuple[LabelMap, dict[str, Scorecard]]:
    """The map and, per language, the card it names from `catalog`, every reference checked."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as error:
        raise LabelMapError(f"{path}: cannot read the label map: {error}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise LabelMapError(f"{where}: invalid YAML: {getattr(error, 'problem', error)}") from error
    if not isinstance(data, dict):
        raise LabelMapError(f"{path}:1: a label map must be a mapping with scorecards, labels, fail_reasons")
    try:
        mapping = LabelMap.model_validate(data)
    except ValidationError as error:
        raise LabelMapError("\n".join(validation_problems(error, root, str(path), "(map)"))) from error
    cards, problems = _resolve(mapping, catalog)
    if problems:
        raise LabelMapError("\n".join(f"{path}:{line_of(root, loc)}: {msg}" for loc, msg in problems))
    return mapping, cards


def _resolve(
    mapping: LabelMap, catalog: ScorecardCatalog
) -> tuple[dict[str, Scorecard], list[tuple[list[Any], str]]]:
    cards: dict[str, Scorecard] = {}
    problems = _unknown_names(mapping)
    for language, ref in mapping.scorecards.items():
        if language not in LANGUAGES:
            continue
        try:
            cards[language] = catalog.get(ref)
        except KeyError as error:
            problems.append((["scorecards", language], f"scorecards.{language}: {error.args[0]}"))
            continue
        if cards[language].language != language:
            problems.append(
                (
                    ["scorecards", language],
                    f"scorecards.{language}: {cards[language].key} is for {cards[language].language!r} calls",
                )
            )
    # (where in the map, the item named, the label it must give; a fail code any item gives)
    references: list[tuple[list[Any], str, CorpusLabel | None]] = [
        *((["labels", label], item, CorpusLabel.DONE) for label, item in mapping.labels.items()),
        *((["fail_reasons", item], item, None) for item in mapping.fail_reasons),
        *(
            [(["forbidden_phrases"], mapping.forbidden_phrases, CorpusLabel.FORBIDDEN_PHRASES)]
            if mapping.forbidden_phrases
            else []
        ),
    ]
    for loc, item_id, gives in references:
        field = ".".join(str(p) for p in loc)
        for language, card in cards.items():
            item = _item(card, item_id)
            if item is None:
                problems.append(
                    (loc, f"{field}: item {item_id!r} is not in scorecard {card.key} ({language})")
                )
            elif gives is not None and gives not in item.corpus_labels:
                problems.append(
                    (loc, f"{field}: item {item_id!r} of {card.key} is not a {_giving(gives)} item")
                )
    return cards, problems


def _giving(label: CorpusLabel) -> str:
    """The item types that can give the label, as the card names them."""
    return " or ".join(name for name, model in ITEM_TYPES.items() if label in model.corpus_labels)


def _unknown_names(mapping: LabelMap) -> list[tuple[list[Any], str]]:
    """Languages, labels and fail codes the SCHEMA does not have, each at its own line."""
    problems: list[tuple[list[Any], str]] = []
    problems.extend(
        (["scorecards", language], f"scorecards.{language}: unknown language (known: {', '.join(LANGUAGES)})")
        for language in mapping.scorecards
        if language not in LANGUAGES
    )
    problems.extend(
        (
            ["labels", label],
            f"labels.{label}: unknown label (boolean labels: {', '.join(BINARY_MISSING_LABELS)})",
        )
        for label in mapping.labels
        if label not in BINARY_MISSING_LABELS
    )
    problems.extend(
        (
            ["fail_reasons", item],
            f"fail_reasons.{item}: unknown fail code {code!r} (codes: {', '.join(FAIL_CODES)})",
        )
        for item, code in mapping.fail_reasons.items()
        if code not in FAIL_CODES
    )
    return problems


def _item(card: Scorecard, item_id: str) -> ItemBase | None:
    return next((item for item in card.all_items() if item.id == item_id), None)

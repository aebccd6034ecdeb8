"""The item registry: every type is complete (its model named by its key, a mark kind, corpus
labels, cut-offs calibration can bound), the shipped cards load with it, and a card naming a type
it does not have is refused naming the file, the line and the types there are."""

from __future__ import annotations

import inspect
from typing import get_args

import pytest
from annotated_types import Ge, Le

from eval.labels import SCORECARD_DIR
from scoring.catalog import BUILTIN_DIR, ScorecardCatalog
from scoring.items.base import CorpusLabel, ItemBase, Marks
from scoring.items.registry import ITEM_TYPES
from scoring.scorecard import ScorecardError, parse_scorecard

GENERIC = (BUILTIN_DIR / "generic-en.yaml").read_text()


@pytest.mark.parametrize(("name", "model"), ITEM_TYPES.items())
def test_each_type_is_complete_and_named_by_its_key(name: str, model: type[ItemBase]) -> None:
    assert get_args(model.model_fields["detector"].annotation) == (name,)
    assert not inspect.isabstract(model)
    assert isinstance(model.marks, Marks)
    assert model.corpus_labels and all(isinstance(label, CorpusLabel) for label in model.corpus_labels)


def test_the_shipped_cards_load_and_every_cut_off_they_tune_is_bounded() -> None:
    catalog = ScorecardCatalog.load(SCORECARD_DIR)
    assert catalog.errors == []
    assert {"generic-en", "generic-zh", "dev-en", "dev-zh"} <= {card.id for card in catalog.cards.values()}
    for card in catalog.cards.values():
        for item in card.all_items():
            assert item.detector in ITEM_TYPES
            for cutoff in item.tuning().cutoffs:  # calibration searches inside the field's own bounds
                metadata = type(item).model_fields[cutoff].metadata
                assert any(isinstance(m, Ge) for m in metadata) and any(isinstance(m, Le) for m in metadata)


def test_an_unknown_type_names_the_file_the_line_and_the_types_there_are() -> None:
    unknown = GENERIC.replace("detector: phrase_present", "detector: name_used", 1)
    with pytest.raises(ScorecardError) as raised:
        parse_scorecard(unknown, "cards/mine.yaml")
    line = unknown.splitlines().index("        detector: name_used") + 1
    known = ", ".join(ITEM_TYPES)
    assert str(raised.value) == (
        f"cards/mine.yaml:{line}: sections.0.items.0.detector: unknown type 'name_used' (known: {known})"
    )


def test_a_missing_type_is_a_missing_field() -> None:
    without = GENERIC.replace("        detector: phrase_present\n", "", 1)
    line = without.splitlines().index("      - id: greeting") + 1
    with pytest.raises(ScorecardError) as raised:
        parse_scorecard(without, "x.yaml")
    assert str(raised.value) == f"x.yaml:{line}: sections.0.items.0.detector: Field required"

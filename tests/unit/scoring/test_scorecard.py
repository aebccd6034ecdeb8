"""Scorecard validation: every problem reported with file, line and field; the service survives."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.catalog import BUILTIN_DIR, ScorecardCatalog
from scoring.scorecard import ScorecardError, load_scorecard, parse_scorecard

VALID = (BUILTIN_DIR / "generic-en.yaml").read_text()


def test_builtin_cards_are_valid_and_weights_total_100() -> None:
    catalog = ScorecardCatalog.load()
    assert catalog.errors == []
    for card in catalog.latest():
        assert sum(item.weight for _, item in card.items()) == pytest.approx(100)


def test_unknown_field_is_reported_with_its_line() -> None:
    broken = VALID.replace("        weight: 25\n", "        weight: 25\n        wieght: 3\n", 1)
    with pytest.raises(ScorecardError) as raised:
        parse_scorecard(broken, "cards/mine.yaml")
    line = broken.splitlines().index("        wieght: 3") + 1
    assert f"cards/mine.yaml:{line}: sections.1.items.2.wieght: Extra inputs are not permitted" in str(
        raised.value
    )


def test_weights_must_total_100() -> None:
    with pytest.raises(ScorecardError, match="weights must total 100, they total 90"):
        parse_scorecard(VALID.replace("weight: 25", "weight: 15"), "x.yaml")


def test_duplicate_item_ids() -> None:
    with pytest.raises(ScorecardError, match="repeated: greeting"):
        parse_scorecard(VALID.replace("id: closing", "id: greeting"), "x.yaml")


def test_bad_yaml_names_the_line() -> None:
    with pytest.raises(ScorecardError, match=r"x.yaml:3: invalid YAML"):
        parse_scorecard("id: a\nversion: 1\nname: a: b\nlanguage: en\n", "x.yaml")


def test_wrong_types_and_missing_fields() -> None:
    with pytest.raises(ScorecardError) as raised:
        parse_scorecard("id: a\nversion: first\nname: A\nlanguage: en\nsections: []\n", "x.yaml")
    message = str(raised.value)
    assert "x.yaml:2: version: Input should be a valid integer" in message
    assert "x.yaml:5: sections: List should have at least 1 item" in message


def test_not_a_mapping() -> None:
    with pytest.raises(ScorecardError, match="must be a mapping"):
        parse_scorecard("- just\n- a list\n", "x.yaml")


def test_a_broken_card_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(VALID.replace("id: generic-en", "id: mine"))
    (tmp_path / "bad.yaml").write_text("id: [\n")
    catalog = ScorecardCatalog.load(tmp_path)
    assert catalog.get("mine").id == "mine"
    assert len(catalog.errors) == 1 and "bad.yaml" in catalog.errors[0]


def test_versions_latest_and_pinned(tmp_path: Path) -> None:
    (tmp_path / "v3.yaml").write_text(VALID.replace("version: 2", "version: 3"))
    catalog = ScorecardCatalog.load(tmp_path)
    assert catalog.get("generic-en").version == 3
    assert catalog.get("generic-en@2").version == 2
    with pytest.raises(KeyError, match="unknown scorecard"):
        catalog.get("nope")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScorecardError, match="cannot read scorecard"):
        load_scorecard(tmp_path / "missing.yaml")

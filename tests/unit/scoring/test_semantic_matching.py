"""Paraphrases written for this test (not taken from any corpus) are found by meaning, on the
default cards, with the paraphrase quoted as the evidence; unrelated talk is not."""

from __future__ import annotations

import pytest

from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.results import ItemResult
from scoring.scorecard import Scorecard
from tests.support.transcripts import segment, transcript


def _item(card: Scorecard, lines: list[tuple[str, float, float, str]], item_id: str) -> ItemResult:
    language = card.language
    call = transcript([segment(*line) for line in lines], duration=60.0, language=language)  # type: ignore[arg-type]
    return next(i for i in analyse(call, card).score.items if i.item_id == item_id)


@pytest.fixture(scope="module")
def generic_en() -> Scorecard:
    return ScorecardCatalog.load().get("generic-en")


@pytest.fixture(scope="module")
def generic_zh() -> Scorecard:
    return ScorecardCatalog.load().get("generic-zh")


@pytest.mark.parametrize(
    "sentence",
    [
        "Heads up, we record these conversations so we can coach our staff.",
        "Just to let you know, everything we say today is being recorded.",
        "Quick note, this line is monitored and a recording is kept.",
    ],
)
def test_disclosure_paraphrases_are_found_by_meaning(generic_en: Scorecard, sentence: str) -> None:
    item = _item(
        generic_en,
        [
            ("agent", 0.5, 3.0, "Hi, Fabrikam Mobile, Jordan speaking."),
            ("agent", 3.2, 8.0, sentence),
            ("customer", 9.0, 12.0, "Hi, my phone has no signal since yesterday."),
        ],
        "disclosure",
    )
    assert item.status == "pass"
    assert item.evidence[0].quote and item.evidence[0].quote in sentence
    assert "semantic" in item.evidence[0].detail


def test_closing_paraphrase_is_found_by_meaning(generic_en: Scorecard) -> None:
    item = _item(
        generic_en,
        [
            ("agent", 0.5, 3.0, "Hello, Fabrikam Mobile."),
            ("customer", 4.0, 8.0, "My phone bill is wrong."),
            ("agent", 50.0, 54.0, "Is there anything further I can sort out for you today?"),
        ],
        "closing",
    )
    assert item.status == "pass"
    assert "semantic" in item.evidence[0].detail
    assert item.evidence[0].start == pytest.approx(50.0)


@pytest.mark.parametrize(
    "sentence",
    [
        "Hello, you're through to Fabrikam Mobile, how can I help?",
        "I have updated the address on your account.",
        "The engineer will come on Tuesday between eight and noon.",
    ],
)
def test_unrelated_agent_talk_is_not_a_disclosure(generic_en: Scorecard, sentence: str) -> None:
    item = _item(
        generic_en,
        [("agent", 0.5, 4.0, sentence), ("customer", 5.0, 8.0, "Okay, thanks.")],
        "disclosure",
    )
    assert item.status == "fail"


def test_chinese_disclosure_paraphrase(generic_zh: Scorecard) -> None:
    item = _item(
        generic_zh,
        [
            ("agent", 0.5, 3.0, "您好，这里是东方航空客服中心。"),
            ("agent", 3.2, 7.0, "先跟您说明一下，这次电话会被录下来。"),
            ("customer", 8.0, 11.0, "你好，我想改签机票。"),
        ],
        "disclosure",
    )
    assert item.status == "pass"

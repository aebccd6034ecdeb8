"""Personal data is masked however it was said, with offsets into the original text."""

from __future__ import annotations

import pytest

from scoring.pii import (
    china_id_valid,
    find_pii,
    luhn_valid,
    mask,
    numbers_said,
    redact_transcript,
    redacted_view,
)
from tests.support.transcripts import segment, transcript


@pytest.mark.parametrize(
    ("text", "region", "masked"),
    [
        ("My card is 4111 1111 1111 1111, thanks", "US", "My card is [CARD], thanks"),
        ("four one one one one one one one one one one one one one one one", "US", "[CARD]"),
        ("Mail me at jo.doe@example.com please", "US", "Mail me at [EMAIL] please"),
        ("Call me on (415) 555-2671 tonight", "US", "Call me on [PHONE] tonight"),
        ("It's six zero three, double seven, one.", "US", "It's [DIGITS]."),
        ("The account is 7 2 0 4 1 8.", "US", "The account is [DIGITS]."),
        ("身份证号是11010519491231002X，谢谢", "CN", "身份证号是[NATIONAL_ID]，谢谢"),
        ("我的手机是13800138000", "CN", "我的手机是[PHONE]"),
        ("卡号后四位是六六八一，我叫孙浩。", "CN", "卡号后四位是[DIGITS]，我叫孙浩。"),
    ],
)
def test_masks(text: str, region: str, masked: str) -> None:
    assert mask(text, find_pii(text, region)) == masked


@pytest.mark.parametrize(
    "text",
    ["I'll be there at 10 on the 12th.", "Oh good, one more thing.", "我想问一下，一共多少钱？", "Room 101."],
)
def test_ordinary_numbers_and_words_are_left_alone(text: str) -> None:
    assert find_pii(text) == []


def test_a_card_number_that_fails_luhn_is_still_masked_as_digits() -> None:
    [span] = find_pii("it's 4111 1111 1111 1112")
    assert span.kind == "digits"


def test_checksums() -> None:
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert china_id_valid("11010519491231002X") and not china_id_valid("110105194912310021")


def test_redaction_keeps_offsets_and_the_original() -> None:
    call = transcript(
        [
            segment("agent", 0.0, 2.0, "Can I have your account number?"),
            segment("customer", 2.5, 6.0, "Sure, it's 5 5 8 2 1 3 and my email is a@b.co"),
        ]
    )
    redaction = redact_transcript(call)
    [masked] = redaction.segments
    original = call.segments[1].text
    assert masked.index == 1
    assert [original[s.start : s.end] for s in masked.spans] == ["5 5 8 2 1 3", "a@b.co"]
    assert masked.text == "Sure, it's [DIGITS] and my email is [EMAIL]"
    assert redaction.counts() == {"digits": 1, "email": 1}
    view = redacted_view(call, redaction)
    assert view.segments[1].text == masked.text and view.segments[1].words == []
    assert view.segments[0] == call.segments[0]
    assert call.segments[1].text == original


def test_the_phone_numbers_said_are_read_however_they_were_said_and_nothing_else() -> None:
    call = transcript(
        [
            segment("customer", 0.0, 3.0, "Call me back on four one five five five five zero one three two."),
            segment("customer", 3.0, 5.0, "Or on (415) 555-0199 after six."),
            segment("customer", 5.0, 7.0, "My account is 1234 5678 and my card 4111 1111 1111 1111."),
        ]
    )
    assert numbers_said(call) == {"+14155550132", "+14155550199"}
    assert numbers_said(call, redact_transcript(call)) == numbers_said(call)
    chinese = transcript([segment("customer", 0.0, 3.0, "我的手机号是13812345678。")], language="zh")
    assert numbers_said(chinese) == {"+8613812345678"}

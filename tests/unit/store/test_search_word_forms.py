"""English word forms in search, without a database: stem terms beside the words, a bare word
matching its stem, a quoted phrase and a prefix matching the words as said, and the marks."""

from __future__ import annotations

import pytest

from store.search_query import parse, to_fts5
from store.search_text import (
    STEM,
    QueryText,
    found_in,
    highlight_spans,
    index_terms,
    query_terms,
    stem,
    stored_terms,
)

SENTENCE = "They refunded my payments, then 我要退款了 after two refunds"


def readable(terms: list[str] | tuple[str, ...]) -> list[str]:
    return [term.replace(STEM, "~") for term in terms]


def test_each_word_is_stored_with_its_stem_and_chinese_without() -> None:
    assert readable(stored_terms(SENTENCE)) == [
        "they", "~they", "refunded", "~refund", "my", "~my", "payments", "~payment", "then", "~then",
        "我要", "要退", "退款", "款了", "了", "after", "~after", "two", "~two", "refunds", "~refund",
    ]  # fmt: skip
    assert [t for t in stored_terms(SENTENCE) if not t.startswith(STEM)] == index_terms(SENTENCE)
    assert stem("cancelled") == stem("cancels") == stem("cancel") == "cancel"
    assert stored_terms("[CARD] card") == ["card", STEM + "card"]  # the placeholder is no term


def test_only_a_bare_single_word_matches_its_forms() -> None:
    assert query_terms("Refunded", forms=True).forms
    assert readable(query_terms("Refunded", forms=True).stored()) == ["~refund"]
    assert not query_terms("refund", prefix=True, forms=True).forms  # a prefix is the word as said
    assert not query_terms("don't", forms=True).forms  # two words: found as written
    assert not query_terms("退款", forms=True).forms  # Chinese: the characters
    assert readable(query_terms("refund", prefix=True).stored()) == ["refund"]
    assert readable(query_terms("cancel my").stored()) == ["cancel", "~cancel", "my", "~my"]


@pytest.mark.parametrize("start", range(8))
def test_every_english_phrase_and_word_is_found_as_consecutive_stored_terms(start: int) -> None:
    words = SENTENCE.replace(",", "").split()
    stored = stored_terms(SENTENCE)
    for end in range(start + 1, len(words) + 1):
        for forms in (False, True):
            wanted = list(query_terms(" ".join(words[start:end]), forms=forms).stored())
            found = any(stored[i : i + len(wanted)] == wanted for i in range(len(stored)))
            assert found, (words[start:end], forms)


def test_a_bare_word_compiles_to_its_stem_a_quoted_one_to_the_word() -> None:
    assert readable([to_fts5(parse("refunds"))]) == ['"~refund"']
    assert readable([to_fts5(parse('"refunds"'))]) == ['"refunds ~refund"']
    assert readable([to_fts5(parse("refunds NEAR/2 cancel"))]) == ['NEAR("~refund" "~cancel", 5)']


def test_marks_follow_what_was_matched() -> None:
    text = "REFUNDED twice; refunds are slow. Refund me, refundable or not, I paid and payments wait."
    bare = parse("refund").highlights()
    assert [text[a:b] for a, b in highlight_spans(text, bare)] == [
        "REFUNDED",
        "refunds",
        "Refund",
        "refundable",
    ]
    assert [text[a:b] for a, b in highlight_spans(text, parse('"refund"').highlights())] == ["Refund"]
    assert [text[a:b] for a, b in highlight_spans(text, parse("pay").highlights())] == []  # not "payments"
    assert [text[a:b] for a, b in highlight_spans(text, parse("pay*").highlights())] == ["payments"]
    found = found_in(text, parse('refunds OR "are slow" OR manager').highlights())
    assert [(f.wanted, [text[a:b] for a, b in f.spans]) for f in found] == [
        (QueryText("refunds", forms=True), ["REFUNDED", "refunds", "Refund", "refundable"]),
        (QueryText("are slow"), ["are slow"]),
    ]

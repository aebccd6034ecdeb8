"""The search language and its terms, without a database: parsing, refusals, compiling, marking."""

from __future__ import annotations

import pytest

from store.search_query import QuerySyntaxError, parse, to_fts5, to_tsquery
from store.search_text import STEM, QueryText, highlight_spans, index_terms, query_terms


def test_chinese_runs_become_bigrams_and_their_last_character() -> None:
    assert index_terms("我要退款了，ＯＫ? iPhone退货 [CARD]") == [
        "我要", "要退", "退款", "款了", "了", "ok", "iphone", "退货", "货"
    ]  # fmt: skip
    assert query_terms("退款").terms == ("退款",)
    assert query_terms("款了").terms == ("款了",)
    single = query_terms("了")
    assert single.terms == ("了",) and single.prefix  # inside a bigram, or the run's last character
    assert query_terms("退款iphone").terms == ("退款", "款", "iphone")  # as the index has it before a word
    assert query_terms("don't").terms == ("don", "t")
    assert query_terms("?!").terms == ()


def test_every_substring_of_a_chinese_run_is_found_as_consecutive_terms() -> None:
    indexed = index_terms("我想取消订单然后退款")
    for start in range(10):
        for end in range(start + 2, 11):
            wanted = query_terms("我想取消订单然后退款"[start:end]).terms
            assert any(indexed[i : i + len(wanted)] == list(wanted) for i in range(len(indexed))), (
                "我想取消订单然后退款"[start:end]
            )


@pytest.mark.parametrize(
    ("query", "fts5", "tsquery"),
    [  # `~` stands for STEM: a bare word is its stem term, a phrase each word and its stem term
        ("Refund", '"~refund"', "('~refund')"),
        ("refund cancel", '("~refund" AND "~cancel")', "(('~refund') & ('~cancel'))"),
        (
            '"cancel my account"',
            '"cancel ~cancel my ~my account ~account"',
            "('cancel' <-> '~cancel' <-> 'my' <-> '~my' <-> 'account' <-> '~account')",
        ),
        ("refund* OR credit", '("refund" * OR "~credit")', "(('refund':*) | ('~credit'))"),
        ("refund NOT manager", '(("~refund") NOT "~manag")', "(('~refund') & !('~manag'))"),
        ("refund -manager", '(("~refund") NOT "~manag")', "(('~refund') & !('~manag'))"),
        ("(refund OR 退款) -manager", '((("~refund" OR "退款")) NOT "~manag")', None),
        ("refund NEAR/1 cancel", 'NEAR("~refund" "~cancel", 3)', None),  # 1 word between: 3 terms
        ("退款 NEAR/1 取消", 'NEAR("退款" "取消", 1)', None),  # Chinese: characters
        ("了", '"了" *', "('了':*)"),
    ],
)
def test_queries_compile_for_both_databases(query: str, fts5: str, tsquery: str | None) -> None:
    parsed = parse(query)
    assert to_fts5(parsed).replace(STEM, "~") == fts5
    if tsquery is not None:
        assert to_tsquery(parsed).replace(STEM, "~") == tsquery


def test_near_becomes_every_distance_either_way_in_postgresql() -> None:
    compiled = to_tsquery(parse("退款 NEAR/1 取消"))
    assert compiled == (
        "(('退款') <1> ('取消') | ('退款') <2> ('取消') | ('取消') <1> ('退款') | ('取消') <2> ('退款'))"
    )
    assert to_tsquery(parse("退款 NEAR 取消")).count("<") == 22  # default 10: 0..10 characters between
    assert to_tsquery(parse("refund NEAR cancel")).count("<") == 44  # 0..21 terms: 10 words of two


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("NOT manager", "not only NOT"),
        ("-manager", "not only NOT"),
        ("refund OR", "need a word"),
        ("refund NEAR", "on each side"),
        ("NEAR refund", "on each side"),
        ("(refund", "not closed"),
        ("refund)", "unexpected"),
        ('"refund', "not closed"),
        ("(a OR b) NEAR c", "not groups"),
        ("a NEAR b NEAR c", "two words or phrases"),
        ("a NEAR/51 b", "0 to 50"),
        ("?", "no letters or digits"),
        ("refund NOT", "followed by"),
        (" ".join(f"w{n}" for n in range(33)), "at most 32"),
    ],
)
def test_unreadable_queries_are_refused_with_the_reason(query: str, reason: str) -> None:
    with pytest.raises(QuerySyntaxError, match=reason):
        parse(query)


def test_highlights_mark_what_was_found_not_what_was_excluded() -> None:
    text = "Customer: I want a REFUND, please. 我要退款了 ok, the manager said no"
    spans = highlight_spans(text, parse('"refund please" OR 退款 OR o* -manager').highlights())
    assert [text[a:b] for a, b in spans] == ["REFUND, please", "退款", "ok"]
    assert highlight_spans("refunded", [QueryText("refund")]) == []  # whole words only
    assert highlight_spans("card [CARD]", [QueryText("card")]) == [(0, 4)]  # not the mask
    assert highlight_spans("ＲＥＦＵＮＤ now", [QueryText("refund")]) == [(0, 6)]  # full-width letters

"""Search as people expect it, on SQLite (FTS5) and PostgreSQL (tsvector): English word forms with
exact phrases, Chinese unchanged, NEAR counting words, a relevance floor for meaning, why each hit
matched (API, CSV, page, CLI), calls indexed the old way made again, and the encoders warmed at
start."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import update

from api.cli_search import hits_table
from api.http.app import create_app
from runtime.services import Services
from runtime.settings import Settings
from services.search import SearchCriteria, meaning_languages, search_for
from services.search_index import retokenise_outdated
from store.search_text import index_terms
from store.tables import SearchCall, SearchTurn
from tests.support.api import token
from tests.support.schema import differences, downgrade, upgrade
from tests.support.search import calls_of, hits, scored_call
from tests.support.transcripts import segment
from tests.support.web import add_user, sign_in
from workers.schedule import JOBS


def forms_calls(services: Services) -> dict[str, str]:
    said = {
        "refunded": "They refunded my payment last week, thanks.",
        "refunds": "Two refunds are still missing from my account.",
        "refund": "I want a refund now please.",
        "other": "The engineer will call thirty minutes before arriving.",
    }
    ids = {
        name: scored_call(services, "A1", "north", day, [segment("customer", 1.0, 5.0, text)])
        for day, (name, text) in enumerate(said.items(), start=2)
    }
    ids["chinese"] = scored_call(
        services, "A2", "south", 9, [segment("customer", 1.0, 4.0, "我要退款了，请取消订单。")], language="zh"
    )
    return ids


def test_a_word_finds_its_forms_and_a_quoted_phrase_only_itself(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = forms_calls(services)
    boss = token(client, "supervisor")
    forms = [ids["refund"], ids["refunds"], ids["refunded"]]  # newest call first
    for query in ("refund", "Refunds", "REFUNDED", "refu*", "refund*"):
        assert calls_of(hits(client, boss, q=query)) == forms, query
    assert calls_of(hits(client, boss, q='"refund"')) == [ids["refund"]]
    assert calls_of(hits(client, boss, q='"refunded"')) == [ids["refunded"]]
    assert calls_of(hits(client, boss, q='"refunded my payment"')) == [ids["refunded"]]
    assert hits(client, boss, q='"refund my payment"') == []
    assert calls_of(hits(client, boss, q="refund -missing")) == [ids["refund"], ids["refunded"]]
    for query in ("退款", "款了", "了", '"请取消订单"', "退款 NEAR/3 取消"):
        assert calls_of(hits(client, boss, q=query)) == [ids["chinese"]], query
    assert hits(client, boss, q="退款 NEAR/2 取消") == []  # characters between: 款了, 了, 请取

    found = hits(client, boss, q="refund")
    assert [h["text"][m["start"] : m["end"]] for h in found for m in h["highlights"]] == [
        "refund", "refunds", "refunded"
    ]  # fmt: skip
    exact = hits(client, boss, q='"refunded my payment" OR 退款')
    assert [h["text"][m["start"] : m["end"]] for h in exact for m in h["highlights"]] == [
        "退款", "refunded my payment"
    ]  # fmt: skip


def test_near_counts_the_words_between_whatever_the_sides(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = forms_calls(services)  # "They refunded my payment last week, thanks."
    boss = token(client, "supervisor")
    cases = {  # query: fewest words between that it allows
        "refunded NEAR/{n} payment": 1,  # bare words
        "payments NEAR/{n} they": 2,  # either order
        'refund NEAR/{n} "last week"': 2,  # a word, then a phrase
        '"refunded my" NEAR/{n} week': 2,  # a phrase, then a word
        '"they refunded" NEAR/{n} "last week"': 2,  # two phrases
        'week NEAR/{n} "they refunded"': 3,
    }
    for query, between in cases.items():
        assert calls_of(hits(client, boss, q=query.format(n=between))) == [ids["refunded"]], query
        assert hits(client, boss, q=query.format(n=between - 1)) == [], query


def test_each_hit_says_why_it_matched(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = forms_calls(services)
    boss = token(client, "supervisor")
    found = {h["call_id"]: h for h in hits(client, boss, q="refund OR 退款 OR thank*")}
    refunded = found[ids["refunded"]]
    assert refunded["matched_by"] == "words" and refunded["similarity"] is None
    assert refunded["matched"] == [
        {"query": "refund", "said": ["refunded"]},
        {"query": "thank*", "said": ["thanks"]},
    ]
    assert refunded["why"] == "refunded ~ refund; thanks ~ thank*"
    assert found[ids["refund"]]["why"] == "refund"
    assert found[ids["chinese"]]["why"] == "退款"

    meant = hits(client, boss, q="the engineer will phone before coming", semantic="true")
    assert meant[0]["call_id"] == ids["other"] and meant[0]["matched_by"] == "meaning"
    assert (
        meant[0]["matched"] == [] and meant[0]["why"] == f"meaning: similarity {meant[0]['similarity']:.2f}"
    )

    exported = client.get("/search.csv", params={"q": "refund"}, headers=boss).text
    assert [row["matched"] for row in csv.DictReader(io.StringIO(exported))] == [
        "refund", "refunds ~ refund", "refunded ~ refund"
    ]  # fmt: skip

    add_user(client, "sam", "supervisor")
    sign_in(client, "sam")
    page = client.get("/ui/search", params={"q": "refund"})
    assert "matched: refunded ~ refund</small>" in page.text
    assert "<mark>refunded</mark>" in page.text

    terminal = Console(width=200, record=True)
    terminal.print(hits_table(search_for(services, None, SearchCriteria(q="refund"), 10).hits))
    assert "refunds ~ refund" in terminal.export_text()


def test_the_floor_leaves_out_turns_unrelated_in_meaning(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = forms_calls(services)
    boss = token(client, "supervisor")
    query = {"q": "the engineer will phone before coming", "semantic": "true"}
    assert services.settings.search_similarity_floor == 0.30  # the default, docs/search.md
    assert calls_of(hits(client, boss, **query)) == [ids["other"]]  # the refunds are about money

    services.settings.search_similarity_floor = -1.0  # no floor: every turn with a vector, ranked
    everything = hits(client, boss, **query)
    assert calls_of(everything)[0] == ids["other"] and len(everything) == 5  # the refunds, 退款 too
    assert all(h["similarity"] < 0.30 for h in everything[1:])


def test_calls_indexed_the_old_way_get_their_terms_made_again(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = forms_calls(services)
    boss = token(client, "supervisor")
    with services.search.sessions.begin() as session:  # as migration 0023 leaves an older index
        for turn in session.query(SearchTurn):
            turn.terms = " ".join(index_terms(turn.text))
            turn.redacted_terms = " ".join(index_terms(turn.redacted_text))
        session.execute(update(SearchCall).values(terms_version=1))
    assert hits(client, boss, q="refund") == []  # no stem terms yet
    assert len(services.search.outdated_calls(100)) == 5

    job = next(job for job in JOBS if job.name == "callqa.search_terms")
    assert job.interval(services.settings).total_seconds() == 60
    assert retokenise_outdated(services) == 5
    assert services.search.outdated_calls(100) == []
    assert calls_of(hits(client, boss, q="refund")) == [ids["refund"], ids["refunds"], ids["refunded"]]
    assert calls_of(hits(client, token(client, "trainer"), q='"refund now"')) == [ids["refund"]]
    assert calls_of(hits(client, boss, q="退款")) == [ids["chinese"]]
    assert retokenise_outdated(services) == 0


def test_migration_0023_leaves_calls_indexed_before_it_to_be_made_again(services: Services) -> None:
    ids = forms_calls(services)
    assert services.search.outdated_calls(100) == []
    downgrade(services.engine, "0022")
    upgrade(services.engine)
    assert sorted(services.search.outdated_calls(100)) == sorted(ids.values())
    assert differences(services.engine, "search_calls") == []


def test_the_api_warms_the_encoders_the_deployment_needs_at_start(sqlite_settings: Settings) -> None:
    assert meaning_languages(sqlite_settings) == {"en", "zh"}  # the language is detected: either
    queues = {"cn": {"language": "zh"}, "cn-default": {}}
    chinese = sqlite_settings.model_validate({"default_language": "zh", "queues": queues})
    assert meaning_languages(chinese) == {"zh"}
    warmed = sqlite_settings.model_copy(update={"default_language": "zh", "search_warm_encoders": True})
    with TestClient(create_app(warmed)) as started:
        warming = started.app.state.encoders_warming  # type: ignore[attr-defined]
        answered = started.get("/search", params={"q": "refund"}, headers=token(started, "supervisor"))
        assert answered.status_code == 200  # the API answers while the encoders load
        warming.join(timeout=120)
        assert not warming.is_alive()
    with TestClient(create_app(sqlite_settings)) as off:
        assert not hasattr(off.app.state, "encoders_warming")

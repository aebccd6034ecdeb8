"""Transcript search on SQLite (FTS5) and PostgreSQL (tsvector): words, phrases, NEAR, NOT,
Chinese, filters, speakers, redaction that cannot leak, paging, CSV, meaning, the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.cli import app
from runtime.services import Services
from runtime.settings import Settings, get_settings
from services.pipeline import analyse_stage
from services.search_index import index_stage
from store.tables import SearchTurn
from tests.support.api import token
from tests.support.search import calls_of, hits, scored_call, three_calls
from tests.support.transcripts import segment
from tests.support.web import add_user, sign_in


def test_words_phrases_near_not_chinese_speakers_and_filters(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = three_calls(services)
    english, chinese, refused = ids["english"], ids["chinese"], ids["refused"]
    boss = token(client, "supervisor")

    assert calls_of(hits(client, boss, q="refund")) == [refused, english]  # newest call first
    assert calls_of(hits(client, boss, q="REFUND", speaker="customer")) == [english]
    assert calls_of(hits(client, boss, q='"cancel my account"')) == [english]
    assert hits(client, boss, q='"cancel account"') == []
    assert calls_of(hits(client, boss, q="refund NEAR/4 cancel")) == [english]  # 4 words between
    assert hits(client, boss, q="refund NEAR/3 cancel") == []
    assert calls_of(hits(client, boss, q="refund -manager")) == [english]
    assert calls_of(hits(client, boss, q="refund NOT manager OR everything")) == [refused, english]
    assert calls_of(hits(client, boss, q="refu*")) == [refused, english]

    for query in ("退款", "款了", "了", "退款 NEAR/5 取消", '"请取消订单"'):
        assert calls_of(hits(client, boss, q=query)) == [chinese], query
    assert hits(client, boss, q="退款 NEAR/2 取消") == []
    chinese_hit = hits(client, boss, q="取消订单")[0]
    text = chinese_hit["text"]
    assert [text[h["start"] : h["end"]] for h in chinese_hit["highlights"]] == ["取消订单"]

    card = hits(client, boss, q="4111")[0]
    assert card["text"] == "Sure, one moment. My card is 4111 1111 1111 1111."
    assert card["start"] == 12.0 and card["at"] == 14.5  # the segment the number is said in
    assert card["text"][card["highlights"][0]["start"] :].startswith("4111")

    assert calls_of(hits(client, boss, q="refund", team="north", date_from="2026-11-03")) == [refused]
    assert calls_of(hits(client, boss, q="refund OR 退款", date_to="2026-11-03")) == [chinese, english]
    assert calls_of(hits(client, boss, q="refund OR 退款", language="zh")) == [chinese]
    assert calls_of(hits(client, boss, q="refund", agent_id="A1", status="scored")) == [english]
    assert hits(client, boss, q="refund", status="failed") == []
    assert hits(client, boss, q="refund", dead_air_min=3600) == []
    assert len(hits(client, boss, q="refund", dead_air_min=0, overtalk_min=0)) == 2
    stored, failing = services.results.analysis(english), services.results.analysis(refused)
    assert stored is not None and failing is not None
    score = stored.analysis.score
    near = {"score_min": (score.total or 0) - 0.5, "score_max": (score.total or 0) + 0.5}
    assert calls_of(hits(client, boss, q="refund", verdict=score.verdict, **near)) == [english]
    item = failing.analysis.score.failed_items[0].item_id
    by_item = calls_of(hits(client, boss, q="refund", failed_item=item))
    assert refused in by_item
    assert (english in by_item) == (item in {i.item_id for i in score.failed_items})
    mood = services.calls.get(english).customer_sentiment  # type: ignore[union-attr]
    assert english in calls_of(hits(client, boss, q="refund", sentiment=mood))
    escalated = stored.analysis.escalation is not None and stored.analysis.escalation.risk
    assert (english in calls_of(hits(client, boss, q="refund", escalation=escalated))) is True


def test_no_query_reveals_a_masked_value_to_trainers_and_agents(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = three_calls(services)
    trainer, own_agent = token(client, "trainer"), token(client, "agent", "A1")
    assert calls_of(hits(client, token(client, "inspector"), q="4111")) == [ids["english"]]
    for headers in (trainer, own_agent):
        for query in ("4111", '"4111 1111"', "1111", "411*"):
            assert hits(client, headers, q=query) == [], query
        masked = hits(client, headers, q='"my card is"')
        assert [h["text"] for h in masked] == ["Sure, one moment. My card is [CARD]."]
        assert client.get("/search", params={"q": "card"}, headers=headers).json()["redacted"] is True
        assert "4111" not in client.get("/search.csv", params={"q": "card"}, headers=headers).text
        nearest = hits(client, headers, q="my card number is 4111 1111 1111 1111", semantic="true")
        assert nearest and all("4111" not in hit["text"] for hit in nearest)
    assert hits(client, trainer, q="card") != []  # the word, not the [CARD] placeholders
    assert calls_of(hits(client, own_agent, q="refund")) == [ids["english"]]  # only their own calls
    assert calls_of(hits(client, own_agent, q="refund", agent_id="A3")) == [ids["english"]]
    assert hits(client, token(client, "agent", "A9"), q="refund OR 退款") == []


def test_paging_csv_refusals_and_meaning(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = three_calls(services)
    boss = token(client, "supervisor")
    first = client.get("/search", params={"q": "refund OR 退款", "limit": 2}, headers=boss).json()
    assert first["has_more"] is True and len(first["hits"]) == 2
    rest = client.get("/search", params={"q": "refund OR 退款", "limit": 2, "offset": 2}, headers=boss).json()
    assert rest["has_more"] is False and calls_of(rest["hits"]) == [ids["english"]]

    exported = client.get("/search.csv", params={"q": "refund OR 退款"}, headers=boss)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["call_id"] for r in rows] == [ids["refused"], ids["chinese"], ids["english"]]
    assert rows[1]["text"] == "我要退款了，请取消订单。" and rows[1]["speaker"] == "customer"

    bad = client.get("/search", params={"q": "refund NEAR"}, headers=boss)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "q"]
    assert "NEAR needs a word" in bad.json()["detail"]
    assert client.get("/search.csv", params={"q": "(refund"}, headers=boss).status_code == 422
    assert client.get("/search", params={"q": "refund", "colour": "red"}, headers=boss).status_code == 422
    assert client.get("/search", params={"q": "refund"}).status_code == 401

    meant = client.get(
        "/search", params={"q": "the customer wants to close the account", "semantic": "true"}, headers=boss
    ).json()
    assert meant["hits"][0]["call_id"] == ids["english"] and meant["hits"][0]["similarity"] > 0.4
    assert "refund because I need to cancel" in meant["hits"][0]["text"]
    chinese = client.get(
        "/search", params={"q": "客户要求退款", "semantic": "true", "language": "zh"}, headers=boss
    ).json()
    assert {h["call_id"] for h in chinese["hits"]} == {ids["chinese"]}


def test_indexing_is_idempotent_and_rescoring_replaces_the_rows(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = three_calls(services)
    with services.search.sessions() as session:
        before = session.query(SearchTurn).filter_by(call_id=ids["english"]).count()
    assert before == 5 - 1  # the customer's two segments 0.5 s apart are one turn
    assert index_stage(services, ids["english"]) and index_stage(services, ids["english"])
    assert analyse_stage(services, ids["english"], "generic-en")
    with services.search.sessions() as session:
        assert session.query(SearchTurn).filter_by(call_id=ids["english"]).count() == before
    assert services.search.unindexed_calls() == []
    services.search.remove_call(ids["chinese"])
    assert services.search.unindexed_calls() == [ids["chinese"]]
    assert hits(client, token(client, "admin"), q="退款") == []


def test_a_failed_indexing_leaves_the_call_scored_and_listed_as_unindexed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]

    def broken(*_: Any) -> None:
        raise RuntimeError("index table unavailable")

    monkeypatch.setattr(services.search, "replace_call", broken)
    call_id = scored_call(services, "A1", "north", 2, [segment("agent", 0.5, 3.0, "Hello, how can I help?")])
    call = services.calls.get(call_id)
    assert call is not None and call.status == "scored"
    assert services.search.unindexed_calls() == [call_id]
    monkeypatch.undo()
    assert index_stage(services, call_id) and services.search.unindexed_calls() == []


def test_the_cli_searches_and_reindexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path / "data", scorecard_dir=None, default_language=None, queues={})
    services = Services(settings)
    ids = three_calls(services)
    services.search.remove_call(ids["chinese"])
    services.close()
    for name in [k for k in os.environ if k.startswith("CALLQA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CALLQA_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()

    def callqa(*args: str) -> Result:
        return runner.invoke(app, ["search", *args], env={"COLUMNS": "200"})

    try:
        assert "indexed 1 calls" in callqa("reindex", "--missing").stdout
        table = callqa("refund NEAR cancel", "--speaker", "customer")
        assert table.exit_code == 0 and "I want a refund because" in table.stdout and "0:04" in table.stdout
        found = json.loads(callqa("退款", "--json").stdout)
        assert [(h["call_id"], h["external_id"], h["speaker"], h["start"], h["text"]) for h in found] == [
            (ids["chinese"], None, "customer", 4.0, "我要退款了，请取消订单。")
        ]
        exported = callqa("refund", "--csv", "--team", "north", "--from", "2026-11-03").stdout
        assert [r["call_id"] for r in csv.DictReader(io.StringIO(exported))] == [ids["refused"]]
        assert "[CARD]" in callqa('"my card"', "--redacted").stdout
        assert callqa("4111", "--redacted", "--json").stdout.strip() == "[]"
        refused = callqa("(refund")
        assert refused.exit_code == 2 and "'(' is not closed" in refused.stderr
    finally:
        get_settings.cache_clear()


def test_the_search_page_escapes_before_marking_and_follows_the_roles(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    said = "<b>refund</b> & <script>alert(1)</script> card 4111 1111 1111 1111"
    scored_call(services, "A1", "north", 2, [segment("customer", 1.0, 5.0, said)])
    for name, role, agent in (("sam", "supervisor", None), ("tara", "trainer", None), ("al", "agent", "A1")):
        add_user(client, name, role, agent)
    sign_in(client, "sam")
    page = client.get("/ui/search", params={"q": "refund OR 4111", "speaker": "customer"})
    assert page.status_code == 200
    assert "&lt;b&gt;<mark>refund</mark>&lt;/b&gt; &amp; &lt;script&gt;" in page.text
    assert "<script>alert" not in page.text and "<mark>4111</mark>" in page.text
    assert 'href="/ui/calls/' in page.text and "?t=1.0" in page.text
    refused = client.get("/ui/search", params={"q": "refund NEAR", "score_min": "x"})
    assert "NEAR needs a word" in refused.text and "score from: not a number" in refused.text
    client.cookies.clear()
    sign_in(client, "tara")
    masked = client.get("/ui/search", params={"q": "card"})
    assert "personal data masked" in masked.text and "[CARD]" in masked.text and "4111" not in masked.text
    assert "Nothing found." in client.get("/ui/search", params={"q": "4111"}).text
    client.cookies.clear()
    sign_in(client, "al")
    assert client.get("/ui/search", params={"q": "refund"}).status_code == 403

"""Search hits newest call first from the index's own order (store/search.py SLOT_BITS), on SQLite
and PostgreSQL: paging, calls started in the same millisecond or without a start, re-indexing,
both ways of reading a page (filter first or match first), a review that changes a verdict, and
migration 0020 renumbering an index built before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

import store.search
from runtime.services import Services
from services.pipeline import analyse_stage
from services.search_index import index_stage
from store.metadata import CallMetadata
from store.search import SearchFilter
from store.search_query import parse
from store.tables import SearchTurn
from tests.support.api import token
from tests.support.audio import wav_bytes
from tests.support.schema import differences, downgrade, upgrade
from tests.support.search import calls_of, hits, three_calls
from tests.support.transcripts import segment, transcript

DAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


def call_saying(services: Services, n: int, started: datetime | None, agent: str = "A1") -> str:
    """A scored call whose two customer turns say "refund" (`n` makes the audio, and the call, unique)."""
    metadata = CallMetadata(agent_id=agent, team="north", queue="billing", started_at=started)
    call = services.calls.ingest_chunks([wav_bytes(200.0 + n)], f"{n}.wav", metadata).call
    said = [
        segment("customer", 0.5, 3.0, f"I want a refund for order {n}."),
        segment("agent", 4.0, 6.0, "Let me check that for you."),
        segment("customer", 7.0, 9.0, "The refund, please, today."),
    ]
    services.results.save_transcript(call.id, "test", transcript(said))
    assert analyse_stage(services, call.id)
    return call.id


def found(services: Services, filters: SearchFilter, limit: int, offset: int = 0) -> list[tuple[str, int]]:
    turns = services.search.find_words(parse("refund"), filters, False, limit, offset)
    positions = {}
    with services.search.sessions() as session:
        for row in session.query(SearchTurn.id, SearchTurn.position).filter(
            SearchTurn.id.in_([t.id for t in turns])
        ):
            positions[row.id] = row.position
    return [(t.call_id, positions[t.id]) for t in turns]


def test_pages_are_newest_call_first_stable_and_complete(services: Services) -> None:
    """Twelve calls, two of them in the same millisecond, one re-indexed, one without a start:
    pages of 5 join into every hit once, newest call first and then in the order said."""
    starts: list[datetime | None] = [DAY + timedelta(hours=n) for n in range(10)]
    starts += [DAY + timedelta(hours=4), None]  # the same start as call 4; no start at all
    ids = [call_saying(services, n, started) for n, started in enumerate(starts)]
    assert index_stage(services, ids[4])  # indexed again: still one copy, still in its place

    everything = found(services, SearchFilter(), 100)
    paged = [hit for offset in range(0, 30, 5) for hit in found(services, SearchFilter(), 5, offset)]
    assert paged == everything and len(everything) == 2 * len(ids)
    order = [call for call, _ in everything[::2]]
    assert order[-1] == ids[11]  # no start: last
    assert {order[5], order[6]} == {ids[4], ids[10]}  # the same millisecond: side by side
    assert [ids.index(c) for c in order[:5] + order[7:11]] == [9, 8, 7, 6, 5, 3, 2, 1, 0]
    assert [position for _, position in everything] == [0, 2] * len(ids)
    scanned = {turn for chunk in services.search.vectors(SearchFilter()) for turn in chunk.ids}
    with services.search.sessions() as session:
        undated = set(session.scalars(session.query(SearchTurn.id).filter_by(call_id=ids[11]).statement))
    assert undated and undated <= scanned  # meaning search reads the negative ids too


def test_calls_and_filters_beyond_the_ids_years_still_work(services: Services) -> None:
    """Ids hold a start to the millisecond until 2248; a later one (a clock gone wrong, a typo)
    is still indexed and found, and a filter reaching to the year 9999 is answered, not a 500."""
    far = call_saying(services, 1, datetime(3000, 1, 1, tzinfo=UTC))
    near = call_saying(services, 2, DAY)
    to_the_end = SearchFilter(started_to=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert [call for call, _ in found(services, to_the_end, 10)[::2]] == [far, near]
    later = SearchFilter(started_from=datetime(2900, 1, 1, tzinfo=UTC))
    assert {call for call, _ in found(services, later, 10)} == {far}


@pytest.mark.parametrize("filter_first_turns", [0, 1_000_000])
def test_filter_first_and_match_first_find_the_same_page(
    services: Services, monkeypatch: pytest.MonkeyPatch, filter_first_turns: int
) -> None:
    """Whichever way the page is read (an agent's turns first, below the threshold, or the matches
    newest first), the hits are the same: the filters apply and the order is the index's."""
    monkeypatch.setattr(store.search, "FILTER_FIRST_TURNS", filter_first_turns)
    ids = [call_saying(services, n, DAY + timedelta(hours=n), agent=f"A{n % 3}") for n in range(9)]
    agent_one = found(services, SearchFilter(agent_id="A1"), 4)
    assert [call for call, _ in agent_one] == [ids[7], ids[7], ids[4], ids[4]]
    later = found(services, SearchFilter(agent_id="A1", started_from=DAY + timedelta(hours=2)), 10, offset=2)
    assert [call for call, _ in later] == [ids[4], ids[4]]
    assert found(services, SearchFilter(agent_id="A1", speaker="agent"), 10) == []
    assert found(services, SearchFilter(team="north", started_to=DAY + timedelta(hours=1)), 10) == [
        (ids[0], 0),
        (ids[0], 2),
    ]


def test_a_review_that_changes_the_verdict_changes_what_the_verdict_filter_finds(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    ids = three_calls(services)
    boss = token(client, "supervisor")
    failing = services.calls.get(ids["refused"])
    assert failing is not None and failing.verdict == "fail"
    assert ids["refused"] in calls_of(hits(client, boss, q="refund", verdict="fail"))

    review = client.get(f"/calls/{ids['refused']}/review", headers=boss).json()
    inspector = token(client, "inspector")
    for item in review["final"]["items"]:
        if item["status"] == "fail":
            path = f"/calls/{ids['refused']}/review/items/{item['item_id']}"
            assert client.put(path, json={"status": "pass"}, headers=inspector).status_code == 200
    assert client.get(f"/calls/{ids['refused']}", headers=boss).json()["final_verdict"] == "pass"

    assert ids["refused"] not in calls_of(hits(client, boss, q="refund", verdict="fail"))
    assert calls_of(hits(client, boss, q="refund", verdict="pass"))[0] == ids["refused"]  # the newest call


def test_migration_0020_renumbers_an_index_built_before_it(services: Services) -> None:
    """Down to 0019 (ids 1, 2, 3 ... as they were) and up again: every turn found, in call order,
    and the table as migrated is the table the code declares."""
    ids = [call_saying(services, n, DAY + timedelta(hours=(n + 1) % 3)) for n in range(3)]
    before = found(services, SearchFilter(), 10)
    downgrade(services.engine, "0019")
    with services.search.sessions() as session:
        assert sorted(session.scalars(session.query(SearchTurn.id).statement)) == list(range(1, 10))
    upgrade(services.engine)
    assert found(services, SearchFilter(), 10) == before
    assert [call for call, _ in before[::2]] == [ids[1], ids[0], ids[2]]

    # the GIN indexes of the terms are migration 0012's alone (PostgreSQL only)
    assert [d for d in differences(services.engine, "search_turns") if "_terms'" not in repr(d)] == []

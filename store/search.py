"""The transcript search index: writing a call's turns, and finding turns by words or by vectors.

Words go through SQLite FTS5 in the embedded default and PostgreSQL full-text (a GIN-indexed
`tsvector`) when scaled out, over the same terms (store/search_text.py) and the same query
(store/search_query.py), so both answer alike. Filters are plain SQL on the call row and on the
facts the index stage stored beside the turns (`search_calls`, `search_failed_items`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    cast,
    column,
    delete,
    exists,
    func,
    literal,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session, sessionmaker

from store.search_query import SearchQuery, to_fts5, to_tsquery
from store.search_text import index_terms
from store.tables import Call, CallStatus, SearchCall, SearchFailedItem, SearchTurn, utcnow

_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])
_FTS = table("search_fts", column("rowid"))
VECTOR_CHUNK = 20_000
"""Vectors read per round trip in a semantic scan: 20,000 x 512 float16 is 20 MB of memory."""


@dataclass(frozen=True)
class IndexedTurn:
    """A turn as the index stage hands it over; `moments` as in `SearchTurn.moments`."""

    position: int
    speaker: str
    start: float
    end: float
    text: str
    redacted_text: str
    moments: list[tuple[float, int, int]]
    encoder: str | None = None
    vector: bytes | None = None


@dataclass(frozen=True)
class CallFacts:
    escalation: bool
    dead_air_s: float
    overtalk_s: float
    failed_items: tuple[str, ...]


@dataclass(frozen=True)
class SearchFilter:
    """What a search is narrowed to; None leaves a filter out. Score and verdict are the reviewed
    ones where an inspector decided, else the machine's (what the call page shows)."""

    started_from: datetime | None = None
    started_to: datetime | None = None
    agent_id: str | None = None
    team: str | None = None
    queue: str | None = None
    language: str | None = None
    score_min: float | None = None
    score_max: float | None = None
    verdict: str | None = None
    failed_item: str | None = None
    sentiment: str | None = None
    escalation: bool | None = None
    dead_air_min_s: float | None = None
    overtalk_min_s: float | None = None
    status: str | None = None
    speaker: str | None = None


@dataclass(frozen=True)
class FoundTurn:
    """A turn that matched, with its call's identity; `text` and `moments` are in the view asked for."""

    id: int
    call_id: str
    external_id: str | None
    agent_id: str | None
    started_at: datetime | None
    speaker: str
    start: float
    end: float
    text: str
    moments: list[tuple[float, int]]


@dataclass(frozen=True)
class VectorChunk:
    ids: list[int]
    encoders: list[str]
    vectors: list[bytes]


class SearchIndex:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def replace_call(self, call_id: str, turns: Sequence[IndexedTurn], facts: CallFacts) -> None:
        """The call's turns and facts, replacing whatever was indexed for it, in one transaction:
        a search never sees half a call, and indexing a call twice leaves one copy."""
        with self.sessions.begin() as session:
            _delete_call(session, call_id)
            session.add_all(
                SearchTurn(
                    call_id=call_id,
                    position=t.position,
                    speaker=t.speaker,
                    start=t.start,
                    end=t.end,
                    text=t.text,
                    redacted_text=t.redacted_text,
                    moments=[list(m) for m in t.moments],
                    terms=" ".join(index_terms(t.text)),
                    redacted_terms=" ".join(index_terms(t.redacted_text)),
                    encoder=t.encoder,
                    vector=t.vector,
                )
                for t in turns
            )
            session.add(
                SearchCall(
                    call_id=call_id,
                    escalation=facts.escalation,
                    dead_air_s=facts.dead_air_s,
                    overtalk_s=facts.overtalk_s,
                    indexed_at=utcnow(),
                )
            )
            session.add_all(
                SearchFailedItem(call_id=call_id, item_id=item) for item in set(facts.failed_items)
            )

    def remove_call(self, call_id: str) -> None:
        with self.sessions.begin() as session:
            _delete_call(session, call_id)

    def unindexed_calls(self) -> list[str]:
        """Scored calls with nothing in the index (scored before it existed, or while it failed)."""
        query = (
            select(Call.id)
            .where(Call.status == CallStatus.SCORED, ~exists().where(SearchCall.call_id == Call.id))
            .order_by(Call.created_at)
        )
        with self.sessions() as session:
            return list(session.scalars(query).all())

    def scored_calls(self) -> list[str]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Call.id).where(Call.status == CallStatus.SCORED).order_by(Call.created_at)
                )
            )

    def find_words(
        self, query: SearchQuery, filters: SearchFilter, redacted: bool, limit: int, offset: int
    ) -> list[FoundTurn]:
        """Turns matching `query`, newest call first, then in the order they were said."""
        with self.sessions() as session:
            postgres = session.get_bind().dialect.name == "postgresql"
            statement = _filtered(_found_columns(redacted), filters)
            if postgres:
                terms = SearchTurn.redacted_terms if redacted else SearchTurn.terms
                statement = statement.where(terms.op("@@")(cast(literal(to_tsquery(query)), TSQUERY)))
            else:
                column_name = "redacted_terms" if redacted else "terms"
                matching = select(_FTS.c.rowid).where(_fts_match(f"{{{column_name}}} : ({to_fts5(query)})"))
                statement = statement.where(SearchTurn.id.in_(matching))
            statement = statement.order_by(
                Call.started_at.desc().nulls_last(), SearchTurn.call_id, SearchTurn.position
            )
            rows = session.execute(statement.limit(limit).offset(offset)).all()
        return [_found(row) for row in rows]

    def vectors(self, filters: SearchFilter) -> Iterator[VectorChunk]:
        """Every embedded turn the filters allow, in chunks, for a semantic scan."""
        statement = _filtered(select(SearchTurn.id, SearchTurn.encoder, SearchTurn.vector), filters).where(
            SearchTurn.vector.is_not(None)
        )
        last = 0
        while True:
            with self.sessions() as session:
                rows = session.execute(
                    statement.where(SearchTurn.id > last).order_by(SearchTurn.id).limit(VECTOR_CHUNK)
                ).all()
            if not rows:
                return
            yield VectorChunk([r.id for r in rows], [r.encoder for r in rows], [r.vector for r in rows])
            last = rows[-1].id

    def turns(self, ids: Sequence[int], redacted: bool) -> list[FoundTurn]:
        """These turns, in the order of `ids` (a semantic ranking)."""
        with self.sessions() as session:
            rows = session.execute(
                _found_columns(redacted)
                .join(Call, Call.id == SearchTurn.call_id)
                .where(SearchTurn.id.in_(ids))
            ).all()
        found = {row.id: _found(row) for row in rows}
        return [found[i] for i in ids if i in found]


def _fts_match(expression: str) -> ColumnElement[bool]:
    """`search_fts MATCH :expression`, the FTS5 table's own name on the left as FTS5 wants it."""
    return column("search_fts", is_literal=True).op("MATCH")(literal(expression))


def _delete_call(session: Session, call_id: str) -> None:
    for model in (SearchTurn, SearchCall, SearchFailedItem):
        session.execute(delete(model).where(model.call_id == call_id))


def _found_columns(redacted: bool) -> Select[*tuple[Any, ...]]:
    return select(
        SearchTurn.id,
        SearchTurn.call_id,
        Call.external_id,
        Call.agent_id,
        Call.started_at,
        SearchTurn.speaker,
        SearchTurn.start,
        SearchTurn.end,
        (SearchTurn.redacted_text if redacted else SearchTurn.text).label("text"),
        SearchTurn.moments,
        literal(redacted).label("redacted"),
    )


def _found(row: object) -> FoundTurn:
    r = row._mapping  # type: ignore[attr-defined]
    column_of = 2 if r["redacted"] else 1
    return FoundTurn(
        id=r["id"],
        call_id=r["call_id"],
        external_id=r["external_id"],
        agent_id=r["agent_id"],
        started_at=r["started_at"],
        speaker=r["speaker"],
        start=r["start"],
        end=r["end"],
        text=r["text"],
        moments=[(float(m[0]), int(m[column_of])) for m in r["moments"]],
    )


def _filtered(statement: _S, f: SearchFilter) -> _S:
    statement = statement.select_from(SearchTurn).join(Call, Call.id == SearchTurn.call_id)
    statement = statement.join(SearchCall, SearchCall.call_id == SearchTurn.call_id)
    score = func.coalesce(Call.final_score, Call.score_total)
    verdict = func.coalesce(Call.final_verdict, Call.verdict)
    language = func.coalesce(Call.detected_language, Call.language)
    equal: tuple[tuple[SQLColumnExpression[Any], object], ...] = (
        (Call.agent_id, f.agent_id),
        (Call.team, f.team),
        (Call.queue, f.queue),
        (language, f.language),
        (verdict, f.verdict),
        (Call.customer_sentiment, f.sentiment),
        (SearchCall.escalation, f.escalation),
        (Call.status, f.status),
        (SearchTurn.speaker, f.speaker),
    )
    for expression, value in equal:
        if value is not None:
            statement = statement.where(expression == value)
    at_least: tuple[tuple[SQLColumnExpression[Any], object], ...] = (
        (Call.started_at, f.started_from),
        (score, f.score_min),
        (SearchCall.dead_air_s, f.dead_air_min_s),
        (SearchCall.overtalk_s, f.overtalk_min_s),
    )
    for expression, value in at_least:
        if value is not None:
            statement = statement.where(expression >= value)
    if f.started_to is not None:
        statement = statement.where(Call.started_at < f.started_to)
    if f.score_max is not None:
        statement = statement.where(score <= f.score_max)
    if f.failed_item is not None:
        statement = statement.where(
            exists().where(
                SearchFailedItem.call_id == SearchTurn.call_id, SearchFailedItem.item_id == f.failed_item
            )
        )
    return statement

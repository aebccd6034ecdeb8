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
    update,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import FromClause

from store.search_query import SearchQuery, to_fts5, to_tsquery
from store.search_text import TERMS_VERSION, stored_terms
from store.tables import (
    Call,
    CallStatus,
    SearchCall,
    SearchFailedItem,
    SearchNumber,
    SearchTurn,
    TranscriptRow,
    utcnow,
)

_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])
_FTS = table("search_fts", column("rowid"))
VECTOR_CHUNK = 20_000
"""Vectors read per round trip in a semantic scan: 20,000 x 512 float16 is 20 MB of memory."""
SLOT_BITS = 20
"""A turn's id is the millisecond its call started, shifted by these bits, plus a slot: id order
is newest call first, so both databases take hits in that order and stop at the page (FTS5
walks its rowids downwards; PostgreSQL sorts the ids its GIN index found). 2**20 turns can start
in one millisecond, and the ids last until the year 2248. A call without a start time takes
negative ids, after every dated call, as `NULLS LAST` put it."""
FILTER_FIRST_TURNS = 5_000
"""An agent filter that leaves at most this many turns (in the date range) is read first and
each turn checked against the query; more, and the matches are read newest first and checked
against the filters. Either way a page costs at most a few thousand row reads: a filter
keeping F of T turns fills a page after about 25 T / F matches, so above F = 5,000 of 1.2
million turns (100,000 calls) that is under 6,000."""
ID_RETRIES = 5
"""Two workers indexing calls that started in the same millisecond may pick the same slots; the
one that loses the race sees the other's ids on its next try."""


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
    phone_numbers: frozenset[str]
    """Said in the call, E.164 (scoring.pii.numbers_said)."""


@dataclass(frozen=True)
class IndexedCall:
    call_id: str
    turns: tuple[IndexedTurn, ...]
    facts: CallFacts


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
    hidden: frozenset[str] = frozenset()
    """Calls left out: those the reader scores blind in a calibration session (their results
    are not theirs to see until they submit)."""


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
        self.replace_calls([IndexedCall(call_id, tuple(turns), facts)])

    def replace_calls(self, calls: Sequence[IndexedCall]) -> None:
        """`replace_call` for many calls in one transaction (a bulk load writes thousands at once)."""
        for attempt in range(1, ID_RETRIES + 1):
            try:
                with self.sessions.begin() as session:
                    for call in calls:
                        _write_call(session, call)
                return
            except IntegrityError:
                if attempt == ID_RETRIES:
                    raise

    def remove_call(self, call_id: str) -> None:
        with self.sessions.begin() as session:
            _delete_call(session, call_id)
            _numbers_indexed(session, call_id, False)

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

    def outdated_calls(self, limit: int) -> list[str]:
        """Up to `limit` indexed calls whose terms an older TERMS_VERSION made."""
        query = select(SearchCall.call_id).where(SearchCall.terms_version < TERMS_VERSION).limit(limit)
        with self.sessions() as session:
            return list(session.scalars(query))

    def retokenise(self, call_ids: Sequence[str]) -> None:
        """These calls' terms made again from their stored text and masked text, in one
        transaction (the vectors and facts stay: they do not depend on the terms). On SQLite
        the FTS5 table follows through its update trigger."""
        with self.sessions.begin() as session:
            rows = session.execute(
                select(SearchTurn.id, SearchTurn.text, SearchTurn.redacted_text).where(
                    SearchTurn.call_id.in_(call_ids)
                )
            ).all()
            if rows:  # by primary key, as one executemany
                session.execute(
                    update(SearchTurn),
                    [
                        {
                            "id": row.id,
                            "terms": " ".join(stored_terms(row.text)),
                            "redacted_terms": " ".join(stored_terms(row.redacted_text)),
                        }
                        for row in rows
                    ],
                )
            session.execute(
                update(SearchCall).where(SearchCall.call_id.in_(call_ids)).values(terms_version=TERMS_VERSION)
            )

    def find_words(
        self, query: SearchQuery, filters: SearchFilter, redacted: bool, limit: int, offset: int
    ) -> list[FoundTurn]:
        """Turns matching `query`, newest call first, then in the order they were said."""
        with self.sessions() as session:
            statement = _words(session, query, filters, redacted)
            rows = session.execute(statement.limit(limit).offset(offset)).all()
        return [_found(row) for row in rows]

    def vectors(self, filters: SearchFilter) -> Iterator[VectorChunk]:
        """Every embedded turn the filters allow, in chunks, for a semantic scan."""
        statement = _filtered(select(SearchTurn.id, SearchTurn.encoder, SearchTurn.vector), filters).where(
            SearchTurn.vector.is_not(None)
        )
        last = -(1 << 63)  # below every id: a call without a start has negative ones
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


def _words(
    session: Session, query: SearchQuery, filters: SearchFilter, redacted: bool
) -> Select[*tuple[Any, ...]]:
    """The hits in id order (newest call first), read the cheaper way round.

    The index answers the words, the speaker and the date range (an id range); the other filters
    are on the call. An agent with few turns (FILTER_FIRST_TURNS): their turns are read through
    the agent's index and kept if among the matches. Else the matches are taken newest first and
    each checked against the filters: the page fills after about limit / (share of turns the
    filters keep) matches and the database stops there, instead of joining and sorting every
    match of a common phrase (tens of thousands at 100,000 calls). SQLite's FTS5 walks its rowids
    downwards itself; PostgreSQL's GIN index finds the matches in no order, so their ids are
    sorted (cheap) before the joins, which stop at the page."""
    postgres = session.get_bind().dialect.name == "postgresql"
    matching = _pg_matches(query, filters, redacted) if postgres else _fts5_matches(query, filters, redacted)
    columns = _found_columns(redacted)
    narrowed = SearchFilter(filters.started_from, filters.started_to, agent_id=filters.agent_id)
    if filters.agent_id is not None and _turns_at_most(session, narrowed, FILTER_FIRST_TURNS):
        # Each of the agent's turns is checked, not looked up from the matches: expressions that
        # neither database can answer from an index (`id + 0`: SQLite probes the matches it
        # listed once; `terms || ''`: PostgreSQL checks the turn's own terms, which beats its
        # GIN index here, whose estimate for a phrase is far too low)
        if postgres:
            terms = SearchTurn.redacted_terms if redacted else SearchTurn.terms
            each = terms.op("||")(cast(literal(""), TSVECTOR)).op("@@")(_tsquery(query))
        else:
            each = (SearchTurn.id + 0).in_(matching)
        return _filtered(columns, filters).where(each).order_by(SearchTurn.id.desc())
    ordered = matching.order_by(matching.selected_columns.id.desc())
    if postgres:
        ordered = ordered.offset(0)  # kept a subquery: sorted first, then joined in that order
    newest_first = ordered.subquery()
    return _filtered(columns, filters, matches=newest_first).order_by(newest_first.c.id.desc())


def _fts5_matches(query: SearchQuery, filters: SearchFilter, redacted: bool) -> Select[int]:
    column_name = "redacted_terms" if redacted else "terms"
    expression = f"{{{column_name}}} : ({to_fts5(query)})"
    if filters.speaker is not None:  # indexed too (migration 0020): "what customers say" is FTS5's alone
        quoted = filters.speaker.replace('"', '""')
        expression += f' AND speaker : "{quoted}"'
    found = select(_FTS.c.rowid.label("id")).where(_fts_match(expression))
    return _in_time(found, _FTS.c.rowid, filters)


def _pg_matches(query: SearchQuery, filters: SearchFilter, redacted: bool) -> Select[int]:
    terms = SearchTurn.redacted_terms if redacted else SearchTurn.terms
    found = select(SearchTurn.id).where(terms.op("@@")(_tsquery(query)))
    if filters.speaker is not None:
        found = found.where(SearchTurn.speaker == filters.speaker)
    return _in_time(found, SearchTurn.id, filters)


def _tsquery(query: SearchQuery) -> ColumnElement[Any]:
    return cast(literal(to_tsquery(query)), TSQUERY)


def _turns_at_most(session: Session, filters: SearchFilter, bound: int) -> bool:
    """Whether the filters leave at most `bound` turns, counting no further than that."""
    some = _filtered(select(SearchTurn.id), filters).limit(bound + 1).subquery()
    return (session.scalar(select(func.count()).select_from(some)) or 0) <= bound


def _fts_match(expression: str) -> ColumnElement[bool]:
    """`search_fts MATCH :expression`, the FTS5 table's own name on the left as FTS5 wants it."""
    return column("search_fts", is_literal=True).op("MATCH")(literal(expression))


def _write_call(session: Session, call: IndexedCall) -> None:
    _delete_call(session, call.call_id)
    first = _first_id(session, call.call_id, len(call.turns))
    last = first + len(call.turns) - 1
    in_order = sorted(call.turns, key=lambda t: t.position)
    session.add_all(
        SearchTurn(
            id=last - rank,  # the call's first turn has its highest id: newest first, then as said
            call_id=call.call_id,
            position=t.position,
            speaker=t.speaker,
            start=t.start,
            end=t.end,
            text=t.text,
            redacted_text=t.redacted_text,
            moments=[list(m) for m in t.moments],
            terms=" ".join(stored_terms(t.text)),
            redacted_terms=" ".join(stored_terms(t.redacted_text)),
            encoder=t.encoder,
            vector=t.vector,
        )
        for rank, t in enumerate(in_order)
    )
    session.add(
        SearchCall(
            call_id=call.call_id,
            escalation=call.facts.escalation,
            dead_air_s=call.facts.dead_air_s,
            overtalk_s=call.facts.overtalk_s,
            indexed_at=utcnow(),
            terms_version=TERMS_VERSION,
        )
    )
    session.add_all(SearchNumber(call_id=call.call_id, number=n) for n in call.facts.phone_numbers)
    _numbers_indexed(session, call.call_id, True)
    session.add_all(
        SearchFailedItem(call_id=call.call_id, item_id=item) for item in set(call.facts.failed_items)
    )


def _first_id(session: Session, call_id: str, count: int) -> int:
    """The lowest of `count` free consecutive ids in the call's place in time (SLOT_BITS); a call
    indexed later than another that started in the same millisecond is read before it."""
    started = session.scalar(select(Call.started_at).where(Call.id == call_id))
    if started is None:
        lowest = session.scalar(select(func.min(SearchTurn.id)))
        return min(lowest or 0, 0) - count
    block = _first_of(started)
    end = block + (1 << SLOT_BITS)
    taken = session.scalar(select(func.max(SearchTurn.id)).where(SearchTurn.id >= block, SearchTurn.id < end))
    first = block if taken is None else taken + 1
    if first + count > end:
        raise ValueError(f"call {call_id}: over {1 << SLOT_BITS} turns start in its millisecond")
    return first


LAST_MS = (1 << (63 - SLOT_BITS)) - 2
"""The last millisecond with ids of its own (in the year 2248): the ids are 64-bit integers. A
later start shares it; the order among such calls is then by indexing, and filters stay exact."""


def _first_of(moment: datetime) -> int:
    """The lowest id of a call that started at `moment` (to the millisecond; before 1970 is 1970)."""
    return min(max(int(moment.timestamp() * 1000), 0), LAST_MS) << SLOT_BITS


def _in_time(statement: _S, ids: SQLColumnExpression[int], f: SearchFilter) -> _S:
    """The date filters as an id range, which each database's index seeks to; it holds every call
    of the range (and those of its last millisecond), and the filter on the call's start stays."""
    if f.started_from is not None:
        statement = statement.where(ids >= _first_of(f.started_from))
    if f.started_to is not None:
        statement = statement.where(ids < _first_of(f.started_to) + (1 << SLOT_BITS))
    return statement


def _delete_call(session: Session, call_id: str) -> None:
    for model in (SearchTurn, SearchCall, SearchFailedItem, SearchNumber):
        session.execute(delete(model).where(model.call_id == call_id))


def _numbers_indexed(session: Session, call_id: str, indexed: bool) -> None:
    """Whether `search_numbers` holds the numbers of the call's transcript (TranscriptRow)."""
    session.execute(
        update(TranscriptRow).where(TranscriptRow.call_id == call_id).values(numbers_indexed=indexed)
    )


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


def _filtered(statement: _S, f: SearchFilter, matches: FromClause | None = None) -> _S:
    """`statement` over the turns the filters keep; from `matches` (ids in order) first, when given."""
    if matches is None:
        statement = statement.select_from(SearchTurn)
    else:
        statement = statement.select_from(matches).join(SearchTurn, SearchTurn.id == matches.c.id)
    statement = statement.join(Call, Call.id == SearchTurn.call_id)
    statement = statement.join(SearchCall, SearchCall.call_id == SearchTurn.call_id)
    statement = _in_time(statement, SearchTurn.id, f)
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
    if f.hidden:
        statement = statement.where(SearchTurn.call_id.not_in(f.hidden))
    return statement

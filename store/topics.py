"""Complaint topics as stored: runs, topics with ids that outlive runs, and the complaint turns
assigned to them, so that trends per day and per queue and a topic's calls are queries.

What is clustered is read here in one shape (`CallMaterial`): each call's current analysis (for
its sentiment turns and cues) and its customer turns from the search index with their stored
vectors, so nothing is embedded twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.tables import (
    AnalysisRow,
    Call,
    CallStatus,
    ComplaintTopicRow,
    SearchTurn,
    TopicAssignment,
    TopicRunRow,
)

CHUNK = 500
"""Calls read per round trip: their analyses are JSON documents of tens of kilobytes each."""
_when = func.coalesce(Call.started_at, Call.created_at)
"""When a call took place (its upload time where the recorder gave none), as reports count it."""


@dataclass(frozen=True)
class CustomerTurn:
    position: int
    start: float
    end: float
    redacted_text: str
    encoder: str
    vector: bytes
    """float16, as the search index stored it."""


@dataclass(frozen=True)
class CallMaterial:
    call_id: str
    language: str | None
    analysis: dict[str, Any]
    turns: tuple[CustomerTurn, ...]
    """The customer turns the search index holds a vector for."""


@dataclass(frozen=True)
class NewTopic:
    """A topic found by a run: `renews` the id of the earlier topic it continues, or None."""

    renews: int | None
    language: str
    encoder: str
    name: str
    phrases: list[str]
    centroid: bytes


@dataclass(frozen=True)
class NewAssignment:
    """`topic`: an index into the run's `NewTopic` list when saving a run, else a topic id."""

    call_id: str
    position: int
    start: float
    end: float
    topic: int
    similarity: float
    reasons: list[str]


@dataclass(frozen=True)
class Mention:
    """A call that has at least one complaint turn in a topic."""

    topic_id: int
    call_id: str
    started_at: datetime
    queue: str | None


@dataclass(frozen=True)
class TopicCall:
    """A complaint of a topic: the call and its first complaint turn in it, in both views."""

    call_id: str
    external_id: str | None
    agent_id: str | None
    queue: str | None
    started_at: datetime
    start: float
    end: float
    text: str
    redacted_text: str
    similarity: float
    reasons: list[str]


class TopicRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def latest_run(self) -> TopicRunRow | None:
        with self.sessions() as session:
            return session.scalars(select(TopicRunRow).order_by(TopicRunRow.id.desc()).limit(1)).first()

    def calls_between(self, since: datetime, until: datetime) -> list[str]:
        """Scored calls that took place in [since, until)."""
        query = select(Call.id).where(Call.status == CallStatus.SCORED, _when >= since, _when < until)
        with self.sessions() as session:
            return list(session.scalars(query.order_by(_when, Call.id)).all())

    def last_scored_at(self) -> datetime | None:
        """When the newest current analysis was made: a run has considered every call scored by then."""
        with self.sessions() as session:
            newest = select(func.max(AnalysisRow.created_at)).where(AnalysisRow.current.is_(True))
            return session.scalar(newest)

    def scored_count(self, since: datetime, until: datetime, queue: str | None = None) -> int:
        """Scored calls that took place in [since, until) (in `queue` when given)."""
        query = select(func.count()).where(Call.status == CallStatus.SCORED, _when >= since, _when < until)
        if queue is not None:
            query = query.where(Call.queue == queue)
        with self.sessions() as session:
            return session.scalar(query) or 0

    def calls_scored_after(self, when: datetime) -> list[tuple[str, datetime]]:
        """Scored calls whose current analysis is newer than `when` (new, or scored again), with
        that analysis's time, oldest first."""
        query = (
            select(Call.id, AnalysisRow.created_at)
            .join(AnalysisRow, (AnalysisRow.call_id == Call.id) & AnalysisRow.current.is_(True))
            .where(Call.status == CallStatus.SCORED, AnalysisRow.created_at > when)
            .order_by(AnalysisRow.created_at, Call.id)
        )
        with self.sessions() as session:
            return [(row[0], row[1]) for row in session.execute(query).all()]

    def material(self, call_ids: Sequence[str]) -> Iterator[CallMaterial]:
        """Each call's current analysis and embedded customer turns, a chunk of calls at a time."""
        for first in range(0, len(call_ids), CHUNK):
            chunk = list(call_ids[first : first + CHUNK])
            with self.sessions() as session:
                calls = session.execute(
                    select(Call.id, func.coalesce(Call.detected_language, Call.language), AnalysisRow.data)
                    .join(AnalysisRow, (AnalysisRow.call_id == Call.id) & AnalysisRow.current.is_(True))
                    .where(Call.id.in_(chunk))
                ).all()
                turns = session.execute(
                    select(SearchTurn)
                    .where(
                        SearchTurn.call_id.in_(chunk),
                        SearchTurn.speaker == "customer",
                        SearchTurn.vector.is_not(None),
                    )
                    .order_by(SearchTurn.call_id, SearchTurn.position)
                ).scalars()
                by_call: dict[str, list[CustomerTurn]] = {}
                for t in turns:
                    assert t.encoder is not None and t.vector is not None  # selected so
                    by_call.setdefault(t.call_id, []).append(
                        CustomerTurn(t.position, t.start, t.end, t.redacted_text, t.encoder, t.vector)
                    )
            for call_id, language, analysis in calls:
                yield CallMaterial(call_id, language, analysis, tuple(by_call.get(call_id, ())))

    def topics(self, active_only: bool = False) -> list[ComplaintTopicRow]:
        query = select(ComplaintTopicRow).order_by(ComplaintTopicRow.id)
        if active_only:
            query = query.where(ComplaintTopicRow.active.is_(True))
        with self.sessions() as session:
            return list(session.scalars(query).all())

    def get(self, topic_id: int) -> ComplaintTopicRow | None:
        with self.sessions() as session:
            return session.get(ComplaintTopicRow, topic_id)

    def save_run(
        self,
        run: TopicRunRow,
        topics: Sequence[NewTopic],
        assignments: Sequence[NewAssignment],
        calls: Sequence[str],
    ) -> TopicRunRow:
        """A run's topics (renewing the ids they continue, retiring the active ones not found
        again) and its assignments, replacing those of `calls` (the run's window), in one
        transaction: a reader sees the topics before the run or after it, never half of each."""
        with self.sessions.begin() as session:
            session.add(run)
            session.flush()
            renewed = {t.renews for t in topics if t.renews is not None}
            session.execute(
                update(ComplaintTopicRow)
                .where(ComplaintTopicRow.active.is_(True), ComplaintTopicRow.id.not_in(renewed))
                .values(active=False)
            )
            ids = [_topic_row(session, topic, run.id).id for topic in topics]
            _replace(session, calls, [replace(a, topic=ids[a.topic]) for a in assignments])
        return run

    def assign(self, calls: Sequence[str], assignments: Sequence[NewAssignment], through: datetime) -> None:
        """New or re-scored calls given to existing topics, replacing what they had; the latest
        run then counts as assigned up to `through`."""
        with self.sessions.begin() as session:
            _replace(session, calls, assignments)
            latest = session.scalars(select(TopicRunRow).order_by(TopicRunRow.id.desc()).limit(1)).first()
            if latest is not None and through > latest.assigned_through:
                latest.assigned_through = through

    def mentions(self, since: datetime, until: datetime, queue: str | None = None) -> list[Mention]:
        """Per topic, the calls of [since, until) with a complaint in it (one row per call and topic)."""
        query = (
            select(TopicAssignment.topic_id, Call.id, _when, Call.queue)
            .join(Call, Call.id == TopicAssignment.call_id)
            .where(_when >= since, _when < until)
            .distinct()
        )
        if queue is not None:
            query = query.where(Call.queue == queue)
        with self.sessions() as session:
            return [Mention(*row) for row in session.execute(query).all()]

    def topic_calls(
        self, topic_id: int, since: datetime, until: datetime, queue: str | None, limit: int, offset: int
    ) -> list[TopicCall]:
        """The calls of [since, until) with a complaint in this topic, newest first, each at its
        first complaint turn in it."""
        first = (
            select(TopicAssignment.call_id, func.min(TopicAssignment.position).label("position"))
            .where(TopicAssignment.topic_id == topic_id)
            .group_by(TopicAssignment.call_id)
            .subquery()
        )
        query = (
            select(
                Call.id,
                Call.external_id,
                Call.agent_id,
                Call.queue,
                _when,
                TopicAssignment.start,
                TopicAssignment.end,
                func.coalesce(SearchTurn.text, ""),
                func.coalesce(SearchTurn.redacted_text, ""),
                TopicAssignment.similarity,
                TopicAssignment.reasons,
            )
            .join(first, first.c.call_id == Call.id)
            .join(
                TopicAssignment,
                (TopicAssignment.call_id == Call.id)
                & (TopicAssignment.position == first.c.position)
                & (TopicAssignment.topic_id == topic_id),
            )
            .outerjoin(
                SearchTurn, (SearchTurn.call_id == Call.id) & (SearchTurn.position == first.c.position)
            )
            .where(_when >= since, _when < until)
            .order_by(_when.desc(), Call.id)
            .limit(limit)
            .offset(offset)
        )
        if queue is not None:
            query = query.where(Call.queue == queue)
        with self.sessions() as session:
            return [TopicCall(*row) for row in session.execute(query).all()]


def _topic_row(session: Session, topic: NewTopic, run_id: int) -> ComplaintTopicRow:
    row = session.get(ComplaintTopicRow, topic.renews) if topic.renews is not None else None
    if row is None:
        row = ComplaintTopicRow(first_run_id=run_id)
        session.add(row)
    row.language, row.encoder, row.name = topic.language, topic.encoder, topic.name
    row.phrases, row.centroid, row.active, row.last_run_id = topic.phrases, topic.centroid, True, run_id
    session.flush()
    return row


def _replace(session: Session, calls: Sequence[str], assignments: Sequence[NewAssignment]) -> None:
    for first in range(0, len(calls), CHUNK):
        chunk = list(calls[first : first + CHUNK])
        session.execute(delete(TopicAssignment).where(TopicAssignment.call_id.in_(chunk)))
    session.add_all(
        TopicAssignment(
            call_id=a.call_id,
            position=a.position,
            start=a.start,
            end=a.end,
            topic_id=a.topic,
            similarity=a.similarity,
            reasons=a.reasons,
        )
        for a in assignments
    )

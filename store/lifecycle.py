"""A call's content over time: audio and transcripts deleted by policy, calls erased on request.

Deletion is ordered so that a crash in the middle is finished by running again: the file goes
first and the row records it after, so a rerun finds the row still unmarked and deletes (nothing)
again; an erased call's rows go in one transaction with the erasure's record, and a recording
left behind by a crash after it is an orphan that `orphan_audio` finds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.blobs import BlobStore
from store.tables import Call, Erasure, SearchNumber, TranscriptRow, utcnow

BATCH = 500


class Content(StrEnum):
    """What a retention policy deletes."""

    AUDIO = "audio"
    TRANSCRIPT = "transcript"


class Selector(StrEnum):
    """How an erasure request names the calls."""

    EXTERNAL_ID = "external_id"
    AGENT_ID = "agent_id"
    PHONE = "phone"


@dataclass(frozen=True)
class QueueScope:
    """The calls one policy covers: named queues, or every call of the queues *not* named (the
    default policy covers calls of unconfigured queues and calls without a queue)."""

    queues: tuple[str, ...]
    others: bool = False

    def where(self, statement: Select[str, str]) -> Select[str, str]:
        if self.others:
            return statement.where(or_(Call.queue.is_(None), Call.queue.not_in(self.queues)))
        return statement.where(Call.queue.in_(self.queues))


def digest(value: str) -> str:
    """What the erasure log keeps of the value it was asked for: enough to answer "was X erased?"
    by hashing X again, without keeping X."""
    return hashlib.sha256(value.encode()).hexdigest()


class LifecycleRepository:
    def __init__(self, sessions: sessionmaker[Session], blobs: BlobStore) -> None:
        self.sessions = sessions
        self.blobs = blobs

    # -- retention ------------------------------------------------------------------------------
    def due(self, content: Content, scope: QueueScope, older_than: datetime) -> Iterator[tuple[str, str]]:
        """(call id, audio key) of every call in `scope` that took place before `older_than` and
        still has `content`, read BATCH at a time in id order, so the caller may delete as it goes
        (or not, in a dry run) and each call comes once."""
        deleted_at = Call.audio_deleted_at if content == Content.AUDIO else Call.transcript_deleted_at
        statement = select(Call.id, Call.audio_key).where(
            deleted_at.is_(None), func.coalesce(Call.started_at, Call.created_at) < older_than
        )
        last = ""
        while True:
            with self.sessions() as session:
                page = list(
                    session.execute(
                        scope.where(statement.where(Call.id > last)).order_by(Call.id).limit(BATCH)
                    )
                )
            if not page:
                return
            yield from ((row.id, row.audio_key) for row in page)
            last = page[-1].id

    def delete_audio(self, call_id: str, audio_key: str) -> None:
        self.blobs.path(audio_key).unlink(missing_ok=True)
        with self.sessions.begin() as session:
            session.execute(update(Call).where(Call.id == call_id).values(audio_deleted_at=utcnow()))

    def delete_transcript(self, call_id: str) -> None:
        """The transcript row; the tables indexing its text are cleared by the caller (search)."""
        with self.sessions.begin() as session:
            session.execute(delete(TranscriptRow).where(TranscriptRow.call_id == call_id))
            session.execute(update(Call).where(Call.id == call_id).values(transcript_deleted_at=utcnow()))

    # -- erasure --------------------------------------------------------------------------------
    def calls_by(self, selector: Selector, value: str) -> list[str]:
        column = Call.external_id if selector == Selector.EXTERNAL_ID else Call.agent_id
        with self.sessions() as session:
            return list(session.scalars(select(Call.id).where(column == value).order_by(Call.created_at)))

    def calls_saying(self, number: str) -> list[str]:
        """Calls whose indexed transcript says `number` (E.164), from the search index."""
        with self.sessions() as session:
            return list(session.scalars(select(SearchNumber.call_id).where(SearchNumber.number == number)))

    def transcripts_not_indexed_for_numbers(self) -> Iterator[TranscriptRow]:
        """The stored transcripts whose phone numbers the search index does not hold (calls not
        scored yet, or indexed before it kept numbers), a batch at a time: these are read."""
        last = ""
        while True:
            with self.sessions() as session:
                rows = list(
                    session.scalars(
                        select(TranscriptRow)
                        .where(TranscriptRow.call_id > last, ~TranscriptRow.numbers_indexed)
                        .order_by(TranscriptRow.call_id)
                        .limit(BATCH)
                    )
                )
            if not rows:
                return
            yield from rows
            last = rows[-1].call_id

    def oldest_first(self, call_ids: Iterable[str]) -> list[str]:
        with self.sessions() as session:
            return list(
                session.scalars(select(Call.id).where(Call.id.in_(list(call_ids))).order_by(Call.created_at))
            )

    def erase(
        self, call_ids: Sequence[str], actor: str, selector: Selector, value: str, reason: str | None
    ) -> Erasure:
        """Delete the calls and everything hanging on them (the tables cascade), then their
        recordings; the erasure's record says which ids, never what they held."""
        with self.sessions.begin() as session:
            calls = list(session.scalars(select(Call).where(Call.id.in_(call_ids))))
            keys = [call.audio_key for call in calls if call.audio_deleted_at is None]
            for call in calls:
                session.delete(call)
            record = Erasure(
                requested_by=actor,
                selector=selector,
                selector_sha256=digest(value),
                call_ids=[call.id for call in calls],
                audio_files=len(keys),
                reason=reason,
            )
            session.add(record)
        for key in keys:
            self.blobs.path(key).unlink(missing_ok=True)
        return record

    def erasures(self) -> list[Erasure]:
        with self.sessions() as session:
            return list(session.scalars(select(Erasure).order_by(Erasure.id)))

    def orphan_audio(self, settled: timedelta = timedelta(hours=1)) -> list[Path]:
        """Recordings no call points at (left by a crash between an erasure's commit and its file
        deletes), older than `settled` so that an upload being registered is never taken for one."""
        with self.sessions() as session:
            known = set(session.scalars(select(Call.audio_key)))
        cutoff = (utcnow() - settled).timestamp()
        return [
            path
            for path in self.blobs.root.rglob("*")
            if path.is_file()
            and "incoming" not in path.relative_to(self.blobs.root).parts
            and path.relative_to(self.blobs.root).as_posix() not in known
            and path.stat().st_mtime < cutoff
        ]

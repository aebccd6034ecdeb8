"""The call repository: every read and write of a call's row, transcript and analysis.

A call is registered (audio stored, row written) before any processing, and every later step
is a status transition on that row, so nothing submitted is ever lost and every failure is
visible with its reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Select, Table, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.blobs import BlobStore, StoredBlob
from store.db import one_statement_each
from store.metadata import METADATA_FIELDS, CallMetadata, CallSource, Channel
from store.tables import (
    UNFINISHED_STATUSES,
    AnalysisRow,
    Call,
    CallEvent,
    CallStatus,
    SampleSelection,
    TranscriptRow,
    utcnow,
)

CALLS = cast(Table, Call.__table__)
"""The calls table for Core statements: an upload's insert skips the ORM's unit of work."""


@dataclass(frozen=True)
class IngestResult:
    call: Call
    created: bool


@dataclass(frozen=True)
class AudioCheck:
    """What the header check of a stored recording found, written with the call's row so that
    an upload is one insert: its format, or why the call cannot be worked on (`failure`), which
    makes it a visible `failed` call instead of a lost file."""

    audio_format: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    duration_s: float | None = None
    failure: str | None = None

    def columns(self) -> dict[str, Any]:
        if self.failure is not None:
            return {"status": CallStatus.FAILED, "failure_reason": self.failure[:4000]}
        return {
            "status": CallStatus.RECEIVED,
            "audio_format": self.audio_format,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
        }


AudioChecker = Callable[[Path, str], AudioCheck]
"""Checks the stored recording at a path, known to the user by a file name (store imports no
decoder: the caller brings one)."""


@dataclass(frozen=True)
class CallFilter:
    agent_id: str | None = None
    status: str | None = None
    verdict: str | None = None
    routing_queue: str | None = None
    customer_sentiment: str | None = None
    recovery: bool | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    limit: int = 100
    offset: int = 0
    hidden: frozenset[str] = frozenset()
    """Calls left out: those the reader scores blind in a calibration session (their results
    are not theirs to see until they submit)."""


def review_queue_query() -> Select[Call]:
    """Scored calls routed to review or selected by the sampling rules (store/sampling.py), in
    routing's order: the highest priority (riskiest) first, then the lowest score, then the
    longest waiting; the API and the web queue both list this."""
    sampled = select(SampleSelection.call_id)
    return (
        select(Call)
        .where(or_(Call.routing_queue == "review", Call.id.in_(sampled)), Call.status == CallStatus.SCORED)
        .order_by(Call.routing_priority.desc(), Call.score_total.asc(), Call.created_at, Call.id)
    )


class CallRepository:
    def __init__(self, sessions: sessionmaker[Session], blobs: BlobStore) -> None:
        self.sessions = sessions
        self.blobs = blobs

    # -- ingest ---------------------------------------------------------------------------------
    def ingest_file(
        self,
        source: Path,
        metadata: CallMetadata,
        max_bytes: int | None = None,
        check: AudioChecker | None = None,
    ) -> IngestResult:
        return self._register(self.blobs.put_file(source, max_bytes), source.name, metadata, check=check)

    def ingest_chunks(
        self,
        chunks: Iterable[bytes],
        filename: str,
        metadata: CallMetadata,
        max_bytes: int | None = None,
        check: AudioChecker | None = None,
    ) -> IngestResult:
        """`check`: run on the stored recording before the call's row is written, which then
        holds what it found (a re-upload is checked too, and then keeps its first row)."""
        return self._register(
            self.blobs.put_chunks(chunks, Path(filename).suffix, max_bytes), filename, metadata, check=check
        )

    def ingest_text(
        self, document: bytes, filename: str, metadata: CallMetadata, channel: Channel
    ) -> IngestResult:
        """A conversation given as text: its JSON is stored where a recording would be, so the
        same conversation twice is one call; the call is marked `source=text`."""
        blob = self.blobs.put_chunks([document], ".json")
        return self._register(blob, filename, metadata, CallSource.TEXT, channel)

    def _register(
        self,
        blob: StoredBlob,
        filename: str,
        metadata: CallMetadata,
        source: CallSource = CallSource.AUDIO,
        channel: Channel = Channel.VOICE,
        check: AudioChecker | None = None,
    ) -> IngestResult:
        """One insert: a recording already stored is found by its hash's unique constraint (a
        re-upload is rare; a lookup before every insert cost a round trip on every upload)."""
        found = check(self.blobs.path(blob.key), filename) if check is not None else AudioCheck()
        now = utcnow()
        fields: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "sha256": blob.sha256,
            "audio_key": blob.key,
            "filename": filename,
            "size_bytes": blob.size_bytes,
            "attempts": 0,
            "source": source,
            "channel": channel,
            "recovery": False,
            "created_at": now,
            "updated_at": now,
            **metadata.model_dump(),
            **found.columns(),
        }
        try:
            with one_statement_each(self.sessions) as session:
                session.execute(CALLS.insert(), fields)
        except IntegrityError:
            existing = self.by_sha256(blob.sha256)
            if existing is None:
                raise
            return IngestResult(existing, created=False)
        return IngestResult(Call(**fields), created=True)

    def audio_path(self, call: Call) -> Path:
        return self.blobs.path(call.audio_key)

    # -- reads ----------------------------------------------------------------------------------
    def get(self, call_id: str) -> Call | None:
        """None for an id no call can have: one with a NUL character, which PostgreSQL refuses
        to compare (a body naming such a call is a 404, as on SQLite, not a 500)."""
        if "\x00" in call_id:
            return None
        with self.sessions() as session:
            return session.get(Call, call_id)

    def by_sha256(self, sha256: str) -> Call | None:
        with self.sessions() as session:
            return session.scalars(select(Call).where(Call.sha256 == sha256)).first()

    def resolve(self, ref: str) -> Call:
        """A call id, a unique id prefix (6+ characters) or an external id."""
        with self.sessions() as session:
            call = session.get(Call, ref)
            if call is not None:
                return call
            wanted = Call.external_id == ref
            if len(ref) >= 6:
                wanted = or_(wanted, Call.id.startswith(ref))
            matches: Sequence[Call] = session.scalars(select(Call).where(wanted).limit(2)).all()
        if len(matches) == 1:
            return matches[0]
        raise LookupError(f"no call matches {ref!r}" if not matches else f"{ref!r} matches several calls")

    def search(self, filters: CallFilter) -> list[Call]:
        query = select(Call)
        for column, value in (
            (Call.agent_id, filters.agent_id),
            (Call.status, filters.status),
            (Call.verdict, filters.verdict),
            (Call.routing_queue, filters.routing_queue),
            (Call.customer_sentiment, filters.customer_sentiment),
            (Call.recovery, filters.recovery),
        ):
            if value is not None:
                query = query.where(column == value)
        if filters.started_from is not None:
            query = query.where(Call.started_at >= filters.started_from)
        if filters.started_to is not None:
            query = query.where(Call.started_at < filters.started_to)
        if filters.hidden:
            query = query.where(Call.id.not_in(filters.hidden))
        query = query.order_by(Call.created_at.desc(), Call.id).limit(filters.limit).offset(filters.offset)
        with self.sessions() as session:
            return list(session.scalars(query).all())

    def recovery_queue(self, limit: int = 100, hidden: frozenset[str] = frozenset()) -> list[Call]:
        """Customers to call back, newest first: the sooner after the call, the better the save rate
        (`hidden`: calls the reader scores blind in a calibration session, left out)."""
        query = (
            select(Call)
            .where(Call.recovery.is_(True), Call.status == CallStatus.SCORED, Call.id.not_in(hidden))
            .order_by(Call.started_at.desc().nulls_last(), Call.created_at.desc())
            .limit(limit)
        )
        with self.sessions() as session:
            return list(session.scalars(query).all())

    def counts_by_status(self, ids: Iterable[str]) -> dict[str, int]:
        id_list = list(ids)
        with self.sessions() as session:
            rows = session.execute(
                select(Call.status, func.count()).where(Call.id.in_(id_list)).group_by(Call.status)
            ).all()
        return {status: int(count) for status, count in rows}

    def unfinished(self) -> list[Call]:
        with self.sessions() as session:
            return list(session.scalars(select(Call).where(Call.status.in_(UNFINISHED_STATUSES))).all())

    def transcript(self, call_id: str) -> TranscriptRow | None:
        with self.sessions() as session:
            return session.get(TranscriptRow, call_id)

    def transcript_stamp(self, call_id: str) -> tuple[str, datetime] | None:
        """The transcript's ASR version and when it was saved, without reading the document:
        enough to tell whether a copy read earlier is still the stored one."""
        with self.sessions() as session:
            found = session.execute(
                select(TranscriptRow.asr_version, TranscriptRow.created_at).where(
                    TranscriptRow.call_id == call_id
                )
            ).first()
        return None if found is None else (found.asr_version, found.created_at)

    def analysis(self, call_id: str) -> AnalysisRow | None:
        with self.sessions() as session:
            return session.scalars(
                select(AnalysisRow)
                .where(AnalysisRow.call_id == call_id, AnalysisRow.current.is_(True))
                .order_by(AnalysisRow.id.desc())
            ).first()

    # -- transitions ----------------------------------------------------------------------------
    def start_stage(self, call_id: str, status: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(Call)
                .where(Call.id == call_id)
                .values(status=status, failure_reason=None, updated_at=utcnow())
            )

    def record_audio(
        self, call_id: str, audio_format: str, sample_rate: int, channels: int, duration_s: float
    ) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(Call)
                .where(Call.id == call_id)
                .values(
                    audio_format=audio_format,
                    sample_rate=sample_rate,
                    channels=channels,
                    duration_s=round(duration_s, 3),
                    updated_at=utcnow(),
                )
            )

    def fail(self, call_id: str, reason: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(Call)
                .where(Call.id == call_id)
                .values(status=CallStatus.FAILED, failure_reason=reason[:4000], updated_at=utcnow())
            )

    def begin_attempt(self, call_id: str) -> int:
        with self.sessions.begin() as session:
            call = session.get(Call, call_id, with_for_update=True)
            if call is None:
                raise LookupError(f"no call {call_id}")
            call.attempts += 1
            return call.attempts

    def reset_for_retry(self, call_id: str) -> Call:
        """Failed or stuck calls go back to `received`; what was already done is kept."""
        with self.sessions.begin() as session:
            call = session.get(Call, call_id)
            if call is None:
                raise LookupError(f"no call {call_id}")
            if call.status == CallStatus.SCORED:
                raise ValueError(f"call {call_id} is already scored; use rescore to score it again")
            call.status = CallStatus.RECEIVED
            call.failure_reason = None
            call.updated_at = utcnow()
            return call

    def save_transcript(self, call_id: str, asr_version: str, data: dict[str, Any], language: str) -> None:
        with self.sessions.begin() as session:
            row = session.get(TranscriptRow, call_id)
            if row is None:
                session.add(TranscriptRow(call_id=call_id, asr_version=asr_version, data=data))
            else:
                row.asr_version, row.data, row.created_at = asr_version, data, utcnow()
                row.numbers_indexed = False  # the index holds the numbers of the one replaced
            session.execute(
                update(Call)
                .where(Call.id == call_id)
                .values(detected_language=language, status=CallStatus.ANALYZING, updated_at=utcnow())
            )

    def save_analysis(
        self,
        call_id: str,
        scorecard_key: str,
        data: dict[str, Any],
        routing: dict[str, Any],
        summary: dict[str, Any],
    ) -> None:
        """`summary` fills the call's searchable columns: score_total, verdict, routing_*, recovery*.

        Review decisions belong to the analysis they were made on, so a new analysis (a re-score)
        starts unreviewed: the call's final score is cleared until an inspector decides again.
        """
        unreviewed = dict.fromkeys(
            (
                "failure_reason",
                "final_score",
                "final_verdict",
                "reviewed_at",
                "completed_at",
                "completed_by",
                "acknowledged_at",
            )
        )
        with self.sessions.begin() as session:
            session.execute(update(AnalysisRow).where(AnalysisRow.call_id == call_id).values(current=False))
            session.add(AnalysisRow(call_id=call_id, scorecard_key=scorecard_key, data=data, routing=routing))
            session.execute(
                update(Call)
                .where(Call.id == call_id)
                .values({**unreviewed, **summary, "status": CallStatus.SCORED, "updated_at": utcnow()})
            )

    # -- metadata corrections -------------------------------------------------------------------
    def update_metadata(self, call_id: str, metadata: CallMetadata, actor: str, comment: str | None) -> Call:
        """Set the fields `metadata` sets (explicitly, None included); the change is recorded as
        an event with the values before and after. Fields left out are kept."""
        changes = metadata.model_dump(mode="json", exclude_unset=True)
        with self.sessions.begin() as session:
            call = session.get(Call, call_id, with_for_update=True)
            if call is None:
                raise LookupError(f"no call {call_id}")
            stored = stored_metadata(call)
            changed = {name: value for name, value in changes.items() if stored[name] != value}
            if changed:
                for name, value in metadata.model_dump(exclude_unset=True).items():
                    if name in changed:
                        setattr(call, name, value)
                call.updated_at = utcnow()
                session.add(
                    CallEvent(
                        call_id=call_id,
                        actor=actor,
                        action="metadata_changed",
                        before={name: stored[name] for name in changed},
                        after=changed,
                        comment=comment,
                    )
                )
            return call

    def events(self, call_id: str) -> list[CallEvent]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.id)
                ).all()
            )


def stored_metadata(call: Call) -> dict[str, Any]:
    """The call's metadata as JSON values, the form in which submissions are compared with it."""
    values = {name: getattr(call, name) for name in METADATA_FIELDS}
    return CallMetadata.model_validate(values).model_dump(mode="json")


def metadata_differences(call: Call, metadata: CallMetadata) -> list[str]:
    """The fields a new submission of the same recording gives other values than the stored call
    (fields it leaves empty are not differences: most re-uploads just omit metadata)."""
    stored = stored_metadata(call)
    sent = metadata.model_dump(mode="json", exclude_none=True)
    return sorted(name for name, value in sent.items() if stored[name] != value)

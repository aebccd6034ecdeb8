"""The schema. Changed only through an Alembic migration in `store/migrations/versions`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Always timezone-aware UTC, also on SQLite, which stores datetimes without their zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        datetime: UtcDateTime(),
    }


class CallStatus(StrEnum):
    RECEIVED = "received"
    TRANSCRIBING = "transcribing"
    ANALYZING = "analyzing"
    SCORED = "scored"
    FAILED = "failed"


UNFINISHED_STATUSES = (CallStatus.RECEIVED, CallStatus.TRANSCRIBING, CallStatus.ANALYZING)


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    audio_key: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(Integer)
    audio_format: Mapped[str | None] = mapped_column(String(40))
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)

    agent_id: Mapped[str | None] = mapped_column(String(100), index=True)
    agent_name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(100))
    queue: Mapped[str | None] = mapped_column(String(100))
    direction: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime | None] = mapped_column(index=True)
    language: Mapped[str | None] = mapped_column(String(10))

    status: Mapped[str] = mapped_column(String(20), index=True, default=CallStatus.RECEIVED)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    detected_language: Mapped[str | None] = mapped_column(String(10))
    score_total: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str | None] = mapped_column(String(10), index=True)
    routing_queue: Mapped[str | None] = mapped_column(String(20), index=True)
    routing_priority: Mapped[float | None] = mapped_column(Float)
    routing_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    customer_sentiment: Mapped[str | None] = mapped_column(String(10), index=True)
    recovery: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    recovery_reasons: Mapped[list[str] | None] = mapped_column(JSON)

    final_score: Mapped[float | None] = mapped_column(Float)
    """The score after review (the inspector's decisions win); None until an item is reviewed."""
    final_verdict: Mapped[str | None] = mapped_column(String(10), index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    """When an inspector completed the review of the current analysis: it leaves the queue, and
    the agent's dispute window starts. None while a draft (or reopened)."""
    completed_by: Mapped[str | None] = mapped_column(String(300))
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    """When the call's agent acknowledged the completed evaluation."""

    source: Mapped[str] = mapped_column(String(10), default="audio", server_default="audio")
    """store.metadata.CallSource: `text` for a conversation imported as text (its JSON stored)."""
    channel: Mapped[str] = mapped_column(String(10), default="voice", server_default="voice")
    """store.metadata.Channel: `voice` or `chat`."""
    audio_deleted_at: Mapped[datetime | None] = mapped_column()
    """Set when the retention policy deleted the recording; the call's scores stay."""
    transcript_deleted_at: Mapped[datetime | None] = mapped_column()
    """Set when the retention policy deleted the transcript (and its search index)."""


class TranscriptRow(Base):
    """One transcript per call; `asr_version` says which engine settings produced it."""

    __tablename__ = "transcripts"
    __table_args__ = (
        Index(
            "ix_transcripts_numbers_unindexed",
            "call_id",
            sqlite_where=text("numbers_indexed = 0"),  # as each dialect writes `~numbers_indexed`
            postgresql_where=text("NOT numbers_indexed"),
        ),
    )

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    asr_version: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    numbers_indexed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The phone numbers said in this transcript are in `search_numbers` (set by the search index,
    cleared when the transcript is replaced or taken out of the index): an erasure by number reads
    only the transcripts where it is false, found through the partial index."""


class AnalysisRow(Base):
    """Findings, score and routing of a call against one scorecard version; history is kept."""

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    scorecard_key: Mapped[str] = mapped_column(String(200))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    routing: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """Only the sha256 of a token is stored: a leaked database does not leak credentials."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    agent_id: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class CallEvent(Base):
    """The history of a call's human changes (who, when, what before and after, why): kept for
    audits and disputes, never updated or deleted."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)


class WorkerHeartbeat(Base):
    """A `celery worker`'s sign of life, refreshed every few seconds (`workers/heartbeat.py`).

    It lives in the database, not in the broker, because the database is the one thing every
    host shares whatever the broker: the API's /health counts the fresh rows and so sees the
    workers of every host. A worker killed outright leaves its row behind; it goes stale.
    """

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    queues: Mapped[list[str]] = mapped_column(JSON)
    calls: Mapped[list[str]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column(index=True)


class ItemReview(Base):
    """An inspector's decision on one scorecard item of one analysis (pass, fail or N/A, with a
    comment). Rows are only added: the newest per item counts, the older ones are its history,
    and corrections for calibration are read from here with who decided and when."""

    __tablename__ = "item_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    machine_status: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in to the web workspace. Only an argon2 hash of the password is kept;
    a disabled user stays (their name is in audit events and claims) but cannot sign in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    agent_id: Mapped[str | None] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column()


class WebSession(Base):
    """A signed-in browser, held by a user or an API token. The cookie's random id is stored
    only as its sha256, so a leaked database does not let anyone take over a session."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SignInFailure(Base):
    """A failed sign-in, kept for the lockout's longest window (store/sign_in_failures.py). The
    name typed is kept only as its sha256 (people type passwords into the name field); `account`
    is null for a token sign-in, which names no account."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str | None] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(index=True)


class ReviewClaim(Base):
    """Who is reviewing a call in the review queue: one row per claimed call, deleted on release.
    `holder` is a user name or `token N`; every claim, assignment and release is also a
    `call_events` row, so the history lives in the audit log and this table is only the now."""

    __tablename__ = "review_claims"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), index=True)
    assigned_by: Mapped[str | None] = mapped_column(String(300))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Dispute(Base):
    """An agent's dispute of one item of one analysis, and the supervisor's decision on it.

    One per item per analysis (the unique constraint makes two agents' tabs racing each other
    end with one dispute): an open one waits, a decided one has settled the item; a re-score is
    a new analysis and may be disputed afresh. Every change is also a `call_events` row.
    `decided_status` is the item status the supervisor set by accepting (None when rejected)."""

    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("analysis_id", "item_id", name="uq_disputes_analysis_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    agent_id: Mapped[str] = mapped_column(String(100), index=True)
    opened_by: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(300))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_status: Mapped[str | None] = mapped_column(String(20))


class EvidenceMarkRow(Base):
    """An inspector's correction of the machine's reading of some words of a call: evidence that
    an item was done, a forbidden phrase it missed, a mis-heard word, a customer turn's mood.

    Tied to the analysis it was made on (its items are that card's), never changing the
    transcript or the analysis: calibration learns from these rows (store/evidence.py). `text`
    is what the inspector selected, as they saw it (`redacted`: with personal data masked).
    Adding and removing one are `call_events` rows; a removed mark is deleted here and kept in
    its event's `before`."""

    __tablename__ = "evidence_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"))
    item_id: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    speaker: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    redacted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    correction: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LibraryBookmark(Base):
    """A call a trainer saved into the library (store/library.py), at a moment of it or whole,
    with a note and free tags (`library_bookmark_tags`). `owner` is who saved it as the filter
    names them (a user name or `token N`); `created_by` and `updated_by` say who did what as the
    audit log does (`user alice (trainer)`). Erasing the call deletes its bookmarks (cascade)."""

    __tablename__ = "library_bookmarks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    start: Mapped[float | None] = mapped_column(Float)
    end: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), index=True)
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_by: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime | None] = mapped_column()


class LibraryBookmarkTag(Base):
    """One tag of a bookmark (normalised: trimmed, single spaces, lower case), a row each so that
    both databases filter and count by tag with an index."""

    __tablename__ = "library_bookmark_tags"

    bookmark_id: Mapped[int] = mapped_column(
        ForeignKey("library_bookmarks.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class LeaseStage(StrEnum):
    TRANSCRIBE = "transcribe"
    ANALYSE = "analyse"


class StageLease(Base):
    """Who works on one stage of one call, until when (`store/leases.py`, `services/stage_lease.py`).

    In the scaled-out deployment the broker may lose a message (Redis restarted without
    persistence) or hold one for hours (a worker killed mid-call: Redis hands it out again only
    after its visibility timeout), so the database, not the queue, says which work is in hand.
    A worker takes the lease before it runs a stage, so a second delivery of the same call is
    refused while the first runs; its heartbeat renews `expires_at`; a lease that was not renewed
    means its worker is gone and the reconciler sends the call to the queue again. `holder` None
    is the reconciler's mark for a call it sent again and that is waiting in the queue.
    """

    __tablename__ = "stage_leases"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(255), index=True)
    task_id: Mapped[str | None] = mapped_column(String(255))
    taken_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)


class CalibrationSession(Base):
    """A calibration session (录音校准): inspectors score the same calls blind, to measure how alike
    they apply the scorecard. Open until a supervisor closes it; closing reveals the answers to
    the participants."""

    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(300))
    closed_at: Mapped[datetime | None] = mapped_column(index=True)


class CalibrationSessionCall(Base):
    """A call of a session, with the analysis it was picked on: the items scored and the machine's
    answers stay those, even if the call is scored again while the session runs."""

    __tablename__ = "calibration_session_calls"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)


class CalibrationParticipant(Base):
    """An inspector invited to a session (by user name); `submitted_at` is set once, when they hand
    in their answers, which are fixed from then on."""

    __tablename__ = "calibration_participants"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    inspector: Mapped[str] = mapped_column(String(64), primary_key=True)
    submitted_at: Mapped[datetime | None] = mapped_column()


class CalibrationAnswer(Base):
    """One inspector's answer on one item of one call of a session (pass, fail or N/A). Kept apart
    from `item_reviews`: a calibration answer is a measurement of the inspector, not a decision on
    the call, and never changes its score."""

    __tablename__ = "calibration_answers"
    __table_args__ = (
        UniqueConstraint("session_id", "call_id", "inspector", "item_id", name="uq_calibration_answers"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id", ondelete="CASCADE"))
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    inspector: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredReport(Base):
    """A generated quality report (insights/report.py `Report` as JSON), kept so that yesterday's
    daily report opens as it was sent. One per period: generating it again replaces it."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("date_from", "date_to", name="uq_reports_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    date_from: Mapped[date] = mapped_column(Date, index=True)
    date_to: Mapped[date] = mapped_column(Date)
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class AlertRow(Base):
    """An alert raised by a rule (insights/alerts.py), with the calls behind it and how far its
    delivery got. `subject` says what it is about: a rule raises nothing while an alert on the
    same subject is recent (deduplication). Deliveries left undone are retried."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(400), index=True)
    queue: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text)
    call_ids: Mapped[list[str]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    webhook_sent_at: Mapped[datetime | None] = mapped_column()
    email_sent_at: Mapped[datetime | None] = mapped_column()
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivery_error: Mapped[str | None] = mapped_column(Text)


class SearchTerms(TypeDecorator[str]):
    """A turn's index terms (store/search_text.py) joined by spaces. On SQLite a text column that
    the FTS5 table `search_fts` indexes (kept in step by triggers, migrations 0012, 0020); on PostgreSQL
    a `tsvector` (GIN-indexed) written as a literal with the terms' positions, so that neither
    database's own parser or locale decides what a term is."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(TSVECTOR() if dialect.name == "postgresql" else Text())

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or dialect.name != "postgresql":
            return value
        return " ".join(f"'{_lexeme(term)}':{min(n, 16383)}" for n, term in enumerate(value.split(), 1))


def _lexeme(term: str) -> str:
    return term.replace("\\", "\\\\").replace("'", "''")


class SearchTurn(Base):
    """One turn (a party's consecutive speech) of a scored call, as search finds and shows it.

    Written by the index stage when a call is scored, all of a call's turns replaced at once.
    `redacted_text` and `redacted_terms` are the turn with personal data masked: roles that may
    not see it search and read only these, so no query can find a masked value. `moments` maps
    each segment to where it starts, `[seconds, offset in text, offset in redacted_text]`, so a
    hit opens the call where its words are said. `vector` (float16, L2-normalised, from the
    redacted text, by `encoder`) is None for turns too short to carry a meaning."""

    __tablename__ = "search_turns"

    # newest call first (store/search.py SLOT_BITS; migration 0020); SQLite's INTEGER is 64-bit
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(20))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    redacted_text: Mapped[str] = mapped_column(Text)
    moments: Mapped[list[Any]] = mapped_column(JSON)
    terms: Mapped[str] = mapped_column(SearchTerms())
    redacted_terms: Mapped[str] = mapped_column(SearchTerms())
    encoder: Mapped[str | None] = mapped_column(String(40))
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)


class SearchCall(Base):
    """What search filters on that the call row does not hold, from the call's current analysis:
    written with its turns, so a call is searchable once this row exists."""

    __tablename__ = "search_calls"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    escalation: Mapped[bool] = mapped_column(Boolean, index=True)
    dead_air_s: Mapped[float] = mapped_column(Float, index=True)
    overtalk_s: Mapped[float] = mapped_column(Float, index=True)
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)
    terms_version: Mapped[int] = mapped_column(Integer, index=True, server_default="1")
    """How the call's turns' terms were made (store/search_text.py TERMS_VERSION; migration 0023)."""


class SearchNumber(Base):
    """A phone number said in the call (E.164), from its redaction, written with its turns: an
    erasure request by number looks it up here instead of reading every transcript."""

    __tablename__ = "search_numbers"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class SearchFailedItem(Base):
    """One scorecard item the call's current analysis failed (the `failed item` filter)."""

    __tablename__ = "search_failed_items"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class RosterAgent(Base):
    """An agent of the roster (`callqa roster import`, `PUT /roster/agents/{id}`): their team,
    used where a call's metadata names none, and their start date, which makes every call of
    their first days a mandatory review (review/sampling.py)."""

    __tablename__ = "roster_agents"

    agent_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SampleSelection(Base):
    """A call selected for review by the sampling rules, with why and with the probability the
    design gave it (review/sampling.py), for unbiased pass rates (review/pass_rates.py). One row
    per call: a call belongs to one queue's day; running that day again replaces its rows."""

    __tablename__ = "sample_selections"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    queue: Mapped[str] = mapped_column(String(100), index=True)
    """The call's queue, '' for calls with none (they follow the default rules)."""
    day: Mapped[date] = mapped_column(Date, index=True)
    agent_id: Mapped[str | None] = mapped_column(String(100), index=True)
    rules: Mapped[list[str]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    inclusion_probability: Mapped[float] = mapped_column(Float)
    over_capacity: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    selected_at: Mapped[datetime] = mapped_column(default=utcnow)


class Erasure(Base):
    """One erasure request carried out: what was erased (how many calls, which ids, how selected),
    never the content, nor the external id, phone number or agent id it was asked for in clear."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    requested_by: Mapped[str] = mapped_column(String(300))
    selector: Mapped[str] = mapped_column(String(20))
    selector_sha256: Mapped[str] = mapped_column(String(64))
    call_ids: Mapped[list[str]] = mapped_column(JSON)
    audio_files: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalibrationState(StrEnum):
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


class CalibrationRow(Base):
    """One version of what the machine learnt from inspectors' corrections for one card version
    (review/calibration.py: cut-offs, exemplars; JSON in `params`) and how it did on corrections
    it did not learn from (`metrics`). Every version is kept; at most one per card is `active`
    (a partial unique index, so two calibrations finishing at once cannot both win)."""

    __tablename__ = "calibrations"
    __table_args__ = (
        Index(
            "uq_calibrations_one_active",
            "scorecard_key",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scorecard_key: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(300))
    """Who ran it (`user alice (admin)`, `cli`) or `nightly`."""
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), index=True)
    state_reason: Mapped[str | None] = mapped_column(Text)
    """Why it was rejected (or rolled back), or what superseded it."""
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalibrationRunRow(Base):
    """One nightly calibration run per day (in the report zone): the primary key makes a second
    scheduler asking for the same night find it taken, and a run that learnt nothing is still
    recorded, so it is not tried again every few minutes until midnight."""

    __tablename__ = "calibration_runs"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Per card version: what became of its run (`dev-en@1: version 7 active`)."""


class StageTiming(Base):
    """One bucket of a cumulative histogram (store/stage_timings.py): observations <= `le`."""

    __tablename__ = "stage_timings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    le: Mapped[float] = mapped_column(Float, primary_key=True)
    observations: Mapped[int] = mapped_column(Integer)


class StageTotal(Base):
    """A histogram's count and sum."""

    __tablename__ = "stage_totals"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    observations: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)


class TopicRunRow(Base):
    """One run of complaint topics (insights/topics.py) over a window of calls: what it covered,
    with which parameters, and how far new calls have been assigned since (`assigned_through`:
    the scoring time of the last call assigned to its topics)."""

    __tablename__ = "topic_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ran_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    window_from: Mapped[datetime] = mapped_column()
    window_to: Mapped[datetime] = mapped_column()
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    complaints: Mapped[int] = mapped_column(Integer)
    """Complaint turns clustered."""
    topics: Mapped[int] = mapped_column(Integer)
    assigned_through: Mapped[datetime] = mapped_column()


class ComplaintTopicRow(Base):
    """A complaint topic of one language. Its id outlives runs: a later run whose cluster's centre
    is close to this one's keeps the id (and renews name, phrases and centre), so trends continue;
    a topic no run finds again is kept, `active` false, for the calls it was given before."""

    __tablename__ = "complaint_topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    language: Mapped[str] = mapped_column(String(20), index=True)
    encoder: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    phrases: Mapped[list[str]] = mapped_column(JSON)
    """The turns nearest its centre, masked (the search index's redacted text)."""
    centroid: Mapped[bytes] = mapped_column(LargeBinary)
    """float32, L2-normalised, in the space of `encoder`."""
    active: Mapped[bool] = mapped_column(Boolean, index=True)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("topic_runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("topic_runs.id"))


class TopicAssignment(Base):
    """One complaint turn of a call and the topic it belongs to (the turn is the search index's
    `position`; `start`/`end` in seconds open the call page at the complaint)."""

    __tablename__ = "topic_assignments"
    __table_args__ = (UniqueConstraint("call_id", "position", name="uq_topic_assignments_turn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    topic_id: Mapped[int] = mapped_column(ForeignKey("complaint_topics.id"), index=True)
    similarity: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    """Why the turn is a complaint: `negative` and/or escalation cue categories."""

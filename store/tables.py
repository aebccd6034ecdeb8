"""The schema. Changed only through an Alembic migration in `store/migrations/versions`."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
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


class TranscriptRow(Base):
    """One transcript per call; `asr_version` says which engine settings produced it."""

    __tablename__ = "transcripts"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    asr_version: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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

"""Inspectors' evidence marks: the words of a call they marked to correct the machine.

A mark and its `call_events` row are written (and a removal deleted and logged) in one
transaction, so the audit log never misses a change. Calibration reads the marks back, all of
them or those since a time or of some calls, through `runtime/evidence.py`, which types them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from store.tables import CallEvent, EvidenceMarkRow


class EvidenceKind(StrEnum):
    """What a mark corrects."""

    ITEM_EVIDENCE = "item_evidence"
    """The words show that the item (a required phrase, a step) was done."""
    FORBIDDEN_PHRASE = "forbidden_phrase"
    """A forbidden phrase of the item was said here and the machine did not find it."""
    WORD_CORRECTION = "word_correction"
    """The ASR mis-heard these words; `correction` is what was said."""
    SENTIMENT = "sentiment"
    """The customer's mood in this turn was `label`, not what the machine said."""


@dataclass(frozen=True)
class NewMark:
    call_id: str
    analysis_id: int
    item_id: str | None
    kind: EvidenceKind
    start: float
    end: float
    speaker: str
    text: str
    redacted: bool
    correction: str | None
    label: str | None
    comment: str | None
    author: str


@dataclass(frozen=True)
class Logged:
    """A mark as the audit log keeps it: every role reads the history, so its words are
    given with personal data masked (`runtime/evidence.py` masks them)."""

    text: str
    correction: str | None


class EvidenceRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def add(self, new: NewMark, logged: Logged) -> EvidenceMarkRow:
        row = EvidenceMarkRow(
            call_id=new.call_id,
            analysis_id=new.analysis_id,
            item_id=new.item_id,
            kind=new.kind,
            start=new.start,
            end=new.end,
            speaker=new.speaker,
            text=new.text,
            redacted=new.redacted,
            correction=new.correction,
            label=new.label,
            comment=new.comment,
            author=new.author,
        )
        with self.sessions.begin() as session:
            session.add(row)
            session.flush()
            session.add(_event(row, new.author, "evidence_marked", new.comment, {}, _logged(row, logged)))
        return row

    def remove(self, mark_id: int, actor: str, logged: Logged) -> bool:
        """Delete the mark and log it (its `before` keeps what it said); False when it was gone
        already (removed by someone else meanwhile)."""
        with self.sessions.begin() as session:
            row = session.get(EvidenceMarkRow, mark_id)
            if row is None:
                return False
            deleted = session.execute(delete(EvidenceMarkRow).where(EvidenceMarkRow.id == mark_id))
            if deleted.rowcount != 1:  # type: ignore[attr-defined]
                return False
            session.add(_event(row, actor, "evidence_removed", None, _logged(row, logged), {}))
        return True

    def get(self, mark_id: int) -> EvidenceMarkRow | None:
        with self.sessions() as session:
            return session.get(EvidenceMarkRow, mark_id)

    def search(
        self, since: datetime | None = None, call_ids: Collection[str] | None = None
    ) -> list[EvidenceMarkRow]:
        """Oldest first (a time-ordered split of the corrections needs no sorting): all marks,
        those made at or after `since`, those of `call_ids`."""
        query = select(EvidenceMarkRow)
        if since is not None:
            query = query.where(EvidenceMarkRow.created_at >= since)
        if call_ids is not None:
            query = query.where(EvidenceMarkRow.call_id.in_(list(call_ids)))
        with self.sessions() as session:
            return list(session.scalars(query.order_by(EvidenceMarkRow.created_at, EvidenceMarkRow.id)))


def _logged(row: EvidenceMarkRow, logged: Logged) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "mark": row.id,
        "kind": row.kind,
        "speaker": row.speaker,
        "start": row.start,
        "end": row.end,
        "text": logged.text,
    }
    if row.correction is not None:
        shown["correction"] = logged.correction
    if row.label is not None:
        shown["label"] = row.label
    return shown


def _event(
    row: EvidenceMarkRow,
    actor: str,
    action: str,
    comment: str | None,
    before: dict[str, Any],
    after: dict[str, Any],
) -> CallEvent:
    return CallEvent(
        call_id=row.call_id,
        actor=actor,
        action=action,
        item_id=row.item_id,
        before=before,
        after=after,
        comment=comment,
    )

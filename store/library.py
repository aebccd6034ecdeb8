"""The trainers' library: calls saved at a moment, with free tags and a note.

A bookmark and its tags are written in one transaction; tags are rows of their own so that the
library filters and counts by tag with an index on both databases. Changes are not `call_events`
rows: every role reads a call's history, agents included, and a trainer's note about a call is
not for its agent; the bookmark itself keeps who saved it and who changed it last, and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from store.tables import Call, LibraryBookmark, LibraryBookmarkTag, utcnow


class Bookmark(BaseModel):
    id: int
    call_id: str
    start: float | None = Field(description="the moment's start in seconds (None: the whole call)")
    end: float | None
    tags: list[str] = Field(description="normalised: trimmed, single spaces, lower case; sorted")
    note: str
    owner: str = Field(description="who saved it: a user name or `token N`")
    created_by: str
    created_at: datetime
    updated_by: str | None
    updated_at: datetime | None
    agent_id: str | None = Field(description="the call's agent")
    external_id: str | None = Field(description="the call's id in the telephony system")
    call_started_at: datetime | None


class BookmarkPage(BaseModel):
    total: int = Field(description="bookmarks matching the filter, over all pages")
    bookmarks: list[Bookmark] = Field(description="newest first")


class TagCount(BaseModel):
    tag: str
    bookmarks: int


@dataclass(frozen=True)
class BookmarkFilter:
    tag: str | None = None
    owner: str | None = None
    note: str | None = None
    """Text the note contains (case-insensitive for Latin letters)."""
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class NewBookmark:
    call_id: str
    start: float | None
    end: float | None
    tags: Sequence[str]
    note: str
    owner: str
    actor: str


Joined = Select[LibraryBookmark, str | None, str | None, datetime | None]
"""A bookmark with its call's agent, external id and start."""


class LibraryRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def add(self, new: NewBookmark) -> Bookmark:
        with self.sessions.begin() as session:
            row = LibraryBookmark(
                call_id=new.call_id,
                start=new.start,
                end=new.end,
                note=new.note,
                owner=new.owner,
                created_by=new.actor,
            )
            session.add(row)
            session.flush()
            session.add_all(LibraryBookmarkTag(bookmark_id=row.id, tag=tag) for tag in new.tags)
            bookmark_id = row.id
        found = self.get(bookmark_id)
        assert found is not None
        return found

    def get(self, bookmark_id: int) -> Bookmark | None:
        with self.sessions() as session:
            rows = _read(session, _joined().where(LibraryBookmark.id == bookmark_id))
        return rows[0] if rows else None

    def change(
        self, bookmark_id: int, actor: str, tags: Sequence[str] | None, note: str | None
    ) -> Bookmark | None:
        """Replace the tags and/or the note (None: kept); None when the bookmark is gone."""
        with self.sessions.begin() as session:
            row = session.get(LibraryBookmark, bookmark_id)
            if row is None:
                return None
            if note is not None:
                row.note = note
            if tags is not None:
                session.execute(
                    delete(LibraryBookmarkTag).where(LibraryBookmarkTag.bookmark_id == bookmark_id)
                )
                session.add_all(LibraryBookmarkTag(bookmark_id=bookmark_id, tag=tag) for tag in tags)
            row.updated_by = actor
            row.updated_at = utcnow()
        return self.get(bookmark_id)

    def remove(self, bookmark_id: int) -> bool:
        """False when it was gone already (removed by someone else meanwhile)."""
        with self.sessions.begin() as session:
            deleted = session.execute(delete(LibraryBookmark).where(LibraryBookmark.id == bookmark_id))
            return bool(deleted.rowcount == 1)  # type: ignore[attr-defined]

    def page(self, wanted: BookmarkFilter) -> BookmarkPage:
        query = _joined()
        if wanted.tag is not None:
            tagged = select(LibraryBookmarkTag.bookmark_id).where(LibraryBookmarkTag.tag == wanted.tag)
            query = query.where(LibraryBookmark.id.in_(tagged))
        if wanted.owner is not None:
            query = query.where(LibraryBookmark.owner == wanted.owner)
        if wanted.note:
            query = query.where(LibraryBookmark.note.icontains(wanted.note, autoescape=True))
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            ordered = query.order_by(LibraryBookmark.created_at.desc(), LibraryBookmark.id.desc())
            rows = _read(session, ordered.limit(wanted.limit).offset(wanted.offset))
        return BookmarkPage(total=total, bookmarks=rows)

    def tags(self) -> list[TagCount]:
        """Every tag in use, the most used first."""
        count = func.count(LibraryBookmarkTag.bookmark_id)
        query = select(LibraryBookmarkTag.tag, count).group_by(LibraryBookmarkTag.tag)
        with self.sessions() as session:
            rows = session.execute(query.order_by(count.desc(), LibraryBookmarkTag.tag)).all()
        return [TagCount(tag=tag, bookmarks=n) for tag, n in rows]


def _joined() -> Joined:
    return select(LibraryBookmark, Call.agent_id, Call.external_id, Call.started_at).join(
        Call, Call.id == LibraryBookmark.call_id
    )


def _read(session: Session, query: Joined) -> list[Bookmark]:
    rows = session.execute(query).all()
    ids = [row[0].id for row in rows]
    tags: dict[int, list[str]] = {}
    if ids:
        found = session.execute(
            select(LibraryBookmarkTag.bookmark_id, LibraryBookmarkTag.tag)
            .where(LibraryBookmarkTag.bookmark_id.in_(ids))
            .order_by(LibraryBookmarkTag.tag)
        )
        for bookmark_id, tag in found:
            tags.setdefault(bookmark_id, []).append(tag)
    return [
        Bookmark(
            id=row.id,
            call_id=row.call_id,
            start=row.start,
            end=row.end,
            tags=tags.get(row.id, []),
            note=row.note,
            owner=row.owner,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
            agent_id=agent_id,
            external_id=external_id,
            call_started_at=started_at,
        )
        for row, agent_id, external_id, started_at in rows
    ]

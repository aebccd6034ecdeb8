"""Saving calls into the trainers' library: what the API, the library page and the CLI share.

A bookmark names a call and, optionally, a moment of it (start and end in seconds, inside the
call); its tags are free words trainers choose ("empathy", "新人培训"), normalised so that
"Empathy " and "empathy" are one tag. Its saver, or a supervisor or admin, changes or removes it:
the library is shared, but a trainer's note is theirs to edit.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from runtime.services import Services
from services.access import LIBRARY_EDITORS
from store.db import session_factory
from store.library import Bookmark, BookmarkFilter, BookmarkPage, LibraryRepository, NewBookmark, TagCount
from store.tables import Call
from store.tokens import Role

MAX_TAGS = 10
MAX_TAG_CHARS = 40
MAX_NOTE_CHARS = 2000
END_SLACK_S = 0.5
"""A moment may end this much after the call's stated length (headers round it)."""
"""Who changes or removes anyone's bookmark; others only their own."""


def normalise_tag(tag: str) -> str:
    cleaned = " ".join(tag.split()).lower()
    if not cleaned:
        raise ValueError("a tag may not be empty")
    if len(cleaned) > MAX_TAG_CHARS:
        raise ValueError(f"the tag {cleaned[:20]!r}... is longer than {MAX_TAG_CHARS} characters")
    if "," in cleaned:
        raise ValueError(f"the tag {cleaned!r} holds a comma: give tags as a list")
    return cleaned


def _distinct(tags: list[str]) -> list[str]:
    return sorted(set(tags))


Tag = Annotated[str, AfterValidator(normalise_tag)]
Tags = Annotated[
    list[Tag],
    Field(max_length=MAX_TAGS, description=f"up to {MAX_TAGS} tags of up to {MAX_TAG_CHARS} characters"),
    AfterValidator(_distinct),
]


class BookmarkRequest(BaseModel):
    """Save a call into the library, at a moment (`start` and `end`, seconds) or whole."""

    model_config = ConfigDict(extra="forbid")

    call_id: str = Field(min_length=1, max_length=32)
    start: float | None = Field(default=None, ge=0)
    end: float | None = Field(default=None, gt=0)
    tags: Tags = []
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)

    @model_validator(mode="after")
    def _moment(self) -> Self:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end of the moment, or neither (the whole call)")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"the moment ends ({self.end} s) before it starts ({self.start} s)")
        return self


class BookmarkChange(BaseModel):
    """New tags (replacing the old) and/or a new note; what is left out is kept."""

    model_config = ConfigDict(extra="forbid")

    tags: Tags | None = None
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.tags is None and self.note is None:
            raise ValueError("nothing to change: give tags, a note or both")
        return self


BOOKMARK_REQUEST = TypeAdapter(BookmarkRequest)
BOOKMARK_CHANGE = TypeAdapter(BookmarkChange)


class NoSuchCall(LookupError):
    pass


class NoSuchBookmark(LookupError):
    pass


class MomentRefused(ValueError):
    """The moment does not fit the call."""


class MayNotChange(PermissionError):
    pass


def repository(services: Services) -> LibraryRepository:
    return LibraryRepository(session_factory(services.engine))


def call_length(services: Services, call: Call) -> float | None:
    """The recording's length, or the transcript's for a text conversation (None: not known yet)."""
    if call.duration_s is not None:
        return call.duration_s
    transcript = services.results.transcript(call.id)
    return transcript.duration_s if transcript is not None else None


def check_moment(length: float | None, start: float, end: float) -> None:
    if length is not None and start >= length:
        raise MomentRefused(f"the moment starts at {start:g} s, after the call's end at {length:g} s")
    if length is not None and end > length + END_SLACK_S:
        raise MomentRefused(f"the moment ends at {end:g} s, after the call's end at {length:g} s")


def save(services: Services, wanted: BookmarkRequest, owner: str, actor: str) -> Bookmark:
    call = services.calls.get(wanted.call_id)
    if call is None:
        raise NoSuchCall(f"no call {wanted.call_id!r}")
    if wanted.start is not None and wanted.end is not None:
        check_moment(call_length(services, call), wanted.start, wanted.end)
    new = NewBookmark(call.id, wanted.start, wanted.end, wanted.tags, wanted.note.strip(), owner, actor)
    return repository(services).add(new)


def bookmark(services: Services, bookmark_id: int) -> Bookmark:
    found = repository(services).get(bookmark_id)
    if found is None:
        raise NoSuchBookmark(f"no bookmark {bookmark_id}")
    return found


def _editable(services: Services, bookmark_id: int, owner: str, role: Role) -> Bookmark:
    found = bookmark(services, bookmark_id)
    if found.owner != owner and role not in LIBRARY_EDITORS:
        raise MayNotChange(
            f"bookmark {bookmark_id} was saved by {found.owner}: "
            "only they, a supervisor or an admin may change it"
        )
    return found


def change(
    services: Services, bookmark_id: int, wanted: BookmarkChange, owner: str, role: Role, actor: str
) -> Bookmark:
    _editable(services, bookmark_id, owner, role)
    note = wanted.note.strip() if wanted.note is not None else None
    changed = repository(services).change(bookmark_id, actor, wanted.tags, note)
    if changed is None:
        raise NoSuchBookmark(f"no bookmark {bookmark_id}")
    return changed


def remove(services: Services, bookmark_id: int, owner: str, role: Role) -> None:
    _editable(services, bookmark_id, owner, role)
    if not repository(services).remove(bookmark_id):
        raise NoSuchBookmark(f"no bookmark {bookmark_id}")


def listing(services: Services, wanted: BookmarkFilter) -> BookmarkPage:
    return repository(services).page(wanted)


def tags(services: Services) -> list[TagCount]:
    return repository(services).tags()

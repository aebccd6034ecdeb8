"""The library's saved calls: bookmarks (a call, at a moment or whole, with tags and a note) and
clips (a moment of a call as a ZIP to take away).

The library's readers (trainers, supervisors, admins) save, list and export; a bookmark is
changed or removed by its saver, a supervisor or an admin. A clip is redacted for every role,
since it leaves the system (services/clips.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response

from api.common.auth import require, services_of
from api.common.downloads import zip_download
from api.common.errors import ErrorBody, error_responses
from api.common.params import RowId
from api.http.routes import known_query_only, visible_call
from services import library
from services.access import LIBRARY_READERS, Principal
from services.clips import Clip, ClipRefused, NothingToExport, clip_of, may_hear
from services.library import BookmarkChange, BookmarkRequest, MayNotChange, MomentRefused, NoSuchBookmark
from store.library import Bookmark, BookmarkFilter, BookmarkPage, TagCount

router = APIRouter(responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)])

ZIP: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}
}
GONE: dict[int | str, dict[str, Any]] = {
    410: {"model": ErrorBody, "description": "the recording and the transcript were deleted"}
}
Seconds = Annotated[float, Query(ge=0, le=86_400, description="seconds from the call's start")]


@router.post(
    "/library/bookmarks",
    response_model=Bookmark,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404),
)
def save_bookmark(
    request: Request,
    body: Annotated[BookmarkRequest, Body()],
    who: Principal = Depends(require(*LIBRARY_READERS)),
) -> Bookmark:
    """Save a call into the library, at a moment (`start`, `end` in seconds) or whole, with tags
    (trimmed, lower case, up to 10 of up to 40 characters) and a note."""
    try:
        return library.save(services_of(request), body, who.holder, who.actor)
    except library.NoSuchCall as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except MomentRefused as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error


@router.get("/library/bookmarks", response_model=BookmarkPage)
def list_bookmarks(
    request: Request,
    tag: Annotated[str | None, Query(max_length=100, description="only bookmarks with this tag")] = None,
    saved_by: Annotated[str | None, Query(max_length=200, description="a user name or `token N`")] = None,
    note: Annotated[str | None, Query(max_length=200, description="text the note contains")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    _: Principal = Depends(require(*LIBRARY_READERS)),
) -> BookmarkPage:
    """The library's bookmarks, newest first, with the total for paging."""
    try:
        wanted_tag = library.normalise_tag(tag) if tag is not None else None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"tag: {error}") from error
    wanted = BookmarkFilter(tag=wanted_tag, owner=saved_by, note=note, limit=limit, offset=offset)
    return library.listing(services_of(request), wanted)


@router.get("/library/tags", response_model=list[TagCount])
def list_tags(request: Request, _: Principal = Depends(require(*LIBRARY_READERS))) -> list[TagCount]:
    """Every tag in use with how many bookmarks carry it, the most used first."""
    return library.tags(services_of(request))


@router.get("/library/bookmarks/{bookmark_id}", response_model=Bookmark, responses=error_responses(404))
def get_bookmark(
    request: Request, bookmark_id: RowId, _: Principal = Depends(require(*LIBRARY_READERS))
) -> Bookmark:
    try:
        return library.bookmark(services_of(request), bookmark_id)
    except NoSuchBookmark as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.patch("/library/bookmarks/{bookmark_id}", response_model=Bookmark, responses=error_responses(404))
def change_bookmark(
    request: Request,
    bookmark_id: RowId,
    body: Annotated[BookmarkChange, Body()],
    who: Principal = Depends(require(*LIBRARY_READERS)),
) -> Bookmark:
    """Replace the tags and/or the note; who changed it and when are kept on the bookmark."""
    try:
        return library.change(services_of(request), bookmark_id, body, who.holder, who.role, who.actor)
    except NoSuchBookmark as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except MayNotChange as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error


@router.delete(
    "/library/bookmarks/{bookmark_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={204: {"description": "removed"}, **error_responses(404)},
)
def remove_bookmark(
    request: Request, bookmark_id: RowId, who: Principal = Depends(require(*LIBRARY_READERS))
) -> Response:
    try:
        library.remove(services_of(request), bookmark_id, who.holder, who.role)
    except NoSuchBookmark as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except MayNotChange as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/library/bookmarks/{bookmark_id}/clip",
    response_class=Response,
    responses={**ZIP, **GONE, **error_responses(404)},
)
def bookmark_clip(
    request: Request, bookmark_id: RowId, who: Principal = Depends(require(*LIBRARY_READERS))
) -> Response:
    """The bookmark's moment (the whole call if it has none) as a ZIP: `clip.wav` (1 s margin,
    personal data beeped; only for roles in CALLQA_AUDIO_ROLES), `transcript.txt` and
    `transcript.json` (redacted for every role). At most 10 minutes."""
    services = services_of(request)
    try:
        saved = library.bookmark(services, bookmark_id)
    except NoSuchBookmark as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    call = visible_call(services, who, saved.call_id)
    hear = may_hear(services, who.role)
    return _answer(lambda: clip_of(services, call, saved.start, saved.end, hear, saved))


@router.get(
    "/calls/{call_id}/clip",
    response_class=Response,
    responses={**ZIP, **GONE, **error_responses(404)},
)
def call_clip(
    request: Request,
    call_id: str,
    start: Seconds,
    end: Seconds,
    who: Principal = Depends(require(*LIBRARY_READERS)),
) -> Response:
    """A moment of a call as a ZIP, as `GET /library/bookmarks/{id}/clip` makes it."""
    services = services_of(request)
    call = visible_call(services, who, call_id)
    return _answer(lambda: clip_of(services, call, start, end, may_hear(services, who.role)))


def _answer(make: Callable[[], Clip]) -> Response:
    try:
        return zip_download(make())
    except (ClipRefused, MomentRefused) as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    except NothingToExport as error:
        raise HTTPException(status.HTTP_410_GONE, str(error)) from error

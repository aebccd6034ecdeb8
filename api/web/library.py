"""The trainers' library page (`/ui/library`): excellent calls, the best example of each item,
error cases and training needs over a period, each linking to the call page at its moment (the
call page redacts what the trainer's role must not see); and the saved calls (bookmarks with
tags and a note), filtered by tag, edited, removed and exported as clips from here.

Every row of the period's lists has a "save" link that fills the save form with its call and
moment; the call page's own "Save to library" form posts here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.common.downloads import zip_download
from api.common.errors import problems, summary
from api.common.params import RowId
from api.web.pages import PageRefused, render
from api.web.reports import read_period
from api.web.session import form_for, page_for
from insights.coaching import Peers, error_cases, training_needs
from insights.excellence import best_examples, rank_excellent
from services import library
from services.access import LIBRARY_READERS
from services.clips import Clip, ClipRefused, NothingToExport, clip_of, may_hear
from services.insights import period_facts
from services.library import BOOKMARK_CHANGE, BOOKMARK_REQUEST, MayNotChange, MomentRefused, NoSuchBookmark
from store.library import BookmarkFilter
from store.metadata import Clean

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Query(max_length=40)]
SAVED_PER_PAGE = 50
TAG_SEPARATORS = re.compile(r"[,，、]")
"""The form takes tags as one line, split at commas (Chinese ones too)."""


@router.get("/ui/library")
def library_page(
    request: Request,
    date_from: Text = "",
    days: Text = "",
    tag: Annotated[str, Query(max_length=100)] = "",
    save: Annotated[str, Query(max_length=32)] = "",
    start: Text = "",
    end: Text = "",
    _: BrowserSession = Depends(page_for(*LIBRARY_READERS)),
) -> Response:
    """The last 7 days by default (yesterday and the six before); `save`, `start` and `end` fill
    the save form (the period lists' "save" links), `tag` filters the saved calls."""
    services = services_of(request)
    problems_found: list[str] = []
    first, length = read_period(services, date_from, days or "7", problems_found, default_days=7)
    calls = period_facts(services, first, first + timedelta(days=length - 1))
    try:
        wanted_tag = library.normalise_tag(tag) if tag.strip() else None
    except ValueError as error:
        problems_found.append(f"Tag: {error}.")
        wanted_tag = None
    context = {
        "date_from": first,
        "date_to": first + timedelta(days=length - 1),
        "days": length,
        "problems": problems_found,
        "excellent": rank_excellent(calls, 10),
        "examples": best_examples(calls, 3),
        "errors": error_cases(calls, 8, 3),
        "needs": training_needs(calls, Peers.AGENT)[:20],
        "saved": library.listing(services, BookmarkFilter(tag=wanted_tag, limit=SAVED_PER_PAGE)),
        "tags": library.tags(services),
        "tag": wanted_tag,
        "save": {"call_id": save, "start": start, "end": end},
    }
    return render(request, "library.html", context)


def _tags(line: str) -> list[str]:
    return [tag for tag in TAG_SEPARATORS.split(line) if tag.strip()]


def _back(tag: str = "") -> RedirectResponse:
    return RedirectResponse(f"/ui/library{'?tag=' + quote(tag) if tag else ''}#saved", status_code=303)


@router.post("/ui/library/bookmarks")
def save_bookmark(
    request: Request,
    call_id: Annotated[str, Form(max_length=32)],
    start: Annotated[str, Form(max_length=20)] = "",
    end: Annotated[str, Form(max_length=20)] = "",
    tags: Annotated[str, Form(max_length=1000), Clean] = "",
    note: Annotated[str, Form(max_length=2000), Clean] = "",
    browser: BrowserSession = Depends(form_for(*LIBRARY_READERS)),
) -> Response:
    """Save a call (from the save form here or the call page); back to the saved calls."""
    moment = {name: value for name, value in (("start", start), ("end", end)) if value.strip()}
    try:
        wanted = BOOKMARK_REQUEST.validate_python(
            {"call_id": call_id.strip(), "tags": _tags(tags), "note": note, **moment}
        )
        library.save(services_of(request), wanted, browser.principal.holder, browser.principal.actor)
    except ValidationError as error:
        raise PageRefused(422, f"Not saved: {summary(problems(error.errors()))}.") from error
    except library.NoSuchCall as error:
        raise PageRefused(404, f"Not saved: {error}.") from error
    except MomentRefused as error:
        raise PageRefused(422, f"Not saved: {error}.") from error
    return _back()


@router.post("/ui/library/bookmarks/{bookmark_id}")
def change_bookmark(
    request: Request,
    bookmark_id: RowId,
    tags: Annotated[str, Form(max_length=1000), Clean] = "",
    note: Annotated[str, Form(max_length=2000), Clean] = "",
    tag: Annotated[str, Form(max_length=100)] = "",
    browser: BrowserSession = Depends(form_for(*LIBRARY_READERS)),
) -> Response:
    """Replace the tags and the note (an emptied field empties them); back to the same filter."""
    who = browser.principal
    try:
        wanted = BOOKMARK_CHANGE.validate_python({"tags": _tags(tags), "note": note})
        library.change(services_of(request), bookmark_id, wanted, who.holder, who.role, who.actor)
    except ValidationError as error:
        raise PageRefused(422, f"Not changed: {summary(problems(error.errors()))}.") from error
    except NoSuchBookmark as error:
        raise PageRefused(404, f"Not changed: {error}.") from error
    except MayNotChange as error:
        raise PageRefused(403, f"Not changed: {error}.") from error
    return _back(tag)


@router.post("/ui/library/bookmarks/{bookmark_id}/delete")
def remove_bookmark(
    request: Request,
    bookmark_id: RowId,
    tag: Annotated[str, Form(max_length=100)] = "",
    browser: BrowserSession = Depends(form_for(*LIBRARY_READERS)),
) -> Response:
    who = browser.principal
    try:
        library.remove(services_of(request), bookmark_id, who.holder, who.role)
    except NoSuchBookmark as error:
        raise PageRefused(404, f"Not removed: {error}.") from error
    except MayNotChange as error:
        raise PageRefused(403, f"Not removed: {error}.") from error
    return _back(tag)


@router.get("/ui/library/bookmarks/{bookmark_id}/clip")
def bookmark_clip(
    request: Request, bookmark_id: RowId, browser: BrowserSession = Depends(page_for(*LIBRARY_READERS))
) -> Response:
    """The bookmark's clip, as `GET /library/bookmarks/{id}/clip` makes it."""
    services = services_of(request)
    try:
        saved = library.bookmark(services, bookmark_id)
    except NoSuchBookmark as error:
        raise PageRefused(404, f"No clip: {error}.") from error
    call = services.calls.get(saved.call_id)
    if call is None:
        raise PageRefused(404, "No clip: the call is gone.")
    listen = may_hear(services, browser.principal.role)
    return _clip(lambda: clip_of(services, call, saved.start, saved.end, listen, saved))


@router.get("/ui/library/clip")
def moment_clip(
    request: Request,
    call_id: Annotated[str, Query(max_length=32)],
    start: Annotated[float, Query(ge=0, le=86_400)],
    end: Annotated[float, Query(ge=0, le=86_400)],
    browser: BrowserSession = Depends(page_for(*LIBRARY_READERS)),
) -> Response:
    """A moment's clip (the period lists' "clip" links), as `GET /calls/{id}/clip` makes it."""
    services = services_of(request)
    call = services.calls.get(call_id)
    if call is None:
        raise PageRefused(404, "No clip: no such call.")
    listen = may_hear(services, browser.principal.role)
    return _clip(lambda: clip_of(services, call, start, end, listen))


def _clip(make: Callable[[], Clip]) -> Response:
    try:
        return zip_download(make())
    except (ClipRefused, MomentRefused) as error:
        raise PageRefused(422, f"No clip: {error}.") from error
    except NothingToExport as error:
        raise PageRefused(410, f"No clip: {error}.") from error

"""The call page: listen, read along, see the findings on a timeline, and decide item by item.

Everything a reader sees comes from the same call detail the API returns (`detail_of`),
redacted the same way for agents and trainers; the audio is served with HTTP range requests so
seeking works on long calls, and only to the roles `CALLQA_AUDIO_ROLES` names (the recording
itself cannot be redacted). Decisions are plain forms (they work without JavaScript);
`static/call.js` adds the synced transcript, the timeline and the keyboard shortcuts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from api.http.auth import READERS, REDACTED_ROLES, REVIEWERS, BrowserSession, services_of
from api.http.routes import detail_of
from api.http.schemas import CallDetail
from api.web.disputes import call_page_context
from api.web.pages import PageRefused, render
from api.web.session import form_for, page_for
from runtime.services import Services
from scoring.results import ItemStatus
from store.metadata import Clean
from store.review_queue import QueueFilter
from store.tables import Call
from workers.reviewing import NothingToReview, decide, review_state

router = APIRouter(include_in_schema=False)

MEDIA_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".aac": "audio/aac",
    ".webm": "audio/webm",
}

MARKED_KINDS = {
    "silence": "silence",
    "dead_air": "dead air",
    "hold": "hold",
    "overtalk": "overtalk",
    "escalation_cue": "escalation",
    "negative_sentiment": "upset",
}
"""Findings drawn on the timeline, by kind (an item's evidence is drawn as that item)."""

DECISIONS = {"confirm": None, "pass": ItemStatus.PASS, "fail": ItemStatus.FAIL, "na": ItemStatus.NA}
"""What the score sheet's buttons send; `confirm` means "the machine was right"."""


@dataclass(frozen=True)
class Marker:
    start: float
    end: float
    label: str
    kind: str


def segment_tags(detail: CallDetail) -> list[list[str]]:
    """Per transcript line, the findings said in it (an item's evidence by the item's label, the
    rest by kind): the text shows what the machine found where."""
    if detail.transcript is None:
        return []
    labels = {item.item_id: item.label for item in detail.scorecard.items} if detail.scorecard else {}
    tags: list[list[str]] = []
    for segment in detail.transcript.segments:
        found = [
            labels.get(finding.item_id or "", MARKED_KINDS.get(finding.kind, finding.kind))
            for finding in detail.findings or []
            if finding.quote
            and finding.speaker == segment.speaker
            and finding.start < segment.end
            and finding.end > segment.start
        ]
        tags.append(list(dict.fromkeys(found)))
    return tags


def _call_for(services: Services, browser: BrowserSession, call_id: str) -> Call:
    call = services.calls.get(call_id)
    if call is None or not browser.principal.may_see(call.agent_id):
        raise PageRefused(404, "No such call, or not one you may open.")
    return call


@router.get("/ui/calls/{call_id}")
def call_page(
    request: Request, call_id: str, browser: BrowserSession = Depends(page_for(*READERS))
) -> Response:
    services = services_of(request)
    call = _call_for(services, browser, call_id)
    role = browser.principal.role
    # read once: the score sheet shows the same (redacted where the role needs it) analysis
    stored = services.results.analysis(call.id)
    detail = detail_of(services, call, stored, redacted=role in REDACTED_ROLES)
    try:
        review = review_state(services, call, stored)
    except NothingToReview:
        review = None
    labels = {item.item_id: item.label for item in detail.scorecard.items} if detail.scorecard else {}
    markers = [
        Marker(f.start, f.end, labels.get(f.item_id or "", f.item_id or MARKED_KINDS[f.kind]), f.kind)
        for f in detail.findings or []
        if f.kind in MARKED_KINDS or f.item_id is not None
    ]
    return render(
        request,
        "call.html",
        {
            "call": detail,
            "review": review,
            "markers": markers,
            "kinds": MARKED_KINDS,
            "may_review": role in REVIEWERS and review is not None,
            "may_listen": role in services.settings.audio_roles,
            "events": services.calls.events(call.id),
            "tags": segment_tags(detail),
            "machine_items": {item.item_id: item for item in review.machine.items} if review else {},
            "next_call": _next_call(services, call.id) if role in REVIEWERS else None,
            **call_page_context(services, browser, call, review),
        },
    )


@router.post("/ui/calls/{call_id}/items/{item_id}")
def decide_item(
    request: Request,
    call_id: str,
    item_id: str,
    decision: Annotated[str, Form(pattern="^(confirm|pass|fail|na)$")],
    comment: Annotated[str, Form(max_length=2000), Clean] = "",
    browser: BrowserSession = Depends(form_for(*REVIEWERS)),
) -> Response:
    """Confirm or override one item; back to the call page at that item."""
    services = services_of(request)
    call = _call_for(services, browser, call_id)
    try:
        state = review_state(services, call)
        machine = next((i for i in state.machine.items if i.item_id == item_id), None)
        if machine is None:
            raise NothingToReview(f"item {item_id!r} is not on this call's scorecard")
        status = DECISIONS[decision] or machine.status
        if status == ItemStatus.UNDECIDABLE:
            raise PageRefused(422, "The machine could not decide this item: choose pass, fail or N/A.")
        decide(services, call, item_id, status, comment.strip() or None, browser.principal.actor)
    except NothingToReview as error:
        raise PageRefused(404, str(error)) from error
    return RedirectResponse(f"/ui/calls/{call_id}#item-{item_id}", status_code=303)


@router.get("/ui/calls/{call_id}/audio")
def call_audio(
    request: Request, call_id: str, browser: BrowserSession = Depends(page_for(*READERS))
) -> Response:
    """The recording, with range requests (the player seeks without downloading the whole call)."""
    services = services_of(request)
    call = _call_for(services, browser, call_id)
    if browser.principal.role not in services.settings.audio_roles:
        raise PageRefused(403, "Your role may read this call but not listen to it.")
    path = services.calls.audio_path(call)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        headers={"Cache-Control": "private, no-store"},
    )


def _next_call(services: Services, current: str) -> str | None:
    """The first call in the review queue's order that is neither this one nor reviewed yet."""
    rows = services.review_queue.page(QueueFilter(unclaimed=False, limit=50)).rows
    return next(
        (row.call.id for row in rows if row.call.id != current and row.call.final_verdict is None), None
    )

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

from fastapi import APIRouter, Depends, Form, Path, Request
from pydantic import ValidationError
from starlette.responses import FileResponse, RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.common.errors import problems, summary
from api.http.routes import detail_of
from api.http.schemas import CallDetail
from api.web.disputes import call_page_context
from api.web.pages import PageRefused, render
from api.web.queue import sampled_reasons
from api.web.session import form_for, page_for
from api.web.transcript_lines import transcript_html
from runtime.evidence import MARK_REQUEST, EvidenceMark
from runtime.services import Services
from scoring.results import ItemStatus
from services.access import EVIDENCE_REMOVERS, LIBRARY_READERS, READERS, REDACTED_ROLES, REVIEWERS
from services.calibration_sessions import blind_refusal
from services.evidence import (
    MarkRefused,
    MayNotRemove,
    NoSuchMark,
    NotScored,
    mark,
    mark_kind_of,
    marks_of,
    remove,
)
from services.reviewing import NothingToReview, ReviewState, decide, review_state
from store.evidence import EvidenceKind
from store.metadata import CallSource, Clean
from store.review_queue import QueueFilter
from store.tables import Call

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

KIND_LABELS = {
    EvidenceKind.ITEM_EVIDENCE: "evidence",
    EvidenceKind.FORBIDDEN_PHRASE: "forbidden phrase",
    EvidenceKind.WORD_CORRECTION: "correction",
    EvidenceKind.SENTIMENT: "mood",
}
"""How a mark's kind reads on the page."""

DECISIONS = {"confirm": None, "pass": ItemStatus.PASS, "fail": ItemStatus.FAIL, "na": ItemStatus.NA}
"""What the score sheet's buttons send; `confirm` means "the machine was right"."""


@dataclass(frozen=True)
class Marker:
    start: float
    end: float
    label: str
    kind: str


def segment_tags(detail: CallDetail) -> dict[int, list[str]]:
    """By transcript line (only the lines with any), the findings said in it (an item's evidence
    by the item's label, the rest by kind): the text shows what the machine found where."""
    if detail.transcript is None:
        return {}
    labels = {item.item_id: item.label for item in detail.scorecard.items} if detail.scorecard else {}
    quoted = [finding for finding in detail.findings or [] if finding.quote]
    tags: dict[int, list[str]] = {}
    for index, segment in enumerate(detail.transcript.segments):
        for finding in quoted:
            if (
                finding.speaker == segment.speaker
                and finding.start < segment.end
                and finding.end > segment.start
            ):
                tag = labels.get(finding.item_id or "", MARKED_KINDS.get(finding.kind, finding.kind))
                if tag not in tags.setdefault(index, []):
                    tags[index].append(tag)
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
    if refusal := blind_refusal(services, role, browser.principal.holder, call.id):
        raise PageRefused(403, refusal)
    # read once: the score sheet shows the same (redacted where the role needs it) analysis
    stored = services.results.analysis(call.id)
    detail = detail_of(services, call, stored, redacted=role in REDACTED_ROLES)
    try:
        review = review_state(services, call, stored)
    except NothingToReview:
        review = None
    labels = {item.item_id: item.label for item in detail.scorecard.items} if detail.scorecard else {}
    may_mark = role in REVIEWERS and review is not None
    marks = marks_of(services, call, redacted=role in REDACTED_ROLES)

    def describe(mark: EvidenceMark) -> str:
        what = labels.get(mark.item_id, mark.item_id) if mark.item_id else mark.label
        return f"{KIND_LABELS[mark.kind]}: {what}"

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
            "transcript_html": transcript_html(
                call.id, detail.transcript, segment_tags(detail), marks, describe, words=may_mark
            )
            if detail.transcript
            else None,
            "marks": marks,
            "item_labels": labels,
            "may_mark": may_mark,
            "mark_items": _mark_items(services, review) if may_mark and review else {},
            "kind_labels": KIND_LABELS,
            "may_remove_any": role in EVIDENCE_REMOVERS,
            "machine_items": {item.item_id: item for item in review.machine.items} if review else {},
            "next_call": _next_call(services, call.id) if role in REVIEWERS else None,
            "may_save": role in LIBRARY_READERS,
            "sampled": sampled_reasons(services.selections.of_call(call.id), call.routing_reasons),
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


@router.post("/ui/calls/{call_id}/evidence")
def mark_words(
    request: Request,
    call_id: str,
    kind: Annotated[EvidenceKind, Form()],
    start: Annotated[float, Form()],
    end: Annotated[float, Form()],
    speaker: Annotated[str, Form(max_length=20)],
    text: Annotated[str, Form(max_length=2000), Clean],
    item_id: Annotated[str, Form(max_length=100)] = "",
    correction: Annotated[str, Form(max_length=2000), Clean] = "",
    label: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form(max_length=2000), Clean] = "",
    browser: BrowserSession = Depends(form_for(*REVIEWERS)),
) -> Response:
    """Mark the words selected in the transcript (`static/call.js` fills the times and words)."""
    services = services_of(request)
    call = _call_for(services, browser, call_id)
    given = {"item_id": item_id, "correction": correction, "label": label, "comment": comment}
    try:
        wanted = MARK_REQUEST.validate_python(
            {"kind": kind, "start": start, "end": end, "speaker": speaker, "text": text}
            | {name: value for name, value in given.items() if value.strip()}
        )
        mark(services, call, wanted, browser.principal.actor)
    except ValidationError as error:
        raise PageRefused(422, f"Not marked: {summary(problems(error.errors()))}.") from error
    except MarkRefused as error:
        raise PageRefused(422, f"Not marked: {error}.") from error
    except NotScored as error:
        raise PageRefused(409, f"Not marked: {error}.") from error
    return RedirectResponse(f"/ui/calls/{call_id}#marks", status_code=303)


@router.post("/ui/calls/{call_id}/evidence/{mark_id}/delete")
def remove_mark(
    request: Request,
    call_id: str,
    mark_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    browser: BrowserSession = Depends(form_for(*REVIEWERS)),
) -> Response:
    services = services_of(request)
    call = _call_for(services, browser, call_id)
    try:
        remove(services, call, mark_id, browser.principal.role, browser.principal.actor)
    except NoSuchMark as error:
        raise PageRefused(404, f"Not removed: {error}.") from error
    except MayNotRemove as error:
        raise PageRefused(403, f"Not removed: {error}.") from error
    return RedirectResponse(f"/ui/calls/{call_id}#marks", status_code=303)


def _mark_items(services: Services, review: ReviewState) -> dict[EvidenceKind, list[tuple[str, str]]]:
    """The card's items by the kind of mark each takes, as (id, label), for the marking form."""
    found: dict[EvidenceKind, list[tuple[str, str]]] = {}
    for item in services.scorecards.get(review.scorecard_key).all_items():
        kind = mark_kind_of(item)
        if kind is not None:
            found.setdefault(kind, []).append((item.id, item.label))
    return found


@router.get("/ui/calls/{call_id}/audio")
def call_audio(
    request: Request, call_id: str, browser: BrowserSession = Depends(page_for(*READERS))
) -> Response:
    """The recording, with range requests (the player seeks without downloading the whole call)."""
    services = services_of(request)
    call = _call_for(services, browser, call_id)
    if browser.principal.role not in services.settings.audio_roles:
        raise PageRefused(403, "Your role may read this call but not listen to it.")
    if call.source == CallSource.TEXT:
        raise PageRefused(404, "This conversation was imported as text: there is no recording.")
    if call.audio_deleted_at is not None:
        raise PageRefused(
            410, f"The recording was deleted on {call.audio_deleted_at:%Y-%m-%d} by the retention policy."
        )
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

"""The call page: listen, read along, see the findings on a timeline, and decide item by item.

Everything a reader sees comes from the same call detail the API returns (`detail_of`),
redacted the same way for agents and trainers; the audio is served with HTTP range requests so
seeking works on long calls, and only to the roles `CALLQA_AUDIO_ROLES` names (the recording
itself cannot be redacted). Decisions are plain forms (they work without JavaScript);
`static/call.js` adds the synced transcript, the timeline and the keyboard shortcuts. A text
conversation has no recording: its timeline runs by the turns' times, or by their order when a
chat has none (`services.call_page.Timeline`), and a marker brings its turn into view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, assert_never

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from starlette.responses import FileResponse, RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.common.errors import problems, summary
from api.common.params import RowId
from api.web.pages import PageRefused, call_for, render
from api.web.session import form_for, page_for
from api.web.transcript_lines import transcript_html
from runtime.evidence import MARK_REQUEST, EvidenceMark
from scoring.results import FindingKind, ItemStatus
from services.access import DISPUTERS, MANAGERS, READERS, REVIEWERS
from services.call_page import Axis, call_page_view
from services.call_views import CallDetail, CallHidden, CallNotVisible, call_with_results
from services.evaluations import EvaluationRefused, acknowledge, complete_review, reopen_review
from services.evidence import (
    MarkRefused,
    MayNotRemove,
    NoSuchMark,
    NotScored,
    mark,
    remove,
)
from services.reviewing import NothingToReview, ReviewCompleted, decide, review_state
from store.evidence import EvidenceKind
from store.metadata import CallSource, Clean

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


def _timeline_name(kind: FindingKind) -> str | None:
    """How a finding reads on the timeline when no item claims it; None for the kinds only an
    item's evidence has (drawn as that item). Every kind is named, so a new one fails the type
    check until it is placed here."""
    match kind:
        case FindingKind.SILENCE | FindingKind.HOLD | FindingKind.OVERTALK:
            return kind.value
        case FindingKind.DEAD_AIR:
            return "dead air"
        case FindingKind.ESCALATION_CUE:
            return "escalation"
        case FindingKind.NEGATIVE_SENTIMENT:
            return "upset"
        case (
            FindingKind.APPLIES
            | FindingKind.PHRASE
            | FindingKind.POSSIBLE_PHRASE
            | FindingKind.FORBIDDEN_PHRASE
            | FindingKind.SCRIPT_STEP
        ):
            return None
        case _:
            assert_never(kind)


MARKED_KINDS = {kind: name for kind in FindingKind if (name := _timeline_name(kind)) is not None}
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


@router.get("/ui/calls/{call_id}")
def call_page(
    request: Request, call_id: str, browser: BrowserSession = Depends(page_for(*READERS))
) -> Response:
    try:
        view = call_page_view(services_of(request), browser.principal, call_id)
    except CallNotVisible as error:
        raise PageRefused(404, "No such call, or not one you may open.") from error
    except CallHidden as error:
        raise PageRefused(403, str(error)) from error
    detail, review = view.detail, view.review
    labels = {item.item_id: item.label for item in detail.scorecard.items} if detail.scorecard else {}

    def describe(mark: EvidenceMark) -> str:
        what = labels.get(mark.item_id, mark.item_id) if mark.item_id else mark.label
        return f"{KIND_LABELS[mark.kind]}: {what}"

    # on a turn axis a finding's turns are whole units: turn i spans i to i + 1 (as its line does)
    whole = 1.0 if view.timeline.axis == Axis.TURNS else 0.0
    markers = [
        Marker(f.start, f.end + whole, labels.get(f.item_id or "", f.item_id or MARKED_KINDS[f.kind]), f.kind)
        for f in detail.findings or []
        if f.kind in MARKED_KINDS or f.item_id is not None
    ]
    return render(
        request,
        "call.html",
        {
            "call": detail,
            "timeline": view.timeline,
            "review": review,
            "markers": markers,
            "kinds": MARKED_KINDS,
            "may_review": view.may.review,
            "may_listen": view.may.listen,
            "events": view.events,
            "transcript_html": transcript_html(
                detail.id, detail.transcript, segment_tags(detail), view.marks, describe, words=view.may.mark
            )
            if detail.transcript
            else None,
            "marks": view.marks,
            "item_labels": labels,
            "may_mark": view.may.mark,
            "mark_items": view.mark_items,
            "kind_labels": KIND_LABELS,
            "may_remove_any": view.may.remove_any_mark,
            "machine_items": {item.item_id: item for item in review.machine.items} if review else {},
            "next_call": view.next_call,
            "may_save": view.may.save,
            "sampled": view.sampled,
            "disputes": view.disputes,
            "may_dispute": view.may.dispute,
            "may_decide_disputes": view.may.decide_disputes,
            "may": view.may,
            "incomplete": view.incomplete,
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
    call = call_for(services, browser, call_id)
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
    except ReviewCompleted as error:
        raise PageRefused(409, f"Not decided: {error}.") from error
    return RedirectResponse(f"/ui/calls/{call_id}#item-{item_id}", status_code=303)


@router.post("/ui/calls/{call_id}/review/complete")
def complete_review_form(
    request: Request, call_id: str, browser: BrowserSession = Depends(form_for(*REVIEWERS))
) -> Response:
    """Complete the review; back to the call page, which then says who reviewed it and when."""
    services = services_of(request)
    try:
        call = call_with_results(services, browser.principal, call_id)
        complete_review(services, call, browser.principal.actor)
    except (CallNotVisible, NothingToReview) as error:
        raise PageRefused(404, "No such call, or not one you may open.") from error
    except CallHidden as error:
        raise PageRefused(403, str(error)) from error
    except EvaluationRefused as error:
        raise PageRefused(409, f"Not completed: {error}.") from error
    return RedirectResponse(f"/ui/calls/{call_id}#sheet", status_code=303)


@router.post("/ui/calls/{call_id}/review/reopen")
def reopen_review_form(
    request: Request,
    call_id: str,
    reason: Annotated[str, Form(max_length=2000), Clean] = "",
    browser: BrowserSession = Depends(form_for(*MANAGERS)),
) -> Response:
    """Reopen a completed review, saying why (in the call's history)."""
    services = services_of(request)
    call = call_for(services, browser, call_id)
    if not reason.strip():
        raise PageRefused(422, "Not reopened: say why the review is reopened.")
    try:
        reopen_review(services, call, browser.principal.actor, reason.strip())
    except EvaluationRefused as error:
        raise PageRefused(409, f"Not reopened: {error}.") from error
    return RedirectResponse(f"/ui/calls/{call_id}#sheet", status_code=303)


@router.post("/ui/calls/{call_id}/acknowledge")
def acknowledge_form(
    request: Request, call_id: str, browser: BrowserSession = Depends(form_for(*DISPUTERS))
) -> Response:
    """The agent has read the completed evaluation."""
    services = services_of(request)
    call = call_for(services, browser, call_id)
    try:
        acknowledge(services, call, browser.principal)
    except EvaluationRefused as error:
        raise PageRefused(409, f"Not acknowledged: {error}.") from error
    return RedirectResponse(f"/ui/calls/{call_id}#sheet", status_code=303)


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
    call = call_for(services, browser, call_id)
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
    mark_id: RowId,
    browser: BrowserSession = Depends(form_for(*REVIEWERS)),
) -> Response:
    services = services_of(request)
    call = call_for(services, browser, call_id)
    try:
        remove(services, call, mark_id, browser.principal.role, browser.principal.actor)
    except NoSuchMark as error:
        raise PageRefused(404, f"Not removed: {error}.") from error
    except MayNotRemove as error:
        raise PageRefused(403, f"Not removed: {error}.") from error
    return RedirectResponse(f"/ui/calls/{call_id}#marks", status_code=303)


@router.get("/ui/calls/{call_id}/audio")
def call_audio(
    request: Request, call_id: str, browser: BrowserSession = Depends(page_for(*READERS))
) -> Response:
    """The recording, with range requests (the player seeks without downloading the whole call)."""
    services = services_of(request)
    call = call_for(services, browser, call_id)
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

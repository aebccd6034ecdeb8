"""Everything the call page shows one reader, in one call: the detail, the review, the marks,
the disputes, the history, what the reader may do, and where the queue goes next.

The page's handler only lays this out; before, it made about ten calls into services and the
store, each deciding for itself what the reader's role allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from review.evaluation import completion_problems
from runtime.evidence import EvidenceMark
from runtime.services import Services
from services.access import (
    DISPUTE_DECIDERS,
    DISPUTERS,
    EVIDENCE_REMOVERS,
    LIBRARY_READERS,
    MANAGERS,
    REVIEWERS,
    Principal,
)
from services.call_views import CallDetail, open_call
from services.disputes import CallDisputes, call_disputes
from services.evidence import mark_kind_of, marks_of
from services.reviewing import NothingToReview, ReviewState, as_decisions, review_state
from services.sampling import sampled_reasons
from store.evidence import EvidenceKind
from store.metadata import CallSource
from store.review_queue import QueueFilter
from store.tables import CallEvent
from store.tokens import Role


@dataclass(frozen=True)
class Permissions:
    """What the reader may do on the page; the forms behind each check the role again."""

    review: bool
    listen: bool
    mark: bool
    remove_any_mark: bool
    save: bool
    dispute: bool
    decide_disputes: bool
    complete: bool = False
    """A reviewer, on a scored call whose review is not completed."""
    reopen: bool = False
    """A supervisor or admin, on a completed review."""
    acknowledge: bool = False
    """The call's agent, on a completed evaluation not acknowledged yet."""


class Axis(StrEnum):
    """What the timeline runs along: seconds (a recording, or a text conversation with turn
    times), or turn order (a chat log without times, whose turns the transcript places one
    pseudo-second apart: turn i at i)."""

    SECONDS = "seconds"
    TURNS = "turns"


@dataclass(frozen=True)
class Timeline:
    """The axis the page draws the findings and the turns on, and its length in the axis' unit.

    A text conversation has no recording, so the call has no duration; its length is the
    turns' span (or their number), else every marker lands past the end of the timeline."""

    axis: Axis
    length: float
    """Seconds (the recording's, or from 0 to the last turn's end), or the number of turns."""


def timeline_of(detail: CallDetail) -> Timeline:
    """A recording's own length; a text conversation's from its turns (a text call whose
    transcript retention deleted keeps the recording's rule: no length, "-" on the page)."""
    transcript = detail.transcript
    if detail.source == CallSource.AUDIO or transcript is None:
        return Timeline(Axis.SECONDS, detail.duration_s or 0.0)
    if not transcript.timed:
        return Timeline(Axis.TURNS, float(len(transcript.segments)))
    return Timeline(Axis.SECONDS, max((segment.end for segment in transcript.segments), default=0.0))


@dataclass(frozen=True)
class CallPageView:
    detail: CallDetail
    """Masked for the roles that read masked text, as the API's detail is."""
    timeline: Timeline
    review: ReviewState | None
    """None until the call is scored."""
    marks: list[EvidenceMark]
    mark_items: dict[EvidenceKind, list[tuple[str, str]]]
    """The card's items by the kind of mark each takes, as (id, label): the marking form's choices."""
    events: list[CallEvent]
    disputes: CallDisputes
    sampled: list[str]
    """What the sampling rules say of the call beyond its routing reasons."""
    next_call: str | None
    """The next call in the review queue's order, for reviewers."""
    may: Permissions
    incomplete: list[str] = field(default_factory=list)
    """For a reviewer of a draft: what stops the review from being completed now."""


def call_page_view(services: Services, who: Principal, call_id: str) -> CallPageView:
    """Raises `CallNotVisible` or `CallHidden` (services/call_views.py) as the API's detail does."""
    call, stored, detail = open_call(services, who, call_id)
    try:
        review: ReviewState | None = review_state(services, call, stored)
    except NothingToReview:
        review = None
    completed = call.completed_at is not None
    reviewer = who.role in REVIEWERS and review is not None and not completed
    own_agent = who.role == Role.AGENT and who.agent_id is not None and who.agent_id == call.agent_id
    return CallPageView(
        detail=detail,
        timeline=timeline_of(detail),
        review=review,
        marks=marks_of(services, call, redacted=who.redacted),
        mark_items=_mark_items(services, review) if reviewer and review is not None else {},
        events=services.calls.events(call.id),
        disputes=call_disputes(services, call, review),
        sampled=sampled_reasons(services.selections.of_call(call.id), call.routing_reasons),
        next_call=_next_call(services, call.id) if who.role in REVIEWERS else None,
        may=Permissions(
            review=reviewer,
            listen=who.role in services.settings.audio_roles,
            mark=reviewer,
            remove_any_mark=who.role in EVIDENCE_REMOVERS,
            save=who.role in LIBRARY_READERS,
            dispute=who.role in DISPUTERS,
            decide_disputes=who.role in DISPUTE_DECIDERS,
            complete=reviewer,
            reopen=completed and who.role in MANAGERS,
            acknowledge=completed and own_agent and call.acknowledged_at is None,
        ),
        incomplete=_incomplete(services, review) if reviewer and review is not None else [],
    )


def _incomplete(services: Services, review: ReviewState) -> list[str]:
    card = services.scorecards.get(review.scorecard_key)
    return completion_problems(review.machine, as_decisions(review.decisions), card.comments_required)


def _mark_items(services: Services, review: ReviewState) -> dict[EvidenceKind, list[tuple[str, str]]]:
    found: dict[EvidenceKind, list[tuple[str, str]]] = {}
    for item in services.scorecards.get(review.scorecard_key).all_items():
        kind = mark_kind_of(item)
        if kind is not None:
            found.setdefault(kind, []).append((item.id, item.label))
    return found


def _next_call(services: Services, current: str) -> str | None:
    """The first call in the review queue's order that is neither this one nor reviewed yet."""
    rows = services.review_queue.page(QueueFilter(unclaimed=False, limit=50)).rows
    return next(
        (row.call.id for row in rows if row.call.id != current and row.call.final_verdict is None), None
    )

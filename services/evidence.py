"""Marking evidence on a stored call: the checks that need the call, from the API and the pages alike.

`runtime/evidence.py: MarkRequest` checks what a mark says on its own (a kind with its fields);
this module checks it against the call: scored, inside the recording, an item of the card the
call was scored on that can take that kind of mark. Who may remove a mark is decided here too.
"""

from __future__ import annotations

from typing import assert_never

from runtime.evidence import EvidenceMark, MarkRequest, item_of
from runtime.services import Services
from scoring.items.base import ItemBase, Marks
from services.access import EVIDENCE_REMOVERS
from store.evidence import EvidenceKind
from store.tables import Call
from store.tokens import Role

"""Who may remove anyone's mark (the author may always remove their own)."""


ROUNDING = 0.01
"""Seconds a mark may pass the recording's end by: times are rounded where the page shows them."""


class MarkRefused(ValueError):
    """The mark does not fit the call (answered 422, with this message)."""


class NotScored(LookupError):
    """The call has no analysis to mark yet (answered 409: it may have one later)."""


class NoSuchMark(LookupError):
    """No such mark on this call (or it was removed meanwhile): 404."""


class MayNotRemove(PermissionError):
    """Another inspector's mark: only its author or a supervisor or admin removes it (403)."""


def mark(services: Services, call: Call, request: MarkRequest, author: str) -> EvidenceMark:
    stored = services.results.analysis(call.id)
    if stored is None:
        raise NotScored(f"call {call.id} has not been scored yet: there is nothing to correct")
    transcript = services.results.transcript(call.id)  # the words marked are the transcript's
    duration = transcript.duration_s if transcript is not None else call.duration_s
    if duration is not None and request.end > duration + ROUNDING:
        raise MarkRefused(
            f"the mark ends at {request.end:.2f} s, after the end of the call ({duration:.2f} s)"
        )
    item_id = item_of(request)
    if item_id is not None:
        card = services.scorecards.get(stored.scorecard_key)
        item = next((i for i in card.all_items() if i.id == item_id), None)
        if item is None:
            raise MarkRefused(f"item {item_id!r} is not on scorecard {stored.scorecard_key}")
        _check_item_kind(request.kind, item)
    return services.evidence.add(call.id, stored.id, request, author, _language(call))


def mark_kind_of(item: ItemBase) -> EvidenceKind | None:
    """The kind of mark an item takes, as its type says: evidence of something done (a phrase
    said, a step taken), a forbidden phrase missed, or none (dead air has no words to mark)."""
    marks = item.marks
    match marks:
        case Marks.EVIDENCE:
            return EvidenceKind.ITEM_EVIDENCE
        case Marks.FORBIDDEN_PHRASE:
            return EvidenceKind.FORBIDDEN_PHRASE
        case Marks.NOTHING:
            return None
        case _:
            assert_never(marks)


def _check_item_kind(kind: EvidenceKind, item: ItemBase) -> None:
    takes = mark_kind_of(item)
    if takes is None:
        raise MarkRefused(f"item {item.id!r} ({item.detector.replace('_', ' ')}) has no words to mark")
    if kind != takes:
        raise MarkRefused(
            f"item {item.id!r} forbids no phrase: mark its evidence as item_evidence"
            if takes == EvidenceKind.ITEM_EVIDENCE
            else f"item {item.id!r} is not done by saying something: mark a forbidden phrase it "
            "missed as forbidden_phrase"
        )


def remove(services: Services, call: Call, mark_id: int, role: Role, actor: str) -> None:
    found = services.evidence.get(mark_id)
    if found is None or found.call_id != call.id:
        raise NoSuchMark(f"no mark {mark_id} on call {call.id}")
    if not may_remove(found, role, actor):
        raise MayNotRemove("only its author or a supervisor may remove a mark")
    if not services.evidence.remove(found, actor, _language(call)):
        raise NoSuchMark(f"mark {mark_id} was removed meanwhile")


def may_remove(mark: EvidenceMark, role: Role, actor: str) -> bool:
    return role in EVIDENCE_REMOVERS or mark.author == actor


def marks_of(services: Services, call: Call, redacted: bool) -> list[EvidenceMark]:
    """The call's marks, oldest first; masked for readers of the redacted view."""
    marks = services.evidence.marks(call_ids=[call.id])
    if not redacted:
        return marks
    return [m.masked(_language(call)) for m in marks]


def _language(call: Call) -> str | None:
    """The call's language, for the phone numbers' region when masking."""
    return call.detected_language or call.language

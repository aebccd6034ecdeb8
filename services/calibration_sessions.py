"""Calibration sessions against the stored calls: opening one, blind answers, submission, report.

The API and the pages share these functions, so both refuse alike. Blindness is decided here,
in one place (`visible_answers`, `report`): while a session is open an inspector reads only
their own answers, never a colleague's nor the machine's; closing it reveals them. Answers are
kept apart from the calls' review decisions: a session measures inspectors and changes no score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from review.calibration_sessions import (
    MACHINE,
    MIN_INSPECTORS,
    Answer,
    CalibrationReport,
    Refusal,
    SessionRefused,
    SessionState,
    missing_answers,
    report,
)
from review.final_score import HUMAN_STATUSES
from runtime.results import StoredAnalysis, stored_analysis
from runtime.services import Services
from scoring.results import ItemResult, ItemStatus
from services.access import MANAGERS, Principal
from store.calibration_sessions import (
    CalibrationSessionRepository,
    Locked,
    NewAnswer,
    NewSession,
    NotOpen,
    SessionRecord,
)
from store.db import session_factory
from store.tables import CalibrationAnswer
from store.tokens import Role


@dataclass(frozen=True)
class Viewer:
    """Who reads a session: a manager (supervisor or admin) sees every submitted answer; an
    inspector is known as the review claims know them (`holder`: a user name, or `token N`)."""

    holder: str
    manager: bool


def viewer_of(who: Principal) -> Viewer:
    return Viewer(holder=who.holder, manager=who.role in MANAGERS)


@dataclass(frozen=True)
class SessionCall:
    """A call of a session, with the analysis it was picked on (`analysis`): its items are the
    ones scored, its statuses the machine's answers (never shown while the session is open)."""

    call_id: str
    analysis: StoredAnalysis

    @property
    def items(self) -> list[ItemResult]:
        return self.analysis.analysis.score.items

    def item_key(self, item_id: str) -> str:
        """`card/item`, as the agreement reports name an item across card versions."""
        return f"{self.analysis.scorecard_key.split('@')[0]}/{item_id}"


def repository(services: Services) -> CalibrationSessionRepository:
    return CalibrationSessionRepository(session_factory(services.engine))


def state(record: SessionRecord) -> SessionState:
    return SessionState.OPEN if record.session.closed_at is None else SessionState.CLOSED


def create(
    services: Services, name: str, due_on: date | None, call_ids: list[str], inspectors: list[str], actor: str
) -> SessionRecord:
    """Open a session on scored calls (each on its current analysis) for active inspectors; a
    call or inspector named twice counts once."""
    call_ids, inspectors = list(dict.fromkeys(call_ids)), list(dict.fromkeys(inspectors))
    active = set(inspector_holders(services))
    strangers = [name for name in inspectors if name not in active]
    if strangers:
        raise SessionRefused(Refusal.NO_SUCH_INSPECTOR, f"not an active inspector: {', '.join(strangers)}")
    if not call_ids:
        raise SessionRefused(Refusal.BAD_PICK, "pick at least one call")
    if len(inspectors) < MIN_INSPECTORS:
        raise SessionRefused(Refusal.BAD_PICK, f"pick at least {MIN_INSPECTORS} inspectors")
    picked: dict[str, int] = {}
    for call_id in call_ids:
        row = services.calls.analysis(call_id)
        if row is None and services.calls.get(call_id) is None:
            raise SessionRefused(Refusal.NO_SUCH_CALL, f"no call {call_id}")
        if row is None:
            raise SessionRefused(Refusal.NOT_SCORED, f"call {call_id} is not scored yet")
        picked[call_id] = row.id
    return repository(services).create(NewSession(name, actor, due_on, picked, inspectors))


def inspector_holders(services: Services) -> list[str]:
    """Who may be invited: active inspectors, by user name, and inspector API tokens (`token N`),
    so a tool scoring through the API can take part as a person on the pages does."""
    users = [user.name for user in services.users.active([Role.INSPECTOR])]
    tokens = [
        f"token {token.id}"
        for token in services.tokens.all()
        if token.role == Role.INSPECTOR and token.revoked_at is None
    ]
    return [*users, *tokens]


def session_for(services: Services, session_id: int, viewer: Viewer) -> SessionRecord:
    """The session, if this viewer may read it: managers all, inspectors those they are invited to."""
    record = repository(services).get(session_id)
    if record is None or not (viewer.manager or record.participant(viewer.holder) is not None):
        raise SessionRefused(Refusal.NO_SUCH_SESSION, f"no calibration session {session_id}")
    return record


def session_calls(services: Services, record: SessionRecord) -> list[SessionCall]:
    """The calls in the order they were picked, each with the analysis it was picked on."""
    analyses = {row.call_id: stored_analysis(row) for row in repository(services).analyses(record.session.id)}
    return [SessionCall(call.call_id, analyses[call.call_id]) for call in record.calls]


def session_call(services: Services, record: SessionRecord, call_id: str) -> SessionCall:
    found = next((call for call in session_calls(services, record) if call.call_id == call_id), None)
    if found is None:
        raise SessionRefused(Refusal.NO_SUCH_CALL, f"call {call_id} is not in this session")
    return found


def visible_answers(services: Services, record: SessionRecord, viewer: Viewer) -> list[CalibrationAnswer]:
    """What this viewer may read: their own answers always; while the session is open a manager
    also reads every submitted answer, and once it is closed every participant does too."""
    every = repository(services).answers(record.session.id)
    submitted = {p.inspector for p in record.participants if p.submitted_at is not None}
    revealed = viewer.manager or state(record) == SessionState.CLOSED
    return [a for a in every if a.inspector == viewer.holder or (revealed and a.inspector in submitted)]


def save_answers(
    services: Services, record: SessionRecord, call_id: str, inspector: str, answers: list[NewAnswer]
) -> None:
    """An invited inspector's answers on some items of one call, until they submit. An item
    given twice keeps its last answer, as a later request would replace it."""
    answers = list({answer.item_id: answer for answer in answers}.values())
    if record.participant(inspector) is None:
        raise SessionRefused(Refusal.NO_SUCH_SESSION, f"no calibration session {record.session.id}")
    items = {item.item_id for item in session_call(services, record, call_id).items}
    unknown = [answer.item_id for answer in answers if answer.item_id not in items]
    if unknown:
        raise SessionRefused(Refusal.NO_SUCH_ITEM, f"not on this call's scorecard: {', '.join(unknown)}")
    wrong = [answer.item_id for answer in answers if answer.status not in HUMAN_STATUSES]
    if wrong:
        raise SessionRefused(Refusal.BAD_ANSWER, f"answer pass, fail or na: {', '.join(wrong)}")
    try:
        repository(services).save_answers(record.session.id, call_id, inspector, answers)
    except Locked as error:
        raise SessionRefused(Refusal.LOCKED, str(error)) from error


def submit(services: Services, record: SessionRecord, inspector: str, actor: str) -> None:
    """Hand in every answer at once; from then on they are fixed."""
    if record.participant(inspector) is None:
        raise SessionRefused(Refusal.NO_SUCH_SESSION, f"no calibration session {record.session.id}")
    calls = session_calls(services, record)
    items = {call.call_id: [item.item_id for item in call.items] for call in calls}
    given = [(a.call_id, a.item_id) for a in repository(services).answers(record.session.id, inspector)]
    missing = missing_answers(items, given)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise SessionRefused(Refusal.INCOMPLETE, f"{len(missing)} items are not answered yet: {shown}")
    try:
        repository(services).submit(
            record.session.id, inspector, actor, {k: len(v) for k, v in items.items()}
        )
    except Locked as error:
        raise SessionRefused(Refusal.LOCKED, str(error)) from error


def close(services: Services, record: SessionRecord, actor: str) -> None:
    try:
        repository(services).close(record.session.id, actor)
    except NotOpen as error:
        raise SessionRefused(Refusal.CLOSED, str(error)) from error


def session_report(services: Services, record: SessionRecord, viewer: Viewer) -> CalibrationReport:
    """The submitted inspectors compared with one another and with the machine. Managers read it
    once two have submitted; participants once the session is closed."""
    if not viewer.manager and state(record) == SessionState.OPEN:
        raise SessionRefused(
            Refusal.NOT_REVEALED, "the report is shown to participants once the session is closed"
        )
    submitted = [p.inspector for p in record.participants if p.submitted_at is not None]
    if len(submitted) < MIN_INSPECTORS:
        raise SessionRefused(
            Refusal.TOO_FEW,
            f"{len(submitted)} of {len(record.participants)} inspectors have submitted; "
            f"the report needs {MIN_INSPECTORS}",
        )
    calls = {call.call_id: call for call in session_calls(services, record)}
    answers = [
        Answer(a.call_id, calls[a.call_id].item_key(a.item_id), a.inspector, ItemStatus(a.status), a.comment)
        for a in repository(services).answers(record.session.id)
        if a.inspector in submitted
    ]
    machine = [
        Answer(call.call_id, call.item_key(item.item_id), MACHINE, item.status)
        for call in calls.values()
        for item in call.items
    ]
    return report([*machine, *answers], submitted)


def blind_refusal(services: Services, role: Role, holder: str, call_id: str) -> str | None:
    """Why an inspector may not open the machine's result of `call_id` now (they score it blind in a
    calibration session and have not submitted), or None. Its audio and transcript stay open to
    them on the session's own scoring page."""
    if role != Role.INSPECTOR:
        return None
    session_id = repository(services).scoring_blind(holder, call_id)
    if session_id is None:
        return None
    return (
        f"You are scoring this call blind in calibration session {session_id}; "
        "the machine's result opens to you once you submit your answers."
    )

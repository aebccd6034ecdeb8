"""The review queue page: routing's order, filters, paging, and who is reviewing what.

Inspectors claim a call and release it; supervisors and admins also assign a call to a
reviewer and release anyone's claim. Filters are plain GET parameters, so a filtered page can
be bookmarked; a value that cannot be read is named on the page and left out, not a 422.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.common.days import form_day
from api.web.pages import PageRefused, render
from api.web.session import form_for, page_for, safe_next
from review.queue_reasons import REASONS, QueueReason
from scoring.results import Verdict
from services.access import MANAGERS, REVIEWERS
from services.call_views import hidden_calls
from services.days import day_start
from services.sampling import sampled_reasons
from store.review_queue import ClaimError, QueueFilter, QueueView

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25

CLAIMED = {"": "anyone's or no one's", "mine": "claimed by me", "unclaimed": "not claimed"}

VIEWS = {
    QueueView.OPEN: "Open",
    QueueView.IN_PROGRESS: "In progress",
    QueueView.COMPLETED: "Completed",
}
"""The queue's tabs: the work left (open), reviews begun and not completed, completed reviews."""


Text = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True)
class QueueQuery:
    agent: str = ""
    team: str = ""
    queue: str = ""
    reason: str = ""
    verdict: str = ""
    date_from: str = ""
    date_to: str = ""
    claimed: str = ""
    view: str = ""

    def as_filter(self, holder: str, page: int) -> tuple[QueueFilter, list[str]]:
        """The store's filter, and the values that could not be read (left out)."""
        problems: list[str] = []
        reason = REASONS[QueueReason(self.reason)] if self.reason in set(QueueReason) else None
        if self.reason and reason is None:
            problems.append(f"reason: unknown value {self.reason!r}")
        verdict = self.verdict if self.verdict in set(Verdict) else None
        if self.verdict and verdict is None:
            problems.append(f"verdict: unknown value {self.verdict!r}")
        view = QueueView(self.view) if self.view in set(QueueView) else QueueView.OPEN
        if self.view and self.view not in set(QueueView):
            problems.append(f"view: unknown value {self.view!r}")
        first = form_day(self.date_from, "date from", problems)
        last = form_day(self.date_to, "date to", problems)
        return (
            QueueFilter(
                agent_id=self.agent.strip() or None,
                team=self.team.strip() or None,
                queue=self.queue.strip() or None,
                verdict=verdict,
                reason_prefix=reason.routing_prefix if reason else None,
                sampling_rule=reason.rule if reason else None,
                started_from=day_start(first),
                started_to=day_start(last, next_day=True),
                holder=holder if self.claimed == "mine" else None,
                unclaimed=self.claimed == "unclaimed",
                view=view,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            ),
            problems,
        )

    def link(self, page: int) -> str:
        given = {name: value for name, value in vars(self).items() if value}
        return "/ui/queue?" + urlencode({**given, "page": page})


@router.get("/ui/queue")
def queue_page(
    request: Request,
    agent: Text = "",
    team: Text = "",
    queue: Text = "",
    reason: Text = "",
    verdict: Text = "",
    date_from: Text = "",
    date_to: Text = "",
    claimed: Text = "",
    view: Text = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    browser: BrowserSession = Depends(page_for(*REVIEWERS)),
) -> Response:
    query = QueueQuery(agent, team, queue, reason, verdict, date_from, date_to, claimed, view)
    services = services_of(request)
    filters, problems = query.as_filter(browser.principal.holder, page)
    filters = replace(filters, hidden=hidden_calls(services, browser.principal))
    found = services.review_queue.page(filters)
    manager = browser.principal.role in MANAGERS
    reviewers = [user.name for user in services.users.active(REVIEWERS)] if manager else []
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    context = {
        "query": query,
        "rows": found.rows,
        "sampled": {
            row.call.id: sampled_reasons(row.selection, row.call.routing_reasons) for row in found.rows
        },
        "total": found.total,
        "page": page,
        "pages": pages,
        "first_rank": filters.offset + 1,
        "problems": problems,
        "reasons": {value.value: match.label for value, match in REASONS.items()},
        "verdicts": [v.value for v in Verdict],
        "claimed_options": CLAIMED,
        "views": {value.value: label for value, label in VIEWS.items()},
        "view": filters.view.value,
        "view_links": {value.value: replace(query, view=value.value).link(1) for value in VIEWS},
        "manager": manager,
        "reviewers": reviewers,
        "back": request.url.query,
        "previous_link": query.link(page - 1) if page > 1 else None,
        "next_link": query.link(page + 1) if page < pages else None,
    }
    return render(request, "queue.html", context)


Back = Annotated[str, Form(max_length=2000)]


def _back(back: str) -> Response:
    """To the queue page the form was on, with its filters."""
    return RedirectResponse(safe_next("/ui/queue?" + back if back else "/ui/queue"), status_code=303)


@router.post("/ui/queue/{call_id}/claim")
def claim(
    request: Request, call_id: str, back: Back = "", browser: BrowserSession = Depends(form_for(*REVIEWERS))
) -> Response:
    who = browser.principal
    _refuse_conflict(lambda: services_of(request).review_queue.claim(call_id, who.holder, who.actor))
    return _back(back)


@router.post("/ui/queue/{call_id}/release")
def release(
    request: Request, call_id: str, back: Back = "", browser: BrowserSession = Depends(form_for(*REVIEWERS))
) -> Response:
    who = browser.principal
    only_holder = None if who.role in MANAGERS else who.holder
    _refuse_conflict(lambda: services_of(request).review_queue.release(call_id, who.actor, only_holder))
    return _back(back)


@router.post("/ui/queue/{call_id}/assign")
def assign(
    request: Request,
    call_id: str,
    holder: Annotated[str, Form(max_length=64)] = "",
    back: Back = "",
    browser: BrowserSession = Depends(form_for(*MANAGERS)),
) -> Response:
    services = services_of(request)
    if holder not in {user.name for user in services.users.active(REVIEWERS)}:
        raise PageRefused(422, f"{holder!r} is not an active reviewer (admin, supervisor or inspector)")
    _refuse_conflict(lambda: services.review_queue.assign(call_id, holder, browser.principal.actor))
    return _back(back)


def _refuse_conflict(action: Callable[[], None]) -> None:
    try:
        action()
    except ClaimError as error:
        raise PageRefused(409, str(error)) from error

"""Disputes in the workspace: an agent disputes an item from the call page, a supervisor decides
there or from the list of open disputes (`/ui/disputes`).

Plain forms with the session's CSRF token, so they work without JavaScript; the rules and their
refusals are the API's (services/disputes.py), answered with the same status codes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.common.params import RowId
from api.common.refusals import dispute_status
from api.web.pages import PageRefused, call_for, render
from api.web.session import form_for, page_for
from review.disputes import DisputeRefused, DisputeState
from scoring.results import ItemStatus
from services import disputes
from services.access import DISPUTE_DECIDERS, DISPUTERS
from store.disputes import DisputeFilter

router = APIRouter(include_in_schema=False)

Said = Annotated[str, Form(max_length=2000)]


@router.post("/ui/calls/{call_id}/items/{item_id}/dispute")
def dispute_item(
    request: Request,
    call_id: str,
    item_id: str,
    reason: Said = "",
    browser: BrowserSession = Depends(form_for(*DISPUTERS)),
) -> Response:
    """An agent disputes one item of their own call; back to the call page at that item."""
    services = services_of(request)
    call = call_for(services, browser, call_id)
    who = browser.principal
    try:
        disputes.open_dispute(services, call, item_id, _said(reason), who.agent_id, who.actor)
    except DisputeRefused as error:
        raise PageRefused(dispute_status(error), f"The dispute was not opened: {error}.") from error
    return RedirectResponse(f"/ui/calls/{call_id}#item-{item_id}", status_code=303)


@router.post("/ui/disputes/{dispute_id}/decide")
def decide_dispute(
    request: Request,
    dispute_id: RowId,
    decision: Annotated[str, Form(pattern="^(accept|reject)$")],
    status: Annotated[ItemStatus, Form()] = ItemStatus.PASS,
    comment: Said = "",
    back: Annotated[str, Form(pattern="^(call|list)$")] = "call",
    browser: BrowserSession = Depends(form_for(*DISPUTE_DECIDERS)),
) -> Response:
    """Accept (the chosen status becomes the item's) or reject, with a comment; back to where the
    supervisor decided: the call page at the item, or the list of open disputes."""
    services = services_of(request)
    said, who = _said(comment), browser.principal.actor
    try:
        if decision == "accept":
            if status == ItemStatus.UNDECIDABLE:
                raise PageRefused(422, "Accept with pass, fail or N/A.")
            row = disputes.accept(services, dispute_id, status, said, who)
        else:
            row = disputes.reject(services, dispute_id, said, who)
    except DisputeRefused as error:
        raise PageRefused(dispute_status(error), f"The dispute was not decided: {error}.") from error
    where = "/ui/disputes" if back == "list" else f"/ui/calls/{row.call_id}#item-{row.item_id}"
    return RedirectResponse(where, status_code=303)


@router.get("/ui/disputes")
def open_disputes(
    request: Request, browser: BrowserSession = Depends(page_for(*DISPUTE_DECIDERS))
) -> Response:
    """The open disputes, the longest waiting first, each decidable here."""
    rows = disputes.repository(services_of(request)).search(DisputeFilter(state=DisputeState.OPEN, limit=500))
    return render(request, "disputes.html", {"rows": rows})


def _said(text: str) -> str:
    if not text.strip() or "\x00" in text:
        raise PageRefused(422, "Say why (the comment or reason is empty).")
    return text.strip()

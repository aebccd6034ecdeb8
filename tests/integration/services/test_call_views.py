"""Opening a call for a reader is one service: the API's detail and the call page's view are the
same, masked the same way, and refused the same way (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.access import Principal
from services.call_page import call_page_view
from services.call_views import CallNotVisible, call_detail, visible_call
from store.tokens import Role
from tests.support.api import scored_call_with_pii
from tests.support.web import services_of

CARD = "4111 1111 1111 1111"


def test_the_page_and_the_api_read_the_same_masked_detail(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    services = services_of(client)
    trainer = Principal(token_id=1, role=Role.TRAINER, agent_id=None)
    view = call_page_view(services, trainer, call_id)
    assert view.detail == call_detail(services, trainer, call_id)
    assert CARD not in view.detail.model_dump_json()
    assert view.may.save and not view.may.review and not view.may.mark and view.next_call is None

    inspector = Principal(token_id=2, role=Role.INSPECTOR, agent_id=None)
    full = call_page_view(services, inspector, call_id)
    assert CARD in full.detail.model_dump_json()
    assert full.review is not None and full.may.review and full.may.mark and full.mark_items
    assert CARD not in call_detail(services, inspector, call_id, redacted=True).model_dump_json()


def test_an_agent_opens_only_their_own_calls(client: TestClient) -> None:
    mine = scored_call_with_pii(client, "A7")
    theirs = scored_call_with_pii(client, "A8", freq=659.0)
    services = services_of(client)
    agent = Principal(token_id=3, role=Role.AGENT, agent_id="A7")
    own = call_page_view(services, agent, mine)
    assert CARD not in own.detail.model_dump_json() and own.may.dispute and not own.may.review
    for refused in (theirs, "no-such-call", "a\x00b"):
        with pytest.raises(CallNotVisible):
            visible_call(services, agent, refused)
        with pytest.raises(CallNotVisible):
            call_page_view(services, agent, refused)

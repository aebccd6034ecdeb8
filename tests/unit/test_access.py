"""Who may see what is decided in one place (services/access.py): the listings, the search and
the call views all ask it."""

from __future__ import annotations

import pytest

from services.access import REDACTED_ROLES, Principal
from store.tokens import Role


def test_an_agent_lists_only_their_own_calls_whatever_they_ask() -> None:
    agent = Principal(token_id=1, role=Role.AGENT, agent_id="A7")
    assert agent.agent_scope(None) == "A7" and agent.agent_scope("A8") == "A7"
    assert agent.may_see("A7") and not agent.may_see("A8") and not agent.may_see(None)
    nobody = Principal(token_id=2, role=Role.AGENT, agent_id=None)
    assert nobody.agent_scope(None) == "" and not nobody.may_see(None)  # no call has agent ""


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.TRAINER])
def test_other_roles_list_what_they_ask_and_see_every_call(role: Role) -> None:
    reader = Principal(token_id=3, role=role, agent_id=None)
    assert reader.agent_scope(None) is None and reader.agent_scope("A8") == "A8"
    assert reader.may_see("A8") and reader.may_see(None)
    assert reader.redacted == (role in REDACTED_ROLES)

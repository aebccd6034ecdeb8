"""API tokens found valid are trusted for a few seconds; a revoked one is refused once they pass."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.common.token_cache import TokenCache, TokenCachePolicy
from api.http.app import create_app
from runtime.settings import Settings
from services.access import Principal
from store.tokens import Role

ADMIN = Principal(token_id=1, role=Role.ADMIN, agent_id=None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_is_trusted_for_the_ttl_and_looked_up_again_after() -> None:
    clock = Clock()
    cache = TokenCache(TokenCachePolicy(ttl_s=5), clock)
    assert cache.get("cqa_a") is None
    cache.remember("cqa_a", ADMIN)
    clock.now += 4.9
    assert cache.get("cqa_a") == ADMIN
    assert cache.get("cqa_b") is None
    clock.now += 0.2
    assert cache.get("cqa_a") is None


def test_a_zero_ttl_remembers_nothing() -> None:
    cache = TokenCache(TokenCachePolicy(ttl_s=0))
    cache.remember("cqa_a", ADMIN)
    assert cache.get("cqa_a") is None


def test_the_memory_is_bounded() -> None:
    cache = TokenCache(TokenCachePolicy(ttl_s=60, max_tokens=2))
    for n in range(3):
        cache.remember(f"cqa_{n}", ADMIN)
    assert [cache.get(f"cqa_{n}") is not None for n in range(3)] == [False, True, True]


def _revoked_after_one_request(client: TestClient) -> tuple[dict[str, str], int]:
    """A token used once, then revoked: its headers, and the status of the request right after."""
    tokens = client.app.state.services.tokens  # type: ignore[attr-defined]
    record, plaintext = tokens.create("supervisor", "integration")
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/calls", headers=headers).status_code == 200
    assert tokens.revoke(record.id)
    return headers, client.get("/calls", headers=headers).status_code


def test_a_revoked_token_is_refused_once_the_cache_time_has_passed(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"token_cache_s": 0.5}))) as client:
        headers, at_once = _revoked_after_one_request(client)
        assert at_once == 200  # trusted for up to CALLQA_TOKEN_CACHE_S: the documented trade-off
        time.sleep(0.6)
        refused = client.get("/calls", headers=headers)
        assert refused.status_code == 401 and refused.json()["detail"] == "invalid or revoked token"


def test_with_no_cache_a_revoked_token_is_refused_at_once(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"token_cache_s": 0}))) as client:
        assert _revoked_after_one_request(client)[1] == 401

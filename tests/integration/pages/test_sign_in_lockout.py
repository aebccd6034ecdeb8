"""The sign-in lockout (issue 25, part 8): per user name and address, per user name, per address,
and which address a request comes from (a forwarded header only from a trusted proxy).

Through the real app (TestClient) on SQLite and PostgreSQL: what a person guessing a password,
spraying one password over many names, or rotating X-Forwarded-For would see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select

from api.http.app import create_app
from runtime.settings import Settings
from store.db import session_factory
from store.sign_in_failures import SignInFailures, SignInLimits
from store.tables import SignInFailure
from tests.support.schema import differences, downgrade, upgrade
from tests.support.web import add_user, services_of, sign_in

SMALL = SignInLimits(pair_failures=2, account_failures=3, client_failures=4)
WRONG = "not the password"


@pytest.fixture
def small_limits(settings: Settings) -> Iterator[TestClient]:
    """The app with small limits, so each rule is reached in a few tries."""
    with TestClient(create_app(settings.model_copy(update={"sign_in_limits": SMALL}))) as client:
        yield client


def other_client(client: TestClient, address: str) -> TestClient:
    """The same running app, reached from another address (its own cookies)."""
    return TestClient(client.app, client=(address, 40000))


def test_a_changing_forwarded_for_does_not_reset_the_lockout(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    for hop in range(5):
        client.headers["X-Forwarded-For"] = f"203.0.113.{hop}"
        assert sign_in(client, "alice", WRONG).status_code == 401
    client.headers["X-Forwarded-For"] = "203.0.113.99"
    locked = sign_in(client, "alice")  # the right password, from "another address": too late
    assert locked.status_code == 429 and "Too many failed attempts" in locked.text


def test_a_trusted_proxys_forwarded_for_names_the_client(settings: Settings) -> None:
    behind_proxy = settings.model_copy(update={"trusted_proxies": [ip_network("10.0.0.0/24")]})
    with TestClient(create_app(behind_proxy), client=("10.0.0.7", 40000)) as proxy:
        add_user(proxy, "alice", "inspector")
        for _ in range(5):
            # a client may write what it likes on the left; the proxy appends its real address
            proxy.headers["X-Forwarded-For"] = "198.51.100.1, 203.0.113.5"
            assert sign_in(proxy, "alice", WRONG).status_code == 401
        proxy.headers["X-Forwarded-For"] = "198.51.100.2, 203.0.113.5"
        assert sign_in(proxy, "alice").status_code == 429  # the same client, whatever it wrote
        proxy.headers["X-Forwarded-For"] = "203.0.113.6, 10.0.0.8"  # another client, via two proxies
        assert sign_in(proxy, "alice").status_code == 303


def test_password_spraying_from_one_address_is_refused_with_429(small_limits: TestClient) -> None:
    add_user(small_limits, "alice", "inspector")
    for number in range(SMALL.client_failures):
        assert sign_in(small_limits, f"user{number}", WRONG).status_code == 401
    sprayed = sign_in(small_limits, "alice")
    assert sprayed.status_code == 429 and "from your address" in sprayed.text
    assert 0 < int(sprayed.headers["retry-after"]) <= SMALL.client_minutes * 60
    assert sign_in(other_client(small_limits, "198.51.100.2"), "alice").status_code == 303


def test_one_account_is_locked_from_every_address(small_limits: TestClient) -> None:
    add_user(small_limits, "alice", "inspector")
    add_user(small_limits, "bob", "inspector")
    for _ in range(SMALL.pair_failures):
        assert sign_in(small_limits, "alice", WRONG).status_code == 401
    assert sign_in(small_limits, "alice", WRONG).status_code == 429  # this pair is locked
    second = other_client(small_limits, "198.51.100.2")
    assert sign_in(second, "alice", WRONG).status_code == 401  # the third failure for alice
    third = other_client(small_limits, "198.51.100.3")
    locked = sign_in(third, "alice")  # the right password, from an address that never failed
    assert locked.status_code == 429 and "for this user name" in locked.text
    assert sign_in(third, "bob").status_code == 303  # other users are not held up


def test_a_success_clears_its_pair(small_limits: TestClient) -> None:
    add_user(small_limits, "alice", "inspector")
    assert sign_in(small_limits, "alice", WRONG).status_code == 401
    assert sign_in(small_limits, "alice").status_code == 303
    small_limits.cookies.clear()
    assert sign_in(small_limits, "alice", WRONG).status_code == 401  # one failure since the success
    assert sign_in(small_limits, "alice").status_code == 303


def test_the_account_lock_is_short_and_names_are_kept_only_hashed(client: TestClient) -> None:
    services = services_of(client)
    now = [datetime(2026, 11, 28, 9, 0, tzinfo=UTC)]
    failures = SignInFailures(session_factory(services.engine), SMALL, clock=lambda: now[0])
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        failures.failed("Alice", address)
    locked = failures.locked("alice", "198.51.100.4")
    assert locked is not None and locked.wait_s == SMALL.account_minutes * 60
    now[0] += timedelta(minutes=SMALL.account_minutes, seconds=1)
    assert failures.locked("alice", "198.51.100.4") is None
    with session_factory(services.engine)() as db:
        stored = db.scalars(select(SignInFailure.account)).all()
    assert stored and all(account is not None and "alice" not in account.lower() for account in stored)


def test_token_sign_ins_lock_per_address_only(small_limits: TestClient) -> None:
    """A token names no account: failed token tries lock their address, not token sign-in for all."""
    services = services_of(small_limits)
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        for _ in range(SMALL.pair_failures):
            services.sign_in_failures.failed(None, address)
    assert services.sign_in_failures.locked(None, "198.51.100.1") is not None
    assert services.sign_in_failures.locked(None, "198.51.100.9") is None


def test_the_failures_table_migrates_both_ways(client: TestClient) -> None:
    engine = services_of(client).engine
    assert differences(engine, "sign_in_failures") == []
    downgrade(engine, "0021")
    assert "sign_in_failures" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert differences(engine, "sign_in_failures") == []

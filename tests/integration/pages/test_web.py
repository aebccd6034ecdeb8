"""The web workspace's foundation (issue 11, section 2): users, sessions, CSRF, roles, the queue.

Everything through the real app (TestClient), on SQLite and PostgreSQL: what a person signing
in, a reviewer working the queue and an attacker replaying a form would each see.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.http.app import create_app
from runtime.settings import Settings
from store.db import session_factory
from store.tables import CallEvent, ReviewClaim, WebSession
from store.users import UserError
from store.web_sessions import SessionTimeouts, WebSessionStore
from tests.support.api import scored_call_with_pii, token
from tests.support.web import PASSWORD, add_user, csrf_of, queue_ids, review_call, services_of, sign_in

# -- users and sessions in the store ------------------------------------------------------------


def test_users_keep_only_an_argon2_hash_and_fail_alike(client: TestClient) -> None:
    users = services_of(client).users
    added = users.add("Alice", PASSWORD, "inspector", team="billing")
    assert added.name == "alice" and added.password_hash.startswith("$argon2id$")
    assert PASSWORD not in added.password_hash
    assert users.authenticate("ALICE ", PASSWORD) is not None
    assert users.authenticate("alice", "wrong password!") is None
    assert users.authenticate("nobody", PASSWORD) is None
    for bad in (
        lambda: users.add("alice", PASSWORD, "inspector"),
        lambda: users.add("bob", "short", "inspector"),
        lambda: users.add("carol", PASSWORD, "agent"),
        lambda: users.add("dave", PASSWORD, "boss"),
        lambda: users.add("has space", PASSWORD, "trainer"),
    ):
        with pytest.raises(UserError):
            bad()
    users.disable("alice")
    assert users.authenticate("alice", PASSWORD) is None


def test_a_session_ends_when_idle_too_long_past_its_end_or_with_its_user(client: TestClient) -> None:
    services = services_of(client)
    user = services.users.add("erin", PASSWORD, "inspector")
    store = WebSessionStore(session_factory(services.engine), SessionTimeouts(idle=timedelta(minutes=5)))
    session_id = store.start(user_id=user.id)
    identity = store.resume(session_id)
    assert identity is not None and identity.user_name == "erin" and identity.role == "inspector"
    with session_factory(services.engine).begin() as db:
        stored = db.scalars(select(WebSession)).one()
        assert stored.id_hash != session_id and session_id not in stored.id_hash  # only its hash
        stored.last_seen_at = datetime.now(UTC) - timedelta(minutes=6)
    assert store.resume(session_id) is None  # idle too long, and deleted
    absolute = store.start(user_id=user.id)
    with session_factory(services.engine).begin() as db:
        db.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert store.resume(absolute) is None
    live = store.start(user_id=user.id)
    services.users.set_role("erin", "supervisor")
    resumed = store.resume(live)
    assert resumed is not None and resumed.role == "supervisor"  # read on every request
    services.users.disable("erin")
    assert store.resume(live) is None


# -- signing in and out ----------------------------------------------------------------------------


def test_pages_need_a_session_and_come_back_after_sign_in(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    first = client.get("/ui/queue?verdict=fail", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/ui/login?next=%2Fui%2Fqueue%3Fverdict%3Dfail"
    assert client.post("/ui/queue/x/claim", follow_redirects=False).headers["location"] == "/ui/login"
    assert client.get("/ui/static/style.css").status_code == 200
    signed = sign_in(client, "alice", next_page="/ui/queue?verdict=fail")
    assert signed.status_code == 303 and signed.headers["location"] == "/ui/queue?verdict=fail"
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("callqa_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie  # CALLQA_WEB_HTTPS is off
    page = client.get("/ui/queue")
    assert page.status_code == 200 and "alice" in page.text
    assert (
        page.headers["cache-control"] == "no-store"
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )
    assert client.get("/calls").status_code == 401  # the cookie never signs in to the API


def test_an_expired_session_is_sent_to_sign_in_again(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    sign_in(client, "alice")
    assert client.get("/ui/queue").status_code == 200
    with session_factory(services_of(client).engine).begin() as db:
        db.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    expired = client.get("/ui/queue", follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"].startswith("/ui/login?next=")


def test_sign_in_never_redirects_to_another_site(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    for evil in ("https://evil.example/ui/", "//evil.example/ui/", "/\\evil.example", "/calls"):
        client.cookies.clear()
        assert sign_in(client, "alice", next_page=evil).headers["location"] == "/ui/"


def test_a_failed_sign_in_does_not_say_whether_the_user_exists(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    add_user(client, "gone", "inspector")
    services_of(client).users.disable("gone")
    answers = [
        sign_in(client, name, password)
        for name, password in (
            ("alice", "not the password"),
            ("nobody", PASSWORD),
            ("gone", PASSWORD),
        )
    ]
    for answer in answers:
        assert answer.status_code == 401 and "Wrong user name or password." in answer.text
        assert "callqa_session" not in answer.headers.get("set-cookie", "")
    assert client.get("/ui/queue", follow_redirects=False).status_code == 303


def test_sign_in_is_throttled_per_user_name_and_client(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    add_user(client, "bob", "inspector")
    for _ in range(5):
        assert sign_in(client, "alice", "guess guess guess").status_code == 401
    blocked = sign_in(client, "alice")  # the right password, too late
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
    assert sign_in(client, "bob").status_code == 303  # another name is not held up


def test_the_sign_in_form_must_come_from_this_site(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    forged = client.post("/ui/login", data={"name": "alice", "password": PASSWORD, "sign_in_value": "x"})
    assert forged.status_code == 403
    assert client.get("/ui/queue", follow_redirects=False).status_code == 303


def test_sign_in_with_an_api_token(client: TestClient) -> None:
    plaintext = token(client, "supervisor")["Authorization"].removeprefix("Bearer ")
    form = client.get("/ui/login")
    value = re.search(r'name="sign_in_value" value="([^"]+)"', form.text)
    assert value is not None
    wrong = client.post("/ui/login/token", data={"token": "cqa_nope", "sign_in_value": value.group(1)})
    assert wrong.status_code == 401
    value = re.search(r'name="sign_in_value" value="([^"]+)"', wrong.text)
    assert value is not None
    signed = client.post(
        "/ui/login/token", data={"token": plaintext, "sign_in_value": value.group(1)}, follow_redirects=False
    )
    assert signed.status_code == 303
    page = client.get("/ui/queue")
    assert page.status_code == 200 and "token " in page.text and "supervisor" in page.text
    record = services_of(client).tokens.all()[0]
    services_of(client).tokens.revoke(record.id)
    assert client.get("/ui/queue", follow_redirects=False).status_code == 303  # revoked: signed out


def test_sign_out_ends_the_session_on_the_server(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    sign_in(client, "alice")
    stolen = client.cookies["callqa_session"]
    assert client.post("/ui/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/ui/queue").status_code == 200  # a forged sign-out changed nothing
    out = client.post("/ui/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    client.cookies.set("callqa_session", stolen, path="/ui")
    assert client.get("/ui/queue", follow_redirects=False).status_code == 303


def test_secure_cookies_when_served_over_https(settings: Settings) -> None:
    over_https = settings.model_copy(update={"web_https": True})
    with TestClient(create_app(over_https), base_url="https://testserver") as secure_client:
        add_user(secure_client, "alice", "inspector")
        signed = sign_in(secure_client, "alice")
        cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("callqa_session="))
        assert "Secure" in cookie


def test_sign_ins_are_logged_without_passwords_or_tokens(client: TestClient) -> None:
    from runtime.logs import configure_logging

    add_user(client, "alice", "inspector")
    plaintext = token(client, "admin")["Authorization"].removeprefix("Bearer ")
    captured = io.StringIO()
    configure_logging("json", "INFO", stream=captured)
    try:
        sign_in(client, "alice", "my secret guess")
        sign_in(client, "my-password-typed-as-name", PASSWORD)
        sign_in(client, "alice")
        value = re.search(r'name="sign_in_value" value="([^"]+)"', client.get("/ui/login").text)
        assert value is not None
        client.post("/ui/login/token", data={"token": plaintext, "sign_in_value": value.group(1)})
    finally:
        configure_logging()
    log = captured.getvalue()
    assert log.count("sign-in refused") == 2 and log.count('"signed in"') == 2
    for secret in ("my secret guess", PASSWORD, plaintext, "my-password-typed-as-name"):
        assert secret not in log


# -- roles -------------------------------------------------------------------------------------


def test_each_role_sees_only_what_it_may(client: TestClient) -> None:
    for name, role, agent in (
        ("agent7", "agent", "A7"),
        ("trainer", "trainer", None),
        ("inspector", "inspector", None),
        ("admin", "admin", None),
    ):
        add_user(client, name, role, agent)
    sign_in(client, "agent7")
    refused = client.get("/ui/queue")
    assert refused.status_code == 403 and "may not open this page" in refused.text
    home = client.get("/ui/")
    assert home.status_code == 200 and "Review queue" not in home.text and "A7" in home.text
    assert client.get("/ui/admin/users").status_code == 403
    client.cookies.clear()
    sign_in(client, "trainer")
    assert client.get("/ui/queue").status_code == 403
    client.cookies.clear()
    sign_in(client, "inspector")
    page = client.get("/ui/queue")
    assert "Review queue" in page.text and 'href="/ui/admin/users"' not in page.text
    assert client.get("/ui/admin/users").status_code == 403
    client.cookies.clear()
    sign_in(client, "admin")
    assert 'href="/ui/admin/users"' in client.get("/ui/queue").text


# -- the review queue ----------------------------------------------------------------------------


def test_the_queue_lists_review_calls_in_routing_order_with_reasons_and_filters(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    real = scored_call_with_pii(client, "A1")  # scored by the real card and router
    reasons = services_of(client).calls.get(real)
    assert reasons is not None and reasons.routing_reasons
    day = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    near = review_call(
        services_of(client), "A2", ["near the pass mark: 83 < 90"], 0.2, "sales", day, verdict="pass"
    )
    audit = review_call(
        services_of(client), "A3", ["random audit sample (rate 5%)"], 0.1, "billing", day + timedelta(days=1)
    )
    sign_in(client, "alice")
    page = client.get("/ui/queue")
    assert queue_ids(client) == [real, near, audit]  # riskiest first, as routing orders it
    assert all(reason in page.text for reason in ("near the pass mark: 83 &lt; 90", "random audit sample"))
    assert f'href="/ui/calls/{near}"' in page.text
    assert queue_ids(client, reason="near") == [near]
    assert queue_ids(client, agent="A3") == [audit]
    assert queue_ids(client, team="sales") == [near]
    assert queue_ids(client, verdict="pass") == [near]
    assert queue_ids(client, date_from="2026-11-03", date_to="2026-11-03") == [audit]
    assert queue_ids(client, queue="energy-en") == [near, audit]
    bad = client.get("/ui/queue", params={"date_from": "last week", "reason": "vibes"})
    assert bad.status_code == 200 and "not a day" in bad.text and "unknown value" in bad.text


def test_the_queue_pages(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("api.web.queue.PAGE_SIZE", 2)
    add_user(client, "alice", "inspector")
    ids = [
        review_call(services_of(client), "A1", ["below the pass mark"], priority)
        for priority in (0.9, 0.7, 0.5)
    ]
    sign_in(client, "alice")
    first = client.get("/ui/queue", params={"agent": "A1"})
    assert "Page 1 of 2" in first.text and queue_ids(client, agent="A1") == ids[:2]
    assert 'href="/ui/queue?agent=A1&amp;page=2"' in first.text
    assert queue_ids(client, agent="A1", page="2") == ids[2:]


def test_claim_and_release_need_the_csrf_token_and_change_nothing_without_it(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    add_user(client, "bob", "inspector")
    call_id = review_call(services_of(client), "A1", ["below the pass mark"], 0.9)
    sign_in(client, "alice")
    for forged in ({}, {"csrf_token": "guessed"}):
        assert client.post(f"/ui/queue/{call_id}/claim", data=forged).status_code == 403
    with session_factory(services_of(client).engine)() as db:
        assert db.scalars(select(ReviewClaim)).all() == []
    claimed = client.post(
        f"/ui/queue/{call_id}/claim",
        data={"csrf_token": csrf_of(client), "back": "agent=A1"},
        follow_redirects=False,
    )
    assert claimed.status_code == 303 and claimed.headers["location"] == "/ui/queue?agent=A1"
    assert queue_ids(client, claimed="mine") == [call_id]
    client.cookies.clear()
    sign_in(client, "bob")
    assert queue_ids(client, claimed="unclaimed") == []
    taken = client.post(f"/ui/queue/{call_id}/claim", data={"csrf_token": csrf_of(client)})
    assert taken.status_code == 409 and "already claimed by alice" in taken.text
    assert (
        client.post(f"/ui/queue/{call_id}/release", data={"csrf_token": csrf_of(client)}).status_code == 409
    )
    client.cookies.clear()
    sign_in(client, "alice")
    client.post(f"/ui/queue/{call_id}/release", data={"csrf_token": csrf_of(client)})
    assert queue_ids(client, claimed="unclaimed") == [call_id]
    history = services_of(client).calls.events(call_id)
    assert [(e.action, e.actor) for e in history] == [
        ("claim", "user alice (inspector)"),
        ("release", "user alice (inspector)"),
    ]


def test_supervisors_assign_calls_to_reviewers(client: TestClient) -> None:
    add_user(client, "sam", "supervisor")
    add_user(client, "alice", "inspector")
    add_user(client, "tina", "trainer")
    call_id = review_call(services_of(client), "A1", ["below the pass mark"], 0.9)
    sign_in(client, "alice")
    assert (
        client.post(
            f"/ui/queue/{call_id}/assign", data={"csrf_token": csrf_of(client), "holder": "alice"}
        ).status_code
        == 403
    )
    client.cookies.clear()
    sign_in(client, "sam")
    page = client.get("/ui/queue").text
    assert "<option>alice</option>" in page and "<option>tina</option>" not in page
    assert (
        client.post(
            f"/ui/queue/{call_id}/assign", data={"csrf_token": csrf_of(client), "holder": "tina"}
        ).status_code
        == 422
    )
    client.post(f"/ui/queue/{call_id}/assign", data={"csrf_token": csrf_of(client), "holder": "alice"})
    with session_factory(services_of(client).engine)() as db:
        claim = db.get(ReviewClaim, call_id)
        assert claim is not None and claim.holder == "alice" and claim.assigned_by == "user sam (supervisor)"
        event = db.scalars(select(CallEvent).where(CallEvent.action == "assign")).one()
        assert event.after == {"holder": "alice"}
    client.post(f"/ui/queue/{call_id}/release", data={"csrf_token": csrf_of(client)})  # anyone's claim
    assert queue_ids(client, claimed="unclaimed") == [call_id]


# -- users: the admin page and the command line --------------------------------------------------


def test_admins_add_re_role_and_disable_users_on_the_users_page(client: TestClient) -> None:
    add_user(client, "root", "admin")
    sign_in(client, "root")
    csrf = csrf_of(client, "/ui/admin/users")
    new = {"name": "nina", "password": PASSWORD, "role": "agent", "agent_id": "", "team": "billing"}
    refused = client.post("/ui/admin/users", data={**new, "csrf_token": csrf})
    assert refused.status_code == 422 and "agent id" in refused.text and PASSWORD not in refused.text
    assert client.post("/ui/admin/users", data={**new, "agent_id": "A9"}).status_code == 403  # no CSRF
    client.post("/ui/admin/users", data={**new, "agent_id": "A9", "csrf_token": csrf})
    listed = client.get("/ui/admin/users").text
    assert "nina" in listed and "A9" in listed
    client.post("/ui/admin/users/nina/role", data={"role": "inspector", "csrf_token": csrf})
    client.post("/ui/admin/users/nina/disable", data={"csrf_token": csrf})
    (nina,) = [u for u in services_of(client).users.all() if u.name == "nina"]
    assert nina.role == "inspector" and nina.disabled_at is not None
    client.cookies.clear()
    assert sign_in(client, "nina").status_code == 401

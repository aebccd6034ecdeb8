"""Issue 25, part 8: security headers on every kind of response, and forms refused when they
come from another site even with a valid CSRF token (TestClient, SQLite and PostgreSQL)."""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Mapping

from fastapi.testclient import TestClient
from sqlalchemy import select

from store.db import session_factory
from store.tables import ReviewClaim
from tests.support.api import token
from tests.support.web import add_user, csrf_of, review_call, services_of, sign_in


def assert_protected(headers: Mapping[str, str], html: bool, personal: bool) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert policy.startswith("default-src 'self'" if html else "default-src 'none'")
    assert ("no-store" in headers.get("cache-control", "")) == personal


def test_every_kind_of_response_carries_the_security_headers(client: TestClient) -> None:
    api = token(client, "admin")
    assert_protected(client.get("/calls", headers=api).headers, html=False, personal=True)  # API JSON
    assert_protected(client.get("/calls").headers, html=False, personal=True)  # the guard's 401
    assert_protected(client.get("/no-such-path", headers=api).headers, html=False, personal=True)  # 404
    assert_protected(
        client.get("/ui/queue", follow_redirects=False).headers, html=False, personal=True
    )  # redirect
    assert_protected(client.get("/ui/static/style.css").headers, html=False, personal=False)  # static file
    assert_protected(client.get("/ui/login").headers, html=True, personal=True)
    add_user(client, "alice", "inspector")
    sign_in(client, "alice")
    call_id = review_call(services_of(client), "A1", ["below the pass mark"], 0.9)
    assert_protected(client.get("/ui/queue").headers, html=True, personal=True)  # a page
    audio = client.get(f"/ui/calls/{call_id}/audio")
    assert audio.status_code == 200
    assert_protected(audio.headers, html=False, personal=True)
    missing = client.get("/ui/no-such-page")  # a JSON error under /ui
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    assert_protected(missing.headers, html=False, personal=True)


def test_the_api_docs_allow_their_own_inline_script_only(client: TestClient) -> None:
    plaintext = token(client, "admin")["Authorization"].removeprefix("Bearer ")
    page = client.get(
        "/docs", headers={"Authorization": "Basic " + b64encode(f"x:{plaintext}".encode()).decode()}
    )
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-content-type-options"] == "nosniff"


def claims(client: TestClient) -> list[ReviewClaim]:
    with session_factory(services_of(client).engine)() as db:
        return list(db.scalars(select(ReviewClaim)).all())


def test_a_form_from_another_site_is_refused_even_with_the_token(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    sign_in(client, "alice")
    call_id = review_call(services_of(client), "A1", ["below the pass mark"], 0.9)
    form = {"csrf_token": csrf_of(client)}
    for foreign in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},  # a sandboxed page, or a referrer-less cross-site post
        {"Referer": "https://evil.example/page?secret=1"},  # no Origin: the Referer decides
        {"Origin": "http://testserver.evil.example"},
    ):
        refused = client.post(f"/ui/queue/{call_id}/claim", data=form, headers=foreign)
        assert refused.status_code == 403 and "sent from another site" in refused.text
    assert claims(client) == []
    own = client.post(
        f"/ui/queue/{call_id}/claim",
        data=form,
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert own.status_code == 303 and len(claims(client)) == 1
    released = client.post(
        f"/ui/queue/{call_id}/release",
        data=form,
        headers={"Referer": f"http://testserver/ui/calls/{call_id}"},
        follow_redirects=False,
    )
    assert released.status_code == 303 and claims(client) == []
    # neither header: no current browser posts a form so; the token alone decides
    assert client.post(f"/ui/queue/{call_id}/claim", data=form, follow_redirects=False).status_code == 303


def test_the_sign_in_form_from_another_site_is_refused(client: TestClient) -> None:
    add_user(client, "alice", "inspector")
    client.headers["Origin"] = "https://evil.example"
    refused = sign_in(client, "alice")
    assert refused.status_code == 403 and "sent from another site" in refused.text
    assert "callqa_session" not in refused.headers.get("set-cookie", "")

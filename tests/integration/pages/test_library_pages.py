"""The library page's saved calls through the real app, on SQLite and PostgreSQL: save from the
page's form and from the call page's, filter by tag, edit, delete, export a clip; the forms'
CSRF check and the roles that may not use them."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient

from tests.support.api import token
from tests.support.library import scored_call
from tests.support.web import add_user, csrf_of, services_of, sign_in


def test_save_filter_edit_export_and_delete_on_the_library_page(client: TestClient) -> None:
    call_id = scored_call(services_of(client))
    add_user(client, "tess", "trainer")
    sign_in(client, "tess")
    call_page = client.get(f"/ui/calls/{call_id}").text
    assert 'id="save-to-library"' in call_page and 'action="/ui/library/bookmarks"' in call_page
    csrf = csrf_of(client, "/ui/library")
    prefilled = client.get("/ui/library", params={"save": call_id, "start": "14", "end": "20"}).text
    assert f'value="{call_id}"' in prefilled and 'value="14"' in prefilled
    form = {"csrf_token": csrf, "call_id": call_id, "start": "14", "end": "20"}
    saved = client.post(
        "/ui/library/bookmarks",
        data={**form, "tags": "Empathy, 新人培训", "note": "calm"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/ui/library#saved"
    client.post("/ui/library/bookmarks", data={"csrf_token": csrf, "call_id": call_id, "tags": "closing"})
    page = client.get("/ui/library").text
    assert "2 calls" in page and f"/ui/calls/{call_id}?t=14.0" in page and "0:14–0:20" in page
    filtered = client.get("/ui/library", params={"tag": "新人培训"}).text
    assert "1 call tagged “新人培训”" in filtered and "whole call" not in filtered

    bookmark_id = client.get("/library/bookmarks", headers=token(client, "trainer")).json()["bookmarks"][1][
        "id"
    ]
    changed = client.post(
        f"/ui/library/bookmarks/{bookmark_id}",
        data={"csrf_token": csrf, "tags": "empathy", "note": "calm and clear", "tag": "新人培训"},
        follow_redirects=False,
    )
    assert changed.status_code == 303 and changed.headers["location"].endswith(
        "?tag=%E6%96%B0%E4%BA%BA%E5%9F%B9%E8%AE%AD#saved"
    )
    assert "calm and clear" in client.get("/ui/library").text

    clip = client.get(f"/ui/library/bookmarks/{bookmark_id}/clip")
    assert clip.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(clip.content)) as archive:
        assert "[CARD]" in archive.read("transcript.txt").decode()
    moment = client.get("/ui/library/clip", params={"call_id": call_id, "start": 14, "end": 20})
    assert moment.status_code == 200 and moment.headers["content-type"] == "application/zip"

    bad = client.post("/ui/library/bookmarks", data={**form, "end": "99"})
    assert (
        bad.status_code == 422
        and "Not saved: the moment ends at 99 s, after the call&#39;s end at 30 s" in bad.text
    )
    assert client.post("/ui/library/bookmarks", data={**form, "call_id": "nope"}).status_code == 404
    assert client.post("/ui/library/bookmarks", data={**form, "csrf_token": "forged"}).status_code == 403
    gone = client.post(
        f"/ui/library/bookmarks/{bookmark_id}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303 and "1 call" in client.get("/ui/library").text

    for role in ("inspector", "agent"):
        client.cookies.clear()
        add_user(client, f"someone-{role}", role, "A7" if role == "agent" else None)
        sign_in(client, f"someone-{role}")
        assert 'id="save-to-library"' not in client.get(f"/ui/calls/{call_id}").text
        assert client.get("/ui/library").status_code == 403
        csrf = csrf_of(client, "/ui/")
        assert client.post("/ui/library/bookmarks", data={**form, "csrf_token": csrf}).status_code == 403

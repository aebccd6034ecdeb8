"""The agreement page: supervisors read, per item and per inspector, how often inspectors kept the
machine's decision, with intervals, filtered by card and days (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.api import scored_call_with_pii, token
from tests.support.web import as_user


def test_supervisors_read_agreement_per_item_and_per_inspector(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    inspector = token(client, "inspector")
    items = client.get(f"/calls/{call_id}/review", headers=inspector).json()["machine"]["items"]
    kept, overridden = items[0], items[1]
    for item, status in ((kept, kept["status"]), (overridden, "na")):
        decided = client.put(
            f"/calls/{call_id}/review/items/{item['item_id']}", json={"status": status}, headers=inspector
        )
        assert decided.status_code == 200, decided.text

    as_user(client, "sue", "supervisor")
    page = client.get("/ui/agreement")
    assert page.status_code == 200
    assert 'href="/ui/agreement"' in page.text  # in the frame's menu
    by_item = page.text.split('id="by-item"')[1].split("</table>")[0]
    assert f"generic-en/{kept['item_id']}" in by_item and f"generic-en/{overridden['item_id']}" in by_item
    assert "<td>all</td>" in by_item and "<strong>50%</strong>" in by_item  # one kept of two
    by_inspector = page.text.split('id="by-inspector"')[1].split("</table>")[0]
    assert re.search(r"\(inspector\)</td>\s*<td>2</td>", by_inspector)  # their two decisions

    other_card = client.get("/ui/agreement", params={"scorecard": "generic-zh"})
    assert 'id="no-reviews"' in other_card.text
    bad = client.get("/ui/agreement", params={"date_from": "yesterday"})
    assert bad.status_code == 200 and "Left out: from: not a day (YYYY-MM-DD)" in bad.text


def test_inspectors_and_agents_may_not_open_it(client: TestClient) -> None:
    as_user(client, "ines", "inspector")
    assert client.get("/ui/agreement").status_code == 403
    assert 'href="/ui/agreement"' not in client.get("/ui/queue").text
    as_user(client, "alex", "agent", "A7")
    assert client.get("/ui/agreement").status_code == 403

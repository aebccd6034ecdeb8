"""Why a sampled call is in the review queue: the sampling rules' reasons in the queue API, on
the queue page and on the call page, and the reason filter over them (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from review.sampling import SamplingRules
from runtime.services import Services
from runtime.settings import Settings
from scoring.results import Analysis
from scoring.routing import route
from services.sampling import new_hire_reasons, select_day
from store.metadata import CallMetadata
from store.roster import AgentProfile
from tests.support.api import token
from tests.support.sampling import DAY
from tests.support.scoring import make_score
from tests.support.web import add_user, queue_ids, sign_in


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Two calls a day spread over the time slots, so that the weekly minimum and the spread
    select different calls."""
    return settings.model_copy(update={"sampling": SamplingRules(spread_per_day=2)})


def scored(services: Services, agent: str, hour: int, passed: bool = True) -> str:
    """A call of DAY at `hour` (UTC), routed as the pipeline routes it: a new hire's call goes to
    review whatever its score (audit rate 0)."""
    metadata = CallMetadata(
        agent_id=agent, started_at=datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=UTC)
    )
    call = services.calls.ingest_chunks([uuid.uuid4().bytes], "c.wav", metadata).call
    score = make_score(95, "pass") if passed else make_score(40, "fail", {"closing": "fail"})
    decision = route(call.id, score, 0.0, mandatory=new_hire_reasons(services, call))
    services.results.save_analysis(call.id, "generic-en@2", Analysis(findings=[], score=score), decision)
    return call.id


def selected_by(services: Services, call_ids: list[str], rule: str) -> set[str]:
    """The calls whose stored selection names `rule` (what the sampling rules decided)."""
    out = set()
    for call_id in call_ids:
        selection = services.selections.of_call(call_id)
        if selection is not None and rule in selection.rules:
            out.add(call_id)
    return out


def test_sampled_calls_say_why_in_the_queue_api_and_filter_by_sampling_reason(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    services.roster.put("A1", AgentProfile(start_date=DAY - timedelta(days=1)))
    services.roster.put("A2", AgentProfile(start_date=DAY - timedelta(days=400)))
    hire = scored(services, "A1", 10)
    passing = [scored(services, "A2", hour) for hour in (1, 9, 10, 13, 15)]
    failed = scored(services, "A2", 11, passed=False)
    headers = token(client, "inspector")
    before = {e["id"] for e in client.get("/review-queue", headers=headers).json()}
    assert before == {hire, failed}  # routing's only, until the day is sampled

    select_day(services, DAY)
    weekly = selected_by(services, [*passing, failed], "weekly_minimum")
    spread = selected_by(services, [*passing, failed], "time_slot")
    assert len(weekly) == 3 and len(spread) == 2
    entries = {e["id"]: e for e in client.get("/review-queue", headers=headers).json()}
    assert set(entries) == {hire, failed} | weekly | spread

    quiet = next(iter((weekly | spread) - {failed}))
    entry = entries[quiet]
    assert entry["routing_reasons"] == []  # routing passed it: only the sampling rules say why
    sampling = entry["sampling"]
    assert sampling["day"] == DAY.isoformat() and 0 < sampling["inclusion_probability"] <= 1
    quiet_calls = (weekly | spread) - {failed}
    assert any(entries[c]["sampling"]["inclusion_probability"] < 1 for c in quiet_calls)  # a draw
    assert {r["rule"] for r in sampling["reasons"]} <= {"weekly_minimum", "time_slot"}
    for reason in sampling["reasons"]:
        if reason["rule"] == "weekly_minimum":
            assert reason["reason"].startswith("weekly minimum of 3 for agent A2: 3 of the day's 6 calls")
        else:
            assert reason["reason"].startswith("time slot ")
    hired = entries[hire]
    assert hired["routing_reasons"] == [f"new hire: started {DAY - timedelta(days=1)}, first 7 days reviewed"]
    assert [r["rule"] for r in hired["sampling"]["reasons"]] == ["new_hire"]
    detail = client.get(f"/calls/{quiet}", headers=headers).json()  # the call itself says why, too
    assert detail["sampling"] == sampling and detail["routing_reasons"] == []
    after_the_selection = scored(services, "A2", 20)
    assert client.get(f"/calls/{after_the_selection}", headers=headers).json()["sampling"] is None

    def ids(reason: str) -> set[str]:
        response = client.get("/review-queue", params={"reason": reason}, headers=headers)
        assert response.status_code == 200
        return {e["id"] for e in response.json()}

    assert ids("weekly_minimum") == weekly
    assert ids("time_slot") == spread
    assert ids("new_hire") == {hire}
    assert failed in ids("failed") and not ids("failed") & (set(passing) - {failed})
    bad = client.get("/review-queue", params={"reason": "vibes"}, headers=headers)
    assert bad.status_code == 422 and "reason" in bad.json()["detail"]


def test_the_queue_and_call_pages_show_the_sampling_reasons(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    services.roster.put("A1", AgentProfile(start_date=DAY - timedelta(days=1)))
    services.roster.put("A2", AgentProfile(start_date=DAY - timedelta(days=400)))
    hire = scored(services, "A1", 10)
    passing = [scored(services, "A2", hour) for hour in (1, 9, 10, 13, 15, 16)]
    select_day(services, DAY)
    weekly = selected_by(services, passing, "weekly_minimum")
    spread = selected_by(services, passing, "time_slot")
    add_user(client, "ines", "inspector")
    sign_in(client, "ines")

    page = client.get("/ui/queue").text
    assert '<option value="weekly_minimum">weekly minimum per agent</option>' in page
    assert '<option value="time_slot">' in page and '<option value="new_hire">' in page
    row = re.search(rf'<tr data-call="{hire}">.*?</tr>', page, re.S)
    assert row is not None
    assert row.group(0).count("new hire: started") == 1  # routing says it; the selection is not repeated
    for call_id in weekly:
        row = re.search(rf'<tr data-call="{call_id}">.*?</tr>', page, re.S)
        assert row is not None
        assert '<li class="sampled">sampling: weekly minimum of 3 for agent A2' in row.group(0)
    assert set(queue_ids(client, reason="weekly_minimum")) == weekly
    assert set(queue_ids(client, reason="time_slot")) == spread
    assert queue_ids(client, reason="new_hire") == [hire]

    shown = next(iter(weekly))
    call_page = client.get(f"/ui/calls/{shown}").text
    why = re.search(r'<ul class="reasons why">(.*?)</ul>', call_page, re.S)
    assert why is not None and "sampling: weekly minimum of 3 for agent A2" in why.group(1)
    unsampled = next(iter(set(passing) - weekly - spread))  # 6 calls, at most 5 selected
    assert '<ul class="reasons why">' not in client.get(f"/ui/calls/{unsampled}").text

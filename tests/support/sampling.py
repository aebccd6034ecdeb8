"""Scored and reviewed calls of one day, for sampling and pass rates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from runtime.services import Services
from scoring.results import Analysis
from scoring.routing import route
from store.metadata import CallMetadata
from store.tables import Call
from tests.support.scoring import make_score

DAY = date(2026, 11, 25)


def scored(services: Services, agent: str, hour: int, passed: bool = True, team: str | None = None) -> str:
    """A scored call of DAY at `hour` (UTC), routed as the pipeline routes it (audit rate 0)."""
    metadata = CallMetadata(
        agent_id=agent, team=team, started_at=datetime(DAY.year, DAY.month, DAY.day, hour, 5, tzinfo=UTC)
    )
    call = services.calls.ingest_chunks([uuid.uuid4().bytes], "c.wav", metadata).call
    score = make_score(95, "pass") if passed else make_score(40, "fail", {"closing": "fail"})
    analysis = Analysis(findings=[], score=score)
    services.results.save_analysis(call.id, "c@1", analysis, route(call.id, score, 0.0))
    return call.id


def reviewed(services: Services, call_id: str, passed: bool) -> None:
    with Session(services.engine) as session, session.begin():
        session.execute(
            update(Call)
            .where(Call.id == call_id)
            .values(final_verdict="pass" if passed else "fail", reviewed_at=datetime.now(UTC))
        )

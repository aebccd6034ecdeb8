"""GET /health: can this deployment work on calls right now? Open to all, for load balancers.

It answers 503 unless the database answers, the broker is reachable and at least one worker
has sent a heartbeat lately (from any host sharing the database). An API server started
without workers (`callqa serve --no-workers`) with no worker anywhere is therefore 503:
uploads would be accepted and never processed. The body says why, and never holds a URL.
"""

from __future__ import annotations

from enum import StrEnum

import structlog
from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.engine import make_url

from runtime.services import Services
from store.backlog import Backlog, backlog
from store.db import session_factory
from store.heartbeats import HEARTBEAT, HeartbeatRepository
from workers.broker_health import broker_kind, broker_problem
from workers.embedded import Embedded
from workers.supervisor import SupervisionStatus

log = structlog.get_logger("callqa.api")

router = APIRouter(tags=["health"])


class HealthStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"


class DependencyHealth(BaseModel):
    kind: str = Field(description="`sqlite` or `postgresql`; for the broker `sqlite`, `redis`, `amqp`...")
    ok: bool


class EmbeddedWorkersHealth(BaseModel):
    restarts: int = Field(description="worker processes this server replaced after they died")
    failing: str | None = Field(description="why its workers count as failing (repeated deaths), if they do")


class WorkersHealth(BaseModel):
    live: int = Field(description="workers whose last heartbeat is fresher than `stale_after_s`")
    names: list[str] = Field(description="their Celery node names (name@host)")
    heartbeat_interval_s: float
    stale_after_s: float
    embedded: EmbeddedWorkersHealth | None = Field(
        description="the workers this server started and supervises; null with `--no-workers`"
    )


class QueueHealth(BaseModel):
    waiting: int = Field(description="calls not yet scored or failed")
    received: int
    transcribing: int
    analyzing: int
    oldest_waiting_age_s: float | None = Field(
        description="seconds since the oldest waiting call was submitted; null when none waits"
    )


class Health(BaseModel):
    status: HealthStatus
    reasons: list[str] = Field(description="why the status is `degraded`, with what to do; empty when ok")
    database: DependencyHealth
    broker: DependencyHealth
    workers: WorkersHealth | None = Field(description="null when the database does not answer")
    queue: QueueHealth | None = Field(description="null when the database does not answer")


@router.get(
    "/health",
    response_model=Health,
    responses={
        503: {
            "model": Health,
            "description": "the database or the broker is down, or no worker is alive; `reasons` says which",
        }
    },
)
def health(request: Request, response: Response) -> Health:
    """Database, broker, live workers (heartbeats) and the calls waiting; 503 when calls cannot
    be processed now."""
    services: Services = request.app.state.services
    embedded: Embedded = request.app.state.embedded
    settings = services.settings
    reasons: list[str] = []

    database = DependencyHealth(kind=make_url(settings.resolved_database_url).get_backend_name(), ok=True)
    workers: WorkersHealth | None = None
    queue: QueueHealth | None = None
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        sessions = session_factory(services.engine)
        live = HeartbeatRepository(sessions).live(HEARTBEAT.stale_after)
        waiting = backlog(sessions)
    except Exception as error:
        log.warning("health: database not answering", error=repr(error))
        database.ok = False
        reasons.append(
            f"database ({database.kind}) not answering ({type(error).__name__}); see the server log"
        )
    else:
        supervision = embedded.supervisor.status() if embedded.supervisor is not None else None
        workers = _workers(sorted({w.name for w in live}), supervision)
        queue = _queue(waiting)
        if not live:
            reasons.append(
                f"no live worker: none has sent a heartbeat in the last {workers.stale_after_s:.0f} s; "
                "start one (`celery -A workers worker`), or `callqa serve` without --no-workers"
            )
        if supervision is not None and supervision.failing is not None:
            reasons.append(f"embedded workers failing: {supervision.failing}")

    broker = DependencyHealth(kind=broker_kind(settings.resolved_broker_url), ok=True)
    problem = broker_problem(settings.resolved_broker_url)
    if problem is not None:
        broker.ok = False
        reasons.append(f"broker ({broker.kind}) not reachable ({problem}); see the server log")

    if reasons:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(
        status=HealthStatus.DEGRADED if reasons else HealthStatus.OK,
        reasons=reasons,
        database=database,
        broker=broker,
        workers=workers,
        queue=queue,
    )


def _workers(names: list[str], supervision: SupervisionStatus | None) -> WorkersHealth:
    return WorkersHealth(
        live=len(names),
        names=names,
        heartbeat_interval_s=HEARTBEAT.interval_s,
        stale_after_s=HEARTBEAT.stale_after.total_seconds(),
        embedded=None
        if supervision is None
        else EmbeddedWorkersHealth(restarts=supervision.restarts, failing=supervision.failing),
    )


def _queue(waiting: Backlog) -> QueueHealth:
    return QueueHealth(
        waiting=waiting.waiting,
        received=waiting.by_status["received"],
        transcribing=waiting.by_status["transcribing"],
        analyzing=waiting.by_status["analyzing"],
        oldest_waiting_age_s=None if waiting.oldest_age_s is None else round(waiting.oldest_age_s, 1),
    )

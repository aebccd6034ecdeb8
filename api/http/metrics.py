"""GET /metrics: the deployment in Prometheus's text format, behind the API's own sign-in.

Prometheus scrapes it with a bearer token (`authorization: {type: Bearer, credentials: ...}` in
its scrape config) of an admin or supervisor. The figures are read at each scrape from the
database and the broker (services/status.py), so one API process reports every worker.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from api.common.auth import dispatch_of, require, services_of
from api.common.errors import error_responses
from api.http.routes import known_query_only
from services.access import Principal
from services.status import OperationalStatus, operational_status
from store.tokens import Role

router = APIRouter(responses=error_responses(400, 401, 403), dependencies=[Depends(known_query_only)])


class StatusCollector(Collector):
    def __init__(self, status: OperationalStatus) -> None:
        self.status = status

    def collect(self) -> Iterator[Metric]:
        status = self.status
        calls = GaugeMetricFamily("callqa_calls", "Calls stored, by status", labels=["status"])
        for name, count in status.calls_by_status.items():
            calls.add_metric([name.value], count)
        yield calls
        failures = GaugeMetricFamily(
            "callqa_failed_calls", "Failed calls, by kind of reason", labels=["kind"]
        )
        for kind, count in status.failures_by_kind.items():
            failures.add_metric([kind.value], count)
        yield failures
        if status.broker_queues is not None:
            depth = GaugeMetricFamily(
                "callqa_queue_depth", "Messages waiting in each broker queue", labels=["queue"]
            )
            for queue, count in status.broker_queues.items():
                depth.add_metric([queue], count)
            yield depth
        yield GaugeMetricFamily(
            "callqa_broker_up", "1 when the broker answered", value=int(status.broker_queues is not None)
        )
        yield GaugeMetricFamily(
            "callqa_review_queue", "Calls waiting for an inspector", value=status.review_queue
        )
        yield GaugeMetricFamily(
            "callqa_recovery_queue", "Customers routed to a call-back", value=status.recovery_queue
        )
        yield GaugeMetricFamily(
            "callqa_live_workers", "Workers with a fresh heartbeat", value=status.live_workers
        )
        for histogram in status.histograms:
            family = HistogramMetricFamily(f"callqa_{histogram.name}", _HELP[histogram.name])
            family.add_metric(
                [],
                buckets=[
                    ("+Inf" if math.isinf(le) else repr(float(le)), count) for le, count in histogram.buckets
                ],
                sum_value=histogram.total,
            )
            yield family


_HELP = {
    "transcribe_seconds": "Wall seconds of the transcription stage per call",
    "analyse_seconds": "Wall seconds of the scoring stage per call",
    "asr_real_time_factor": "Transcription seconds per second of audio",
}


@router.get(
    "/metrics",
    response_class=Response,  # errors stay JSON: a text/plain route class would document them as text
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    tags=["operations"],
)
def metrics(
    request: Request, principal: Principal = Depends(require(Role.ADMIN, Role.SUPERVISOR))
) -> Response:
    """Prometheus metrics: calls by status, queue depths, stage durations, ASR real-time factor,
    failures by kind, review and recovery queue sizes, live workers."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatusCollector(operational_status(services_of(request), dispatch_of(request))))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

"""Periodic jobs: Celery beat runs them when scaled out, a thread of `callqa serve` when embedded.

Each job is an idempotent function of (services, now) that finds out itself whether there is work
(e.g. the daily report once its time has passed and it is not stored yet; alert rules, whose recent
alerts deduplicate them), so a scheduler needs no state: it calls every job at its interval, a job
at a time of day checks the time itself, and a missed, late or repeated run is harmless. Another
periodic job is one more `Job` in `JOBS`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from runtime.services import Services
from runtime.settings import Settings
from services.calibration import nightly_calibration_if_due
from services.insights import check_alerts, daily_report_if_due, remake_stale_reports
from services.lifecycle import apply_retention
from services.sampling import sample_yesterday_if_due
from services.search_index import retokenise_outdated
from services.topics import topics_if_due

log = structlog.get_logger("callqa.schedule")


@dataclass(frozen=True)
class Job:
    """`interval`: how often it is called, from the settings."""

    name: str
    run: Callable[[Services, datetime], object]
    interval: Callable[[Settings], timedelta]


JOBS = (
    Job("callqa.daily_report", daily_report_if_due, lambda _: timedelta(minutes=5)),
    Job("callqa.remake_stale_reports", remake_stale_reports, lambda _: timedelta(minutes=5)),
    Job("callqa.check_alerts", check_alerts, lambda s: timedelta(minutes=s.alert_interval_minutes)),
    Job("callqa.retention", apply_retention, lambda _: timedelta(hours=1)),
    Job("callqa.sample_day", sample_yesterday_if_due, lambda _: timedelta(minutes=5)),
    Job("callqa.calibrate", nightly_calibration_if_due, lambda _: timedelta(minutes=5)),
    Job("callqa.complaint_topics", topics_if_due, lambda _: timedelta(hours=1)),
    Job(
        "callqa.search_terms",
        lambda services, _: retokenise_outdated(services),
        lambda _: timedelta(minutes=1),
    ),
)


def run_job(job: Job, services: Services, now: datetime | None = None) -> None:
    """One run; a failure is logged and the next run tries again."""
    try:
        job.run(services, now or datetime.now(UTC))
    except Exception:
        log.exception("scheduled job failed", job=job.name)


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Celery beat's entries (`celery -A workers beat`): each job on the analysis queue."""
    return {job.name: {"task": job.name, "schedule": job.interval(settings).total_seconds()} for job in JOBS}


class EmbeddedScheduler:
    """The jobs in a daemon thread of the embedded deployment's main process."""

    def __init__(self, services: Services, tick_s: float = 30.0) -> None:
        self.services = services
        self.tick_s = tick_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="callqa-scheduler", daemon=True)
        self._next: dict[str, datetime] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick(datetime.now(UTC))
            self._stop.wait(self.tick_s)

    def tick(self, now: datetime) -> None:
        """Run the jobs whose time has come."""
        for job in JOBS:
            if now >= self._next.get(job.name, now):
                run_job(job, self.services, now)
                self._next[job.name] = now + job.interval(self.services.settings)

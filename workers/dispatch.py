"""Sending work to the queue from the API and the CLI, by task name: `services.dispatch.Dispatch`
as Celery does it.

The sender builds its own Celery client from the settings it was given (not the module-level
worker app), so one process can talk to whichever broker its settings name.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import cached_property

from celery import Celery

from runtime.settings import Settings
from services.dispatch import ANALYSIS_QUEUE, ASR_QUEUE, QUEUES
from workers.broker_health import queue_depth, queue_depths
from workers.celery_app import create_celery


class Dispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def app(self) -> Celery:
        return create_celery(self.settings)

    def process(self, call_id: str) -> None:
        self.app.send_task("callqa.transcribe", args=[call_id], queue=ASR_QUEUE)

    def analyse(self, call_id: str) -> None:
        """The pipeline's analysis of a transcribed call (done once; not a re-score)."""
        self.app.send_task("callqa.analyse", args=[call_id], queue=ANALYSIS_QUEUE)

    def send(self, queue: str, call_id: str) -> None:
        """The call's next pipeline stage, by the queue that runs it."""
        if queue == ANALYSIS_QUEUE:
            self.analyse(call_id)
        else:
            self.process(call_id)

    def rescore(self, call_id: str, scorecard: str | None) -> None:
        self.app.send_task("callqa.analyse", args=[call_id, scorecard, True], queue=ANALYSIS_QUEUE)

    def connect(self) -> None:
        """Opens every producer of the pool the API's threads send calls through, each with its
        broker connection and the queues declared on it, so the first uploads after a start do
        not pay for that: a producer is otherwise made when a request first needs one, and a
        burst's first 20 uploads waited 370-530 ms for them (the rest 120 ms). Returns once they
        are open; a broker that is down is waited for by the first send instead, as before."""
        queues = [self.app.amqp.queues[name] for name in (ASR_QUEUE, ANALYSIS_QUEUE)]
        with ExitStack() as held:
            for _ in range(self.app.conf.broker_pool_limit or 1):
                producer = held.enter_context(self.app.producer_or_acquire())
                producer.connection.ensure_connection(max_retries=1)
                for queue in queues:
                    producer.maybe_declare(queue)
        self.app.backend  # noqa: B018 (what send_task loads on its first call: the result classes)
        self.app.AsyncResult  # noqa: B018

    def queue_depths(self) -> dict[str, int] | None:
        """Each queue's waiting messages, on a connection of its own with a short timeout, so a
        metrics scrape never hangs on a broker that is down (None then)."""
        return queue_depths(self.settings.resolved_broker_url, QUEUES)

    def waiting(self, queue: str) -> int:
        """Messages waiting in `queue` (not those a worker has taken); 0 for a queue never used."""
        with self.app.connection_for_read() as connection:
            return queue_depth(connection, queue)

    def close(self) -> None:
        if "app" in self.__dict__:
            self.app.close()

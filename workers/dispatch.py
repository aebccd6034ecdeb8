"""Sending work to the queue from the API and the CLI, by task name.

The sender builds its own Celery client from the settings it was given (not the module-level
worker app), so one process can talk to whichever broker its settings name.
"""

from __future__ import annotations

from functools import cached_property

from celery import Celery

from runtime.settings import Settings
from workers.celery import ANALYSIS_QUEUE, ASR_QUEUE, create_celery


class Dispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def app(self) -> Celery:
        return create_celery(self.settings)

    def process(self, call_id: str) -> None:
        self.app.send_task("callqa.transcribe", args=[call_id], queue=ASR_QUEUE)

    def rescore(self, call_id: str, scorecard: str | None) -> None:
        self.app.send_task("callqa.analyse", args=[call_id, scorecard], queue=ANALYSIS_QUEUE)

    def close(self) -> None:
        if "app" in self.__dict__:
            self.app.close()

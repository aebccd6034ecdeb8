"""What a service may ask of the task queue, without importing it.

Services run in the API, the CLI and the workers alike; importing Celery there would load about
85 celery/kombu modules into every one of them and tie the application layer to one queue
library. So a service that must send work on is handed something that satisfies `Dispatch` by
its caller: `workers.dispatch.Dispatcher` in a deployment, a recorder in a unit test.
"""

from __future__ import annotations

from typing import Protocol

ASR_QUEUE = "asr"
"""Transcription: GPU hosts, or CPU workers that can spend a Whisper model's memory."""
ANALYSIS_QUEUE = "analysis"
"""Scoring, indexing and the periodic jobs: any CPU host."""
QUEUES = (ASR_QUEUE, ANALYSIS_QUEUE)


class Dispatch(Protocol):
    def process(self, call_id: str) -> None:
        """The call's pipeline from the start (transcription, then analysis)."""

    def analyse(self, call_id: str) -> None:
        """The pipeline's analysis of a transcribed call (done once; not a re-score)."""

    def rescore(self, call_id: str, scorecard: str | None) -> None:
        """Score a transcribed call again, on `scorecard` or its usual card."""

    def queue_depths(self) -> dict[str, int] | None:
        """Messages waiting per queue, or None when the broker does not answer."""

"""Submitting a recording, the same way from the command line and over HTTP.

The audio is stored and the call row written first; then the header is checked, so a file
that cannot be decoded becomes a visible `failed` call with its reason (and can be retried
once fixed) instead of vanishing; only a call that can be worked on is queued.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from asr.decode import probe
from asr.errors import AudioError
from runtime.services import Services
from store.metadata import CallMetadata
from store.tables import Call, CallStatus
from workers.dispatch import Dispatcher


@dataclass(frozen=True)
class Submission:
    call: Call
    created: bool
    error: str | None = None


def submit_file(services: Services, dispatcher: Dispatcher, path: Path, metadata: CallMetadata) -> Submission:
    ingested = services.calls.ingest_file(path, metadata, services.settings.max_upload_bytes)
    return _after_ingest(services, dispatcher, ingested.call, ingested.created)


def submit_chunks(
    services: Services, dispatcher: Dispatcher, chunks: Iterable[bytes], filename: str, metadata: CallMetadata
) -> Submission:
    ingested = services.calls.ingest_chunks(chunks, filename, metadata, services.settings.max_upload_bytes)
    return _after_ingest(services, dispatcher, ingested.call, ingested.created)


def _after_ingest(services: Services, dispatcher: Dispatcher, call: Call, created: bool) -> Submission:
    if not created:
        return Submission(call=call, created=False, error=call.failure_reason)
    repo = services.calls
    try:
        info = probe(repo.audio_path(call), services.settings.max_audio_minutes * 60, call.filename)
    except AudioError as error:
        reason = f"audio: {error}"
        repo.fail(call.id, reason)
        return Submission(call=repo.get(call.id) or call, created=True, error=reason)
    repo.record_audio(call.id, info.format, info.sample_rate, info.channels, info.duration_s)
    dispatcher.process(call.id)
    return Submission(call=repo.get(call.id) or call, created=True)


def retry(services: Services, dispatcher: Dispatcher, call: Call) -> Call:
    """Failed (or stuck) calls start again from `received`; work already done is reused."""
    reset = services.calls.reset_for_retry(call.id)
    dispatcher.process(reset.id)
    return reset


def requeue_unfinished(
    services: Services, dispatcher: Dispatcher, waiting: Collection[str] = frozenset()
) -> int:
    """Calls left `received`/`transcribing`/`analyzing` by a stopped deployment or a dead worker
    are queued again, except those with a task still `waiting` in the queue."""
    unfinished = [call for call in services.calls.unfinished() if call.id not in waiting]
    for call in unfinished:
        if call.status != CallStatus.RECEIVED:
            services.calls.reset_for_retry(call.id)
        dispatcher.process(call.id)
    return len(unfinished)

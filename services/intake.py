"""Submitting a recording, the same way from the command line and over HTTP.

The audio is stored and its header checked, then the call's row is written once with what the
check found: a file that cannot be decoded becomes a visible `failed` call with its reason (and
can be retried once fixed) instead of vanishing; only a call that can be worked on is queued.
One insert per upload keeps a burst of uploads cheap for the database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from asr.decode import probe
from asr.errors import AudioError
from runtime.services import Services
from services.dispatch import Dispatch
from store.calls import AudioCheck, AudioChecker, IngestResult
from store.metadata import CallMetadata
from store.tables import Call, CallStatus


@dataclass(frozen=True)
class Submission:
    call: Call
    created: bool
    error: str | None = None


def submit_file(services: Services, dispatcher: Dispatch, path: Path, metadata: CallMetadata) -> Submission:
    ingested = services.calls.ingest_file(
        path, metadata, services.settings.max_upload_bytes, check=_header_check(services)
    )
    return _after_ingest(dispatcher, ingested)


def submit_chunks(
    services: Services, dispatcher: Dispatch, chunks: Iterable[bytes], filename: str, metadata: CallMetadata
) -> Submission:
    ingested = services.calls.ingest_chunks(
        chunks, filename, metadata, services.settings.max_upload_bytes, check=_header_check(services)
    )
    return _after_ingest(dispatcher, ingested)


def _header_check(services: Services) -> AudioChecker:
    limit_s = services.settings.max_audio_minutes * 60

    def check(path: Path, filename: str) -> AudioCheck:
        try:
            info = probe(path, limit_s, filename)
        except AudioError as error:
            return AudioCheck(failure=f"audio: {error}")
        return AudioCheck(
            audio_format=info.format,
            sample_rate=info.sample_rate,
            channels=info.channels,
            duration_s=info.duration_s,
        )

    return check


def _after_ingest(dispatcher: Dispatch, ingested: IngestResult) -> Submission:
    call = ingested.call
    if not ingested.created or call.status == CallStatus.FAILED:
        return Submission(call=call, created=ingested.created, error=call.failure_reason)
    dispatcher.process(call.id)
    return Submission(call=call, created=True)


def retry(services: Services, dispatcher: Dispatch, call: Call) -> Call:
    """Failed (or stuck) calls start again from `received`; work already done is reused."""
    reset = services.calls.reset_for_retry(call.id)
    dispatcher.process(reset.id)
    return reset


def requeue_unfinished(
    services: Services, dispatcher: Dispatch, waiting: Collection[str] = frozenset()
) -> int:
    """Calls left `received`/`transcribing`/`analyzing` by a stopped deployment or a dead worker
    are queued again, except those with a task still `waiting` in the queue."""
    unfinished = [call for call in services.calls.unfinished() if call.id not in waiting]
    for call in unfinished:
        if call.status != CallStatus.RECEIVED:
            services.calls.reset_for_retry(call.id)
        dispatcher.process(call.id)
    return len(unfinished)

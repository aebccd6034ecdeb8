"""The real pipeline (faster-whisper tiny.en, scoring, routing) on a short call, on both databases."""

from __future__ import annotations

from pathlib import Path

from runtime.services import Services
from scoring.results import ItemStatus
from scoring.routing import RoutingQueue
from services.intake import retry, submit_file
from services.pipeline import analyse_stage, transcribe_stage
from store.metadata import CallMetadata
from store.tables import CallStatus
from workers.dispatch import Dispatcher


class RecordingDispatcher(Dispatcher):
    """Captures what would be queued; these tests run the stages in-process."""

    def __init__(self, services: Services) -> None:
        super().__init__(services.settings)
        self.queued: list[str] = []

    def process(self, call_id: str) -> None:
        self.queued.append(call_id)


def run_call(services: Services, call_id: str) -> None:
    if transcribe_stage(services, call_id):
        analyse_stage(services, call_id)


def test_short_call_is_transcribed_scored_and_routed(services: Services, short_call: Path) -> None:
    dispatcher = RecordingDispatcher(services)
    submission = submit_file(
        services, dispatcher, short_call, CallMetadata(agent_id="D204", language="en", queue="energy")
    )
    assert dispatcher.queued == [submission.call.id]
    run_call(services, submission.call.id)

    call = services.calls.get(submission.call.id)
    assert call is not None and call.status == CallStatus.SCORED, call and call.failure_reason
    transcript = services.results.transcript(call.id)
    assert transcript is not None
    assert transcript.layout == "agent_left" and transcript.language == "en"
    agent_text = transcript.text_of("agent").lower()
    assert "recorded for training" in agent_text
    assert all(s.words and s.words[0].start >= s.start - 0.01 for s in transcript.segments)
    assert transcript.segments[0].speaker == "agent" and transcript.segments[0].start < 3.0

    stored = services.results.analysis(call.id)
    assert stored is not None
    analysis = stored.analysis
    items = {i.item_id: i for i in analysis.score.items}
    assert items["disclosure"].status == ItemStatus.PASS
    assert items["disclosure"].evidence[0].speaker == "agent"
    assert items["disclosure"].evidence[0].id in {f.id for f in analysis.findings}
    assert items["closing"].status == ItemStatus.FAIL  # the excerpt ends before any closing
    assert call.routing_queue == RoutingQueue.REVIEW and call.routing_reasons
    assert stored.routing.queue == RoutingQueue.REVIEW
    # the customer calmly books an installation: a mood, no threat, nobody to call back
    assert analysis.sentiment is not None and analysis.escalation is not None
    assert {t.speaker for t in analysis.sentiment.turns} == {"agent", "customer"}
    assert call.customer_sentiment in ("neutral", "positive") and not call.recovery
    assert analysis.escalation.cues == []
    assert analysis.redaction is not None
    assert all(c.speech for c in transcript.channels)  # overtalk is measured on these


def test_stages_are_idempotent(services: Services, short_call: Path) -> None:
    call_id = submit_file(
        services, RecordingDispatcher(services), short_call, CallMetadata(language="en")
    ).call.id
    run_call(services, call_id)
    first = services.calls.transcript(call_id)
    assert transcribe_stage(services, call_id) is False  # scored calls are left alone
    again = services.calls.transcript(call_id)
    assert first is not None and again is not None and again.created_at == first.created_at
    call = services.calls.get(call_id)
    assert call is not None and call.attempts == 1


def test_miswired_queue_is_corrected_with_the_reason(services: Services, short_call: Path) -> None:
    """The queue says the agent is on the right; the greeting and disclosure are on the left."""
    from runtime.settings import QueueSettings

    services.settings.queues["agent-right"] = QueueSettings(language="en", agent_channel="right")
    call_id = submit_file(
        services, RecordingDispatcher(services), short_call, CallMetadata(queue="agent-right")
    ).call.id
    run_call(services, call_id)
    transcript = services.results.transcript(call_id)
    assert transcript is not None
    assert transcript.layout == "agent_left"
    assert transcript.notes[0].startswith("channels swapped")
    assert "recorded for training" in transcript.text_of("agent").lower()
    assert all(s.channel == 0 for s in transcript.by_speaker("agent"))


def test_bad_audio_fails_with_reason_and_others_go_on(
    services: Services, short_call: Path, tmp_path: Path
) -> None:
    dispatcher = RecordingDispatcher(services)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(short_call.read_bytes()[:30000])
    bad = submit_file(services, dispatcher, broken, CallMetadata(language="en"))
    assert bad.error is not None and "truncated" in bad.error
    assert dispatcher.queued == []
    good = submit_file(services, dispatcher, short_call, CallMetadata(language="en"))
    run_call(services, good.call.id)
    failed, scored = services.calls.get(bad.call.id), services.calls.get(good.call.id)
    assert (
        failed is not None
        and failed.status == CallStatus.FAILED
        and "broken.wav" in (failed.failure_reason or "")
    )
    assert scored is not None and scored.status == CallStatus.SCORED
    retried = retry(services, dispatcher, failed)
    assert retried.status == CallStatus.RECEIVED and dispatcher.queued == [good.call.id, bad.call.id]
    assert transcribe_stage(services, bad.call.id) is False
    again = services.calls.get(bad.call.id)
    assert again is not None and again.status == CallStatus.FAILED and again.attempts == 1


def test_file_that_breaks_after_ingest_fails_in_the_worker(services: Services, short_call: Path) -> None:
    call = submit_file(services, RecordingDispatcher(services), short_call, CallMetadata(language="en")).call
    services.calls.audio_path(call).write_bytes(b"overwritten by a disk fault")
    assert transcribe_stage(services, call.id) is False
    failed = services.calls.get(call.id)
    assert failed is not None and failed.status == CallStatus.FAILED
    assert (failed.failure_reason or "").startswith("audio: short_call.wav")


def test_unknown_language_is_detected(services: Services, short_call: Path) -> None:
    call_id = submit_file(services, RecordingDispatcher(services), short_call, CallMetadata()).call.id
    run_call(services, call_id)
    call = services.calls.get(call_id)
    assert call is not None and call.status == CallStatus.SCORED and call.detected_language == "en"

"""The repository on SQLite and PostgreSQL: nothing lost, nothing duplicated."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from runtime.services import Services
from store.calls import CallFilter
from store.metadata import CallMetadata
from store.review_queue import QueueFilter
from store.tables import CallStatus
from tests.support.audio import tone


def make_wav(path: Path, freq: float = 440.0) -> Path:
    import soundfile as sf

    sf.write(path, tone(1.0, freq=freq), 8000)
    return path


def test_ingest_is_content_addressed_and_idempotent(services: Services, tmp_path: Path) -> None:
    first = services.calls.ingest_file(make_wav(tmp_path / "a.wav"), CallMetadata(agent_id="A1"))
    again = services.calls.ingest_file(make_wav(tmp_path / "copy-of-a.wav"), CallMetadata(agent_id="other"))
    assert first.created and not again.created
    assert again.call.id == first.call.id
    stored = services.calls.audio_path(first.call)
    assert stored.read_bytes() == (tmp_path / "a.wav").read_bytes()
    assert first.call.sha256 in stored.name
    assert first.call.status == CallStatus.RECEIVED


def test_status_flow_and_failure_reason(services: Services, tmp_path: Path) -> None:
    call = services.calls.ingest_file(make_wav(tmp_path / "a.wav"), CallMetadata()).call
    services.calls.start_stage(call.id, CallStatus.TRANSCRIBING)
    assert services.calls.begin_attempt(call.id) == 1
    services.calls.fail(call.id, "audio: truncated")
    failed = services.calls.get(call.id)
    assert failed is not None and failed.status == "failed" and failed.failure_reason == "audio: truncated"
    reset = services.calls.reset_for_retry(call.id)
    assert reset.status == CallStatus.RECEIVED and reset.failure_reason is None
    services.calls.save_transcript(call.id, "v1", {"segments": []}, "en")
    services.calls.save_analysis(
        call.id,
        "card@1",
        {"findings": []},
        {"queue": "review"},
        {
            "score_total": 55.0,
            "verdict": "fail",
            "routing_queue": "review",
            "routing_priority": 1.0,
            "routing_reasons": ["x"],
        },
    )
    scored = services.calls.get(call.id)
    assert scored is not None and scored.status == CallStatus.SCORED and scored.verdict == "fail"
    with pytest.raises(ValueError, match="already scored"):
        services.calls.reset_for_retry(call.id)


def test_rescoring_keeps_history_with_one_current(services: Services, tmp_path: Path) -> None:
    call = services.calls.ingest_file(make_wav(tmp_path / "a.wav"), CallMetadata()).call
    summary = {
        "score_total": 1.0,
        "verdict": "fail",
        "routing_queue": "review",
        "routing_priority": 1.0,
        "routing_reasons": [],
    }
    services.calls.save_analysis(call.id, "card@1", {"n": 1}, {}, summary)
    services.calls.save_analysis(call.id, "card@2", {"n": 2}, {}, summary)
    current = services.calls.analysis(call.id)
    assert current is not None and current.scorecard_key == "card@2" and current.data == {"n": 2}


def test_filters_and_review_queue_order(services: Services, tmp_path: Path) -> None:
    ids = []
    for i, (agent, verdict, priority, total) in enumerate(
        [("A1", "fail", 1.0, 40.0), ("A2", "pass", 0.5, 85.0), ("A1", "pass", 0.0, 100.0)]
    ):
        meta = CallMetadata(agent_id=agent, started_at=datetime(2026, 11, 1 + i, 9, tzinfo=UTC))
        call = services.calls.ingest_file(make_wav(tmp_path / f"{i}.wav", 300 + 100 * i), meta).call
        services.calls.save_analysis(
            call.id,
            "c@1",
            {},
            {},
            {
                "score_total": total,
                "verdict": verdict,
                "routing_queue": "review" if priority else "auto_pass",
                "routing_priority": priority,
                "routing_reasons": [],
            },
        )
        ids.append(call.id)
    assert {c.id for c in services.calls.search(CallFilter(agent_id="A1"))} == {ids[0], ids[2]}
    assert [c.id for c in services.calls.search(CallFilter(verdict="fail"))] == [ids[0]]
    window = CallFilter(
        started_from=datetime(2026, 11, 2, tzinfo=UTC), started_to=datetime(2026, 11, 3, tzinfo=UTC)
    )
    assert [c.id for c in services.calls.search(window)] == [ids[1]]
    assert [row.call.id for row in services.review_queue.page(QueueFilter()).rows] == [ids[0], ids[1]]
    assert services.calls.resolve(ids[1][:8]).id == ids[1]
    with pytest.raises(LookupError):
        services.calls.resolve("no-such-call")


def test_recovery_queue_and_customer_filters(services: Services, tmp_path: Path) -> None:
    ids = []
    for i, (mood, recovery) in enumerate([("negative", True), ("positive", False), ("neutral", True)]):
        meta = CallMetadata(started_at=datetime(2026, 11, 1 + i, 9, tzinfo=UTC))
        call = services.calls.ingest_file(make_wav(tmp_path / f"{i}.wav", 300 + 100 * i), meta).call
        summary = {
            "score_total": 90.0,
            "verdict": "pass",
            "routing_queue": "auto_pass",
            "routing_priority": 0.0,
            "routing_reasons": [],
            "customer_sentiment": mood,
            "recovery": recovery,
            "recovery_reasons": ["customer ended the call negative"] if recovery else [],
        }
        services.calls.save_analysis(call.id, "c@1", {}, {}, summary)
        ids.append(call.id)
    assert [c.id for c in services.calls.recovery_queue()] == [ids[2], ids[0]]
    assert [c.id for c in services.calls.search(CallFilter(customer_sentiment="negative"))] == [ids[0]]
    assert {c.id for c in services.calls.search(CallFilter(recovery=False))} == {ids[1]}


def test_tokens_hash_only_and_revoke(services: Services) -> None:
    record, plaintext = services.tokens.create("inspector", "qa team")
    assert plaintext not in record.token_hash
    found = services.tokens.authenticate(plaintext)
    assert found is not None and found.role == "inspector"
    assert services.tokens.authenticate(plaintext + "x") is None
    assert services.tokens.revoke(record.id)
    assert services.tokens.authenticate(plaintext) is None
    with pytest.raises(ValueError, match="needs --agent-id"):
        services.tokens.create("agent", "someone")
    with pytest.raises(ValueError, match="unknown role"):
        services.tokens.create("root", "x")


def test_token_last_use_is_kept_fresh_to_the_minute_without_a_write_per_request(services: Services) -> None:
    from sqlalchemy import event, update

    from store.db import session_factory
    from store.tables import ApiToken

    record, plaintext = services.tokens.create("admin", "uploader")
    first = services.tokens.authenticate(plaintext)
    assert first is not None and first.last_used_at is not None
    writes: list[str] = []
    event.listen(
        services.engine, "before_cursor_execute", lambda *a: writes.append(a[2]) if "UPDATE" in a[2] else None
    )
    for _ in range(5):
        assert services.tokens.authenticate(plaintext) is not None
    assert writes == []  # used again within the minute: nothing to write
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    with session_factory(services.engine).begin() as session:
        session.execute(update(ApiToken).where(ApiToken.id == record.id).values(last_used_at=long_ago))
    writes.clear()
    later = services.tokens.authenticate(plaintext)
    assert later is not None and later.last_used_at is not None
    assert later.last_used_at.replace(tzinfo=UTC) > long_ago and len(writes) == 1


def test_a_new_upload_is_one_insert_holding_its_header(services: Services, tmp_path: Path) -> None:
    """The header check runs before the row is written, so the row is written once, complete;
    a file that cannot be decoded is written once too, as a failed call with its reason."""
    from sqlalchemy import event

    from services.intake import submit_file
    from workers.dispatch import Dispatcher

    class Queued(Dispatcher):
        def __init__(self) -> None:
            self.sent: list[str] = []

        def process(self, call_id: str) -> None:
            self.sent.append(call_id)

    dispatcher = Queued()
    statements: list[str] = []
    event.listen(services.engine, "before_cursor_execute", lambda *a: statements.append(a[2].split()[0]))
    good = submit_file(services, dispatcher, make_wav(tmp_path / "a.wav"), CallMetadata())
    assert statements == ["INSERT"]  # a duplicate is found by the hash's unique constraint
    assert good.call.sample_rate == 8000 and good.call.duration_s == 1.0 and good.error is None
    assert dispatcher.sent == [good.call.id]
    (tmp_path / "bad.wav").write_bytes(b"RIFF" + b"\x00" * 60)
    bad = submit_file(services, dispatcher, tmp_path / "bad.wav", CallMetadata())
    assert statements == ["INSERT", "INSERT"] and dispatcher.sent == [good.call.id]
    stored = services.calls.get(bad.call.id)
    assert stored is not None and stored.status == CallStatus.FAILED
    assert stored.failure_reason == bad.error and "bad.wav" in (bad.error or "")


def test_upload_limit_stores_nothing(services: Services) -> None:
    from store.blobs import TooLargeError

    with pytest.raises(TooLargeError):
        services.calls.ingest_chunks(
            iter([b"x" * 600, b"y" * 600]), "big.wav", CallMetadata(), max_bytes=1000
        )
    incoming = services.settings.resolved_audio_dir / "incoming"
    assert not any(incoming.iterdir())
    assert services.calls.search(CallFilter()) == []

"""The embedded broker's recovery: taken messages go, waiting ones stay (a queued re-score
survives a worker's death), and only calls without a waiting task are queued again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from runtime.services import Services
from runtime.settings import Settings
from services.intake import requeue_unfinished
from store.metadata import CallMetadata
from store.tables import CallStatus
from workers.dispatch import Dispatcher
from workers.sqlite_broker import drop_delivered


def _messages(settings: Settings) -> list[tuple[int, bool]]:
    engine = create_engine(settings.resolved_broker_url.split("+", 1)[1])
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, visible FROM kombu_message ORDER BY id")).all()
    engine.dispose()
    return [(int(row[0]), bool(row[1])) for row in rows]


def _take(settings: Settings, message_id: int) -> None:
    """What a worker does when it takes a message: kombu hides it (and never deletes it)."""
    engine = create_engine(settings.resolved_broker_url.split("+", 1)[1])
    with engine.begin() as connection:
        connection.execute(text("UPDATE kombu_message SET visible = 0 WHERE id = :id"), {"id": message_id})
    engine.dispose()


def test_recovery_keeps_waiting_tasks_and_requeues_only_lost_ones(
    sqlite_settings: Settings, short_call: Path
) -> None:
    services = Services(sqlite_settings)
    dispatcher = Dispatcher(sqlite_settings)
    calls = [
        services.calls.ingest_chunks([short_call.read_bytes() + bytes([n])], f"c{n}.wav", CallMetadata()).call
        for n in range(3)
    ]
    in_hand, waiting, rescored = calls
    dispatcher.process(in_hand.id)
    dispatcher.process(waiting.id)
    dispatcher.rescore(rescored.id, "generic-en")
    first = _messages(sqlite_settings)[0][0]
    _take(sqlite_settings, first)  # the dead worker had taken `in_hand`
    services.calls.start_stage(in_hand.id, CallStatus.TRANSCRIBING)
    services.calls.save_analysis(rescored.id, "generic-en@2", {}, {}, {"score_total": 90.0})

    still_waiting = drop_delivered(sqlite_settings.resolved_broker_url)

    assert still_waiting == {waiting.id, rescored.id}
    assert [visible for _, visible in _messages(sqlite_settings)] == [True, True]
    assert requeue_unfinished(services, dispatcher, still_waiting) == 1
    assert services.calls.get(in_hand.id).status == CallStatus.RECEIVED  # type: ignore[union-attr]
    assert len(_messages(sqlite_settings)) == 3  # the lost call once more, nothing twice
    dispatcher.close()
    services.close()

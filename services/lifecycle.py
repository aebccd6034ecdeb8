"""Data lifecycle: retention per queue, and erasure of a customer's or an agent's calls on request.

Retention deletes a call's recording after `audio_days` and its transcript (with its search index)
after `transcript_days`, counted from when the call took place; scores, reviews, disputes and the
audit log stay, since they are the QA record. Erasure deletes whole calls: found by external id, by
agent id, or by a phone number the customer said (callqa keeps no caller numbers of its own, so the
number is looked for in what was said, the way the redaction finds it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asr.transcript import Transcript
from runtime.services import Services
from runtime.settings import RetentionPolicy
from scoring.pii import e164, numbers_said
from store.db import session_factory
from store.lifecycle import Content, LifecycleRepository, QueueScope, Selector
from store.tables import Erasure, utcnow


class NothingToErase(LookupError):
    """No stored call matches the request; nothing was changed."""


@dataclass
class RetentionReport:
    audio: list[str] = field(default_factory=list)
    transcripts: list[str] = field(default_factory=list)
    orphans: int = 0
    """Recordings no call points at, deleted (left by an erasure interrupted after its commit)."""


def repository(services: Services) -> LifecycleRepository:
    return LifecycleRepository(session_factory(services.engine), services.calls.blobs)


def policies(services: Services) -> list[tuple[QueueScope, RetentionPolicy]]:
    """Each configured queue's own policy, then the default for every other call."""
    configured = tuple(services.settings.queues)
    scoped = [(QueueScope((name,)), services.settings.retention_for(name)) for name in configured]
    return [*scoped, (QueueScope(configured, others=True), services.settings.retention)]


def apply_retention(
    services: Services, now: datetime | None = None, dry_run: bool = False
) -> RetentionReport:
    """Idempotent: what is already deleted is not looked at again, so it can run at any time."""
    now = now or utcnow()
    store = repository(services)
    report = RetentionReport()
    for scope, policy in policies(services):
        for content, days, done in (
            (Content.AUDIO, policy.audio_days, report.audio),
            (Content.TRANSCRIPT, policy.transcript_days, report.transcripts),
        ):
            if days is None:
                continue
            for call_id, audio_key in store.due(content, scope, now - timedelta(days=days)):
                done.append(call_id)
                if dry_run:
                    continue
                if content == Content.AUDIO:
                    store.delete_audio(call_id, audio_key)
                else:
                    services.search.remove_call(call_id)
                    store.delete_transcript(call_id)
    orphans = store.orphan_audio()
    report.orphans = len(orphans)
    if not dry_run:
        for path in orphans:
            path.unlink(missing_ok=True)
    return report


def calls_to_erase(services: Services, selector: Selector, value: str) -> list[str]:
    store = repository(services)
    if selector != Selector.PHONE:
        return store.calls_by(selector, value)
    wanted = e164(value)
    found = set(store.calls_saying(wanted))
    for row in store.transcripts_not_indexed_for_numbers():
        if wanted in numbers_said(Transcript.model_validate(row.data)):
            found.add(row.call_id)
    return store.oldest_first(found)


def erase(
    services: Services, selector: Selector, value: str, actor: str, reason: str | None = None
) -> Erasure:
    call_ids = calls_to_erase(services, selector, value)
    if not call_ids:
        raise NothingToErase(f"no stored call has that {selector.value.replace('_', ' ')}")
    return repository(services).erase(call_ids, actor, selector, value, reason)

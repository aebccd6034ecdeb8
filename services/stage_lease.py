"""A stage runs only under its lease, so a call's stage never runs twice at the same time.

The scaled-out broker can deliver one call twice: Redis hands an unacknowledged message out
again after its visibility timeout even while the first worker still works on it, and the
reconciler sends a call again when it cannot tell whether its message was lost. The second
delivery finds the lease held and is dropped: the holder finishes the call, or, if it dies, its
lease runs out and the reconciler sends the call once more. The worker's heartbeat renews the
leases of the calls it has in hand (workers/heartbeat.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import structlog

from runtime.services import Services
from store.db import DATABASE_DOWN
from store.tables import LeaseStage

log = structlog.get_logger("callqa.leases")


def lease_ttl(services: Services) -> timedelta:
    return timedelta(seconds=services.settings.lease_ttl_s)


@contextmanager
def stage_lease(
    services: Services, call_id: str, stage: LeaseStage, holder: str, task_id: str
) -> Iterator[bool]:
    """Yields whether this task holds the lease; released on the way out however the stage ended.

    A release the database refuses (it is down) is only logged: the lease then runs out by
    itself, since the finished call is no longer in this worker's hands to be renewed.
    """
    held = services.leases.take(call_id, stage, holder, task_id, lease_ttl(services))
    if not held:
        log.info("stage in hand elsewhere; not run here", call_id=call_id, stage=stage.value)
    try:
        yield held
    finally:
        if held:
            try:
                services.leases.release(call_id, stage, holder)
            except DATABASE_DOWN as error:
                log.warning("lease not released; it runs out", call_id=call_id, error=type(error).__name__)

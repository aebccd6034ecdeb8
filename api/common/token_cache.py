"""API tokens found valid a moment ago, trusted for a few seconds without asking the database.

An integration that uploads a burst sends the same token hundreds of times a second, and each
check was a query run on a worker thread: a tenth of an upload's CPU in the API process. A token
found valid is remembered for `CALLQA_TOKEN_CACHE_S` (5 s by default; 0 checks every request),
so a revoked token is refused by every API process within that time. An unknown or revoked token
is never remembered: a client guessing tokens still pays a lookup for each, and cannot fill the
memory. Tokens are remembered by their hash, as the database keeps them, not in plain text.

Used on the event loop only (the request guard), so it needs no lock.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

from services.access import Principal


@dataclass(frozen=True)
class TokenCachePolicy:
    """`ttl_s` bounds how long a revoked token keeps working in a process that checked it just
    before; `max_tokens` bounds the memory (a deployment has a few integrations and users, not
    thousands of live tokens; past it the oldest are forgotten and looked up again)."""

    ttl_s: float = 5.0
    max_tokens: int = 1024


class TokenCache:
    def __init__(self, policy: TokenCachePolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._principals: TTLCache[bytes, Principal] = TTLCache(
            maxsize=policy.max_tokens, ttl=policy.ttl_s, timer=clock
        )

    def get(self, token: str) -> Principal | None:
        return self._principals.get(_key(token))

    def remember(self, token: str, principal: Principal) -> None:
        if self.policy.ttl_s > 0:
            self._principals[_key(token)] = principal


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()

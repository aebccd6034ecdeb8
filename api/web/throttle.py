"""Sign-in attempts limited per user name and client, so passwords cannot be guessed at speed.

Kept in memory, per API process: simple, nothing to clean up, and enough against guessing,
which needs thousands of tries; N processes behind a load balancer allow N times the attempts,
still far too few to guess a 10-character password. A success clears the count.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SignInThrottle:
    max_failures: int = 5
    window_s: float = 15 * 60
    max_keys: int = 10_000
    """Past this many tracked (name, client) pairs, pairs with no recent failure are forgotten."""
    clock: Callable[[], float] = field(default=time.monotonic)
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked_for(self, name: str, client: str) -> float:
        """Seconds until this pair may try again; 0 when it may now."""
        with self._lock:
            recent = self._recent((name.strip().lower(), client))
            if len(recent) < self.max_failures:
                return 0.0
            return max(0.0, recent[0] + self.window_s - self.clock())

    def failed(self, name: str, client: str) -> None:
        with self._lock:
            if len(self._failures) >= self.max_keys:
                for key in [k for k in self._failures if not self._recent(k)]:
                    del self._failures[key]
            key = (name.strip().lower(), client)
            self._failures.setdefault(key, deque(maxlen=self.max_failures)).append(self.clock())

    def succeeded(self, name: str, client: str) -> None:
        with self._lock:
            self._failures.pop((name.strip().lower(), client), None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= self.clock() - self.window_s:
            times.popleft()
        return times

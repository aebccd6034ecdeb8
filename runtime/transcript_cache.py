"""The transcripts read last, kept as models so the pages and the API do not build them again.

An hour-long call's transcript is about 11,000 `Word` objects. Validating the stored JSON into
them on every request cost little on average but set off the garbage collector's full
collections, which paused the call page and `GET /calls/{id}` of that call for 0.7 to 0.8 s
at the 95th percentile (benchmarks/pages.py); a copy kept per call, checked against the stored
row's version and save time before each use, costs one small query instead. Readers must treat
the transcript as read-only: it is shared (`scoring.pii.redacted_view` copies what it masks).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from asr.transcript import Transcript

Stamp = tuple[str, datetime]
"""The stored transcript's ASR version and when it was saved: a new transcript changes it."""


@dataclass
class TranscriptCache:
    size: int = 8
    """Calls kept, the least recently read going first: reviewers open a few calls at a time,
    and eight hour-long transcripts are about 50 MB; short calls cost a fraction of that."""
    _entries: OrderedDict[str, tuple[Stamp, Transcript]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, call_id: str, stamp: Stamp, load: Callable[[], Transcript | None]) -> Transcript | None:
        """The call's transcript as stored under `stamp`: the copy kept, or `load()`ed and kept."""
        with self._lock:
            kept = self._entries.get(call_id)
            if kept is not None and kept[0] == stamp:
                self._entries.move_to_end(call_id)
                return kept[1]
        loaded = load()  # outside the lock: other calls' readers need not wait for this one
        if loaded is not None:
            with self._lock:
                self._entries[call_id] = (stamp, loaded)
                self._entries.move_to_end(call_id)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return loaded

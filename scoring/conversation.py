"""Turn-taking measures from the transcript's timing: silences and overtalk.

Times come from word timestamps (segment bounds are the first and last word), which is
what a listener hears; the audio-level measures of a later stage refine these.
"""

from __future__ import annotations

from dataclasses import dataclass

from asr.transcript import Segment, Speaker, Transcript


@dataclass(frozen=True)
class Silence:
    start: float
    end: float
    before: Segment | None

    @property
    def duration(self) -> float:
        return round(self.end - self.start, 3)


@dataclass(frozen=True)
class Overtalk:
    start: float
    end: float
    interrupter: Speaker

    @property
    def duration(self) -> float:
        return round(self.end - self.start, 3)


def silences(transcript: Transcript, min_s: float) -> list[Silence]:
    """Maximal stretches of at least `min_s` where nobody speaks and no hold audio plays,
    file start and end included. `before` is the segment that ends the speech before it."""
    out: list[Silence] = []
    cursor = 0.0
    before: Segment | None = None
    events: list[tuple[float, float, Segment | None]] = [(s.start, s.end, s) for s in transcript.segments]
    events.extend((h.start, h.end, None) for h in transcript.holds)
    for start, end, segment in sorted(events, key=lambda e: e[0]):
        if start - cursor >= min_s:
            out.append(Silence(round(cursor, 3), round(start, 3), before))
        if end >= cursor:
            cursor, before = end, segment
    if transcript.duration_s - cursor >= min_s:
        out.append(Silence(round(cursor, 3), round(transcript.duration_s, 3), before))
    return out


def overtalk(transcript: Transcript, min_overlap_s: float = 0.05) -> list[Overtalk]:
    """Every agent/customer pair of turns that overlap; needs separated speakers."""
    out: list[Overtalk] = []
    for agent in transcript.by_speaker("agent"):
        for customer in transcript.by_speaker("customer"):
            start, end = max(agent.start, customer.start), min(agent.end, customer.end)
            if end - start > min_overlap_s:
                interrupter: Speaker = "customer" if customer.start >= agent.start else "agent"
                out.append(Overtalk(round(start, 3), round(end, 3), interrupter))
    return sorted(out, key=lambda o: o.start)

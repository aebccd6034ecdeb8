"""Turn-taking measures: silences, overtalk, talk ratio, rate, latency, monologues.

Times come from word timestamps (segment bounds are the first and last word), which is what a
listener hears, together with the audio's speech regions of each channel: speech the ASR dropped
(a mumble its guards removed, unintelligible Mandarin) is still talk, not dead air. Overtalk on
separated channels comes from the speech regions alone: Whisper drops or shifts words where two
people talk at once, which is exactly where overtalk is.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from asr.transcript import Segment, Speaker, Transcript
from scoring.results import ConversationStats, Monologue

AUDIO_MIN_OVERLAP_S = 0.3


class Span(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


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
    """Maximal stretches of at least `min_s` with no words, no speech in the audio and no hold,
    file start and end included. `before` is the last transcribed segment before it."""
    out: list[Silence] = []
    cursor = 0.0
    before: Segment | None = None
    events: list[tuple[float, float, Segment | None]] = [(s.start, s.end, s) for s in transcript.segments]
    events.extend((h.start, h.end, None) for h in transcript.holds)
    events.extend((r.start, r.end, None) for c in transcript.channels for r in c.speech)
    for start, end, segment in sorted(events, key=lambda e: e[0]):
        if start - cursor >= min_s:
            out.append(Silence(round(cursor, 3), round(start, 3), before))
        if end >= cursor:
            cursor = end
            before = segment or before
    if transcript.duration_s - cursor >= min_s:
        out.append(Silence(round(cursor, 3), round(transcript.duration_s, 3), before))
    return out


def stats(transcript: Transcript, min_silence_s: float = 3.0) -> ConversationStats:
    chinese = transcript.language == "zh"
    talk: dict[str, float] = {}
    units: dict[str, int] = {}
    for segment in transcript.segments:
        talk[segment.speaker] = talk.get(segment.speaker, 0.0) + segment.end - segment.start
        count = len(re.findall(r"[\u4e00-\u9fff]", segment.text)) if chinese else len(segment.text.split())
        units[segment.speaker] = units.get(segment.speaker, 0) + count
    agent, customer = talk.get("agent", 0.0), talk.get("customer", 0.0)
    return ConversationStats(
        talk_seconds={k: round(v, 1) for k, v in talk.items()},
        agent_talk_ratio=round(agent / (agent + customer), 3) if agent + customer > 0 else None,
        speaking_rate={k: round(60.0 * units[k] / v, 1) for k, v in talk.items() if v > 0},
        rate_unit="cpm" if chinese else "wpm",
        mean_response_latency_s=_response_latency(transcript),
        longest_monologue=_longest_monologue(transcript),
        overtalk_seconds=round(sum(o.duration for o in overtalk(transcript)), 1),
        silence_seconds=round(sum(s.duration for s in silences(transcript, min_silence_s)), 1),
        hold_seconds=round(sum(h.end - h.start for h in transcript.holds), 1),
    )


def _response_latency(transcript: Transcript) -> float | None:
    """From the end of a customer turn to the start of the agent's next turn (gaps only)."""
    gaps = []
    ordered = sorted(transcript.segments, key=lambda s: s.start)
    for previous, current in itertools.pairwise(ordered):
        if previous.speaker == "customer" and current.speaker == "agent" and current.start > previous.end:
            gaps.append(current.start - previous.end)
    return round(sum(gaps) / len(gaps), 2) if gaps else None


def _longest_monologue(transcript: Transcript, max_pause_s: float = 2.0) -> Monologue | None:
    """The longest stretch one party talks with no other party speaking and pauses under 2 s."""
    best: Monologue | None = None
    current: list[Segment] = []
    for segment in sorted(transcript.segments, key=lambda s: s.start):
        if current and (
            segment.speaker != current[0].speaker or segment.start - current[-1].end > max_pause_s
        ):
            best = _longer(best, current)
            current = []
        current.append(segment)
    return _longer(best, current)


def _longer(best: Monologue | None, run: list[Segment]) -> Monologue | None:
    if not run:
        return best
    seconds = run[-1].end - run[0].start
    if best is not None and best.seconds >= seconds:
        return best
    return Monologue(speaker=run[0].speaker, start=run[0].start, end=run[-1].end, seconds=round(seconds, 1))


def overtalk(transcript: Transcript, min_overlap_s: float = 0.05) -> list[Overtalk]:
    """Both parties speaking at once; needs separated speakers (stereo, or diarized mono)."""
    spans = {c.speaker: c.speech for c in transcript.channels if c.speech}
    if "agent" in spans and "customer" in spans:
        return _audio_overtalk(transcript, spans["agent"], spans["customer"])
    found = _overlaps(transcript.by_speaker("agent"), transcript.by_speaker("customer"), min_overlap_s)
    found += [o for o in _mix_overtalk(transcript) if not any(_meet(o, f) for f in found)]
    return sorted(found, key=lambda o: o.start)


def _mix_overtalk(transcript: Transcript) -> list[Overtalk]:
    """A mono mix's overlaps (voice changes without a pause, found on the audio): Whisper writes
    one voice of two, so word times alone rarely overlap. The interrupter is whoever's words
    start nearest the change."""
    out: list[Overtalk] = []
    attributed = [s for s in transcript.segments if s.speaker in ("agent", "customer")]
    for span in transcript.overlaps if attributed else []:
        change = (span.start + span.end) / 2
        comer = min(attributed, key=lambda s: abs(s.start - change)).speaker
        candidate = Overtalk(span.start, span.end, comer)
        if _has_words(transcript, "agent", candidate) and _has_words(transcript, "customer", candidate):
            out.append(candidate)
    return out


def _meet(a: Overtalk, b: Overtalk) -> bool:
    return a.start < b.end and b.start < a.end


def _overlaps(agent_spans: Sequence[Span], customer_spans: Sequence[Span], min_s: float) -> list[Overtalk]:
    out: list[Overtalk] = []
    for agent in agent_spans:
        for customer in customer_spans:
            start, end = max(agent.start, customer.start), min(agent.end, customer.end)
            if end - start > min_s:
                interrupter: Speaker = "customer" if customer.start >= agent.start else "agent"
                out.append(Overtalk(round(start, 3), round(end, 3), interrupter))
    return sorted(out, key=lambda o: o.start)


def _audio_overtalk(
    transcript: Transcript,
    agent: Sequence[Span],
    customer: Sequence[Span],
    min_s: float = AUDIO_MIN_OVERLAP_S,
) -> list[Overtalk]:
    """Overlaps of the channels' speech regions where both parties have transcribed words nearby:
    a cough or a door on one channel is energy, not overtalk."""
    return [
        o
        for o in _overlaps(agent, customer, min_s)
        if _has_words(transcript, "agent", o) and _has_words(transcript, "customer", o)
    ]


def _has_words(transcript: Transcript, speaker: Speaker, span: Overtalk, slack_s: float = 1.0) -> bool:
    return any(
        s.start < span.end + slack_s and s.end > span.start - slack_s for s in transcript.by_speaker(speaker)
    )

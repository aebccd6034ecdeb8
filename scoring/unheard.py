"""Where the agent spoke but no word of theirs was transcribed: a mono recording's overlaps.

On a mono mix Whisper writes one voice of two talking at once, often the louder customer. The
diarizer still finds the overlap (`Transcript.overlaps`); when none of the agent's words falls
inside it, whatever the agent said there is unknown, so a forbidden phrase there would pass
silently. Such calls go to a person with the times to listen to (scoring/routing.py).
"""

from __future__ import annotations

from asr.transcript import TimeSpan, Transcript

MIN_OVERLAP_S = 0.5
"""Shorter overlaps are backchannels ("mm-hm") and turn-taking: nothing worth a review."""


def unheard_agent_speech(transcript: Transcript) -> list[TimeSpan]:
    """The overlaps of a mono call in which no word of the agent was transcribed."""
    if transcript.layout != "mono":
        return []
    agent_words = [
        (word.start, word.end)
        for segment in transcript.segments
        if segment.speaker == "agent"
        for word in (segment.words or [])
    ]
    return [
        span
        for span in transcript.overlaps
        if span.end - span.start >= MIN_OVERLAP_S
        and not any(start < span.end and end > span.start for start, end in agent_words)
    ]

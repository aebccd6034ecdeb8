"""Building transcripts by hand for detector tests."""

from __future__ import annotations

from asr.transcript import Layout, Segment, Speaker, Transcript, Word


def segment(speaker: Speaker, start: float, end: float, text: str, channel: int | None = 0) -> Segment:
    """A segment with evenly spaced word timestamps, as faster-whisper would give."""
    tokens = text.split() if " " in text.strip() else [text]
    step = (end - start) / max(len(tokens), 1)
    words = [
        Word(start=round(start + i * step, 3), end=round(start + (i + 1) * step, 3), text=t, probability=0.9)
        for i, t in enumerate(tokens)
    ]
    return Segment(
        speaker=speaker,
        channel=channel if speaker != "unknown" else None,
        start=start,
        end=end,
        text=text,
        words=words,
    )


def transcript(
    segments: list[Segment], duration: float = 60.0, language: str = "en", layout: Layout = "agent_left"
) -> Transcript:
    return Transcript(
        language=language,
        duration_s=duration,
        layout=layout,
        model="test",
        asr_version="test",
        segments=segments,
    )

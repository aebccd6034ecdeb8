"""Where personal data is said, in seconds: the redaction's masked spans mapped onto word times,
so that a recording that leaves the system (a library clip) can have those moments beeped.

A span is found in a segment's text by character offsets; the words overlapping it are located
in the same text in order, and their times are the span's. Where that cannot be done (a segment
without word times, or words that do not spell its text) the whole segment is taken: better a
longer beep than a number heard.
"""

from __future__ import annotations

from asr.transcript import Segment, TimeSpan, Transcript
from scoring.pii import PiiSpan, Redaction


def spoken_pii(transcript: Transcript, redaction: Redaction) -> list[TimeSpan]:
    """The times of every masked span, merged where they touch, in order."""
    found: list[TimeSpan] = []
    for masked in redaction.segments:
        if masked.index < len(transcript.segments):
            segment = transcript.segments[masked.index]
            found += [_span_time(segment, span) for span in masked.spans]
    merged: list[TimeSpan] = []
    for span in sorted(found, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            merged[-1] = TimeSpan(start=merged[-1].start, end=max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def _span_time(segment: Segment, span: PiiSpan) -> TimeSpan:
    """The words that hold the span's characters, or the whole segment when they cannot be told."""
    cursor = 0
    hit: list[tuple[int, int, float, float]] = []
    for word in segment.words:
        text = word.text.strip()
        at = segment.text.find(text, cursor) if text else -1
        if at < 0:
            break
        cursor = at + len(text)
        if at < span.end and cursor > span.start:
            hit.append((at, cursor, word.start, word.end))
    if hit and hit[0][0] <= span.start and hit[-1][1] >= span.end:
        return TimeSpan(start=hit[0][2], end=hit[-1][3])
    return TimeSpan(start=segment.start, end=segment.end)

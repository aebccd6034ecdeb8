"""faster-whisper's model, with word timings checked against the decoder's own timestamps.

Word timings come from cross-attention alignment, a second estimate beside the timestamp
tokens the decoder wrote. Now and then (more often on AVX2 CPUs than on AVX-512 ones, from
int8 rounding) the alignment of a segment lands seconds away from its timestamps: on one dev
call "Hello, you're through to..." spoken at 1 s was placed at 20 s. faster-whisper then moves
its next window to the misplaced last word, so the 20 s of speech between were never decoded.
A segment whose words lie outside its own timestamps is given back those timestamps, its words
spread over them by length: rough word times, but the right words in the right place, and the
next window starts where the speech really stopped.
"""

from __future__ import annotations

from typing import Any

from faster_whisper import WhisperModel

MISALIGNED_S = 1.0  # how far outside its segment's timestamps a word may be placed


class CheckedWhisperModel(WhisperModel):
    def add_word_timestamps(self, segments: list[list[dict[str, Any]]], *args: Any, **kwargs: Any) -> float:
        spans = [[(float(s["start"]), float(s["end"])) for s in window] for window in segments]
        last_speech: float = super().add_word_timestamps(segments, *args, **kwargs)
        for window, window_spans in zip(segments, spans, strict=True):
            for segment, (start, end) in zip(window, window_spans, strict=True):
                if misaligned(segment.get("words") or [], start, end):
                    segment["words"] = spread(segment["words"], start, end)
                    segment["start"], segment["end"] = start, end
                if segment.get("words"):
                    last_speech = float(segment["end"])
        return last_speech


def misaligned(words: list[dict[str, Any]], start: float, end: float) -> bool:
    return bool(words) and (words[0]["start"] > end + MISALIGNED_S or words[-1]["end"] < start - MISALIGNED_S)


def spread(words: list[dict[str, Any]], start: float, end: float) -> list[dict[str, Any]]:
    """Words laid end to end over [start, end], each as long as its share of the characters."""
    total = sum(max(len(w["word"].strip()), 1) for w in words)
    out: list[dict[str, Any]] = []
    cursor = start
    for word in words:
        length = (end - start) * max(len(word["word"].strip()), 1) / total
        out.append({**word, "start": round(cursor, 2), "end": round(cursor + length, 2)})
        cursor += length
    return out

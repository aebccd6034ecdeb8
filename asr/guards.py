"""Filters against Whisper's hallucinations: text that was never said.

Whisper invents text on silence, music and noise ("Thanks for watching!", subtitle credits),
and loops on the same words when decoding goes wrong. Each rule here removes or trims such
output; the reasons are counted so the transcript says how much was dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from asr.transcript import Segment

BOILERPLATE = re.compile(
    r"thanks? (you )?for watching|please subscribe|like and subscribe|subtitles? by|captions? by"
    r"|amara\.org|transcribed by|www\.|\.com/|字幕|订阅|点赞|明镜|感谢观看|謝謝觀看|請不吝",
    re.IGNORECASE,
)
MAX_REPEATS = 4


@dataclass(frozen=True)
class GuardParams:
    min_avg_logprob: float = -1.2
    max_no_speech_prob: float = 0.7
    min_word_probability: float = 0.15


@dataclass
class GuardReport:
    dropped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> list[str]:
        return [f"dropped {count} segment(s): {reason}" for reason, count in sorted(self.dropped.items())]


def keep(segment: Segment, params: GuardParams, report: GuardReport) -> Segment | None:
    """The segment as it should be kept (repetitions collapsed), or None when it is not speech."""
    if BOILERPLATE.search(segment.text):
        report.dropped["known hallucination phrase"] += 1
        return None
    if segment.no_speech_prob > params.max_no_speech_prob and segment.avg_logprob < -0.8:
        report.dropped["no speech"] += 1
        return None
    if segment.avg_logprob < params.min_avg_logprob:
        report.dropped["very low confidence"] += 1
        return None
    if segment.words and max(w.probability for w in segment.words) < params.min_word_probability:
        report.dropped["every word unlikely"] += 1
        return None
    collapsed = collapse_repeats(segment)
    if collapsed is not segment:
        report.dropped["repetition loop (trimmed)"] += 1
    return collapsed


def collapse_repeats(segment: Segment) -> Segment:
    """Cut a run where the same 1-4 word phrase repeats more than MAX_REPEATS times."""
    words = segment.words
    if len(words) <= MAX_REPEATS:
        return segment
    tokens = [re.sub(r"\W+", "", w.text.lower()) for w in words]
    for size in range(1, 5):
        for start in range(0, len(tokens) - size * (MAX_REPEATS + 1) + 1):
            unit = tokens[start : start + size]
            repeats = 1
            while tokens[start + repeats * size : start + (repeats + 1) * size] == unit:
                repeats += 1
            if repeats > MAX_REPEATS:
                return segment.with_words(words[: start + size])
    return segment

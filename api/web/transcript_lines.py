"""The call page's transcript: its lines, each word in a span with its times, the marks on them.

Words carry their times (`data-s`, `data-e`) so that a selection in the browser becomes a time
range (`static/call.js`); words under an inspector's mark are marked, and a word correction is
shown after the words it corrects, which stay as they were heard.

The lines are written here as strings, not by a template loop, and a line without marks is
kept from one request to the next (`LineCache`): an hour-long call has ~900 lines and ~11,000
words, and rendering them object by object on every request both cost most of the page's time
and left thousands of objects alive per request, which brought on the garbage collector's full
collections (0.7 to 0.8 s at the 95th percentile; benchmarks/pages.py).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from asr.transcript import Segment, Transcript
from runtime.evidence import EvidenceMark
from store.evidence import EvidenceKind

HAN = re.compile("[\u4e00-\u9fff]")
"""Chinese text: its words are joined without spaces."""


@dataclass
class LineCache:
    """The unmarked lines of the transcripts shown last, per call, kept while the transcript
    read is the same object (runtime/transcript_cache.py keeps that while it is the stored one)."""

    size: int = 8
    """Calls kept, as many as the transcript cache keeps."""
    _entries: OrderedDict[str, tuple[Transcript, list[str]]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, call_id: str, transcript: Transcript) -> list[str]:
        with self._lock:
            kept = self._entries.get(call_id)
            if kept is not None and kept[0] is transcript:  # the entry holds it: its id is not reused
                self._entries.move_to_end(call_id)
                return kept[1]
        built = [_line(transcript, index, (), words=True) for index in range(len(transcript.segments))]
        with self._lock:
            self._entries[call_id] = (transcript, built)
            self._entries.move_to_end(call_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return built


LINES = LineCache()


def transcript_html(
    call_id: str,
    transcript: Transcript,
    tags: dict[int, list[str]],
    marks: Sequence[EvidenceMark],
    describe: Callable[[EvidenceMark], str],
    words: bool,
) -> Markup:
    """The transcript's `<li>` lines: `tags` (by line) name what the machine found there, and each
    mark (but a correction, shown in the text) is tagged as `describe` says. `words`: every word
    in a span with its times, for readers who mark words; else the line's text."""
    on_line: dict[int, list[EvidenceMark]] = {}
    for mark in marks:
        index = line_of(transcript, mark)
        if index is not None:
            on_line.setdefault(index, []).append(mark)
    kept = LINES.of(call_id, transcript) if words else None
    parts: list[str] = []
    for index in range(len(transcript.segments)):
        found = on_line.get(index, ())
        parts.append(
            kept[index] if kept is not None and not found else _line(transcript, index, found, words)
        )
        parts += [f'<span class="tag">{escape(tag)}</span>' for tag in tags.get(index, ())]
        parts += [
            f'<span class="tag marked-tag">{escape(describe(mark))}</span>'
            for mark in found
            if mark.kind != EvidenceKind.WORD_CORRECTION
        ]
        parts.append("</li>\n")
    return Markup("".join(parts))


def line_of(transcript: Transcript, mark: EvidenceMark) -> int | None:
    """The line of the mark's speaker that overlaps it most (a mark is made within one line)."""
    best, overlap = None, 0.0
    for index, segment in enumerate(transcript.segments):
        shared = min(segment.end, mark.end) - max(segment.start, mark.start)
        if segment.speaker == mark.speaker and shared > overlap:
            best, overlap = index, shared
    return best


def clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _line(transcript: Transcript, index: int, marks: Sequence[EvidenceMark], words: bool) -> str:
    """The line up to its tags: time (seeks), speaker, and its words. A chat without times
    numbers its turns instead: its times are only their order (services/conversations.py)."""
    segment = transcript.segments[index]
    when = clock(segment.start) if transcript.timed else f"#{index + 1}"
    return (
        f'<li class="segment speaker-{segment.speaker}" data-start="{segment.start}" '
        f'data-end="{segment.end}" data-speaker="{segment.speaker}">'
        f'<button type="button" class="time" data-seek="{segment.start}">{when}</button> '
        f'<span class="speaker">{segment.speaker}</span> '
        f'<span class="text">{_text(segment, marks, words)}</span>'
    )


def _text(segment: Segment, marks: Sequence[EvidenceMark], words: bool) -> str:
    corrections = [m for m in marks if m.kind == EvidenceKind.WORD_CORRECTION]
    if not words or not segment.words:
        return escape(segment.text) + "".join(_correction(m) for m in corrections)
    after: dict[int, str] = {}
    for mark in corrections:  # after the last word it covers
        last = max((i for i, w in enumerate(segment.words) if w.start < mark.end), default=0)
        after[last] = after.get(last, "") + _correction(mark)
    parts = []
    for index, word in enumerate(segment.words):
        marked = bool(marks) and any(m.start < word.end and word.start < m.end for m in marks)
        parts.append(
            f'<span class="w{" marked" if marked else ""}" data-s="{word.start:.2f}" data-e="{word.end:.2f}">'
            f"{escape(word.text.strip())}</span>{after.get(index, '')}"
        )
    return ("" if HAN.search(segment.text) else " ").join(parts)


def _correction(mark: EvidenceMark) -> str:
    return (
        f'<ins class="correction" title="corrected by {escape(mark.author)}; heard: {escape(mark.text)}">'
        f"{escape(mark.correction or '')}</ins>"
    )

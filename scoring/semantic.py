"""Matching by meaning: a sentence that says what a scorecard phrase says, in other words.

Agents paraphrase ("we keep a recording of this chat to train our staff" for "calls are recorded
for training"), and a literal matcher fails them for saying the right thing. Each turn is cut into
sentences (and pairs of neighbouring sentences, since ASR punctuation splits a thought in two);
each is compared with every phrase by cosine similarity of sentence embeddings. The evidence is
the sentence, with its times, so an inspector can hear exactly what was taken as the paraphrase.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np

from asr.transcript import Segment, Transcript, Word
from models.embeddings import SentenceEncoder
from scoring.card_parts import SpeakerScope, Window
from scoring.phrases import PhraseHit, in_window, scoped_turns

_SENTENCE_END = re.compile(r"[.!?。！？；;]$")
_SENTENCES = re.compile(r"[^.!?。！？；;]+[.!?。！？；;]*")
MIN_UNIT_WORDS = 3  # "Okay." or "Thank you." cannot say what a 4+ word phrase says; not embedded
_CLAUSES = re.compile(r"[^,，、]+[,，、]?")


@dataclass(frozen=True)
class Sentence:
    segment: Segment
    text: str
    start: float
    end: float
    min_probability: float


def find_meaning(
    transcript: Transcript,
    phrases: list[str],
    speaker: SpeakerScope,
    window: Window,
    min_similarity: float,
    encoder: SentenceEncoder,
    rivals: list[str],
) -> list[PhraseHit]:
    """Best sentence per turn whose meaning is within `min_similarity` (100 x cosine) of a phrase
    and closer to it than to any of the `rivals` (the card's other items' phrases): "Hello, you're
    through to Contoso Energy" shares the company name with a disclosure phrase, but it is a
    greeting, and nearer to the greeting's phrases."""
    turns = scoped_turns(transcript, speaker, window)
    units = [[u for u in units_of(turn) if size_in_words(u.text) >= MIN_UNIT_WORDS] for turn in turns]
    flat = [u for group in units for u in group]
    if not flat or not phrases:
        return []
    vectors = encoder.encode([u.text for u in flat])
    similarity = vectors @ encoder.encode(phrases).T
    if rivals:
        nearest_rival = (vectors @ encoder.encode(rivals).T).max(axis=1, keepdims=True)
        similarity = np.where(similarity > nearest_rival, similarity, 0.0)
    hits: list[PhraseHit] = []
    row = 0
    for group in units:
        block = similarity[row : row + len(group)]
        row += len(group)
        candidates = [
            _hit(group[i], phrases[j], float(block[i, j]))
            for i, j in zip(*np.nonzero(block * 100 >= min_similarity), strict=True)
        ]
        inside = [h for h in candidates if in_window(h, window, transcript)]
        if inside:
            hits.append(max(inside, key=lambda h: h.similarity))
    return hits


def size_in_words(text: str) -> int:
    """Words, counting two Chinese characters as a word."""
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return len(text.split()) + han // 2 if han else len(text.split())


def units_of(turn: list[Segment]) -> list[Sentence]:
    """The turn's sentences, their clauses (a preamble like "before we begin, I should mention
    that" dilutes the clause that carries the meaning), then each pair of neighbouring sentences."""
    sentences = _sentences(turn)
    clauses = [c for s in sentences for c in _clauses(s)]
    pairs = [
        Sentence(a.segment, f"{a.text} {b.text}", a.start, b.end, min(a.min_probability, b.min_probability))
        for a, b in itertools.pairwise(sentences)
    ]
    return sentences + clauses + pairs


def _clauses(sentence: Sentence) -> list[Sentence]:
    parts = _split(sentence, _CLAUSES, " ,，、")
    return parts if len(parts) >= 2 else []


def _sentences(turn: list[Segment]) -> list[Sentence]:
    out: list[Sentence] = []
    for segment in turn:
        if not segment.words:
            out.extend(_split_text(segment))
            continue
        current: list[Word] = []
        for word in segment.words:
            current.append(word)
            if _SENTENCE_END.search(word.text.strip()) or word is segment.words[-1]:
                cut = segment.with_words(current)
                out.append(
                    Sentence(
                        segment, cut.text.strip(), cut.start, cut.end, min(w.probability for w in current)
                    )
                )
                current = []
    return [s for s in out if s.text]


def _split_text(segment: Segment) -> list[Sentence]:
    """Sentences of a segment without word times (reference text)."""
    return _split(Sentence(segment, segment.text, segment.start, segment.end, 1.0), _SENTENCES, " ")


def _split(whole: Sentence, pattern: re.Pattern[str], strip: str) -> list[Sentence]:
    """The pieces `pattern` finds in `whole`, with its time shared out by length."""
    size = max(len(whole.text), 1)
    span = whole.end - whole.start
    return [
        Sentence(
            whole.segment,
            m.group().strip(strip),
            whole.start + span * m.start() / size,
            whole.start + span * m.end() / size,
            whole.min_probability,
        )
        for m in pattern.finditer(whole.text)
        if m.group().strip(strip)
    ]


def _hit(unit: Sentence, phrase: str, cosine: float) -> PhraseHit:
    return PhraseHit(
        phrase,
        unit.segment,
        unit.start,
        unit.end,
        unit.text,
        round(100 * cosine, 1),
        unit.min_probability,
        method="semantic",
    )

"""Fuzzy phrase spotting in a transcript, with the time range and quote of each hit.

Whisper misspells names and drops small words, so exact matching misses real greetings;
rapidfuzz's partial alignment finds the phrase inside a longer utterance and tells where,
which lets the finding quote exactly the words that matched and their times. Phrases are
looked for in turns (a speaker's consecutive segments with nobody else in between), since
ASR cuts one sentence into several segments wherever the speaker pauses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from asr.transcript import Segment, Transcript
from scoring.card_parts import SpeakerScope, Window
from scoring.text import has_han, normalise

TURN_GAP_S = 2.0


@dataclass(frozen=True)
class PhraseHit:
    phrase: str
    segment: Segment
    start: float
    end: float
    quote: str
    similarity: float  # percent: rapidfuzz's score, or 100 x cosine for a semantic match
    min_probability: float  # the least confident word of the match
    method: Literal["fuzzy", "semantic"] = "fuzzy"

    @property
    def attributed(self) -> bool:
        """False when the words come from an unseparated mono mix: we know what, not who."""
        return self.segment.speaker != "unknown"


def find_phrases(
    transcript: Transcript,
    phrases: list[str],
    speaker: SpeakerScope,
    window: Window,
    min_similarity: float,
) -> list[PhraseHit]:
    """Best hit per turn, above `min_similarity`, inside the speaker and time scope."""
    targets = [(p, normalise(p)) for p in phrases]
    hits: list[PhraseHit] = []
    for turn in scoped_turns(transcript, speaker, window):
        best = _best_in_turn(turn, targets)
        if best is not None and best.similarity >= min_similarity and in_window(best, window, transcript):
            hits.append(best)
    return hits


def scoped_turns(transcript: Transcript, speaker: SpeakerScope, window: Window) -> list[list[Segment]]:
    """The turns an item looks at: the speaker's (or an unattributed mono mix's), the first N if asked."""
    scoped = [
        t for t in turns(transcript.segments) if speaker == "any" or t[0].speaker in (speaker, "unknown")
    ]
    return scoped[: window.first_turns] if window.first_turns is not None else scoped


def turns(segments: list[Segment], max_gap_s: float = TURN_GAP_S) -> list[list[Segment]]:
    """Consecutive segments of one speaker, nobody else in between, pauses under `max_gap_s`."""
    out: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: (s.start, s.end)):
        last = out[-1][-1] if out else None
        if last is not None and last.speaker == segment.speaker and segment.start - last.end < max_gap_s:
            out[-1].append(segment)
        else:
            out.append([segment])
    return out


def in_window(hit: PhraseHit, window: Window, transcript: Transcript) -> bool:
    if window.first_s is not None and hit.start > window.first_s:
        return False
    if window.start_after_s is not None and hit.start < window.start_after_s:
        return False
    if window.end_before_s is not None and hit.end > window.end_before_s:
        return False
    return not (window.last_s is not None and hit.end < transcript.duration_s - window.last_s)


def _best_in_turn(turn: list[Segment], targets: list[tuple[str, str]]) -> PhraseHit | None:
    tokens, text = _tokens(turn)
    if not text:
        return None
    best: PhraseHit | None = None
    for phrase, wanted in targets:
        if not wanted:
            continue
        alignment = fuzz.partial_ratio_alignment(wanted, text)
        if alignment is None or (best is not None and alignment.score <= best.similarity):
            continue
        chosen = _span(tokens, alignment.dest_start, alignment.dest_end) or tokens
        best = PhraseHit(
            phrase,
            turn[0],
            chosen[0].start,
            chosen[-1].end,
            _quote(chosen),
            round(float(alignment.score), 1),
            min(t.probability for t in chosen),
        )
    return best


@dataclass(frozen=True)
class Token:
    text: str
    start: float
    end: float
    offset: int
    probability: float


def _tokens(turn: list[Segment]) -> tuple[list[Token], str]:
    """Normalised words with their times, confidence and character offsets in the joined text.

    Han characters are joined without a space, so Chinese phrases match character by character.
    """
    words = [
        item
        for segment in turn
        for item in (
            [(normalise(w.text), w.start, w.end, w.probability) for w in segment.words]
            or [(normalise(segment.text), segment.start, segment.end, 1.0)]
        )
    ]
    tokens: list[Token] = []
    text = ""
    for word, start, end, probability in words:
        if not word:
            continue
        if text and not (has_han(text[-1]) and has_han(word[0])):
            text += " "
        tokens.append(Token(word, start, end, len(text), probability))
        text += word
    return tokens, text


def _span(tokens: list[Token], char_start: int, char_end: int) -> list[Token]:
    return [t for t in tokens if t.offset + len(t.text) > char_start and t.offset < char_end]


def _quote(chosen: list[Token]) -> str:
    quote = ""
    for token in chosen:
        joined = quote and not (has_han(quote[-1]) and has_han(token.text[0]))
        quote += (" " if joined else "") + token.text
    return quote

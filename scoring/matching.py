"""One way to decide that something was said: literally (fuzzy), or else in other words.

Scorecard items, their N/A conditions and the escalation cues all ask the same question, so they
share this answer and its rules.
"""

from __future__ import annotations

from asr.transcript import Transcript
from models.embeddings import meaning_encoder
from scoring.card_parts import SpeakerScope, Window
from scoring.phrases import PhraseHit, find_phrases
from scoring.semantic import find_meaning
from scoring.text import has_han, normalise


def said(
    transcript: Transcript,
    phrases: list[str],
    speaker: SpeakerScope,
    window: Window,
    min_similarity: float,
    semantic: float | None,
    rivals: list[str],
) -> list[PhraseHit]:
    """Literal hits, or, when there are none, sentences that say the same in other words.

    Only sentence-like phrases are matched by meaning: "account number" is a keyword, and any
    sentence about accounts and numbers lands near it ("I can see your account from the number
    you're calling from" is not asking for it)."""
    hits = find_phrases(transcript, phrases, speaker, window, min_similarity)
    sentences = [p for p in phrases if sentence_like(p)]
    if hits or semantic is None or not sentences:
        return hits
    encoder = meaning_encoder(transcript.language)
    return find_meaning(transcript, sentences, speaker, window, semantic, encoder, rivals)


def sentence_like(phrase: str) -> bool:
    """A phrase with a meaning of its own (4+ words, 7+ Chinese characters), not a keyword."""
    text = normalise(phrase)
    return len(text) >= 7 if has_han(text) else len(text.split()) >= 4

"""Dissatisfaction and escalation cues in what the customer says, and the call's escalation risk.

A threat (to cancel or switch, to go to a regulator, to ask for a manager) from a customer who
does not end the call satisfied is the signal a recovery team calls back on. The cancel phrases are
worded as threats ("I'm switching supplier"): said so, they count; a sentence that only means the
same (found by meaning, e.g. "I'd like to cancel, I'm moving abroad") counts only from a negative
turn or a customer who ends negative, since a calm cancellation request is not a threat. Cues are matched the
same way scorecard phrases are (literally, then by meaning for sentence-like phrases), and each
category's phrases compete with the others', so a sentence lands in the category it is nearest to.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from asr.transcript import Transcript
from scoring.card_parts import Window
from scoring.matching import said
from scoring.phrases import PhraseHit
from scoring.sentiment import SentimentSummary

CUES_PATH = Path(__file__).parent / "cues" / "escalation.yaml"
MIN_SIMILARITY = 90.0
SEMANTIC = 55.0


class CueCategory(BaseModel):
    label: str
    threat: bool
    needs_negative: bool
    phrases: dict[str, list[str]]


class CueCatalog(BaseModel):
    categories: dict[str, CueCategory]


class EscalationCue(BaseModel):
    category: str
    label: str
    start: float
    end: float
    quote: str
    matched: str
    confidence: float


class Escalation(BaseModel):
    cues: list[EscalationCue] = Field(default_factory=list)
    customer_threat: bool
    repeat_contact: bool
    risk: bool = Field(description="a threat, and the customer does not end the call positive")


@lru_cache(maxsize=1)
def load_cues(path: Path = CUES_PATH) -> CueCatalog:
    return CueCatalog.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def detect(
    transcript: Transcript, sentiment: SentimentSummary, catalog: CueCatalog | None = None
) -> Escalation:
    catalog = catalog or load_cues()
    language = "zh" if transcript.language == "zh" else "en"
    phrases = {name: c.phrases.get(language, []) for name, c in catalog.categories.items()}
    negative_turns = [
        (t.start, t.end) for t in sentiment.turns if t.speaker == "customer" and t.label == "negative"
    ]
    cues: list[EscalationCue] = []
    for name, category in catalog.categories.items():
        rivals = [p for other, listed in phrases.items() if other != name for p in listed]
        for hit in said(transcript, phrases[name], "customer", Window(), MIN_SIMILARITY, SEMANTIC, rivals):
            in_negative_turn = any(s <= hit.start + 0.01 and hit.end <= e + 0.01 for s, e in negative_turns)
            negative = in_negative_turn or sentiment.customer_end == "negative"
            if category.needs_negative and hit.method == "semantic" and not negative:
                continue
            cues.append(_cue(name, category, hit))
    threat = any(catalog.categories[c.category].threat for c in cues)
    return Escalation(
        cues=sorted(cues, key=lambda c: c.start),
        customer_threat=threat,
        repeat_contact=any(c.category == "repeat_contact" for c in cues),
        risk=threat and sentiment.customer_end != "positive",
    )


def _cue(name: str, category: CueCategory, hit: PhraseHit) -> EscalationCue:
    return EscalationCue(
        category=name,
        label=category.label,
        start=hit.start,
        end=hit.end,
        quote=hit.quote,
        matched=hit.phrase,
        confidence=round(hit.similarity / 100, 3),
    )

"""How the customer felt, turn by turn, and where the call left them.

Per turn (a speaker's consecutive segments): a label and a score from the sentiment model. Per
call: the customer's overall mood and their mood at the end (the mean of the last two turns'
labels, as negative -1, neutral 0, positive +1, with +-0.34 as the class bounds), and the
trajectory between the start and the end. The end is what recovery teams act on: a caller who
hangs up upset is the one to call back, whatever happened in the middle.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from asr.transcript import Speaker, Transcript
from models.sentiment import SentimentLabel, SentimentModel, turn_sentiment
from scoring.phrases import turns

Trajectory = Literal["calm", "angry_to_calm", "calm_to_angry", "escalating"]
_VALUE: dict[SentimentLabel, int] = {"negative": -1, "neutral": 0, "positive": 1}
CLASS_BOUND = 0.34
END_TURNS = 2


class TurnSentiment(BaseModel):
    speaker: Speaker
    start: float
    end: float
    text: str
    label: SentimentLabel
    score: float
    confidence: float


class SentimentSummary(BaseModel):
    model: str
    turns: list[TurnSentiment]
    customer_overall: SentimentLabel | None
    customer_start: SentimentLabel | None
    customer_end: SentimentLabel | None
    agent_overall: SentimentLabel | None
    trajectory: Trajectory | None


def summarise(transcript: Transcript, model: SentimentModel) -> SentimentSummary:
    grouped = turns(transcript.segments)
    texts = [" ".join(s.text.strip() for s in turn) for turn in grouped]
    predicted = turn_sentiment(model, texts) if texts else []
    found = [
        TurnSentiment(
            speaker=turn[0].speaker,
            start=turn[0].start,
            end=turn[-1].end,
            text=text,
            label=s.label,
            score=s.score,
            confidence=s.confidence,
        )
        for turn, text, s in zip(grouped, texts, predicted, strict=True)
        if text
    ]
    customer = [t.label for t in found if t.speaker == "customer"]
    agent = [t.label for t in found if t.speaker == "agent"]
    start, end = mood(customer[:END_TURNS]), mood(customer[-END_TURNS:])
    return SentimentSummary(
        model=model.name,
        turns=found,
        customer_overall=mood(customer),
        customer_start=start,
        customer_end=end,
        agent_overall=mood(agent),
        trajectory=trajectory(start, end),
    )


def mood(labels: list[SentimentLabel]) -> SentimentLabel | None:
    if not labels:
        return None
    mean = sum(_VALUE[label] for label in labels) / len(labels)
    return "positive" if mean >= CLASS_BOUND else "negative" if mean <= -CLASS_BOUND else "neutral"


def trajectory(start: SentimentLabel | None, end: SentimentLabel | None) -> Trajectory | None:
    if start is None or end is None:
        return None
    if end == "negative":
        return "escalating" if start == "negative" else "calm_to_angry"
    return "angry_to_calm" if start == "negative" else "calm"

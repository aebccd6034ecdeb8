"""Sentiment of an utterance: negative, neutral or positive, with a score in [-1, 1].

No trained transformer sentiment model ships offline, so the default is a small logistic head on
the multilingual sentence embeddings (`models/train_sentiment.py` fits it reproducibly; the
fitted weights are `sentiment_head.json`, 6k numbers). Because the embedding space is shared
across languages, one head serves English and Chinese. A team with its own Hugging Face
sentiment model points callqa at its folder instead (`HuggingFaceSentiment`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from models.embeddings import SentenceEncoder, shared_encoder

SentimentLabel = Literal["negative", "neutral", "positive"]
LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
HEAD_PATH = Path(__file__).with_name("sentiment_head.json")
CLEARLY_POLAR = 0.5
_CLAUSE_END = re.compile(r"(?<=[.!?。！？，,；;])\s*")


class SentimentModelError(RuntimeError):
    """The sentiment model could not be loaded; the message says what to fix."""


@dataclass(frozen=True)
class Sentiment:
    label: SentimentLabel
    score: float  # P(positive) - P(negative): -1 very negative .. +1 very positive
    confidence: float  # probability of the chosen label


class SentimentModel(Protocol):
    name: str

    def predict(self, texts: list[str]) -> list[Sentiment]: ...


def from_probabilities(probabilities: dict[SentimentLabel, float]) -> Sentiment:
    label = max(LABELS, key=lambda k: probabilities.get(k, 0.0))
    score = probabilities.get("positive", 0.0) - probabilities.get("negative", 0.0)
    return Sentiment(label, round(float(score), 3), round(float(probabilities[label]), 3))


class EmbeddingSentiment:
    """Multinomial logistic regression over sentence embeddings (the shipped default)."""

    def __init__(self, head_path: Path = HEAD_PATH, encoder: SentenceEncoder | None = None) -> None:
        try:
            head = json.loads(head_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SentimentModelError(f"{head_path}: not a sentiment head: {error}") from error
        self._load(head, str(head_path))
        self._encoder = encoder

    @classmethod
    def from_head(cls, head: dict[str, Any], encoder: SentenceEncoder | None = None) -> EmbeddingSentiment:
        """A head kept elsewhere than a file (a refitted one, stored with a calibration)."""
        model = cls.__new__(cls)
        model._load(head, f"sentiment head {head.get('version', 'unversioned')}")
        model._encoder = encoder
        return model

    def _load(self, head: dict[str, Any], source: str) -> None:
        try:
            self.classes: list[SentimentLabel] = list(head["classes"])
            self.coef = np.asarray(head["coef"], dtype=np.float32)
            self.intercept = np.asarray(head["intercept"], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as error:
            raise SentimentModelError(f"{source}: not a sentiment head: {error}") from error
        if set(self.classes) != set(LABELS) or self.coef.shape[0] != len(LABELS):
            raise SentimentModelError(f"{source}: expected three classes {LABELS}")
        self.name = f"embedding-head:{head.get('version', 'unversioned')}"
        self.encoder_package = str(head.get("encoder", ""))

    def predict(self, texts: list[str]) -> list[Sentiment]:
        if not texts:
            return []
        encoder = self._encoder or shared_encoder()
        logits = encoder.encode(texts) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return [
            from_probabilities(dict(zip(self.classes, map(float, row), strict=True))) for row in probabilities
        ]


class HuggingFaceSentiment:
    """A user's own sequence-classification model folder, loaded offline through transformers.

    Its labels are mapped by name (anything containing "neg", "neu", "pos"; "LABEL_0..2" as
    negative, neutral, positive; two-label models have no neutral, so a confidence under
    `neutral_below` is reported as neutral).
    """

    def __init__(self, model_dir: Path, neutral_below: float = 0.6) -> None:
        try:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as error:
            raise SentimentModelError("a Hugging Face model needs: pip install 'callqa[hf]'") from error
        if not (model_dir / "config.json").is_file():
            raise SentimentModelError(f"{model_dir}: no config.json, not a Hugging Face model folder")
        try:
            self._tokenizer: Any = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
            self._model: Any = AutoModelForSequenceClassification.from_pretrained(
                str(model_dir), local_files_only=True
            ).eval()
        except (OSError, ValueError) as error:
            raise SentimentModelError(f"{model_dir}: cannot load the model: {error}") from error
        id2label = {int(k): str(v) for k, v in self._model.config.id2label.items()}
        self._labels = [label_for(id2label[i], i, len(id2label)) for i in range(len(id2label))]
        self.neutral_below = neutral_below
        self.name = f"hf:{model_dir.name}"

    def predict(self, texts: list[str]) -> list[Sentiment]:
        if not texts:
            return []
        import torch

        with torch.inference_mode():
            batch = self._tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
            probabilities = torch.softmax(self._model(**batch).logits, dim=-1).numpy()
        out = []
        for row in probabilities:
            merged: dict[SentimentLabel, float] = dict.fromkeys(LABELS, 0.0)
            for label, p in zip(self._labels, row, strict=True):
                merged[label] += float(p)
            sentiment = from_probabilities(merged)
            if "neutral" not in self._labels and sentiment.confidence < self.neutral_below:
                sentiment = Sentiment("neutral", sentiment.score, round(1.0 - abs(sentiment.score), 3))
            out.append(sentiment)
        return out


def turn_sentiment(model: SentimentModel, turns: list[str]) -> list[Sentiment]:
    """A turn takes the sentiment of its most confidently polar clause, or the whole turn's when no
    clause is clearly polar: "That's ridiculous, I want your supervisor" is angry even though its
    second half reads as a neutral request, and averaging the whole turn into one vector dilutes
    the clause that carries the feeling; a weakly polar clause ("so I'd like to cancel") is not
    allowed to outvote the turn. (On the dev corpus's labelled turns: the same per-turn accuracy
    as whole turns, a better end-of-call mood.)"""
    clauses = [[p for p in _CLAUSE_END.split(turn) if p.strip()] or [turn] for turn in turns]
    flat = model.predict([c for group in clauses for c in group] + turns)
    whole = flat[len(flat) - len(turns) :]
    out: list[Sentiment] = []
    for index, group in enumerate(clauses):
        scored, flat = flat[: len(group)], flat[len(group) :]
        polar = [s for s in scored if s.label != "neutral" and s.confidence >= CLEARLY_POLAR]
        out.append(max(polar, key=lambda s: s.confidence) if polar else whole[index])
    return out


def label_for(name: str, index: int, count: int) -> SentimentLabel:
    lowered = name.lower()
    for label, key in (("negative", "neg"), ("neutral", "neu"), ("positive", "pos")):
        if key in lowered:
            return label  # type: ignore[return-value]
    if count == 3:
        return LABELS[index]
    if count == 2:
        return ("negative", "positive")[index]
    raise SentimentModelError(
        f"cannot tell what label {name!r} means; name the labels negative/neutral/positive"
    )


@lru_cache(maxsize=4)
def load_sentiment_model(model_dir: Path | None = None) -> SentimentModel:
    """The user's Hugging Face folder if given, else the shipped head; loaded once per process."""
    return HuggingFaceSentiment(model_dir) if model_dir is not None else EmbeddingSentiment()


def default_sentiment_model() -> SentimentModel:
    return load_sentiment_model(None)

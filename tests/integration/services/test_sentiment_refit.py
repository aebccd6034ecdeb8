"""The sentiment head refitted with inspectors' corrected turn labels: it learns the deployment's
register (sarcastic complaints), stays near the shipped head elsewhere, and is kept as a version
that scoring uses, rolled back like a card's calibration."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from models.sentiment import EmbeddingSentiment, turn_sentiment
from models.sentiment_refit import LabelledTurn, head_of, refit_head
from models.train_sentiment import SEED_SET, read_seed
from review.sentiment_calibration import refit_sentiment
from runtime.evidence import SentimentMark
from runtime.services import Services
from runtime.settings import Settings
from services.calibration import SENTIMENT_HEAD, refit_sentiment_head, rollback, sentiment_model_in_use
from store.evidence import EvidenceKind
from store.metadata import CallMetadata
from store.tables import CalibrationState
from tests.support.transcripts import segment, transcript

SARCASM = [
    "Brilliant the third time this week the app has logged me out.",
    "Oh great another fee on my statement.",
    "Wonderful so I wait another week then.",
    "Fantastic the card got declined again at the shop.",
    "Perfect now the website is down as well.",
    "Super yet another letter about the same bill.",
    "Lovely the engineer never showed up again.",
    "Great so my refund is lost again.",
    "Amazing the bill doubled without a word from you.",
    "Terrific I have been on hold for an hour.",
]
HELD_OUT = "Marvellous the payment bounced again."
THANKS = "Thank you, that was really helpful."


def labels(head_texts: list[str], model: EmbeddingSentiment) -> list[str]:
    return [s.label for s in turn_sentiment(model, head_texts)]


def anchors() -> list[LabelledTurn]:
    return [LabelledTurn(text, label) for text, label, _ in read_seed(SEED_SET)]


def test_corrected_turns_move_the_head_towards_them_and_not_elsewhere() -> None:
    shipped = head_of(EmbeddingSentiment())
    assert refit_head(shipped, [], anchors()) == shipped
    refit = refit_head(shipped, [LabelledTurn(t, "negative") for t in SARCASM], anchors())
    assert refit.corrections == len(SARCASM) and refit.classes == ["negative", "neutral", "positive"]
    assert labels([HELD_OUT, THANKS], shipped.model()) != ["negative", "positive"]
    assert labels([HELD_OUT, THANKS], refit.model()) == ["negative", "positive"]


def test_a_refit_is_assessed_on_held_out_corrected_turns() -> None:
    shipped = head_of(EmbeddingSentiment())
    turns = [LabelledTurn(t, "negative") for t in SARCASM]
    run = refit_sentiment(shipped, shipped, turns, anchors())
    assert run.method == "k_fold" and run.held_out == len(SARCASM)
    rows = {c.item: c for c in run.items}
    assert rows["customer turn sentiment"].after.accuracy >= rows["customer turn sentiment"].before.accuracy
    assert run.activate and run.head.corrections == len(SARCASM)
    # against a head that has learnt these very turns, a refit tested on turns it did not see loses
    worse = refit_sentiment(shipped, run.head, turns, anchors())
    rows = {c.item: c for c in worse.items}
    assert rows["customer turn sentiment"].after.accuracy < rows["customer turn sentiment"].before.accuracy
    assert not worse.activate and "agreement falls on customer turn sentiment" in worse.reasons


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = Services(settings)
    yield built
    built.close()


def test_marked_turns_refit_the_head_scoring_uses_and_rollback_restores_the_shipped_one(
    services: Services,
) -> None:
    shipped_name = services.sentiment_model.name
    assert refit_sentiment_head(services) is None  # nothing corrected yet
    stored = services.calls.ingest_chunks([uuid.uuid4().bytes * 64], "call.wav", CallMetadata()).call
    said = transcript([segment("customer", 1.0 + 4 * i, 4.0 + 4 * i, text) for i, text in enumerate(SARCASM)])
    services.results.save_transcript(stored.id, "test", said)
    from services.pipeline import analyse_stage

    assert analyse_stage(services, stored.id, "generic-en")
    analysis = services.results.analysis(stored.id)
    assert analysis is not None
    for seg in said.segments:
        mark = SentimentMark(
            kind=EvidenceKind.SENTIMENT,
            start=seg.start,
            end=seg.end,
            speaker="customer",
            text=seg.text,
            label="negative",
        )
        services.evidence.add(stored.id, analysis.id, mark, "user ann (inspector)", "en")

    dry = refit_sentiment_head(services, dry_run=True)
    assert dry is not None and dry.stored is None and dry.corrected_turns == len(SARCASM)
    done = refit_sentiment_head(services, actor="cli")
    assert done is not None and done.stored is not None and done.stored.state == CalibrationState.ACTIVE
    assert done.stored.scorecard_key == SENTIMENT_HEAD
    in_use = sentiment_model_in_use(services)
    assert in_use.name == "embedding-head:refit-10-turns" != shipped_name
    assert refit_sentiment_head(services) is not None  # the same turns again: not stored twice
    assert rollback(services, SENTIMENT_HEAD, "cli").restored is None
    assert sentiment_model_in_use(services).name == shipped_name

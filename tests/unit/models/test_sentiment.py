"""The shipped sentiment head, the customer's mood over a call, and escalation cues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.files import ModelFileError, verify
from models.sentiment import (
    HEAD_PATH,
    EmbeddingSentiment,
    HuggingFaceSentiment,
    SentimentModelError,
    default_sentiment_model,
    label_for,
    turn_sentiment,
)
from scoring.escalation import detect
from scoring.sentiment import mood, summarise, trajectory
from tests.support.transcripts import segment, transcript


def test_shipped_head_records_how_it_was_trained() -> None:
    head = json.loads(HEAD_PATH.read_text(encoding="utf-8"))
    assert head["classes"] == ["negative", "neutral", "positive"]
    assert len(head["coef"]) == 3 and len(head["coef"][0]) == 512
    assert head["training"]["heldout"]["all"]["accuracy"] > 0.6
    assert set(head["training"]["inputs"]) >= {"tweets_GroundTruth.txt", "neg.txt", "callcentre_seed.tsv"}


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("This is the worst experience, I'm absolutely livid with your company.", "negative"),
        ("Wonderful, thank you so much for your help today!", "positive"),
        ("My reference number is three four five.", "neutral"),
        ("你们的服务太差劲了，我非常生气！", "negative"),
        ("太感谢您了，帮了我大忙。", "positive"),
    ],
)
def test_head_reads_clear_cases_in_both_languages(text: str, label: str) -> None:
    assert turn_sentiment(default_sentiment_model(), [text])[0].label == label


def test_a_turn_takes_its_most_polar_sentence() -> None:
    model = default_sentiment_model()
    [whole] = turn_sentiment(model, ["That is outrageous. I would like the name of your team leader."])
    assert whole.label == "negative"


def test_broken_head_file_is_refused_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "head.json"
    bad.write_text('{"classes": ["a"]}')
    with pytest.raises(SentimentModelError, match=r"head\.json"):
        EmbeddingSentiment(bad)


def test_encoder_with_another_hash_is_refused(tmp_path: Path) -> None:
    (tmp_path / "weights.npz").write_bytes(b"not the weights")
    with pytest.raises(ModelFileError, match="refusing"):
        verify(tmp_path, {"weights.npz": "0" * 64}, "reinstall pkg")


def test_moods_and_trajectory() -> None:
    assert mood(["negative", "neutral"]) == "negative"
    assert mood(["positive", "neutral"]) == "positive"
    assert mood(["positive", "negative"]) == "neutral"
    assert mood([]) is None
    assert trajectory("negative", "positive") == "angry_to_calm"
    assert trajectory("neutral", "negative") == "calm_to_angry"


def angry_call() -> object:
    return transcript(
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, Jordan speaking."),
            segment("customer", 4.0, 8.0, "Hi. I've been charged twice for the same month."),
            segment("agent", 9.0, 12.0, "I can refund one of them within ten days."),
            segment("customer", 13.0, 17.0, "Ten days? That's unacceptable. Let me talk to your manager."),
            segment("agent", 18.0, 20.0, "I'm sorry, that's the fastest I can do."),
            segment("customer", 21.0, 25.0, "Fine. I'm taking this to the ombudsman."),
        ]
    )


def test_upset_customer_with_threats_is_an_escalation_risk() -> None:
    call = angry_call()
    feeling = summarise(call, default_sentiment_model())  # type: ignore[arg-type]
    assert feeling.customer_end == "negative"
    assert [t.speaker for t in feeling.turns] == ["agent", "customer"] * 3
    escalation = detect(call, feeling)  # type: ignore[arg-type]
    assert {c.category for c in escalation.cues} == {"supervisor", "regulator"}
    assert escalation.customer_threat and escalation.risk
    assert all(c.start >= 13.0 for c in escalation.cues)


def test_a_calm_cancellation_request_is_not_a_threat() -> None:
    call = transcript(
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, how can I help?"),
            segment(
                "customer", 4.0, 8.0, "Hi, I'm moving abroad next month, so I'd like to cancel my contract."
            ),
            segment("agent", 9.0, 12.0, "Of course, I've set the end date to the thirtieth."),
            segment("customer", 13.0, 15.0, "Perfect, thanks for your help."),
        ]
    )
    feeling = summarise(call, default_sentiment_model())
    escalation = detect(call, feeling)
    assert not escalation.customer_threat and not escalation.risk


def test_hugging_face_labels_are_read_by_name_or_position() -> None:
    assert label_for("NEGATIVE", 0, 2) == "negative"
    assert label_for("LABEL_1", 1, 3) == "neutral"
    assert label_for("LABEL_1", 1, 2) == "positive"
    with pytest.raises(SentimentModelError):
        label_for("angry", 0, 5)


def test_hugging_face_folder_without_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SentimentModelError, match=r"config\.json"):
        HuggingFaceSentiment(tmp_path)


def test_a_user_hugging_face_model_folder_is_loaded_offline(tmp_path: Path) -> None:
    """A tiny randomly initialised BERT saved to disk stands in for a user's fine-tuned model:
    what is checked is that the folder loads without a hub and its labels are mapped."""
    transformers = pytest.importorskip("transformers")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "service"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    transformers.BertForSequenceClassification(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    model = HuggingFaceSentiment(tmp_path)
    found = model.predict(["good service", "bad service"])
    assert len(found) == 2 and all(f.label in ("negative", "neutral", "positive") for f in found)
    assert all(-1.0 <= f.score <= 1.0 for f in found)


def test_shipped_head_is_what_the_training_script_writes_from_its_inputs() -> None:
    """The head records the sha256 of the seed set it was fitted on: editing the seed set without
    re-running `python -m models.train_sentiment` is caught here."""
    from models.files import sha256_of as sha256
    from models.train_sentiment import SEED_SET

    head = json.loads(HEAD_PATH.read_text(encoding="utf-8"))
    assert head["training"]["inputs"]["callcentre_seed.tsv"] == sha256(SEED_SET)

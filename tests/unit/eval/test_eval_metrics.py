"""The SCHEMA section 6 scorer: ground truth against itself is perfect; errors are counted."""

from __future__ import annotations

import copy

import pytest

from eval.metrics import match_intervals, score_corpus
from eval.normalise import tokens
from tests.support.eval import call


def test_truth_against_itself_is_perfect() -> None:
    truths = {"a": call("a"), "b": call("b", "zh")}
    report = score_corpus(truths, copy.deepcopy(truths))
    assert report["asr"]["wer"] == {"en/agent": 0.0, "en/customer": 0.0, "zh/agent": 0.0, "zh/customer": 0.0}
    assert report["labels"]["disclosure"]["f1"] == 1.0
    assert report["verdict"]["accuracy"] == 1.0
    assert report["intervals"]["silences"]["f1"] == 1.0
    assert report["asr"]["text_in_silence_s"] == 0.0


def test_text_inside_a_silence_is_measured() -> None:
    truth = call("a")
    guess = copy.deepcopy(truth)
    guess["utterances"].append({"speaker": "agent", "start": 6.0, "end": 8.0, "text": "thanks for watching"})
    assert score_corpus({"a": truth}, {"a": guess})["asr"]["text_in_silence_s"] == 2.0


def test_mono_role_accuracy_is_the_share_of_speech_time_with_the_right_speaker() -> None:
    truth = call("a")
    truth["layout"] = "mono"
    guess = copy.deepcopy(truth)
    guess["utterances"][1] = {"speaker": "agent", "start": 2.5, "end": 3.25, "text": "Hi, I'm calling"}
    guess["utterances"].append({"speaker": "customer", "start": 3.25, "end": 4.0, "text": "about my bill."})
    roles = score_corpus({"a": truth, "b": call("b")}, {"a": guess})["asr"]["mono_role_accuracy"]
    assert roles == {"all": 0.75, "calls": {"a": 0.75}}  # 0.75 s of 3 s went to the agent; b is stereo


def test_empty_prediction_scores_as_wrong() -> None:
    report = score_corpus({"a": call("a")}, {})
    assert report["asr"]["wer"]["en/agent"] == 1.0
    assert report["layout_accuracy"] == 0.0
    assert report["labels"]["disclosure"]["recall"] == 0.0
    assert report["verdict"]["accuracy"] == 0.0
    assert report["intervals"]["silences"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_numbers_and_case_normalised_in_wer() -> None:
    assert tokens("It's one hundred and thirty two dollars!", "en") == tokens("it is $132", "en")
    assert tokens("卡号一三八二，華信", "zh") == ["卡", "号", "1382", "华", "信"]


def test_interval_matching_is_one_to_one_within_tolerance() -> None:
    truth = {"a": {"silences": [{"start": 10.0, "end": 15.0}, {"start": 30.0, "end": 40.0}]}}
    pred = {
        "a": {
            "silences": [
                {"start": 10.9, "end": 15.5},
                {"start": 10.2, "end": 15.1},
                {"start": 31.5, "end": 40.0},
            ]
        }
    }
    result = match_intervals(truth, pred, "silences")
    assert result["precision"] == pytest.approx(1 / 3, abs=1e-3)
    assert result["recall"] == 0.5


def test_speaker_swap_costs_wer() -> None:
    truth = call("a")
    swapped = copy.deepcopy(truth)
    for u in swapped["utterances"]:
        u["speaker"] = "customer" if u["speaker"] == "agent" else "agent"
    report = score_corpus({"a": truth}, {"a": swapped})
    assert report["asr"]["wer"]["en/agent"] > 0.5
    assert report["asr"]["wer_speaker_agnostic"]["en"] == 0.0

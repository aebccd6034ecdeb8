"""The scoring protocol of SCHEMA section 6, as pure functions over truth and prediction dicts.

Scoring a corpus's own ground truth as the prediction gives WER 0 and 1.0 everywhere
(section 6.6); a test holds it to that.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from eval.normalise import tokens
from scoring.results import Verdict

BINARY_MISSING_LABELS = ("greeting", "disclosure", "verification", "closing")
FAIL_CODES = (
    "greeting_missing",
    "disclosure_missing",
    "verification_missing",
    "forbidden_phrase",
    "dead_air_unexplained",
    "closing_missing_negative_end",
)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    def prf(self) -> dict[str, float]:
        if self.tp + self.fp == 0:
            precision = 1.0 if self.fn == 0 else 0.0
        else:
            precision = self.tp / (self.tp + self.fp)
        recall = 1.0 if self.tp + self.fn == 0 else self.tp / (self.tp + self.fn)
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}

    def prfa(self) -> dict[str, float]:
        total = self.tp + self.fp + self.fn + self.tn
        return {**self.prf(), "accuracy": round((self.tp + self.tn) / total, 4) if total else 1.0}


def score_corpus(truths: dict[str, dict[str, Any]], predictions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every metric of section 6 over all calls; a missing prediction is an empty one."""
    preds = {call_id: predictions.get(call_id) or {} for call_id in truths}
    return {
        "asr": _asr(truths, preds),
        "layout_accuracy": _accuracy(
            [(t["layout"], p.get("layout")) for t, p in ((truths[i], preds[i]) for i in truths)]
        ),
        "labels": _labels(truths, preds),
        "sentiment": {
            "overall_accuracy": _accuracy(
                [
                    (
                        truths[i]["labels"]["customer_sentiment_overall"],
                        preds[i].get("labels", {}).get("customer_sentiment_overall"),
                    )
                    for i in truths
                ]
            ),
            "end_accuracy": _accuracy(
                [
                    (
                        truths[i]["labels"]["customer_sentiment_end"],
                        preds[i].get("labels", {}).get("customer_sentiment_end"),
                    )
                    for i in truths
                ]
            ),
        },
        "intervals": {
            kind: match_intervals(truths, preds, kind) for kind in ("silences", "overtalk", "hold")
        },
        "verdict": _verdict(truths, preds),
    }


def score_by_language(
    truths: dict[str, dict[str, Any]], predictions: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """`score_corpus` over each language's calls alone, with their number: English and Mandarin
    are summarised apart (an extra report key; SCHEMA section 7 allows them)."""
    out: dict[str, dict[str, Any]] = {}
    for language in sorted({t["language"] for t in truths.values()}):
        subset = {k: v for k, v in truths.items() if v["language"] == language}
        out[language] = {"calls": len(subset), **score_corpus(subset, predictions)}
    return out


def _asr(truths: dict[str, dict[str, Any]], preds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    edits: dict[str, int] = defaultdict(int)
    words: dict[str, int] = defaultdict(int)
    for call_id, truth in truths.items():
        language = truth["language"]
        predicted = sorted(preds[call_id].get("utterances", []), key=lambda u: u["start"])
        for speaker in ("agent", "customer"):
            hypothesis = " ".join(u["text"] for u in predicted if u.get("speaker") == speaker)
            _add_wer(
                edits, words, f"{language}/{speaker}", truth["reference_text"][speaker], hypothesis, language
            )
        reference_all = " ".join(u["text"] for u in truth["utterances"])
        _add_wer(
            edits,
            words,
            f"agnostic:{language}",
            reference_all,
            " ".join(u["text"] for u in predicted),
            language,
        )
    wer = {k: round(edits[k] / words[k], 4) if words[k] else None for k in sorted(words) if ":" not in k}
    agnostic = {
        k.split(":")[1]: round(edits[k] / words[k], 4) if words[k] else None
        for k in sorted(words)
        if k.startswith("agnostic:")
    }
    return {
        "wer": wer,
        "wer_speaker_agnostic": agnostic,
        "text_in_silence_s": text_in_silence(truths, preds),
        "mono_role_accuracy": mono_role_accuracy(truths, preds),
    }


def mono_role_accuracy(truths: dict[str, dict[str, Any]], preds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """On mono calls, the share of speech time whose predicted speaker is the true one: the time
    each ground-truth utterance shares with predicted utterances of its speaker, over the time
    it shares with any predicted utterance. Extra metric, not in SCHEMA (issue: >= 0.9)."""
    per_call: dict[str, float] = {}
    right_all = heard_all = 0.0
    for call_id, truth in truths.items():
        if truth["layout"] != "mono":
            continue
        right = heard = 0.0
        for u in truth["utterances"]:
            for p in preds[call_id].get("utterances", []):
                shared = max(0.0, min(u["end"], p["end"]) - max(u["start"], p["start"]))
                heard += shared
                right += shared if p.get("speaker") == u["speaker"] else 0.0
        per_call[call_id] = round(right / heard, 4) if heard else 0.0
        right_all, heard_all = right_all + right, heard_all + heard
    return {"all": round(right_all / heard_all, 4) if heard_all else None, "calls": per_call}


def text_in_silence(
    truths: dict[str, dict[str, Any]], preds: dict[str, dict[str, Any]], margin: float = 0.25
) -> float:
    """Seconds of predicted utterances inside ground-truth silences and hold (each shrunk by
    `margin` for boundary slack): text there was never said. Extra metric, not in SCHEMA."""
    total = 0.0
    for call_id, truth in truths.items():
        quiet = [
            (q["start"] + margin, q["end"] - margin) for q in (*truth["silences"], *truth.get("hold", []))
        ]
        for u in preds[call_id].get("utterances", []):
            total += sum(max(0.0, min(u["end"], b) - max(u["start"], a)) for a, b in quiet)
    return round(total, 2)


def _add_wer(
    edits: dict[str, int], words: dict[str, int], key: str, ref: str, hyp: str, language: str
) -> None:
    ref_tokens, hyp_tokens = tokens(ref, language), tokens(hyp, language)
    edits[key] += Levenshtein.distance(ref_tokens, hyp_tokens)
    words[key] += len(ref_tokens)


def _accuracy(pairs: list[tuple[Any, Any]]) -> float:
    return round(sum(1 for t, p in pairs if p is not None and t == p) / len(pairs), 4) if pairs else 1.0


def _labels(truths: dict[str, dict[str, Any]], preds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label in BINARY_MISSING_LABELS:
        counts = Counts()
        for call_id, truth in truths.items():
            counts.add(truth["labels"][label] is False, preds[call_id].get("labels", {}).get(label) is False)
        out[label] = counts.prfa()
    escalation = Counts()
    item, call = Counts(), Counts()
    for call_id, truth in truths.items():
        labels = preds[call_id].get("labels", {})
        escalation.add(bool(truth["labels"]["escalation_risk"]), labels.get("escalation_risk") is True)
        true_set = {_phrase_key(p) for p in truth["labels"]["forbidden_phrases"]}
        pred_set = {_phrase_key(p) for p in labels.get("forbidden_phrases", [])}
        item.tp += len(true_set & pred_set)
        item.fp += len(pred_set - true_set)
        item.fn += len(true_set - pred_set)
        call.add(bool(true_set), bool(pred_set))
    out["escalation_risk"] = escalation.prfa()
    out["forbidden_phrases"] = {"item": item.prf(), "call": call.prfa()}
    return out


def _phrase_key(phrase: str) -> str:
    return phrase.replace("\u2019", "'").lower()


def match_intervals(
    truths: dict[str, dict[str, Any]], preds: dict[str, dict[str, Any]], kind: str, tolerance: float = 1.0
) -> dict[str, float]:
    """Section 6.4: one-to-one greedy matching, both bounds within the tolerance."""
    counts = Counts()
    for call_id, truth in truths.items():
        gold = truth.get(kind, [])
        guess = preds[call_id].get(kind, [])
        candidates = sorted(
            (abs(p["start"] - g["start"]) + abs(p["end"] - g["end"]), gi, pi)
            for gi, g in enumerate(gold)
            for pi, p in enumerate(guess)
            if abs(p["start"] - g["start"]) <= tolerance + 1e-9
            and abs(p["end"] - g["end"]) <= tolerance + 1e-9
        )
        used_g: set[int] = set()
        used_p: set[int] = set()
        for _, gi, pi in candidates:
            if gi not in used_g and pi not in used_p:
                used_g.add(gi)
                used_p.add(pi)
        counts.tp += len(used_g)
        counts.fp += len(guess) - len(used_p)
        counts.fn += len(gold) - len(used_g)
    return counts.prf()


def _verdict(truths: dict[str, dict[str, Any]], preds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    fail = Counts()
    reasons = Counts()
    for call_id, truth in truths.items():
        predicted = preds[call_id].get("qa_verdict")
        fail.add(truth["qa_verdict"] == Verdict.FAIL, predicted == Verdict.FAIL)
        true_codes = set(truth["fail_reasons"])
        pred_codes = set(preds[call_id].get("fail_reasons", []))
        reasons.tp += len(true_codes & pred_codes)
        reasons.fp += len(pred_codes - true_codes)
        reasons.fn += len(true_codes - pred_codes)
    return {
        "accuracy": _accuracy([(truths[i]["qa_verdict"], preds[i].get("qa_verdict")) for i in truths]),
        "fail": fail.prf(),
        "fail_reasons": reasons.prf(),
    }

"""Routing: risky calls to review with reasons, plus an unbiased random audit sample."""

from __future__ import annotations

import pytest

from scoring.escalation import Escalation, EscalationCue
from scoring.routing import audit_draw, route
from scoring.sentiment import SentimentSummary
from tests.support.scoring import make_score


def test_failed_call_goes_to_review_with_critical_reason_first() -> None:
    decision = route("a", make_score(60, "fail", {"closing": "fail", "disclosure": "fail"}), audit_rate=0.0)
    assert decision.queue == "review"
    assert decision.reasons[0].startswith("critical item failed: Disclosure")
    assert decision.inclusion_probability == 1.0


def test_near_fail_and_undecidable_go_to_review() -> None:
    assert route("a", make_score(85, "pass"), 0.0).reasons == ["near the pass mark: 85 < 90"]
    undecidable = route("a", make_score(100, "pass", {"forbidden": "undecidable"}), 0.0)
    assert undecidable.queue == "review"
    assert undecidable.reasons[0].startswith("undecidable: Forbidden")


def test_clean_call_auto_passes_with_audit_probability_recorded() -> None:
    decision = route("call-1", make_score(100, "pass"), audit_rate=0.0)
    assert decision.queue == "auto_pass"
    assert decision.inclusion_probability == 0.0


def test_audit_sample_rate_and_reproducibility() -> None:
    picked = [route(f"call-{i}", make_score(100, "pass"), 0.1).audit_sample for i in range(4000)]
    assert sum(picked) / len(picked) == pytest.approx(0.1, abs=0.015)
    assert audit_draw("call-7") == audit_draw("call-7")
    sampled = next(i for i, p in enumerate(picked) if p)
    decision = route(f"call-{sampled}", make_score(100, "pass"), 0.1)
    assert decision.queue == "review" and decision.inclusion_probability == 0.1


def customer(end: str, cues: list[str]) -> tuple[SentimentSummary, Escalation]:
    feeling = SentimentSummary(
        model="test",
        turns=[],
        customer_overall=end,  # type: ignore[arg-type]
        customer_start="neutral",
        customer_end=end,  # type: ignore[arg-type]
        agent_overall="neutral",
        trajectory=None,
    )
    found = [
        EscalationCue(category=c, label=c, start=1.0, end=2.0, quote=f"{c} quote", matched=c, confidence=0.9)
        for c in cues
    ]
    threat = any(c != "repeat_contact" for c in cues)
    escalation = Escalation(
        cues=found,
        customer_threat=threat,
        repeat_contact="repeat_contact" in cues,
        risk=threat and end != "positive",
    )
    return feeling, escalation


def test_threatening_customer_goes_to_recovery_even_when_the_agent_passes() -> None:
    decision = route(
        "a", make_score(100, "pass"), 0.0, *customer("negative", ["regulator", "repeat_contact"])
    )
    assert decision.queue == "auto_pass"
    assert decision.recovery
    assert decision.recovery_reasons[0].startswith("escalation risk: regulator")
    assert "customer ended the call negative" in decision.recovery_reasons
    assert "repeat contact about the same problem" in decision.recovery_reasons


def test_satisfied_customer_is_not_called_back() -> None:
    assert not route("a", make_score(100, "pass"), 0.0, *customer("positive", ["supervisor"])).recovery
    assert not route("a", make_score(100, "pass"), 0.0, *customer("neutral", ["repeat_contact"])).recovery


def test_agent_speech_lost_in_a_mono_overlap_sends_a_passing_call_to_review() -> None:
    from asr.transcript import TimeSpan
    from scoring.unheard import unheard_agent_speech
    from tests.support.transcripts import segment, transcript

    lines = [
        segment("agent", 1.0, 4.0, "Thanks for calling, how can I help?", channel=None),
        segment("customer", 5.0, 9.0, "I lost my job in March!", channel=None),  # the agent spoke under it
        segment("customer", 12.0, 14.0, "Whatever?", channel=None),
        segment("agent", 13.0, 15.0, "I understand, let me look.", channel=None),
    ]
    mono = transcript(lines, layout="mono").model_copy(
        update={
            "overlaps": [
                TimeSpan(start=6.0, end=7.5),
                TimeSpan(start=13.2, end=14.0),
                TimeSpan(start=20.0, end=20.3),
            ]
        }
    )
    assert unheard_agent_speech(mono) == [TimeSpan(start=6.0, end=7.5)]  # agent words at 13.2; 20.0 too short
    assert unheard_agent_speech(mono.model_copy(update={"layout": "agent_left"})) == []

    decision = route("a", make_score(100, "pass"), 0.0, unheard_agent=unheard_agent_speech(mono))
    assert decision.queue == "review"
    assert decision.reasons == [
        "agent speech not transcribed: both talking at 0:06-0:07 (mono recording); listen there"
    ]
    assert route("a", make_score(100, "pass"), 0.0).queue == "auto_pass"

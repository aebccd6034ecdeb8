"""Detectors and scorecard evaluation on hand-made transcripts."""

from __future__ import annotations

import re

import pytest

from scoring.catalog import ScorecardCatalog
from scoring.conversation import overtalk, silences
from scoring.evaluate import analyse
from scoring.phrases import find_phrases
from scoring.scorecard import Window
from tests.support import ROOT
from tests.support.transcripts import segment, transcript

EVAL_CARDS = ROOT / "eval" / "scorecards"


@pytest.fixture(scope="module")
def generic_en():  # type: ignore[no-untyped-def]
    return ScorecardCatalog.load().get("generic-en")


@pytest.fixture(scope="module")
def generic_zh():  # type: ignore[no-untyped-def]
    return ScorecardCatalog.load().get("generic-zh")


def good_call():  # type: ignore[no-untyped-def]
    return transcript(
        [
            segment("agent", 0.5, 4.0, "Good morning, thanks for calling Northwind Water, this is Sam."),
            segment("agent", 4.3, 7.5, "Just so you know, this call is being recorded."),
            segment("customer", 8.0, 11.0, "Hi, my water bill looks far too high."),
            segment("agent", 11.5, 14.0, "I can look into that for you right away."),
            segment("customer", 14.5, 16.0, "Thank you."),
            segment("agent", 50.0, 53.0, "Is there anything else I can help you with?"),
            segment("customer", 53.5, 54.5, "No, that's all."),
            segment("agent", 55.0, 57.0, "Thanks for calling, have a great day."),
        ],
        duration=58.0,
    )


def test_good_call_passes_every_item_with_evidence(generic_en) -> None:  # type: ignore[no-untyped-def]
    result = analyse(good_call(), generic_en)
    statuses = {item.item_id: item.status for item in result.score.items}
    assert statuses == {
        "greeting": "pass",
        "disclosure": "pass",
        "empathy": "na",
        "dead_air": "fail",
        "forbidden_phrases": "pass",
        "closing": "pass",
    }
    greeting = next(i for i in result.score.items if i.item_id == "greeting")
    assert greeting.evidence[0].speaker == "agent"
    assert greeting.evidence[0].start < 4.0
    assert greeting.evidence[0].quote


def test_dead_air_announced_is_not_a_fail(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = good_call()
    call.segments[3] = segment("agent", 11.5, 14.0, "Let me check that for you, one moment.")
    result = analyse(call, generic_en)
    dead_air = next(i for i in result.score.items if i.item_id == "dead_air")
    assert dead_air.status == "pass"
    assert re.search(r"announced at 1\d\.\d s .* talk resumed 3\d\.\d s after", dead_air.evidence[0].detail)
    assert result.score.total == 100.0
    assert result.score.verdict == "pass"


def test_unannounced_dead_air_fails_with_time_range(generic_en) -> None:  # type: ignore[no-untyped-def]
    result = analyse(good_call(), generic_en)
    dead_air = next(i for i in result.score.items if i.item_id == "dead_air")
    assert dead_air.status == "fail"
    assert dead_air.evidence[0].start == pytest.approx(16.0)
    assert dead_air.evidence[0].end == pytest.approx(50.0)
    assert result.score.total == pytest.approx(100 * 75 / 90, abs=0.1)  # empathy N/A: out of the maximum


def test_missing_critical_item_fails_the_call(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = good_call()
    del call.segments[1]
    result = analyse(call, generic_en)
    assert result.score.verdict == "fail"
    assert any(i.item_id == "disclosure" and i.status == "fail" and i.critical for i in result.score.items)


def test_forbidden_phrase_by_customer_does_not_count(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = good_call()
    call.segments[4] = segment("customer", 14.5, 16.0, "Whatever, that's your problem.", channel=1)
    item = next(i for i in analyse(call, generic_en).score.items if i.item_id == "forbidden_phrases")
    assert item.status == "pass"


def test_forbidden_phrase_by_agent_fails_with_quote(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = good_call()
    call.segments[3] = segment("agent", 11.5, 14.0, "Honestly that's your problem, not ours.")
    item = next(i for i in analyse(call, generic_en).score.items if i.item_id == "forbidden_phrases")
    assert item.status == "fail"
    assert item.evidence[0].quote == "that's your problem"
    assert item.evidence[0].start >= 11.5


def test_mono_forbidden_phrase_is_undecidable_not_blamed(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = transcript(
        [
            segment("unknown", 0.5, 4.0, "Hello, thanks for calling, this call is recorded."),
            segment("unknown", 5.0, 8.0, "Whatever, I don't care."),
            segment("unknown", 20.0, 22.0, "Goodbye."),
        ],
        duration=25.0,
        layout="mono",
    )
    result = analyse(call, generic_en)
    item = next(i for i in result.score.items if i.item_id == "forbidden_phrases")
    assert item.status == "undecidable"
    assert item.evidence[0].confidence < 0.7
    assert result.score.verdict == "pass"


def test_fuzzy_matching_survives_asr_errors() -> None:
    call = transcript([segment("agent", 0.0, 4.0, "hello your through to contoso energie my name is ben")])
    hits = find_phrases(call, ["you're through to Contoso Energy"], "agent", Window(), 80)
    assert hits and hits[0].similarity >= 80


def test_paraphrase_far_from_phrase_is_not_matched() -> None:
    call = transcript([segment("agent", 0.0, 4.0, "I will transfer you to the billing team now")])
    assert not find_phrases(call, ["this call is recorded"], "agent", Window(), 85)


def test_window_first_turn_only() -> None:
    call = transcript(
        [
            segment("agent", 0.0, 2.0, "Yep, go ahead, what's the account number?"),
            segment("agent", 5.0, 7.0, "Hello there, thanks for calling."),
        ]
    )
    assert not find_phrases(call, ["thanks for calling"], "agent", Window(first_turns=1), 85)
    assert find_phrases(call, ["thanks for calling"], "agent", Window(first_s=10), 85)


def test_chinese_matching_by_characters(generic_zh) -> None:  # type: ignore[no-untyped-def]
    call = transcript(
        [
            segment("agent", 0.5, 4.0, "您好，华信银行，很高兴为您服务。"),
            segment("agent", 4.5, 7.0, "为了保障您的权益，本次通话将全程录音。"),
            segment("customer", 7.5, 9.0, "我的卡丢了。", channel=1),
            segment("agent", 9.5, 12.0, "这个我也没 办法，你自己看着办吧。"),
            segment("agent", 20.0, 22.0, "感谢您的来电，再见。"),
        ],
        duration=23.0,
        language="zh",
    )
    result = analyse(call, generic_zh)
    statuses = {i.item_id: i.status for i in result.score.items}
    assert statuses["greeting"] == "pass"
    assert statuses["disclosure"] == "pass"
    assert statuses["closing"] == "pass"
    assert statuses["forbidden_phrases"] == "fail"
    assert result.score.verdict == "fail"


def test_no_agent_speech_is_undecidable(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = transcript([segment("customer", 1.0, 5.0, "Hello? Is anyone there?", channel=1)], duration=10.0)
    items = {i.item_id: i.status for i in analyse(call, generic_en).score.items}
    assert items["greeting"] == "undecidable"
    assert items["forbidden_phrases"] == "undecidable"


def test_silences_include_start_and_end_of_file() -> None:
    call = transcript(
        [segment("agent", 4.0, 6.0, "Hello."), segment("customer", 6.5, 7.0, "Hi.", 1)], duration=12.0
    )
    gaps = [(g.start, g.end) for g in silences(call, 3.0)]
    assert gaps == [(0.0, 4.0), (7.0, 12.0)]


def test_speech_the_asr_dropped_is_not_dead_air() -> None:
    """The channel's speech regions count as talk even where no words were kept (a mumble the
    guards dropped): dead air is measured on the audio, and the silence keeps its last words."""
    from asr.transcript import ChannelInfo, TimeSpan

    call = transcript([segment("agent", 1.0, 3.0, "Let me check."), segment("agent", 20.0, 22.0, "Okay.")])
    call.duration_s = 23.0
    call.channels = [
        ChannelInfo(index=0, speaker="agent", level_dbfs=-20, noise_floor_dbfs=-60, snr_db=40,
                    speech_seconds=6, speech_ratio=0.3, clipping_ratio=0, bleed_seconds=0,
                    speech=[TimeSpan(start=1.0, end=3.0), TimeSpan(start=9.0, end=11.0),
                            TimeSpan(start=20.0, end=22.0)]),
    ]  # fmt: skip
    gaps = silences(call, 3.0)
    assert [(g.start, g.end) for g in gaps] == [(3.0, 9.0), (11.0, 20.0)]
    assert all(g.before is not None and g.before.text == "Let me check." for g in gaps)


def test_overtalk_names_the_interrupter() -> None:
    call = transcript(
        [
            segment("agent", 1.0, 5.0, "Let me explain the charges on the bill."),
            segment("customer", 4.0, 6.0, "No, listen to me.", channel=1),
        ]
    )
    found = overtalk(call)
    assert len(found) == 1
    assert (found[0].start, found[0].end, found[0].interrupter) == (4.0, 5.0, "customer")


def test_overtalk_on_separated_channels_comes_from_the_audio() -> None:
    """Whisper dropped the customer's words inside the overlap; the channel's speech regions did not.
    A noise on the customer channel with no words near it is not overtalk."""
    from asr.transcript import ChannelInfo, TimeSpan

    call = transcript(
        [
            segment("agent", 1.0, 5.0, "Let me explain the charges on the bill."),
            segment("customer", 5.2, 6.5, "listen to me", channel=1),
            segment("agent", 20.0, 24.0, "So the new amount is lower.", channel=0),
        ]
    )
    quality = {
        "level_dbfs": -20,
        "noise_floor_dbfs": -60,
        "snr_db": 40,
        "speech_ratio": 0.3,
        "clipping_ratio": 0,
    }
    call.channels = [
        ChannelInfo(index=0, speaker="agent", speech_seconds=8, bleed_seconds=0, **quality,
                    speech=[TimeSpan(start=1.0, end=5.0), TimeSpan(start=20.0, end=24.0)]),
        ChannelInfo(index=1, speaker="customer", speech_seconds=3, bleed_seconds=0, **quality,
                    speech=[TimeSpan(start=4.2, end=6.5), TimeSpan(start=21.0, end=21.8)]),
    ]  # fmt: skip
    found = overtalk(call)
    assert [(o.start, o.end, o.interrupter) for o in found] == [(4.2, 5.0, "customer")]


def test_overtalk_in_a_mono_mix_comes_from_the_audio_overlaps() -> None:
    """Whisper wrote only the agent's words through the overlap (no overlapping word times); the
    voice change without a pause did the finding. An overlap with no words of the customer
    near it is not overtalk."""
    from asr.transcript import TimeSpan

    call = transcript(
        [
            segment("agent", 1.0, 5.0, "Let me explain the charges on the bill.", channel=None),
            segment("customer", 5.1, 7.0, "No, listen to me.", channel=None),
            segment("agent", 20.0, 24.0, "So the new amount is lower.", channel=None),
        ],
        layout="mono",
    )
    call.overlaps = [TimeSpan(start=4.6, end=5.6), TimeSpan(start=21.5, end=22.5)]
    found = overtalk(call)
    assert [(o.start, o.end, o.interrupter) for o in found] == [(4.6, 5.6, "customer")]


def test_eval_cards_load() -> None:
    catalog = ScorecardCatalog.load(EVAL_CARDS)
    assert not catalog.errors
    assert {c.id for c in catalog.latest()} >= {"dev-en", "dev-zh", "generic-en", "generic-zh"}


def test_hold_is_not_dead_air(generic_en) -> None:  # type: ignore[no-untyped-def]
    from asr.transcript import HoldSpan

    call = good_call()
    call.holds.append(HoldSpan(start=17.0, end=49.0, kind="music", channel=0))
    gaps = [(g.start, g.end) for g in silences(call, 3.0)]
    assert (16.0, 50.0) not in gaps and all(not (17.0 < g[0] < 49.0) for g in gaps)
    dead_air = next(i for i in analyse(call, generic_en).score.items if i.item_id == "dead_air")
    assert dead_air.status == "pass"


def test_missing_phrase_on_a_bad_channel_is_undecidable(generic_en) -> None:  # type: ignore[no-untyped-def]
    from asr.transcript import ChannelInfo

    call = good_call()
    del call.segments[1]  # no disclosure
    call.channels = [
        ChannelInfo(
            index=0,
            speaker="agent",
            level_dbfs=-30,
            noise_floor_dbfs=-36,
            snr_db=6,
            speech_seconds=20,
            speech_ratio=0.4,
            clipping_ratio=0.0,
            bleed_seconds=0,
        ),
    ]
    disclosure = next(i for i in analyse(call, generic_en).score.items if i.item_id == "disclosure")
    assert disclosure.status == "undecidable"
    assert "too noisy (SNR 6 dB)" in disclosure.reason


def test_low_asr_confidence_makes_a_missing_phrase_undecidable(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = good_call()
    del call.segments[1]
    for s in call.by_speaker("agent"):
        s.words = [w.model_copy(update={"probability": 0.2}) for w in s.words]
    disclosure = next(i for i in analyse(call, generic_en).score.items if i.item_id == "disclosure")
    assert disclosure.status == "undecidable" and "low confidence" in disclosure.reason


def test_conversation_stats() -> None:
    from scoring.conversation import stats

    call = transcript(
        [
            segment("agent", 0.0, 6.0, "one two three four five six seven eight nine ten eleven twelve"),
            segment("customer", 5.0, 8.0, "a b c d e f", channel=1),
            segment("agent", 9.0, 10.0, "yes indeed"),
            segment("agent", 11.0, 14.0, "and then some more words here now"),
        ],
        duration=20.0,
    )
    found = stats(call)
    assert found.talk_seconds == {"agent": 10.0, "customer": 3.0}
    assert found.agent_talk_ratio == pytest.approx(10 / 13, abs=1e-3)
    assert found.speaking_rate["agent"] == pytest.approx(60 * 21 / 10, abs=0.1)
    assert found.rate_unit == "wpm"
    assert found.mean_response_latency_s == pytest.approx(1.0)
    assert found.longest_monologue is not None and found.longest_monologue.seconds == 6.0
    assert found.overtalk_seconds == 1.0
    assert found.silence_seconds == 6.0


def test_chinese_rate_is_characters_per_minute() -> None:
    from scoring.conversation import stats

    call = transcript([segment("agent", 0.0, 3.0, "您好，华信银行。")], duration=4.0, language="zh")
    found = stats(call)
    assert found.rate_unit == "cpm" and found.speaking_rate["agent"] == pytest.approx(120.0)


def test_near_miss_on_unsure_words_is_undecidable_with_evidence(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = good_call()
    garbled = segment("agent", 4.3, 7.5, "Just so you know, this army coordinate for training.")
    garbled.words[6] = garbled.words[6].model_copy(update={"probability": 0.05})  # "coordinate"
    call.segments[1] = garbled
    disclosure = next(i for i in analyse(call, generic_en).score.items if i.item_id == "disclosure")
    assert disclosure.status == "undecidable"
    assert "unsure" in disclosure.reason and disclosure.evidence[0].kind == "possible_phrase"
    assert disclosure.evidence[0].start >= 4.3


def test_clear_absence_still_fails(generic_en) -> None:  # type: ignore[no-untyped-def]
    call = good_call()
    call.segments[1] = segment("agent", 4.3, 7.5, "Let me pull up your details now.")
    disclosure = next(i for i in analyse(call, generic_en).score.items if i.item_id == "disclosure")
    assert disclosure.status == "fail"


def test_item_not_applicable_when_its_condition_is_not_heard() -> None:
    from scoring.scorecard import parse_scorecard

    card = parse_scorecard(
        """
id: cond
version: 1
name: conditional
language: en
sections:
  - name: Account
    items:
      - id: verification
        label: Verification
        weight: 50
        critical: true
        detector: phrase_present
        phrases: [date of birth]
        applies_if:
          description: the agent opens the caller's account
          na_reason: no account work found
          phrases: [I can see your account]
      - id: greeting
        label: Greeting
        weight: 50
        detector: phrase_present
        phrases: [thanks for calling]
"""
    )
    no_account = good_call()
    result = analyse(no_account, card)
    verification = next(i for i in result.score.items if i.item_id == "verification")
    assert verification.status == "na" and verification.max_points == 0
    assert verification.reason == "not applicable: no account work found"
    assert result.score.total == 100.0 and result.score.verdict == "pass"

    with_account = good_call()
    with_account.segments[3] = segment("agent", 11.5, 14.0, "Right, I can see your account here.")
    result = analyse(with_account, card)
    assert next(i for i in result.score.items if i.item_id == "verification").status == "fail"
    assert result.score.verdict == "fail"

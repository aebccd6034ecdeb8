"""Complaint topics, pure parts: which turns are complaints, clustering with the real encoders
(English price vs delivery, a Chinese group), names, determinism, stable ids, the alert rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from insights.alerts import AlertKind, AlertThresholds, complaint_topics_rising
from insights.complaints import TurnSpan, complaint_turns
from insights.facts import CallFacts
from insights.topics import TopicParams, find_topics, match_previous, nearest
from models.embeddings import english_encoder, shared_encoder
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.results import Verdict
from tests.support.topics import CHINESE, DELIVERY, PRICE
from tests.support.transcripts import segment, transcript


def test_price_and_delivery_complaints_become_two_named_topics_deterministically() -> None:
    texts = PRICE + DELIVERY
    vectors = english_encoder().encode(texts)
    found = find_topics(texts, vectors, "en")
    assert sorted(sorted(t.members) for t in found) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    names = {t.members[0] < 5: t.name for t in found}
    assert "price" in names[True] and "delivery" in names[False]
    for topic in found:
        assert len(topic.phrases) == 3 and set(topic.phrases) <= set(texts)
        assert all(s >= TopicParams().min_similarity for s in topic.similarities)
    again = find_topics(texts, vectors, "en")
    assert [(t.name, t.members) for t in again] == [(t.name, t.members) for t in found]


def test_a_chinese_group_is_one_topic_named_by_its_characters() -> None:
    (topic,) = find_topics(CHINESE, shared_encoder().encode(CHINESE), "zh")
    assert topic.members == (0, 1, 2, 3)
    assert "包裹" in topic.name and "快递" in topic.name


def test_too_few_turns_make_no_topic_and_masked_numbers_never_name_one() -> None:
    assert find_topics(PRICE[:2], english_encoder().encode(PRICE[:2]), "en") == []
    masked = [f"My card [CARD] was charged twice for the {word} fee" for word in ("late", "monthly", "setup")]
    (topic,) = find_topics(masked, english_encoder().encode(masked), "en", TopicParams(min_cluster_size=3))
    assert "card" in topic.name and "CARD" not in topic.name


def test_a_new_run_keeps_the_ids_of_topics_whose_centres_match() -> None:
    old = [np.array([1.0, 0.0, 0.0], dtype=np.float32), np.array([0.0, 1.0, 0.0], dtype=np.float32)]
    new = [np.array([0.05, 1.0, 0.0], dtype=np.float32), np.array([0.0, 0.0, 1.0], dtype=np.float32)]
    assert match_previous(new, old, 0.8) == [1, None]
    split = [np.array([1.0, 0.1, 0.0], dtype=np.float32), np.array([1.0, 0.3, 0.0], dtype=np.float32)]
    assert match_previous(split, old, 0.8) == [0, None]  # one id for the half nearest the old centre
    labels, _ = nearest(np.stack(new), old, 0.8)
    assert labels.tolist() == [1, -1]


def test_negative_turns_and_cue_turns_are_complaints_calm_ones_are_not() -> None:
    said = transcript(
        [
            segment("agent", 0.5, 3.0, "Thank you for calling Fabrikam Mobile, this call is recorded."),
            segment("customer", 4.0, 8.0, "Hi, I would like to check my bill please."),
            segment("agent", 9.0, 11.0, "Of course."),
            segment("customer", 12.0, 16.0, "This is outrageous, you charged me twice, it is a disgrace."),
            segment("agent", 17.0, 19.0, "I am sorry."),
            segment("customer", 20.0, 23.0, "I want to speak to your supervisor."),
        ]
    )
    analysis = analyse(said, ScorecardCatalog.load().get("generic-en"))
    spans = [TurnSpan(1, 4.0, 8.0), TurnSpan(3, 12.0, 16.0), TurnSpan(5, 20.0, 23.0)]
    found = {c.position: c.reasons for c in complaint_turns(analysis, spans)}
    assert 1 not in found
    assert "negative" in found[3]
    assert "supervisor" in found[5]


NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def facts(call_id: str, started_at: datetime, queue: str = "billing") -> CallFacts:
    return CallFacts(
        call_id=call_id,
        agent_id="A1",
        team=None,
        queue=queue,
        started_at=started_at,
        scored_at=started_at,
        score=90.0,
        verdict=Verdict.PASS,
        final_verdict=None,
        audit_sample=False,
        routed_review=False,
        recovery=False,
        recovery_handled=False,
        dead_air_s=None,
        customer_end=None,
        items=(),
    )


@pytest.mark.parametrize(("recent_hits", "raised"), [(6, True), (2, False)])
def test_a_topic_rising_in_a_queue_raises_an_alert_listing_its_calls(recent_hits: int, raised: bool) -> None:
    """20 calls today, 40 over the week before (2 with the topic); 6 today is a rise, 2 is not."""
    recent = [facts(f"r{n}", NOW - timedelta(hours=1, minutes=n)) for n in range(20)]
    baseline = [facts(f"b{n}", NOW - timedelta(days=2, hours=n)) for n in range(40)]
    topics_of = {f"r{n}": frozenset({7}) for n in range(recent_hits)}
    topics_of |= {"b0": frozenset({7}), "b1": frozenset({7})}
    found = complaint_topics_rising(
        recent + baseline, topics_of, {7: "price · bill"}, NOW, "billing", AlertThresholds()
    )
    if not raised:
        assert found == []
        return
    (alert,) = found
    assert alert.kind == AlertKind.COMPLAINT_TOPIC and alert.subject == "complaint_topic|billing|7"
    assert "price · bill" in alert.title and "30%" in alert.title and "was 5%" in alert.title
    assert alert.call_ids == [f"r{n}" for n in range(recent_hits)]
    assert alert.repeat_after == timedelta(days=1)
    few = AlertThresholds(topic_min_queue_calls=21)  # 20 calls today: too few to judge
    assert complaint_topics_rising(recent + baseline, topics_of, {}, NOW, "billing", few) == []

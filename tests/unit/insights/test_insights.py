"""insights/, pure: the report's aggregates and CSV, and each alert rule on hand-built facts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from insights.alerts import AlertKind, AlertThresholds, evaluate
from insights.coaching import Peers, error_cases, training_needs
from insights.excellence import best_examples, rank_excellent
from insights.facts import CallFacts, CallMeta, ItemFact, Moment, call_facts
from insights.report import Dimension, build_report, item_failures
from insights.report_csv import report_csv
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.results import ItemStatus, Verdict
from scoring.routing import route
from tests.support.transcripts import segment, transcript

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_counter = iter(range(1_000_000))


def fact(
    agent: str = "A1",
    *,
    at: datetime = NOW - timedelta(hours=1),
    score: float = 90.0,
    queue: str | None = "billing",
    team: str | None = "north",
    failed: tuple[str, ...] = (),
    passed: tuple[str, ...] = ("greeting",),
    final: Verdict | None = None,
    audit: bool = False,
    mood: str | None = "neutral",
    recovery: bool = False,
    handled: bool = False,
    dead_air: float | None = 4.0,
) -> CallFacts:
    items = [ItemFact(item_id=i, label=i.title(), status=ItemStatus.FAIL) for i in failed]
    items += [ItemFact(item_id=i, label=i.title(), status=ItemStatus.PASS) for i in passed if i not in failed]
    return CallFacts(
        call_id=f"c{next(_counter)}",
        agent_id=agent,
        team=team,
        queue=queue,
        started_at=at,
        scored_at=at + timedelta(minutes=5),
        score=score,
        verdict=Verdict.FAIL if failed else Verdict.PASS,
        final_verdict=final,
        audit_sample=audit,
        routed_review=bool(failed) or audit,
        recovery=recovery,
        recovery_handled=handled,
        dead_air_s=dead_air,
        customer_end=mood,  # type: ignore[arg-type]
        items=tuple(items),
    )


def test_report_groups_rates_and_audited_interval() -> None:
    calls = [
        fact("A1", failed=("greeting",), audit=True, final=Verdict.FAIL, mood="negative"),
        fact("A1", audit=True, final=Verdict.PASS),
        fact("A2", team=None, audit=True, final=Verdict.PASS, mood=None, dead_air=None),
        fact("A2", team=None, failed=("greeting",), final=Verdict.FAIL, recovery=True),
    ]
    report = build_report(calls, date(2026, 11, 20), date(2026, 11, 20), UTC, "UTC", NOW)
    overall = report.overall
    figures = (overall.calls_scored, overall.machine_pass_rate, overall.reviewed, overall.audited)
    assert figures == (4, 0.5, 4, 3)
    assert overall.audited_pass_rate == round(2 / 3, 4)
    assert overall.audited_ci is not None and overall.audited_ci.low < 2 / 3 < overall.audited_ci.high
    assert [(i.item_id, i.failed, i.decided, i.rate) for i in overall.items] == [("greeting", 2, 4, 0.5)]
    assert overall.dead_air_mean_s == 4.0 and overall.routed_recovery == 1 and overall.routed_review == 4
    assert overall.customer_end.negative == 1 and overall.customer_end.unknown == 1
    assert [(g.key, g.calls_scored) for g in report.by_agent] == [("A1", 2), ("A2", 2)]
    assert [g.key for g in report.by_team] == ["(none)", "north"]
    assert report.by_queue[0].dimension == Dimension.QUEUE and report.by_queue[0].key == "billing"
    assert len(report.trend) == 14 and report.trend[0].day == date(2026, 11, 7)
    last = report.trend[-1]
    assert (last.day, last.calls_scored, last.negative_share) == (date(2026, 11, 20), 4, round(1 / 3, 4))


def test_figures_cover_the_period_and_the_trend_the_two_weeks_to_its_end() -> None:
    earlier = fact(at=NOW - timedelta(days=3), failed=("greeting",))
    report = build_report([earlier, fact()], date(2026, 11, 19), date(2026, 11, 20), UTC, "UTC", NOW)
    assert report.overall.calls_scored == 1 and report.overall.items == []
    assert report.overall.audited == 0 and report.overall.audited_pass_rate is None
    assert report.overall.audited_ci is None
    trend = [(d.day.day, d.calls_scored, d.machine_pass_rate) for d in report.trend]
    assert trend[0] == (7, 0, None) and trend[-4:] == [
        (17, 1, 0.0),
        (18, 0, None),
        (19, 0, None),
        (20, 1, 1.0),
    ]
    month = build_report([earlier], date(2026, 10, 1), date(2026, 11, 20), UTC, "UTC", NOW)
    assert len(month.trend) == 51 and month.overall.calls_scored == 1


def test_item_failures_leave_na_and_undecidable_out() -> None:
    na = fact(failed=("closing",))
    odd = na.model_copy(
        update={"items": (ItemFact(item_id="closing", label="Closing", status=ItemStatus.NA),)}
    )
    rows = item_failures([na, odd, fact(passed=("closing",))])
    assert [(r.item_id, r.failed, r.decided) for r in rows] == [("closing", 1, 2)]


def test_csv_has_a_row_per_group_and_defuses_formulas() -> None:
    calls = [fact("=cmd|'/c calc'!A1", failed=("greeting",)), fact("A2")]
    text = report_csv(build_report(calls, date(2026, 11, 20), date(2026, 11, 20), UTC, "UTC", NOW))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["dimension"], r["key"]) for r in rows][:3] == [
        ("all", "all"),
        ("agent", "'=cmd|'/c calc'!A1"),
        ("agent", "A2"),
    ]
    assert rows[0]["calls_scored"] == "2" and rows[0]["failed_items"] == "greeting 1/2"
    assert rows[0]["audited_pass_rate"] == ""


def test_facts_from_a_real_analysis() -> None:
    call = transcript(
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, this call is recorded."),
            segment("customer", 4.0, 9.0, "This is outrageous. Get me your manager."),
        ]
    )
    analysis = analyse(call, ScorecardCatalog.load().get("generic-en"))
    decision = route("x", analysis.score, 0.0, analysis.sentiment, analysis.escalation)
    meta = CallMeta(
        call_id="x",
        agent_id="A1",
        team=None,
        queue=None,
        started_at=NOW,
        scored_at=NOW,
        final_verdict=None,
        recovery_handled=False,
    )
    facts = call_facts(meta, analysis, decision)
    assert facts.recovery and facts.customer_end == "negative"
    assert {i.item_id for i in facts.items} == {i.item_id for i in analysis.score.items}
    assert facts.verdict == analysis.score.verdict and facts.dead_air_s is not None
    greeting = next(i for i in facts.items if i.item_id == "greeting")
    assert greeting.moment is not None and greeting.moment.quote.lower() == "hello"  # the evidence's words
    said = next(i for i in analysis.score.items if i.item_id == "greeting").evidence[0]
    said.quote = "hello, call me on 415 555 0132"  # a quote with personal data in it
    masked = next(i for i in call_facts(meta, analysis, decision).items if i.item_id == "greeting")
    assert masked.moment is not None and "0132" not in masked.moment.quote  # masked for every reader


def limits(**overrides: float) -> AlertThresholds:
    return AlertThresholds.model_validate(overrides)


def kinds(calls: list[CallFacts], thresholds: AlertThresholds | None = None) -> list[AlertKind]:
    return [a.kind for a in evaluate(calls, NOW, lambda _: thresholds or limits())]


def test_systemic_item_needs_many_agents_and_a_high_share_in_the_window() -> None:
    three = [fact(a, failed=("disclosure",)) for a in ("A1", "A2", "A3")]
    alerts = evaluate([*three, fact("A4", passed=("disclosure",))], NOW, lambda _: limits())
    assert [a.kind for a in alerts] == [AlertKind.SYSTEMIC_ITEM]
    assert alerts[0].subject == "systemic_item|billing|disclosure" and len(alerts[0].call_ids) == 3
    assert "3 of 4 calls (75%)" in alerts[0].detail and alerts[0].repeat_after == timedelta(hours=4)
    one_agent = [fact("A1", failed=("disclosure",)) for _ in range(5)]
    assert kinds(one_agent) == []
    outside = [fact(a, failed=("disclosure",), at=NOW - timedelta(hours=5)) for a in ("A1", "A2", "A3")]
    assert kinds(outside) == []
    diluted = three + [fact("A5", passed=("disclosure",)) for _ in range(4)]
    assert kinds(diluted) == []
    assert kinds(three, limits(systemic_min_agents=4)) == []


def test_negative_sentiment_rise_against_the_queue_baseline() -> None:
    baseline = [
        fact(mood="negative" if n % 10 == 0 else "neutral", at=NOW - timedelta(days=2, hours=n))
        for n in range(20)
    ]
    calm_now = [fact(mood="neutral") for _ in range(10)]
    upset_now = [fact(mood="negative" if n < 5 else "neutral") for n in range(10)]
    assert kinds(baseline + calm_now) == []
    alerts = evaluate(baseline + upset_now, NOW, lambda _: limits())
    assert [a.kind for a in alerts] == [AlertKind.NEGATIVE_SENTIMENT]
    assert len(alerts[0].call_ids) == 5 and "50% (was 10%)" in alerts[0].title
    assert kinds(baseline[:5] + upset_now) == []  # too little baseline to compare with


def test_agent_score_falling_fast() -> None:
    before = [fact("A1", score=92, at=NOW - timedelta(days=5 + n)) for n in range(4)]
    after = [fact("A1", score=70, at=NOW - timedelta(hours=2 + n)) for n in range(3)]
    alerts = evaluate(before + after, NOW, lambda _: limits())
    assert [a.kind for a in alerts] == [AlertKind.SCORE_DROP]
    assert alerts[0].subject == "score_drop|A1" and "from 92 to 70" in alerts[0].title
    assert kinds(before + after[:2]) == []
    assert kinds(before + after, limits(score_min_drop=25)) == []


def test_recovery_call_overdue_after_its_target_unless_handled() -> None:
    late = fact(recovery=True, at=NOW - timedelta(hours=3))
    fresh = fact(recovery=True, at=NOW - timedelta(minutes=30))
    handled = fact(recovery=True, handled=True, at=NOW - timedelta(hours=5))
    alerts = evaluate([late, fresh, handled], NOW, lambda _: limits())
    assert [(a.kind, a.call_ids, a.repeat_after) for a in alerts] == [
        (AlertKind.RECOVERY_OVERDUE, [late.call_id], None)
    ]
    assert kinds([late], limits(recovery_target_hours=4)) == []


def test_thresholds_are_per_queue() -> None:
    calls = [fact(a, queue=q, failed=("disclosure",)) for q in ("strict", "lax") for a in ("A1", "A2", "A3")]
    alerts = evaluate(calls, NOW, lambda q: limits(systemic_min_agents=10) if q == "lax" else limits())
    assert [a.queue for a in alerts] == ["strict"]


def with_moments(call: CallFacts) -> CallFacts:
    items = tuple(i.model_copy(update={"moment": Moment(start=1.0, end=2.5)}) for i in call.items)
    return call.model_copy(update={"items": items})


def test_excellent_calls_rank_by_score_turnaround_first_contact_and_empathy() -> None:
    plain = fact("A1", score=100)
    turned = fact("A2", score=90, passed=("greeting", "empathy"), mood="positive").model_copy(
        update={"customer_start": "negative"}
    )
    repeat = fact("A3", score=100).model_copy(update={"repeat_contact": True})
    failed = fact("A4", score=99, failed=("closing",))
    ranked = rank_excellent([plain, turned, repeat, failed], limit=10)
    assert [c.example.call_id for c in ranked] == [turned.call_id, plain.call_id, repeat.call_id]
    assert "customer turned from negative to positive" in ranked[0].signals
    assert "showed empathy with an upset caller" in ranked[0].signals
    assert ranked[0].excellence == round(0.5 * 0.9 + 0.2 + 0.15 + 0.15, 4)
    assert len(rank_excellent([plain, turned], limit=1)) == 1


def test_best_examples_per_item_need_a_pass_with_evidence() -> None:
    good = with_moments(fact("A1", score=95, passed=("greeting", "closing")))
    better = with_moments(fact("A2", score=99, passed=("greeting",)))
    no_evidence = fact("A3", score=100, passed=("greeting",))
    rows = best_examples([good, better, no_evidence], per_item=5)
    assert [(r.item_id, [e.call_id for e in r.examples]) for r in rows] == [
        ("closing", [good.call_id]),
        ("greeting", [better.call_id, good.call_id]),
    ]
    assert rows[1].examples[0].moment == Moment(start=1.0, end=2.5)


def test_error_cases_and_training_needs_against_peers() -> None:
    calls = [with_moments(fact("A1", failed=("closing",), passed=("closing",))) for _ in range(4)]
    calls += [fact(agent, passed=("closing",)) for agent in ("A2", "A3") for _ in range(4)]
    calls += [fact("A2", failed=("greeting",), passed=("greeting",))]
    cases = error_cases(calls, items=5, per_item=2)
    assert [(c.item_id, c.failed, c.decided, len(c.examples)) for c in cases] == [
        ("greeting", 1, 1, 1),
        ("closing", 4, 12, 2),
    ]
    assert cases[1].examples[0].moment == Moment(start=1.0, end=2.5)
    needs = training_needs(calls, Peers.AGENT)
    assert [(n.key, n.item_id, n.rate, n.peer_rate) for n in needs] == [("A1", "closing", 1.0, 0.0)]
    assert training_needs(calls, Peers.TEAM) == []  # one team: no peers to compare with

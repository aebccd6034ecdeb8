"""Apply a scorecard to a transcript: each item decided with its evidence, then the score.

Each item is decided by its type (`scoring/items/`, one module per type), with the rules that
protect the agent: an item about a party whose channel produced no speech is "undecidable" (a
person listens), and so is a forbidden phrase heard in an unseparated mono mix, or a required
phrase missing on a channel too poor to tell. What every type shares is here: the `applies_if`
condition, the points, and the findings of the call as a whole.
"""

from __future__ import annotations

from asr.transcript import Transcript
from models.sentiment import SentimentModel, default_sentiment_model
from scoring.card_parts import Condition, Window
from scoring.conversation import overtalk, silences, stats
from scoring.escalation import Escalation, detect
from scoring.items.base import CallContext, ItemBase, hit_finding
from scoring.matching import said
from scoring.pii import redact_transcript
from scoring.results import Analysis, Finding, FindingKind, ItemResult, ItemStatus, Score, Verdict
from scoring.scorecard import Scorecard, Section
from scoring.sentiment import SentimentSummary, TurnSentiment, summarise


def analyse(
    transcript: Transcript, card: Scorecard, sentiment_model: SentimentModel | None = None
) -> Analysis:
    feeling = summarise(transcript, sentiment_model or default_sentiment_model())
    escalation = detect(transcript, feeling)
    findings = conversation_findings(transcript) + customer_findings(feeling, escalation)
    results = decide_items(transcript, card, feeling)
    for result in results:
        findings.extend(result.evidence)
    return Analysis(
        findings=sorted(findings, key=lambda f: f.start),
        score=score(card, results),
        stats=stats(transcript),
        sentiment=feeling,
        escalation=escalation,
        redaction=redact_transcript(transcript),
    )


def customer_findings(feeling: SentimentSummary, escalation: Escalation) -> list[Finding]:
    """The customer's negative turns and escalation cues, each quoted where it was said."""
    out = [
        Finding(
            kind=FindingKind.NEGATIVE_SENTIMENT,
            speaker="customer",
            start=t.start,
            end=t.end,
            quote=t.text,
            confidence=t.confidence,
            detail=f"customer negative (score {t.score:+.2f})",
        )
        for t in feeling.turns
        if t.speaker == "customer" and t.label == "negative"
    ]
    out.extend(
        Finding(
            kind=FindingKind.ESCALATION_CUE,
            speaker="customer",
            start=c.start,
            end=c.end,
            quote=c.quote,
            matched=c.matched,
            confidence=c.confidence,
            detail=c.label,
        )
        for c in escalation.cues
    )
    return out


def conversation_findings(transcript: Transcript, min_silence_s: float = 3.0) -> list[Finding]:
    out = [
        Finding(kind=FindingKind.SILENCE, start=s.start, end=s.end, detail=f"{s.duration:.1f} s of silence")
        for s in silences(transcript, min_silence_s)
    ]
    out.extend(
        Finding(
            kind=FindingKind.HOLD,
            start=h.start,
            end=h.end,
            detail=f"{h.end - h.start:.1f} s of hold {h.kind}",
        )
        for h in transcript.holds
    )
    out.extend(
        Finding(
            kind=FindingKind.OVERTALK,
            speaker=o.interrupter,
            start=o.start,
            end=o.end,
            detail=f"{o.interrupter} talked over the other party for {o.duration:.1f} s",
        )
        for o in overtalk(transcript)
    )
    return out


def decide_items(
    transcript: Transcript, card: Scorecard, feeling: SentimentSummary, only: str | None = None
) -> list[ItemResult]:
    """Every item of `card` decided on `transcript`, given how the customer felt: the part of
    `analyse` that a card's thresholds change, so calibration can re-score a reviewed call with
    candidate thresholds without measuring its sentiment again. `only`: that item alone (and the
    earlier items its window is placed by), for a calibration trying values for one item."""
    needed = _needed(card, only) if only is not None else None
    results: list[ItemResult] = []
    found: dict[str, tuple[float, float]] = {}  # item id -> where its evidence is, for before/after
    for section, item in card.items():
        if needed is not None and item.id not in needed:
            continue
        result = _decide(transcript, section, item, rivals_of(card, item), feeling, found)
        if result.evidence:
            found[item.id] = (result.evidence[0].start, result.evidence[0].end)
        results.append(result)
    return results


def _needed(card: Scorecard, item_id: str) -> set[str]:
    """`item_id` and every item its window refers to, directly or through another's window."""
    placed_by = {i.id: i.placed_by() for i in card.all_items()}
    needed: set[str] = set()
    pending = [item_id]
    while pending:
        current = pending.pop()
        if current in needed or current not in placed_by:
            continue
        needed.add(current)
        pending.extend(placed_by[current])
    return needed


def score(card: Scorecard, results: list[ItemResult]) -> Score:
    decided = [r for r in results if r.status in (ItemStatus.PASS, ItemStatus.FAIL)]
    maximum = sum(r.max_points for r in decided)
    total = round(100.0 * sum(r.points for r in decided) / maximum, 1) if maximum > 0 else None
    critical_failed = any(r.critical and r.status == ItemStatus.FAIL for r in results)
    below_mark = total is not None and total < card.pass_mark
    return Score(
        scorecard_id=card.id,
        scorecard_version=card.version,
        total=total,
        verdict=Verdict.FAIL if critical_failed or below_mark else Verdict.PASS,
        pass_mark=card.pass_mark,
        review_margin=card.review_margin,
        items=results,
    )


def rivals_of(card: Scorecard, item: ItemBase) -> list[str]:
    """Every other item's phrases: what a sentence could mean instead (of the item, or of its
    `applies_if` condition)."""
    return [phrase for other in card.all_items() if other.id != item.id for phrase in other.listens_for()]


def _decide(
    transcript: Transcript,
    section: Section,
    item: ItemBase,
    rivals: list[str],
    feeling: SentimentSummary,
    found: dict[str, tuple[float, float]],
) -> ItemResult:
    """The item's own decision (its type's), then what every type shares: its `applies_if`
    condition, and the points."""
    decision = item.decide(CallContext(transcript, rivals, found))
    status, reason = decision.status, decision.reason
    applies_because: Finding | None = None
    if item.applies_if is not None:
        applies = applicability(transcript, item.id, item.applies_if, rivals, feeling)
        if isinstance(applies, Finding):
            applies_because = applies
        else:
            status, reason = ItemStatus.NA, f"not applicable: {applies}"
    earned = {ItemStatus.PASS: item.weight, ItemStatus.FAIL: round(decision.partial, 2)}.get(status, 0.0)
    return ItemResult(
        item_id=item.id,
        label=item.label,
        section=section.name,
        status=status,
        points=earned,
        max_points=0.0 if status == ItemStatus.NA else item.weight,
        critical=item.critical,
        reason=reason,
        evidence=decision.evidence,
        applies_because=applies_because,
    )


def applicability(
    transcript: Transcript, item_id: str, condition: Condition, rivals: list[str], feeling: SentimentSummary
) -> Finding | str:
    """What made the item apply, as a finding quoting it (the sentence that met the condition's
    phrases, else the customer turn whose mood met it), or why it does not apply, in words that
    follow "not applicable: " (the card's own `na_reason` if it has one, else what was not met).

    An inspector who disagrees needs to see which sentence the machine took as account work, not
    only that it did: that is what a correction of the condition is about."""
    unmet_or_turn = _mood_condition(condition, feeling)
    if isinstance(unmet_or_turn, str):
        return condition.na_reason or unmet_or_turn
    if condition.phrases:
        hits = said(
            transcript,
            condition.phrases,
            condition.speaker,
            Window(),
            condition.min_similarity,
            condition.semantic,
            rivals,
        )
        if not hits:
            who = "nobody" if condition.speaker == "any" else f"the {condition.speaker}"
            return condition.na_reason or f"{who} said none of the phrases that make it apply"
        best = max(hits, key=lambda h: (h.attributed, h.similarity, -h.start))
        return hit_finding(item_id, FindingKind.APPLIES, best)
    turn = unmet_or_turn
    assert turn is not None  # a condition without phrases has a mood to meet (Condition checks it)
    return Finding(
        kind=FindingKind.APPLIES,
        item_id=item_id,
        speaker=turn.speaker,
        start=turn.start,
        end=turn.end,
        quote=turn.text,
        confidence=turn.confidence,
        detail=f"the customer sounded {turn.label} (score {turn.score:+.2f})",
    )


def _mood_condition(condition: Condition, feeling: SentimentSummary) -> str | TurnSentiment | None:
    """Why the condition's moods are not met; else the customer turn that meets them (the last
    one for the mood at the end, the first for a mood at any point), None when it asks none."""
    customer = [t for t in feeling.turns if t.speaker == "customer"]
    moods = condition.customer_sentiment_end
    if moods and feeling.customer_end not in moods:
        return f"the customer did not end the call in a {' or '.join(moods)} mood"
    felt = condition.customer_sentiment_any
    felt_turn = next((t for t in customer if t.label in felt), None)
    if felt and felt_turn is None:
        return f"the customer never sounded {' or '.join(felt)}"
    if felt_turn is not None:
        return felt_turn
    return customer[-1] if moods and customer else None

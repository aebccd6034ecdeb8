"""Apply a scorecard to a transcript: each item decided with its evidence, then the score.

Rules that protect the agent: a phrase heard in an unseparated mono mix cannot be pinned on
the agent, so a forbidden phrase there is "undecidable" (a human listens) rather than a fail;
an item about a party whose channel produced no speech at all is undecidable too, and so is a
required phrase not found on a channel whose audio is too poor to tell (silent, noisy, clipped,
or transcribed with low confidence), and a near miss (within 15 points of the threshold) on
words the ASR was unsure of: the agent may well have said it.
"""

from __future__ import annotations

from asr.transcript import Transcript
from models.sentiment import SentimentModel, default_sentiment_model
from scoring.conversation import Silence, overtalk, silences, stats
from scoring.escalation import Escalation, detect
from scoring.matching import said
from scoring.phrases import PhraseHit, find_phrases
from scoring.pii import redact_transcript
from scoring.results import Analysis, Finding, ItemResult, ItemStatus, Score, Verdict
from scoring.scorecard import (
    AnyItem,
    Condition,
    DeadAirItem,
    PhraseAbsentItem,
    PhrasePresentItem,
    Scorecard,
    ScriptStep,
    ScriptStepsItem,
    Section,
    Window,
)
from scoring.sentiment import SentimentSummary, TurnSentiment, summarise
from scoring.text import has_han, normalise

UNATTRIBUTED_CONFIDENCE = 0.6
MIN_SPEECH_RATIO = 0.01
MIN_SNR_DB = 10.0
MAX_CLIPPING = 0.01
MIN_WORD_PROBABILITY = 0.35
NEAR_MISS = 15.0
UNSURE_WORD_PROBABILITY = 0.3


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
            kind="negative_sentiment",
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
            kind="escalation_cue",
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
        Finding(kind="silence", start=s.start, end=s.end, detail=f"{s.duration:.1f} s of silence")
        for s in silences(transcript, min_silence_s)
    ]
    out.extend(
        Finding(kind="hold", start=h.start, end=h.end, detail=f"{h.end - h.start:.1f} s of hold {h.kind}")
        for h in transcript.holds
    )
    out.extend(
        Finding(
            kind="overtalk",
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
    windows = {i.id: getattr(i, "window", None) for i in card.all_items()}
    needed: set[str] = set()
    pending = [item_id]
    while pending:
        current = pending.pop()
        if current in needed or current not in windows:
            continue
        needed.add(current)
        window = windows[current]
        if window is not None:
            pending.extend(r for r in (window.after, window.before) if r)
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


def rivals_of(card: Scorecard, item: AnyItem) -> list[str]:
    """Every other item's phrases: what a sentence could mean instead (of the item, or of its
    `applies_if` condition)."""
    out: list[str] = []
    for other in card.all_items():
        if other.id != item.id:
            out.extend(_phrases_of(other))
    return out


def _phrases_of(item: AnyItem) -> list[str]:
    if isinstance(item, DeadAirItem):
        return item.announce_phrases
    if isinstance(item, ScriptStepsItem):
        return [p for step in item.steps for p in step.phrases]
    return item.phrases


def _decide(
    transcript: Transcript,
    section: Section,
    item: AnyItem,
    rivals: list[str],
    feeling: SentimentSummary,
    found: dict[str, tuple[float, float]],
) -> ItemResult:
    partial = 0.0  # points a failed item still earns (script steps with partial credit)
    if isinstance(item, DeadAirItem):
        status, reason, evidence = _dead_air(transcript, item)
    elif not _has_speech(transcript, item.speaker):
        status, reason, evidence = ItemStatus.UNDECIDABLE, f"no {item.speaker} speech was transcribed", []
    elif isinstance(item, ScriptStepsItem):
        status, reason, evidence, done = _script_steps(transcript, item, rivals)
        partial = item.weight * done / len(item.steps) if item.partial_credit else 0.0
    else:
        window, unresolved = _resolve(item.window, found)
        item = item.model_copy(update={"window": window})
        if isinstance(item, PhrasePresentItem):
            status, reason, evidence = _phrase_present(transcript, item, rivals)
            problem = audio_problem(transcript, item.speaker)
            if status == ItemStatus.FAIL and problem:
                status, reason = ItemStatus.UNDECIDABLE, f"{reason}, but {problem}"
        else:
            status, reason, evidence = _phrase_absent(transcript, item)
        reason = "; ".join(r for r in (reason, unresolved) if r)
    applies_because: Finding | None = None
    if item.applies_if is not None:
        applies = applicability(transcript, item.id, item.applies_if, rivals, feeling)
        if isinstance(applies, Finding):
            applies_because = applies
        else:
            status, reason = ItemStatus.NA, f"not applicable: {applies}"
    earned = {ItemStatus.PASS: item.weight, ItemStatus.FAIL: round(partial, 2)}.get(status, 0.0)
    return ItemResult(
        item_id=item.id,
        label=item.label,
        section=section.name,
        status=status,
        points=earned,
        max_points=0.0 if status == ItemStatus.NA else item.weight,
        critical=item.critical,
        reason=reason,
        evidence=evidence,
        applies_because=applies_because,
    )


def _resolve(window: Window, found: dict[str, tuple[float, float]]) -> tuple[Window, str]:
    """Turns `after: greeting` into a time bound from the greeting's evidence. When the other item
    found nothing, the order cannot be checked: the item is judged without it, and says so."""
    update: dict[str, float] = {}
    missing = []
    if window.after is not None:
        if window.after in found:
            update["start_after_s"] = found[window.after][1] - 0.01
        else:
            missing.append(window.after)
    if window.before is not None:
        if window.before in found:
            update["end_before_s"] = found[window.before][0] + 0.01
        else:
            missing.append(window.before)
    note = f"order not checked: {', '.join(missing)} not found" if missing else ""
    return window.model_copy(update=update), note


def _said_step(
    transcript: Transcript, item: ScriptStepsItem, step: ScriptStep, window: Window, rivals: list[str]
) -> list[PhraseHit]:
    return said(transcript, step.phrases, item.speaker, window, item.min_similarity, item.semantic, rivals)


def _script_steps(
    transcript: Transcript, item: ScriptStepsItem, rivals: list[str]
) -> tuple[ItemStatus, str, list[Finding], int]:
    """Each step found after the one before it (when ordered); a step said only earlier is out of order."""
    evidence: list[Finding] = []
    missing: list[str] = []
    misplaced: list[str] = []
    bound: float | None = None
    for step in item.steps:
        others = rivals + [p for s in item.steps if s is not step for p in s.phrases]
        window = Window(start_after_s=bound) if item.ordered and bound is not None else Window()
        hits = _said_step(transcript, item, step, window, others)
        if not hits:
            ordered_out = window.start_after_s is not None
            earlier = ordered_out and bool(_said_step(transcript, item, step, Window(), others))
            (misplaced if earlier else missing).append(step.name)
            continue
        first = min(hits, key=lambda h: h.start)
        evidence.append(_hit_finding(item.id, "script_step", first).model_copy(update={"detail": step.name}))
        bound = first.end - 0.01
    done = len(item.steps) - len(missing) - len(misplaced)
    if not missing and not misplaced:
        in_order = " in order" if item.ordered else ""
        return ItemStatus.PASS, f"all {len(item.steps)} steps{in_order}", evidence, done
    problems = [f"missing: {', '.join(missing)}"] if missing else []
    problems += [f"out of order: {', '.join(misplaced)}"] if misplaced else []
    return ItemStatus.FAIL, f"{done} of {len(item.steps)} steps; " + "; ".join(problems), evidence, done


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
        return _hit_finding(item_id, "applies", best)
    turn = unmet_or_turn
    assert turn is not None  # a condition without phrases has a mood to meet (Condition checks it)
    return Finding(
        kind="applies",
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


def audio_problem(transcript: Transcript, speaker: str) -> str:
    """Why a missing phrase may be the recording's fault rather than the agent's ("" if none)."""
    for channel in transcript.channels:
        if channel.speaker != speaker:
            continue
        if channel.speech_ratio < MIN_SPEECH_RATIO:
            return f"the {speaker} channel is nearly silent (one-way audio?)"
        if channel.snr_db < MIN_SNR_DB:
            return f"the {speaker} channel is too noisy (SNR {channel.snr_db:.0f} dB)"
        if channel.clipping_ratio > MAX_CLIPPING:
            return f"the {speaker} channel is clipped ({channel.clipping_ratio:.1%} of samples)"
    words = [w.probability for s in transcript.segments if s.speaker == speaker for w in s.words]
    if words and sum(words) / len(words) < MIN_WORD_PROBABILITY:
        return f"the {speaker}'s speech was transcribed with low confidence ({sum(words) / len(words):.2f})"
    return ""


def _has_speech(transcript: Transcript, speaker: str) -> bool:
    if speaker == "any":
        return bool(transcript.segments)
    return any(s.speaker in (speaker, "unknown") for s in transcript.segments)


def _phrase_present(
    transcript: Transcript, item: PhrasePresentItem, rivals: list[str]
) -> tuple[ItemStatus, str, list[Finding]]:
    hits = said(
        transcript, item.phrases, item.speaker, item.window, item.min_similarity, item.semantic, rivals
    )
    if not hits:
        near = find_phrases(
            transcript, item.phrases, item.speaker, item.window, item.min_similarity - NEAR_MISS
        )
        unsure = [h for h in near if h.min_probability < UNSURE_WORD_PROBABILITY and _long_phrase(h.phrase)]
        if unsure:
            best = max(unsure, key=lambda h: h.similarity)
            return (
                ItemStatus.UNDECIDABLE,
                f'possibly said at {best.start:.1f} s: "{best.quote}" matches "{best.phrase}" '
                f"{best.similarity:.0f}% on words the ASR was unsure of",
                [_hit_finding(item.id, "possible_phrase", best)],
            )
        return ItemStatus.FAIL, f"not said by the {item.speaker}{_window_text(item.window)}", []
    best = max(hits, key=lambda h: (h.attributed, h.similarity, -h.start))
    return ItemStatus.PASS, f"said at {best.start:.1f} s", [_hit_finding(item.id, "phrase", best)]


def _phrase_absent(transcript: Transcript, item: PhraseAbsentItem) -> tuple[ItemStatus, str, list[Finding]]:
    hits = find_phrases(transcript, item.phrases, item.speaker, item.window, item.min_similarity)
    evidence = [_hit_finding(item.id, "forbidden_phrase", h) for h in hits]
    if any(h.attributed for h in hits):
        said = sorted({h.phrase for h in hits if h.attributed})
        return ItemStatus.FAIL, "said: " + "; ".join(f'"{p}"' for p in said), evidence
    if hits:
        return ItemStatus.UNDECIDABLE, "heard in a mono recording where the speaker is not known", evidence
    return ItemStatus.PASS, "", []


def _dead_air(transcript: Transcript, item: DeadAirItem) -> tuple[ItemStatus, str, list[Finding]]:
    if not transcript.timed:
        return ItemStatus.NA, "not applicable: the conversation has no timings (a chat log without times)", []
    evidence: list[Finding] = []
    worst: Silence | None = None
    for gap in silences(transcript, item.min_silence_s):
        if gap.duration <= item.max_silence_s:
            continue
        announced = _announcement(transcript, gap, item)
        detail = f"{gap.duration:.1f} s of dead air" + (
            f', announced at {announced.start:.1f} s ("{announced.quote}"), talk resumed '
            f"{gap.end - announced.end:.1f} s after the announcement"
            if announced
            else ", not announced"
        )
        evidence.append(
            Finding(
                kind="dead_air",
                item_id=item.id,
                start=gap.start,
                end=gap.end,
                quote=announced.quote if announced else "",
                detail=detail,
                speaker=gap.before.speaker if gap.before else None,
            )
        )
        if announced is None and (worst is None or gap.duration > worst.duration):
            worst = gap
    if worst is not None:
        return (
            ItemStatus.FAIL,
            f"{worst.duration:.0f} s of unannounced dead air at {worst.start:.0f} s",
            evidence,
        )
    return ItemStatus.PASS, "", evidence


def _announcement(transcript: Transcript, gap: Silence, item: DeadAirItem) -> PhraseHit | None:
    """Was the wait announced in the turns just before it (by either party)?"""
    if not item.announce_phrases:
        return None
    window = Window()
    recent = [s for s in transcript.segments if s.end <= gap.start + 0.01][-2:]
    scoped = transcript.model_copy(update={"segments": recent})
    hits = find_phrases(scoped, item.announce_phrases, "any", window, item.min_similarity)
    return max(hits, key=lambda h: h.similarity) if hits else None


def _long_phrase(phrase: str) -> bool:
    """Only phrases long enough that one garbled word leaves the rest recognisable (3+ words,
    4+ Chinese characters) can be near misses; "good" is not nearly "goodbye"."""
    text = normalise(phrase)
    return len(text) >= 4 if has_han(text) else len(text.split()) >= 3


def _hit_finding(item_id: str, kind: str, hit: PhraseHit) -> Finding:
    confidence = hit.similarity / 100.0
    if not hit.attributed:
        confidence *= UNATTRIBUTED_CONFIDENCE
    return Finding(
        kind=kind,
        item_id=item_id,
        speaker=hit.segment.speaker,
        start=hit.start,
        end=hit.end,
        quote=hit.quote,
        matched=hit.phrase,
        confidence=round(confidence, 3),
        detail=(
            f'matched "{hit.phrase}" ({hit.similarity:.0f}%)'
            if hit.method == "fuzzy"
            else f'means "{hit.phrase}" (semantic similarity {hit.similarity / 100:.2f})'
        ),
    )


def _window_text(window: Window) -> str:
    if window.first_s is not None:
        return f" in the first {window.first_s:g} s"
    if window.last_s is not None:
        return f" in the last {window.last_s:g} s"
    return ""

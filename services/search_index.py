"""The search index stage: a scored call's turns, masked copies, vectors and filter facts, stored.

Runs at the end of every scoring (`analyse_stage`), so re-scoring or re-transcribing a call
replaces its rows; `callqa search reindex` runs it over calls stored before. Idempotent: it reads
only the call's current transcript and analysis and replaces the call's rows in one transaction.
Calls indexed when terms were made another way (store/search_text.py TERMS_VERSION) have them
made again from the stored text by `retokenise_outdated`, a scheduled job.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import structlog

from asr.transcript import Segment, Transcript
from models.embeddings import SentenceEncoder, meaning_encoder
from runtime.services import Services
from scoring.phrases import turns
from scoring.pii import Redaction, numbers_said, redacted_view
from scoring.results import Analysis
from scoring.semantic import MIN_UNIT_WORDS, size_in_words
from store.search import CallFacts, IndexedTurn

log = structlog.get_logger("callqa.search")


def index_stage(services: Services, call_id: str) -> bool:
    """True when the call is in the index now; a call without a transcript and analysis is taken out."""
    transcript = services.results.transcript(call_id)
    stored = services.results.analysis(call_id)
    if transcript is None or stored is None:
        services.search.remove_call(call_id)
        return False
    index_call(services, call_id, transcript, stored.analysis)
    return True


def index_call(services: Services, call_id: str, transcript: Transcript, analysis: Analysis) -> None:
    """Replace the call's rows with these: its current transcript and analysis."""
    encoder = meaning_encoder(transcript.language)
    found = searchable_turns(transcript, analysis.redaction, encoder)
    services.search.replace_call(call_id, found, call_facts(analysis, transcript))
    log.info("indexed", call_id=call_id, turns=len(found))


def searchable_turns(
    transcript: Transcript, redaction: Redaction | None, encoder: SentenceEncoder | None
) -> list[IndexedTurn]:
    """Each turn's text and its masked text (the stored redaction's, as the call page shows it);
    a vector per turn of 3+ words (MIN_UNIT_WORDS, as scoring embeds), made from the masked text
    so that a semantic query cannot find a number a reader may not see."""
    masked = redacted_view(transcript, redaction).segments
    position_of = {id(segment): n for n, segment in enumerate(transcript.segments)}
    out: list[IndexedTurn] = []
    for position, turn in enumerate(turns(transcript.segments)):
        shown = [masked[position_of[id(segment)]] for segment in turn]
        text, offsets = _joined(turn)
        redacted_text, redacted_offsets = _joined(shown)
        moments = [(s.start, a, b) for s, a, b in zip(turn, offsets, redacted_offsets, strict=True)]
        out.append(
            IndexedTurn(position, turn[0].speaker, turn[0].start, turn[-1].end, text, redacted_text, moments)
        )
    if encoder is None:
        return out
    wanted = [n for n, t in enumerate(out) if size_in_words(t.redacted_text) >= MIN_UNIT_WORDS]
    vectors = encoder.encode([out[n].redacted_text for n in wanted]).astype(np.float16)
    for n, vector in zip(wanted, vectors, strict=True):
        out[n] = replace(out[n], encoder=encoder.name, vector=vector.tobytes())
    return out


def call_facts(analysis: Analysis, transcript: Transcript) -> CallFacts:
    return CallFacts(
        escalation=bool(analysis.escalation and analysis.escalation.risk),
        dead_air_s=analysis.stats.silence_seconds if analysis.stats else 0.0,
        overtalk_s=analysis.stats.overtalk_seconds if analysis.stats else 0.0,
        failed_items=tuple(item.item_id for item in analysis.score.failed_items),
        phone_numbers=frozenset(numbers_said(transcript, analysis.redaction)),
    )


def _joined(segments: list[Segment]) -> tuple[str, list[int]]:
    """The segments' texts joined by spaces, and where each starts in the joined text."""
    offsets: list[int] = []
    parts: list[str] = []
    at = 0
    for segment in segments:
        offsets.append(at)
        piece = segment.text.strip()
        parts.append(piece)
        at += len(piece) + 1
    return " ".join(parts), offsets


def reindex(services: Services, only_missing: bool) -> int:
    """Index every scored call (or those not indexed yet); returns how many were indexed."""
    ids = services.search.unindexed_calls() if only_missing else services.search.scored_calls()
    return sum(index_stage(services, call_id) for call_id in ids)


RETOKENISE_BATCH = 200
"""Calls per transaction when their terms are made again (about 2,400 turns)."""
RETOKENISE_BUDGET_S = 50.0
"""A scheduled run stops starting batches after this, so the jobs after it on the same scheduler
are not held up for long; the next run, a minute later, goes on where it stopped."""


def retokenise_outdated(services: Services, budget_s: float | None = RETOKENISE_BUDGET_S) -> int:
    """Terms made again, from the stored text, for calls an older TERMS_VERSION indexed (after an
    upgrade: migration 0023), batch by batch until none is left or `budget_s` has passed (None:
    until done). Cheap next to indexing: no transcript is read and nothing is embedded. Returns
    the number of calls."""
    started = time.monotonic()
    done = 0
    while budget_s is None or time.monotonic() - started < budget_s:
        batch = services.search.outdated_calls(RETOKENISE_BATCH)
        if not batch:
            break
        services.search.retokenise(batch)
        done += len(batch)
    if done:
        log.info("search terms made again", calls=done, seconds=round(time.monotonic() - started, 1))
    return done


def index_after_scoring(services: Services, call_id: str, transcript: Transcript, analysis: Analysis) -> None:
    """The stage as scoring runs it, on the transcript and analysis scoring has just used and
    saved (reading them back would parse both documents again, per call). The score is saved
    already, so a failure here must not undo or repeat it; the call stays scored and unindexed,
    logged, and `callqa search reindex --missing` indexes it."""
    try:
        index_call(services, call_id, transcript, analysis)
    except Exception:
        log.exception("search indexing failed; run `callqa search reindex --missing`", call_id=call_id)

"""The two stages of a call, as plain functions over `Services`; Celery tasks only call these, and
`callqa rescore` runs the analysis as the task does (`analyse_under_lease`).

Each stage is idempotent: a scored call is left alone, and a transcript made with the same
ASR settings is reused, so a redelivered task (worker killed mid-call) redoes at most the
stage it was in. Anything that goes wrong ends as `failed` with a reason a person can act on,
except the database itself not answering: that error is raised, so the task is retried later
(workers/tasks.py) instead of the call failing for an outage.
"""

from __future__ import annotations

import time
from enum import StrEnum

import structlog

from asr.decode import decode
from asr.errors import AudioError, ModelFileError
from review.risk_features import risk_features
from runtime.services import Services
from scoring.evaluate import analyse
from scoring.routing import route
from scoring.scorecard import Scorecard
from scoring.unheard import unheard_agent_speech
from services.calibration import calibrated_card, sentiment_model_in_use
from services.sampling import new_hire_reasons
from services.search_index import index_after_scoring
from services.stage_lease import stage_lease
from store.blobs import BlobMismatchError
from store.db import DATABASE_DOWN
from store.metadata import CallSource
from store.stage_timings import Timed
from store.tables import Call, CallStatus, LeaseStage

log = structlog.get_logger("callqa.pipeline")


def transcribe_stage(services: Services, call_id: str) -> bool:
    """True when the call is ready for analysis."""
    repo = services.calls
    call = repo.get(call_id)
    if call is None:
        log.warning("unknown call", call_id=call_id)
        return False
    if call.status in (CallStatus.SCORED, CallStatus.FAILED):
        return False
    options = services.settings.asr_options()
    stored = repo.transcript(call_id)
    if call.source == CallSource.TEXT:
        return stored is not None  # a conversation imported as text: its text is the transcript
    if stored is not None and stored.asr_version == options.version:
        return True
    repo.start_stage(call_id, CallStatus.TRANSCRIBING)
    attempt = repo.begin_attempt(call_id)
    started = time.perf_counter()
    try:
        repo.blobs.verify(call.audio_key, call.sha256)
        audio = decode(repo.audio_path(call), services.settings.max_audio_minutes * 60, call.filename)
        repo.record_audio(
            call_id, audio.info.format, audio.info.sample_rate, audio.info.channels, audio.duration_s
        )
        queue = services.settings.queue(call.queue)
        transcript = services.transcriber.transcribe(
            audio,
            agent_side=queue.agent_channel,
            language=call.language or queue.language,
            vocabulary=queue.vocabulary,
        )
    except BlobMismatchError as error:
        repo.fail(call_id, f"audio: {call.filename}: {error}")
        log.error("stored recording damaged", call_id=call_id, reason=str(error))
        return False
    except AudioError as error:
        repo.fail(call_id, f"audio: {error}")
        log.info("call failed", call_id=call_id, reason=str(error))
        return False
    except DATABASE_DOWN:
        raise
    except ModelFileError as error:
        repo.fail(call_id, f"ASR model: {error}")
        log.error("model files", call_id=call_id, reason=str(error))
        return False
    except Exception as error:
        repo.fail(call_id, f"internal error while transcribing ({type(error).__name__}: {error}); retry it")
        log.exception("transcription crashed", call_id=call_id)
        return False
    services.results.save_transcript(call_id, options.version, transcript)
    wall = time.perf_counter() - started
    services.stage_timings.observe(Timed.TRANSCRIBE_SECONDS, wall)
    if audio.duration_s > 0:
        services.stage_timings.observe(Timed.ASR_REAL_TIME_FACTOR, wall / audio.duration_s)
    log.info(
        "transcribed",
        call_id=call_id,
        attempt=attempt,
        audio_s=round(audio.duration_s, 1),
        wall_s=round(wall, 2),
        language=transcript.language,
    )
    return True


def analyse_stage(services: Services, call_id: str, scorecard_ref: str | None = None) -> bool:
    """Score a transcribed call; also the whole of a re-score (no re-transcription)."""
    repo = services.calls
    call = repo.get(call_id)
    if call is None:
        log.warning("nothing to analyse: the call is gone (erased or removed)", call_id=call_id)
        return False
    started = time.perf_counter()
    try:
        transcript = services.results.transcript(call_id)  # upgraded here if stored by an older version
        if transcript is None:
            log.warning("nothing to analyse: the call has no transcript", call_id=call_id)
            return False
        card = choose_scorecard(services, call, transcript.language, scorecard_ref)
        in_use = calibrated_card(services, card)
        analysis = analyse(transcript, in_use.card, sentiment_model_in_use(services))
        analysis.calibration_id = in_use.calibration_id
        risk = in_use.risk_model
        decision = route(
            call_id,
            analysis.score,
            services.settings.audit_rate,
            analysis.sentiment,
            analysis.escalation,
            unheard_agent_speech(transcript),
            risk_probability=None
            if risk is None
            else risk.probability(risk_features(analysis, transcript).values()),
            mandatory=new_hire_reasons(services, call),
        )
    except DATABASE_DOWN:
        raise
    except Exception as error:
        repo.fail(call_id, f"internal error while scoring ({type(error).__name__}: {error}); retry it")
        log.exception("analysis crashed", call_id=call_id)
        return False
    services.results.save_analysis(call_id, card.key, analysis, decision)
    services.stage_timings.observe(Timed.ANALYSE_SECONDS, time.perf_counter() - started)
    index_after_scoring(services, call_id, transcript, analysis)
    log.info(
        "scored",
        call_id=call_id,
        scorecard=card.key,
        calibration=in_use.calibration_id,
        score=analysis.score.total,
        verdict=analysis.score.verdict,
        routing=decision.queue,
        recovery=decision.recovery,
    )
    return True


class AnalysisOutcome(StrEnum):
    """What `analyse_under_lease` did with a call."""

    SCORED = "scored"
    NOT_SCORED = "not scored"
    """Nothing to score (no transcript, or the call is gone), or scoring failed and the call says why."""
    NOT_DUE = "not due"
    """The pipeline's analysis of a call already scored or failed (a redelivery): left alone."""
    IN_HAND_ELSEWHERE = "in hand elsewhere"
    """A worker, or another re-score, holds the call's analysis lease: nothing was run."""


def analyse_under_lease(
    services: Services,
    call_id: str,
    holder: str,
    task_id: str,
    scorecard_ref: str | None = None,
    rescore: bool = False,
) -> AnalysisOutcome:
    """The analysis stage as the task and `callqa rescore` both run it: under the call's analysis
    lease, so that a re-score never runs beside the pipeline's analysis of the same call, or beside
    another re-score, with the last to finish silently overwriting the other's result. The
    pipeline's analysis runs once per call (`analysis_due`); a re-score whenever it gets the lease.
    """
    with stage_lease(services, call_id, LeaseStage.ANALYSE, holder, task_id) as held:
        if not held:
            return AnalysisOutcome.IN_HAND_ELSEWHERE
        if not (rescore or analysis_due(services, call_id)):
            return AnalysisOutcome.NOT_DUE
        scored = analyse_stage(services, call_id, scorecard_ref)
    return AnalysisOutcome.SCORED if scored else AnalysisOutcome.NOT_SCORED


def analysis_due(services: Services, call_id: str) -> bool:
    """The pipeline's analysis runs once: a second message for a call already scored or failed (a
    redelivery, or a call the reconciler sent again) is left alone. Re-scores skip this check."""
    call = services.calls.get(call_id)
    return call is not None and call.status not in (CallStatus.SCORED, CallStatus.FAILED)


def choose_scorecard(services: Services, call: Call, language: str, ref: str | None = None) -> Scorecard:
    """Explicit choice, else the queue's card, else the default card for the call's language."""
    settings = services.settings
    chosen = ref or settings.queue(call.queue).scorecard
    if chosen is None:
        chosen = settings.scorecard_zh if language == "zh" else settings.scorecard_en
    return services.scorecards.get(chosen)


class LanguageMismatch(ValueError):
    """A re-score asked for a card written for another language than the call's."""


def card_for_rescore(services: Services, call: Call, ref: str | None, force: bool = False) -> Scorecard:
    """The card a re-score of `call` would use, checked before anything is queued or overwritten.

    A card in another language than the call's fails every phrase item (Chinese phrases are never
    said in an English call) and would replace the stored result with a meaningless FAIL, so it
    needs `force`. Unknown cards raise KeyError with the known ones named.
    """
    language = call.detected_language or call.language
    card = services.scorecards.get(ref) if ref else choose_scorecard(services, call, language or "en")
    if not force and language and card.language != language:
        raise LanguageMismatch(
            f"scorecard {card.key} is for {card.language!r} calls but call {call.id} is in {language!r}; "
            "choose a card of the call's language, or force it to score across languages on purpose"
        )
    return card

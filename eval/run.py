"""`callqa eval`: run a labelled corpus through callqa and score it (SCHEMA sections 6 and 7).

Audio mode goes through the real deployment (store, queue, worker processes, ASR, scoring)
in a private temporary data directory, so an evaluation never touches production data, and keeps
every call's transcript beside the predictions (`transcripts/<id>.json`). Transcripts mode scores
those kept transcripts again (with other cards, or to simulate reviews) without re-running ASR.
Reference-text mode scores the ground-truth utterances directly to measure the detectors alone.
"""

from __future__ import annotations

import json
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from asr.transcript import Transcript
from eval.corpus import CorpusCall, load_corpus
from eval.labels import EvalSetup, LabelMapError, load_setup
from eval.metrics import score_by_language, score_corpus
from eval.predict import prediction, reference_transcript
from eval.simulate import SimulationParams, simulate_review
from runtime.settings import Settings
from scoring.evaluate import analyse
from scoring.results import Analysis
from services.intake import submit_file
from store.metadata import CallMetadata
from store.tables import CallStatus
from workers.embedded import Embedded

TRANSCRIPTS = "transcripts"
"""The predictions folder's subfolder where audio mode keeps each call's transcript."""


class EvalMode(StrEnum):
    AUDIO = "audio"
    REFERENCE_TEXT = "reference_text"
    TRANSCRIPTS = "transcripts"


class TranscriptsError(ValueError):
    """A kept transcript is missing or unreadable; the message names the file."""


def run_evaluation(
    settings: Settings,
    corpus_root: Path,
    out: Path,
    predictions_dir: Path | None = None,
    reference_text: bool = False,
    console: Console | None = None,
    setup: EvalSetup | None = None,
    transcripts_dir: Path | None = None,
    simulation: SimulationParams | None = None,
    reference_languages: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """`transcripts_dir`: score the transcripts an earlier audio run kept there instead of the audio.
    `simulation`: also simulate inspectors reviewing the routed calls (eval/simulate.py).
    `reference_languages`: the calls in these languages are scored on their ground-truth words and
    the others from audio (or kept transcripts): for a corpus whose audio in one language is not
    fit to judge ASR by, such as the dev corpus's synthetic Mandarin (../shared/MODELS.md)."""
    corpus = load_corpus(corpus_root)
    setup = setup or load_setup()
    languages = {c.language for c in corpus.calls}
    uncovered = sorted(languages - set(setup.cards))
    if uncovered:
        raise LabelMapError(
            f"the corpus has calls in {', '.join(uncovered)} but the label map names no card for them"
        )
    absent = sorted(reference_languages - languages)
    if absent:
        raise LabelMapError(f"--reference-text-for {', '.join(absent)}: the corpus has no calls in it")
    predictions_dir = predictions_dir or out.parent / f"{out.stem}-predictions"
    mode = (
        EvalMode.REFERENCE_TEXT
        if reference_text
        else EvalMode.TRANSCRIPTS
        if transcripts_dir is not None
        else EvalMode.AUDIO
    )
    read = {
        c.id for c in corpus.calls if mode == EvalMode.REFERENCE_TEXT or c.language in reference_languages
    }
    by_reference = [c for c in corpus.calls if c.id in read]
    heard = [c for c in corpus.calls if c.id not in read]
    started = time.perf_counter()
    failed: list[str] = []
    transcripts = {c.id: reference_transcript(corpus.truth(c.id)) for c in by_reference}
    analyses = {i: analyse(t, setup.cards[t.language]) for i, t in transcripts.items()}
    audio_transcripts: dict[str, Transcript] = {}
    if mode == EvalMode.AUDIO and heard:
        audio_transcripts, audio_analyses, failed = _from_audio(
            settings, heard, setup, console or Console(stderr=True)
        )
        analyses |= audio_analyses
    elif mode == EvalMode.TRANSCRIPTS:
        kept = _kept_transcripts(heard, transcripts_dir or predictions_dir / TRANSCRIPTS)
        analyses |= {i: analyse(t, setup.cards[t.language]) for i, t in kept.items()}
        transcripts |= kept
    transcripts |= audio_transcripts
    wall = time.perf_counter() - started
    predictions = {i: prediction(i, transcripts[i], analyses[i], setup.mapping) for i in analyses}
    _write(predictions_dir, predictions, audio_transcripts)
    truths = {c.id: corpus.truth(c.id) for c in corpus.calls}
    audio_seconds = sum(float(t["duration_s"]) for t in truths.values())
    report: dict[str, Any] = {
        "corpus": corpus.name,
        "mode": mode.value,
        "reference_text_languages": sorted(reference_languages) if mode != EvalMode.REFERENCE_TEXT else [],
        "scorecards": {language: card.key for language, card in setup.cards.items()},
        "calls": len(corpus.calls),
        "scored": len(predictions),
        "failed": failed,
        **score_corpus(truths, predictions),
        "throughput": {
            "audio_seconds": round(audio_seconds, 1),
            "wall_seconds": round(wall, 1),
            "realtime_factor": round(audio_seconds / wall, 2) if wall > 0 else None,
        },
        "by_language": score_by_language(truths, predictions),
    }
    if simulation is not None:
        scored = {i: transcripts[i] for i in analyses}
        report["review_simulation"] = simulate_review(
            scored, {i: truths[i] for i in scored}, setup, simulation
        ).model_dump(mode="json", by_alias=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report


def _write(
    predictions_dir: Path, predictions: dict[str, dict[str, Any]], transcripts: dict[str, Transcript]
) -> None:
    predictions_dir.mkdir(parents=True, exist_ok=True)
    for call_id, predicted in predictions.items():
        (predictions_dir / f"{call_id}.json").write_text(json.dumps(predicted, indent=1, ensure_ascii=False))
    if transcripts:
        (predictions_dir / TRANSCRIPTS).mkdir(exist_ok=True)
    for call_id, transcript in transcripts.items():
        (predictions_dir / TRANSCRIPTS / f"{call_id}.json").write_text(transcript.model_dump_json(indent=1))


def _kept_transcripts(calls: list[CorpusCall], folder: Path) -> dict[str, Transcript]:
    """Each call's transcript from an earlier audio run; a call without one is an error, not a
    silently empty prediction (the figures would look like ASR failures)."""
    out = {}
    for call in calls:
        path = folder / f"{call.id}.json"
        try:
            out[call.id] = Transcript.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise TranscriptsError(f"{path}: no usable transcript for call {call.id}: {error}") from error
    return out


def _eval_settings(settings: Settings, data_dir: Path, setup: EvalSetup) -> Settings:
    """Private data, no audit sample, and the evaluated cards as the only card folder."""
    cards = data_dir / "evaluated-cards"
    cards.mkdir()
    for card in setup.cards.values():
        text = yaml.safe_dump(card.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
        (cards / f"{card.id}-{card.version}.yaml").write_text(text, encoding="utf-8")
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": None,
            "broker_url": None,
            "audio_dir": None,
            "scorecard_dir": cards,
            "scorecard_en": setup.cards["en"].key if "en" in setup.cards else settings.scorecard_en,
            "scorecard_zh": setup.cards["zh"].key if "zh" in setup.cards else settings.scorecard_zh,
            "queues": {},
            "audit_rate": 0.0,
        }
    )


def _from_audio(
    settings: Settings, calls: list[CorpusCall], setup: EvalSetup, console: Console
) -> tuple[dict[str, Transcript], dict[str, Analysis], list[str]]:
    transcripts: dict[str, Transcript] = {}
    analyses: dict[str, Analysis] = {}
    failed: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="callqa-eval-") as tmp,
        Embedded(_eval_settings(settings, Path(tmp), setup)) as embedded,
    ):
        ids: dict[str, str] = {}
        for call in calls:
            metadata = CallMetadata(external_id=call.id, language=call.language)
            ids[call.id] = submit_file(embedded.services, embedded.dispatcher, call.audio, metadata).call.id
        embedded.wait_with_progress(ids.values(), "evaluating", console)
        results = embedded.services.results
        for corpus_id, call_id in ids.items():
            stored = embedded.services.calls.get(call_id)
            transcript, analysis = results.transcript(call_id), results.analysis(call_id)
            if stored is None or stored.status != CallStatus.SCORED or transcript is None or analysis is None:
                failed.append(corpus_id)
                continue
            transcripts[corpus_id], analyses[corpus_id] = transcript, analysis.analysis
    return transcripts, analyses, failed

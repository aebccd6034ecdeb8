"""`callqa eval`: run a labelled corpus through callqa and score it (SCHEMA sections 6 and 7).

Audio mode goes through the real deployment (store, queue, worker processes, ASR, scoring)
in a private temporary data directory, so an evaluation never touches production data.
Reference-text mode scores the ground-truth utterances directly to measure the detectors alone.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from eval.corpus import Corpus, load_corpus
from eval.metrics import score_by_language, score_corpus
from eval.predict import SCORECARD_DIR, LabelMap, load_label_map, prediction, reference_transcript
from runtime.settings import Settings
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from store.metadata import CallMetadata
from store.tables import CallStatus
from workers.embedded import Embedded
from workers.intake import submit_file


def run_evaluation(
    settings: Settings,
    corpus_root: Path,
    out: Path,
    predictions_dir: Path | None = None,
    reference_text: bool = False,
    console: Console | None = None,
) -> dict[str, Any]:
    corpus = load_corpus(corpus_root)
    mapping = load_label_map()
    predictions_dir = predictions_dir or out.parent / f"{out.stem}-predictions"
    started = time.perf_counter()
    failed: list[str] = []
    if reference_text:
        predictions = _reference_predictions(corpus, mapping)
    else:
        predictions, failed = _audio_predictions(settings, corpus, mapping, console or Console(stderr=True))
    wall = time.perf_counter() - started
    predictions_dir.mkdir(parents=True, exist_ok=True)
    for call_id, predicted in predictions.items():
        (predictions_dir / f"{call_id}.json").write_text(json.dumps(predicted, indent=1, ensure_ascii=False))
    truths = {c.id: corpus.truth(c.id) for c in corpus.calls}
    audio_seconds = sum(float(t["duration_s"]) for t in truths.values())
    report: dict[str, Any] = {
        "corpus": corpus.name,
        "mode": "reference_text" if reference_text else "audio",
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
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report


def _eval_settings(settings: Settings, data_dir: Path, mapping: LabelMap) -> Settings:
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": None,
            "broker_url": None,
            "audio_dir": None,
            "scorecard_dir": SCORECARD_DIR,
            "scorecard_en": mapping.scorecards["en"],
            "scorecard_zh": mapping.scorecards["zh"],
            "queues": {},
            "audit_rate": 0.0,
        }
    )


def _audio_predictions(
    settings: Settings, corpus: Corpus, mapping: LabelMap, console: Console
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    predictions: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="callqa-eval-") as tmp,
        Embedded(_eval_settings(settings, Path(tmp), mapping)) as embedded,
    ):
        ids: dict[str, str] = {}
        for call in corpus.calls:
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
            predictions[corpus_id] = prediction(corpus_id, transcript, analysis.analysis, mapping)
    return predictions, failed


def _reference_predictions(corpus: Corpus, mapping: LabelMap) -> dict[str, dict[str, Any]]:
    catalog = ScorecardCatalog.load(SCORECARD_DIR)
    out = {}
    for call in corpus.calls:
        transcript = reference_transcript(corpus.truth(call.id))
        card = catalog.get(mapping.scorecards[transcript.language])
        out[call.id] = prediction(call.id, transcript, analyse(transcript, card), mapping)
    return out

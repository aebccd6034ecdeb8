"""Typed reads and writes of a call's transcript and analysis.

`store` keeps them in JSON columns and imports nothing of callqa, so that the schema of a table
never depends on the engines. This module is where that JSON becomes `Transcript`, `Analysis` and
`RoutingDecision` again (rows of an earlier schema version are upgraded by the models' own
validation as they are read), so no caller reads a result back by string keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asr.transcript import Transcript
from runtime.transcript_cache import TranscriptCache
from scoring.results import Analysis
from scoring.routing import RoutingDecision
from store.calls import CallRepository
from store.tables import AnalysisRow


@dataclass(frozen=True)
class StoredAnalysis:
    """The call's current analysis, with the card it was scored on and how it was routed."""

    id: int
    created_at: datetime
    scorecard_key: str
    analysis: Analysis
    routing: RoutingDecision


@dataclass(frozen=True)
class CallResults:
    calls: CallRepository
    transcripts: TranscriptCache = field(default_factory=TranscriptCache)

    def transcript(self, call_id: str) -> Transcript | None:
        """Shared with other readers of the same call: read-only (runtime/transcript_cache.py)."""
        stamp = self.calls.transcript_stamp(call_id)
        if stamp is None:
            return None
        return self.transcripts.get(call_id, stamp, lambda: self._read_transcript(call_id))

    def _read_transcript(self, call_id: str) -> Transcript | None:
        row = self.calls.transcript(call_id)
        return None if row is None else Transcript.model_validate(row.data)

    def analysis(self, call_id: str) -> StoredAnalysis | None:
        row = self.calls.analysis(call_id)
        return None if row is None else stored_analysis(row)

    def save_transcript(self, call_id: str, asr_version: str, transcript: Transcript) -> None:
        """Stored under the ASR settings' version; the call moves on to `analyzing`."""
        self.calls.save_transcript(
            call_id, asr_version, transcript.model_dump(mode="json"), transcript.language
        )

    def save_analysis(
        self, call_id: str, scorecard_key: str, analysis: Analysis, decision: RoutingDecision
    ) -> None:
        """Becomes the call's current analysis (earlier ones are kept); the call is `scored`."""
        self.calls.save_analysis(
            call_id,
            scorecard_key,
            analysis.model_dump(mode="json"),
            decision.model_dump(mode="json"),
            _call_columns(analysis, decision),
        )


def stored_analysis(row: AnalysisRow) -> StoredAnalysis:
    """A stored analysis row as models: the call's current one, or one a caller kept the id of
    (a calibration session keeps the analysis its calls were picked on)."""
    return StoredAnalysis(
        row.id,
        row.created_at,
        row.scorecard_key,
        Analysis.model_validate(row.data),
        RoutingDecision.model_validate(row.routing),
    )


def _call_columns(analysis: Analysis, decision: RoutingDecision) -> dict[str, Any]:
    """The results copied onto the call row, for search and the queues."""
    return {
        "score_total": analysis.score.total,
        "verdict": analysis.score.verdict,
        "routing_queue": decision.queue,
        "routing_priority": decision.priority,
        "routing_reasons": decision.reasons,
        "customer_sentiment": analysis.sentiment.customer_end if analysis.sentiment else None,
        "recovery": decision.recovery,
        "recovery_reasons": decision.recovery_reasons,
    }

"""The objects a process needs to work on calls, built once from the settings.

Each is built on first use, so a process that only reads calls never loads a speech model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from asr.transcriber import Transcriber
from models.sentiment import SentimentModel, load_sentiment_model
from runtime.evidence import EvidenceMarks
from runtime.results import CallResults
from runtime.settings import Settings
from scoring.catalog import ScorecardCatalog
from store.blobs import BlobStore
from store.calls import CallRepository
from store.db import make_engine, migrate, session_factory
from store.evidence import EvidenceRepository
from store.leases import LeaseRepository
from store.review_queue import ReviewQueue
from store.roster import Roster
from store.sampling import Selections
from store.search import SearchIndex
from store.sign_in_failures import SignInFailures
from store.stage_timings import StageTimings
from store.tokens import TokenStore
from store.users import UserStore
from store.web_sessions import WebSessionStore


@dataclass
class Services:
    settings: Settings
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.resolved_database_url)
        migrate(self.engine)

    @cached_property
    def calls(self) -> CallRepository:
        reserve = int(self.settings.audio_reserve_mb * 1_000_000)
        return CallRepository(
            session_factory(self.engine), BlobStore(self.settings.resolved_audio_dir, reserve)
        )

    @cached_property
    def results(self) -> CallResults:
        """The calls' transcripts and analyses as typed models."""
        return CallResults(self.calls)

    @cached_property
    def evidence(self) -> EvidenceMarks:
        """Inspectors' evidence marks, typed (what calibration learns from)."""
        return EvidenceMarks(EvidenceRepository(session_factory(self.engine)))

    @cached_property
    def tokens(self) -> TokenStore:
        return TokenStore(session_factory(self.engine))

    @cached_property
    def users(self) -> UserStore:
        return UserStore(session_factory(self.engine))

    @cached_property
    def web_sessions(self) -> WebSessionStore:
        return WebSessionStore(session_factory(self.engine))

    @cached_property
    def sign_in_failures(self) -> SignInFailures:
        return SignInFailures(session_factory(self.engine), self.settings.sign_in_limits)

    @cached_property
    def review_queue(self) -> ReviewQueue:
        return ReviewQueue(session_factory(self.engine))

    @cached_property
    def leases(self) -> LeaseRepository:
        """Which worker works on which stage of a call (the scaled-out source of truth)."""
        return LeaseRepository(session_factory(self.engine))

    @cached_property
    def roster(self) -> Roster:
        return Roster(session_factory(self.engine))

    @cached_property
    def selections(self) -> Selections:
        """The sampling rules' selections (review/sampling.py)."""
        return Selections(session_factory(self.engine))

    @cached_property
    def search(self) -> SearchIndex:
        """The transcript search index (words and vectors per turn)."""
        return SearchIndex(session_factory(self.engine))

    @cached_property
    def stage_timings(self) -> StageTimings:
        """How long stages take, as histograms every worker adds to (for /metrics)."""
        return StageTimings(session_factory(self.engine))

    @cached_property
    def scorecards(self) -> ScorecardCatalog:
        return ScorecardCatalog.load(self.settings.scorecard_dir, self.settings.added_scorecards_dir)

    @cached_property
    def transcriber(self) -> Transcriber:
        return Transcriber(self.settings.asr_options())

    @cached_property
    def sentiment_model(self) -> SentimentModel:
        return load_sentiment_model(self.settings.sentiment_model_dir)

    def close(self) -> None:
        self.engine.dispose()

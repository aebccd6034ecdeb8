"""Running a transcript search: by words (the index) or by meaning (the turns' vectors), with the
same filters, in the view the reader may see; each hit says where its words are marked, why it
matched (the words and their forms, or the similarity) and the moment of the call to open.

The API, the CLI and the search page each read their input into one `SearchCriteria` and call
`search_for`, so a filter means the same everywhere and every reader's limits are applied in
one place.
"""

from __future__ import annotations

import heapq
import threading
import time
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

import numpy as np
import structlog
from pydantic import BaseModel, ConfigDict, Field

from models.embeddings import EmbeddingModelError, encoder_named, meaning_encoder
from runtime.services import Services
from runtime.settings import Settings
from scoring.results import Verdict
from scoring.scorecard import SentimentLabel
from services.access import Principal
from services.call_views import hidden_calls
from services.days import day_start
from store.metadata import Language
from store.search import FoundTurn, SearchFilter
from store.search_query import parse
from store.search_text import FoundText, QueryText, found_in, highlight_spans, normalise
from store.tables import CallStatus

log = structlog.get_logger("callqa.search")


class Speaker(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"


class SearchCriteria(BaseModel):
    """A search as a person asks for it, whether in a query string, on the command line or in the
    page's form: each reads its own input (with its own limits and messages) into this, and
    `search_filter` is the one place it becomes the store's filter."""

    model_config = ConfigDict(frozen=True)

    q: str = Field(description="words in the query language (store/search_query.py), or plain words")
    semantic: bool = False
    speaker: Speaker | None = None
    date_from: date | None = None
    date_to: date | None = None
    agent_id: str | None = None
    team: str | None = None
    queue: str | None = None
    language: Language | None = None
    score_min: float | None = None
    score_max: float | None = None
    verdict: Verdict | None = None
    failed_item: str | None = None
    sentiment: SentimentLabel | None = None
    escalation: bool | None = None
    dead_air_min: float | None = Field(default=None, description="seconds")
    overtalk_min: float | None = Field(default=None, description="seconds")
    status: CallStatus | None = None

    def search_filter(self) -> SearchFilter:
        """The store's filter: the days as UTC instants, both ends included."""
        return SearchFilter(
            started_from=day_start(self.date_from),
            started_to=day_start(self.date_to, next_day=True),
            agent_id=self.agent_id,
            team=self.team,
            queue=self.queue,
            language=self.language,
            score_min=self.score_min,
            score_max=self.score_max,
            verdict=self.verdict,
            failed_item=self.failed_item,
            sentiment=self.sentiment,
            escalation=self.escalation,
            dead_air_min_s=self.dead_air_min,
            overtalk_min_s=self.overtalk_min,
            status=self.status,
            speaker=self.speaker,
        )


class Highlight(BaseModel):
    start: int = Field(description="character offset in `text` where a matched word or phrase starts")
    end: int


class MatchedWords(BaseModel):
    """One of the query's words or phrases that the turn says, and how it says it."""

    query: str = Field(description="as the query wrote it (`refund`, `cancel my account`, `refu*`)")
    said: list[str] = Field(description="the turn's words for it, each form once (`refunded`, `refunds`)")


class SearchHit(BaseModel):
    call_id: str
    external_id: str | None
    agent_id: str | None
    started_at: datetime | None
    speaker: str
    start: float = Field(description="seconds into the call where the turn starts")
    end: float
    at: float = Field(description="seconds into the call where the first match is said: open the call here")
    text: str = Field(description="the turn, masked for readers who may not see personal data")
    highlights: list[Highlight]
    similarity: float | None = Field(description="cosine similarity to the query (semantic search only)")
    matched_by: Literal["words", "meaning"]
    matched: list[MatchedWords] = Field(
        description="the query's words and phrases the turn says (words only)"
    )
    why: str = Field(
        description="why it matched, for people: `refunded ~ refund; cancel` (other forms of a word, "
        "or words a prefix starts, before `~`) or `meaning: similarity 0.62`"
    )


class SearchResults(BaseModel):
    query: str
    semantic: bool
    redacted: bool = Field(description="the text searched and shown has personal data masked")
    limit: int
    offset: int
    has_more: bool
    hits: list[SearchHit]


@dataclass(frozen=True)
class SearchRequest:
    """One search: `text` in the query language (store/search_query.py), or in plain words when
    `semantic`; `redacted` for readers who may not see personal data (the masked text is searched)."""

    text: str
    filters: SearchFilter
    semantic: bool = False
    redacted: bool = False
    limit: int = 50
    offset: int = 0


def search_for(
    services: Services,
    reader: Principal | None,
    criteria: SearchCriteria,
    limit: int,
    offset: int = 0,
    redacted: bool = False,
) -> SearchResults:
    """The search as `reader` may run it, so that no query can find, or rank by, a value they are
    not shown: an agent searches only their own calls, and the roles that may not see personal
    data search the masked text, and an inspector finds no call they score blind in a calibration
    session. `reader` None is the operator at the terminal, who reads the whole database (as
    `callqa show` does); `redacted` asks for the masked text whoever reads.
    Raises `QuerySyntaxError` for a query that cannot be read (words search only)."""
    filters = criteria.search_filter()
    if reader is not None:
        filters = replace(
            filters,
            agent_id=reader.agent_scope(criteria.agent_id),
            hidden=hidden_calls(services, reader),
        )
    request = SearchRequest(
        text=criteria.q,
        filters=filters,
        semantic=criteria.semantic,
        redacted=redacted or (reader is not None and reader.redacted),
        limit=limit,
        offset=offset,
    )
    return run_search(services, request)


def run_search(services: Services, request: SearchRequest) -> SearchResults:
    """Raises `QuerySyntaxError` for a query that cannot be read (words search only)."""
    if request.semantic:
        found, similarity, has_more = _by_meaning(services, request)
        wanted: list[QueryText] = []  # the whole turn is the match: nothing in it to mark
    else:
        query = parse(request.text)
        rows = services.search.find_words(
            query, request.filters, request.redacted, request.limit + 1, request.offset
        )
        found, has_more = rows[: request.limit], len(rows) > request.limit
        similarity = [None] * len(found)
        wanted = query.highlights()
    return SearchResults(
        query=request.text,
        semantic=request.semantic,
        redacted=request.redacted,
        limit=request.limit,
        offset=request.offset,
        has_more=has_more,
        hits=[_hit(turn, wanted, score) for turn, score in zip(found, similarity, strict=True)],
    )


Ranked = tuple[list[FoundTurn], list[float | None], bool]


def _by_meaning(services: Services, request: SearchRequest) -> Ranked:
    """The turns nearest to the query in meaning, best first, down to the relevance floor
    (`search_similarity_floor`): without it every turn with a vector is a hit, however unrelated.
    Each turn is compared with the query in its own encoder's space (the call language's, as
    scoring uses); cosines of the two encoders are ranked together as they are."""
    keep = request.offset + request.limit + 1
    floor = services.settings.search_similarity_floor
    queries: dict[str, np.ndarray] = {}
    best: list[tuple[float, int]] = []
    for chunk in services.search.vectors(request.filters):
        for name in set(chunk.encoders):
            if name not in queries:
                queries[name] = encoder_named(name).encode([request.text])[0].astype(np.float32)
            rows = [n for n, e in enumerate(chunk.encoders) if e == name]
            matrix = np.frombuffer(b"".join(chunk.vectors[n] for n in rows), dtype=np.float16)
            scores = matrix.reshape(len(rows), -1).astype(np.float32) @ queries[name]
            top = [i for i in np.argsort(-scores)[:keep] if scores[i] >= floor]
            best = heapq.nlargest(keep, [*best, *((float(scores[i]), chunk.ids[rows[i]]) for i in top)])
    page = best[request.offset : request.offset + request.limit]
    turns = services.search.turns([turn_id for _, turn_id in page], request.redacted)
    similarity = {turn_id: score for score, turn_id in page}
    return turns, [round(similarity[t.id], 4) for t in turns], len(best) > request.offset + request.limit


def _hit(turn: FoundTurn, wanted: list[QueryText], similarity: float | None) -> SearchHit:
    found = found_in(turn.text, wanted)
    spans = highlight_spans(turn.text, wanted)
    at = turn.start
    if spans:
        at = max((seconds for seconds, offset in turn.moments if offset <= spans[0][0]), default=turn.start)
    matched = [_matched_words(turn.text, each) for each in found]
    return SearchHit(
        call_id=turn.call_id,
        external_id=turn.external_id,
        agent_id=turn.agent_id,
        started_at=turn.started_at,
        speaker=turn.speaker,
        start=turn.start,
        end=turn.end,
        at=round(at, 2),
        text=turn.text,
        highlights=[Highlight(start=a, end=b) for a, b in spans],
        similarity=similarity,
        matched_by="words" if similarity is None else "meaning",
        matched=matched,
        why=_why(matched) if similarity is None else f"meaning: similarity {similarity:.2f}",
    )


def _matched_words(text: str, found: FoundText) -> MatchedWords:
    said: dict[str, str] = {}
    for start, end in found.spans:
        said.setdefault(normalise(text[start:end]), text[start:end])
    written = found.wanted.text + ("*" if found.wanted.prefix else "")
    return MatchedWords(query=written, said=list(said.values()))


def _why(matched: list[MatchedWords]) -> str:
    """`refund` where the turn says the word as written, `refunded, refunds ~ refund` where it
    says other forms (or words a prefix starts)."""
    parts = []
    for words in matched:
        if all(normalise(said) == normalise(words.query) for said in words.said):
            parts.append(words.query)
        else:
            parts.append(f"{', '.join(words.said)} ~ {words.query}")
    return "; ".join(parts)


def meaning_languages(settings: Settings) -> set[str]:
    """The languages this deployment's calls are in: each queue's, else the default; both where
    one is left to detection."""
    said = {
        settings.default_language,
        *(q.language or settings.default_language for q in settings.queues.values()),
    }
    return {"en", "zh"} if None in said else {language for language in said if language is not None}


def warm_meaning_search(settings: Settings) -> list[str]:
    """Load the sentence encoders that search by meaning needs for the deployment's languages and
    encode once with each, so that the first search by meaning does not wait for them (5-8 s on
    2 cores, then milliseconds: docs/benchmarks.md). The API calls it at start in a background
    thread (`search_warm_encoders`). Returns the encoders' names."""
    names = []
    for language in sorted(meaning_languages(settings)):
        encoder = meaning_encoder(language)
        encoder.encode(["is this call recorded"])
        names.append(encoder.name)
    return names


def warm_in_background(settings: Settings) -> threading.Thread:
    """`warm_meaning_search` in a daemon thread, so the API answers from its first second (uploads,
    pages, searches by words) while the encoders load; a search by meaning meanwhile waits for the
    load under way instead of starting another (models/embeddings.py). Missing model files are
    logged, not raised: the API serves everything else, and the search by meaning says why."""

    def warm() -> None:
        started = time.perf_counter()
        try:
            names = warm_meaning_search(settings)
        except EmbeddingModelError as error:
            log.warning("search by meaning: encoders not loaded", error=str(error))
            return
        log.info("search by meaning ready", encoders=names, seconds=round(time.perf_counter() - started, 1))

    thread = threading.Thread(target=warm, name="callqa-warm-encoders", daemon=True)
    thread.start()
    return thread

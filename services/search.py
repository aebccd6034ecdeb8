"""Running a transcript search: by words (the index) or by meaning (the turns' vectors), with the
same filters, in the view the reader may see; each hit says where its words are marked and the
moment of the call to open.

The API, the CLI and the search page each read their input into one `SearchCriteria` and call
`search_for`, so a filter means the same everywhere and every reader's limits are applied in
one place.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from models.embeddings import encoder_named
from runtime.services import Services
from scoring.results import Verdict
from scoring.scorecard import SentimentLabel
from services.access import Principal
from store.metadata import Language
from store.search import FoundTurn, SearchFilter
from store.search_query import parse
from store.search_text import QueryText, highlight_spans
from store.tables import CallStatus


class Speaker(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"


def day_start(day: date | None, next_day: bool = False) -> datetime | None:
    """Midnight UTC of `day` (of the day after, for an inclusive end); the end of the calendar
    (9999-12-31) has no day after it and means no upper bound."""
    if day is None or (next_day and day == date.max):
        return None
    return datetime.combine(day + timedelta(days=1 if next_day else 0), time.min, tzinfo=UTC)


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
    data search the masked text. `reader` None is the operator at the terminal, who reads the
    whole database (as `callqa show` does); `redacted` asks for the masked text whoever reads.
    Raises `QuerySyntaxError` for a query that cannot be read (words search only)."""
    if reader is not None:
        criteria = criteria.model_copy(update={"agent_id": reader.agent_scope(criteria.agent_id)})
    request = SearchRequest(
        text=criteria.q,
        filters=criteria.search_filter(),
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
    """The turns nearest to the query in meaning, best first. Each turn is compared with the query
    in its own encoder's space (the call language's, as scoring uses); cosines of the two
    encoders are ranked together as they are."""
    keep = request.offset + request.limit + 1
    queries: dict[str, np.ndarray] = {}
    best: list[tuple[float, int]] = []
    for chunk in services.search.vectors(request.filters):
        for name in set(chunk.encoders):
            if name not in queries:
                queries[name] = encoder_named(name).encode([request.text])[0].astype(np.float32)
            rows = [n for n, e in enumerate(chunk.encoders) if e == name]
            matrix = np.frombuffer(b"".join(chunk.vectors[n] for n in rows), dtype=np.float16)
            scores = matrix.reshape(len(rows), -1).astype(np.float32) @ queries[name]
            top = np.argsort(-scores)[:keep]
            best = heapq.nlargest(keep, [*best, *((float(scores[i]), chunk.ids[rows[i]]) for i in top)])
    page = best[request.offset : request.offset + request.limit]
    turns = services.search.turns([turn_id for _, turn_id in page], request.redacted)
    similarity = {turn_id: score for score, turn_id in page}
    return turns, [round(similarity[t.id], 4) for t in turns], len(best) > request.offset + request.limit


def _hit(turn: FoundTurn, wanted: list[QueryText], similarity: float | None) -> SearchHit:
    spans = highlight_spans(turn.text, wanted)
    at = turn.start
    if spans:
        at = max((seconds for seconds, offset in turn.moments if offset <= spans[0][0]), default=turn.start)
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
    )

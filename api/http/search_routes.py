"""Transcript search over HTTP: `GET /search` (JSON, paged) and `GET /search.csv` (the same hits).

Every role may search; what it searches follows what it may read: agents only their own calls,
and agents and trainers only the masked text (`services.search.search_for` applies both), so no
query can find, or rank by, a value they are not shown.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from api.common.auth import require, services_of
from api.common.days import IsoDay
from api.common.errors import FieldProblem, error_response, error_responses
from api.http.routes import known_query_only
from scoring.results import Verdict
from scoring.scorecard import SentimentLabel
from services.access import READERS, Principal
from services.search import SearchCriteria, SearchResults, Speaker, search_for
from store.metadata import Clean, Language
from store.search_query import QuerySyntaxError
from store.tables import CallStatus

router = APIRouter(
    tags=["search"], responses=error_responses(400, 401, 422), dependencies=[Depends(known_query_only)]
)

MAX_OFFSET = 10_000
"""Paging goes this deep; past it, narrow the filters (deep offsets cost the database a full sort)."""
MAX_CSV_ROWS = 10_000
CSV_COLUMNS = (
    "call_id", "external_id", "agent_id", "started_at", "speaker", "at", "text", "similarity", "matched"
)  # fmt: skip
QUERY_HELP = (
    'words (all must be said in one turn), "a phrase", prefix*, OR, NOT word or -word, '
    "a NEAR b or a NEAR/5 b (within 10 or 5 words; Chinese: characters), ( ) to group; "
    "with semantic=true, plain words: what the turn means"
)
Text100 = Annotated[str | None, Query(max_length=100), Clean]
Seconds = Annotated[float | None, Query(ge=0, le=86_400)]
Score = Annotated[float | None, Query(ge=0, le=100)]


@dataclass(frozen=True)
class SearchParameters:
    criteria: SearchCriteria
    offset: int


async def search_parameters(
    q: Annotated[str, Query(min_length=1, max_length=500, description=QUERY_HELP), Clean],
    semantic: Annotated[bool, Query(description="rank turns by meaning instead of matching words")] = False,
    speaker: Annotated[Speaker | None, Query(description="only this party's turns")] = None,
    date_from: Annotated[IsoDay | None, Query(description="calls started on or after this day (UTC)")] = None,
    date_to: Annotated[IsoDay | None, Query(description="calls started on or before this day (UTC)")] = None,
    agent_id: Text100 = None,
    team: Text100 = None,
    queue: Text100 = None,
    language: Language | None = None,
    score_min: Score = None,
    score_max: Score = None,
    verdict: Annotated[Verdict | None, Query(description="the reviewed verdict where there is one")] = None,
    failed_item: Annotated[
        str | None, Query(max_length=100, description="a scorecard item id"), Clean
    ] = None,
    sentiment: Annotated[SentimentLabel | None, Query(description="the customer's mood at the end")] = None,
    escalation: Annotated[bool | None, Query(description="an escalation risk was found")] = None,
    dead_air_min: Annotated[Seconds, Query(description="at least this many seconds of dead air")] = None,
    overtalk_min: Annotated[Seconds, Query(description="at least this many seconds of overtalk")] = None,
    status: CallStatus | None = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> SearchParameters:
    criteria = SearchCriteria(
        q=q,
        semantic=semantic,
        speaker=speaker,
        date_from=date_from,
        date_to=date_to,
        agent_id=agent_id,
        team=team,
        queue=queue,
        language=language,
        score_min=score_min,
        score_max=score_max,
        verdict=verdict,
        failed_item=failed_item,
        sentiment=sentiment,
        escalation=escalation,
        dead_air_min=dead_air_min,
        overtalk_min=overtalk_min,
        status=status,
    )
    return SearchParameters(criteria, offset)


def refused_query(error: QuerySyntaxError) -> JSONResponse:
    problem = FieldProblem(loc=["query", "q"], msg=str(error), type="value_error")
    return error_response(422, f"q: {error}", [problem])


@router.get("/search", response_model=SearchResults)
def search(
    request: Request,
    parameters: Annotated[SearchParameters, Depends(search_parameters)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    who: Principal = Depends(require(*READERS)),
) -> SearchResults | JSONResponse:
    """Turns of scored calls that match, newest call first (by meaning: the nearest first), with
    where each match is said (`at`) and the character spans to mark. A query that cannot be read
    is a 422 naming the problem."""
    try:
        return search_for(services_of(request), who, parameters.criteria, limit, parameters.offset)
    except QuerySyntaxError as error:
        return refused_query(error)


@router.get(
    "/search.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "one row per hit"},
    },
)
def search_csv(
    request: Request,
    parameters: Annotated[SearchParameters, Depends(search_parameters)],
    limit: Annotated[int, Query(ge=1, le=MAX_CSV_ROWS)] = 1000,
    who: Principal = Depends(require(*READERS)),
) -> Response:
    """The same search as `GET /search`, as CSV: call, external id, agent, start, speaker, seconds,
    text (masked for the roles that see masked text), similarity, why it matched."""
    try:
        results = search_for(services_of(request), who, parameters.criteria, limit, parameters.offset)
    except QuerySyntaxError as error:
        return refused_query(error)
    return Response(
        results_csv(results),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="search.csv"'},
    )


def results_csv(results: SearchResults) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in results.hits:
        writer.writerow(
            [
                hit.call_id,
                _cell(hit.external_id or ""),
                _cell(hit.agent_id or ""),
                hit.started_at.isoformat() if hit.started_at else "",
                hit.speaker,
                hit.at,
                _cell(hit.text),
                "" if hit.similarity is None else hit.similarity,
                _cell(hit.why),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

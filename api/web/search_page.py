"""The search page: a query and the filters, the matching lines with their words marked, each
opening the call at that moment. Supervisors, inspectors and admins search the full text;
trainers search and read the masked text only, as the API gives them (api/http/search_routes.py).

Filters are plain GET parameters, so a search can be bookmarked; a value that cannot be read is
named on the page and left out, and a query that cannot be read is shown with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from markupsafe import Markup, escape
from starlette.responses import Response

from api.common.auth import BrowserSession, services_of
from api.common.days import form_day
from api.web.pages import render
from api.web.session import page_for
from scoring.results import Verdict
from services.access import SEARCH_PAGE_ROLES
from services.search import SearchCriteria, SearchHit, Speaker, search_for
from store.metadata import Language
from store.search_query import QuerySyntaxError
from store.tables import CallStatus

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
MOODS = ("negative", "neutral", "positive")
Text = Annotated[str, Query(max_length=500)]


@dataclass(frozen=True)
class SearchForm:
    q: str = ""
    mode: str = ""
    speaker: str = ""
    date_from: str = ""
    date_to: str = ""
    agent: str = ""
    team: str = ""
    queue: str = ""
    language: str = ""
    score_min: str = ""
    score_max: str = ""
    verdict: str = ""
    failed_item: str = ""
    sentiment: str = ""
    escalation: str = ""
    dead_air_min: str = ""
    overtalk_min: str = ""
    status: str = ""

    def criteria(self) -> tuple[SearchCriteria, list[str]]:
        """The search the form asks for, and the values that could not be read (left out)."""
        problems: list[str] = []
        return (
            SearchCriteria(
                q=self.q,
                semantic=self.mode == "meaning",
                date_from=form_day(self.date_from, "from", problems),
                date_to=form_day(self.date_to, "to", problems),
                agent_id=self.agent.strip() or None,
                team=self.team.strip() or None,
                queue=self.queue.strip() or None,
                language=_choice(self.language, [v.value for v in Language], "language", problems),
                score_min=_number(self.score_min, "score from", problems, 100),
                score_max=_number(self.score_max, "score to", problems, 100),
                verdict=_choice(self.verdict, [v.value for v in Verdict], "verdict", problems),
                failed_item=self.failed_item.strip() or None,
                sentiment=_choice(self.sentiment, list(MOODS), "customer mood", problems),
                escalation={"yes": True, "no": False}.get(self.escalation),
                dead_air_min=_number(self.dead_air_min, "dead air", problems, 86_400),
                overtalk_min=_number(self.overtalk_min, "overtalk", problems, 86_400),
                status=_choice(self.status, [s.value for s in CallStatus], "status", problems),
                speaker=_choice(self.speaker, [s.value for s in Speaker], "speaker", problems),
            ),
            problems,
        )

    def link(self, page: int) -> str:
        given = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}
        return "/ui/search?" + urlencode({**given, "page": page})


@router.get("/ui/search")
def search_page(
    request: Request,
    q: Text = "",
    mode: Text = "",
    speaker: Text = "",
    date_from: Text = "",
    date_to: Text = "",
    agent: Text = "",
    team: Text = "",
    queue: Text = "",
    language: Text = "",
    score_min: Text = "",
    score_max: Text = "",
    verdict: Text = "",
    failed_item: Text = "",
    sentiment: Text = "",
    escalation: Text = "",
    dead_air_min: Text = "",
    overtalk_min: Text = "",
    status: Text = "",
    page: Annotated[int, Query(ge=1, le=400)] = 1,
    browser: BrowserSession = Depends(page_for(*SEARCH_PAGE_ROLES)),
) -> Response:
    form = SearchForm(
        q, mode, speaker, date_from, date_to, agent, team, queue, language, score_min, score_max,
        verdict, failed_item, sentiment, escalation, dead_air_min, overtalk_min, status,
    )  # fmt: skip
    criteria, problems = form.criteria()
    redacted = browser.principal.redacted
    context: dict[str, object] = {
        "form": form,
        "problems": problems,
        "redacted": redacted,
        "hits": [],
        "query_error": None,
        "verdicts": [v.value for v in Verdict],
        "moods": MOODS,
        "statuses": [s.value for s in CallStatus],
        "previous_link": form.link(page - 1) if page > 1 else None,
        "next_link": None,
    }
    if q.strip():
        try:
            results = search_for(
                services_of(request), browser.principal, criteria, PAGE_SIZE, (page - 1) * PAGE_SIZE
            )
        except QuerySyntaxError as error:
            context["query_error"] = str(error)
        else:
            context["hits"] = [(hit, marked(hit)) for hit in results.hits]
            context["next_link"] = form.link(page + 1) if results.has_more else None
    return render(request, "search.html", context)


def marked(hit: SearchHit) -> Markup:
    """The turn's text escaped first, then its matches wrapped in <mark>: nothing a caller said
    can become markup."""
    out = Markup()
    at = 0
    for span in hit.highlights:
        out += escape(hit.text[at : span.start]) + Markup("<mark>") + escape(hit.text[span.start : span.end])
        out += Markup("</mark>")
        at = span.end
    return out + escape(hit.text[at:])


def _number(text: str, label: str, problems: list[str], most: float) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= most:
        problems.append(f"{label}: not a number from 0 to {most:g}: {text!r}")
        return None
    return value


def _choice(text: str, allowed: list[str], label: str, problems: list[str]) -> str | None:
    if not text:
        return None
    if text not in allowed:
        problems.append(f"{label}: unknown value {text!r}")
        return None
    return text

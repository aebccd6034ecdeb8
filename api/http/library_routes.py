"""The trainers' library: excellent calls, the best example of each item, error cases and
training needs, over a period (`date_from` and `days`, as the reports).

Each answer points at calls and moments (a time range), not at quotes: the call page shows the
words, redacted for the roles that must not see personal data, so nothing here can leak them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.common.auth import require, services_of
from api.common.days import IsoDay
from api.common.errors import error_responses
from api.http.routes import known_query_only
from insights.coaching import ErrorCase, Peers, TrainingNeed, error_cases, training_needs
from insights.excellence import ExcellentCall, ItemExamples, best_examples, rank_excellent
from insights.facts import CallFacts
from services.access import LIBRARY_READERS, Principal
from services.insights import MAX_REPORT_DAYS, period_facts

router = APIRouter(responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)])


First = Annotated[IsoDay, Query(description="the first day")]
Days = Annotated[int, Query(ge=1, le=MAX_REPORT_DAYS, description="how many days, from date_from")]
PerItem = Annotated[int, Query(ge=1, le=20, description="example calls per item")]


def facts_of(request: Request, date_from: date, days: int) -> list[CallFacts]:
    last = date.max if (date.max - date_from).days < days - 1 else date_from + timedelta(days=days - 1)
    return period_facts(services_of(request), date_from, last)


@router.get("/library/excellent", response_model=list[ExcellentCall])
def excellent_calls(
    request: Request,
    date_from: First,
    days: Days = 7,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    _: Principal = Depends(require(*LIBRARY_READERS)),
) -> list[ExcellentCall]:
    """Passing calls ranked by score, a customer turned from negative to positive, first-contact
    resolution and empathy, each with the signals that put it there."""
    return rank_excellent(facts_of(request, date_from, days), limit)


@router.get("/library/best-examples", response_model=list[ItemExamples])
def item_examples(
    request: Request,
    date_from: First,
    days: Days = 7,
    per_item: PerItem = 3,
    _: Principal = Depends(require(*LIBRARY_READERS)),
) -> list[ItemExamples]:
    """Per scorecard item, the best passing calls where it was done, at the moment it was."""
    return best_examples(facts_of(request, date_from, days), per_item)


@router.get("/library/error-cases", response_model=list[ErrorCase])
def failed_items(
    request: Request,
    date_from: First,
    days: Days = 7,
    items: Annotated[int, Query(ge=1, le=50, description="how many items, the most failed first")] = 10,
    per_item: PerItem = 3,
    _: Principal = Depends(require(*LIBRARY_READERS)),
) -> list[ErrorCase]:
    """The items failed most often, each with example calls at the failing moment."""
    return error_cases(facts_of(request, date_from, days), items, per_item)


@router.get("/library/training-needs", response_model=list[TrainingNeed])
def coaching_needs(
    request: Request,
    date_from: First,
    days: Days = 7,
    by: Peers = Peers.AGENT,
    _: Principal = Depends(require(*LIBRARY_READERS)),
) -> list[TrainingNeed]:
    """Per agent (or team), the items failed at least 10 points more often than by their peers
    (on 3 decided calls or more), the largest gap first."""
    return training_needs(facts_of(request, date_from, days), by)

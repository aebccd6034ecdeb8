"""The agent roster and the pass rates the sampling rules make estimable.

The roster (who is on which team, since when) is kept by admins and supervisors; pass rates
are read by them and by inspectors. Estimates come from the selections' inclusion
probabilities (review/pass_rates.py), beside the machine's raw pass rate.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, computed_field

from api.common.auth import require, services_of
from api.common.days import IsoDay
from api.common.errors import ErrorBody, error_response, error_responses
from api.http.routes import MAX_OFFSET, known_query_only
from api.roster_csv import read_roster_csv
from review.pass_rates import PassRate
from services.access import PASS_RATE_READERS, ROSTER_KEEPERS, Principal
from services.agreement import IntervalView
from services.sampling import GroupBy, pass_rate_report
from store.roster import AgentId, AgentProfile, Upsert
from store.tables import RosterAgent

router = APIRouter(responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)])


class RosterAgentView(BaseModel):
    agent_id: str
    name: str | None
    team: str | None
    start_date: date
    updated_at: datetime

    @classmethod
    def of(cls, row: RosterAgent) -> RosterAgentView:
        return cls.model_validate(row, from_attributes=True)


class RosterPage(BaseModel):
    agents: list[RosterAgentView]
    total: int = Field(description="agents matching, over all pages")


class RosterWrite(BaseModel):
    agent: RosterAgentView
    outcome: Upsert


class RosterImport(BaseModel):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = Field(
        default_factory=list, description="every bad row, as `file:line: field: problem`; none written then"
    )

    @computed_field(description="false when the file was refused (see `errors`)")  # type: ignore[prop-decorator]
    @property
    def imported(self) -> bool:
        return not self.errors


class PassRateView(BaseModel):
    group: str = Field(description="the agent id or team; `all` for every call of the period")
    calls: int = Field(description="scored calls of the period")
    machine_pass_rate: float = Field(description="share of those the machine passed")
    selected: int = Field(description="calls the sampling rules selected for review")
    reviewed: int = Field(description="selected calls an inspector has reviewed")
    reviewed_pass_rate: float | None = Field(
        description="raw share of the reviewed calls that passed: biased towards the calls selected for risk"
    )
    estimate: float | None = Field(
        description="pass rate inspectors would give all the calls, by inverse-probability weighting "
        "(Hajek) of the reviewed selections; null when none is reviewed"
    )
    interval: IntervalView | None = Field(description="95% interval of the estimate")

    @classmethod
    def of(cls, row: PassRate) -> PassRateView:
        return cls.model_validate(row, from_attributes=True)


class PassRateReport(BaseModel):
    by: GroupBy
    date_from: date | None
    date_to: date | None
    rows: list[PassRateView]


@router.get("/roster/agents", response_model=RosterPage)
def list_roster(
    request: Request,
    team: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    _: Principal = Depends(require(*ROSTER_KEEPERS)),
) -> RosterPage:
    """The roster by agent id."""
    rows, total = services_of(request).roster.page(team, limit, offset)
    return RosterPage(agents=[RosterAgentView.of(row) for row in rows], total=total)


@router.put("/roster/agents/{agent_id}", response_model=RosterWrite)
def put_roster_agent(
    request: Request,
    agent_id: Annotated[AgentId, Path()],
    profile: AgentProfile,
    _: Principal = Depends(require(*ROSTER_KEEPERS)),
) -> RosterWrite:
    """Add the agent, or change their name, team or start date; `outcome` says which (or
    `unchanged`)."""
    roster = services_of(request).roster
    outcome = roster.put(agent_id, profile)
    stored = roster.get(agent_id)
    assert stored is not None  # just written
    return RosterWrite(agent=RosterAgentView.of(stored), outcome=outcome)


CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": "the roster CSV: agent_id, start_date (YYYY-MM-DD), name, team",
        "content": {"text/csv": {}},
    }
}


@router.post(
    "/roster/import",
    response_model=RosterImport,
    openapi_extra=CSV_BODY,
    responses={415: {"model": ErrorBody, "description": "the body is not `text/csv`"}},
)
async def import_roster(
    request: Request,
    name: Annotated[
        str, Query(max_length=200, description="the file's name, for the messages")
    ] = "roster.csv",
    _: Principal = Depends(require(*ROSTER_KEEPERS)),
) -> RosterImport | JSONResponse:
    """Add or update every agent of the CSV (`curl --data-binary @roster.csv -H 'Content-Type:
    text/csv'`) in one transaction; importing the same file again changes nothing. A file with a
    bad row is refused whole: `errors` names every bad line and nothing is written (answered 200:
    the request was sound, what the file holds is not)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "text/csv":
        return error_response(415, "send the roster as the body, with Content-Type: text/csv")
    try:
        parsed = read_roster_csv((await request.body()).decode("utf-8"), name)
    except UnicodeDecodeError:
        return RosterImport(errors=[f"{name}: not a UTF-8 text file"])
    if parsed.errors:
        return RosterImport(errors=parsed.errors)
    counts = await run_in_threadpool(services_of(request).roster.put_many, parsed.agents)
    return RosterImport(added=counts.added, updated=counts.updated, unchanged=counts.unchanged)


@router.get("/reports/pass-rates", response_model=PassRateReport)
def pass_rates(
    request: Request,
    by: GroupBy = GroupBy.AGENT,
    date_from: Annotated[
        IsoDay | None, Query(alias="from", description="calls on or after this day (CALLQA_REPORT_TIMEZONE)")
    ] = None,
    date_to: Annotated[IsoDay | None, Query(alias="to", description="calls on or before this day")] = None,
    _: Principal = Depends(require(*PASS_RATE_READERS)),
) -> PassRateReport:
    """Pass rate per agent or team (the roster's team where a call names none): the machine's,
    the raw rate of the reviewed calls, and the unbiased estimate from the sampling rules'
    selections with a 95% interval."""
    rows = pass_rate_report(services_of(request), by, date_from, date_to)
    return PassRateReport(
        by=by, date_from=date_from, date_to=date_to, rows=[PassRateView.of(row) for row in rows]
    )

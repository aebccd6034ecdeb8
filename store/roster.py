"""The agent roster: who is on which team and since when.

Call metadata often lacks the team, and never says how new an agent is; the roster says both.
Writes are upserts keyed by the agent id, so importing the same file twice changes nothing and
says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from store.metadata import Clean
from store.tables import RosterAgent

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    """A calendar day as ISO 8601 writes it: pydantic alone would take a number as Unix seconds."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value.strip())):
        return value.strip() if isinstance(value, str) else value
    raise ValueError("expected a day as YYYY-MM-DD, e.g. 2026-11-02")


AgentId = Annotated[str, Clean, Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]


class AgentProfile(BaseModel):
    """What the roster knows of an agent (the id is the key, given apart)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str | None, Clean] = Field(default=None, max_length=200)
    team: Annotated[str | None, Clean] = Field(default=None, max_length=100)
    start_date: Annotated[date, BeforeValidator(_iso_day)] = Field(
        description="first working day: calls of the first days are all reviewed"
    )

    @field_validator("name", "team", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class Upsert(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RosterCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


class Roster:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def put(self, agent_id: str, profile: AgentProfile) -> Upsert:
        with self.sessions.begin() as session:
            return _upsert(session, agent_id, profile)

    def put_many(self, agents: Iterable[tuple[str, AgentProfile]]) -> RosterCounts:
        """All or nothing, in one transaction."""
        outcomes: list[Upsert] = []
        with self.sessions.begin() as session:
            outcomes = [_upsert(session, agent_id, profile) for agent_id, profile in agents]
        return RosterCounts(*(outcomes.count(kind) for kind in Upsert))

    def get(self, agent_id: str) -> RosterAgent | None:
        with self.sessions() as session:
            return session.get(RosterAgent, agent_id)

    def page(
        self, team: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[RosterAgent], int]:
        query = select(RosterAgent)
        if team is not None:
            query = query.where(RosterAgent.team == team)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(query.order_by(RosterAgent.agent_id).limit(limit).offset(offset)).all()
        return list(rows), int(total)

    def of(self, agent_ids: Sequence[str]) -> dict[str, RosterAgent]:
        """The roster rows of these agents (those on the roster)."""
        if not agent_ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(RosterAgent).where(RosterAgent.agent_id.in_(set(agent_ids)))).all()
        return {row.agent_id: row for row in rows}


def _upsert(session: Session, agent_id: str, profile: AgentProfile) -> Upsert:
    row = session.get(RosterAgent, agent_id)
    if row is None:
        session.add(RosterAgent(agent_id=agent_id, **profile.model_dump()))
        return Upsert.ADDED
    if (row.name, row.team, row.start_date) == (profile.name, profile.team, profile.start_date):
        return Upsert.UNCHANGED
    row.name, row.team, row.start_date = profile.name, profile.team, profile.start_date
    return Upsert.UPDATED

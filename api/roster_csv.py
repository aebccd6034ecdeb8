"""The roster CSV of `callqa roster import FILE` and `POST /roster/agents/import`.

Columns: agent_id and start_date (YYYY-MM-DD) required, name and team optional, in any order.
The file is checked whole before anything is written: a roster half imported would leave some
new hires unknown, so any bad row refuses the file, and every bad row is named
(`roster.csv:7: start_date: expected a day as YYYY-MM-DD`), so one fix-and-retry is enough.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from pydantic import TypeAdapter, ValidationError

from store.roster import AgentId, AgentProfile

COLUMNS = ("agent_id", "name", "team", "start_date")
REQUIRED = ("agent_id", "start_date")
_agent_id = TypeAdapter(AgentId)


@dataclass
class RosterFile:
    agents: list[tuple[str, AgentProfile]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_roster_csv(text: str, source: str) -> RosterFile:
    """Rows of the roster, or the problems of every bad one (`source:line: field: message`)."""
    parsed = RosterFile()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        columns = [c.strip() for c in (reader.fieldnames or [])]
    except csv.Error as error:
        return RosterFile(errors=[f"{source}:1: not a readable CSV header: {error}"])
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in COLUMNS]
    if missing or unknown:
        found = ", ".join(columns) or "nothing"
        what = [f"missing column(s) {', '.join(missing)}"] if missing else []
        what += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        return RosterFile(
            errors=[f"{source}:1: {'; '.join(what)} (header has: {found}; allowed: {', '.join(COLUMNS)})"]
        )
    seen: dict[str, int] = {}
    try:
        for row in reader:
            _add(parsed, seen, source, reader.line_num, {k.strip(): v for k, v in row.items() if k})
    except csv.Error as error:
        parsed.errors.append(f"{source}:{reader.line_num}: not a readable CSV row: {error}")
    return parsed


def _add(
    parsed: RosterFile, seen: dict[str, int], source: str, line: int, row: dict[str, str | None]
) -> None:
    if not any((value or "").strip() for value in row.values()):
        return
    problems: list[str] = []
    agent_id = (row.pop("agent_id", None) or "").strip()
    try:
        agent_id = _agent_id.validate_python(agent_id)
    except ValidationError as error:
        problems.append(f"agent_id: {error.errors()[0]['msg']}")
    try:
        profile = AgentProfile.model_validate({k: v for k, v in row.items() if v is not None})
    except ValidationError as error:
        problems.extend(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
    if agent_id in seen:
        problems.append(f"agent_id: {agent_id} is already on line {seen[agent_id]}")
    if problems:
        parsed.errors.extend(f"{source}:{line}: {problem}" for problem in problems)
        return
    seen[agent_id] = line
    parsed.agents.append((agent_id, profile))

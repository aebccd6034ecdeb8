"""Who is asking, and which roles may do what: every role set of the product in one place.

Routes, pages, the CLI and the services ask these sets, so a role's reach is read and changed
here only; a set named after what it allows says why it holds whom.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.tokens import Role


@dataclass(frozen=True)
class Principal:
    """A bearer token, or in the web workspace a signed-in user (`user`) or token."""

    token_id: int | None
    role: Role
    agent_id: str | None
    user: str | None = None

    @property
    def holder(self) -> str:
        """Who, without the role: a user name, or `token N` (user names have no spaces)."""
        return self.user if self.user is not None else f"token {self.token_id}"

    @property
    def actor(self) -> str:
        """Who did it, as the audit log and review decisions record it."""
        return f"{'user ' if self.user is not None else ''}{self.holder} ({self.role.value})"

    def may_see(self, agent_id: str | None) -> bool:
        """Agents see only their own calls; every other role sees all."""
        return self.role != Role.AGENT or (agent_id is not None and agent_id == self.agent_id)

    def agent_scope(self, requested: str | None) -> str | None:
        """The agent whose calls a listing may hold: an agent's own whatever they asked (one
        without an agent id finds nothing: no call's agent id is empty); for others, what they
        asked (None: every agent)."""
        return (self.agent_id or "") if self.role == Role.AGENT else requested

    @property
    def redacted(self) -> bool:
        """Whether this reader is shown personal data masked."""
        return self.role in REDACTED_ROLES


READERS = tuple(Role)
"""Every role reads calls; agents only their own (`Principal.may_see`)."""
ADMINS = (Role.ADMIN,)
MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
"""Those who run the QA operation: assign work, open calibration sessions, decide disputes."""
UPLOADERS = (Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
REVIEWERS = (Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
REDACTED_ROLES = (Role.TRAINER, Role.AGENT)
"""Who reads personal data masked: trainers teach from calls, agents see only their own."""
SEARCH_PAGE_ROLES = (*REVIEWERS, Role.TRAINER)
"""Who opens the search page (trainers read masked text); every role may call GET /search."""
DISPUTERS = (Role.AGENT,)
DISPUTE_DECIDERS = MANAGERS
"""Inspectors do not decide disputes: the item they reviewed may be the one disputed."""
RATERS = (Role.INSPECTOR,)
"""Who answers a calibration session's calls."""
LIBRARY_READERS = (Role.ADMIN, Role.SUPERVISOR, Role.TRAINER)
LIBRARY_EDITORS = MANAGERS
"""Who edits or removes anyone's saved calls (the others only their own)."""
EVIDENCE_REMOVERS = MANAGERS
"""Who removes another inspector's evidence mark."""
ROSTER_KEEPERS = MANAGERS
PASS_RATE_READERS = REVIEWERS
"""Those who review calls and those who manage them."""
REPORT_READERS = REVIEWERS
TOPIC_READERS = (*REVIEWERS, Role.TRAINER)
TOPIC_REFRESHERS = MANAGERS
"""Who clusters complaint topics again on demand (a few seconds of CPU for a month of calls)."""
CALIBRATORS = MANAGERS
"""Who runs machine calibration and reads its history."""
ROLLBACK_ROLES = ADMINS
"""Withdrawing an active calibration changes every later score: administrators only."""
AGREEMENT_READERS = MANAGERS
"""Who reads the machine's agreement with inspectors, per item and per inspector."""
OPERATORS = MANAGERS
"""Who reads /metrics, agreement figures and re-scores calls."""

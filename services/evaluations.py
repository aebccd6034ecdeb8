"""A call's evaluation from draft to done: an inspector completes the review (every applicable
item decided, the items the card asks about explained), a supervisor may reopen it (audited), and
the call's agent acknowledges it. A completed call leaves the review queue, and the agent's
dispute window runs from its completion.
"""

from __future__ import annotations

from datetime import datetime

from review.evaluation import completion_problems
from runtime.services import Services
from services.access import Principal
from services.reviewing import as_decisions, review_state
from store.db import session_factory
from store.evaluations import EvaluationRepository
from store.tables import Call
from store.tokens import Role


class EvaluationRefused(ValueError):
    """The evaluation is not in a state that allows this (the API answers 409)."""


class ReviewIncomplete(EvaluationRefused):
    """What is missing before the review can be completed, one line per item."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the review is not complete: " + "; ".join(problems))
        self.problems = problems


def repository(services: Services) -> EvaluationRepository:
    return EvaluationRepository(session_factory(services.engine))


def complete_review(services: Services, call: Call, actor: str) -> datetime:
    """Complete the review of the call's current analysis (`NothingToReview` before it is scored)."""
    state = review_state(services, call)
    card = services.scorecards.get(state.scorecard_key)
    problems = completion_problems(state.machine, as_decisions(state.decisions), card.comments_required)
    if problems:
        raise ReviewIncomplete(problems)
    done = repository(services).complete(
        call.id, state.analysis_id, actor, state.final.total, state.final.verdict
    )
    if done is None:
        raise EvaluationRefused("the review is completed already, or the call was scored again meanwhile")
    return done


def reopen_review(services: Services, call: Call, actor: str, reason: str) -> None:
    """Back to a draft, with why (in the call's history); the agent acknowledges it again later."""
    if not repository(services).reopen(call.id, actor, reason):
        raise EvaluationRefused("the review is not completed: there is nothing to reopen")


def acknowledge(services: Services, call: Call, who: Principal) -> datetime:
    """The call's agent has read the completed evaluation (disputing it stays possible while the
    dispute window is open)."""
    if who.role != Role.AGENT or who.agent_id is None or who.agent_id != call.agent_id:
        raise EvaluationRefused("only the call's agent acknowledges its evaluation")
    done = repository(services).acknowledge(call.id, who.actor)
    if done is None:
        raise EvaluationRefused("the evaluation is not completed yet, or acknowledged already")
    return done

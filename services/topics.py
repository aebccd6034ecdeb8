"""Complaint topics (投诉溯源) over the stored calls: find them, keep their ids, assign new calls,
report their trends, raise the "complaint topic rising" alert.

- `refresh_topics`: the complaint turns of the last `WINDOW_DAYS` clustered again
  (insights/topics.py); each new topic whose centre is close to an active topic's keeps that id
  (and takes the new name and phrases), so per-day counts continue across runs; the window's
  assignments are replaced, older calls keep theirs.
- `assign_new_calls`: calls scored since the last run (or scored again) given to the nearest
  active topic, so the alert sees today's calls without clustering again.
- `topics_if_due`: the scheduled job: a refresh once a day (the first run after midnight in the
  report zone), otherwise the assignment of new calls; then the alert rule. Idempotent, like
  every scheduled job: a missed or repeated run is harmless.
Nothing is embedded here: the vectors are those the search index stored per turn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import numpy as np
import structlog
from pydantic import BaseModel, Field

from insights.alerts import Alert, complaint_topics_rising
from insights.complaints import TurnSpan, complaint_turns
from insights.topic_trends import TopicInfo, TopicMention, TopicSummary, summarise
from insights.topics import TopicParams, find_topics, match_previous, nearest
from runtime.services import Services
from scoring.results import Analysis
from services.access import Principal
from services.insights import alerts, facts_between, midnight
from store.alerts import NewAlert
from store.db import session_factory
from store.tables import AlertRow, ComplaintTopicRow, TopicRunRow
from store.topics import CallMaterial, NewAssignment, NewTopic, TopicCall, TopicRepository

log = structlog.get_logger("callqa.topics")

WINDOW_DAYS = 30
"""The calls a refresh clusters: a month holds enough complaints to find the recurring ones."""
PARAMS = TopicParams()


@dataclass(frozen=True)
class ComplaintText:
    """A complaint turn with what clustering needs."""

    call_id: str
    language: str
    encoder: str
    position: int
    start: float
    end: float
    text: str
    vector: np.ndarray
    reasons: tuple[str, ...]


def topics(services: Services) -> TopicRepository:
    return TopicRepository(session_factory(services.engine))


def refresh_topics(services: Services, now: datetime, params: TopicParams = PARAMS) -> TopicRunRow:
    """Cluster the complaint turns of the last WINDOW_DAYS again and store the run."""
    repo = topics(services)
    since = now - timedelta(days=WINDOW_DAYS)
    through = repo.last_scored_at() or since
    calls = repo.calls_between(since, now + timedelta(seconds=1))
    complaints = list(_complaints(repo.material(calls)))
    previous = repo.topics(active_only=True)
    new_topics: list[NewTopic] = []
    assignments: list[NewAssignment] = []
    for (language, encoder), group in sorted(_grouped(complaints).items()):
        found = find_topics([c.text for c in group], np.stack([c.vector for c in group]), language, params)
        olds = [t for t in previous if (t.language, t.encoder) == (language, encoder)]
        continued = match_previous(
            [f.centroid for f in found], [_centroid(t) for t in olds], params.match_similarity
        )
        for topic, old in zip(found, continued, strict=True):
            index = len(new_topics)
            new_topics.append(
                NewTopic(
                    renews=olds[old].id if old is not None else None,
                    language=language,
                    encoder=encoder,
                    name=topic.name,
                    phrases=list(topic.phrases),
                    centroid=topic.centroid.astype(np.float32).tobytes(),
                )
            )
            assignments += [
                _assignment(group[member], index, similarity)
                for member, similarity in zip(topic.members, topic.similarities, strict=True)
            ]
    run = TopicRunRow(
        ran_at=now,
        window_from=since,
        window_to=now,
        params=asdict(params),
        complaints=len(complaints),
        topics=len(new_topics),
        assigned_through=through,
    )
    repo.save_run(run, new_topics, assignments, calls)
    log.info("complaint topics refreshed", complaints=len(complaints), topics=len(new_topics))
    return run


def assign_new_calls(services: Services, params: TopicParams = PARAMS) -> int:
    """Calls scored since the latest run (or scored again) given to the nearest active topic of
    their language; returns how many calls were read. Nothing before the first run."""
    repo = topics(services)
    latest = repo.latest_run()
    if latest is None:
        return 0
    scored = repo.calls_scored_after(latest.assigned_through)
    if not scored:
        return 0
    active = _grouped_topics(repo.topics(active_only=True))
    assignments: list[NewAssignment] = []
    for (language, encoder), group in _grouped(_complaints(repo.material([c for c, _ in scored]))).items():
        ids, centroids = active.get((language, encoder), ([], []))
        labels, similarity = nearest(np.stack([c.vector for c in group]), centroids, params.min_similarity)
        assignments += [
            _assignment(complaint, ids[label], float(score))
            for complaint, label, score in zip(group, labels, similarity, strict=True)
            if label >= 0
        ]
    repo.assign([c for c, _ in scored], assignments, max(at for _, at in scored))
    return len(scored)


def topics_if_due(services: Services, now: datetime) -> list[AlertRow]:
    """The scheduled job: a refresh once a day, else new calls assigned; then the alert rule."""
    if refresh_due(services, now):
        refresh_topics(services, now)
    else:
        assign_new_calls(services)
    return check_topic_alerts(services, now)


def refresh_due(services: Services, now: datetime) -> bool:
    """No run yet, the latest one from an earlier day, or one that found no topic while calls were
    scored since: new calls only join topics that exist, so a deployment whose first calls were
    imported after the day's run would otherwise show no topics until the next day."""
    repo = topics(services)
    latest = repo.latest_run()
    if latest is None:
        return True
    zone = services.settings.report_zone
    if latest.ran_at.astimezone(zone).date() < now.astimezone(zone).date():
        return True
    newest = repo.last_scored_at()
    return latest.topics == 0 and newest is not None and newest > latest.assigned_through


def check_topic_alerts(services: Services, now: datetime) -> list[AlertRow]:
    """The "complaint topic rising" rule per queue, raised through the alert store (deduplicated
    like every alert; the alert job delivers it by webhook and e-mail at its next run)."""
    settings = services.settings
    limits = [settings.alerts] + [q.alerts for q in settings.queues.values() if q.alerts is not None]
    lookback = max(timedelta(days=t.topic_window_days + t.topic_baseline_days) for t in limits)
    until = now + timedelta(seconds=1)
    calls = facts_between(services, now - lookback, until, with_results=False)
    repo = topics(services)
    topics_of: dict[str, set[int]] = defaultdict(set)
    for mention in repo.mentions(now - lookback, until):
        topics_of[mention.call_id].add(mention.topic_id)
    frozen = {call: frozenset(ids) for call, ids in topics_of.items()}
    names = {t.id: t.name for t in repo.topics()}
    by_queue = defaultdict(list)
    for call in calls:
        by_queue[call.queue].append(call)
    found: list[Alert] = []
    for queue in sorted(by_queue, key=lambda name: name or ""):
        found += complaint_topics_rising(
            by_queue[queue], frozen, names, now, queue, settings.alert_thresholds(queue)
        )
    raised = alerts(services).raise_new(
        [NewAlert(a.kind, a.subject, a.queue, a.title, a.detail, a.call_ids, a.repeat_after) for a in found],
        now,
    )
    if raised:
        log.info("complaint topic alerts raised", alerts=len(raised))
    return raised


@dataclass(frozen=True)
class TopicsPeriod:
    date_from: date
    date_to: date
    timezone: str
    queue: str | None
    calls_scored: int
    run: TopicRunRow | None
    topics: list[TopicSummary]


def period_end(date_from: date, days: int) -> date:
    """The last of `days` days from `date_from`, the calendar's end where it comes first."""
    return date.max if (date.max - date_from).days < days - 1 else date_from + timedelta(days=days - 1)


def period_bounds(services: Services, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The days from `date_from` to `date_to` (inclusive, in the report zone) as [since, until) in UTC."""
    zone = services.settings.report_zone
    return midnight(date_from, zone), midnight(date_to, zone, next_day=True)


def period_topics(services: Services, date_from: date, date_to: date, queue: str | None) -> TopicsPeriod:
    """The topics of the calls of these days (inclusive, in the report zone), with their trends."""
    zone = services.settings.report_zone
    since, until = period_bounds(services, date_from, date_to)
    repo = topics(services)
    mentions = [TopicMention(m.topic_id, m.started_at, m.queue) for m in repo.mentions(since, until, queue)]
    scored = repo.scored_count(since, until, queue)
    infos = [TopicInfo(t.id, t.name, t.language, tuple(t.phrases), t.active) for t in repo.topics()]
    return TopicsPeriod(
        date_from=date_from,
        date_to=date_to,
        timezone=services.settings.report_timezone,
        queue=queue,
        calls_scored=scored,
        run=repo.latest_run(),
        topics=summarise(infos, mentions, scored, date_from, date_to, zone),
    )


def _complaints(materials: Iterable[CallMaterial]) -> Iterable[ComplaintText]:
    for material in materials:
        if not material.turns:
            continue
        analysis = Analysis.model_validate(material.analysis)
        spans = [TurnSpan(t.position, t.start, t.end) for t in material.turns]
        turn_at = {t.position: t for t in material.turns}
        for complaint in complaint_turns(analysis, spans):
            turn = turn_at[complaint.position]
            yield ComplaintText(
                call_id=material.call_id,
                language=material.language or "und",
                encoder=turn.encoder,
                position=turn.position,
                start=turn.start,
                end=turn.end,
                text=turn.redacted_text,
                vector=np.frombuffer(turn.vector, dtype=np.float16).astype(np.float32),
                reasons=complaint.reasons,
            )


def _grouped(complaints: Iterable[ComplaintText]) -> dict[tuple[str, str], list[ComplaintText]]:
    """By language and encoder: vectors of two encoders share no space."""
    groups: dict[tuple[str, str], list[ComplaintText]] = defaultdict(list)
    for complaint in complaints:
        groups[(complaint.language, complaint.encoder)].append(complaint)
    return groups


def _grouped_topics(
    rows: Sequence[ComplaintTopicRow],
) -> dict[tuple[str, str], tuple[list[int], list[np.ndarray]]]:
    groups: dict[tuple[str, str], tuple[list[int], list[np.ndarray]]] = {}
    for row in rows:
        ids, centroids = groups.setdefault((row.language, row.encoder), ([], []))
        ids.append(row.id)
        centroids.append(_centroid(row))
    return groups


def _centroid(row: ComplaintTopicRow) -> np.ndarray:
    return np.frombuffer(row.centroid, dtype=np.float32)


def _assignment(complaint: ComplaintText, topic: int, similarity: float) -> NewAssignment:
    return NewAssignment(
        call_id=complaint.call_id,
        position=complaint.position,
        start=complaint.start,
        end=complaint.end,
        topic=topic,
        similarity=round(float(similarity), 4),
        reasons=list(complaint.reasons),
    )


DEFAULT_PERIOD_DAYS = 30
"""The period the topics pages and API show when none is given: the last 30 days."""


class NoSuchTopic(LookupError):
    pass


class TopicCallView(BaseModel):
    call_id: str
    external_id: str | None
    agent_id: str | None
    queue: str | None
    started_at: datetime
    at: float = Field(description="seconds into the call where the complaint starts")
    end: float
    text: str = Field(description="the complaint turn (masked for trainers)")
    reasons: list[str] = Field(description="`negative` (sentiment) and/or escalation cue categories")
    similarity: float = Field(description="cosine to the topic's centre")
    link: str = Field(description="the call page at the complaint")

    @classmethod
    def of(cls, call: TopicCall, redacted: bool) -> TopicCallView:
        return cls(
            call_id=call.call_id,
            external_id=call.external_id,
            agent_id=call.agent_id,
            queue=call.queue,
            started_at=call.started_at,
            at=call.start,
            end=call.end,
            text=call.redacted_text if redacted else call.text,
            reasons=call.reasons,
            similarity=call.similarity,
            link=f"/ui/calls/{call.call_id}?t={call.start:g}",
        )


class TopicCallsView(BaseModel):
    id: int
    name: str
    language: str
    phrases: list[str]
    redacted: bool = Field(description="texts are masked (the reader may not see personal data)")
    has_more: bool
    calls: list[TopicCallView] = Field(description="newest first, each at its first complaint in the topic")


def topic_calls_view(
    services: Services,
    who: Principal,
    topic_id: int,
    date_from: date,
    days: int,
    queue: str | None,
    limit: int,
    offset: int = 0,
) -> TopicCallsView:
    """The period's calls with a complaint in the topic, newest first, masked for the roles that
    read masked text."""
    repo = topics(services)
    topic = repo.get(topic_id)
    if topic is None:
        raise NoSuchTopic(f"no complaint topic {topic_id}")
    since, until = period_bounds(services, date_from, period_end(date_from, days))
    found = repo.topic_calls(topic_id, since, until, queue, limit + 1, offset)
    return TopicCallsView(
        id=topic.id,
        name=topic.name,
        language=topic.language,
        phrases=topic.phrases,
        redacted=who.redacted,
        has_more=len(found) > limit,
        calls=[TopicCallView.of(call, who.redacted) for call in found[:limit]],
    )

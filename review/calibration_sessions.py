"""Inspector calibration sessions (录音校准), as rules: consensus, deviation, agreement per item.

Several inspectors score the same calls blind; the report tells a QA lead whether they apply the
scorecard alike (per item: kappa and raw agreement, with and without the machine as one more
rater), what the team's answer is (the consensus) and who drifts from it, on which items. Data
in (every rater's answer per call and item), report out; storage and who may see what are the
callers' business.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from review.agreement import Z95, cohen_kappa, fleiss_kappa
from scoring.results import ItemStatus

MACHINE = "machine"
"""The machine's name as a rater (no user can be called this: user names have no such role)."""

ALL_ITEMS = "all"


@dataclass(frozen=True)
class Answer:
    """One rater's answer on one item of one call (`item`: `card/item`, as agreement reports name it)."""

    call_id: str
    item: str
    rater: str
    status: ItemStatus
    comment: str | None = None


@dataclass(frozen=True)
class Bootstrap:
    """How Fleiss' kappa gets its 95% interval: resampling the calls (the subjects).

    Fleiss' kappa has no standard error that holds away from kappa = 0, and a calibration session
    has a handful of calls, so an interval from resampling them is the honest one; the seed is
    fixed so the same answers always give the same report.
    """

    resamples: int = 1000
    seed: int = 11
    min_calls: int = 5
    """Fewer calls have so few distinct resamples that the interval says more about them than
    about the raters (with two calls it collapses onto the estimate): no interval is given."""


class SessionState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Refusal(StrEnum):
    """Why a session cannot be created, read, answered, submitted or reported on (the API maps
    each to its status code)."""

    NO_SUCH_SESSION = "no_such_session"
    """Also for an inspector who is not invited: they need not learn the session exists."""
    NO_SUCH_CALL = "no_such_call"
    NO_SUCH_INSPECTOR = "no_such_inspector"
    """Not an active inspector (a user, or an inspector API token)."""
    NOT_SCORED = "not_scored"
    BAD_PICK = "bad_pick"
    """No call, or fewer than two inspectors, picked."""
    NO_SUCH_ITEM = "no_such_item"
    BAD_ANSWER = "bad_answer"
    """Not pass, fail or N/A: an inspector decides what the machine could not."""
    LOCKED = "locked"
    INCOMPLETE = "incomplete"
    TOO_FEW = "too_few"
    NOT_REVEALED = "not_revealed"
    CLOSED = "closed"


class SessionRefused(Exception):
    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal


MIN_INSPECTORS = 2
"""Agreement needs two raters: a session invites at least two inspectors, and its report waits
for two submissions."""


def missing_answers(items_by_call: dict[str, list[str]], answered: Iterable[tuple[str, str]]) -> list[str]:
    """`call/item` of every item not answered yet: a submission covers the whole session, since a
    rater who skipped the hard items would look more consistent than they are."""
    done = set(answered)
    return [
        f"{call_id}/{item_id}"
        for call_id, items in items_by_call.items()
        for item_id in items
        if (call_id, item_id) not in done
    ]


class KappaMethod(StrEnum):
    COHEN = "cohen"
    FLEISS = "fleiss"


class Interval(BaseModel):
    model_config = ConfigDict(frozen=True)

    low: float
    high: float


class RaterAgreement(BaseModel):
    """How much a set of raters agree on one item (or on every item: `all`)."""

    model_config = ConfigDict(frozen=True)

    raters: int
    calls: int = Field(description="calls the item was rated on (subjects)")
    method: KappaMethod = Field(description="Cohen's kappa for two raters, Fleiss' for more")
    kappa: float | None = Field(description="null when undefined: every rater gave one and the same label")
    kappa_ci: Interval | None = Field(
        description="95%: Cohen's from its standard error, Fleiss' by resampling the calls (from 5 calls)"
    )
    agreement: float = Field(description="share of rater pairs giving the same answer, over the calls")


class ItemCalibration(BaseModel):
    model_config = ConfigDict(frozen=True)

    item: str = Field(description="card id / item id; `all` for every item of every call")
    inspectors: RaterAgreement
    with_machine: RaterAgreement | None = Field(description="the machine as one more rater")


class Difference(BaseModel):
    model_config = ConfigDict(frozen=True)

    call_id: str
    item: str
    answer: ItemStatus
    consensus: ItemStatus


class Deviation(BaseModel):
    """How often one rater (an inspector, or the machine) differs from the inspectors' consensus."""

    model_config = ConfigDict(frozen=True)

    rater: str
    compared: int = Field(description="items with a consensus that this rater answered")
    differing: int
    share: float | None = Field(description="differing / compared; null when nothing could be compared")
    differences: list[Difference]


class ItemAnswers(BaseModel):
    """One item of one call, every rater's answer side by side."""

    model_config = ConfigDict(frozen=True)

    item: str
    answers: dict[str, ItemStatus] = Field(description="by inspector")
    comments: dict[str, str] = Field(description="by inspector, those who commented")
    machine: ItemStatus | None
    consensus: ItemStatus | None = Field(description="the inspectors' most common answer; null on a tie")


class CallAnswers(BaseModel):
    model_config = ConfigDict(frozen=True)

    call_id: str
    items: list[ItemAnswers]


class CalibrationReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    inspectors: list[str] = Field(description="the inspectors whose answers are compared")
    items: list[ItemCalibration] = Field(description="per item in the card's order, then `all`")
    deviations: list[Deviation] = Field(description="each inspector, then the machine")
    calls: list[CallAnswers]


def consensus(answers: Iterable[ItemStatus]) -> ItemStatus | None:
    """The most common answer; None when two answers tie for it (or there is none).

    A tie is left without a consensus rather than broken by a rule (say, "fail wins"): the point
    of the session is to find where the team does not agree, and a tie is exactly that.
    """
    ranked = Counter(answers).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def report(
    answers: Iterable[Answer], inspectors: Sequence[str], bootstrap: Bootstrap = Bootstrap()
) -> CalibrationReport:
    """Compare `inspectors` (at least two, each having answered every item of every call) with one
    another and with the machine (answers whose rater is `MACHINE`; optional)."""
    if len(inspectors) < MIN_INSPECTORS:
        raise ValueError("a calibration report compares at least two inspectors")
    table: dict[tuple[str, str], dict[str, Answer]] = defaultdict(dict)
    for answer in answers:
        table[(answer.call_id, answer.item)][answer.rater] = answer
    subjects = [key for key, given in table.items() if all(name in given for name in inspectors)]
    rows = {key: _item_answers(key[1], table[key], inspectors) for key in subjects}

    by_item: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in subjects:
        by_item[key[1]].append(key)
    groups = [*by_item.items(), (ALL_ITEMS, subjects)]
    items = [
        _item_calibration(item, [rows[key] for key in keys], inspectors, bootstrap)
        for item, keys in groups
        if keys
    ]
    calls: dict[str, list[ItemAnswers]] = defaultdict(list)
    for key in subjects:
        calls[key[0]].append(rows[key])
    raters = [*inspectors, MACHINE] if any(row.machine is not None for row in rows.values()) else inspectors
    return CalibrationReport(
        inspectors=list(inspectors),
        items=items,
        deviations=[_deviation(rater, rows) for rater in raters],
        calls=[CallAnswers(call_id=call_id, items=found) for call_id, found in calls.items()],
    )


def _item_answers(item: str, given: dict[str, Answer], inspectors: Sequence[str]) -> ItemAnswers:
    answers = {name: given[name].status for name in inspectors}
    machine = given.get(MACHINE)
    return ItemAnswers(
        item=item,
        answers=answers,
        comments={name: comment for name in inspectors if (comment := given[name].comment)},
        machine=None if machine is None else machine.status,
        consensus=consensus(answers.values()),
    )


def _item_calibration(
    item: str, rows: list[ItemAnswers], inspectors: Sequence[str], bootstrap: Bootstrap
) -> ItemCalibration:
    humans = [[row.answers[name] for name in inspectors] for row in rows]
    machine = [row.machine for row in rows if row.machine is not None]
    with_machine = None
    if len(machine) == len(rows):
        with_machine = rater_agreement(
            [[*labels, said] for labels, said in zip(humans, machine, strict=True)], bootstrap
        )
    return ItemCalibration(
        item=item, inspectors=rater_agreement(humans, bootstrap), with_machine=with_machine
    )


def rater_agreement(ratings: Sequence[Sequence[str]], bootstrap: Bootstrap = Bootstrap()) -> RaterAgreement:
    """Agreement of the raters whose labels `ratings[call]` holds, in the same order on every call."""
    labels = [list(row) for row in ratings]
    raters = len(labels[0])
    pairs = raters * (raters - 1) / 2
    agreeing = sum(sum(count * (count - 1) / 2 for count in Counter(row).values()) / pairs for row in labels)
    if raters == 2:
        first, second = [row[0] for row in labels], [row[1] for row in labels]
        cohen = cohen_kappa(first, second)
        kappa = None if cohen is None else cohen[0]
        ci = None if cohen is None else _bounded(cohen[0] - Z95 * cohen[1], cohen[0] + Z95 * cohen[1])
        method = KappaMethod.COHEN
    else:
        kappa = fleiss_kappa(labels)
        ci = None if kappa is None else _resampled(labels, bootstrap)
        method = KappaMethod.FLEISS
    return RaterAgreement(
        raters=raters,
        calls=len(labels),
        method=method,
        kappa=kappa,
        kappa_ci=ci,
        agreement=agreeing / len(labels),
    )


def _resampled(labels: list[list[str]], bootstrap: Bootstrap) -> Interval | None:
    """The 2.5th and 97.5th percentiles of Fleiss' kappa over calls drawn with replacement
    (resamples where it is undefined are left out); None with fewer than `min_calls` calls."""
    if len(labels) < bootstrap.min_calls:
        return None
    draw = random.Random(bootstrap.seed)
    found = sorted(
        kappa
        for _ in range(bootstrap.resamples)
        if (kappa := fleiss_kappa([draw.choice(labels) for _ in labels])) is not None
    )
    if not found:
        return None
    low = found[round(0.025 * (len(found) - 1))]
    high = found[round(0.975 * (len(found) - 1))]
    return _bounded(low, high)


def _bounded(low: float, high: float) -> Interval:
    return Interval(low=max(-1.0, low), high=min(1.0, high))


def _deviation(rater: str, rows: dict[tuple[str, str], ItemAnswers]) -> Deviation:
    compared, differences = 0, []
    for (call_id, item), row in rows.items():
        answer = row.machine if rater == MACHINE else row.answers.get(rater)
        if row.consensus is None or answer is None:
            continue
        compared += 1
        if answer != row.consensus:
            differences.append(Difference(call_id=call_id, item=item, answer=answer, consensus=row.consensus))
    return Deviation(
        rater=rater,
        compared=compared,
        differing=len(differences),
        share=len(differences) / compared if compared else None,
        differences=differences,
    )

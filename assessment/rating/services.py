"""Blind double marking of writing and speaking, adjudication, and the final score rule.

When an exam with written or spoken answers is handed in, each such answer goes to two raters
drawn at random among those eligible: never the candidate, never someone of the candidate's own
unit, never a test administrator (who sees every marking record), never twice the same person for one
answer, the less loaded first. A rater sees the task,
the answer and the rubric; never the candidate's identity nor the other rating. The rule
(``FINAL_SCORE_RULE``): if the two scores differ by at most the policy's discrepancy, the final
score is their mean; otherwise a senior rater marks it blind too, and the final score is the mean
of the senior rater's score and the nearer of the first two (the senior score alone when both
are equally near). Scores are exact fractions throughout, never floats. Once every answer of a
section is final its score follows (writing: the VSTEP composite of task 1 and task 2; speaking:
the mean of its parts rounded half up to 0.5), and with the last section the attempt's result and
certificate. A section whose score a test administrator set instead takes its answers out of
marking (``assessment.rating.sweep``, which also hands work not done by its deadline to another rater when
one is free). Every step is in the audit log.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.models import Attempt, AttemptStatus, Response
from assessment.rating import rubrics
from assessment.rating.models import (
    OPEN_MARKING,
    AssignmentStatus,
    Benchmark,
    MarkingStatus,
    RatedResponse,
    RatingAssignment,
    Rubric,
    score_text,
)
from assessment.results import settle_rated_sections
from assessment.rules.apply import writing_composite
from assessment.rules.numbers import round_half_up_to_half
from assessment.scoring import ShownStimulus
from assessment.sections import sections_of
from core import audit, clock
from core.accounts import Actor, Role, User
from core.accounts.models import account_usable_on
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from question_bank import item_types
from question_bank.models import ItemVersion

FINAL_SCORE_RULE = ("mean of two within the discrepancy; else mean of the senior rater's score and the nearer "
                    "of the first two (the senior score alone on a tie)")


@dataclass(frozen=True, slots=True)
class RatingPolicy:
    discrepancy: Fraction = Fraction(1)  # on 0-10; beyond it a senior rater adjudicates
    due_hours: int = 48
    benchmark_rate: float = 0.1  # chance that a rater given new work also gets a benchmark script


POLICY = RatingPolicy()
_random = random.SystemRandom()


# Assignment ------------------------------------------------------------------------------------------


def _eligible(session: Session, candidate: User, role: Role, excluded: set[int]) -> list[User]:
    # Usable today: a closed account, or a leaver's, would hold the work until it fell due. Never a test
    # administrator: they see every marking record, the other ratings and the candidate, so none marks blind.
    raters = [user for user in session.scalars(select(User).where(account_usable_on(clock.day_in_vietnam())))
              if role.value in user.roles and Role.TEST_ADMIN.value not in user.roles
              and user.id != candidate.id and user.id not in excluded
              and (candidate.unit_id is None or user.unit_id != candidate.unit_id)]
    return raters


def _open_load(session: Session, rater_ids: Iterable[int]) -> dict[int, int]:
    counts = dict(session.execute(select(RatingAssignment.rater_id, func.count()).where(
        RatingAssignment.rater_id.in_(list(rater_ids)), RatingAssignment.status == AssignmentStatus.ASSIGNED)
        .group_by(RatingAssignment.rater_id)).all())
    return {rater_id: counts.get(rater_id, 0) for rater_id in rater_ids}


def _pick(session: Session, raters: list[User]) -> User | None:
    """A random rater among the least loaded."""
    if not raters:
        return None
    load = _open_load(session, [rater.id for rater in raters])
    least = min(load.values())
    return _random.choice([rater for rater in raters if load[rater.id] == least])


def _involved(session: Session, response_id: int) -> set[int]:
    return set(session.scalars(select(RatingAssignment.rater_id).where(RatingAssignment.response_id == response_id)))


def _rubric_for(session: Session, response: Response) -> Rubric:
    """The rubric version the answer's first assignment took, so that every round of it (replacements and the
    senior's included) marks against the same one; the item's latest version for a first assignment."""
    first = session.scalar(select(RatingAssignment).where(RatingAssignment.response_id == response.id)
                           .order_by(RatingAssignment.id).limit(1))
    if first is not None:
        return first.rubric
    version = session.get(ItemVersion, response.item_version_id)
    return rubrics.for_item(session, version.scoring.get("rubric"), version.skill or "writing")


def assign_round(session: Session, response: Response, round_: int, policy: RatingPolicy) -> RatingAssignment | None:
    """Give one round of one answer to an eligible rater; None while nobody eligible is free."""
    attempt = response.attempt
    candidate = session.get(User, attempt.candidate_id)
    role = Role.SENIOR_RATER if round_ == 3 else Role.RATER
    rater = _pick(session, _eligible(session, candidate, role, _involved(session, response.id)))
    if rater is None:
        return None
    rubric = _rubric_for(session, response)
    now = clock.now()
    assignment = RatingAssignment(response_id=response.id, rater_id=rater.id, round=round_, rubric_id=rubric.id,
                                  assigned_at=now, due_at=now + timedelta(hours=policy.due_hours))
    session.add(assignment)
    session.flush()
    audit.record(session, actor=None, action="rating.assigned", entity_type="rating_assignment",
                 entity_id=assignment.id, response_id=response.id, round=round_, rater_id=rater.id)
    _maybe_benchmark(session, rater, policy)
    return assignment


def _maybe_benchmark(session: Session, rater: User, policy: RatingPolicy) -> None:
    """Now and then a benchmark script the rater has not marked joins their queue, looking like any other."""
    if policy.benchmark_rate <= 0 or _random.random() >= policy.benchmark_rate:
        return
    marked = select(RatingAssignment.benchmark_id).where(RatingAssignment.rater_id == rater.id,
                                                         RatingAssignment.benchmark_id.is_not(None))
    fresh = list(session.scalars(select(Benchmark).where(Benchmark.active.is_(True), Benchmark.id.not_in(marked))))
    if not fresh:
        return
    benchmark = _random.choice(fresh)
    version = session.get(ItemVersion, benchmark.item_version_id)
    rubric = rubrics.for_item(session, version.scoring.get("rubric"), version.skill or "writing")
    now = clock.now()
    session.add(RatingAssignment(benchmark_id=benchmark.id, rater_id=rater.id, round=1, rubric_id=rubric.id,
                                 assigned_at=now, due_at=now + timedelta(hours=policy.due_hours)))
    session.flush()


def open_marking(session: Session, attempt: Attempt, policy: RatingPolicy | None = None) -> int:
    """Queue every written or spoken answer of a handed-in attempt for double marking; returns how many."""
    policy = policy or POLICY
    opened = 0
    known = set(session.scalars(select(RatedResponse.response_id).where(RatedResponse.attempt_id == attempt.id)))
    for response in attempt.responses:
        version = session.get(ItemVersion, response.item_version_id)
        if response.id in known or not item_types.get(version.item.type).rater_scored:
            continue
        session.add(RatedResponse(response_id=response.id, attempt_id=attempt.id))
        session.flush()
        for round_ in (1, 2):
            assign_round(session, response, round_, policy)
        opened += 1
    return opened


# Marking ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarkingView:
    """What a rater sees of one assignment: the task, the answer and the rubric, nothing about who."""

    id: int
    status: str
    due_at: Any
    task: dict[str, Any]
    item_type: str
    skill: str
    answer: dict[str, Any]
    rubric: dict[str, Any]
    criteria: dict[str, float] | None
    score: Fraction | None
    stimulus: ShownStimulus | None  # the passage or recording the task came with, as the candidate saw it


def _view(session: Session, assignment: RatingAssignment) -> MarkingView:
    if assignment.benchmark is not None:
        version, answer = session.get(ItemVersion, assignment.benchmark.item_version_id), assignment.benchmark.answer
    else:
        version, answer = session.get(ItemVersion, assignment.response.item_version_id), assignment.response.answer
    if "audio" in answer:
        answer = {**answer, "audio_url": f"/api/v1/media/{answer['audio']}"}
    rubric = assignment.rubric
    return MarkingView(assignment.id, assignment.status, assignment.due_at, version.content, version.item.type,
                       version.skill or "", answer,
                       {"code": rubric.code, "version": rubric.version, "title": rubric.title,
                        "criteria": rubric.criteria}, assignment.criteria, assignment.score,
                       ShownStimulus.of(version.stimulus, plays_counted=False)
                       if version.stimulus is not None else None)


def _check_rater(actor: Actor) -> None:
    if not (Role.RATER in actor.roles or Role.SENIOR_RATER in actor.roles):
        raise PermissionDenied("only raters mark answers")


def my_queue(session: Session, *, actor: Actor) -> list[MarkingView]:
    """The rater's open assignments, earliest deadline first."""
    _check_rater(actor)
    assignments = session.scalars(select(RatingAssignment).where(
        RatingAssignment.rater_id == actor.id, RatingAssignment.status == AssignmentStatus.ASSIGNED)
        .order_by(RatingAssignment.due_at, RatingAssignment.id))
    return [_view(session, assignment) for assignment in assignments]


def _own(session: Session, actor: Actor, assignment_id: int, *, for_update: bool = False) -> RatingAssignment:
    assignment = session.get(RatingAssignment, assignment_id, with_for_update=for_update,
                             populate_existing=for_update)
    if assignment is None or assignment.rater_id != actor.id:
        raise NotFound(f"assignment {assignment_id} is not yours", field="assignment_id")
    return assignment


def get_marking(session: Session, *, actor: Actor, assignment_id: int) -> MarkingView:
    """One of the rater's own assignments. Raises NotFound for anyone else's."""
    _check_rater(actor)
    return _view(session, _own(session, actor, assignment_id))


def _checked_criteria(criteria: dict[str, Any], rubric_criteria: list[dict[str, Any]]) -> dict[str, float]:
    expected = [criterion["key"] for criterion in rubric_criteria]
    for key in criteria:
        if key not in expected:
            raise RuleViolation(f"the rubric has no criterion {key!r}", field=f"criteria.{key}")
    checked = {}
    for key in expected:
        value = criteria.get(key)
        if value is None:
            raise RuleViolation("every criterion of the rubric needs a score", field=f"criteria.{key}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10 \
                or (value * 2) % 1 != 0:
            raise RuleViolation("a criterion score is a multiple of 0.5 from 0 to 10", field=f"criteria.{key}")
        checked[key] = float(value)
    return checked


def submit_marking(session: Session, *, actor: Actor, assignment_id: int, criteria: dict[str, Any],
                   comment: str = "", policy: RatingPolicy | None = None) -> MarkingView:
    """Record a rater's scores on every criterion; the answer's marking moves on when its round is complete.

    Raises NotFound, Conflict (already submitted or withdrawn) or RuleViolation (naming the criterion).
    """
    _check_rater(actor)
    assignment = _own(session, actor, assignment_id, for_update=True)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise Conflict("this marking is already submitted")
    if assignment.status == AssignmentStatus.WITHDRAWN:
        raise Conflict("this assignment was withdrawn (its deadline passed or the score was set otherwise)")
    checked = _checked_criteria(criteria, assignment.rubric.criteria)
    assignment.criteria, assignment.comment = checked, comment
    assignment.score = sum((Fraction(value) for value in checked.values()), Fraction(0)) / len(checked)
    assignment.status, assignment.submitted_at = AssignmentStatus.SUBMITTED, clock.now()
    session.flush()
    audit.record(session, actor=actor, action="rating.submitted", entity_type="rating_assignment",
                 entity_id=assignment.id, round=assignment.round, score=score_text(assignment.score),
                 criteria=checked)
    if assignment.response_id is not None:
        _advance(session, assignment.response_id, policy or POLICY)
    return _view(session, assignment)


def _scores_by_round(session: Session, response_id: int) -> dict[int, Fraction]:
    return {a.round: a.score for a in session.scalars(select(RatingAssignment).where(
        RatingAssignment.response_id == response_id, RatingAssignment.status == AssignmentStatus.SUBMITTED))}


def final_score(first: Fraction, second: Fraction, senior: Fraction | None,
                discrepancy: Fraction) -> tuple[Fraction | None, str]:
    """FINAL_SCORE_RULE: (score, which part of the rule), or (None, "adjudication") when a senior is needed.

    Exact: a float mean of 5.6 and 5.8 is 5.699999999999999, which moves the section's rounding.
    """
    if abs(first - second) <= discrepancy:
        return (first + second) / 2, "mean_of_two"
    if senior is None:
        return None, "adjudication"
    near_first, near_second = abs(senior - first), abs(senior - second)
    if near_first == near_second:
        return senior, "senior_on_tie"
    nearer = first if near_first < near_second else second
    return (senior + nearer) / 2, "senior_and_nearer"


def _advance(session: Session, response_id: int, policy: RatingPolicy) -> None:
    rated = session.get(RatedResponse, response_id, with_for_update=True, populate_existing=True)
    if rated is None or rated.status not in OPEN_MARKING:
        return
    scores = _scores_by_round(session, response_id)
    if 1 not in scores or 2 not in scores:
        return
    score, rule = final_score(scores[1], scores[2], scores.get(3), policy.discrepancy)
    if score is None:
        if rated.status != MarkingStatus.ADJUDICATION:
            rated.status = MarkingStatus.ADJUDICATION
            audit.record(session, actor=None, action="rating.adjudication", entity_type="response",
                         entity_id=response_id, first=score_text(scores[1]), second=score_text(scores[2]))
            assign_round(session, session.get(Response, response_id), 3, policy)
        return
    rated.status, rated.final_score, rated.rule, rated.finalised_at = MarkingStatus.FINAL, score, rule, clock.now()
    session.flush()
    audit.record(session, actor=None, action="rating.final", entity_type="response", entity_id=response_id,
                 score=score_text(score), rule=rule)
    _settle_marked_sections(session, rated.attempt_id)


def _settle_marked_sections(session: Session, attempt_id: int) -> None:
    """Each writing or speaking section still without a score gets one once all its answers are final; the last
    section's settles the result (a section whose score an administrator set already has it)."""
    # Locked, then read: two answers becoming final at once must not each miss the other's final score.
    attempt = session.get(Attempt, attempt_id, with_for_update=True, populate_existing=True)
    if attempt.status != AttemptStatus.AWAITING_RATING:
        return
    rated = {r.response_id: r for r in session.scalars(select(RatedResponse).where(
        RatedResponse.attempt_id == attempt_id).execution_options(populate_existing=True))}
    marked = {response.item_version_id: rated[response.id] for response in attempt.responses if response.id in rated}
    versions = {entry.position: entry.item_version_id for entry in attempt.test.entries}
    unscored = {record["skill"] for record in attempt.sections if record["score"] is None}
    scores: dict[str, Decimal] = {}
    for spec in sections_of(attempt.test.config):
        answers = [marked.get(versions[position]) for position in spec.positions]
        if spec.skill not in unscored or any(r is not None and r.status != MarkingStatus.FINAL for r in answers):
            continue
        parts = [Fraction(0) if r is None else r.final_score for r in answers]  # no answer scores 0
        if spec.skill == "writing" and len(parts) == 2:
            scores[spec.skill] = writing_composite(parts[0], parts[1], clock.day_in_vietnam(attempt.started_at))
        else:
            scores[spec.skill] = round_half_up_to_half(sum(parts, Fraction(0)) / len(parts))
    if scores:
        settle_rated_sections(session, attempt, scores)

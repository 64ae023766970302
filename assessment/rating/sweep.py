"""Taking marking work back: answers whose section an administrator scored, and work past its deadline.

The periodic sweep hands overdue work to another eligible rater (never leaving an answer with nobody) and
gives rounds still unassigned to raters who have become free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.models import Response
from assessment.rating.models import OPEN_MARKING, AssignmentStatus, MarkingStatus, RatedResponse, RatingAssignment
from assessment.rating.services import POLICY, RatingPolicy, assign_round
from core import audit, clock

__all__ = ["SweepReport", "sweep", "withdraw_open"]


def withdraw_open(session: Session, response_ids: Iterable[int], reason: str) -> int:
    """Take these answers out of marking: a test administrator set their section's score instead.

    Open assignments are withdrawn, and answers not final yet are marked overridden, settled without a
    score of their own: the sweep leaves them alone and the section keeps the administrator's score.
    Returns how many assignments were withdrawn.
    """
    ids = list(response_ids)
    if not ids:
        return 0
    open_ones = list(session.scalars(select(RatingAssignment).where(
        RatingAssignment.response_id.in_(ids), RatingAssignment.status == AssignmentStatus.ASSIGNED)))
    for assignment in open_ones:
        assignment.status = AssignmentStatus.WITHDRAWN
        audit.record(session, actor=None, action="rating.withdrawn", entity_type="rating_assignment",
                     entity_id=assignment.id, reason=reason)
    now = clock.now()
    for rated in session.scalars(select(RatedResponse).where(RatedResponse.response_id.in_(ids),
                                                             RatedResponse.status.in_(OPEN_MARKING))):
        rated.status, rated.finalised_at = MarkingStatus.OVERRIDDEN, now
        audit.record(session, actor=None, action="rating.overridden", entity_type="response",
                     entity_id=rated.response_id, reason=reason)
    session.flush()
    return len(open_ones)


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one sweep did. ``still_overdue``: assignments past their deadline left with their raters because no
    other eligible rater could take them (withdrawing them would leave the answer with nobody)."""

    withdrawn: int
    assigned: int
    still_overdue: tuple[int, ...]


def _overdue(session: Session, now: datetime) -> list[RatingAssignment]:
    return list(session.scalars(select(RatingAssignment).where(
        RatingAssignment.status == AssignmentStatus.ASSIGNED, RatingAssignment.due_at <= now)
        .order_by(RatingAssignment.due_at, RatingAssignment.id)))


def _withdraw_overdue(session: Session, assignment: RatingAssignment, replaced_by: int | None) -> None:
    assignment.status = AssignmentStatus.WITHDRAWN
    audit.record(session, actor=None, action="rating.overdue", entity_type="rating_assignment",
                 entity_id=assignment.id, rater_id=assignment.rater_id, replaced_by=replaced_by)


def sweep(session: Session, policy: RatingPolicy | None = None) -> SweepReport:
    """Hand overdue work to other raters and give unassigned rounds to raters now free.

    Overdue work is only taken back when another eligible rater takes it at once; otherwise it stays with
    its rater, still open, and is reported. An overdue benchmark script is simply withdrawn.
    """
    policy = policy or POLICY
    withdrawn = assigned = 0
    still_overdue = []
    for assignment in _overdue(session, clock.now()):
        if assignment.response_id is None:
            _withdraw_overdue(session, assignment, replaced_by=None)
            withdrawn += 1
            continue
        replacement = assign_round(session, assignment.response, assignment.round, policy)
        if replacement is None:
            still_overdue.append(assignment.id)
            continue
        _withdraw_overdue(session, assignment, replaced_by=replacement.id)
        withdrawn, assigned = withdrawn + 1, assigned + 1
    session.flush()
    for rated in session.scalars(select(RatedResponse).where(RatedResponse.status.in_(OPEN_MARKING))):
        live = {a.round for a in session.scalars(select(RatingAssignment).where(
            RatingAssignment.response_id == rated.response_id, RatingAssignment.status != AssignmentStatus.WITHDRAWN))}
        needed = {1, 2} if rated.status == MarkingStatus.DOUBLE_MARKING else {3}
        for round_ in sorted(needed - live):
            assigned += assign_round(session, session.get(Response, rated.response_id), round_, policy) is not None
    return SweepReport(withdrawn, assigned, tuple(still_overdue))


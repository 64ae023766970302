"""Test administrators' side of marking: the full marking record of an attempt, and benchmark scripts."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.answers import check_recording
from assessment.models import Attempt
from assessment.rating.models import SCORE_TEXT_LENGTH, Benchmark, RatedResponse, RatingAssignment, score_text
from assessment.rules.numbers import exact
from core import audit
from core.accounts import Actor, Role
from core.errors import NotFound, PermissionDenied, RuleViolation
from question_bank import item_types

__all__ = ["create_benchmark", "marking_record"]


def marking_record(session: Session, *, actor: Actor, attempt_id: int) -> list[dict[str, Any]]:
    """Test administrators: every rating of an attempt, with raters and the final scores.

    Raises PermissionDenied, or NotFound for an attempt that does not exist (not an empty record).
    """
    if not actor.has(Role.TEST_ADMIN):
        raise PermissionDenied("only test administrators see the marking record")
    if session.get(Attempt, attempt_id) is None:
        raise NotFound(f"attempt {attempt_id} does not exist", field="attempt_id")
    record = []
    for rated in session.scalars(select(RatedResponse).where(RatedResponse.attempt_id == attempt_id)
                                 .order_by(RatedResponse.response_id)):
        ratings = session.scalars(select(RatingAssignment).where(RatingAssignment.response_id == rated.response_id)
                                  .order_by(RatingAssignment.round, RatingAssignment.id))
        record.append({"response_id": rated.response_id, "status": rated.status, "final_score": rated.final_score,
                       "rule": rated.rule, "ratings": [
                           {"round": a.round, "rater_id": a.rater_id, "status": a.status, "score": a.score,
                            "criteria": a.criteria, "rubric": f"{a.rubric.code} v{a.rubric.version}"}
                           for a in ratings]})
    return record


def create_benchmark(session: Session, *, actor: Actor, item_id: int, answer: dict[str, Any],
                     agreed_score: Fraction | Decimal | int | str) -> Benchmark:
    """A script with an agreed score, to be slipped into raters' queues.

    The agreed score is kept exact, as raters' scores are (a float is refused: 5.2499999999999999 would already
    be 5.25 and round to 5.5 where the raters' 5.0 agrees with it).
    Raises PermissionDenied, or RuleViolation for an answer its task would refuse from a candidate (a recording
    that was never uploaded included) or an agreed score off 0-10 or with too many digits to store exactly.
    """
    from question_bank.models import Item

    if not actor.has(Role.TEST_ADMIN):
        raise PermissionDenied("only test administrators add benchmark scripts")
    item = session.get(Item, item_id)
    if item is None or not item_types.get(item.type).rater_scored:
        raise RuleViolation("a benchmark is an answer to a writing or speaking task", field="item_id")
    item_types.get(item.type).check_answer(item.current_version.content, answer)
    if "audio" in answer:  # as a candidate's spoken answer: the recording must be there to be played
        check_recording(session, answer["audio"], uploaded_by=None)
    agreed = exact(agreed_score, field="agreed_score")
    if not 0 <= agreed <= 10:
        raise RuleViolation("the agreed score is on 0-10", field="agreed_score")
    if len(score_text(agreed)) > SCORE_TEXT_LENGTH:
        raise RuleViolation(f"the agreed score has too many digits to keep exactly (at most {SCORE_TEXT_LENGTH} "
                            "characters as a decimal or a fraction)", field="agreed_score")
    benchmark = Benchmark(item_version_id=item.current_version_id, answer=answer, agreed_score=agreed,
                          created_by=actor.id)
    session.add(benchmark)
    session.flush()
    audit.record(session, actor=actor, action="rating.benchmark_added", entity_type="rating_benchmark",
                 entity_id=benchmark.id, agreed_score=score_text(agreed))
    return benchmark


"""Scoring handed-in attempts onto the levels, and awarding what they earn (level, certificate).

Fixed tests by raw-score cut-offs, adaptive ones by the engine's placement, sectioned exams by
their sections' 0-10 scores and the VSTEP rules, provisional until the raters' scores are in.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from assessment import adaptive, certification, policies, scoring
from assessment.certificates.types import SkillScores
from assessment.models import AssessedLevel, Attempt, AttemptStatus, TestPurpose
from assessment.rules.apply import score_vstep
from assessment.sections import SECTIONED, sections_of
from assessment.test_definitions import DEFAULT_CERTIFICATE_VALID_MONTHS
from core import audit, clock
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from question_bank import item_types


def _engine_scores(session: Session, attempt: Attempt) -> dict[int, float]:
    """An adaptive attempt's answers as its engine takes them: right (1) or wrong (0) per item version."""
    earned = {r.item_version_id: r.points for r in attempt.responses if r.points is not None}
    return adaptive.right_or_wrong(session, attempt.test, earned)


def _award(session: Session, attempt: Attempt) -> None:
    """Record the level a placement or certification gave; a certified level also gets its certificate."""
    if attempt.level is None or attempt.test.purpose not in (TestPurpose.CERTIFICATION, TestPurpose.PLACEMENT):
        return
    level = AssessedLevel(user_id=attempt.candidate_id, level=attempt.level, basis=attempt.test.purpose,
                          attempt_id=attempt.id, awarded_at=attempt.submitted_at)
    session.add(level)
    if attempt.test.purpose != TestPurpose.CERTIFICATION:
        return
    scores, overall, valid_months = SkillScores(), None, None
    if attempt.test.kind == SECTIONED:
        scores = SkillScores(**{record["skill"]: Decimal(record["score"]) for record in attempt.sections})
        overall = Decimal(str(attempt.overall_score))
        valid_months = attempt.test.config.get("certificate_valid_months", DEFAULT_CERTIFICATE_VALID_MONTHS)
    certificate = certification.issue_certificate(
        session, user_id=attempt.candidate_id, attempt_id=attempt.id, test_title=attempt.test.title,
        test_kind=attempt.test.kind, exam_date=clock.day_in_vietnam(attempt.started_at), level=attempt.level,
        scores=scores, overall=overall, valid_months=valid_months)
    valid_until = certificate.data.get("valid_until")
    level.valid_until = date.fromisoformat(valid_until) if valid_until else None

def _finish_adaptive(session: Session, attempt: Attempt, reason: str, *, closed_at: datetime,
                     engine_stop: str | None = None) -> None:
    """Close an adaptive attempt with the engine's placement; unanswered items given count as wrong.

    ``engine_stop`` is the engine's reason when it ended the test (``reason`` "finished"); otherwise the
    candidate ended it, by handing in or running out of time. Too few answers give no level.
    """
    scores = _engine_scores(session, attempt)
    engine = adaptive.ENGINES.get(session, attempt.test)
    placed = adaptive.placement(engine, list(attempt.administered), scores,
                                stop_reason=engine_stop or adaptive.CANDIDATE_STOPS[reason])
    attempt.theta, attempt.se, attempt.level = placed.result.theta, placed.result.se, placed.level
    attempt.placement = adaptive.placement_summary(placed)
    attempt.raw_score, attempt.max_score = float(sum(scores.values())), float(len(attempt.administered))
    attempt.status, attempt.submitted_at, attempt.closed_reason = AttemptStatus.SCORED, closed_at, reason
    _award(session, attempt)
    session.flush()

def _score(session: Session, attempt: Attempt, *, reason: str, closed_at: datetime | None = None) -> None:
    """Score a handed-in attempt. ``closed_at`` is when it was handed in: now, unless its time ran out
    earlier (then the deadline: that is when it ended, whenever it was noticed)."""
    closed_at = closed_at or clock.now()
    if attempt.test.kind == "adaptive":
        _finish_adaptive(session, attempt, reason, closed_at=closed_at)
        return
    if attempt.test.kind == SECTIONED:
        _score_sectioned(session, attempt, reason, closed_at)
        return
    responses = {r.item_version_id: r for r in attempt.responses}
    raw = maximum = 0.0
    for entry in attempt.test.entries:
        version = entry.item_version
        response = responses.get(version.id)
        result = item_types.get(version.item.type).score(
            version.content, version.scoring, response.answer if response else None)
        if response is not None:
            response.points = result.points
        raw += result.points or 0.0
        maximum += result.max_points
    attempt.raw_score, attempt.max_score = raw, maximum
    attempt.level = scoring.level_for_raw_score(attempt.test.cut_scores, raw)
    attempt.status, attempt.submitted_at, attempt.closed_reason = AttemptStatus.SCORED, closed_at, reason
    _award(session, attempt)
    session.flush()

def _score_sectioned(session: Session, attempt: Attempt, reason: str, closed_at: datetime) -> None:
    """Score each section on 0-10: listening and reading now, writing and speaking when rated.

    A section never reached scores 0, as does a rater-marked section left without any answer.
    """
    specs = sections_of(attempt.test.config)
    records = [dict(record) for record in attempt.sections or ()]
    if records and records[-1]["ended_at"] is None:
        records[-1]["ended_at"], records[-1]["closed_reason"] = closed_at.isoformat(), reason
    responses = {r.item_version_id: r for r in attempt.responses}
    entries = {entry.position: entry.item_version for entry in attempt.test.entries}
    objective_raw = objective_max = 0.0
    for index, spec in enumerate(specs):
        if index == len(records):
            records.append({"started_at": None, "ended_at": None, "closed_reason": "not_reached"})
        raw = maximum = 0.0
        waiting = False
        for position in spec.positions:
            version = entries[position]
            response = responses.get(version.id)
            result = item_types.get(version.item.type).score(
                version.content, version.scoring, response.answer if response else None)
            if response is not None:
                response.points = result.points
            waiting = waiting or result.points is None
            raw += result.points or 0.0
            maximum += result.max_points
        record = records[index]
        record.update(skill=spec.skill, raw=raw, max=maximum)
        if spec.rater_scored:
            record["score"] = None if waiting else "0.0"
        else:
            record["score"] = str(spec.scaled(raw, maximum))
            objective_raw, objective_max = objective_raw + raw, objective_max + maximum
    attempt.sections = records
    attempt.raw_score, attempt.max_score = objective_raw, objective_max
    attempt.submitted_at, attempt.closed_reason = closed_at, reason
    _settle_sectioned(session, attempt)

def _settle_sectioned(session: Session, attempt: Attempt) -> None:
    """The overall score and level once every section has its score; provisional until then."""
    scores = {record["skill"]: record["score"] for record in attempt.sections}
    if any(score is None for score in scores.values()):
        from assessment.rating.services import open_marking

        attempt.status, attempt.level, attempt.overall_score = AttemptStatus.AWAITING_RATING, None, None
        session.flush()
        open_marking(session, attempt)
        return
    result = score_vstep(**{skill: Decimal(score) for skill, score in scores.items()},
                         on=clock.day_in_vietnam(attempt.started_at))
    attempt.overall_score, attempt.level = float(result.overall), result.level_number
    attempt.status = AttemptStatus.SCORED
    _award(session, attempt)
    session.flush()

def settle_rated_sections(session: Session, attempt: Attempt, scores: dict[str, Decimal]) -> None:
    """The raters' section scores are in (assessment.rating): the result and certificate follow."""
    records = [dict(record) for record in attempt.sections]
    for record in records:
        if record["skill"] in scores and record["score"] is None:
            record["score"] = str(scores[record["skill"]])
    attempt.sections = records
    _settle_sectioned(session, attempt)

def record_section_score(session: Session, *, actor: Actor, attempt_id: int, skill: str, score: str) -> Attempt:
    """Override: a test administrator sets a writing or speaking section's 0-10 score (e.g. marked on paper).

    The section's marking still open is withdrawn; the last missing score settles the result.
    Raises PermissionDenied, NotFound, Conflict (not awaiting that score) or RuleViolation.
    """
    from assessment.rating.sweep import withdraw_open

    if not policies.can_enter_ratings(actor):
        raise PermissionDenied("only test administrators set section scores over the raters' marking")
    attempt = session.get(Attempt, attempt_id, with_for_update=True, populate_existing=True)
    if attempt is None:
        raise NotFound(f"attempt {attempt_id} does not exist", field="attempt_id")
    if not policies.can_score_attempt(actor, attempt):
        raise PermissionDenied("nobody sets a score on their own attempt")
    if attempt.test.kind != SECTIONED or attempt.status != AttemptStatus.AWAITING_RATING:
        raise Conflict("this attempt is not waiting for section scores", attempt_status=attempt.status)
    index = next((i for i, spec in enumerate(sections_of(attempt.test.config))
                  if spec.skill == skill and spec.rater_scored), None)
    if index is None:
        raise RuleViolation("only writing and speaking are scored by raters", field="skill")
    try:
        value = Decimal(score)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 10 or (value * 2) % 1 != 0:
        raise RuleViolation("a section score is a multiple of 0.5 from 0 to 10", field="score")
    records = [dict(record) for record in attempt.sections]
    if records[index]["score"] is not None:
        raise Conflict(f"the {skill} section already has its score", score=records[index]["score"])
    records[index]["score"] = str(value.copy_abs().quantize(Decimal("0.1")))  # -0.0 is 0.0 on the certificate
    attempt.sections = records
    spec = sections_of(attempt.test.config)[index]
    versions = {entry.item_version_id for entry in attempt.test.entries if entry.position in spec.positions}
    withdraw_open(session, [r.id for r in attempt.responses if r.item_version_id in versions],
                  reason=f"{skill} score set by a test administrator")
    audit.record(session, actor=actor, action="attempt.section_score_override", entity_type="attempt",
                 entity_id=attempt.id, skill=skill, score=records[index]["score"])
    _settle_sectioned(session, attempt)
    return attempt

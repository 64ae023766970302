"""Learning paths: planned from a person's level and their position's requirement (seats: learning.enrolments).

New results reach paths without assessment knowing of learning (the layer contract): a path is refreshed
whenever it is read (``get_path_for``, ``get_my_path``) and by ``refresh_paths(session, user_id)``, which
the API layer may call after recording a result. Refreshing closes the path when a valid certified level
meets the requirement, and re-plans it when the requirement, the language or the level it rests on changed.

The deadline: one given when planning wins, and stays when the path is re-planned or refreshed without one.
Otherwise the deadline is the position's ``required_by`` (the day its level is required) and follows it: a
refresh re-plans the path when the position's date changes. No explicit deadline and no date: no deadline.

External-relations staff (learning.external_relations, a rule in targets.yaml) also get the professional and
external-affairs courses of the catalogue they have not completed, after their language steps (planner rule 6);
a refresh re-plans the path when someone becomes, or stops being, external-relations staff. A certified level
that meets the requirement still closes the path: the requirement is the language level.

Enrolments: the seats a person holds are fixed points of their plan. Taking or dropping a seat re-plans the
path at once around the seats held (the steps after a seat move after it, a prerequisite stays before the
course needing it); a refresh does the same when the steps no longer match the seats, or a planned step's
offering can no longer be joined (it filled up, started or was cancelled since):
``path_plans.steps_out_of_date``.
Steps completed on the path stay on it, first, while the plan still covers them. Taking, dropping and
completing seats: learning.enrolments.

The catalogue: a refresh also re-plans a path when planning it again from what it rests on would give other
courses or another verdict, or an offering to a step that has none (``path_plans.catalogue_moved_on``): a first
offering scheduled for a course that had none, a course added to the gap, or one re-banded, moved to another
language or given other prerequisites. An offering planned that can still be joined stays, even when a better one
appears. A seat held in a course that no longer fits leaves the path but stays taken: only its holder or HR drops it.

Leavers (``StaffMember.left_on`` before today) are left alone: their path stays as it was last planned. Reading
it, the sweep, a seat change or a moved offering re-plan it no more, and planning one is refused (422).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assessment.models import CERTIFIED_BASES, AssessedLevel, LevelBasis
from core import audit, clock
from core.accounts import Actor
from core.errors import NotFound, PermissionDenied, RuleViolation
from learning import external_relations, organisation, path_plans, planner
from learning import training_policies as policies
from learning.models import JobPosition, StaffMember, Unit
from learning.training_models import (
    Enrolment,
    LearningPath,
    PathStatus,
    PathStep,
    PathVerdict,
    StepStatus,
)


def get_staff(session: Session, staff_id: int) -> StaffMember:
    """Raises NotFound."""
    staff = session.get(StaffMember, staff_id)
    if staff is None:
        raise NotFound(f"staff member {staff_id} does not exist", field="staff_id")
    return staff


def staff_for(session: Session, actor: Actor, staff_id: int, *, self_allowed: bool) -> StaffMember:
    staff = get_staff(session, staff_id)
    if policies.can_manage_staff_training(
            actor, staff, ancestor_ids=organisation.ancestors_that_matter(session, actor, staff.unit_id)):
        return staff
    if self_allowed and policies.can_follow_own_training(actor, staff):
        return staff
    raise PermissionDenied("HR of one unit sees and plans only the people of that unit and the units below it")


# --- the level a plan rests on ---------------------------------------------------------------------------

def standing_level(session: Session, *, user_id: int | None, language: str, on: date) -> AssessedLevel | None:
    """The best certified level valid on ``on`` in ``language``; else the latest placement level; else None."""
    if user_id is None:
        return None
    mine = select(AssessedLevel).where(AssessedLevel.user_id == user_id, AssessedLevel.language == language)
    certified = session.scalar(mine.where(
        AssessedLevel.basis.in_(CERTIFIED_BASES),
        or_(AssessedLevel.valid_until.is_(None), AssessedLevel.valid_until >= on),
    ).order_by(AssessedLevel.level.desc(), AssessedLevel.awarded_at.desc(), AssessedLevel.id.desc()).limit(1))
    if certified is not None:
        return certified
    return session.scalar(mine.where(AssessedLevel.basis == LevelBasis.PLACEMENT)
                          .order_by(AssessedLevel.awarded_at.desc(), AssessedLevel.id.desc()).limit(1))


def skill_profile(level: AssessedLevel | None) -> dict[str, float]:
    """Per-skill values behind a level: placement skill levels, or an exam's 0-10 section scores."""
    attempt = level.attempt if level is not None else None
    if attempt is None:
        return {}
    if attempt.placement and attempt.placement.get("skills"):
        return {skill: float(data["level"]) for skill, data in attempt.placement["skills"].items()
                if data.get("level") is not None}
    return {record["skill"]: float(record["score"]) for record in attempt.sections or ()
            if record.get("score") is not None}


# --- planning ----------------------------------------------------------------------------------------------

def plan_path_for(session: Session, *, actor: Actor, staff_id: int, deadline: date | None = None) -> LearningPath:
    """Plan (or re-plan) a staff member's path. Raises NotFound, PermissionDenied, RuleViolation (no position).

    Without ``deadline``: the explicit deadline the path had, else the position's ``required_by`` (module
    docstring).
    """
    staff = staff_for(session, actor, staff_id, self_allowed=False)
    path = session.scalar(select(LearningPath).where(LearningPath.staff_member_id == staff.id))
    if deadline is not None and deadline < clock.day_in_vietnam():
        raise RuleViolation("the deadline is in the past", field="deadline")
    path = _replan(session, staff, path, deadline=deadline)
    audit.record(session, actor=actor, action="path.planned", entity_type="learning_path", entity_id=path.id,
                 staff_member_id=staff.id, status=path.status, verdict=path.verdict)
    return path


def _explicit_deadline(path: LearningPath | None) -> date | None:
    return path.deadline if path is not None and not path.deadline_from_position else None


def _deadline(path: LearningPath | None, position: JobPosition) -> tuple[date | None, bool]:
    """The deadline a path planned without one gets, and whether it comes from the position."""
    explicit = _explicit_deadline(path)
    if explicit is not None or position.required_by is None:
        return explicit, False
    return position.required_by, True


def _replan(session: Session, staff: StaffMember, path: LearningPath | None, *,
            deadline: date | None = None) -> LearningPath:
    """Re-plan with ``deadline`` if given (an explicit one), else the deadline ``_deadline`` gives. Raises
    RuleViolation for a leaver or a person without a position."""
    today = clock.day_in_vietnam()
    if staff.has_left_before(today):
        raise RuleViolation(f"the staff member left on {staff.left_on.isoformat()}: a leaver's path is no longer "
                            "planned", field="staff_id")
    position = staff.position
    if position is None:
        raise RuleViolation("the staff member holds no position, so there is no level to reach", field="staff_id")
    deadline, from_position = (deadline, False) if deadline is not None else _deadline(path, position)
    own_plan = external_relations.ExternalRelationsRule.load().covers(session, staff)  # before a new path is added
    level = standing_level(session, user_id=staff.user_id, language=position.language, on=today)
    if path is None:
        path = LearningPath(staff_member_id=staff.id)
        session.add(path)
    current = level.level if level is not None else 0
    path.language, path.target_level, path.deadline = position.language, position.required_level, deadline
    path.deadline_from_position = from_position
    path.external_relations = own_plan
    path.current_level, path.level_basis = current, level.basis if level is not None else None
    path.assessed_level_id = level.id if level is not None else None
    path.skill_profile = skill_profile(level)
    path.planned_at, path.closed_at, path.earliest_finish = clock.now(), None, None
    done_on_path = {step.enrolment_id for step in path.steps if step.status == StepStatus.COMPLETED}
    path.steps.clear()
    session.flush()  # old steps go before new ones take their positions
    if level is not None and level.basis in CERTIFIED_BASES and current >= position.required_level:
        _close(path, level)
        return path

    try:
        plan, rows = path_plans.plan_steps(session, staff.id, language=position.language, current=current,
                                           required=position.required_level, deadline=deadline,
                                           skill_profile=path.skill_profile, external=own_plan,
                                           done_on_path=done_on_path, today=today)
    except planner.PlanningError as error:
        raise RuleViolation(str(error), field="prerequisites") from error
    for row in rows:
        path.steps.append(PathStep(position=len(path.steps) + 1, **row))
    path.verdict, path.reason, path.earliest_finish = plan.verdict, plan.reason, plan.earliest_finish
    path.status = PathStatus.OPEN
    if not plan.steps and plan.verdict == planner.NO_GAP:  # a placement level meets it: certify it
        path.status = PathStatus.READY_FOR_RETEST
        path.reason = f"{plan.reason}, but only a certification test or a verified certificate closes the path"
    elif not plan.steps and plan.verdict == planner.ON_TRACK:
        path.status = PathStatus.READY_FOR_RETEST
        path.reason = "every course of the path is completed: re-test to show the new level"
    session.flush()
    return path


def _close(path: LearningPath, level: AssessedLevel) -> None:
    path.status, path.verdict, path.closed_at = PathStatus.CLOSED, PathVerdict.NO_GAP, clock.now()
    awarded_on = clock.day_in_vietnam(level.awarded_at)
    path.reason = (f"certified level {level.level} ({level.basis}, awarded {awarded_on.isoformat()}) "
                   f"meets the required level {path.target_level}")


def refresh_path(session: Session, staff: StaffMember, path: LearningPath) -> LearningPath:
    """Bring a path up to date with the person's results and position (see the module docstring)."""
    position, today = staff.position, clock.day_in_vietnam()
    if position is None or staff.has_left_before(today):
        return path
    level = standing_level(session, user_id=staff.user_id, language=position.language, on=today)
    certified_enough = (level is not None and level.basis in CERTIFIED_BASES
                        and level.level >= position.required_level)
    if certified_enough and path.status == PathStatus.CLOSED and path.target_level == position.required_level:
        return path
    if (certified_enough or path.status == PathStatus.CLOSED
            or path.target_level != position.required_level or path.language != position.language
            or path.assessed_level_id != (level.id if level is not None else None)
            or path.deadline != _deadline(path, position)[0]
            or path.external_relations != external_relations.ExternalRelationsRule.load().covers(session, staff)
            or path_plans.steps_out_of_date(session, staff, path)
            or path_plans.catalogue_moved_on(session, staff, path, today)):
        path = _replan(session, staff, path)
        audit.record(session, actor=None, action="path.refreshed", entity_type="learning_path", entity_id=path.id,
                     staff_member_id=staff.id, status=path.status, verdict=path.verdict)
    return path


def replan_paths_using(session: Session, offering_id: int) -> list[LearningPath]:
    """Plan again every path with a step in the offering, after it moved or was cancelled. A path that can
    no longer be planned (its person lost their position) is left as it was: reading it says why."""
    replanned = []
    for path in list(session.scalars(select(LearningPath).where(LearningPath.id.in_(
            select(PathStep.path_id).where(PathStep.offering_id == offering_id))).order_by(LearningPath.id))):
        staff = session.get(StaffMember, path.staff_member_id)
        try:
            with session.begin_nested():
                replanned.append(_replan(session, staff, path))
        except RuleViolation:
            continue
        audit.record(session, actor=None, action="path.refreshed", entity_type="learning_path", entity_id=path.id,
                     staff_member_id=staff.id, status=path.status, verdict=path.verdict, offering_id=offering_id)
    return replanned


def refresh_paths(session: Session, user_id: int) -> list[LearningPath]:
    """Refresh the paths of the staff member(s) linked to a user, e.g. after a new result is recorded."""
    refreshed = []
    for staff in session.scalars(select(StaffMember).where(StaffMember.user_id == user_id)):
        path = session.scalar(select(LearningPath).where(LearningPath.staff_member_id == staff.id))
        if path is not None:
            refreshed.append(refresh_path(session, staff, path))
    return refreshed


def get_path_for(session: Session, *, actor: Actor, staff_id: int) -> LearningPath:
    """A staff member's path, refreshed. Raises NotFound (no path yet), PermissionDenied."""
    staff = staff_for(session, actor, staff_id, self_allowed=True)
    path = session.scalar(select(LearningPath).where(LearningPath.staff_member_id == staff.id))
    if path is None:
        raise NotFound(f"staff member {staff_id} has no learning path yet", field="staff_id")
    return refresh_path(session, staff, path)


def get_my_path(session: Session, *, actor: Actor) -> LearningPath:
    """The acting user's own path. Raises NotFound when they are no staff member or have no path."""
    staff = session.scalar(select(StaffMember).where(StaffMember.user_id == actor.id))
    if staff is None:
        raise NotFound("your account is not linked to a staff member")
    return get_path_for(session, actor=actor, staff_id=staff.id)


def list_paths(session: Session, *, actor: Actor, unit_id: int, status: str | None = None) -> list[LearningPath]:
    """The paths of the people of one unit and of the units below it, as last planned or refreshed (the sweep
    keeps them current); as /staff?unit= and /hr/levels take in a unit's subtree.

    Raises NotFound, PermissionDenied (outside the HR scope).
    """
    if session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {unit_id} does not exist", field="unit_id")
    if not policies.can_list_unit_paths(actor, unit_id,
                                        ancestor_ids=organisation.ancestors_that_matter(session, actor, unit_id)):
        raise PermissionDenied("HR of one unit sees only the people of that unit and the units below it",
                               field="unit_id")
    query = (select(LearningPath).join(StaffMember, StaffMember.id == LearningPath.staff_member_id)
             .where(StaffMember.unit_id.in_(organisation.subtree_ids(session, unit_id))).order_by(LearningPath.id))
    if status is not None:
        query = query.where(LearningPath.status == status)
    return list(session.scalars(query))


def replan_after_seat_change(session: Session, staff: StaffMember, enrolment: Enrolment) -> None:
    """Re-plan the person's path around the seats they now hold; a path that cannot be planned (the person
    lost their position) stays as it was, and reading it says why."""
    path = session.scalar(select(LearningPath).where(LearningPath.staff_member_id == staff.id))
    if path is None:
        return
    try:
        with session.begin_nested():
            _replan(session, staff, path)
    except RuleViolation:
        return
    audit.record(session, actor=None, action="path.refreshed", entity_type="learning_path", entity_id=path.id,
                 staff_member_id=staff.id, status=path.status, verdict=path.verdict, enrolment_id=enrolment.id)


def check_ready_for_retest(path: LearningPath) -> None:
    """Every course of an open path completed: the path waits for the re-test that shows the new level."""
    if path.status == PathStatus.OPEN and path.steps and all(s.status == StepStatus.COMPLETED for s in path.steps):
        path.status = PathStatus.READY_FOR_RETEST
        path.reason = "every course of the path is completed: re-test to show the new level"


def refresh_all_paths(session: Session) -> tuple[int, int]:
    """Refresh every path that is not closed, and closed ones whose person's standing may have changed.

    A sweep for new results and position changes nobody has read yet; leavers' paths are not checked. Returns
    (paths checked, paths changed).
    """
    checked = changed = 0
    today = clock.day_in_vietnam()
    for path in list(session.scalars(select(LearningPath).order_by(LearningPath.id))):
        before = (path.status, path.verdict, path.planned_at)
        staff = session.get(StaffMember, path.staff_member_id)
        if staff.has_left_before(today):
            continue
        refresh_path(session, staff, path)
        checked += 1
        changed += (path.status, path.verdict, path.planned_at) != before
    session.flush()
    return checked, changed

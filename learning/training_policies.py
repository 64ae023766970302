"""Who may do what with courses, paths, enrolments and surveys (pure functions)."""

from __future__ import annotations

from collections.abc import Collection

from core.accounts import Actor, Role
from learning.models import StaffMember
from learning.policies import can_view_unit_people


def can_manage_catalogue(actor: Actor) -> bool:
    """The catalogue is shared by every unit: organisation-wide HR and admins keep it and its offerings."""
    return Role.ADMIN in actor.roles or (Role.HR in actor.roles and actor.unit_id is None)


def can_manage_staff_training(actor: Actor, staff: StaffMember, *, ancestor_ids: Collection[int] = ()) -> bool:
    """HR of the person's unit or of a unit above it, organisation-wide HR and admins plan paths and enrol
    people (``ancestor_ids``: the units above the person's)."""
    return can_view_unit_people(actor, staff.unit_id, ancestor_ids=ancestor_ids)


def can_follow_own_training(actor: Actor, staff: StaffMember) -> bool:
    """The person themself: sees their path, enrols, reports progress."""
    return staff.user_id is not None and staff.user_id == actor.id


def can_confirm_completion(actor: Actor, staff: StaffMember, *, ancestor_ids: Collection[int] = ()) -> bool:
    """Completing an enrolment opens re-testing, so it is the training side's record (attendance, the course's
    assessment): HR of the person's unit or above, organisation-wide HR and admins, never the person themself,
    even when they are HR; the person reports progress."""
    return (can_manage_staff_training(actor, staff, ancestor_ids=ancestor_ids)
            and not can_follow_own_training(actor, staff))


def can_define_surveys(actor: Actor) -> bool:
    return actor.has(Role.HR)


def can_open_or_close_survey(actor: Actor, created_by: int) -> bool:
    """Every staff member may answer a survey, so HR of one unit opens and closes only its own surveys;
    organisation-wide HR and admins, any."""
    return can_manage_catalogue(actor) or (actor.has(Role.HR) and actor.id == created_by)


def can_read_survey_results(actor: Actor, unit_id: int | None, *, ancestor_ids: Collection[int] = ()) -> bool:
    """Results of every unit: organisation-wide HR and admins; unit-scoped HR gets those of its own unit and
    of the units below it, one unit at a time."""
    if unit_id is None:
        return Role.ADMIN in actor.roles or (Role.HR in actor.roles and actor.unit_id is None)
    return can_view_unit_people(actor, unit_id, ancestor_ids=ancestor_ids)


def can_list_unit_paths(actor: Actor, unit_id: int, *, ancestor_ids: Collection[int] = ()) -> bool:
    return can_view_unit_people(actor, unit_id, ancestor_ids=ancestor_ids)

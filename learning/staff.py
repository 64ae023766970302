"""Staff records for HR: list with filters, read, edit, always inside the actor's unit scope."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from core import audit, clock
from core.accounts import Actor, Role, User
from core.errors import Conflict, NotFound, RuleViolation
from core.languages import LANGUAGE_CODE
from learning import organisation
from learning.leadership_roles import LeadershipLadder
from learning.models import JobPosition, StaffCategory, StaffMember

GENDERS = ("female", "male", "other")
EDITABLE = ("staff_number", "full_name", "birth_date", "gender", "unit_id", "category", "is_leader",
            "leadership_role", "position_id", "languages", "is_language_teacher", "is_external_relations",
            "username", "joined_on", "left_on")
EMPLOYMENT = ("current", "left", "all")  # the listing's filter: employed today, left before today, everyone
IN_LIST_CHUNK = 1000  # values per IN (...): a 200,000-row import would pass SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class StaffFilter:
    unit_id: int | None = None  # that unit and its sub-units
    category: StaffCategory | str | None = None
    leader: bool | None = None
    position_id: int | None = None
    language: str | None = None
    age_under: int | None = None
    employment: str = "all"  # one of EMPLOYMENT; "all" lists every record, as the listing did before the period


def employed_on(day: date, person=StaffMember) -> ColumnElement[bool]:
    """SQL: ``person`` (the StaffMember table, or a subquery of its columns) was employed on ``day``: joined on
    or before it (or before the records) and left on or after it (or not at all). Every count by day uses it."""
    return and_(or_(person.joined_on.is_(None), person.joined_on <= day),
                or_(person.left_on.is_(None), person.left_on >= day))


def employment_period_problem(joined_on: date | None, left_on: date | None) -> str | None:
    """Why a period cannot be, or None: the last day employed (inclusive) comes on or after the first."""
    if joined_on is not None and left_on is not None and left_on < joined_on:
        return (f"the last day employed (left_on {left_on.isoformat()}) is before the first "
                f"(joined_on {joined_on.isoformat()})")
    return None


EARLIEST_BIRTH = date(1900, 1, 1)


def birth_date_problem(birth: date) -> str | None:
    """Why ``birth`` cannot be a staff member's birth date, or None: from 1900 to the centre's today. A typo such
    as 9999-12-31 would otherwise drop the person out of every cohort counted by age."""
    if not EARLIEST_BIRTH <= birth <= clock.day_in_vietnam():
        return f"{birth.isoformat()} is not a plausible birth date"
    return None


def birth_date_floor(age_under: int, today: date) -> date:
    """People born after this date are younger than ``age_under`` today."""
    try:
        return today.replace(year=today.year - age_under)
    except ValueError:  # 29 February
        return today.replace(year=today.year - age_under, day=28)


def list_staff(session: Session, *, actor: Actor, filters: StaffFilter, page: int = 1,
               per_page: int = 50) -> tuple[list[StaffMember], int]:
    """One page of the staff ``actor`` sees as HR, by id, and the total. Raises PermissionDenied, NotFound."""
    visible = organisation.visible_unit_ids(session, actor)
    query = select(StaffMember)
    if filters.unit_id is not None:
        organisation.require_unit_in_scope(session, actor, filters.unit_id, field_name="unit")
        query = query.where(StaffMember.unit_id.in_(organisation.subtree_ids(session, filters.unit_id)))
    elif visible is not None:
        query = query.where(StaffMember.unit_id.in_(visible))
    if filters.category is not None:
        query = query.where(StaffMember.category == str(filters.category))
    if filters.leader is not None:
        query = query.where(StaffMember.is_leader.is_(filters.leader))
    if filters.position_id is not None:
        query = query.where(StaffMember.position_id == filters.position_id)
    if filters.language is not None:
        if not LANGUAGE_CODE.fullmatch(filters.language):
            raise RuleViolation("a language is a lower-case ISO 639 code such as en", field="language")
        # the JSON list as text holds "en" quoted on both backends; the code's shape rules out LIKE wildcards
        query = query.where(cast(StaffMember.languages, String).like(f'%"{filters.language}"%'))
    if filters.age_under is not None:
        query = query.where(StaffMember.birth_date > birth_date_floor(filters.age_under, clock.day_in_vietnam()))
    if filters.employment == "current":
        query = query.where(employed_on(clock.day_in_vietnam()))
    elif filters.employment == "left":
        query = query.where(StaffMember.left_on < clock.day_in_vietnam())
    elif filters.employment != "all":
        raise RuleViolation(f"employment is one of {', '.join(EMPLOYMENT)}", field="employment")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.options(joinedload(StaffMember.unit), joinedload(StaffMember.position),
                                         joinedload(StaffMember.user))
                           .order_by(StaffMember.id).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def get_staff(session: Session, *, actor: Actor, staff_id: int) -> StaffMember:
    """One staff member in ``actor``'s scope. Raises NotFound (also outside the scope), PermissionDenied."""
    visible = organisation.visible_unit_ids(session, actor)
    member = session.get(StaffMember, staff_id)
    if member is None or (visible is not None and member.unit_id not in visible):
        raise NotFound(f"staff member {staff_id} does not exist", field="staff_id")
    return member


def update_staff(session: Session, *, actor: Actor, staff_id: int, changes: dict[str, Any]) -> StaffMember:
    """Edit a staff member; moving them needs HR scope over both units; ``username`` links their login
    account (None unlinks it); ``left_on`` records the last day employed (None reinstates them), and the linked
    account may be used until it (keep_account_access_in_step).

    Raises NotFound, PermissionDenied, Conflict (staff number or account taken), RuleViolation.
    """
    member = get_staff(session, actor=actor, staff_id=staff_id)
    changes = dict(changes)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise RuleViolation(f"cannot edit {sorted(unknown)}", field=sorted(unknown)[0])
    if "unit_id" in changes and changes["unit_id"] != member.unit_id:
        organisation.require_unit_in_scope(session, actor, changes["unit_id"])
    if changes.get("position_id") is not None and session.get(JobPosition, changes["position_id"]) is None:
        raise NotFound(f"job position {changes['position_id']} does not exist", field="position_id")
    number = changes.get("staff_number")
    if number is not None and number != member.staff_number and session.scalar(
            select(StaffMember.id).where(StaffMember.staff_number == number)) is not None:
        raise Conflict(f"staff number {number!r} belongs to someone else", field="staff_number")
    if changes.get("full_name") is not None:
        changes["full_name"] = clean_name(changes["full_name"])
        if not changes["full_name"]:
            raise RuleViolation("a name is required", field="full_name")
    if changes.get("birth_date") is not None and (problem := birth_date_problem(changes["birth_date"])):
        raise RuleViolation(problem, field="birth_date")
    if changes.get("leadership_role") is not None:
        changes["leadership_role"] = leadership_role(changes["leadership_role"])
    changes = with_leader_flag(changes, member)
    if "joined_on" in changes or "left_on" in changes:
        problem = employment_period_problem(changes.get("joined_on", member.joined_on),
                                            changes.get("left_on", member.left_on))
        if problem:
            raise RuleViolation(problem, field="left_on" if "left_on" in changes else "joined_on")
    if changes.get("languages") is not None:
        bad = [code for code in changes["languages"] if not LANGUAGE_CODE.fullmatch(code)]
        if bad:
            raise RuleViolation(f"not language codes: {bad}", field="languages")
        changes["languages"] = list(dict.fromkeys(changes["languages"]))
    if "username" in changes:
        username = changes.pop("username")
        account = None if username is None else account_to_link(
            session, username=username, visible_units=organisation.visible_unit_ids(session, actor))
        ensure_account_free(session, member=member, account=account)
        changes["user_id"] = account.id if account is not None else None
    changed = {name: value for name, value in changes.items() if getattr(member, name) != value}
    previous_account = member.user_id
    for name, value in changed.items():
        setattr(member, name, value)
    session.flush()
    if {"left_on", "user_id", "unit_id"} & set(changed):
        keep_account_access_in_step(session, [previous_account, member.user_id])
    if changed:
        audit.record(session, actor=actor, action="staff.update", entity_type="staff_member", entity_id=member.id,
                     fields=sorted(changed))
    return member


def with_leader_flag(changes: dict[str, Any], member: StaffMember | None) -> dict[str, Any]:
    """``changes`` to ``member``'s record (None: a new record) with ``is_leader`` settled, the one rule for PATCH
    and the import, so that the same data gives the same cohort whether the record existed or not.

    An ``is_leader`` given (True or False) wins. Otherwise, when a leadership role is given (None clears it),
    ``is_leader`` is asked for without a value (None: the import's empty cell) or the record is new, a leader is
    someone with a role: the role given, else the record's own. Given neither, an existing record keeps its flag.
    """
    settled = dict(changes)
    if settled.get("is_leader") is not None:
        return settled
    if "leadership_role" in settled or "is_leader" in settled or member is None:
        role = settled.get("leadership_role", member.leadership_role if member is not None else None)
        settled["is_leader"] = role is not None
    return settled


def nfc(text: str) -> str:
    """Text in the composed Unicode form, so that "Nữ" typed with a combining hook matches "Nữ"."""
    return unicodedata.normalize("NFC", text)


def clean_name(text: str) -> str:
    """A person's name as stored: composed Unicode (NFC), single spaces."""
    return " ".join(nfc(text).split())


def leadership_role(text: str) -> str:
    """The rung of targets.yaml's ``leadership_roles`` that ``text`` names. Raises RuleViolation otherwise:
    an unknown title would silently drop the person out of the cohorts that count leaders."""
    ladder = LeadershipLadder.load()
    role = ladder.role_for(text)
    if role is None:
        raise RuleViolation(f"{nfc(text)!r} is not a leadership role: {ladder.describe()}", field="leadership_role")
    return role


# --- the login account of a staff member ------------------------------------------------------------------

def account_to_link(session: Session, *, username: str, visible_units: set[int] | None) -> User:
    """The account named ``username`` that may be linked by HR seeing ``visible_units`` (None: every unit).

    Unit-scoped HR links only accounts of its units: linking an outsider's account would show HR that
    person's levels. An account it may not link is reported like a missing one. Raises RuleViolation.
    """
    account = session.scalar(select(User).where(User.username == username.strip()))
    if account is None or (visible_units is not None and account.unit_id not in visible_units):
        raise RuleViolation(f"no account named {username.strip()!r} in your HR scope", field="username")
    return account


def ensure_account_free(session: Session, *, member: StaffMember, account: User | None) -> None:
    """Raises Conflict when ``account`` is the login of another staff member (one account, one person)."""
    if account is None:
        return
    holder = session.scalar(select(StaffMember.id).where(StaffMember.user_id == account.id,
                                                         StaffMember.id != member.id))
    if holder is not None:
        raise Conflict(f"the account {account.username!r} is linked to another staff member; unlink it there "
                       "first", field="username")


def link_new_account(session: Session, *, staff_number: str, account: User,
                     organisation_wide: bool = False) -> StaffMember:
    """Link a just-created account to the staff record with ``staff_number`` (``levelpath users create``).

    The account is of the record's unit: one created without a unit takes it (for HR, the unit is the scope it
    sees: without one it would see every unit), and one created with another unit is refused rather than
    given a scope its staff record does not support. ``organisation_wide`` says so explicitly for an account
    without a unit that must keep none (the confederation's own HR, whose staff record is in one unit).
    Raises NotFound (no such record), Conflict (the record has an account already), RuleViolation (another unit).
    """
    member = session.scalar(select(StaffMember).where(StaffMember.staff_number == staff_number))
    if member is None:
        raise NotFound(f"no staff member with staff number {staff_number!r}", field="staff_number")
    if organisation_wide and account.unit_id is not None:
        raise RuleViolation("an organisation-wide account has no unit", field="unit")
    if organisation_wide and Role.HR not in account.roles:  # the unit is an HR account's scope, anyone else's home
        raise RuleViolation("only an HR account is organisation-wide: any other account takes its staff record's "
                            "unit, so that the unit's HR sees its levels", field="organisation_wide")
    if account.unit_id is None and not organisation_wide:
        account.unit_id = member.unit_id
    elif account.unit_id is not None and account.unit_id != member.unit_id:
        raise RuleViolation(f"staff member {staff_number!r} belongs to unit {member.unit.code} "
                            f"({member.unit.name}), not the account's unit: give that unit, or none to take it "
                            "from the staff record", field="unit")
    if member.user_id is not None and member.user_id != account.id:
        raise Conflict(f"staff member {staff_number!r} is linked to another account already; unlink it first",
                       field="staff_number")
    ensure_account_free(session, member=member, account=account)
    member.user_id = account.id
    if not account.full_name:
        account.full_name = member.full_name
    session.flush()
    keep_account_access_in_step(session, [account.id])
    audit.record(session, actor=None, action="staff.update", entity_type="staff_member", entity_id=member.id,
                 fields=["user_id"])
    return member


def keep_account_access_in_step(session: Session, account_ids: Iterable[int | None]) -> None:
    """Set the access end and the unit of these login accounts from their staff records, as they are now.

    An account may be used until its record's last day employed (``User.access_ends_on`` =
    ``StaffMember.left_on``, so a leaver's access ends after it and comes back when HR reinstates them). An
    account linked to no record keeps the end it has: unlinking a leaver's account, or moving their record onto
    another account, must not let the leaver back in (an administrator lifts it: ``lift_access_end_of_unlinked``;
    linking it to a record sets it anew).

    An account of a unit is of its record's unit (``User.unit_id`` = ``StaffMember.unit_id``, as
    ``link_new_account`` gives it): the unit's HR sees that person's levels and records their certificates, so a
    person moved to another unit leaves the old unit's HR and reaches the new one's. An HR account without a unit
    keeps none (organisation-wide HR with a staff record: the unit would narrow what it sees); any other account
    without one takes its record's unit, or its unit's HR could not see its levels. One linked to no record keeps
    the unit it has.

    The one place these rules are kept: every writer of ``left_on``, ``unit_id`` or a link (PATCH, the import,
    linking a new account, unlinking) calls it with the accounts it touched, the one unlinked as well as the one
    linked.
    """
    ids = sorted({account_id for account_id in account_ids if account_id is not None})
    session.flush()
    record = select(StaffMember.left_on).where(StaffMember.user_id == User.id)
    end = case((record.exists(), record.scalar_subquery()), else_=User.access_ends_on)
    record_unit = select(StaffMember.unit_id).where(StaffMember.user_id == User.id)
    for chunk in in_chunks(ids):
        organisation_wide = [account_id for account_id, roles in session.execute(
            select(User.id, User.roles).where(User.id.in_(chunk), User.unit_id.is_(None))) if Role.HR in roles]
        unit = case((and_(User.id.not_in(organisation_wide), record_unit.exists()), record_unit.scalar_subquery()),
                    else_=User.unit_id)
        session.execute(update(User).where(User.id.in_(chunk)).values(access_ends_on=end, unit_id=unit),
                        execution_options={"synchronize_session": "fetch"})


def lift_access_end_of_unlinked(session: Session, account: User) -> date | None:
    """Open an account whose access ended while linked to a leaver's record and that is linked to none now
    (an administrator's ``users activate``): the day lifted, or None when there is none to lift. A linked
    account's end stays its record's ``left_on`` (HR reinstates), and an end still to come stays."""
    ended = account.access_ends_on
    if ended is None or ended >= clock.day_in_vietnam() or session.scalar(
            select(StaffMember.id).where(StaffMember.user_id == account.id)) is not None:
        return None
    account.access_ends_on = None
    session.flush()
    return ended


def in_chunks(values: list) -> Iterator[list]:
    """``values`` in pieces of IN_LIST_CHUNK, one IN (...) each."""
    for start in range(0, len(values), IN_LIST_CHUNK):
        yield values[start:start + IN_LIST_CHUNK]

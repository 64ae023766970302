"""Bulk staff import from HR's spreadsheets (CSV or XLSX), all or nothing, with a row-by-row report.

Columns (first row; case, spaces and a few Vietnamese headers are tolerated, see ``HEADER_ALIASES``):

    staff_number  required  HR personnel number; the key a re-import matches a person on
    full_name     required
    birth_date    required  YYYY-MM-DD or DD/MM/YYYY (or a date cell)
    gender        required  female | male | other (nam / nữ accepted)
    unit          required  unit code (units.csv "no", or a sub-unit's code)
    category      required  civil_servant | public_employee
    leadership_role, is_leader, position (job position title), languages ("en;fr"), is_language_teacher,
    is_external_relations: optional
    username      optional  the person's login account (their levels are found through it); empty keeps the
                            current link
    joined_on     optional  the first day employed, dates as birth_date (ngày_vào); empty: since before the records
    left_on       optional  the last day employed (ngày_nghỉ); empty: still employed. Not before joined_on (the
                            stored one when the file has no joined_on column)

A leadership_role is a rung of targets.yaml's ladder or one of its Vietnamese titles (learning.leadership_roles).
Headers and text cells are read in composed Unicode (NFC), so text typed with combining accents matches.

Every row is checked before anything is written. If any row is rejected, nothing is written and the report
says why, row by row; a dry run writes nothing either. An optional column that is absent from the file leaves
that field of existing people as it is; present but empty, it clears the field. Reading the file into rows
(limits, encodings, header aliases, cells): learning.staff_sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.accounts import Actor, User
from core.errors import RuleViolation
from core.languages import LANGUAGE_CODE
from learning import organisation
from learning.leadership_roles import LeadershipLadder
from learning.models import JobPosition, StaffCategory, StaffMember, Unit
from learning.positions import title_key
from learning.staff_sheet import (
    MAX_CELL_CHARS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    SheetRow,
    StaffSheet,
    cell_text,
    parse_date,
)
from learning.staff import (
    GENDERS,
    birth_date_problem,
    clean_name,
    employment_period_problem,
    in_chunks,
    keep_account_access_in_step,
    with_leader_flag,
)


GENDER_ALIASES = {"f": "female", "m": "male", "nữ": "female", "nu": "female", "nam": "male", "khác": "other"}
TRUE_WORDS = {"1", "true", "yes", "y", "x", "có", "co"}
FALSE_WORDS = {"", "0", "false", "no", "n", "không", "khong"}
STAFF_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$")
FIELDS = ("staff_number", "full_name", "birth_date", "gender", "unit_id", "category", "is_leader",
          "leadership_role", "position_id", "languages", "is_language_teacher", "is_external_relations", "user_id",
          "joined_on", "left_on")
STATUSES = ("created", "updated", "unchanged", "rejected")


class StaffImportRejected(RuleViolation):
    """Some rows were rejected, so nothing was written; ``extra["report"]`` lists every row."""

    slug, title = "staff-import-rejected", "Staff import rejected"

    def __init__(self, report: StaffImportReport) -> None:
        errors: dict[str, list[str]] = {}
        for entry in report.entries:
            for reason in entry.reasons if entry.status == "rejected" else ():
                column = reason.split(":", 1)[0]
                errors.setdefault(f"rows.{entry.row}.{column}", []).append(reason)
        rejected = report.summary()["rejected"]
        super().__init__(f"{rejected} of {len(report.entries)} rows rejected; nothing written", errors=errors,
                         report=report.to_dict())


@dataclass(slots=True)
class ReportEntry:
    row: int
    staff_number: str | None
    status: str
    reasons: list[str] = field(default_factory=list)
    staff_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "staff_number": self.staff_number, "status": self.status,
                "reasons": list(self.reasons), "staff_id": self.staff_id}


@dataclass(slots=True)
class StaffImportReport:
    entries: list[ReportEntry]
    dry_run: bool
    written: bool = False
    ignored_columns: tuple[str, ...] = ()

    @property
    def rejected(self) -> bool:
        return any(entry.status == "rejected" for entry in self.entries)

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for entry in self.entries:
            counts[entry.status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "written": self.written, "summary": self.summary(),
                "ignored_columns": list(self.ignored_columns), "entries": [e.to_dict() for e in self.entries]}


# --- checking a row ----------------------------------------------------------------------------------------

def _date_cell(row: SheetRow, column: str, reasons: list[str]) -> date | None:
    """The cell's date; None when it is empty, or not a date (and a reason says so)."""
    raw = row.values.get(column)
    if not cell_text(raw):
        return None
    day = parse_date(raw)
    if day is None:
        reasons.append(f"{column}: {cell_text(raw)!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
    return day


def _flag(row: SheetRow, column: str, reasons: list[str]) -> bool | None:
    text = cell_text(row.values.get(column)).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return None if text == "" else False
    reasons.append(f"{column}: {text!r} is not yes/no (1/0, true/false, x or empty)")
    return None


class _Lookups:
    """What every row is checked against, loaded once per file."""

    def __init__(self, session: Session, actor: Actor, numbers: list[str], usernames: list[str]) -> None:
        self.units = {unit.code: unit for unit in session.scalars(select(Unit))}
        self.positions: dict[str, list[JobPosition]] = {}  # by title_key: more than one is ambiguous
        for position in session.scalars(select(JobPosition).order_by(JobPosition.id)):
            self.positions.setdefault(title_key(position.title), []).append(position)
        self.visible = organisation.visible_unit_ids(session, actor)
        self.ladder = LeadershipLadder.load()
        self.existing = {m.staff_number: m for chunk in in_chunks(numbers) for m in session.scalars(
            select(StaffMember).where(StaffMember.staff_number.in_(chunk))) if m.staff_number}
        self.accounts = {u.username: u for chunk in in_chunks(usernames)
                         for u in session.scalars(select(User).where(User.username.in_(chunk)))}
        self.linked_to = {  # account id -> the staff member it is linked to
            user_id: staff_id for chunk in in_chunks([u.id for u in self.accounts.values()])
            for user_id, staff_id in session.execute(select(StaffMember.user_id, StaffMember.id).where(
                StaffMember.user_id.in_(chunk)))}

    def in_scope(self, unit_id: int) -> bool:
        return self.visible is None or unit_id in self.visible

    def in_scope_account(self, account: User) -> bool:
        """Unit-scoped HR links only accounts of its units (see learning.staff.account_to_link)."""
        return self.visible is None or account.unit_id in self.visible


def _check_row(row: SheetRow, columns: tuple[str, ...], lookups: _Lookups) -> tuple[dict[str, Any], list[str]]:
    """The row's field values (only the columns the file has) and the reasons it is rejected."""
    reasons: list[str] = []
    for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if len(cell_text(row.values.get(column))) > MAX_CELL_CHARS:
            reasons.append(f"{column}: longer than {MAX_CELL_CHARS} characters")
            return {}, reasons
    values: dict[str, Any] = {}
    for column in REQUIRED_COLUMNS:
        if cell_text(row.values.get(column)) == "":
            reasons.append(f"{column}: required, empty")

    number = cell_text(row.values.get("staff_number"))
    if number and not STAFF_NUMBER.match(number):
        reasons.append(f"staff_number: {number!r} is not a personnel number (letters, digits, . _ / -, "
                       "at most 32)")
    values["staff_number"] = number

    name = clean_name(cell_text(row.values.get("full_name")))
    if len(name) > 200:
        reasons.append("full_name: longer than 200 characters")
    values["full_name"] = name

    if cell_text(row.values.get("birth_date")):
        birth = _date_cell(row, "birth_date", reasons)
        if birth is not None and (problem := birth_date_problem(birth)):
            reasons.append(f"birth_date: {problem}")
        values["birth_date"] = birth

    gender = cell_text(row.values.get("gender")).lower()
    gender = GENDER_ALIASES.get(gender, gender)
    if gender and gender not in GENDERS:
        reasons.append(f"gender: {gender!r} is not one of {', '.join(GENDERS)}")
    values["gender"] = gender

    code = cell_text(row.values.get("unit"))
    unit = lookups.units.get(code)
    if code and unit is None:
        reasons.append(f"unit: no unit with code {code!r}")
    elif unit is not None and not lookups.in_scope(unit.id):
        reasons.append(f"unit: {code!r} is outside your HR scope")
    values["unit_id"] = unit.id if unit is not None else None

    category = cell_text(row.values.get("category")).lower()
    if category and category not in set(StaffCategory):
        reasons.append(f"category: {category!r} is not one of {', '.join(StaffCategory)}")
    values["category"] = category

    if "leadership_role" in columns:
        title = cell_text(row.values.get("leadership_role"))
        role = lookups.ladder.role_for(title) if title else None
        if title and role is None:
            reasons.append(f"leadership_role: {title!r} is not a leadership role: {lookups.ladder.describe()}")
        values["leadership_role"] = role
    if "is_leader" in columns:  # empty (None): from the leadership role, learning.staff.with_leader_flag
        values["is_leader"] = _flag(row, "is_leader", reasons)
    if "position" in columns:
        title = cell_text(row.values.get("position"))
        matches = lookups.positions.get(title_key(title), []) if title else []
        if title and not matches:
            reasons.append(f"position: no job position titled {title!r}")
        elif len(matches) > 1:  # stored before titles were unique by title_key: picking one would be a guess
            reasons.append(f"position: {title!r} matches {len(matches)} job positions "
                           f"({', '.join(repr(p.title) for p in matches)}); rename them apart first")
        values["position_id"] = matches[0].id if len(matches) == 1 else None
    if "languages" in columns:
        codes = [c.strip().lower() for c in re.split(r"[;,\s]+", cell_text(row.values.get("languages"))) if c.strip()]
        bad = [c for c in codes if not LANGUAGE_CODE.fullmatch(c)]
        if bad:
            reasons.append(f"languages: not language codes: {', '.join(bad)} (write e.g. en;fr)")
        values["languages"] = list(dict.fromkeys(codes))
    if "is_language_teacher" in columns:
        values["is_language_teacher"] = bool(_flag(row, "is_language_teacher", reasons))
    if "is_external_relations" in columns:
        values["is_external_relations"] = bool(_flag(row, "is_external_relations", reasons))
    for column in ("joined_on", "left_on"):
        if column in columns:
            values[column] = _date_cell(row, column, reasons)
    username = cell_text(row.values.get("username")) if "username" in columns else ""
    if username:  # empty keeps the current link: a sheet without logins must not unlink anyone
        account = lookups.accounts.get(username)
        if account is None or not lookups.in_scope_account(account):
            reasons.append(f"username: no account named {username!r} in your HR scope")
        else:
            values["user_id"] = account.id
    return values, reasons


# --- importing ------------------------------------------------------------------------------------------------

def import_staff(session: Session, *, actor: Actor, sheet: StaffSheet, dry_run: bool = False) -> StaffImportReport:
    """Check every row, then create or update them all, or none when any row is rejected (or on a dry run).

    Raises PermissionDenied when ``actor`` is not HR. A person moved to another unit is an update, allowed
    when the actor's scope holds both units.
    """
    numbers = sorted({cell_text(row.values.get("staff_number")) for row in sheet.rows} - {""})
    usernames = sorted({cell_text(row.values.get("username")) for row in sheet.rows} - {""})
    lookups = _Lookups(session, actor, numbers, usernames)
    report = StaffImportReport(entries=[], dry_run=dry_run, ignored_columns=sheet.ignored_columns)
    first_row_of: dict[str, int] = {}
    first_row_of_account: dict[int, int] = {}
    planned: list[tuple[ReportEntry, StaffMember | None, dict[str, Any]]] = []
    for row in sheet.rows:
        values, reasons = _check_row(row, sheet.columns, lookups)
        number = values.get("staff_number") or None
        if number is not None:
            if number in first_row_of:
                reasons.append(f"staff_number: {number!r} is also on row {first_row_of[number]}")
            else:
                first_row_of[number] = row.number
        member = lookups.existing.get(number) if number else None
        outsider = member is not None and not lookups.in_scope(member.unit_id)
        if outsider:
            reasons.append(f"staff_number: {number!r} belongs to a person outside your HR scope")
        reasons.extend(_period_reasons(values, None if outsider else member))
        values = with_leader_flag(values, None if outsider else member)
        account_id = values.get("user_id")
        if account_id is not None:
            reasons.extend(_account_reasons(cell_text(row.values.get("username")), account_id, member, row.number,
                                            lookups, first_row_of_account))
        # an outsider's record id is not the importer's to learn
        entry = ReportEntry(row=row.number, staff_number=number, status="rejected", reasons=reasons,
                            staff_id=member.id if member is not None and not outsider else None)
        if not reasons:
            if member is None:
                entry.status = "created"
            else:
                changed = [name for name, value in values.items() if getattr(member, name) != value]
                entry.status = "updated" if changed else "unchanged"
                if changed:
                    entry.reasons = [f"changed: {', '.join(changed)}"]
        report.entries.append(entry)
        planned.append((entry, member, values))
    if report.rejected or dry_run:
        return report
    _write(session, planned)
    report.written = True
    audit.record(session, actor=actor, action="staff.import", entity_type="staff_import",
                 entity_id=clock.now().isoformat(), **report.summary())
    return report


def _period_reasons(values: dict[str, Any], member: StaffMember | None) -> list[str]:
    """The row's employment period, a date the file has no column for taken from the person's record."""
    if "joined_on" not in values and "left_on" not in values:
        return []
    stored = (member.joined_on, member.left_on) if member is not None else (None, None)
    joined, left = values.get("joined_on", stored[0]), values.get("left_on", stored[1])
    problem = employment_period_problem(joined, left)
    return [f"{'left_on' if 'left_on' in values else 'joined_on'}: {problem}"] if problem else []


def _account_reasons(username: str, account_id: int, member: StaffMember | None, row: int, lookups: _Lookups,
                     first_row_of_account: dict[int, int]) -> list[str]:
    """One account is one person: not on two rows, not linked to someone else already."""
    if account_id in first_row_of_account:
        return [f"username: {username!r} is also on row {first_row_of_account[account_id]}"]
    first_row_of_account[account_id] = row
    holder = lookups.linked_to.get(account_id)
    if holder is not None and (member is None or holder != member.id):
        return [f"username: the account {username!r} is linked to another staff member; unlink it there first"]
    return []


def _write(session: Session, planned: list[tuple[ReportEntry, StaffMember | None, dict[str, Any]]]) -> None:
    created: list[tuple[ReportEntry, StaffMember]] = []
    accounts: set[int | None] = set()  # whose access end and unit follow a new link, last day employed or unit
    for entry, member, values in planned:
        if entry.status == "created":
            new = StaffMember(**{"languages": [], "is_language_teacher": False, "is_external_relations": False,
                                 **values})
            session.add(new)
            created.append((entry, new))
            accounts.add(values.get("user_id"))
        elif entry.status == "updated" and member is not None:
            if any(name in values and values[name] != getattr(member, name)
                   for name in ("user_id", "left_on", "unit_id")):
                accounts.update((member.user_id, values.get("user_id", member.user_id)))
            for name, value in values.items():
                setattr(member, name, value)
    session.flush()
    keep_account_access_in_step(session, accounts)
    for entry, new in created:
        entry.staff_id = new.id

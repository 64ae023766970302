"""Demo data: the organisation, targets, generated staff, starter items, a test, and demo accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment import services as assessment
from assessment.adaptive import AdaptiveSettings
from assessment.models import Test
from core.accounts import Role, User
from core.accounts import services as accounts
from learning.models import JobPosition, StaffCategory, StaffMember, Unit, UnitGroup
from learning.reference_data import load_targets, load_units
from learning.staff import keep_account_access_in_step
from question_bank.media import MediaStore
from question_bank.models import Item, ItemStatus
from question_bank.enemies import enemy_pairs_among
from question_bank.starter import load_starter_bank, problems_in

FAKER_SEED = 2026
STAFF_PER_UNIT = 3
DEMO_UNIT_GROUP = UnitGroup.VGCL_DEPARTMENT
DEMO_TEST_TITLE = "Demo placement check (12 items)"
DEMO_TEST_ITEMS_PER_LEVEL = 2
DEMO_ADAPTIVE_TITLE = "Adaptive placement (grammar, vocabulary, reading, listening)"

POSITIONS = [
    ("Head of department", 4, True),
    ("Deputy head of department", 4, True),
    ("Principal specialist", 4, False),
    ("Specialist", 3, False),
    ("External relations officer", 4, False),
]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    role: str
    username: str
    password: str
    unit_id: int | None


@dataclass
class SeedReport:
    units_added: int = 0
    targets_added: int = 0
    staff_added: int = 0
    items_added: int = 0
    tests_added: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)
    item_problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"seeded: {self.units_added} units, {self.targets_added} targets, {self.staff_added} staff, "
                 f"{self.items_added} items, {self.tests_added} tests (existing data kept)"]
        lines += [f"  starter bank problem: {problem}" for problem in self.item_problems]
        return "\n".join(lines)


def seed_demo_data(session: Session, *, media_store: MediaStore) -> SeedReport:
    """Idempotent: adds what is missing and gives every demo account a fresh password."""
    report = SeedReport(units_added=load_units(session), targets_added=load_targets(session))
    positions = _ensure_positions(session)
    report.staff_added = _ensure_staff(session, positions)
    demo_unit = session.scalars(select(Unit).where(Unit.group == DEMO_UNIT_GROUP).order_by(Unit.id)).first()
    assert demo_unit is not None, "units.csv has no VGCL department"
    users = {role: _ensure_account(session, role, demo_unit, report) for role in Role}
    _link_candidate_to_staff(session, users[Role.CANDIDATE], demo_unit)
    starter = load_starter_bank(session, author=users[Role.AUTHOR].as_actor(),
                                reviewer=users[Role.REVIEWER].as_actor(), store=media_store)
    report.items_added = sum(entry.status == "created" for entry in starter)
    report.item_problems = [f"{e.source}: {e.status}: {e.reason}" for e in problems_in(starter)]
    report.tests_added = _ensure_test(session, users[Role.TEST_ADMIN]) + _ensure_adaptive_test(
        session, users[Role.TEST_ADMIN])
    return report


def _ensure_positions(session: Session) -> list[JobPosition]:
    existing = {p.title: p for p in session.scalars(select(JobPosition))}
    for title, level, leadership in POSITIONS:
        if title not in existing:
            existing[title] = JobPosition(title=title, required_level=level, is_leadership=leadership)
            session.add(existing[title])
    session.flush()
    return list(existing.values())


def _ensure_staff(session: Session, positions: list[JobPosition]) -> int:
    if session.scalar(select(func.count()).select_from(StaffMember)):
        return 0
    fake = Faker("vi_VN")
    fake.seed_instance(FAKER_SEED)
    staff = []
    for unit in session.scalars(select(Unit).order_by(Unit.id)):
        for number in range(1, STAFF_PER_UNIT + 1):
            position = fake.random_element(positions)
            gender = fake.random_element(["female", "male"])
            name = fake.name_female() if gender == "female" else fake.name_male()
            staff.append(StaffMember(
                staff_number=f"DEMO-{unit.code}-{number}", full_name=name, gender=gender, unit_id=unit.id,
                birth_date=fake.date_between(start_date=date(1965, 1, 1), end_date=date(2001, 12, 31)),
                category=fake.random_element([c.value for c in StaffCategory]),
                is_leader=position.is_leadership, position_id=position.id,
            ))
    session.add_all(staff)
    session.flush()
    return len(staff)


def _ensure_account(session: Session, role: Role, unit: Unit, report: SeedReport) -> User:
    username = f"demo.{role.value.replace('_', '')}"
    password = secrets.token_urlsafe(12)
    unit_id = unit.id if role in (Role.CANDIDATE, Role.HR) else None
    user = accounts.get_user_by_username(session, username)
    if user is None:
        user = accounts.create_user(session, username=username, password=password, roles=[role],
                                    unit_id=unit_id, full_name=f"Demo {role.value.replace('_', ' ')}")
    else:
        accounts.set_password(session, user=user, password=password)
    report.accounts.append(DemoAccount(role=role.value, username=username, password=password,
                                       unit_id=unit_id))
    return user


def _link_candidate_to_staff(session: Session, candidate: User, unit: Unit) -> None:
    if session.scalar(select(StaffMember).where(StaffMember.user_id == candidate.id)) is not None:
        return
    member = session.scalars(select(StaffMember).where(StaffMember.unit_id == unit.id,
                                                       StaffMember.user_id.is_(None))).first()
    if member is not None:
        member.user_id = candidate.id
        candidate.full_name = member.full_name
        session.flush()
        keep_account_access_in_step(session, [candidate.id])


def _ensure_test(session: Session, test_admin: User) -> int:
    if session.scalar(select(Test.id).where(Test.title == DEMO_TEST_TITLE)) is not None:
        return 0
    by_level = {level: list(session.scalars(
        select(Item.id).where(Item.status == ItemStatus.APPROVED, Item.type == "single_choice", Item.level == level,
                              Item.skill.in_(["grammar", "vocabulary"])).order_by(Item.identifier)))
        for level in range(1, 7)}
    enemies: dict[int, set[int]] = {}
    for first, second in enemy_pairs_among(session, [item_id for ids in by_level.values() for item_id in ids]):
        enemies.setdefault(first, set()).add(second)
        enemies.setdefault(second, set()).add(first)
    item_ids: list[int] = []
    for candidates in by_level.values():  # the first of each level, leaving out enemies of those already taken
        taken = 0
        for item_id in candidates:
            if taken < DEMO_TEST_ITEMS_PER_LEVEL and not enemies.get(item_id, set()) & set(item_ids):
                item_ids.append(item_id)
                taken += 1
    if len(item_ids) != 6 * DEMO_TEST_ITEMS_PER_LEVEL:
        return 0
    # Two items per level, easiest first: each cut asks for most of the items up to that level.
    cuts = [{"level": level, "min_score": 2 * level - 1} for level in range(1, 7)]
    test = assessment.create_test(session, actor=test_admin.as_actor(), draft=assessment.TestDraft(
        title=DEMO_TEST_TITLE, purpose="placement", item_ids=item_ids, cut_scores=cuts,
        description="A short fixed placement check over the starter items."))
    assessment.publish_test(session, actor=test_admin.as_actor(), test_id=test.id)
    return 1


def _ensure_adaptive_test(session: Session, test_admin: User) -> int:
    """An adaptive placement test over the starter bank's provisional parameters."""
    if session.scalar(select(Test.id).where(Test.title == DEMO_ADAPTIVE_TITLE)) is not None:
        return 0
    settings = AdaptiveSettings(min_items=10, max_items=25,  # the classification stop at its default confidence
                                skills=("grammar", "vocabulary", "reading", "listening"))
    test = assessment.create_test(session, actor=test_admin.as_actor(), draft=assessment.TestDraft(
        title=DEMO_ADAPTIVE_TITLE, purpose="placement", kind="adaptive", adaptive=settings,
        description="Ten to twenty-five items chosen for you one at a time; it stops once your level is clear."))
    assessment.publish_test(session, actor=test_admin.as_actor(), test_id=test.id)
    return 1

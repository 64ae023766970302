"""Test definitions: fixed tests, adaptive tests over the calibrated bank, sectioned VSTEP.3-5 exams."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment import adaptive, policies, scoring, sections
from assessment.adaptive import AdaptiveSettings
from assessment.models import Test, TestItem, TestPurpose, TestStatus
from assessment.rating.rubrics import WRITING_TASK_RUBRICS
from assessment.sections import SECTIONED, VSTEP, VSTEP_FORMAT, Section
from core import audit
from core.accounts import Actor
from core.errors import NotFound, PermissionDenied, RuleViolation
from question_bank import item_types
from question_bank.models import Item, ItemStatus, ItemVersion
from question_bank.enemies import enemy_pairs_among


@dataclass(frozen=True, slots=True)
class SectionDraft:
    """One section of a sectioned exam as a test administrator defines it."""

    skill: str
    item_ids: Sequence[int]
    time_limit_seconds: int | None = None  # None: the format's usual time
    title: str | None = None
    conversion: Sequence[dict[str, Any]] = ()  # listening and reading: this form's raw -> 0-10 table

@dataclass(frozen=True, slots=True)
class TestDraft:
    __test__ = False

    title: str
    purpose: str
    item_ids: Sequence[int] = ()
    cut_scores: Sequence[dict[str, Any]] = ()
    description: str = ""
    kind: str = "fixed"
    adaptive: AdaptiveSettings | None = None
    time_limit_seconds: int | None = None
    sections: Sequence[SectionDraft] = ()
    certificate_valid_months: int | None = None  # sectioned certification exams; None: the default

def create_test(session: Session, *, actor: Actor, draft: TestDraft) -> Test:
    """Define a fixed test from approved items. Raises PermissionDenied or RuleViolation."""
    if not policies.can_manage_tests(actor):
        raise PermissionDenied("only test administrators can define tests")
    if draft.purpose not in set(TestPurpose):
        raise RuleViolation(f"unknown purpose {draft.purpose!r}", field="purpose")
    if draft.time_limit_seconds is not None and not 60 <= draft.time_limit_seconds <= 6 * 3600:
        raise RuleViolation("a time limit is between 1 minute and 6 hours", field="time_limit_seconds")
    builders = {"fixed": _create_fixed_test, "adaptive": _create_adaptive_test, SECTIONED: _create_sectioned_test}
    if draft.kind not in builders:
        raise RuleViolation("kind must be fixed, adaptive or sectioned", field="kind")
    test = builders[draft.kind](session, actor=actor, draft=draft)
    audit.record(session, actor=actor, action="test.created", entity_type="test", entity_id=test.id,
                 kind=test.kind, purpose=test.purpose, items=len(test.entries))
    session.flush()
    return test

def _create_fixed_test(session: Session, *, actor: Actor, draft: TestDraft) -> Test:
    if not draft.item_ids:
        raise RuleViolation("a test needs at least one item", field="item_ids")
    if len(set(draft.item_ids)) != len(draft.item_ids):
        raise RuleViolation("an item can appear only once in a test", field="item_ids")
    items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(draft.item_ids)))}
    for index, item_id in enumerate(draft.item_ids):
        item = items.get(item_id)
        if item is None:
            raise RuleViolation(f"item {item_id} does not exist", field=f"item_ids.{index}")
        if item.status != ItemStatus.APPROVED:
            raise RuleViolation(f"item {item_id} is {item.status}; only approved items can be delivered",
                                field=f"item_ids.{index}")
        if item_types.get(item.type).rater_scored:
            raise RuleViolation(f"item {item_id} is a {item.type} task marked by raters; fixed tests scored on "
                                "submission take automatically scored items only", field=f"item_ids.{index}")
    _check_no_enemies(session, list(draft.item_ids), field=lambda index: f"item_ids.{index}")
    max_score = sum(float(items[item_id].current_version.scoring.get("points", 1)) for item_id in draft.item_ids)
    scoring.check_cut_scores(draft.cut_scores, max_score=max_score)
    test = Test(title=draft.title, description=draft.description, purpose=draft.purpose,
                time_limit_seconds=draft.time_limit_seconds, cut_scores=[dict(cut) for cut in draft.cut_scores],
                created_by=actor.id)
    test.entries = [
        TestItem(position=position, item_version_id=items[item_id].current_version_id)
        for position, item_id in enumerate(draft.item_ids, start=1)
    ]
    session.add(test)
    session.flush()
    return test

def _create_adaptive_test(session: Session, *, actor: Actor, draft: TestDraft) -> Test:
    """An adaptive test over today's calibrated, approved items (its pool and their parameters are frozen with it)."""
    settings = draft.adaptive or AdaptiveSettings()
    adaptive.check_settings(settings)
    pool, left_out = adaptive.without_enemies_in_passages(session, adaptive.calibrated_pool(session, settings))
    if len(pool) < settings.max_items:
        raise RuleViolation(f"only {len(pool)} approved items with IRT parameters match; the test needs at least "
                            f"{settings.max_items} (its maximum length)", field="adaptive.skills")
    adaptive.check_reachable_lengths(pool, settings)
    test = Test(title=draft.title, description=draft.description, purpose=draft.purpose, kind="adaptive",
                time_limit_seconds=draft.time_limit_seconds, cut_scores=[],
                config={**settings.to_config(), "left_out": left_out}, created_by=actor.id)
    test.entries = [TestItem(position=position, item_version_id=entry.item_version_id, irt_a=entry.a, irt_b=entry.b,
                             irt_c=entry.c) for position, entry in enumerate(pool, start=1)]
    session.add(test)
    session.flush()
    adaptive.build_engine(session, test)  # refuses pools whose constraints can never be met
    return test

DEFAULT_CERTIFICATE_VALID_MONTHS = 24  # the centre's choice: the regulations set no validity

def _create_sectioned_test(session: Session, *, actor: Actor, draft: TestDraft) -> Test:
    """A VSTEP.3-5 form: listening, reading, writing and speaking sections, in that order, each timed."""
    if draft.item_ids or draft.cut_scores:
        raise RuleViolation("a sectioned exam takes its items per section and scores by the VSTEP rules",
                            field="item_ids" if draft.item_ids else "cut_scores")
    if [section.skill for section in draft.sections] != [section.skill for section in VSTEP_FORMAT]:
        raise RuleViolation("a VSTEP.3-5 exam has four sections in this order: "
                            + ", ".join(section.skill for section in VSTEP_FORMAT), field="sections")
    months = draft.certificate_valid_months or DEFAULT_CERTIFICATE_VALID_MONTHS
    if not 1 <= months <= 120:
        raise RuleViolation("a certificate is valid for 1 to 120 months", field="certificate_valid_months")
    all_ids = [item_id for section in draft.sections for item_id in section.item_ids]
    items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(all_ids)))}
    specs, entries, seen = [], [], set()
    for index, (section, form) in enumerate(zip(draft.sections, VSTEP_FORMAT, strict=True)):
        field = f"sections.{index}"
        if len(section.item_ids) != form.item_count:
            raise RuleViolation(f"the {form.skill} section has {form.item_count} items, not {len(section.item_ids)}",
                                field=f"{field}.item_ids")
        max_points = 0.0
        for number, item_id in enumerate(section.item_ids):
            item = _deliverable(items, item_id, f"{field}.item_ids.{number}")
            if item_id in seen:
                raise RuleViolation(f"item {item_id} appears twice in the exam", field=f"{field}.item_ids.{number}")
            seen.add(item_id)
            # The skill of the version the exam will deliver (an approved item's current one).
            if item.current_version.skill != form.skill or item_types.get(item.type).rater_scored != form.rater_scored:
                kind = "a rater-marked task" if form.rater_scored else "an automatically scored item"
                raise RuleViolation(f"item {item_id} does not belong in the {form.skill} section: it takes "
                                    f"{kind} of skill {form.skill}", field=f"{field}.item_ids.{number}")
            max_points += float(item.current_version.scoring.get("points", 1))
        if form.passages is not None:
            _check_passages([items[item_id] for item_id in section.item_ids], form.passages, f"{field}.item_ids")
        if form.skill == "writing":
            _check_writing_tasks([items[item_id] for item_id in section.item_ids], f"{field}.item_ids")
        seconds = section.time_limit_seconds or form.default_seconds
        if not 60 <= seconds <= 6 * 3600:
            raise RuleViolation("a section lasts 1 minute to 6 hours", field=f"{field}.time_limit_seconds")
        if section.conversion and form.rater_scored:
            raise RuleViolation("writing and speaking are scored by raters on 0-10; they take no conversion table",
                                field=f"{field}.conversion")
        conversion = sections.check_conversion(section.conversion, max_raw=max_points, field=f"{field}.conversion")
        first = len(entries) + 1
        specs.append(Section(form.skill, section.title or form.skill.capitalize(), seconds, first,
                             len(section.item_ids), conversion))
        entries.extend(items[item_id].current_version_id for item_id in section.item_ids)
    places = [f"sections.{index}.item_ids.{number}" for index, section in enumerate(draft.sections)
              for number in range(len(section.item_ids))]
    _check_no_enemies(session, all_ids, field=places.__getitem__)
    test = Test(title=draft.title, description=draft.description, purpose=draft.purpose, kind=SECTIONED,
                time_limit_seconds=sum(spec.time_limit_seconds for spec in specs), cut_scores=[],
                config={"format": VSTEP, "sections": [spec.to_config() for spec in specs],
                        "certificate_valid_months": months},
                created_by=actor.id)
    test.entries = [TestItem(position=position, item_version_id=version_id)
                    for position, version_id in enumerate(entries, start=1)]
    session.add(test)
    session.flush()
    return test

def _deliverable(items: dict[int, Item], item_id: int, field: str) -> Item:
    item = items.get(item_id)
    if item is None:
        raise RuleViolation(f"item {item_id} does not exist", field=field)
    if item.status != ItemStatus.APPROVED:
        raise RuleViolation(f"item {item_id} is {item.status}; only approved items can be delivered", field=field)
    return item

def _check_passages(items: list[Item], passages: int, field: str) -> None:
    """Reading comes as whole passages: every item on a passage, each passage's items together."""
    order: list[int] = []
    for number, item in enumerate(items):
        if item.stimulus_id is None:
            raise RuleViolation(f"item {item.id} has no passage; reading items come with theirs",
                                field=f"{field}.{number}")
        if not order or order[-1] != item.stimulus_id:
            if item.stimulus_id in order:
                raise RuleViolation(f"the items of passage {item.stimulus_id} must come together",
                                    field=f"{field}.{number}")
            order.append(item.stimulus_id)
    if len(order) != passages:
        raise RuleViolation(f"the reading section has {passages} passages, not {len(order)}", field=field)

def _check_writing_tasks(items: list[Item], field: str) -> None:
    """Task 1 weighs a third of the writing score and task 2 two thirds, by their place in the section: an item
    whose rubric names the other task is in the wrong place (its weight would be the other task's)."""
    for number, (item, task_rubric) in enumerate(zip(items, WRITING_TASK_RUBRICS, strict=True)):
        rubric = item.current_version.scoring.get("rubric")
        if rubric in WRITING_TASK_RUBRICS and rubric != task_rubric:
            raise RuleViolation(f"item {item.id} is marked as writing task {WRITING_TASK_RUBRICS.index(rubric) + 1} "
                                f"({rubric}) but stands as task {number + 1}: the letter (task 1, a third of the "
                                f"score) comes first, the essay (task 2, two thirds) second", field=f"{field}.{number}")


def get_test(session: Session, test_id: int) -> Test:
    """Raises NotFound when there is no such test."""
    test = session.get(Test, test_id)
    if test is None:
        raise NotFound(f"test {test_id} does not exist", field="test_id")
    return test


def get_test_for(session: Session, *, actor: Actor, test_id: int) -> Test:
    """A test visible to the actor: published ones for all, drafts and archived ones for test administrators."""
    test = get_test(session, test_id)
    if test.status != TestStatus.PUBLISHED and not policies.can_manage_tests(actor):
        raise NotFound(f"test {test_id} does not exist", field="test_id")
    return test


def list_tests(session: Session, *, actor: Actor) -> list[Test]:
    query = select(Test).order_by(Test.id)
    if not policies.can_manage_tests(actor):
        query = query.where(Test.status == TestStatus.PUBLISHED)
    return list(session.scalars(query))


def publish_test(session: Session, *, actor: Actor, test_id: int) -> Test:
    """Open a draft test to candidates; an adaptive one keeps the enemies the bank marks between its items now.
    Raises PermissionDenied, NotFound, Conflict, or RuleViolation when what creation checked no longer holds (an
    item retired since, two of its items made enemies since: of a fixed test or exam, or of one adaptive passage)."""
    if not policies.can_manage_tests(actor):
        raise PermissionDenied("only test administrators can publish tests")
    test = get_test(session, test_id)
    if test.status == TestStatus.DRAFT:
        _check_still_deliverable(session, test)
        if test.kind == "adaptive":
            adaptive.freeze_enemies(session, test)
    test.publish()
    audit.record(session, actor=actor, action="test.published", entity_type="test", entity_id=test.id)
    session.flush()
    return test


def archive_test(session: Session, *, actor: Actor, test_id: int, comment: str = "") -> Test:
    """Withdraw a test from delivery (a leaked item, a form replaced): new attempts, sessions and registrations
    are refused; attempts under way run to their end and every result stands. Raises PermissionDenied,
    NotFound, or Conflict when it is archived already."""
    if not policies.can_manage_tests(actor):
        raise PermissionDenied("only test administrators can archive tests")
    test = get_test(session, test_id)
    was = test.status
    test.archive()
    audit.record(session, actor=actor, action="test.archived", entity_type="test", entity_id=test.id,
                 was=was, comment=comment)
    session.flush()
    return test


def published_tests_holding(session: Session, item_id: int) -> list[int]:
    """The published tests that deliver a version of the item (fixed items, exam sections, adaptive pools): a
    test pins the versions it was published with, so retiring the item leaves them until they are archived."""
    return list(session.scalars(
        select(Test.id).distinct().join(TestItem, TestItem.test_id == Test.id)
        .join(ItemVersion, ItemVersion.id == TestItem.item_version_id)
        .where(ItemVersion.item_id == item_id, Test.status == TestStatus.PUBLISHED).order_by(Test.id)))


def _check_still_deliverable(session: Session, test: Test) -> None:
    """The draft's items as they stand now. An item edited since keeps its approved version in the test (the
    version is what is delivered); a retired one goes into no test published from now on. Raises RuleViolation."""
    item_ids = list(session.scalars(
        select(ItemVersion.item_id).join(TestItem, TestItem.item_version_id == ItemVersion.id)
        .where(TestItem.test_id == test.id).order_by(TestItem.position)))
    retired = session.scalar(select(Item.id).where(Item.id.in_(item_ids), Item.status == ItemStatus.RETIRED)
                             .order_by(Item.id).limit(1))
    if retired is not None:
        raise RuleViolation(f"item {retired} was retired after this test was drafted; a retired item goes into "
                            "no new test: draft the test again without it", field="item_ids")
    if test.kind != "adaptive":  # an adaptive test's engine never gives two enemies to one candidate
        _check_no_enemies(session, item_ids, field=lambda _index: "item_ids")


def _check_no_enemies(session: Session, item_ids: Sequence[int], field: Callable[[int], str]) -> None:
    """Two items marked enemies never appear in one test (a fixed or sectioned one gives all its items).
    ``field`` names the place of the later item of the pair. Raises RuleViolation."""
    pairs = enemy_pairs_among(session, item_ids)
    if not pairs:
        return
    place = {item_id: index for index, item_id in enumerate(item_ids)}
    first, second = min(pairs, key=lambda pair: max(place[pair[0]], place[pair[1]]))
    earlier, later = sorted((first, second), key=place.__getitem__)
    raise RuleViolation(f"items {earlier} and {later} are enemies: they must never appear in the same test",
                        field=field(place[later]))

"""Parallel VSTEP.3-5 forms assembled from the bank, each a draft sectioned exam with its own tables.

The bank's approved items go to the assembler (psychometrics.assembly) with the format's
blueprint; each form it returns becomes a sectioned exam whose listening and reading tables
come from the form's own IRT parameters (psychometrics.equating), anchored at the VSTEP band
edges, so that every form gives the same score to the same ability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment import policies
from assessment.adaptive import DEFAULT_CUTS
from assessment.models import Test
from assessment.psychometrics.assembly import (
    AssemblyBank,
    AssemblyReport,
    FormBlueprint,
    InfeasibleConstraint,
    TargetInformation,
    assemble_forms,
)
from assessment.psychometrics.equating import ScaleAnchor, conversion_table
from assessment.rules.apply import vstep_band_floors
from assessment.sections import VSTEP_FORMAT
from assessment.test_definitions import SectionDraft, TestDraft, create_test
from core import audit, clock
from core.accounts import Actor
from core.errors import PermissionDenied, RuleViolation
from question_bank import item_types
from question_bank.models import Item, ItemStatistics, ItemStatus, ItemVersion
from question_bank.enemies import enemy_pairs_among

TARGET_THETAS = (-2.0, -1.0, 0.0, 1.0, 2.0)
MAX_FORMS = 200


@dataclass(frozen=True, slots=True)
class FormRequest:
    """What a test administrator asks for: how many forms, how different, and from which items."""

    n_forms: int
    title: str = "VSTEP.3-5 form"
    purpose: str = "certification"
    max_overlap: float = 0.25
    exposure_ceiling: float | None = None  # items delivered more often than this are left out
    level_counts: Mapping[str, Mapping[int, int]] | None = None  # per objective skill: items per level
    seed: int = 0


@dataclass(frozen=True, slots=True)
class AssembledForms:
    tests: list[Test]
    report: AssemblyReport
    left_out: list[str] = field(default_factory=list)  # passages the bank could not offer, and why


def vstep_blueprint(level_counts: Mapping[str, Mapping[int, int]] | None = None) -> FormBlueprint:
    """The format's counts per section; listening and reading optionally split by intended level.

    Raises RuleViolation when a split does not add up to the section's item count.
    """
    cells: dict[tuple[str, int | None, str | None], int] = {}
    for section in VSTEP_FORMAT:
        split = (level_counts or {}).get(section.skill)
        if split and not section.rater_scored:
            if sum(split.values()) != section.item_count:
                raise RuleViolation(f"the {section.skill} levels must add up to {section.item_count} items",
                                    field=f"level_counts.{section.skill}")
            cells.update({(section.skill, int(level), None): count for level, count in split.items()})
        else:
            cells[(section.skill, None, "essay" if section.skill == "writing" else
                   "speaking" if section.skill == "speaking" else None)] = section.item_count
    return FormBlueprint.of(cells, units={"reading": VSTEP_FORMAT[1].passages or 0})


def bank_for_assembly(session: Session) -> tuple[AssemblyBank, list[Item], list[str]]:
    """The approved items of the four skills: objective ones with IRT parameters, and the tasks; and the passages
    left out, each with why.

    Each is its current (approved) version, with the skill, level and passage that version pins. A passage that
    no form can hold is left out whole: one with two enemy items (a form takes a passage with all its items), or
    with items of two skills (it would belong to two sections).
    """
    skills = [section.skill for section in VSTEP_FORMAT]
    rows = session.execute(
        select(Item, ItemVersion, ItemStatistics)
        .join(ItemVersion, ItemVersion.id == Item.current_version_id)
        .outerjoin(ItemStatistics, ItemStatistics.item_version_id == ItemVersion.id)
        .where(Item.status == ItemStatus.APPROVED, ItemVersion.skill.in_(skills))
        .order_by(Item.id)).all()
    items, versions, params, exposure = [], [], [], []
    for item, version, stats in rows:
        rated = item_types.get(item.type).rater_scored
        if not rated and (stats is None or stats.irt_a is None or stats.irt_b is None):
            continue  # an objective item without parameters cannot be placed on the target curve
        items.append(item)
        versions.append(version)
        params.append((np.nan, np.nan, np.nan) if rated else (stats.irt_a, stats.irt_b, stats.irt_c or 0.0))
        exposure.append(float(stats.exposure_count) if stats is not None else 0.0)
    ids = [item.id for item in items]
    pairs = enemy_pairs_among(session, ids)
    unusable = _unusable_passages(dict(zip(ids, versions, strict=True)), pairs)
    kept = [index for index, version in enumerate(versions) if version.stimulus_id not in unusable]
    items, versions = [items[index] for index in kept], [versions[index] for index in kept]
    params, exposure = [params[index] for index in kept], [exposure[index] for index in kept]
    index_of = {item.id: index for index, item in enumerate(items)}
    pairs = [(x, y) for x, y in pairs if x in index_of and y in index_of]
    table = np.array(params, dtype=np.float64).reshape(-1, 3)
    bank = AssemblyBank(
        ids=tuple(str(item.id) for item in items), a=table[:, 0], b=table[:, 1], c=table[:, 2],
        skill=np.array([version.skill for version in versions], dtype=object),
        level=np.array([version.level or 0 for version in versions], dtype=np.intp),
        item_type=np.array([item.type for item in items], dtype=object),
        unit=np.array([version.stimulus_id if version.stimulus_id is not None else -1 for version in versions],
                      dtype=np.intp),
        exposure=np.array(exposure, dtype=np.float64),
        enemies=np.array([(index_of[x], index_of[y]) for x, y in pairs], dtype=np.intp).reshape(-1, 2))
    return bank, items, list(unusable.values())


def _unusable_passages(version_of: Mapping[int, ItemVersion], enemies: Sequence[tuple[int, int]]) -> dict[int, str]:
    """Passage id -> why no form can hold it (``version_of``: item id -> its version)."""
    reasons: dict[int, str] = {}
    skills: dict[int, set[str]] = {}
    for version in version_of.values():
        if version.stimulus_id is not None:
            skills.setdefault(version.stimulus_id, set()).add(version.skill or "")
    for stimulus_id, found in sorted(skills.items()):
        if len(found) > 1:
            reasons[stimulus_id] = f"passage {stimulus_id} left out: its items are of {' and '.join(sorted(found))}"
    for item_id, enemy_id in enemies:
        stimulus_id = version_of[item_id].stimulus_id
        if stimulus_id is not None and stimulus_id == version_of[enemy_id].stimulus_id:
            reasons.setdefault(stimulus_id, f"passage {stimulus_id} left out: its items {item_id} and {enemy_id} are "
                                            "enemies, and a form takes a passage whole")
    return reasons


def band_anchors(on: date, cuts: Sequence[float] = DEFAULT_CUTS) -> tuple[ScaleAnchor, ...]:
    """Each VSTEP band's lowest score sits at the ability cut of its level (levels 1-6: five cuts)."""
    return tuple(ScaleAnchor(cuts[level - 2], floor) for level, floor in sorted(vstep_band_floors(on).items())
                 if 2 <= level <= len(cuts) + 1)


def assemble_vstep_forms(session: Session, *, actor: Actor, request: FormRequest) -> AssembledForms:
    """Draft sectioned exams, one per form. Raises PermissionDenied or RuleViolation (infeasible)."""
    if not policies.can_manage_tests(actor):
        raise PermissionDenied("only test administrators assemble forms")
    if not 1 <= request.n_forms <= MAX_FORMS:
        raise RuleViolation(f"assemble 1 to {MAX_FORMS} forms at a time", field="n_forms")
    blueprint = vstep_blueprint(request.level_counts)
    try:
        bank, items, left_out = bank_for_assembly(session)
        target = TargetInformation.mean_of_bank(bank, blueprint, TARGET_THETAS)
        report = assemble_forms(bank, blueprint, target, request.n_forms, max_overlap=request.max_overlap,
                                exposure_ceiling=request.exposure_ceiling, seed=request.seed)
    except (InfeasibleConstraint, ValueError) as error:
        raise RuleViolation(f"the bank cannot give these forms: {error}", field="n_forms") from None
    anchors = band_anchors(clock.day_in_vietnam())  # the band rules in force on the centre's day
    tests = []
    for number, form in enumerate(report.forms, start=1):
        sections = []
        for section in VSTEP_FORMAT:
            # A passage's items together, in the bank's order.
            indices = sorted((int(index) for index in form.items if bank.skill[index] == section.skill),
                             key=lambda index: (int(bank.unit[index]), items[index].id))
            conversion: list[dict] = []
            if not section.rater_scored:
                conversion = [{"min_raw": raw, "score": score} for raw, score in conversion_table(
                    bank.a[indices], bank.b[indices], bank.c[indices], anchors)]
            sections.append(SectionDraft(skill=section.skill, item_ids=[items[index].id for index in indices],
                                         conversion=conversion))
        tests.append(create_test(session, actor=actor, draft=TestDraft(
            title=f"{request.title} {number:02d}", purpose=request.purpose, kind="sectioned", sections=sections,
            description=f"Assembled form {number} of {request.n_forms}: information within "
                        f"{form.max_relative_deviation:.0%} of the target")))
    audit.record(session, actor=actor, action="forms.assembled", entity_type="test",
                 entity_id=tests[0].id if tests else None, forms=[test.id for test in tests],
                 max_overlap=report.max_overlap)
    return AssembledForms(tests, report, left_out)

"""Assembly of parallel fixed forms in the VSTEP.3-5 shape, on synthetic banks."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from assessment.psychometrics.models import info_3pl
from assessment.psychometrics.assembly import (
    AssemblyBank,
    AssemblyReport,
    FormBlueprint,
    InfeasibleConstraint,
    TargetInformation,
    assemble_forms,
)

THETAS = [-2.0, -1.0, 0.0, 1.0, 2.0]

# Listening: 8 announcements (standalone), 3 conversations of 4, 3 lectures of 5 items;
# reading: 4 passages of 10 at levels 3, 4, 4, 5; writing 2 tasks, speaking 3 parts.
VSTEP = FormBlueprint.of(
    {
        ("listening", None, "announcement"): 8,
        ("listening", None, "conversation"): 12,
        ("listening", None, "lecture"): 15,
        ("reading", 3, None): 10,
        ("reading", 4, None): 20,
        ("reading", 5, None): 10,
        ("writing", None, "letter"): 1,
        ("writing", None, "essay"): 1,
        ("speaking", None, "social"): 1,
        ("speaking", None, "solution"): 1,
        ("speaking", None, "topic"): 1,
    },
    units={"listening": 6, "reading": 4},
)


def vstep_bank(scale: float = 1.0, seed: int = 0, enemy_pairs: int = 1000) -> AssemblyBank:
    """A bank shaped like VSTEP's: units of 4, 5 and 10 items, rater-scored tasks, random enemies."""
    rng = np.random.default_rng(seed)
    enemy_pairs = int(1000 * scale)
    skill: list[str] = []
    level: list[int] = []
    item_type: list[str] = []
    unit: list[int] = []
    group: list[int] = []  # unit, or the standalone item's own number
    next_unit = 0

    def add(skill_: str, type_: str, units: int, size: int, levels: tuple[int, ...]) -> None:
        nonlocal next_unit
        for _ in range(int(units * scale)):
            level_ = int(rng.choice(levels))
            for _ in range(size):
                skill.append(skill_)
                level.append(level_)
                item_type.append(type_)
                unit.append(-1 if size == 1 else next_unit)
                group.append(next_unit)
            next_unit += 1

    add("listening", "announcement", 300, 1, (3, 4))
    add("listening", "conversation", 120, 4, (3, 4, 5))
    add("listening", "lecture", 100, 5, (4, 5))
    add("reading", "passage", 70, 10, (3,))
    add("reading", "passage", 120, 10, (4,))
    add("reading", "passage", 60, 10, (5,))
    for type_ in ("letter", "essay"):
        add("writing", type_, 120, 1, (4,))
    for type_ in ("social", "solution", "topic"):
        add("speaking", type_, 120, 1, (4,))
    n = len(skill)
    levels = np.array(level)
    rated = np.isin(np.array(skill), ["writing", "speaking"])
    a = np.where(rated, np.nan, np.clip(rng.normal(1.2, 0.25, n), 0.4, None))
    b = np.where(rated, np.nan, rng.normal(levels - 4.0, 0.7))
    c = np.where(rated, np.nan, np.clip(rng.normal(0.2, 0.03, n), 0.0, 0.4))
    units = np.array(unit)
    enemies = rng.integers(0, n, size=(enemy_pairs * 3, 2))
    distinct = (enemies[:, 0] != enemies[:, 1]) & ~(
        (units[enemies[:, 0]] >= 0) & (units[enemies[:, 0]] == units[enemies[:, 1]])
    )
    return AssemblyBank(
        ids=tuple(f"it{i}" for i in range(n)),
        a=a,
        b=b,
        c=c,
        skill=np.array(skill),
        level=levels,
        item_type=np.array(item_type),
        unit=units,
        exposure=rng.uniform(0.0, 0.4, next_unit)[group],  # unit mates are delivered together
        enemies=enemies[distinct][:enemy_pairs],
    )


@cache
def seventy_forms() -> tuple[AssemblyBank, AssemblyReport]:
    bank = vstep_bank()
    target = TargetInformation.mean_of_bank(bank, VSTEP, THETAS)
    return bank, assemble_forms(bank, VSTEP, target, 70, max_overlap=0.15, exposure_ceiling=0.38, seed=7)


def form_sets(report: AssemblyReport) -> list[set[int]]:
    return [set(form.items.tolist()) for form in report.forms]


def test_every_form_meets_every_cell_and_unit_count_exactly() -> None:
    bank, report = seventy_forms()
    assert len(report.forms) == 70
    for form in report.forms:
        assert form.items.size == VSTEP.length == 80
        for cell in VSTEP.cells:
            assert int(cell.matches(bank)[form.items].sum()) == cell.count, cell.label
        for skill, count in VSTEP.units:
            of_skill = form.items[(bank.skill[form.items] == skill) & (bank.unit[form.items] >= 0)]
            assert np.unique(bank.unit[of_skill]).size == count


def test_passages_and_recordings_enter_a_form_whole() -> None:
    bank, report = seventy_forms()
    for form in report.forms:
        for unit in np.unique(bank.unit[form.items]):
            if unit >= 0:
                assert set(np.flatnonzero(bank.unit == unit).tolist()) <= set(form.items.tolist())


def test_seventy_forms_share_at_most_the_bounded_fraction_of_their_items() -> None:
    _, report = seventy_forms()
    sets = form_sets(report)
    worst = max(len(first & second) for first, second in itertools.combinations(sets, 2))
    assert worst <= 0.15 * 80  # 12 items: one shared passage and two more
    assert report.max_overlap == worst / 80
    assert len({frozenset(items) for items in sets}) == 70


def test_use_spreads_over_the_bank() -> None:
    bank, report = seventy_forms()
    counted = np.zeros(bank.size, dtype=int)
    for form in report.forms:
        counted[form.items] += 1
    assert np.array_equal(report.use_counts, counted)
    # 70 forms need 8 announcements each from ~300: about 2 uses each, none hoarded.
    announcements = bank.item_type == "announcement"
    assert counted[announcements].max() <= 3


def test_no_form_holds_two_enemies() -> None:
    bank, report = seventy_forms()
    assert bank.enemies.shape[0] == 1000
    for items in form_sets(report):
        assert not any(int(i) in items and int(j) in items for i, j in bank.enemies)


def test_items_above_the_exposure_ceiling_are_left_out_and_reported() -> None:
    bank, report = seventy_forms()
    above = np.flatnonzero(bank.exposure > 0.38)
    assert above.size > 50
    assert set(above.tolist()) <= set(report.excluded_for_exposure.tolist())
    for form in report.forms:
        assert bank.exposure[form.items].max() <= 0.38


def test_every_form_follows_the_target_information_closely() -> None:
    bank, report = seventy_forms()
    target = report.target
    for form in report.forms:
        scored = form.items[~np.isnan(bank.a[form.items])]
        info = info_3pl(target.thetas, bank.a[scored], bank.b[scored], bank.c[scored]).sum(axis=-1)
        assert np.allclose(form.information, info)
        deviation = np.abs(info - target.values) / target.values
        assert form.max_relative_deviation == pytest.approx(deviation.max())
        assert form.max_relative_deviation < 0.05
        assert form.rmsd == pytest.approx(np.sqrt(np.mean((info - target.values) ** 2)))
        assert form.within_tolerance
    assert report.issues == ()


def test_the_bank_mean_target_is_an_average_form() -> None:
    bank = vstep_bank(scale=0.3)
    target = TargetInformation.mean_of_bank(bank, VSTEP, THETAS)
    info = bank.information(THETAS)
    reading_3 = (bank.skill == "reading") & (bank.level == 3)
    listening = bank.skill == "listening"
    expected = 10 * info[reading_3].mean(axis=0) + 35 * info[listening].mean(axis=0)
    expected += 20 * info[(bank.skill == "reading") & (bank.level == 4)].mean(axis=0)
    expected += 10 * info[(bank.skill == "reading") & (bank.level == 5)].mean(axis=0)
    # The three listening cells are averaged separately, each over its own items.
    for item_type, count in (("announcement", 8), ("conversation", 12), ("lecture", 15)):
        expected += count * info[bank.item_type == item_type].mean(axis=0) - count * info[listening].mean(axis=0)
    assert np.allclose(target.values, expected)
    assert np.all(info[np.isin(bank.skill, ["writing", "speaking"])] == 0.0)


def test_forms_off_target_are_reported_not_hidden() -> None:
    bank = vstep_bank(scale=0.3)
    average = TargetInformation.mean_of_bank(bank, VSTEP, THETAS)
    demanding = TargetInformation(average.thetas, average.values * 2.0)
    report = assemble_forms(bank, VSTEP, demanding, 3, seed=1)
    assert not any(form.within_tolerance for form in report.forms)
    assert [issue.code for issue in report.issues] == ["information_off_target"]
    assert "3 forms deviate" in report.issues[0].message


def test_a_cell_the_bank_cannot_fill_is_refused_with_the_numbers() -> None:
    bank = vstep_bank(scale=0.3)
    cells = {(c.skill, c.level, c.item_type): c.count for c in VSTEP.cells}
    cells[("listening", None, "announcement")] = 95
    blueprint = FormBlueprint.of(cells, units=dict(VSTEP.units))
    target = TargetInformation.mean_of_bank(bank, blueprint, THETAS)
    with pytest.raises(InfeasibleConstraint, match=r"\(listening, any level, type 'announcement'\) needs 95 items but"):
        assemble_forms(bank, blueprint, target, 1)


def test_a_unit_count_the_bank_cannot_fill_is_refused() -> None:
    bank = vstep_bank(scale=0.3)
    blueprint = FormBlueprint(VSTEP.cells, (("listening", 6), ("reading", 4), ("writing", 1)))
    target = TargetInformation.mean_of_bank(bank, blueprint, THETAS)
    with pytest.raises(InfeasibleConstraint, match="skill 'writing' needs 1 units but the bank has 0"):
        assemble_forms(bank, blueprint, target, 1)


def standalone_bank(n: int, exposure: np.ndarray | None = None) -> AssemblyBank:
    return AssemblyBank(
        ids=tuple(f"s{i}" for i in range(n)),
        a=np.ones(n),
        b=np.linspace(-1.0, 1.0, n),
        c=np.zeros(n),
        skill=np.array(["reading"] * n),
        level=np.full(n, 4),
        item_type=np.array(["mcq"] * n),
        unit=np.full(n, -1),
        exposure=np.zeros(n) if exposure is None else exposure,
    )


def test_among_equal_items_the_less_exposed_are_taken() -> None:
    n = 20
    bank = AssemblyBank(
        ids=tuple(f"e{i}" for i in range(n)),
        a=np.ones(n),
        b=np.zeros(n),
        c=np.zeros(n),
        skill=np.array(["reading"] * n),
        level=np.full(n, 4),
        item_type=np.array(["mcq"] * n),
        unit=np.full(n, -1),
        exposure=np.random.default_rng(5).permutation(np.linspace(0.0, 0.5, n)),
    )
    blueprint = FormBlueprint.of({("reading", None, None): 5})
    target = TargetInformation.mean_of_bank(bank, blueprint, THETAS)
    form = assemble_forms(bank, blueprint, target, 1, seed=2).forms[0]
    assert sorted(form.items.tolist()) == sorted(np.argsort(bank.exposure)[:5].tolist())


def test_an_exposure_ceiling_that_empties_a_cell_is_refused_with_the_numbers() -> None:
    bank = standalone_bank(10, exposure=np.linspace(0.0, 0.9, 10))
    blueprint = FormBlueprint.of({("reading", None, None): 5})
    target = TargetInformation.mean_of_bank(bank, blueprint, THETAS)
    assert assemble_forms(bank, blueprint, target, 1, exposure_ceiling=0.4).excluded_for_exposure.tolist() == [
        5,
        6,
        7,
        8,
        9,
    ]
    message = r"needs 5 items but the bank has 4 usable: 10 in the cell, 6 of them excluded by the exposure ceiling"
    with pytest.raises(InfeasibleConstraint, match=message):
        assemble_forms(bank, blueprint, target, 1, exposure_ceiling=0.35)


def test_an_overlap_bound_the_bank_cannot_meet_is_refused_with_the_numbers() -> None:
    # 10 forms of 5 from 10 items: each item in 5 forms, so 100 shared incidences over 45 pairs.
    bank = standalone_bank(10)
    blueprint = FormBlueprint.of({("reading", None, None): 5})
    target = TargetInformation.mean_of_bank(bank, blueprint, THETAS)
    message = r"10 forms of 5 items share at least 3 items per pair on average with this bank, but the bound allows 1"
    with pytest.raises(InfeasibleConstraint, match=message):
        assemble_forms(bank, blueprint, target, 10, max_overlap=0.2)
    assert assemble_forms(bank, blueprint, target, 10, max_overlap=0.6).shared_items.max() <= 3


def test_passages_too_long_to_repeat_under_the_bound_are_counted() -> None:
    bank, report = seventy_forms()
    with pytest.raises(InfeasibleConstraint, match=r"70 forms need 280 reading units but the bank's \d+ usable units"):
        assemble_forms(bank, VSTEP, report.target, 70, max_overlap=0.1, exposure_ceiling=0.38)


def test_a_use_cap_too_small_for_the_forms_is_refused() -> None:
    bank = vstep_bank(scale=0.3)
    target = TargetInformation.mean_of_bank(bank, VSTEP, THETAS)
    with pytest.raises(
        InfeasibleConstraint,
        match=r"announcement'\): 70 forms need 560 item uses but 90 usable items used at most 1 times give 90",
    ):
        assemble_forms(bank, VSTEP, target, 70, max_uses_per_item=1)


def test_a_use_cap_is_never_exceeded() -> None:
    bank = vstep_bank(scale=0.5)
    target = TargetInformation.mean_of_bank(bank, VSTEP, THETAS)
    report = assemble_forms(bank, VSTEP, target, 15, max_uses_per_item=1, seed=3)
    assert report.use_counts.max() == 1
    assert report.max_overlap == 0.0


def test_enemies_that_leave_no_way_to_complete_a_form_are_reported() -> None:
    # Three passages, every pair of them enemies: no form can take the two it needs.
    bank = AssemblyBank(
        ids=tuple(f"r{i}" for i in range(6)),
        a=np.ones(6),
        b=np.zeros(6),
        c=np.zeros(6),
        skill=np.array(["reading"] * 6),
        level=np.full(6, 4),
        item_type=np.array(["passage"] * 6),
        unit=np.array([0, 0, 1, 1, 2, 2]),
        exposure=np.zeros(6),
        enemies=np.array([[0, 2], [3, 5], [1, 4]]),
    )
    blueprint = FormBlueprint.of({("reading", None, None): 4}, units={"reading": 2})
    target = TargetInformation.mean_of_bank(bank, blueprint, THETAS)
    with pytest.raises(
        InfeasibleConstraint,
        match=r"form 1 of 1: .* 1 more units of 'reading' .* of its 3 usable units 1 are in the form, 2 are enemies",
    ):
        assemble_forms(bank, blueprint, target, 1)


def test_assembly_is_deterministic_for_a_seed() -> None:
    bank = vstep_bank(scale=0.5)
    target = TargetInformation.mean_of_bank(bank, VSTEP, THETAS)
    first = assemble_forms(bank, VSTEP, target, 8, seed=11)
    again = assemble_forms(bank, VSTEP, target, 8, seed=11)
    other = assemble_forms(bank, VSTEP, target, 8, seed=12)
    assert [f.item_ids for f in first.forms] == [f.item_ids for f in again.forms]
    assert [f.item_ids for f in first.forms] != [f.item_ids for f in other.forms]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"a": np.array([1.0, np.nan])}, "need a > 0"),
        ({"unit": np.array([0, 0]), "skill": np.array(["reading", "listening"])}, "mixes skills"),
        ({"unit": np.array([0, 0]), "enemies": np.array([[0, 1]])}, "enemies in the same unit"),
        ({"enemies": np.array([[0, 2]])}, "item indices within the bank"),
        ({"exposure": np.array([0.1])}, "exposure has 1 values for 2 items"),
    ],
)
def test_a_malformed_bank_is_refused(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "ids": ("x", "y"),
        "a": np.ones(2),
        "b": np.zeros(2),
        "c": np.zeros(2),
        "skill": np.array(["reading", "reading"]),
        "level": np.array([3, 4]),
        "item_type": np.array(["mcq", "mcq"]),
        "unit": np.array([-1, -1]),
        "exposure": np.zeros(2),
    }
    with pytest.raises(ValueError, match=message):
        AssemblyBank(**{**fields, **change})  # type: ignore[arg-type]


def test_overlapping_cells_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap; make them disjoint"):
        FormBlueprint.of({("reading", None, None): 40, ("reading", 4, None): 20})


def test_without_unit_counts_passages_still_enter_whole_and_cells_stay_exact() -> None:
    bank = vstep_bank(scale=0.5)
    blueprint = FormBlueprint(VSTEP.cells)
    target = TargetInformation.mean_of_bank(bank, blueprint, THETAS)
    report = assemble_forms(bank, blueprint, target, 10, seed=4)
    for form in report.forms:
        for cell in blueprint.cells:
            assert int(cell.matches(bank)[form.items].sum()) == cell.count
        for unit in np.unique(bank.unit[form.items]):
            if unit >= 0:
                assert np.isin(np.flatnonzero(bank.unit == unit), form.items).all()

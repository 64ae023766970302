"""VSTEP level bands at every boundary, the writing composite, VSTEP.2, and the rule versions a result names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assessment.rules import (
    InvalidScore,
    NoRuleInForce,
    score_vstep,
    vstep2_level,
    vstep_level,
    writing_composite,
)

ON = date(2025, 6, 1)


@pytest.mark.parametrize(("overall", "level"), [
    ("0", None), ("3.5", None),  # < 4.0: không xét
    ("4.0", 3), ("5.5", 3),
    ("6.0", 4), ("8.0", 4),
    ("8.5", 5), ("10", 5),
])
def test_vstep_bands_at_every_boundary(overall: str, level: int | None) -> None:
    assert vstep_level(Decimal(overall), ON) == level


@pytest.mark.parametrize("overall", ["3.75", "5.75", "8.25", "9.75", "10.5", "-0.5"])
def test_vstep_level_refuses_an_unrounded_or_off_scale_overall(overall: str) -> None:
    with pytest.raises(InvalidScore, match="overall"):
        vstep_level(Decimal(overall), ON)


@pytest.mark.parametrize(("skills", "overall", "level"), [
    (("4.0", "4.0", "3.5", "3.5"), "4.0", 3),  # 3.75 rounds up into level 3
    (("4.0", "3.5", "3.5", "3.5"), "3.5", None),  # 3.625 stays below
    (("6.0", "5.5", "5.5", "5.5"), "5.5", 3),  # 5.625
    (("6.0", "6.0", "5.5", "5.5"), "6.0", 4),  # 5.75
    (("8.0", "8.0", "8.0", "8.5"), "8.0", 4),  # 8.125
    (("8.5", "8.5", "8.0", "8.0"), "8.5", 5),  # 8.25: banker's rounding would say level 4
    (("10", "10", "10", "9.0"), "10.0", 5),  # 9.75
])
def test_skill_scores_to_level_across_each_boundary(skills: tuple[str, ...], overall: str, level: int | None) -> None:
    result = score_vstep(*skills, ON)
    assert result.overall == Decimal(overall)
    assert result.level_number == level
    if level is not None:
        assert result.level is not None
        assert (result.level.label_vi, result.level.label_en) == (f"Bậc {level}", f"Level {level}")


def test_a_result_names_the_rule_versions_in_force_on_its_date() -> None:
    before = score_vstep("6", "6", "6", "6", date(2026, 4, 14))
    after = score_vstep("6", "6", "6", "6", date(2026, 4, 15))
    assert "vstep.rounding@tt23-2017" in before.rules
    assert "vstep.rounding@tt09-2026" in after.rules  # TT 09/2026 replaces TT 23/2017 on 15/04/2026
    assert "vstep.3-5.bands@qd729-2015" in after.rules


def test_no_rounding_rule_before_tt_23_2017_came_into_force() -> None:
    with pytest.raises(NoRuleInForce, match=r"vstep\.rounding"):
        score_vstep("6", "6", "6", "6", date(2017, 11, 14))
    assert score_vstep("6", "6", "6", "6", date(2017, 11, 15)).overall == Decimal("6.0")


@pytest.mark.parametrize(("task1", "task2", "expected"), [
    ("5", "6", "5.5"),  # 17/3 = 5.67
    ("6", "6.5", "6.5"),  # 19/3 = 6.33
    ("6.5", "5.5", "6.0"),  # 17.5/3 = 5.83
    ("0.75", "0", "0.5"),  # exactly 0.25: half up
    ("2.25", "0", "1.0"),  # exactly 0.75: half up
    ("10", "10", "10.0"),
    ("0", "0", "0.0"),
])
def test_writing_is_one_third_task1_two_thirds_task2_rounded_once(task1: str, task2: str, expected: str) -> None:
    assert writing_composite(Decimal(task1), Decimal(task2), ON) == Decimal(expected)


def test_writing_task_weights_are_not_swapped() -> None:
    assert writing_composite("9", "3", ON) == Decimal("5.0")  # (9 + 6) / 3
    assert writing_composite("3", "9", ON) == Decimal("7.0")  # (3 + 18) / 3


def test_rounding_each_task_first_is_a_data_switch(rule_data) -> None:
    def round_parts_first(doc: dict) -> None:
        doc["rules"]["vstep.writing_composite"]["versions"][0]["params"]["round_parts_first"] = True

    assert writing_composite("6.7", "6.2", ON) == Decimal("6.5")  # 19.1/3 = 6.37 -> 6.5
    rule_data.edit("vstep.yaml", round_parts_first)
    book = rule_data.load()
    assert writing_composite("6.7", "6.2", ON, rulebook=book) == Decimal("6.0")  # (6.5 + 12)/3 = 6.17 -> 6.0


@pytest.mark.parametrize(("score", "level"), [("0", None), ("6.4", None), ("6.49", None), ("6.5", 2), ("10", 2)])
def test_vstep2_awards_level_2_from_6_5(score: str, level: int | None) -> None:
    assert vstep2_level(Decimal(score), ON) == level

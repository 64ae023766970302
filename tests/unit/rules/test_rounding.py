"""Half-up rounding to 0.5 (TT 23/2017 Art. 21), exactly, and the VSTEP.3-5 overall score built on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from assessment.rules import InvalidScore, round_half_up, round_half_up_to_half, vstep_overall

ON = date(2025, 6, 1)


@pytest.mark.parametrize(("value", "expected"), [
    # "0.25 to <0.75 -> 0.5; 0.75 to <1.25 -> 1.0", at and around each threshold
    ("0", "0.0"), ("0.2499", "0.0"), ("0.25", "0.5"), ("0.5", "0.5"), ("0.7499", "0.5"), ("0.75", "1.0"),
    ("1.2499", "1.0"), ("1.25", "1.5"),
    # every .x5 that banker's rounding would send the other way
    ("4.25", "4.5"), ("4.75", "5.0"), ("5.25", "5.5"), ("5.75", "6.0"), ("8.25", "8.5"), ("9.75", "10.0"),
    # means of four half-points end in .125 / .375 / .625 / .875
    ("6.125", "6.0"), ("6.375", "6.5"), ("6.625", "6.5"), ("6.875", "7.0"),
    ("3.875", "4.0"), ("5.625", "5.5"), ("7.875", "8.0"), ("8.125", "8.0"),
])
def test_half_up_to_half_at_every_threshold(value: str, expected: str) -> None:
    result = round_half_up_to_half(Decimal(value))
    assert result == Decimal(expected)
    assert str(result) == expected  # one decimal place, no artefacts such as 5.4999999


def test_rounding_is_exact_for_thirds_and_accepts_every_exact_type() -> None:
    assert round_half_up_to_half(Fraction(17, 3)) == Decimal("5.5")  # 5.666...
    assert round_half_up_to_half(Fraction(13, 4)) == Decimal("3.5")  # 3.25 exactly
    assert round_half_up_to_half(7) == Decimal("7.0")
    assert round_half_up_to_half(" 5.25 ") == Decimal("5.5")
    assert round_half_up(Decimal("12.5"), Decimal("5")) == Decimal("15")


@pytest.mark.parametrize("value", [5.25, True, "five", "NaN", Decimal("Infinity")])
def test_rounding_refuses_floats_and_non_numbers(value: object) -> None:
    with pytest.raises(InvalidScore):
        round_half_up_to_half(value)  # type: ignore[arg-type]


def test_overall_of_every_possible_skill_total_matches_integer_half_up() -> None:
    """Four half-point scores sum to k half-points (k = 0..80); their mean is k/4 half-points.

    Half-up in integers is (k + 2) // 4 half-points, an independent formula for every case.
    """
    for k in range(81):
        halves = [k // 4 + (1 if i < k % 4 else 0) for i in range(4)]
        skills = [Decimal(h) / 2 for h in halves]
        expected = Decimal((k + 2) // 4) / 2
        assert vstep_overall(*skills, ON) == expected, (k, skills)


@pytest.mark.parametrize(("skills", "overall"), [
    (("4.0", "4.0", "3.5", "3.5"), "4.0"),  # mean 3.75 -> 4.0
    (("4.0", "3.5", "3.5", "3.5"), "3.5"),  # mean 3.625 -> 3.5
    (("6.0", "6.0", "5.5", "5.5"), "6.0"),  # mean 5.75 -> 6.0
    (("5.5", "5.0", "5.0", "5.5"), "5.5"),  # mean 5.25 -> 5.5 (round() would give 5.0)
    (("8.5", "8.5", "8.0", "8.0"), "8.5"),  # mean 8.25 -> 8.5
    (("8.5", "8.0", "8.0", "8.0"), "8.0"),  # mean 8.125 -> 8.0
    (("10", "10", "10", "9.0"), "10.0"),  # mean 9.75 -> 10.0
])
def test_overall_is_the_rounded_mean_of_four_skills(skills: tuple[str, ...], overall: str) -> None:
    assert vstep_overall(*skills, ON) == Decimal(overall)


@pytest.mark.parametrize("bad", ["10.5", "-0.5", "6.25", 6.5])
def test_overall_rejects_skill_scores_off_the_half_point_scale(bad: object) -> None:
    with pytest.raises(InvalidScore):
        vstep_overall(bad, "6.0", "6.0", "6.0", ON)  # type: ignore[arg-type]

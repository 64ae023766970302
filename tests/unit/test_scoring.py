from __future__ import annotations

import pytest

from assessment.scoring import check_cut_scores, level_for_raw_score
from core.errors import RuleViolation

CUTS = [{"level": 2, "min_score": 3}, {"level": 3, "min_score": 6}, {"level": 4, "min_score": 9}]


@pytest.mark.parametrize(("raw", "level"), [
    (0, None), (2.9, None), (3, 2), (5.5, 2), (6, 3), (8.99, 3), (9, 4), (12, 4),
])
def test_level_is_the_highest_cut_reached(raw, level):
    assert level_for_raw_score(CUTS, raw) == level


@pytest.mark.parametrize(("cuts", "field"), [
    ([], "cut_scores"),
    ([{"level": 3, "min_score": 2}, {"level": 2, "min_score": 4}], "cut_scores.1"),
    ([{"level": 2, "min_score": 4}, {"level": 3, "min_score": 4}], "cut_scores.1"),
    ([{"level": 7, "min_score": 1}], "cut_scores.0.level"),
    ([{"level": 1, "min_score": 13}], "cut_scores.0.min_score"),
])
def test_cut_scores_must_rise_and_fit_the_test(cuts, field):
    with pytest.raises(RuleViolation) as error:
        check_cut_scores(cuts, max_score=12)
    assert error.value.field == field


def test_sound_cut_scores_pass():
    check_cut_scores(CUTS, max_score=12)

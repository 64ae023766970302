"""Rating scores are stored exactly: a decimal where one is exact, else a fraction; never a float."""

from __future__ import annotations

from fractions import Fraction

import pytest

from assessment.rating.models import ExactScore, score_text


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(57, 10), "5.7"), (Fraction(101, 20), "5.05"), (Fraction(6), "6"), (Fraction(10), "10"),
    (Fraction(0), "0"), (Fraction(17, 3), "17/3"), (Fraction(35, 6), "35/6"), (Fraction(1, 10080), "1/10080"),
])
def test_a_score_is_written_exactly_and_read_back_as_it_was(value, text):
    column = ExactScore()
    assert score_text(value) == text
    assert column.process_bind_param(value, None) == text
    assert column.process_result_value(text, None) == value


def test_a_float_is_refused_before_it_reaches_the_database():
    with pytest.raises(TypeError):
        ExactScore().process_bind_param(5.7, None)

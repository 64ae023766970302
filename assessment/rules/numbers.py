"""Exact score arithmetic: inputs become Fractions, results are Decimals, floats are refused.

Regulations round on exact thresholds (TT 23/2017 Art. 21: "0.25 to <0.75 -> 0.5"). A float may
already be 5.2499999... when it reaches us, and Python's round() rounds halves to even (5.25 -> 5.0),
so neither is allowed near a score.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TypeAlias

from assessment.rules.errors import InvalidScore

Number: TypeAlias = Decimal | int | str | Fraction

HALF = Decimal("0.5")  # TT 23/2017 Art. 21: scores are rounded to 0.5 on the 10-point scale


# Far past any certificate's scale or step: "1e10000000" (10 characters) made a ten-million-digit integer, six
# seconds of a worker's time before the range refused it.
MAX_SCORE_DIGITS = 30


def exact(value: Number, *, field: str = "score") -> Fraction:
    """The exact value of a score; raises InvalidScore for floats, booleans, text that is no number."""
    if isinstance(value, bool | float):
        raise InvalidScore(f"{field} must be a Decimal, int, str or Fraction, not {type(value).__name__} "
                           "(a float may already carry a binary artefact)", field=field)
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidScore(f"{field} must be a number, got {value!r}", field=field) from None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidScore(f"{field} must be finite, got {value}", field=field)
        if not -MAX_SCORE_DIGITS <= value.as_tuple().exponent <= MAX_SCORE_DIGITS:  # type: ignore[operator]
            raise InvalidScore(f"{field} has more digits than any score, got {str(value)[:20]}", field=field)
        return Fraction(value)
    raise InvalidScore(f"{field} must be a number, got {type(value).__name__}", field=field)


def as_decimal(value: Fraction, step: Decimal) -> Decimal:
    """A value that is a whole multiple of ``step``, written with the step's decimal places."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(step)


def round_half_up(value: Number, step: Decimal) -> Decimal:
    """Round to the nearest multiple of ``step``, a value exactly half-way going up (towards +inf)."""
    if step <= 0:
        raise ValueError("the rounding step must be positive")
    exact_step = Fraction(step)
    multiples = math.floor(exact(value) / exact_step + Fraction(1, 2))
    return as_decimal(multiples * exact_step, step)


def round_half_up_to_half(value: Number) -> Decimal:
    """Round half-up to 0.5 as TT 23/2017 Art. 21 words it: x.25 -> x.5, x.75 -> x+1, x.125 -> x.0."""
    return round_half_up(value, HALF)


def is_multiple(value: Fraction, step: Decimal) -> bool:
    """Whether an exact value lies on the grid of ``step``."""
    return (value / Fraction(step)).denominator == 1

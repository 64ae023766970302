"""GIFT, Moodle's plain-text question format, in and out."""

from __future__ import annotations

from question_bank.interchange.gift.reader import read_gift
from question_bank.interchange.gift.writer import write_gift

__all__ = ["read_gift", "write_gift"]

"""Moodle XML and GIFT exports list, rather than write, items whose scoring Moodle would change."""

from __future__ import annotations

import pytest

from question_bank.interchange.gift import write_gift
from question_bank.interchange.model import ExportableItem
from question_bank.interchange.moodle.writer import write_moodle_xml_skipping

MATCHING_ALL_OR_NOTHING = ExportableItem(
    "match-aon", "matching",
    {"stem": "Match",
     "sources": [{"id": "s1", "text": "dog"}, {"id": "s2", "text": "cat"}, {"id": "s3", "text": "cow"}],
     "targets": [{"id": "t1", "text": "chó"}, {"id": "t2", "text": "mèo"}, {"id": "t3", "text": "bò"}]},
    {"pairs": [["s1", "t1"], ["s2", "t2"], ["s3", "t3"]], "method": "all_or_nothing"})
GAPS = {"stem": "A {{a}} B {{b}} C {{c}}", "gaps": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
KEYS = {"a": {"accepted": ["x"]}, "b": {"accepted": ["y"]}, "c": {"accepted": ["z"]}}
GAP_FILL_TABLE = ExportableItem("gaps-table", "gap_fill", GAPS,
                                {"gaps": KEYS, "method": "table", "table": [0, 0, 0, 2], "points": 2})
GAP_FILL_EQUAL_SHARES = ExportableItem("gaps-shares", "gap_fill", GAPS,
                                       {"gaps": KEYS, "method": "table", "table": [0, 1, 2, 3], "points": 3})
ONE_GAP_TABLE = ExportableItem("one-gap", "gap_fill", {"stem": "A {{a}}", "gaps": [{"id": "a"}]},
                               {"gaps": {"a": {"accepted": ["x"]}}, "method": "table", "table": [0, 2], "points": 2})
MATCHING_ONE_PAIR = ExportableItem("match-one", "matching",
                                   {"stem": "Match", "sources": [{"id": "s1", "text": "dog"}],
                                    "targets": [{"id": "t1", "text": "chó"}, {"id": "t2", "text": "mèo"}]},
                                   {"pairs": [["s1", "t1"]], "method": "all_or_nothing"})


def _written_and_skipped(fmt: str, items: list[ExportableItem]) -> tuple[str, dict[str, str]]:
    text, skipped = (write_gift(items) if fmt == "gift" else write_moodle_xml_skipping(items))
    return (text.decode() if isinstance(text, bytes) else text), {entry.identifier: entry.reason for entry in skipped}


@pytest.mark.parametrize("fmt", ["moodle", "gift"])
def test_an_all_or_nothing_matching_item_is_listed_not_exported(fmt):
    text, skipped = _written_and_skipped(fmt, [MATCHING_ALL_OR_NOTHING])
    assert "each right pair its share" in skipped["match-aon"] and "nothing unless every pair" in skipped["match-aon"]
    assert "dog" not in text


def test_a_gap_fill_scored_by_a_table_moodle_cannot_say_is_listed_not_exported():
    text, skipped = _written_and_skipped("moodle", [GAP_FILL_TABLE, GAP_FILL_EQUAL_SHARES])
    assert "table gives 0, 0, 0, 2 points for 0 to 3 gaps right" in skipped["gaps-table"]
    assert "gaps-shares" not in skipped and text.count('<question type="cloze">') == 1  # equal shares: as Moodle


@pytest.mark.parametrize("fmt", ["moodle", "gift"])
def test_one_gap_or_one_pair_is_right_or_wrong_in_moodle_too_and_exported(fmt):
    _text, skipped = _written_and_skipped(fmt, [ONE_GAP_TABLE, MATCHING_ONE_PAIR])
    assert skipped == {}

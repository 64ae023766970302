"""Certificates from elsewhere to national levels: every range boundary, TOEIC sub-scores, purposes and dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assessment.rules import InvalidScore, NoRuleInForce, Outcome, UnknownRule, convert, default_rulebook

ON = date(2025, 6, 1)


def level(kind: str, score: object, purpose: str = "masters", on: date = ON) -> int | None:
    return convert(kind, score, purpose, on).level  # type: ignore[arg-type]


# TT 23/2021 Appendix (master's): closed ranges, nothing above Level 4.
@pytest.mark.parametrize(("kind", "score", "expected"), [
    ("ielts", "3.5", None), ("ielts", "4.0", 3), ("ielts", "5.0", 3), ("ielts", "5.5", 4), ("ielts", "6.5", 4),
    ("ielts", "7.0", None),
    ("toefl_ibt", 29, None), ("toefl_ibt", 30, 3), ("toefl_ibt", 45, 3), ("toefl_ibt", 46, 4), ("toefl_ibt", 93, 4),
    ("toefl_ibt", 94, None),
    ("toefl_itp", 449, None), ("toefl_itp", 450, 3), ("toefl_itp", 499, 3), ("toefl_itp", 500, None),
    ("cambridge_b1_preliminary", 139, None), ("cambridge_b1_preliminary", 140, 3),
    ("cambridge_b1_preliminary", 159, 3), ("cambridge_b1_preliminary", 160, None),
    ("cambridge_b2_first", 159, None), ("cambridge_b2_first", 160, 4), ("cambridge_b2_first", 179, 4),
    ("cambridge_b2_first", 180, None),
    ("linguaskill", 139, None), ("linguaskill", 140, 3), ("linguaskill", 159, 3), ("linguaskill", 160, 4),
    ("linguaskill", 179, 4), ("linguaskill", 180, None),
    ("tcf", 299, None), ("tcf", 300, 3), ("tcf", 399, 3), ("tcf", 400, 4), ("tcf", 499, 4), ("tcf", 500, None),
    ("jlpt", "N5", None), ("jlpt", "N4", 3), ("jlpt", "n3", 4), ("jlpt", "N2", None),
    ("hsk", "HSK 3", 3), ("hsk", "hsk4", 4), ("delf_dalf", "B2", 4), ("goethe", "B1", 3),
    ("testdaf", "TDN 3", 3), ("trki", "TRKI-2", 4), ("trki", "TBU", None),
])
def test_masters_table_at_each_range_boundary(kind: str, score: object, expected: int | None) -> None:
    assert level(kind, score) == expected


def test_above_the_masters_table_gives_no_level_and_says_no_regulation_sets_levels_5_and_6() -> None:
    result = convert("ielts", "8.5", "masters", ON)
    assert result.level is None
    assert result.outcome is Outcome.ABOVE_TABLE
    assert "FACTS §4.2 E" in result.explanation
    assert "Level 5" in result.explanation


def test_below_and_unlisted_certificates_say_why() -> None:
    below = convert("ielts", "3.5", "masters", ON)
    assert below.outcome is Outcome.BELOW_TABLE
    assert "below 4.0–5.0" in below.explanation
    unlisted = convert("bulats", 70, "masters", ON)
    assert (unlisted.level, unlisted.outcome) == (None, Outcome.NOT_LISTED)
    assert "does not list BULATS" in unlisted.explanation


def test_no_equivalence_table_reaches_level_5_or_6() -> None:
    rows = [row for table in default_rulebook().tables for row in table.rows]
    assert rows
    assert {row.level for row in rows} <= {3, 4}


TOEIC_L3_MIN = {"listening": 275, "reading": 275, "speaking": 120, "writing": 120}
TOEIC_L3_MAX = {"listening": 399, "reading": 384, "speaking": 159, "writing": 149}
TOEIC_L4_MIN = {"listening": 400, "reading": 385, "speaking": 160, "writing": 150}
TOEIC_L4_MAX = {"listening": 489, "reading": 454, "speaking": 179, "writing": 179}


@pytest.mark.parametrize(("scores", "expected"), [
    (TOEIC_L3_MIN, 3), (TOEIC_L3_MAX, 3), (TOEIC_L4_MIN, 4), (TOEIC_L4_MAX, 4),
])
def test_toeic_four_skills_at_the_row_bounds(scores: dict, expected: int) -> None:
    assert level("toeic_4_skills", scores) == expected


@pytest.mark.parametrize("skill", ["listening", "reading", "speaking", "writing"])
def test_toeic_four_skills_needs_every_sub_score_to_meet_the_row(skill: str) -> None:
    one_short = {**TOEIC_L3_MIN, skill: TOEIC_L3_MIN[skill] - 1}
    result = convert("toeic_4_skills", one_short, "masters", ON)
    assert result.level is None
    assert f"{skill} {TOEIC_L3_MIN[skill] - 1} is below" in result.explanation
    # one short of the level-4 row, with the other three above the level-3 row: no row holds it
    assert level("toeic_4_skills", {**TOEIC_L4_MIN, skill: TOEIC_L4_MIN[skill] - 1}) is None


def test_a_toeic_profile_split_across_rows_gets_no_level_when_read_literally() -> None:
    split = {**TOEIC_L4_MIN, "reading": 300}
    result = convert("toeic_4_skills", split, "masters", ON)
    assert (result.level, result.outcome) == (None, Outcome.SUBSCORES_SPLIT)
    assert "reading 300 is below 385–454" in result.explanation


def test_reading_toeic_rows_by_minimums_is_a_data_choice(rule_data) -> None:
    rule_data.edit("conversions.yaml", lambda doc: doc["conversion_tables"]["tt23-2021-masters"].update(
        subscore_match="at_least_row_minimum"))
    book = rule_data.load()
    split = {**TOEIC_L4_MIN, "reading": 300}
    assert convert("toeic_4_skills", split, "masters", ON, rulebook=book).level == 3


def test_toeic_needs_exactly_its_four_sub_scores() -> None:
    with pytest.raises(InvalidScore, match="sub-scores"):
        convert("toeic_4_skills", {"listening": 400, "reading": 400}, "masters", ON)
    with pytest.raises(InvalidScore, match="sub-scores"):
        convert("toeic_4_skills", 800, "masters", ON)


# Legacy table (TT 05/2012 / TT 15/2014 era): minimums, the highest row met wins.
@pytest.mark.parametrize(("kind", "score", "expected"), [
    ("ielts", "4.0", None), ("ielts", "4.5", 3), ("ielts", "5.0", 3), ("ielts", "5.5", 4), ("ielts", "8.5", 4),
    ("toefl_pbt", 449, None), ("toefl_pbt", 450, 3), ("toefl_pbt", 600, 3),  # the Level 4 row names ITP only
    ("toefl_itp", 499, 3), ("toefl_itp", 500, 4),
    ("toefl_cbt", 132, None), ("toefl_cbt", 133, 3), ("toefl_cbt", 172, 3), ("toefl_cbt", 173, 4),
    ("toefl_ibt", 44, None), ("toefl_ibt", 45, 3), ("toefl_ibt", 60, 3), ("toefl_ibt", 61, 4),
    ("toeic_listening_reading", 445, None), ("toeic_listening_reading", 450, 3),
    ("toeic_listening_reading", 595, 3), ("toeic_listening_reading", 600, 4),
    ("bulats", 39, None), ("bulats", 40, 3), ("bulats", 59, 3), ("bulats", 60, 4),
    ("cambridge_b1_preliminary", None, 3), ("cambridge_b2_business_vantage", None, 4),
])
def test_legacy_table_at_each_minimum(kind: str, score: object, expected: int | None) -> None:
    assert level(kind, score, "legacy") == expected


@pytest.mark.parametrize(("scores", "expected"), [
    ({"listening": 225, "reading": 225, "speaking": 105, "writing": 90}, 3),  # L+R 450
    ({"listening": 225, "reading": 220, "speaking": 105, "writing": 90}, None),  # L+R 445
    ({"listening": 300, "reading": 300, "speaking": 140, "writing": 130}, 4),  # L+R 600
    ({"listening": 300, "reading": 300, "speaking": 140, "writing": 120}, 3),  # writing short of level 4
])
def test_legacy_toeic_four_skills_adds_listening_and_reading(scores: dict, expected: int | None) -> None:
    assert level("toeic_4_skills", scores, "legacy") == expected


def test_the_same_certificate_differs_by_purpose() -> None:
    assert [level("ielts", "5.0", purpose) for purpose in ("masters", "legacy", "doctoral")] == [3, 3, None]
    assert [level("ielts", "4.0", purpose) for purpose in ("masters", "legacy", "doctoral")] == [3, None, None]
    assert [level("ielts", "7.0", purpose) for purpose in ("masters", "legacy", "doctoral")] == [None, 4, 4]


def test_masters_used_the_older_table_until_tt_23_2021() -> None:
    before, after = date(2021, 10, 14), date(2021, 10, 15)
    old = convert("ielts", "4.0", "masters", before)
    new = convert("ielts", "4.0", "masters", after)
    assert (old.level, old.rule_ref, old.regulation.id) == (None, "conversion.masters@tt15-2014", "TT-05-2012")
    assert (new.level, new.rule_ref, new.regulation.id) == (3, "conversion.masters@tt23-2021", "TT-23-2021")


def test_doctoral_minimums_are_level_4_by_inference() -> None:
    result = convert("cambridge_b2_first", 160, "doctoral", ON)
    assert (result.level, result.cefr, result.level_basis) == (4, "B2", "inferred")
    assert "inferred" in result.explanation.lower()
    assert level("cambridge_b2_first", 159, "doctoral") is None
    assert level("ielts", "5.5", "doctoral") == 4
    assert convert("toeic_listening_reading", 900, "doctoral", ON).outcome is Outcome.NOT_LISTED
    with pytest.raises(NoRuleInForce):
        convert("ielts", "6.0", "doctoral", date(2021, 6, 27))


def test_high_school_exemption_counts_as_ten_and_leaves_unconfirmed_thresholds_open() -> None:
    ielts = convert("ielts", "4.0", "high_school_exemption", ON)
    assert ielts.level == 3
    assert ielts.effect is not None
    assert "10" in ielts.effect
    toeic = convert("toeic_listening_reading", 990, "high_school_exemption", ON)
    assert (toeic.level, toeic.outcome) == (None, Outcome.THRESHOLD_NOT_CONFIRMED)
    assert level("aptis_esol", "B2", "high_school_exemption") == 3
    assert level("aptis_esol", "A2", "high_school_exemption") is None
    with pytest.raises(NoRuleInForce):
        convert("ielts", "6.0", "high_school_exemption", date(2023, 12, 31))


def test_a_vstep_certificate_states_its_national_level() -> None:
    result = convert("vstep_3_5", 4, "masters", ON)
    assert (result.level, result.cefr, result.rule_id) == (4, "B2", "framework.national")
    with pytest.raises(InvalidScore):
        convert("vstep_3_5", 6, "masters", ON)


def test_a_result_names_its_rule_and_regulation() -> None:
    result = convert("ielts", Decimal("6.0"), "masters", ON)
    assert result.rule_ref == "conversion.masters@tt23-2021"
    assert result.regulation.instrument == "Thông tư 23/2021/TT-BGDĐT"
    assert result.provenance.provision == "Appendix"
    assert "Thông tư 23/2021/TT-BGDĐT" in result.explanation
    assert "Bậc 4" in result.explanation


@pytest.mark.parametrize(("kind", "score", "purpose", "error"), [
    ("ielts", "4.3", "masters", InvalidScore),  # off the half-band step
    ("ielts", "9.5", "masters", InvalidScore),  # off the scale
    ("ielts", 6.5, "masters", InvalidScore),  # float
    ("jlpt", "N6", "masters", InvalidScore),
    ("ielts", "6.0", "bachelors", UnknownRule),
    ("ieltz", "6.0", "masters", UnknownRule),
])
def test_bad_input_is_refused_with_a_clear_error(kind: str, score: object, purpose: str, error: type) -> None:
    with pytest.raises(error):
        convert(kind, score, purpose, ON)  # type: ignore[arg-type]

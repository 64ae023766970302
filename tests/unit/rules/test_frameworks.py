"""Frameworks are data: TT 01/2014's six levels, TT 33/2026's Pre-A1 pending, and a new one added by a file."""

from __future__ import annotations

from datetime import date

import pytest

from assessment.rules import NoRuleInForce, UnknownRule, framework, framework_on

VN8 = """
frameworks:
  vn8:
    name_vi: "Khung thử nghiệm"
    name_en: "Test framework"
    source: {regulation: TT-33-2026, status: NOT CONFIRMED}
    tiers:
      basic: {label_vi: "Cơ bản", label_en: "Basic"}
    levels:
      - {code: "a", number: 1, cefr: A1, tier: basic, label_vi: "Mức A", label_en: "Grade A"}
      - {code: "b", number: 2, cefr: A2, tier: basic, label_vi: "Mức B", label_en: "Grade B"}
"""


def test_vn6_has_six_levels_with_labels_cefr_and_tiers() -> None:
    vn6 = framework("vn6")
    assert [level.number for level in vn6.levels] == [1, 2, 3, 4, 5, 6]
    assert [level.cefr for level in vn6.levels] == ["A1", "A2", "B1", "B2", "C1", "C2"]
    level3 = vn6.level(3)
    assert (level3.label_vi, level3.label_en, level3.cefr) == ("Bậc 3", "Level 3", "B1")
    assert level3.tier is not None
    assert (level3.tier.label_vi, level3.tier.label_en) == ("Trung cấp", "Intermediate")
    assert [level.tier.code for level in vn6.levels if level.tier] == [
        "elementary", "elementary", "intermediate", "intermediate", "advanced", "advanced"]
    assert vn6.level("b2") == vn6.level("4") == vn6.level(4)


def test_levels_compare_by_order_within_a_framework() -> None:
    vn6 = framework("vn6")
    assert vn6.level(3) < vn6.level(4)
    assert vn6.meets(vn6.level(4), vn6.level(4))
    assert not vn6.meets(vn6.level(3), vn6.level(4))
    assert max(vn6.levels) == vn6.level(6)


def test_pre_a1_is_below_a1_and_levels_of_two_frameworks_meet_through_cefr() -> None:
    vn6, vn7 = framework("vn6"), framework("vn7")
    pre_a1 = vn7.level("pre-a1")
    assert pre_a1.number is None
    assert pre_a1 < vn7.level(1)
    assert len(vn7.levels) == 7
    assert vn7.compare(vn6.level(3), vn7.level(3)) == 0
    assert vn7.counterpart(vn6.level(5)) == vn7.level(5)
    with pytest.raises(TypeError, match="counterpart"):
        _ = vn6.level(3) < vn7.level(4)


def test_tt_33_2026_is_pending_so_vn6_stays_in_force_by_default() -> None:
    assert framework_on(date(2014, 3, 16)).id == "vn6"
    assert framework_on(date(2035, 1, 1)).id == "vn6"


def test_no_framework_before_tt_01_2014() -> None:
    with pytest.raises(NoRuleInForce, match=r"framework\.national"):
        framework_on(date(2014, 3, 15))


def test_configuring_tt_33_2026_in_force_switches_framework_on_that_day(rule_data) -> None:
    book = rule_data.load(effective_dates={"framework.national@tt33-2026": date(2027, 1, 1)})
    assert book.framework_on(date(2026, 12, 31)).id == "vn6"
    assert book.framework_on(date(2027, 1, 1)).id == "vn7"
    assert book.versions("framework.national")[0].effective_until == date(2027, 1, 1)


def test_a_new_framework_version_is_only_a_data_change(rule_data) -> None:
    rule_data.add("vn8.yaml", VN8)

    def add_version(doc: dict) -> None:
        doc["rules"]["framework.national"]["versions"].append({
            "version": "vn8-trial", "effective_from": date(2030, 1, 1),
            "source": {"regulation": "TT-33-2026", "status": "NOT CONFIRMED"}, "params": {"framework": "vn8"}})

    rule_data.edit("frameworks.yaml", add_version)
    book = rule_data.load(effective_dates={"framework.national@tt33-2026": date(2027, 1, 1)})
    assert [book.framework_on(date(year, 6, 1)).id for year in (2026, 2028, 2031)] == ["vn6", "vn7", "vn8"]
    assert book.framework("vn8").level("b").label_vi == "Mức B"


def test_unknown_framework_and_level_are_clear_errors() -> None:
    with pytest.raises(UnknownRule, match="vn9"):
        framework("vn9")
    with pytest.raises(UnknownRule, match="no level 7"):
        framework("vn6").level(7)

"""The external-relations rule as read from targets.yaml (no database)."""

from __future__ import annotations

import pytest

from learning.external_relations import ExternalRelationsRule
from learning.scope import InvalidRules


def test_the_shipped_rule_names_the_external_relations_department_its_sub_units_and_a_staff_marker():
    rule = ExternalRelationsRule.load()
    assert rule.unit_codes == ("88",)
    assert rule.include_sub_units is True
    assert rule.staff_flag == "is_external_relations"
    assert set(rule.course_kinds) == {"professional", "external_affairs"}


def test_a_missing_section_covers_no_unit_and_keeps_the_default_kinds():
    rule = ExternalRelationsRule.load({})
    assert (rule.unit_codes, rule.staff_flag) == ((), None)
    assert set(rule.course_kinds) == {"professional", "external_affairs"}


@pytest.mark.parametrize("section", [{"staff_flag": "is_leader"}, {"course_kinds": ["language"]},
                                     {"course_kinds": ["cooking"]}])
def test_a_rule_naming_an_unknown_flag_or_a_language_kind_is_refused(section):
    with pytest.raises(InvalidRules):
        ExternalRelationsRule.load({"external_relations": section})

"""The rule book resolves a rule by date, and refuses at load time any data it could not apply safely."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from assessment.rules import NoRuleInForce, RuleBookInvalid, UnknownRule, default_rulebook


def _versions(doc: dict, rule_id: str) -> list[dict]:
    return doc["rules"][rule_id]["versions"]


def test_rule_resolves_to_the_version_in_force_on_each_side_of_a_replacement() -> None:
    book = default_rulebook()
    assert book.rule("vstep.rounding", on=date(2026, 4, 14)).version == "tt23-2017"
    replaced = book.rule("vstep.rounding", on=date(2026, 4, 15))
    assert replaced.version == "tt09-2026"
    assert replaced.provenance.regulation.instrument == "Thông tư 09/2026/TT-BGDĐT"
    assert replaced.provenance.status == "NOT CONFIRMED"  # carried over until the text is checked
    assert book.rule("conversion.masters", on=date(2021, 10, 14)).version == "tt15-2014"
    assert book.rule("conversion.masters", on=date(2021, 10, 15)).version == "tt23-2021"


def test_every_rule_version_names_its_regulation_and_trust_tag() -> None:
    book = default_rulebook()
    for rule_id in book.rule_ids:
        for version in book.versions(rule_id):
            assert version.provenance.regulation.instrument
            assert version.provenance.status
    bands = book.rule("vstep.3-5.bands", on=date(2025, 1, 1))
    assert bands.provenance.cite() == "Quyết định 729/QĐ-BGDĐT, Scoring: score to level [REG]"
    assert book.rule("vstep.2.bands", on=date(2025, 1, 1)).provenance.status == "SEC"


def test_the_writing_composite_says_where_rounding_happens_is_a_choice() -> None:
    version = default_rulebook().rule("vstep.writing_composite", on=date(2025, 1, 1))
    assert version.choice is not None
    assert "NOT CONFIRMED" in version.choice


def test_unknown_rule_is_a_clear_error() -> None:
    with pytest.raises(UnknownRule, match=r"no rule 'vstep\.rouding'; known rules: .*vstep\.rounding"):
        default_rulebook().rule("vstep.rouding", on=date(2025, 1, 1))


def test_a_date_before_every_version_names_the_versions() -> None:
    with pytest.raises(NoRuleInForce, match="2017-11-15"):
        default_rulebook().rule("vstep.rounding", on=date(2010, 1, 1))


def test_rules_are_resolved_on_dates_not_datetimes() -> None:
    with pytest.raises(TypeError, match="calendar date"):
        default_rulebook().rule("vstep.rounding", on=datetime(2026, 4, 15, 1, 0))


# --- load-time validation ------------------------------------------------------------------------------

def test_overlapping_versions_are_rejected(rule_data) -> None:
    rule_data.edit("vstep.yaml", lambda doc: _versions(doc, "vstep.rounding")[0].update(
        effective_until=date(2026, 5, 1)))
    with pytest.raises(RuleBookInvalid, match=r"vstep\.rounding: overlap: tt23-2017 runs until 2026-05-01"):
        rule_data.load()


def test_gapped_versions_are_rejected(rule_data) -> None:
    rule_data.edit("vstep.yaml", lambda doc: _versions(doc, "vstep.rounding")[0].update(
        effective_until=date(2026, 4, 1)))
    with pytest.raises(RuleBookInvalid, match=r"gap: tt23-2017 ends on 2026-04-01 but tt09-2026 starts on 2026-04-15"):
        rule_data.load()


def test_versions_out_of_order_are_rejected(rule_data) -> None:
    rule_data.edit("vstep.yaml", lambda doc: _versions(doc, "vstep.rounding")[1].update(
        effective_from=date(2015, 1, 1)))
    with pytest.raises(RuleBookInvalid, match="overlap or are out of order"):
        rule_data.load()


def test_a_dated_version_after_a_pending_one_is_rejected(rule_data) -> None:
    rule_data.edit("frameworks.yaml", lambda doc: _versions(doc, "framework.national").append({
        "version": "later", "effective_from": date(2030, 1, 1),
        "source": {"regulation": "TT-33-2026", "status": "SEC"}, "params": {"framework": "vn7"}}))
    with pytest.raises(RuleBookInvalid, match="pending versions must come after every dated version"):
        rule_data.load()


def test_effective_dates_only_configure_pending_versions(rule_data) -> None:
    with pytest.raises(RuleBookInvalid, match=r"not a pending rule version \(it already has a date"):
        rule_data.load(effective_dates={"vstep.rounding@tt23-2017": date(2018, 1, 1)})
    with pytest.raises(RuleBookInvalid, match="no such version"):
        rule_data.load(effective_dates={"framework.national@tt34-2027": date(2028, 1, 1)})


def test_unknown_regulation_reference_is_rejected(rule_data) -> None:
    rule_data.edit("vstep.yaml", lambda doc: _versions(doc, "vstep.rounding")[0]["source"].update(
        regulation="TT-99-2099"))
    with pytest.raises(RuleBookInvalid, match=r"source\.regulation 'TT-99-2099' is not in regulations"):
        rule_data.load()


def test_a_decimal_written_as_a_yaml_float_is_rejected(rule_data) -> None:
    rule_data.edit("vstep.yaml", lambda doc: _versions(doc, "vstep.rounding")[0]["params"].update(step=0.5))
    with pytest.raises(RuleBookInvalid, match=r"write 0\.5 in quotes"):
        rule_data.load()


def test_a_misspelt_key_is_rejected_rather_than_ignored(rule_data) -> None:
    def misspell(doc: dict) -> None:
        version = _versions(doc, "vstep.rounding")[1]
        version["effective_form"] = version.pop("effective_from")

    rule_data.edit("vstep.yaml", misspell)
    with pytest.raises(RuleBookInvalid, match=r"missing effective_from; unknown key\(s\) effective_form"):
        rule_data.load()


@pytest.mark.parametrize(("band", "change", "message"), [
    (1, {"min": "4.5"}, r"bands\[1\] \(4.5–5.5\) leaves a gap after bands\[0\] \(0–3.5\)"),
    (2, {"min": "5.5"}, r"bands\[2\] \(5.5–8.0\) overlaps bands\[1\] \(4.0–5.5\)"),
    (3, {"max": "9.5"}, "the last band must end at the scale's maximum 10"),
    (1, {"level": 7}, "framework vn6 has no level 7"),
])
def test_band_tables_must_tile_the_scale(rule_data, band: int, change: dict, message: str) -> None:
    rule_data.edit("vstep.yaml", lambda doc: _versions(doc, "vstep.3-5.bands")[0]["params"]["bands"][band].update(
        change))
    with pytest.raises(RuleBookInvalid, match=message):
        rule_data.load()


def test_overlapping_conversion_rows_are_rejected(rule_data) -> None:
    rule_data.edit("conversions.yaml", lambda doc: doc["conversion_tables"]["tt23-2021-masters"]["rows"][3][
        "score"].update(max="5.5"))
    with pytest.raises(RuleBookInvalid, match="rows for ielts at levels 3 and 4 overlap"):
        rule_data.load()


@pytest.mark.parametrize(("row", "message"), [
    ({"certificate": "ielts", "level": 3, "score": {"min": "55"}}, "55 is outside the certificate's scale 0-9"),
    ({"certificate": "ielts", "level": 3, "grade": "B1"}, "ielts has a numeric scale"),
    ({"certificate": "ieltz", "level": 3, "score": {"min": "4"}}, "certificate 'ieltz' is not in certificate_kinds"),
    ({"certificate": "jlpt", "level": 3, "grade": "N6"}, "JLPT has no result 'N6'"),
    ({"certificate": "ielts", "level": 9, "score": {"min": "4"}}, "framework vn6 has no level 9"),
    ({"certificate": "toeic_4_skills", "level": 3, "subscores": {"listening+talking": {"min": 1}}},
     "names a sub-score toeic_4_skills does not have"),
])
def test_conversion_rows_must_fit_their_certificate_and_framework(rule_data, row: dict, message: str) -> None:
    rule_data.edit("conversions.yaml", lambda doc: doc["conversion_tables"]["tt18-2021-doctoral"]["rows"].append(row))
    with pytest.raises(RuleBookInvalid, match=message):
        rule_data.load()


def test_a_definition_repeated_in_two_files_is_rejected(rule_data) -> None:
    rule_data.add("more.yaml", "regulations:\n  TT-01-2014: {instrument: x, title: y, status: REG}\n")
    with pytest.raises(RuleBookInvalid, match=r"regulations\.TT-01-2014 is also defined in"):
        rule_data.load()


def test_every_problem_is_reported_in_one_error(rule_data) -> None:
    rule_data.edit("vstep.yaml", lambda doc: _versions(doc, "vstep.rounding")[0]["params"].update(step=0.5))
    rule_data.edit("conversions.yaml", lambda doc: doc["rules"]["conversion.doctoral"]["versions"][0]["params"]
                   .update(table="nope"))
    with pytest.raises(RuleBookInvalid) as error:
        rule_data.load()
    assert len(error.value.problems) == 2
    assert any("vstep.yaml: rules.vstep.rounding.versions[0]" in problem for problem in error.value.problems)
    assert any("table 'nope' is not in conversion_tables" in problem for problem in error.value.problems)

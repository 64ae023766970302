"""LevelPath -> QTI 3.0 -> LevelPath: every type comes back with equal type, content and scoring,
and a content package also keeps metadata, stimuli and media.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

import pytest

from core.errors import RuleViolation
from question_bank.interchange.model import ExportableItem, ImportedItem, ImportedStimulus, MediaFile
from question_bank.interchange.qti import (
    read_qti_document,
    read_qti_package,
    write_qti3_item,
    write_qti3_package,
    write_qti3_stimulus,
)
from question_bank.interchange.safety import parse_xml

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
OGG = b"OggS" + b"\x01" * 60
OPTIONS = [{"id": "A", "text": "yes"}, {"id": "B", "text": "<em>no</em> &amp; never"}, {"id": "C", "text": "maybe"}]
TFNG = [{"id": "TRUE", "text": "True"}, {"id": "FALSE", "text": "False"}, {"id": "NOT_GIVEN", "text": "Not Given"}]

ITEMS: dict[str, tuple[str, dict, dict]] = {
    "single_choice": ("single_choice", {
        "stem": "<p>Read the note.</p>\n<p>What does <strong>Hoa</strong> ask?</p>", "options": OPTIONS,
        "shuffle": True}, {"correct": "B", "points": 2}),
    "single_choice_true_false_ids": ("single_choice", {
        "stem": "Is it <b>true</b>?", "options": TFNG[:2]}, {"correct": "FALSE"}),
    "multiple_response_partial": ("multiple_response", {
        "stem": "Pick all that apply.", "options": [*OPTIONS, {"id": "D", "text": "never"}], "shuffle": False,
        "min_choices": 1, "max_choices": 3}, {"correct": ["A", "C"], "method": "partial"}),
    "multiple_response_all_or_nothing": ("multiple_response", {"stem": "Pick two.", "options": OPTIONS},
                                         {"correct": ["A", "B"], "method": "all_or_nothing", "points": 1.0}),
    "true_false_not_given": ("true_false_not_given", {
        "stem": "The office opens at 8.", "variant": "true_false_not_given", "options": TFNG},
        {"correct": "NOT_GIVEN"}),
    "true_false": ("true_false_not_given", {"stem": "Water boils at 100 °C.", "variant": "true_false",
                                            "options": TFNG[:2]}, {"correct": "TRUE"}),
    "gap_fill": ("gap_fill", {
        "stem": "<p>She {{g1}} to work and {{g2}} home at <em>5</em>.</p>", "gaps": [{"id": "g1"}, {"id": "g2"}]},
        {"gaps": {"g1": {"accepted": ["walks", "goes", "walk*"]},
                  "g2": {"accepted": ["Drives"], "case_sensitive": True}}, "method": "all_or_nothing"}),
    "gap_fill_lone_gap": ("gap_fill", {"stem": "<p>Complete:</p><p>{{answer.1}}</p>", "gaps": [{"id": "answer.1"}]},
                          {"gaps": {"answer.1": {"accepted": ["x"], "case_sensitive": False}}, "method": "partial"}),
    "inline_choice": ("inline_choice", {
        "stem": "I {{g1}} tea and {{g2}} coffee.",
        "gaps": [{"id": "g1", "options": OPTIONS}, {"id": "g2", "options": [{"id": "X", "text": "Tom &amp; Jerry"},
                                                                            {"id": "Y", "text": "no"}]}]},
        {"correct": {"g1": "A", "g2": "Y"}, "points": 3}),
    "inline_choice_table": ("inline_choice", {
        "stem": "{{g1}}, {{g2}} and {{g3}}.", "gaps": [{"id": gap, "options": OPTIONS} for gap in ("g1", "g2", "g3")]},
        {"correct": {"g1": "A", "g2": "B", "g3": "C"}, "method": "table", "table": [0, 0, 1, 2], "points": 2}),
    "gap_fill_table": ("gap_fill", {"stem": "<p>She {{g1}} to work and {{g2}} home.</p>",
                                    "gaps": [{"id": "g1"}, {"id": "g2"}]},
                       {"gaps": {"g1": {"accepted": ["walks", "walk*"]},
                                 "g2": {"accepted": ["*rives"], "case_sensitive": True}},
                        "method": "table", "table": [0.5, 0.5, 1]}),
    "matching_partial": ("matching", {
        "stem": "Match the jobs and places.", "sources": [{"id": "S1", "text": "cook"}, {"id": "S2", "text": "nurse"}],
        "targets": [{"id": "T1", "text": '<img src="media/kitchen.png" alt="kitchen" />'},
                    {"id": "T2", "text": "hospital"}, {"id": "T3", "text": "farm"}], "shuffle": True},
        {"pairs": [["S1", "T1"], ["S2", "T2"]], "method": "partial"}),
    "ordering_partial": ("ordering", {"stem": "Order the words.", "options": OPTIONS},
                         {"order": ["C", "A", "B"], "method": "partial", "points": 3}),
    "ordering": ("ordering", {"stem": "Order the words.", "options": OPTIONS}, {"order": ["B", "C", "A"]}),
    "short_answer": ("short_answer", {"stem": "Capital of Viet Nam?", "max_length": 40}, {
        "accepted": [{"text": "Ha Noi"}, {"text": "Hanoi", "fraction": 1.0}, {"text": "Thang Long", "fraction": 0.5},
                     {"text": "Ha*", "fraction": 0.25}], "points": 1.5}),
    "short_answer_exact": ("short_answer", {"stem": "Spell the name."}, {
        "accepted": [{"text": "McDonald"}, {"text": "Mc*d (?)", "fraction": 0.5}], "case_sensitive": True,
        "method": "all_or_nothing"}),
    "short_answer_wildcards_only": ("short_answer", {"stem": "Any colour?"},
                                    {"accepted": [{"text": "*"}], "case_sensitive": False, "method": "partial"}),
    "essay": ("essay", {
        "stem": "<p>Write a letter.</p><ul><li>say why</li></ul><audio controls src=\"media/prompt.ogg\"></audio>",
        "min_words": 120, "max_words": 180}, {"rubric": "vstep-writing-task1"}),
    "speaking": ("speaking", {"stem": "Talk about your job.", "preparation_seconds": 0, "response_seconds": 120},
                 {"rubric": "Fluency,  accuracy and range", "points": 10}),
}
MEDIA = {"media/kitchen.png": MediaFile("media/kitchen.png", PNG, "image/png"),
         "media/prompt.ogg": MediaFile("media/prompt.ogg", OGG, "audio/ogg")}


def exportable(name: str, **changes) -> ExportableItem:
    type_name, content, scoring = ITEMS[name]
    media = tuple(file for reference, file in MEDIA.items() if reference in str(content))
    return replace(ExportableItem(identifier=f"lp-{name}", type=type_name, content=content, scoring=scoring,
                                  title=f"Title of {name}", media=media), **changes)


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_an_item_written_and_read_back_is_equal(name):
    item = exportable(name)
    (result,) = read_qti_document("item.xml", write_qti3_item(item), resolve=lambda href: None)
    assert isinstance(result, ImportedItem), result
    assert (result.type, result.content, result.scoring) == (item.type, item.content, item.scoring)
    assert (result.identifier, result.title, result.language) == (item.identifier, item.title, item.language)


def test_every_type_is_covered():
    from question_bank import item_types

    assert {type_name for type_name, _content, _scoring in ITEMS.values()} == set(item_types.REGISTRY)


def test_a_package_keeps_metadata_stimuli_and_media():
    stimulus = ImportedStimulus(identifier="lp-stim-1", title="Phone message",
                                body='<p class="lp-instructions">Listen.</p>\n<audio controls="true" '
                                     'src="media/message.ogg"></audio>',
                                media=(MediaFile("media/message.ogg", OGG, "audio/ogg"),))
    items = [exportable(name, skill="grammar", level=index % 6 + 1, topic="work", tags=("tenses", "A2"),
                        category="$course$/Grammar", language="en-GB") for index, name in enumerate(sorted(ITEMS))]
    items[0] = replace(items[0], identifier="Grammar/Q 1 (old bank)", stimulus=stimulus)
    items[1] = replace(items[1], stimulus=stimulus)
    files = _unzip(write_qti3_package(items))
    assert files["media/message.ogg"] == OGG and files["media/kitchen.png"] == PNG
    results = read_qti_package("export.zip", files)
    assert len(results) == len(items)
    for item, result in zip(items, results, strict=True):
        assert isinstance(result, ImportedItem), result
        assert (result.identifier, result.type, result.content, result.scoring) == \
            (item.identifier, item.type, item.content, item.scoring)
        assert (result.skill, result.level, result.topic, result.tags, result.category, result.language) == \
            (item.skill, item.level, item.topic, item.tags, item.category, item.language)
        assert {(file.name, file.data, file.mime_type) for file in result.media} == \
            {(file.name, file.data, file.mime_type) for file in item.media}
    for result in results[:2]:
        assert result.stimulus == stimulus


def test_the_manifest_lists_items_stimuli_and_media_with_dependencies():
    stimulus = ImportedStimulus(identifier="s1", title="S", body="<p>Text</p>")
    files = _unzip(write_qti3_package([exportable("matching_partial", stimulus=stimulus, skill="reading", level=2)]))
    manifest = parse_xml(files["imsmanifest.xml"], source="manifest")
    namespace = "{http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1}"
    resources = {node.get("identifier"): node for node in manifest.iter(f"{namespace}resource")}
    types = sorted(node.get("type") for node in resources.values())
    assert types == ["imsqti_item_xmlv3p0", "imsqti_stimulus_xmlv3p0", "webcontent"]
    item = next(node for node in resources.values() if node.get("type") == "imsqti_item_xmlv3p0")
    depends = {node.get("identifierref") for node in item.iter(f"{namespace}dependency")}
    assert {resources[ref].get("type") for ref in depends} == {"imsqti_stimulus_xmlv3p0", "webcontent"}
    levelpath = item.find(f"{namespace}metadata/{{urn:levelpath:qti-metadata:v1}}levelpath")
    assert levelpath is not None
    assert {node.tag.split("}")[1]: node.text for node in levelpath} == {
        "identifier": "lp-matching_partial", "type": "matching", "skill": "reading", "level": "2"}
    for resource in resources.values():
        assert resource.get("href") in files


def test_writing_the_same_items_twice_gives_the_same_bytes():
    items = [exportable(name) for name in sorted(ITEMS)]
    assert write_qti3_package(items) == write_qti3_package(items)


@pytest.mark.parametrize(("name", "template"), [
    ("single_choice_true_false_ids", "match_correct"),
    ("multiple_response_partial", "map_response"),
    ("matching_partial", "map_response"),
    ("ordering", "match_correct"),
])
def test_standard_response_processing_templates_are_used_where_they_score_alike(name, template):
    xml = write_qti3_item(exportable(name)).decode()
    assert f'template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{template}.xml"' in xml


def test_partial_credit_is_written_as_a_mapping_that_scores_like_levelpath():
    xml = write_qti3_item(exportable("multiple_response_partial")).decode()
    assert '<qti-mapping default-value="0" lower-bound="0" upper-bound="1">' in xml
    assert '<qti-map-entry map-key="A" mapped-value="0.5" />' in xml
    assert '<qti-map-entry map-key="B" mapped-value="-0.5" />' in xml


def test_wildcards_become_pattern_matches_any_qti_player_can_run():
    xml = write_qti3_item(exportable("short_answer")).decode()
    assert '<qti-pattern-match pattern="[Hh][aA].*">' in xml
    exact = write_qti3_item(exportable("short_answer_exact")).decode()
    assert r'<qti-pattern-match pattern="Mc.*d \(\?\)">' in exact
    assert re.fullmatch(r"Mc.*d \(\?\)", "McDonald (?)")


def _without_defaults(scoring: dict) -> dict:
    """Scoring with keys that only restate a default removed (QTI cannot tell them from absent ones)."""
    kept = {key: value for key, value in scoring.items()
            if not (key == "points" and value == 1) and not (key == "case_sensitive" and value is False)}
    if "accepted" in kept:
        kept["accepted"] = [{key: value for key, value in entry.items() if (key, value) != ("fraction", 1)}
                            for entry in kept["accepted"]]
    return kept


def _without_levelpath_hints(data: bytes) -> bytes:
    return re.sub(rb' data-lp-(type|defaults)="[^"]*"', b"", data)


@pytest.mark.parametrize("name", ["single_choice", "multiple_response_partial", "true_false_not_given", "gap_fill",
                                  "inline_choice", "matching_partial", "ordering_partial", "short_answer", "essay",
                                  "speaking", "inline_choice_table", "gap_fill_table"])
def test_the_qti_alone_gives_the_same_type_and_keys(name):
    item = exportable(name)
    (result,) = read_qti_document("item.xml", _without_levelpath_hints(write_qti3_item(item)), resolve=lambda h: None)
    assert isinstance(result, ImportedItem), result
    assert result.type == item.type
    assert result.scoring == _without_defaults(item.scoring)


def test_true_false_choices_stay_single_choice_when_levelpath_says_so():
    item = exportable("single_choice_true_false_ids")
    xml = write_qti3_item(item)
    assert b'data-lp-type="single_choice"' in xml
    (hinted,) = read_qti_document("item.xml", xml, resolve=lambda h: None)
    (unhinted,) = read_qti_document("item.xml", _without_levelpath_hints(xml), resolve=lambda h: None)
    assert hinted.type == "single_choice"
    assert unhinted.type == "true_false_not_given"


def test_an_item_that_breaks_its_types_rules_is_not_written():
    item = exportable("single_choice", scoring={"correct": "Z"})
    with pytest.raises(RuleViolation):
        write_qti3_item(item)
    with pytest.raises(RuleViolation):
        write_qti3_package([item])


def test_a_stimulus_written_alone_is_a_qti_stimulus_with_its_body_kept():
    stimulus = ImportedStimulus(identifier="stim 1", title="Notice", body="<h2>Notice</h2>\n<p>Closed  today.</p>")
    root = parse_xml(write_qti3_stimulus(stimulus), source="stimulus")
    assert root.tag == "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}qti-assessment-stimulus"
    assert root.get("identifier") == "stim_1"
    item = exportable("single_choice", stimulus=stimulus)
    files = {"stimulus-stim_1.xml": write_qti3_stimulus(stimulus)}
    (result,) = read_qti_document("item.xml", write_qti3_item(item), resolve=files.get)
    assert result.stimulus is not None and result.stimulus.body == stimulus.body


def test_wildcard_answers_come_back_after_the_literal_ones():
    item = exportable("short_answer", scoring={"accepted": [{"text": "Ha*", "fraction": 0.5}, {"text": "Hanoi"}]})
    (result,) = read_qti_document("item.xml", write_qti3_item(item), resolve=lambda href: None)
    assert result.scoring == {"accepted": [{"text": "Hanoi"}, {"text": "Ha*", "fraction": 0.5}]}


def test_a_table_is_written_as_gaps_right_counted_and_looked_up_in_the_interpolation_table():
    xml = write_qti3_item(exportable("inline_choice_table")).decode()
    root = parse_xml(xml.encode(), source="item")
    qti = "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}"
    outcomes = {node.get("identifier"): node for node in root.iter(f"{qti}qti-outcome-declaration")}
    entries = [(entry.get("source-value"), entry.get("target-value"))
               for entry in outcomes["SCORE"].iter(f"{qti}qti-interpolation-table-entry")]
    assert entries == [("3", "2"), ("2", "1"), ("1", "0"), ("0", "0")]  # all right first: the first that fits wins
    assert outcomes["RAW_SCORE"].get("base-type") == "integer"
    assert outcomes["MAXSCORE"].findtext(f"{qti}qti-default-value/{qti}qti-value") == "2"
    processing = list(root.find(f"{qti}qti-response-processing"))
    assert [node.tag.removeprefix(qti) for node in processing] == ["qti-response-condition"] * 3 + [
        "qti-lookup-outcome-value"]
    assert xml.count('<qti-set-outcome-value identifier="RAW_SCORE">') == 3
    assert '<qti-variable identifier="g2" />\n          <qti-base-value base-type="identifier">B</qti-base-value>' \
        in xml
    assert '<qti-lookup-outcome-value identifier="SCORE">\n      <qti-variable identifier="RAW_SCORE" />' in xml


def test_typed_gaps_scored_by_a_table_are_counted_right_by_their_mapping_or_pattern():
    xml = write_qti3_item(exportable("gap_fill_table")).decode()
    assert '<qti-or>\n          <qti-gte>\n            <qti-map-response identifier="g1" />' in xml
    assert '<qti-pattern-match pattern="[wW][aA][lL][kK].*">' in xml
    assert '<qti-pattern-match pattern=".*rives">' in xml
    assert "LP_g1" not in xml  # no share holders: a gap is right or not

"""Every QTI sample other projects wrote (tests/samples/qti3, qti2): what LevelPath makes of it.

Expectations were checked by reading each source file: the keys and stems below are the
sources' own (padding removed); unsupported items name the element that stops them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from question_bank import item_types
from question_bank.interchange.model import ImportedItem, ReadError, ReadResult, Unsupported
from question_bank.interchange.qti import read_qti_document, read_qti_package

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PACKAGES = ("qti3/citolab_kennisnet-1", "qti2/tao_qti22_package")
TEST_NOTE = "its structure (parts, sections, order, time limits) is not imported"


@dataclass(frozen=True)
class Item:
    identifier: str
    type: str
    scoring: dict[str, Any]
    stem: str | None = None  # the exact sanitised stem
    stem_text: tuple[str, ...] = ()  # phrases the stem's plain text contains (long, layout-heavy stems)
    options: tuple[str, ...] = ()  # option texts (sources, for matching)
    content: dict[str, Any] = field(default_factory=dict)  # other content keys, exactly
    notes: tuple[str, ...] = ()  # phrases some note contains


@dataclass(frozen=True)
class Skip:
    identifier: str | None
    reason: str


@dataclass(frozen=True)
class Error:
    reason: str


def text(fragment: str) -> str:
    """A fragment's words, blocks and inline elements alike separated by one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def missing(name: str) -> str:
    return f"media file {name!r} is missing from the source"


HOTTEXT = Skip("ITEM001", "<qti-hottext-interaction> (response RESPONSE) is not supported: LevelPath has no item type "
                          "for selecting words in a text (hottext)")
KENNISNET = {
    "INTRODUCTION": Skip("INTRODUCTION", "no interaction: an information page, not a question"),
    "ITEM001": HOTTEXT,
    "ITEM002": Item("ITEM002", "matching", {"pairs": [["A1", "B1"], ["A2", "B2"], ["A3", "B3"]]},
                    stem="<p>Hoe heet iedereen?</p>", options=("Ernie", "Pino", "Kermit"),
                    content={"shuffle": True, "targets": [
                        {"id": "B1", "text": '<img src="resources/8c571f983f691e42e7b3a0dc2664e51d.png" alt="" />'},
                        {"id": "B2", "text": '<img src="resources/80378beafd6b12ab7b97899ce39a2b78.jpg" alt="" />'},
                        {"id": "B3", "text": '<img src="resources/72c4b1f4ea9f7ba5548683c37806580e.png" alt="" />'}]},
                    notes=(missing("resources/8c571f983f691e42e7b3a0dc2664e51d.png"), "all-or-nothing")),
    "ITEM003": Item("ITEM003", "matching", {"pairs": [["A1", "B1"], ["A2", "B2"], ["A3", "B3"]]},
                    stem="<p>Hoe heten een jong van dit dier?</p>", options=("Kalf", "Kuiken", "Kitten"),
                    content={"shuffle": True, "targets": [{"id": "B1", "text": "Koe"}, {"id": "B2", "text": "Kip"},
                                                          {"id": "B3", "text": "Kat"}]},
                    notes=("feedback is not carried",)),
    "ITEM004": Skip("ITEM004", "<qti-gap-match-interaction> (response RESPONSE) is not supported: LevelPath has no "
                               "item type for dragging words into gaps (gap match)"),
    "ITEM005": Skip("ITEM005", "<qti-select-point-interaction> (response RESPONSE) is not supported: LevelPath has "
                               "no item type for pointing at a place in an image (select point)"),
    "ITEM006": Item("ITEM006", "gap_fill", {"gaps": {"RESPONSE1": {"accepted": ["kat"]},
                                                     "RESPONSE2": {"accepted": ["muizen"]}}},
                    stem="<p>Als de {{RESPONSE1}} van huis is, dansen de {{RESPONSE2}} op tafel.</p>",
                    content={"gaps": [{"id": "RESPONSE1"}, {"id": "RESPONSE2"}]},
                    notes=("gap fill scored with partial credit",)),
    "ITEM007": Item("ITEM007", "multiple_response", {"correct": ["CHOICE1", "CHOICE2", "CHOICE4"]},
                    stem="<p>Welke letters worden gebruikt in Romeinse cijfers?</p>",
                    options=("L", "C", "A", "M", "K", "G"), content={"shuffle": True},
                    notes=("multiple response scored with all-or-nothing",)),
    "ITEM008": Item("ITEM008", "essay", {"rubric": (
        "De student moet drie specifieke technologische innovaties of ontwikkelingen noemen. Elk punt moet "
        "vergezeld gaan van een uitleg over hoe deze technologie het onderwijs zal veranderen. De student moet "
        "duidelijk maken hoe deze veranderingen het leerproces of de leerervaring van leerlingen zullen verbeteren. "
        "Antwoorden moeten zowel realistisch als toekomstgericht zijn, met een focus op praktische toepassingen van "
        "technologie in het onderwijs.")},
        stem="<p>Hoe kan technologie het onderwijs in de komende tien jaar veranderen? Beschrijf drie specifieke "
             "innovaties of ontwikkelingen en leg uit hoe deze het leerproces van leerlingen zullen verbeteren.</p>"),
    "ITEM009": Item("ITEM009", "ordering", {"order": [
        "_7277e44510f33087d07f4066d0ce308b", "_1295359046aa972a407e41a1350316e7", "_97094d4eb5162950ed0f771abed47e4d",
        "_1815d0886d3fddd35b602bc0054b868d", "_ec46da4638d1a6bc9c7d601efcb88bd2"]},
        stem="<p>Zet de volgende dagelijkse activiteiten in de juiste volgorde:</p>",
        options=("Opstaan", "Aankleden", "Ontbijten", "Naar school gaan", "Naar bed gaan"), content={"shuffle": True}),
}
STIMULUS_REF_ITEM = Item(
    "ITM-32hbhr", "single_choice", {"correct": "C"},
    stem='<div><div class="qti-layout-row"><div class="qti-layout-col6"><div><p><strong>Placeholder '
         "question text</strong></p></div></div></div></div>",
    options=("Placeholder answer A", "Placeholder answer B", "Placeholder answer C"))
TAO_Q01 = Item("Q01", "single_choice", {"correct": "tao"}, stem="<p>What is TAO?</p>",
               options=("A metaphysical Chinese concept", "A commercial-grade, open-source assessment platform.",
                        "A soft drink"))
TAO_Q03 = Item("Q03", "single_choice", {"correct": "turismo"},
               stem="<p>What does mean GT within the concept of racing cars?</p>",
               options=("Great Turbo", "Gear Turbine", "Gran Turismo"))
INTERLUDE = "no interaction: an information page, not a question"
QTI_SDK = {
    "Q01": TAO_Q01, "Q02": Skip("Q02", INTERLUDE), "Q03": TAO_Q03,
    "Q04": Item("Q04", "true_false_not_given", {"correct": "TRUE"}, stem="<p>Planet Earth turns around the Sun</p>",
                options=("True", "False"), content={"variant": "true_false"},
                notes=("choice ids became LevelPath's: correct -> TRUE, incorrect -> FALSE",)),
    "Q05": Skip("Q05", INTERLUDE),
    "Q06": Item("Q06", "true_false_not_given", {"correct": "TRUE"},
                stem="<p>The Sun is the star of our Solar System.</p>", options=("True", "False"),
                content={"variant": "true_false"}),
}
ASSOCIATE = "<associateInteraction> (response RESPONSE) is not supported: LevelPath has no item type for free " \
            "pairing of choices (associate)"

EXPECTED: dict[str, list[Item | Skip | Error]] = {
    **{f"qti3/citolab_kennisnet-1/{name}.xml": [expected] for name, expected in KENNISNET.items()},
    "qti3/citolab_kennisnet-1/AssessmentTest.xml": list(KENNISNET.values()),
    "qti3/citolab_kennisnet-1/imsmanifest.xml": list(KENNISNET.values()),
    "qti3/citolab_kennisnet-2/ITEM005.xml": [Item(
        "ITEM005", "essay", {"rubric": "Yes"},
        stem='<p><audio controls="true"><source src="resources/2e78458788b0d83e696fd51068b0d641.mp3" '
             'type="audio/mpeg" /></audio></p>',
        notes=(missing("resources/2e78458788b0d83e696fd51068b0d641.mp3"),))],
    "qti3/citolab_biologie/32cdqd.xml": [Item(
        "ITM-32cdqd", "essay", {"rubric": "reflex(en)"},
        stem_text=("Schrikken In het filmfragment zie je de training van paarden voor Prinsjesdag.",
                   "Hoe noemen we zulke onbewuste reacties?"),
        notes=(missing("../video/BIvmbo16-Cavalerie.webm"),))],
    "qti3/citolab_biologie/32ckab.xml": [Item(
        "ITM-32ckab", "single_choice", {"correct": "B"},
        stem_text=("Zevenblad Zevenblad is een plant die in Nederland veel voorkomt.",
                   "Hoe vermeerdert zevenblad zich in april volgens de informatie?"),
        options=("alleen geslachtelijk", "alleen ongeslachtelijk", "geslachtelijk\xa0en ongeslachtelijk"),
        notes=(missing("../img/itembank-cbt-67.jpg"),))],
    "qti3/citolab_biologie/32eugm.xml": [Item(
        "ITM-32eugm", "inline_choice", {"correct": {"RESPONSE": "C", "RESPONSE2": "E", "RESPONSE3": "D"}, "points": 2,
                                        "method": "table", "table": [0, 0, 1, 2]},
        stem_text=("Langs welk weg verlaat urine het lichaam?", "{{RESPONSE}} → {{RESPONSE2}} → blaas → {{RESPONSE3}}"),
        notes=("MathML was kept as plain text", "inline choice scored by a table of points per gaps right: 0 right 0, "
                                                "1 right 0, 2 right 1, 3 right 2"))],
    "qti3/citolab_stimulus-ref/qb-stimulusref.xml": [STIMULUS_REF_ITEM],
    "qti3/citolab_stimulus-ref/qb-stimulusref-test.xml": [STIMULUS_REF_ITEM],
    "qti3/citolab_stimulus-ref/qb-stimulusref-stimulus.xml": [Skip(
        "RES-Brontekst_KB-2020-A1-Traumberuf_Astronaut_xml",
        "a stimulus on its own is not a question: it is imported with the items that refer to it")],
    "qti2/extended-response-with-rubric.xml": [Item(
        "extended-response-with-rubric", "essay",
        {"rubric": "Scoring Guide: Points Criteria 4 Comprehensive explanation with multiple detailed examples and "
                   "clear understanding of both causes and effects 3 Good explanation with some examples showing "
                   "understanding of causes and effects 2 Basic explanation with limited examples, addresses either "
                   "causes or effects 1 Minimal explanation with few or no examples 0 No response or completely "
                   "off-topic"},
        stem="<p>Explain the causes and effects of the Industrial Revolution. Provide specific examples to support "
             "your answer.</p>")],
    "qti2/inline_choice.xml": [Item(
        "inline_choice", "inline_choice", {"correct": {"RESPONSE": "sun"}, "method": "all_or_nothing"},
        stem="<p>The Earth orbits around the {{RESPONSE}} once every 365 days.</p>",
        content={"gaps": [{"id": "RESPONSE", "options": [{"id": "moon", "text": "Moon"}, {"id": "sun", "text": "Sun"},
                                                          {"id": "mars", "text": "Mars"}]}]})],
    "qti2/match_interaction.xml": [Item(
        "match_interaction", "matching", {"pairs": [["A", "B"], ["C", "D"], ["E", "F"]]},
        stem="<p>Match each country with its capital city:</p><p>Drag items from the left to match with items on the "
             "right:</p>", options=("France", "Germany", "Italy"))],
    "qti2/media_audio.xml": [Skip("media-audio", "<mediaInteraction> is the only interaction: LevelPath has no item "
                                                 "type that only plays media")],
    "qti2/sample-history.xml": [Item(
        "periods-of-history", "ordering", {"order": ["Prehistory", "Antiquity", "MiddleAges", "ModernEra",
                                                     "ContemporaryEra"]},
        stem_text=("The history of mankind is an unfailing source of inspiration",
                   "click the Validate button."),
        options=("Prehistory", "Antiquity", "Middle Ages", "Modern Era", "Contemporary Era"),
        content={"shuffle": True})],
    "qti2/sample-planet-moon.xml": [Skip("planet-moon", ASSOCIATE)],
    "qti2/sample-space-shuttle.xml": [Item(
        "space-shuttle-30-years-of-adventure", "single_choice", {"correct": "Atlantis"},
        stem_text=("During more than 30 years, the American Space Shuttle transported 355 astronauts",
                   "Which was the last Space Shuttle going into space during the STS-135 mission in July 2011?"),
        options=("Discovery", "Challenger", "Pathfinder", "Atlantis", "Endeavour"))],
    "qti2/selecttruestatements.xml": [Item(
        "selecttruestatements", "multiple_response", {"correct": ["STMTB", "STMTC"], "method": "partial"},
        stem="<p>Please select correct statements:</p>",
        options=("This is an incorrect statement.", "This is a correct statement.", "This is a correct statement.",
                 "This is an incorrect statement."),
        content={"max_choices": 4},
        notes=("correct response 'StmtB' matched choice 'STMTB' ignoring case",
               "multiple response scored with partial credit (response processing: custom rules that give graded"))],
    "qti2/textentry_response_special_chars.xml": [Item(
        "i14870012947433323", "gap_fill",
        {"gaps": {"RESPONSE": {"accepted": ['This is <strong>"bold"</strong> & this is <em>\'italic\'</em>'],
                               "case_sensitive": True}}, "method": "all_or_nothing"},
        stem_text=("Lorem ipsum dolor sit amet, consectetur adipisicing ...{{RESPONSE}}and stuff",
                   '<strong>"bold"</strong> & this is <em>\'italic\'</em>'))],
    "qti2/textentryinteraction.xml": [Item(
        "res_AA-FIB_B13_CH1_geoc_f1f1", "gap_fill",
        {"gaps": {"RESPONSE_2": {"accepted": ["OHMYGOD", "x7"]}, "RESPONSE": {"accepted": ["a", "b"]}}},
        stem='<div>Level 1 CH1 Géoculture<br /><strong>A</strong>Match each letter in the map of the Paris region '
             'with the name of the place it represents. (10 points)<br /><img src="L1_CH01101.gif" alt="" /><br />'
             "le jardin de Giverny<br />{{RESPONSE_2}}</div><p>{{RESPONSE}}</p>",
        notes=("RESPONSE_2: some answers are case-sensitive and some not", missing("L1_CH01101.gif")))],
    "qti2/upload.xml": [Skip("upload", '<uploadInteraction> for image/png files: LevelPath only takes spoken answers '
                                       '(audio recordings, or class="lp-speaking")')],
    "qti2/tao_xinclude/embeded_stimulus.xml": [Skip("associate", ASSOCIATE)],
    "qti2/tao_xinclude/stimulus.xml": [Error("<div> is not a QTI item, stimulus or test")],
    **{f"qti2/qti-sdk_linear_nonLinear_multiple_testparts/{name}.xml": [expected]
       for name, expected in QTI_SDK.items()},
    "qti2/qti-sdk_linear_nonLinear_multiple_testparts/test.xml": list(QTI_SDK.values()),
    "qti2/tao_qti22_package/imsmanifest.xml": [TAO_Q01, Item(
        "Q02", "single_choice", {"correct": "lego"}, stem="<p>What are the favourite collectables of Jérôme</p>",
        options=("A building-block game we are not allowed to say the name", "Basket-Ball cards",
                 "Last century rainbow-stripped socks")), TAO_Q03],
}
for _folder, _expected in zip(("i147082986019725", "i147082986057477", "i147082986114469"),
                              EXPECTED["qti2/tao_qti22_package/imsmanifest.xml"], strict=True):
    EXPECTED[f"qti2/tao_qti22_package/items/{_folder}/qti.xml"] = [_expected]


def _sample_files() -> set[str]:
    return {path.relative_to(SAMPLES).as_posix() for folder in ("qti3", "qti2")
            for path in (SAMPLES / folder).rglob("*") if path.is_file()}


def _resolver(path: Path):
    def resolve(href: str) -> bytes | None:
        target = (path.parent / href).resolve()
        return target.read_bytes() if target.is_relative_to(SAMPLES) and target.is_file() else None

    return resolve


def _read(relative: str) -> list[ReadResult]:
    path = SAMPLES / relative
    if path.name == "imsmanifest.xml":
        files = {member.relative_to(path.parent).as_posix(): member.read_bytes()
                 for member in path.parent.rglob("*") if member.is_file()}
        return read_qti_package(path.parent.name, files)
    return read_qti_document(relative, path.read_bytes(), resolve=_resolver(path))


def test_every_sample_file_has_an_expectation():
    assert _sample_files() == set(EXPECTED)


def _check(result: ReadResult, expected: Item | Skip | Error) -> None:
    if isinstance(expected, Error):
        assert isinstance(result, ReadError), result
        assert expected.reason in result.reason and not result.refused
        return
    if isinstance(expected, Skip):
        assert isinstance(result, Unsupported), result
        assert (result.identifier, result.reason) == (expected.identifier, expected.reason)
        return
    assert isinstance(result, ImportedItem), result
    assert (result.identifier, result.type, result.scoring) == (expected.identifier, expected.type, expected.scoring)
    item_types.get(result.type).validate(result.content, result.scoring)
    if expected.stem is not None:
        assert result.content["stem"] == expected.stem
    for phrase in expected.stem_text:
        assert phrase in text(result.content["stem"]), result.content["stem"]
    if expected.options:
        options = result.content.get("options") or result.content.get("sources")
        assert tuple(option["text"] for option in options) == expected.options
    for key, value in expected.content.items():
        assert result.content[key] == value, key
    for phrase in expected.notes:
        assert any(phrase in note for note in result.notes), (phrase, result.notes)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_sample_reads_as_expected(relative):
    results = _read(relative)
    expected = EXPECTED[relative]
    assert len(results) == len(expected), results
    for result, wanted in zip(results, expected, strict=True):
        _check(result, wanted)


@pytest.mark.parametrize("relative", ["qti3/citolab_kennisnet-1/AssessmentTest.xml",
                                      "qti3/citolab_stimulus-ref/qb-stimulusref-test.xml",
                                      "qti2/qti-sdk_linear_nonLinear_multiple_testparts/test.xml"])
def test_items_read_through_a_test_say_the_test_structure_is_not_imported(relative):
    items = [result for result in _read(relative) if isinstance(result, ImportedItem)]
    assert items and all(any(TEST_NOTE in note for note in item.notes) for item in items)
    assert all(item.source.endswith(f"/{item.source.rsplit('/', 1)[-1]}") and "#" not in item.source for item in items)


def test_kennisnet_package_items_come_in_manifest_order_with_the_test_noted():
    results = _read("qti3/citolab_kennisnet-1/imsmanifest.xml")
    assert [result.source for result in results] == [
        f"citolab_kennisnet-1:{name}.xml" for name in ("INTRODUCTION", *(f"ITEM00{n}" for n in range(1, 10)))]
    imported = [result for result in results if isinstance(result, ImportedItem)]
    assert all(any("part of assessment test 'Demotoets'" in note for note in item.notes) for item in imported)


def test_shared_stimulus_is_read_from_its_own_file():
    (item,) = _read("qti3/citolab_stimulus-ref/qb-stimulusref.xml")
    assert isinstance(item, ImportedItem) and item.stimulus is not None
    assert item.stimulus.identifier == "RES-Brontekst_KB-2020-A1-Traumberuf_Astronaut_xml"
    assert item.stimulus.title == "Brontekst_KB-2020-A1-Traumberuf_Astronaut"
    assert text(item.stimulus.body) == (
        "Placeholder stimulus content start Placeholder stimulus heading Placeholder stimulus paragraph one. (1) "
        "Placeholder stimulus paragraph two. Placeholder stimulus content end")
    assert item.language == "de-DE"
    assert "Placeholder stimulus target" not in item.content["stem"]  # the placeholder is where delivery puts it


def test_a_missing_stimulus_is_a_note_not_a_failure():
    path = SAMPLES / "qti3/citolab_stimulus-ref/qb-stimulusref.xml"
    (item,) = read_qti_document("item.xml", path.read_bytes(), resolve=lambda href: None)
    assert isinstance(item, ImportedItem) and item.stimulus is None
    assert any("qb-stimulusref-stimulus.xml" in note and "missing" in note for note in item.notes)


def test_xinclude_pulls_the_tao_stimulus_into_the_stem():
    stimulus = (SAMPLES / "qti2/tao_xinclude/stimulus.xml").read_bytes()
    item = b"""<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"
        xmlns:xi="http://www.w3.org/2001/XInclude" identifier="x" title="x">
      <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
        <correctResponse><value>b</value></correctResponse></responseDeclaration>
      <itemBody><xi:include href="stimulus.xml"/>
        <choiceInteraction responseIdentifier="RESPONSE" maxChoices="1"><prompt>Who?</prompt>
          <simpleChoice identifier="a">Newton</simpleChoice><simpleChoice identifier="b">Einstein</simpleChoice>
        </choiceInteraction></itemBody></assessmentItem>"""
    (result,) = read_qti_document("item.xml", item, resolve={"stimulus.xml": stimulus}.get)
    assert isinstance(result, ImportedItem)
    assert "Which famous scientist is popularly associated with the equation E = m c 2" in \
        text(result.content["stem"])
    assert any("on another site" in note for note in result.notes)  # the remote logo is not fetched
    assert any("MathML" in note for note in result.notes)


# Shapes no sample above has, written here in a few lines each.

def _item(body: str, declarations: str = "", processing: str = "") -> bytes:
    return f"""<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q" title="Q">
      {declarations}<qti-item-body>{body}</qti-item-body>{processing}</qti-assessment-item>""".encode()


CHOICE = ('<qti-choice-interaction response-identifier="R" max-choices="1"><qti-simple-choice identifier="A">a'
          '</qti-simple-choice><qti-simple-choice identifier="B">b</qti-simple-choice></qti-choice-interaction>')
DECLARE_R = ('<qti-response-declaration identifier="R" cardinality="single" base-type="identifier">'
             "<qti-correct-response><qti-value>B</qti-value></qti-correct-response></qti-response-declaration>")


def _read_one(data: bytes) -> ReadResult:
    (result,) = read_qti_document("q.xml", data, resolve=lambda href: None)
    return result


def test_different_interactions_in_one_item_are_named():
    result = _read_one(_item("<p>Q</p>" + CHOICE + '<p><qti-text-entry-interaction response-identifier="T"/></p>',
                             DECLARE_R))
    assert isinstance(result, Unsupported)
    assert result.reason == ("several different interactions in one item (<qti-choice-interaction>, "
                             "<qti-text-entry-interaction>): a LevelPath item has one kind of response")


def test_two_questions_in_one_item_are_not_merged():
    result = _read_one(_item("<p>Q</p>" + CHOICE + CHOICE, DECLARE_R))
    assert isinstance(result, Unsupported)
    assert result.reason == "2 <qti-choice-interaction> elements in one item: a LevelPath item asks one question"


def test_custom_processing_that_cannot_be_read_is_replaced_by_match_correct_and_said_so():
    processing = ('<qti-response-processing><qti-set-outcome-value identifier="FEEDBACK"><qti-base-value '
                  'base-type="identifier">x</qti-base-value></qti-set-outcome-value></qti-response-processing>')
    declare = DECLARE_R.replace('"single"', '"multiple"')
    multiple = CHOICE.replace('max-choices="1"', 'max-choices="0"')
    result = _read_one(_item("<p>Q</p>" + multiple, declare, processing))
    assert isinstance(result, ImportedItem)
    assert result.scoring == {"correct": ["B"]}
    assert "custom response processing replaced by match-correct: scored against the correct response" in result.notes


def test_an_audio_upload_is_a_speaking_task_with_a_default_time():
    upload = '<qti-upload-interaction response-identifier="R" type="audio/webm"/>'
    declare = '<qti-response-declaration identifier="R" cardinality="single" base-type="file"/>'
    result = _read_one(_item("<p>Tell us about your town.</p>" + upload, declare))
    assert isinstance(result, ImportedItem) and result.type == "speaking"
    assert result.content == {"stem": "<p>Tell us about your town.</p>", "response_seconds": 120}
    assert result.scoring == {"rubric": "imported-rubric"}
    assert any("set to 120 seconds" in note for note in result.notes)


@pytest.mark.parametrize(("paragraph", "expected_type"), [
    ('<p>Answer: <qti-text-entry-interaction response-identifier="T"/></p>', "short_answer"),
    ('<p><qti-text-entry-interaction response-identifier="T"/></p>', "short_answer"),
    ('<p>The capital is <qti-text-entry-interaction response-identifier="T"/>.</p>', "gap_fill"),
    ('<p>My name is <qti-text-entry-interaction response-identifier="T"/></p>', "gap_fill"),
])
def test_a_lone_answer_box_is_a_short_answer_and_a_gap_in_a_sentence_is_a_gap_fill(paragraph, expected_type):
    declare = ('<qti-response-declaration identifier="T" cardinality="single" base-type="string"><qti-mapping>'
               '<qti-map-entry map-key="Paris" mapped-value="1" case-sensitive="false"/></qti-mapping>'
               "</qti-response-declaration>")
    template = ('<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/'
                'map_response.xml"/>')
    result = _read_one(_item("<p>Where is the Louvre?</p>" + paragraph, declare, template))
    assert isinstance(result, ImportedItem) and result.type == expected_type
    if expected_type == "short_answer":
        assert result.content == {"stem": "<p>Where is the Louvre?</p>"}
        assert result.scoring == {"accepted": [{"text": "Paris"}]}
    else:
        assert "{{T}}" in result.content["stem"]


def test_a_package_reports_item_files_its_manifest_does_not_list_and_reads_its_catalogue():
    folder = SAMPLES / "qti2/tao_qti22_package"
    files = {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    files["extra/forgotten.xml"] = (SAMPLES / "qti2/sample-space-shuttle.xml").read_bytes()
    files["catalogue.csv"] = b"identifier,type,skill,level,topic\nQ02,single_choice,reading,3,hobbies\n"
    results = read_qti_package("tao.zip", files)
    assert [type(result).__name__ for result in results] == ["ImportedItem"] * 3 + ["Unsupported"]
    assert results[-1].source == "tao.zip:extra/forgotten.xml"
    assert "not listed in imsmanifest.xml" in results[-1].reason
    assert (results[1].skill, results[1].level, results[1].topic) == ("reading", 3, "hobbies")
    assert results[0].skill is None


# Gaps counted right into a variable and SCORE looked up in its interpolation table (as 32eugm.xml does).

def _counted_gaps(entries: str, *, table: str = "", maxscore: str | None = None, key: str = "A",
                  lookup: str = "interpolation") -> bytes:
    gaps = ("G1", "G2", "G3")
    choices = '<qti-inline-choice identifier="A">a</qti-inline-choice><qti-inline-choice identifier="B">b' \
              "</qti-inline-choice>"
    body = "<p>" + " and ".join(f'<qti-inline-choice-interaction response-identifier="{gap}">{choices}'
                                "</qti-inline-choice-interaction>" for gap in gaps) + "</p>"
    declarations = "".join(
        f'<qti-response-declaration identifier="{gap}" cardinality="single" base-type="identifier">'
        "<qti-correct-response><qti-value>A</qti-value></qti-correct-response></qti-response-declaration>"
        for gap in gaps)
    declarations += ('<qti-outcome-declaration identifier="RIGHT" cardinality="single" base-type="integer"/>'
                     '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float">'
                     f"<qti-{lookup}-table{table}>{entries}</qti-{lookup}-table></qti-outcome-declaration>")
    if maxscore is not None:
        declarations += ('<qti-outcome-declaration identifier="MAXSCORE" cardinality="single" base-type="float">'
                         f"<qti-default-value><qti-value>{maxscore}</qti-value></qti-default-value>"
                         "</qti-outcome-declaration>")
    count = "".join(
        f'<qti-response-condition><qti-response-if><qti-match><qti-variable identifier="{gap}"/><qti-base-value '
        f'base-type="identifier">{key if gap == "G3" else "A"}</qti-base-value></qti-match>'
        '<qti-set-outcome-value identifier="RIGHT"><qti-sum><qti-variable identifier="RIGHT"/><qti-base-value '
        'base-type="integer">1</qti-base-value></qti-sum></qti-set-outcome-value></qti-response-if>'
        "</qti-response-condition>" for gap in gaps)
    processing = (f"<qti-response-processing>{count}<qti-lookup-outcome-value identifier=\"SCORE\">"
                  '<qti-variable identifier="RIGHT"/></qti-lookup-outcome-value></qti-response-processing>')
    return _item(body, declarations, processing)


def _entry(source: int, target: float, boundary: str = "") -> str:
    return f'<qti-interpolation-table-entry source-value="{source}" target-value="{target}"{boundary}/>'


def test_an_interpolation_table_respects_include_boundary_and_its_default_value():
    entries = _entry(3, 3) + _entry(1, 1, ' include-boundary="false"')
    result = _read_one(_counted_gaps(entries, table=' default-value="0.5"', maxscore="3"))
    assert isinstance(result, ImportedItem), result
    # 1 right is not above 1, so the default; 2 right is: 1 point; 3 right: 3.
    assert result.scoring == {"correct": {"G1": "A", "G2": "A", "G3": "A"}, "method": "table",
                              "table": [0.5, 0.5, 1, 3], "points": 3}
    assert any("inline choice scored by a table of points per gaps right" in note for note in result.notes)


@pytest.mark.parametrize(("entries", "maxscore", "key", "why"), [
    (_entry(0, 0) + _entry(2, 1) + _entry(3, 2), "2", "A",  # the first entry fits every count: all 0
     "all 3 right must earn the most points, and none below 0 (0 right 0, 1 right 0, 2 right 0, 3 right 0)"),
    (_entry(3, 2) + _entry(2, 1) + _entry(0, 0), "3", "A", "the item is worth 3 points, but all 3 right earns 2"),
    (_entry(3, 2) + _entry(2, 1) + _entry(0, 0), "2", "B",  # G3 is counted when it is wrong
     "a rule adding to RIGHT does not test one response for its right answer"),
])
def test_an_interpolation_table_that_cannot_be_used_keeps_partial_credit_and_says_why(entries, maxscore, key, why):
    result = _read_one(_counted_gaps(entries, maxscore=maxscore, key=key))
    assert isinstance(result, ImportedItem), result
    assert result.scoring == {"correct": {"G1": "A", "G2": "A", "G3": "A"}, "points": int(maxscore)}
    assert f"the interpolation table on SCORE is not used: {why}" in result.notes
    assert any("inline choice scored with partial credit" in note for note in result.notes)


def _match(source: int, target: float) -> str:
    return f'<qti-match-table-entry source-value="{source}" target-value="{target}"/>'


def test_a_match_table_gives_the_points_of_the_entry_for_each_count_and_its_default_value_otherwise():
    """A match table was read as partial credit without a note: 2 of 3 right earned 1.33 where it says 1."""
    result = _read_one(_counted_gaps(_match(3, 2) + _match(2, 1), table=' default-value="0"', lookup="match"))
    assert isinstance(result, ImportedItem), result
    assert result.scoring == {"correct": {"G1": "A", "G2": "A", "G3": "A"}, "method": "table",
                              "table": [0, 0, 1, 2], "points": 2}
    assert any("scored by a table of points per gaps right: 0 right 0, 1 right 0, 2 right 1, 3 right 2 "
               "(response processing: SCORE looked up in its match table)" in note for note in result.notes)
    unusable = _read_one(_counted_gaps(_match(2, 2) + _match(3, 1), lookup="match"))
    assert isinstance(unusable, ImportedItem), unusable
    assert unusable.scoring == {"correct": {"G1": "A", "G2": "A", "G3": "A"}}
    assert ("the match table on SCORE is not used: all 3 right must earn the most points, and none below 0 "
            "(0 right 0, 1 right 0, 2 right 2, 3 right 1)") in unusable.notes


def test_a_qti2_interpolation_table_in_camel_case_is_read_the_same_way():
    rule = ('<responseCondition><responseIf><match><variable identifier="{0}"/><correct identifier="{0}"/></match>'
            '<setOutcomeValue identifier="RIGHT"><sum><variable identifier="RIGHT"/><baseValue baseType="integer">1'
            "</baseValue></sum></setOutcomeValue></responseIf></responseCondition>")
    declare = ('<responseDeclaration identifier="{0}" cardinality="single" baseType="string"><correctResponse>'
               "<value>{1}</value></correctResponse></responseDeclaration>")
    item = f"""<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="q2" title="Q"
        adaptive="false" timeDependent="false">
      {declare.format("G1", "France")}{declare.format("G2", "Italy")}
      <outcomeDeclaration identifier="RIGHT" cardinality="single" baseType="integer">
        <defaultValue><value>0</value></defaultValue></outcomeDeclaration>
      <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float">
        <interpolationTable defaultValue="0"><interpolationTableEntry sourceValue="2" targetValue="3"/>
          <interpolationTableEntry sourceValue="1" targetValue="1" includeBoundary="false"/></interpolationTable>
      </outcomeDeclaration>
      <itemBody><p>Paris is in <textEntryInteraction responseIdentifier="G1"/> and Rome in
        <textEntryInteraction responseIdentifier="G2"/>.</p></itemBody>
      <responseProcessing>{rule.format("G1")}{rule.format("G2")}
        <lookupOutcomeValue identifier="SCORE"><variable identifier="RIGHT"/></lookupOutcomeValue>
      </responseProcessing></assessmentItem>""".encode()
    result = _read_one(item)
    assert isinstance(result, ImportedItem), result
    assert (result.type, result.scoring) == ("gap_fill", {
        "gaps": {"G1": {"accepted": ["France"], "case_sensitive": True},
                 "G2": {"accepted": ["Italy"], "case_sensitive": True}},
        "method": "table", "table": [0, 0, 3], "points": 3})
    assert any("gap fill scored by a table of points per gaps right: 0 right 0, 1 right 0, 2 right 3" in note
               for note in result.notes)


MAP_RESPONSE = ('<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/'
                'map_response.xml"/>')
FOUR_CHOICES = ('<qti-choice-interaction response-identifier="R" max-choices="0">' + "".join(
    f'<qti-simple-choice identifier="{letter}">{letter.lower()}</qti-simple-choice>' for letter in "ABCD")
    + "</qti-choice-interaction>")


def _mapped(cardinality: str, base_type: str, correct: list[str], entries: dict[str, float], default: float = 0
            ) -> str:
    values = "".join(f"<qti-value>{value}</qti-value>" for value in correct)
    mapping = "".join(f'<qti-map-entry map-key="{key}" mapped-value="{value}"/>' for key, value in entries.items())
    return (f'<qti-response-declaration identifier="R" cardinality="{cardinality}" base-type="{base_type}">'
            f'<qti-correct-response>{values}</qti-correct-response><qti-mapping default-value="{default}">{mapping}'
            "</qti-mapping></qti-response-declaration>")


NOT_CARRIED = "the mapping's scores are not carried"


@pytest.mark.parametrize(("entries", "default", "said"), [
    # Wrong choices cost nothing in the mapping, and a right and a wrong one are 1 point in QTI, 0 here.
    ({"A": 1, "B": 1}, 0, "where the mapping gives the right ones 1, 1 and a wrong one 0"),
    ({"A": 2, "B": 1, "C": -1, "D": -1}, 0, "where the mapping gives the right ones 2, 1 and a wrong one -1"),
    ({"A": 1, "B": 1, "C": -1}, -0.5, "a wrong one -1 or -0.5"),
    # LevelPath's own shape (as its exporter writes it): each right +1/n, each wrong -1/n. Nothing to say.
    ({"A": 0.5, "B": 0.5, "C": -0.5, "D": -0.5}, 0, None),
    ({"A": 1, "B": 1}, -1, None),
])
def test_a_mapping_that_scores_otherwise_than_partial_credit_is_said_to_be_not_carried(entries, default, said):
    result = _read_one(_item("<p>Q</p>" + FOUR_CHOICES, _mapped("multiple", "identifier", ["A", "B"], entries,
                                                                default), MAP_RESPONSE))
    assert isinstance(result, ImportedItem) and result.scoring["method"] == "partial"
    notes = [note for note in result.notes if note.startswith(NOT_CARRIED)]
    if said is None:
        assert notes == []
    else:
        (note,) = notes
        assert "LevelPath gives each right choice 1/2 of the points and takes as much away for each wrong one" \
            in note and said in note


def test_a_matching_mapping_where_wrong_pairs_cost_nothing_is_said_to_be_not_carried():
    match = ('<qti-match-interaction response-identifier="R" max-associations="2"><qti-simple-match-set>'
             '<qti-simple-associable-choice identifier="F" match-max="1">France</qti-simple-associable-choice>'
             '<qti-simple-associable-choice identifier="J" match-max="1">Japan</qti-simple-associable-choice>'
             '</qti-simple-match-set><qti-simple-match-set>'
             '<qti-simple-associable-choice identifier="P" match-max="1">Paris</qti-simple-associable-choice>'
             '<qti-simple-associable-choice identifier="T" match-max="1">Tokyo</qti-simple-associable-choice>'
             "</qti-simple-match-set></qti-match-interaction>")
    result = _read_one(_item("<p>Match.</p>" + match, _mapped("multiple", "directedPair", ["F P", "J T"],
                                                               {"F P": 1, "J T": 1}), MAP_RESPONSE))
    assert isinstance(result, ImportedItem) and result.type == "matching"
    assert any(note.startswith(NOT_CARRIED) and "each right pair 1/2" in note for note in result.notes)
    alike = _read_one(_item("<p>Match.</p>" + match, _mapped("multiple", "directedPair", ["F P", "J T"], {
        "F P": 1, "J T": 1, "F T": -1, "J P": -1}), MAP_RESPONSE))
    assert not any(note.startswith(NOT_CARRIED) for note in alike.notes)


def test_a_single_choice_mapping_that_credits_another_choice_says_that_credit_is_not_kept():
    result = _read_one(_item("<p>Q</p>" + CHOICE, _mapped("single", "identifier", ["A"], {"A": 2, "B": 1}),
                             MAP_RESPONSE))
    assert isinstance(result, ImportedItem) and result.scoring["correct"] == "A"
    assert "the mapping's partial credit for 'B' is not kept: LevelPath has one right choice here" in result.notes

"""Writing LevelPath items and stimuli as QTI 3.0 documents.

Layout of an item body: ``<div class="lp-stem" data-lp-type=..>`` holds the stem exactly as stored
(gap markers become the gap interactions in place), followed by the interaction for block types
and, for rater-scored types, a scorer rubric block naming the rubric. See ``extension`` for the
``data-lp-*`` attributes that keep what QTI has no words for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from question_bank import item_types
from question_bank.interchange.model import ExportableItem, ImportedStimulus
from question_bank.interchange.qti import rules
from question_bank.interchange.qti.extension import stated_defaults
from question_bank.interchange.qti.html import parse_fragment, xml_safe
from question_bank.interchange.qti.names import QTI3_NAMESPACE

XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = f"{QTI3_NAMESPACE} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
SPEAKING_TYPES = "audio/ogg audio/webm audio/mpeg audio/wav"
# Elements whose content is text or markup: never indented, so stems and choices stay exact.
CONTENT = ("div", "p", "qti-simple-choice", "qti-simple-associable-choice", "qti-inline-choice", "qti-value",
           "qti-base-value", "qti-content-body", "qti-prompt")


def qti_identifier(value: str) -> str:
    """A value made into a QTI identifier (an XML name of ASCII letters, digits, _ . -)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", value.strip()) or "_"
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else "_" + cleaned


def file_name(prefix: str, identifier: str) -> str:
    return f"{prefix}-{qti_identifier(identifier)[:100]}.xml"


def _document(tag: str, identifier: str, title: str, language: str | None) -> Element:
    root = Element(tag, {"xmlns": QTI3_NAMESPACE, "xmlns:xsi": XSI, "xsi:schemaLocation": SCHEMA,
                         "identifier": qti_identifier(identifier), "title": xml_safe(title or identifier)})
    if tag == "qti-assessment-item":
        root.set("adaptive", "false")
        root.set("time-dependent", "false")
    if language:
        root.set("xml:lang", xml_safe(language))
    return root


def _indent(element: Element, level: int = 0) -> None:
    """Indent structure only; content elements keep their text byte for byte."""
    if element.tag in CONTENT or not len(element) or (element.text or "").strip():
        return
    pad = "\n" + "  " * (level + 1)
    element.text = pad
    for node in element:
        _indent(node, level + 1)
        node.tail = pad
    element[-1].tail = pad[:-2]


def _serialise(root: Element) -> bytes:
    _indent(root)
    return XML_DECLARATION + tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def _choices(parent: Element, tag: str, options: list[dict[str, Any]], **attributes: str) -> None:
    for option in options:
        parse_fragment(str(option["text"]), SubElement(parent, tag, {"identifier": option["id"], **attributes}))


def _flag(value: Any) -> str:
    return "true" if value else "false"


class _ItemWriter:
    """Builds one item: declarations, body and response processing, for any LevelPath type."""

    def __init__(self, item: ExportableItem, stimulus_href: str | None) -> None:
        self.item, self.content, self.scoring = item, item.content, item.scoring
        self.type = item_types.get(item.type)
        self.points = self.scoring.get("points", 1)
        self.partial = self.type.supports_partial_credit and self.type.method_of(self.scoring) == "partial"
        self.table = self.scoring.get("table") if self.type.method_of(self.scoring) == "table" else None
        self.root = _document("qti-assessment-item", item.identifier, item.title, item.language)
        self.body = Element("qti-item-body")
        self.processing = Element("processing")
        self.holders: list[str] = []
        self.stimulus_href = stimulus_href

    def stem(self, gap: Callable[[str], Element] | None = None) -> None:
        box = SubElement(self.body, "div", {"class": "lp-stem", "data-lp-type": self.item.type})
        defaults = stated_defaults(self.item)
        if defaults:
            box.set("data-lp-defaults", defaults)
        parse_fragment(str(self.content.get("stem", "")), box, gap=gap)

    def build(self) -> Element:
        getattr(self, f"_{self.item.type}")()
        rater = self.type.rater_scored
        extra = {"external-scored": "human", "normal-minimum": "0", "normal-maximum": rules.number(self.points)} \
            if rater else {}
        score = rules.outcome(self.root, "SCORE", 0, **extra)
        if self.table is not None:
            rules.interpolation_table(score, self.table)
        rules.outcome(self.root, "MAXSCORE", self.points)
        if self.table is not None:
            rules.outcome(self.root, rules.RIGHT_GAPS, 0, base_type="integer")
        for holder in self.holders:
            rules.outcome(self.root, holder, 0)
        stimulus = self.item.stimulus
        if stimulus is not None and self.stimulus_href:
            SubElement(self.root, "qti-assessment-stimulus-ref", {
                "identifier": qti_identifier(stimulus.identifier), "href": self.stimulus_href,
                "title": xml_safe(stimulus.title or stimulus.identifier)})
        self.root.append(self.body)
        self.root.extend(list(self.processing))
        return self.root

    def _single_choice(self) -> None:
        rules.declare(self.root, "RESPONSE", "single", "identifier", [self.scoring["correct"]])
        self.stem()
        interaction = SubElement(self.body, "qti-choice-interaction", {
            "response-identifier": "RESPONSE", "shuffle": _flag(self.content.get("shuffle")), "max-choices": "1"})
        _choices(interaction, "qti-simple-choice", self.content["options"])
        rules.match_correct(self.processing, self.points, ["RESPONSE"])

    _true_false_not_given = _single_choice

    def _multiple_response(self) -> None:
        correct = list(self.scoring["correct"])
        declaration = rules.declare(self.root, "RESPONSE", "multiple", "identifier", correct)
        share = self.points / len(correct)
        if self.partial:
            rules.mapping(declaration, [(option["id"], share if option["id"] in correct else -share)
                                        for option in self.content["options"]], lower=0, upper=self.points)
        self.stem()
        attributes = {"response-identifier": "RESPONSE", "shuffle": _flag(self.content.get("shuffle")),
                      "max-choices": str(self.content.get("max_choices") or 0)}
        if self.content.get("min_choices") is not None:
            attributes["min-choices"] = str(self.content["min_choices"])
        _choices(SubElement(self.body, "qti-choice-interaction", attributes), "qti-simple-choice",
                 self.content["options"])
        if self.partial:
            rules.template(self.processing, "map_response")
        else:
            rules.match_correct(self.processing, self.points, ["RESPONSE"])

    def _ordering(self) -> None:
        order = list(self.scoring["order"])
        rules.declare(self.root, "RESPONSE", "ordered", "identifier", order)
        self.stem()
        interaction = SubElement(self.body, "qti-order-interaction", {
            "response-identifier": "RESPONSE", "shuffle": _flag(self.content.get("shuffle"))})
        _choices(interaction, "qti-simple-choice", self.content["options"])
        if self.partial:
            rules.count_matches(self.processing, self.points, [
                (rules.position("RESPONSE", index), option_id, "identifier")
                for index, option_id in enumerate(order, start=1)])
        else:
            rules.match_correct(self.processing, self.points, ["RESPONSE"])

    def _matching(self) -> None:
        pairs = [f"{source} {target}" for source, target in self.scoring["pairs"]]
        declaration = rules.declare(self.root, "RESPONSE", "multiple", "directedPair", pairs)
        share = self.points / len(pairs)
        if self.partial:
            rules.mapping(declaration, [(pair, share) for pair in pairs], default=-share, lower=0, upper=self.points)
        self.stem()
        sources, targets = self.content["sources"], self.content["targets"]
        interaction = SubElement(self.body, "qti-match-interaction", {
            "response-identifier": "RESPONSE", "shuffle": _flag(self.content.get("shuffle")),
            "max-associations": str(len(sources))})
        _choices(SubElement(interaction, "qti-simple-match-set"), "qti-simple-associable-choice", sources,
                 **{"match-max": "1"})
        _choices(SubElement(interaction, "qti-simple-match-set"), "qti-simple-associable-choice", targets,
                 **{"match-max": str(len(sources))})
        if self.partial:
            rules.template(self.processing, "map_response")
        else:
            rules.match_correct(self.processing, self.points, ["RESPONSE"])

    def _gap_fill(self) -> None:
        gap_rules = self.scoring["gaps"]
        responses = [(gap["id"], [(text, 1) for text in gap_rules[gap["id"]]["accepted"]],
                      bool(gap_rules[gap["id"]].get("case_sensitive", False))) for gap in self.content["gaps"]]
        rules.typed_answers(self.root, responses)
        self.stem(lambda gap_id: Element("qti-text-entry-interaction", {"response-identifier": gap_id}))
        if self.table is not None:
            rules.count_into_table(self.processing, [rules.typed_right(*response) for response in responses])
            return
        self.holders = rules.holders(responses)
        rules.typed_processing(self.processing, self.points, responses, partial=self.partial)

    def _inline_choice(self) -> None:
        gaps = {gap["id"]: gap for gap in self.content["gaps"]}
        for gap_id in gaps:
            rules.declare(self.root, gap_id, "single", "identifier", [self.scoring["correct"][gap_id]])

        def gap(gap_id: str) -> Element:
            interaction = Element("qti-inline-choice-interaction", {"response-identifier": gap_id})
            _choices(interaction, "qti-inline-choice", gaps[gap_id]["options"])
            return interaction

        self.stem(gap)
        if self.table is not None:
            correct = self.scoring["correct"]
            rules.count_into_table(self.processing, [
                rules.matches(rules.variable(gap_id), correct[gap_id], "identifier") for gap_id in gaps])
        elif self.partial:
            rules.count_matches(self.processing, self.points, [
                (rules.variable(gap_id), self.scoring["correct"][gap_id], "identifier") for gap_id in gaps])
        else:
            rules.match_correct(self.processing, self.points, list(gaps))

    def _short_answer(self) -> None:
        accepted = [(entry["text"], entry.get("fraction", 1)) for entry in self.scoring["accepted"]]
        responses = [("RESPONSE", accepted, bool(self.scoring.get("case_sensitive", False)))]
        rules.typed_answers(self.root, responses)
        self.stem()
        attributes = {"response-identifier": "RESPONSE"}
        if self.content.get("max_length"):
            attributes["expected-length"] = attributes["data-lp-max-length"] = str(self.content["max_length"])
        SubElement(SubElement(self.body, "p", {"class": "lp-answer"}), "qti-text-entry-interaction", attributes)
        self.holders = rules.holders(responses)
        if self.partial and self.points == 1 and not self.holders:
            rules.template(self.processing, "map_response")
        else:
            rules.typed_processing(self.processing, self.points, responses, partial=self.partial)

    def _rubric(self) -> None:
        rubric = xml_safe(str(self.scoring["rubric"]))
        block = SubElement(self.body, "qti-rubric-block", {"use": "scoring", "view": "scorer", "class": "lp-rubric",
                                                            "data-lp-rubric": rubric})
        SubElement(SubElement(block, "qti-content-body"), "p").text = rubric

    def _essay(self) -> None:
        rules.declare(self.root, "RESPONSE", "single", "string")
        self.stem()
        attributes = {"response-identifier": "RESPONSE"}
        for key, attribute in (("min_words", "data-lp-min-words"), ("max_words", "data-lp-max-words")):
            if self.content.get(key) is not None:
                attributes[attribute] = str(self.content[key])
        SubElement(self.body, "qti-extended-text-interaction", attributes)
        self._rubric()

    def _speaking(self) -> None:
        rules.declare(self.root, "RESPONSE", "single", "file")
        self.stem()
        attributes = {"response-identifier": "RESPONSE", "class": "lp-speaking", "type": SPEAKING_TYPES}
        for key, attribute in (("preparation_seconds", "data-lp-prep-seconds"),
                               ("response_seconds", "data-lp-response-seconds")):
            if self.content.get(key) is not None:
                attributes[attribute] = str(self.content[key])
        SubElement(self.body, "qti-upload-interaction", attributes)
        self._rubric()


def build_item(item: ExportableItem, *, stimulus_href: str | None) -> bytes:
    return _serialise(_ItemWriter(item, stimulus_href).build())


def write_qti3_item(item: ExportableItem) -> bytes:
    """One item as a QTI 3.0 assessment item; its stimulus, if any, is referred to as the file
    ``stimulus-<identifier>.xml`` beside it (as ``write_qti3_package`` lays them out).

    Raises RuleViolation if the item breaks its type's rules (only valid items can be written).
    """
    item_types.get(item.type).validate(item.content, item.scoring)
    href = file_name("stimulus", item.stimulus.identifier) if item.stimulus is not None else None
    return build_item(item, stimulus_href=href)


def write_qti3_stimulus(stimulus: ImportedStimulus) -> bytes:
    """A shared stimulus as a QTI 3.0 assessment stimulus; its body is kept exactly."""
    root = _document("qti-assessment-stimulus", stimulus.identifier, stimulus.title, stimulus.language)
    box = SubElement(SubElement(root, "qti-stimulus-body"), "div", {"class": "lp-stimulus"})
    if stimulus.max_plays is not None:
        box.set("data-lp-max-plays", str(stimulus.max_plays))
    parse_fragment(stimulus.body, box)
    return _serialise(root)

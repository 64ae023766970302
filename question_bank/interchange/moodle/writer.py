"""Writing Moodle XML: each LevelPath type as the Moodle question type that holds it.

Every question is read back before it is kept: what Moodle cannot say goes into the LevelPath
record, and an item that would still come back different is skipped with the reason, never
written lossily.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape
from posixpath import basename, dirname
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from question_bank import item_types
from question_bank.interchange.model import ExportableItem, MediaFile, ReadError, Unsupported, write_each
from question_bank.interchange.moodle import cloze
from question_bank.interchange.moodle.files import encode_media
from question_bank.interchange.moodle.levelpath import (
    CannotWrite,
    Draft,
    encode_record,
    finish,
    levelpath_tags,
    speaking_note,
    wrap_stimulus,
    written_targets,
)
from question_bank.interchange.moodle.roundtrip import check_valid, plan_record, verify
from question_bank.interchange.moodle.scoring import percent, scored_otherwise_by_moodle
from question_bank.interchange.moodle.reader import RECORD_ELEMENT, parse_question
from question_bank.interchange.safety import parse_xml
from question_bank.item_types.base import GAP_MARKER

_SRC = re.compile(r'src="([^"]+)"')


def category_of(item: ExportableItem) -> str:
    """The item's own category, or one per skill and level so a Moodle bank stays sorted."""
    if item.category:
        return item.category
    path = "$course$/LevelPath"
    path += f"/{item.skill}" if item.skill else ""
    return path + (f"/level {item.level}" if item.level else "")


def _text(parent: Element, tag: str, value: str) -> Element:
    child = SubElement(parent, tag)
    child.text = value
    return child


def _rich(parent: Element, tag: str, html: str, media: dict[str, MediaFile], **attributes: str) -> Element:
    """A ``<tag format="html">`` with its text and the files it shows, referred to as @@PLUGINFILE@@."""
    element = SubElement(parent, tag, {"format": "html", **attributes})
    used = [name for name in dict.fromkeys(_SRC.findall(html)) if name in media]
    for name in used:
        html = html.replace(f'src="{name}"', f'src="@@PLUGINFILE@@/{quote(name, safe="/")}"')
    _text(element, "text", html)
    for name in used:
        folder = dirname(name)
        file = SubElement(element, "file", {"name": basename(name), "path": f"/{folder}/" if folder else "/",
                                            "encoding": "base64"})
        file.text = encode_media(media[name])
    return element


def _plain_target(text: str) -> str:
    if "<" in text:
        raise CannotWrite(f"the target {text!r} has formatting; Moodle matching answers are plain text")
    return unescape(text)


def _check(item: ExportableItem) -> None:
    """Reasons Moodle cannot take an item, said plainly before the general read-back check."""
    content, scoring = item.content, item.scoring
    if reason := scored_otherwise_by_moodle(item):
        raise CannotWrite(reason)
    if item.type == "matching":
        paired = {source for source, _ in scoring.get("pairs", [])}
        for source in content.get("sources", []):
            if source["id"] not in paired:
                raise CannotWrite(f"the source {source['text']!r} has no partner; Moodle pairs every question "
                                  "with an answer")
        texts = [_plain_target(t["text"]) for t in content.get("targets", [])]
        if len(set(texts)) != len(texts):
            raise CannotWrite("two targets have the same text; Moodle tells answers apart by their text")
    if item.type == "inline_choice":
        for gap in content.get("gaps", []):
            for option in gap.get("options", []):
                if "<" in option["text"]:
                    raise CannotWrite(f"the option {option['text']!r} has formatting; Moodle drop-downs are "
                                      "plain text")


def _cloze(item: ExportableItem) -> str:
    gaps = {gap["id"]: gap for gap in item.content.get("gaps", [])}

    def sub_question(match: re.Match[str]) -> str:
        gap_id = match.group(1)
        if item.type == "gap_fill":
            rule = item.scoring["gaps"][gap_id]
            return cloze.short_answer([a.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                                       for a in rule["accepted"]], case_sensitive=rule.get("case_sensitive", False))
        options = gaps[gap_id]["options"]
        correct = [o["id"] for o in options].index(item.scoring["correct"][gap_id])
        return cloze.multichoice([o["text"] for o in options], correct)

    return GAP_MARKER.sub(sub_question, item.content["stem"])


def _answer(parent: Element, html: str, fraction: float, media: dict[str, MediaFile]) -> None:
    answer = _rich(parent, "answer", html, media, fraction=percent(fraction))
    _rich(answer, "feedback", "", media)


def _body(question: Element, item: ExportableItem, media: dict[str, MediaFile]) -> None:
    """The type's own elements, after the question text."""
    content, scoring = item.content, item.scoring
    kind = item.type
    if kind in {"single_choice", "multiple_response"} or \
            (kind == "true_false_not_given" and content.get("variant") != "true_false"):
        options = content["options"]
        single = kind != "multiple_response"
        if question.get("type") != ALL_OR_NOTHING_QTYPE:
            _text(question, "single", "true" if single else "false")
        _text(question, "shuffleanswers", "true" if content.get("shuffle") else "false")
        _text(question, "answernumbering", "abc")
        right = [scoring["correct"]] if single else scoring["correct"]
        if question.get("type") == ALL_OR_NOTHING_QTYPE:
            for option in options:
                _answer(question, option["text"], 1.0 if option["id"] in right else 0.0, media)
            return
        share = 1 / len(right)
        for option in options:
            _answer(question, option["text"], share if option["id"] in right else (0.0 if single else -share), media)
    elif kind == "true_false_not_given":
        for value in ("true", "false"):
            _answer(question, value, 1.0 if scoring["correct"] == value.upper() else 0.0, media)
    elif kind == "short_answer":
        _text(question, "usecase", "1" if scoring.get("case_sensitive") else "0")
        for accepted in scoring["accepted"]:
            answer = SubElement(question, "answer", {"fraction": percent(accepted.get("fraction", 1.0)),
                                                     "format": "moodle_auto_format"})
            _text(answer, "text", accepted["text"])
    elif kind == "matching":
        _text(question, "shuffleanswers", "true" if content.get("shuffle") else "false")
        targets = {t["id"]: _plain_target(t["text"]) for t in content["targets"]}
        partner = dict(map(tuple, scoring["pairs"]))
        for source in content["sources"]:
            subquestion = _rich(question, "subquestion", source["text"], media)
            _text(SubElement(subquestion, "answer"), "text", targets[partner[source["id"]]])
        for target_id in written_targets(content, scoring)[len(set(partner.values())):]:
            spare = _rich(question, "subquestion", "", media)
            _text(SubElement(spare, "answer"), "text", targets[target_id])
    elif kind == "ordering":
        for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0"),
                           ("gradingtype", "ALL_OR_NOTHING" if scoring.get("method") == "all_or_nothing"
                            else "ABSOLUTE_POSITION"), ("showgrading", "SHOW")):
            _text(question, tag, value)
        texts = {option["id"]: option["text"] for option in content["options"]}
        for position, option_id in enumerate(scoring["order"], start=1):
            answer = _rich(question, "answer", texts[option_id], media)
            answer.set("fraction", str(position))
    elif kind in {"essay", "speaking"}:
        speaking = kind == "speaking"
        for tag, value in (("responseformat", "noinline" if speaking else "editor"),
                           ("responserequired", "0" if speaking else "1"), ("responsefieldlines", "15"),
                           ("minwordlimit", str(content.get("min_words") or "")),
                           ("maxwordlimit", str(content.get("max_words") or "")),
                           ("attachments", "1" if speaking else "0"), ("attachmentsrequired", "1" if speaking else "0"),
                           ("maxbytes", "0"), ("filetypeslist", "audio" if speaking else "")):
            _text(question, tag, value)
        _rich(question, "graderinfo", scoring.get("rubric", ""), media)
        _rich(question, "responsetemplate", "", media)


# Moodle's multichoice cannot say "all the right choices or nothing" with two right choices or more (each right
# choice earns its share); the All-or-Nothing Multiple Choice question type (the qtype_multichoiceset plugin) says
# it. A Moodle without the plugin refuses such a question on import, naming its type, rather than score it
# otherwise than LevelPath does.
ALL_OR_NOTHING_QTYPE = "multichoiceset"
_QTYPES = {"single_choice": "multichoice", "multiple_response": "multichoice", "short_answer": "shortanswer",
           "matching": "matching", "ordering": "ordering", "gap_fill": "cloze", "inline_choice": "cloze",
           "essay": "essay", "speaking": "essay"}


def _all_or_nothing(item: ExportableItem) -> bool:
    """A multiple-response item that gives nothing for part of its two or more right choices."""
    right = item.scoring.get("correct")
    method = item_types.get(item.type).method_of(item.scoring)
    return isinstance(right, list) and len(right) > 1 and method == "all_or_nothing"


def _question(item: ExportableItem, record: dict[str, Any] | None) -> Element:
    qtype = _QTYPES.get(item.type)
    if item.type == "true_false_not_given":
        qtype = "truefalse" if item.content.get("variant") == "true_false" else "multichoice"
    if item.type == "multiple_response" and _all_or_nothing(item):
        qtype = ALL_OR_NOTHING_QTYPE
    if qtype is None:
        raise CannotWrite(f"LevelPath type {item.type!r} has no Moodle counterpart")
    media = {m.name: m for m in (*item.media, *(item.stimulus.media if item.stimulus else ()))}
    question = Element("question", {"type": qtype})
    _text(SubElement(question, "name"), "text", item.title or item.identifier)
    stem = _cloze(item) if qtype == "cloze" else item.content["stem"]
    if item.type == "speaking":
        stem = speaking_note(stem, item.content.get("preparation_seconds") or 0, item.content["response_seconds"])
    if item.stimulus is not None:
        stem = wrap_stimulus(item.stimulus.body, stem)
    _rich(question, "questiontext", stem, media)
    _rich(question, "generalfeedback", "", media)
    _text(question, "defaultgrade", f"{float(item.scoring.get('points', 1)):.7f}")
    _text(question, "penalty", "0")
    _text(question, "hidden", "0")
    _text(question, "idnumber", item.identifier)
    _body(question, item, media)
    tags = SubElement(question, "tags")
    for tag in levelpath_tags(item):
        _text(SubElement(tags, "tag"), "text", tag)
    if record:
        _text(question, RECORD_ELEMENT, encode_record(record))
    return question


def _read_back(question: Element, item: ExportableItem) -> tuple[Draft, dict[str, Any] | None]:
    """What a LevelPath import of the serialised question would see."""
    try:
        parsed_element = parse_xml(tostring(question, encoding="utf-8"), source=item.identifier)
    except ValueError as error:
        raise CannotWrite(f"its text holds characters XML cannot carry ({error})") from None
    parsed = parse_question(parsed_element, source=item.identifier, category=None)
    if isinstance(parsed, Unsupported | ReadError):
        raise CannotWrite(parsed.reason)
    return parsed


def question_for(item: ExportableItem) -> Element:
    """The item as a Moodle ``<question>``. Raises CannotWrite when Moodle cannot carry it unchanged."""
    check_valid(item)
    _check(item)
    draft, _ = _read_back(_question(item, None), item)
    record = plan_record(item, draft)
    question = _question(item, record)
    verify(item, finish(*_read_back(question, item)))
    return question


def write_moodle_xml_skipping(items: Sequence[ExportableItem]) -> tuple[bytes, list[Unsupported]]:
    """Moodle XML of the items it can carry, and an Unsupported entry saying why for each of the others."""
    groups, skipped = write_each(items, question_for, category_of=category_of, refusal=CannotWrite,
                                 format_name="Moodle XML")
    quiz = Element("quiz")
    for category, questions in groups.items():
        entry = SubElement(quiz, "question", {"type": "category"})
        _text(SubElement(entry, "category"), "text", category)
        quiz.extend(questions)
    indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(quiz, encoding="utf-8", xml_declaration=False) \
        + b"\n", skipped


def write_moodle_xml(items: Sequence[ExportableItem]) -> bytes:
    """Moodle XML of every item. Raises CannotWrite naming each item Moodle cannot carry unchanged."""
    data, skipped = write_moodle_xml_skipping(items)
    if skipped:
        raise CannotWrite("; ".join(f"{entry.identifier}: {entry.reason}" for entry in skipped))
    return data

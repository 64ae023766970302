"""Reading Moodle XML: a ``<quiz>`` of category entries and questions, one result per question."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from question_bank.interchange.model import ReadError, ReadResult, Unsupported
from question_bank.interchange.moodle import levelpath, qtypes
from question_bank.interchange.moodle.files import EmbeddedFileProblem
from question_bank.interchange.moodle.levelpath import Broken, Draft, NotCarried
from question_bank.interchange.moodle.question import Question, text_of
from question_bank.interchange.safety import UnsafeInput, parse_xml

RECORD_ELEMENT = "levelpath"
FEEDBACK_NOTE = "feedback and hints are not carried: LevelPath items have no feedback texts"
UNSUPPORTED = {
    "numerical": "LevelPath has no numeric-tolerance type",
    "calculated": "LevelPath has no calculated (formula) type",
    "calculatedsimple": "LevelPath has no calculated (formula) type",
    "calculatedmulti": "LevelPath has no calculated (formula) type",
    "description": "a text with no question to answer",
    "random": "it draws a question from a category when a quiz starts and holds no question itself",
    "randomsamatch": "its pairs are drawn from short-answer questions when a quiz starts",
    "ddwtos": "LevelPath has no drag-and-drop type (drag words into a text)",
    "ddimageortext": "LevelPath has no drag-and-drop-onto-an-image type",
    "ddmarker": "LevelPath has no drop-markers-on-an-image type",
}
_FEEDBACK = ("generalfeedback", "correctfeedback", "partiallycorrectfeedback", "incorrectfeedback", "hint",
             "answer/feedback", "subquestion/answer/feedback")


def _category(element: Element) -> str | None:
    holder = element.find("category")
    return text_of(holder) or None


def _has_feedback(element: Element) -> bool:
    return any(text_of(found) for path in _FEEDBACK for found in element.findall(path))


def parse_question(element: Element, *, source: str, category: str | None
                   ) -> tuple[Draft, dict[str, Any] | None] | Unsupported | ReadError:
    """A question as a draft plus its LevelPath record, or the reason it cannot be one."""
    qtype = (element.get("type") or "").strip()
    identifier = (element.findtext("idnumber") or "").strip() or None
    handler = qtypes.HANDLERS.get(qtype)
    if handler is None:
        reason = UNSUPPORTED.get(qtype, "not a question type LevelPath reads")
        return Unsupported(source=source, identifier=identifier, type=qtype or None,
                           reason=f"Moodle qtype {qtype!r}: {reason}")
    tags = levelpath.read_levelpath_tags(text_of(tag) for tag in element.findall("tags/tag"))
    question = Question(element, source, tags.type)
    try:
        draft = handler(question)
    except EmbeddedFileProblem as problem:
        if problem.unsupported:
            return Unsupported(source=source, identifier=identifier, type=qtype, reason=problem.reason)
        return ReadError(source=source, reason=problem.reason, refused=problem.refused)
    except Broken as error:
        return ReadError(source=source, reason=f"broken Moodle {qtype} question: {error}")
    except NotCarried as error:
        return Unsupported(source=source, identifier=identifier, type=qtype, reason=str(error))
    if _has_feedback(element):
        draft.notes.append(FEEDBACK_NOTE)
    draft.notes.extend(tags.notes)
    draft.identifier, draft.title = identifier, text_of(element.find("name"))
    draft.tags, draft.skill, draft.level, draft.category = tags.tags, tags.skill, tags.level, category
    record, notes = levelpath.decode_record(element.findtext(RECORD_ELEMENT))
    draft.notes.extend(notes)
    return draft, record


def read_question(element: Element, *, source: str, category: str | None) -> ReadResult:
    """One question as a LevelPath item, or the reason it is not one."""
    parsed = parse_question(element, source=source, category=category)
    if isinstance(parsed, Unsupported | ReadError):
        return parsed
    return levelpath.finish(*parsed)


def read_moodle_xml(source: str, data: bytes) -> list[ReadResult]:
    """Every question of a Moodle XML file, each as an item, an Unsupported entry or a ReadError.

    Category entries set the category of the questions after them. Hostile XML (DTDs, entities)
    and hostile or oversized embedded files give ReadErrors marked ``refused``.
    """
    try:
        root = parse_xml(data, source=source)
    except UnsafeInput as error:
        return [ReadError(source=source, reason=str(error), refused=True)]
    except ValueError as error:
        return [ReadError(source=source, reason=str(error))]
    if root.tag != "quiz":
        return [ReadError(source=source, reason=f"not a Moodle XML file: the root element is <{root.tag}>, "
                                                "not <quiz>")]
    results: list[ReadResult] = []
    category: str | None = None
    count = 0
    for element in root.findall("question"):
        if element.get("type") == "category":
            category = _category(element) or category
            continue
        count += 1
        name = text_of(element.find("name"))
        where = f'{source}#question {count}' + (f' "{name}"' if name else "")
        results.append(read_question(element, source=where, category=category))
    return results

"""Writing GIFT: each item GIFT can carry as one question, a clear reason for each of the others.

Every question is read back before it is kept (see moodle/roundtrip.py): what GIFT cannot say goes
into the ``// levelpath:`` comment, and an item that would still come back different is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import unescape
from typing import Any

from question_bank import item_types
from question_bank.interchange.gift.reader import CONTROL, FORMAT, RECORD_PREFIX, WEIGHT, chunks, parse_question
from question_bank.interchange.model import ExportableItem, ReadError, Unsupported, write_each
from question_bank.interchange.moodle.levelpath import (
    CannotWrite,
    Draft,
    encode_record,
    finish,
    levelpath_tags,
    wrap_stimulus,
    written_targets,
)
from question_bank.interchange.moodle.roundtrip import check_valid, plan_record, verify
from question_bank.interchange.moodle.scoring import percent, scored_otherwise_by_moodle
from question_bank.interchange.moodle.writer import category_of
from question_bank.item_types.base import GAP_MARKER


def _escape(text: str) -> str:
    for character in CONTROL:
        text = text.replace(character, "\\" + character)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _typed_answers(item: ExportableItem) -> list[str]:
    if item.type == "short_answer":
        return [accepted["text"] for accepted in item.scoring.get("accepted", [])]
    if item.type == "gap_fill":
        return [text for rule in item.scoring.get("gaps", {}).values() for text in rule.get("accepted", [])]
    return []


def _case_sensitive(item: ExportableItem) -> bool:
    if item.type == "short_answer":
        return bool(item.scoring.get("case_sensitive"))
    return item.type == "gap_fill" and any(rule.get("case_sensitive") for rule in item.scoring["gaps"].values())


def _check(item: ExportableItem) -> None:
    """What GIFT cannot say, in the words of the export report."""
    content, scoring = item.content, item.scoring
    reasons = {"ordering": "GIFT has no ordering question", "speaking": "GIFT has no recorded-answer question"}
    if item.type in reasons:
        raise CannotWrite(reasons[item.type])
    if item.type == "multiple_response" and len(scoring["correct"]) > 1 and \
            item_types.get(item.type).method_of(scoring) == "all_or_nothing":
        raise CannotWrite("GIFT has no all-or-nothing multiple answer: Moodle would give each right choice its "
                          "share, where LevelPath gives nothing for part of them")
    if item.type == "true_false_not_given" and content.get("variant") != "true_false":
        raise CannotWrite("GIFT true/false questions have no 'Not Given'")
    if item.type in {"gap_fill", "inline_choice"} and len(content["gaps"]) != 1:
        raise CannotWrite(f"a GIFT missing-word question has one gap; this item has {len(content['gaps'])}")
    if reason := scored_otherwise_by_moodle(item):
        raise CannotWrite(reason)
    if _case_sensitive(item):
        raise CannotWrite("GIFT short answers ignore case; this item's answers are case-sensitive")
    files = [m.name for m in (*item.media, *(item.stimulus.media if item.stimulus else ()))]
    if files:
        raise CannotWrite(f"GIFT cannot embed files ({', '.join(files)})")
    for answer in _typed_answers(item):
        if "->" in answer:
            raise CannotWrite(f"GIFT would read the answer {answer!r} as a matching pair ('->')")
    listed = [*_typed_answers(item), *(o["text"] for key in ("options", "sources") for o in content.get(key, [])),
              *(o["text"] for gap in content.get("gaps", []) for o in gap.get("options", []))]
    for text in listed:
        if WEIGHT.match(text) or FORMAT.match(text):
            raise CannotWrite(f"GIFT would read the start of the answer {text!r} as a weight or a text format")
    if item.type == "matching":
        paired = {source for source, _ in scoring.get("pairs", [])}
        if any(source["id"] not in paired for source in content.get("sources", [])):
            raise CannotWrite("a source has no partner; GIFT pairs every question with an answer")
        texts = [t["text"] for t in content.get("targets", [])]
        if any("<" in t for t in texts) or len(set(texts)) != len(texts):
            raise CannotWrite("matching targets must be plain and distinct texts in GIFT")


def _block(item: ExportableItem) -> str:
    content, scoring = item.content, item.scoring
    if item.type == "single_choice":
        return " ".join(("=" if o["id"] == scoring["correct"] else "~") + _escape(o["text"])
                        for o in content["options"])
    if item.type == "multiple_response":
        share = 1 / len(scoring["correct"])
        return " ".join(f"~%{percent(share if o['id'] in scoring['correct'] else -share)}%{_escape(o['text'])}"
                        for o in content["options"])
    if item.type == "true_false_not_given":
        return "T" if scoring["correct"] == "TRUE" else "F"
    if item.type == "short_answer":
        return " ".join("=" + ("" if a.get("fraction", 1.0) == 1 else f"%{percent(a['fraction'])}%")
                        + _escape(a["text"]) for a in scoring["accepted"])
    if item.type == "matching":
        targets = {t["id"]: unescape(t["text"]) for t in content["targets"]}
        partner = dict(map(tuple, scoring["pairs"]))
        pairs = [f"={_escape(s['text'])} -> {_escape(targets[partner[s['id']]])}" for s in content["sources"]]
        spare = written_targets(content, scoring)[len(set(partner.values())):]
        return " ".join([*pairs, *(f"= -> {_escape(targets[t])}" for t in spare)])
    if item.type == "gap_fill":
        return " ".join("=" + _escape(a) for a in next(iter(scoring["gaps"].values()))["accepted"])
    if item.type == "inline_choice":
        gap = content["gaps"][0]
        return " ".join(("=" if o["id"] == scoring["correct"][gap["id"]] else "~") + _escape(o["text"])
                        for o in gap["options"])
    return ""  # essay


def _question(item: ExportableItem, record: dict[str, Any] | None) -> str:
    lines = [f"// [id:{item.identifier.replace(']', chr(92) + ']')}]"]
    lines.append("// " + " ".join(f"[tag:{tag.replace(']', chr(92) + ']')}]" for tag in levelpath_tags(item)))
    if record:
        lines.append(f"// {RECORD_PREFIX} {encode_record(record)}")
    stem = content_stem = item.content["stem"]
    if item.stimulus is not None:
        stem = wrap_stimulus(item.stimulus.body, content_stem)
    title = f"::{_escape(' '.join(item.title.split()))}::" if item.title.strip() else ""
    block = "{" + _block(item) + "}"
    marker = GAP_MARKER.search(stem)
    text = _escape(stem[:marker.start()]) + block + _escape(stem[marker.end():]) if marker else _escape(stem) + block
    lines.append(f"{title}[html]{text}")
    return "\n".join(lines)


def _parse_written(text: str, item: ExportableItem) -> tuple[Draft, dict[str, Any] | None]:
    found = chunks(text)
    parsed = parse_question(found[0], item.identifier) if len(found) == 1 else \
        ReadError(source=item.identifier, reason="its text would not stay one GIFT question")
    if isinstance(parsed, str):
        raise CannotWrite("it would be read as a category")
    if isinstance(parsed, Unsupported | ReadError):
        raise CannotWrite(parsed.reason)
    return parsed


def question_for(item: ExportableItem) -> str:
    """The item as GIFT text. Raises CannotWrite when GIFT cannot carry it unchanged."""
    check_valid(item)
    _check(item)
    draft, _ = _parse_written(_question(item, None), item)
    record = plan_record(item, draft)
    text = _question(item, record)
    verify(item, finish(*_parse_written(text, item)))
    return text


def write_gift(items: Sequence[ExportableItem]) -> tuple[str, list[Unsupported]]:
    """GIFT text of the items it can carry, and an Unsupported entry saying why for each of the others."""
    groups, skipped = write_each(items, question_for, category_of=category_of, refusal=CannotWrite,
                                 format_name="GIFT")
    blocks = []
    for category, questions in groups.items():
        blocks.append(f"$CATEGORY: {category}")
        blocks.extend(questions)
    return "\n\n".join(blocks) + ("\n" if blocks else ""), skipped

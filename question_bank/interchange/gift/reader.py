"""Reading GIFT, Moodle's plain-text question format.

A GIFT file is questions separated by blank lines: ``// comments``, an optional ``::title::``, an
optional ``[html]``-style format, the text and one ``{...}`` answer block. Moodle 4 reads ``[id:...]``
and ``[tag:...]`` from the comments; LevelPath adds its record in a ``// levelpath: {...}`` comment,
which Moodle ignores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from question_bank.interchange.model import ReadError, ReadResult, Unsupported
from question_bank.interchange.moodle.levelpath import (
    Broken,
    Draft,
    NotCarried,
    decode_record,
    finish,
    read_levelpath_tags,
)
from question_bank.interchange.moodle.scoring import (
    MATCHING_NOTE,
    choice_scoring,
    from_percent,
    gap_choice,
    matching_parts,
    options,
    short_answer_scoring,
    typed_gap,
)
from question_bank.interchange.moodle.textformats import GIFT_FORMATS, MOODLE, to_html
from question_bank.item_types.choice import TrueFalseNotGiven
from question_bank.markup import plain_text

# Escaped control characters become private-use placeholders while a question is taken apart.
CONTROL = "\\~=#{}:"
_HIDE = {character: chr(0xE100 + index) for index, character in enumerate(CONTROL)}
_SHOW = str.maketrans({hidden: character for character, hidden in _HIDE.items()})
_GAP = "\ue000"
FORMAT = re.compile(r"\s*\[(html|moodle|plain|markdown)\]")
WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"(T|TRUE|F|FALSE)\s*(#.*)?", re.IGNORECASE | re.DOTALL)
_METADATA = re.compile(r"\[(id|tag):((?:\\\]|[^\]])*)\]")
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'<>\s?#]+)")
RECORD_PREFIX = "levelpath:"
FEEDBACK_NOTE = "feedback is not carried: LevelPath items have no feedback texts"


def _hide_escapes(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _HIDE:
            out.append(_HIDE[text[i + 1]])
            i += 2
        elif text[i] == "\\" and i + 1 < len(text) and text[i + 1] == "n":
            out.append("\n")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _show(text: str) -> str:
    return text.translate(_SHOW)


@dataclass
class Chunk:
    """The lines of one question, its line number and the comments above it."""

    line: int
    lines: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def chunks(text: str) -> list[Chunk]:
    """The questions of a GIFT text: blank lines end a question, comment lines belong to the next one."""
    found: list[Chunk] = []
    current: Chunk | None = None
    for number, line in enumerate(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if not line.strip():
            current = None
            continue
        if current is None:
            current = Chunk(line=number)
            found.append(current)
        line = line.strip()  # Moodle trims every line, so indentation never reaches a text
        if line.startswith("//"):
            current.comments.append(line[2:].strip())
        else:
            if not current.lines:
                current.line = number
            current.lines.append(line)
    return [chunk for chunk in found if chunk.lines]


class _Question:
    """One GIFT question taken apart: text before and after its answer block, the block, the notes."""

    def __init__(self, source: str, text_format: str, lp_type: str | None, before: str, after: str) -> None:
        self.source, self.format, self.lp_type = source, text_format, lp_type
        self.before, self.after = before, after
        self.notes: list[str] = []
        self.feedback = False

    def html(self, text: str) -> str:
        """An answer's text as HTML, in its own ``[format]`` or the question's."""
        found = FORMAT.match(text)
        text_format = GIFT_FORMATS[found.group(1)] if found else self.format
        return to_html(_show(text[found.end():] if found else text), text_format)

    def missing_word(self) -> bool:
        """Text after the block (or an lp-type tag for a gap at the end) makes a missing-word question."""
        return bool(self.after.strip()) or self.lp_type in {"gap_fill", "inline_choice"}

    def stem(self, *, gap: bool = False) -> str:
        """The question text; with ``gap`` the block's place becomes the {{g1}} marker."""
        if gap:
            html = to_html(_show(self.before) + _GAP + _show(self.after), self.format)
            return html.replace(_GAP, "{{g1}}")
        extra = _show(self.after).strip()
        if extra and any(character.isalnum() for character in extra):
            self.notes.append(f"the text after the answer block ({extra!r}) is kept at the end of the question")
            return to_html(_show(self.before).rstrip() + " " + extra, self.format)
        if extra:
            self.notes.append(f"ignored the stray text {extra!r} after the answer block")
        return to_html(_show(self.before).strip(), self.format)

    def answers(self, block: str, markers: str) -> list[tuple[str, str, float | None]]:
        """(marker, text, weight) of each answer; feedback after ``#`` is set aside."""
        parts = re.split(f"([{re.escape(markers)}])", block)
        if parts[0].strip():
            raise Broken(f"the text {_show(parts[0]).strip()!r} comes before the first answer")
        found = []
        for marker, piece in zip(parts[1::2], parts[2::2], strict=True):
            piece = piece.strip()
            weight = None
            if match := WEIGHT.match(piece):
                weight, piece = from_percent(float(match.group(1))), piece[match.end():]
            elif piece.startswith("%") and "%" in piece[1:]:
                raise Broken(f"the weight in {_show(piece)!r} is not a percentage such as %50%")
            text, hash_mark, feedback = piece.partition("#")
            self.feedback = self.feedback or bool(hash_mark and feedback.strip())
            found.append((marker, text.strip(), weight))
        return found

    def draft(self, item_type: str, content: dict[str, Any], scoring: dict[str, Any]) -> Draft:
        """The draft of this question; GIFT has no marks, so every item is worth 1 point."""
        if self.lp_type and self.lp_type != item_type:
            self.notes.append(f"ignored the tag lp-type:{self.lp_type}: the GIFT question reads as {item_type}")
        if _PLUGINFILE.search(content.get("stem", "")):
            self.notes.append("refers to files (@@PLUGINFILE@@) that a GIFT file cannot contain")
        return Draft(source=self.source, type=item_type, content=content, scoring={**scoring, "points": 1.0},
                     notes=self.notes)

    def choice(self, block: str) -> Draft:
        """``~`` answers: single choice, multiple response (no ``=``), or a drop-down gap."""
        answers = [(self.html(text), weight if weight is not None else float(marker == "="))
                   for marker, text, weight in self.answers(block, "=~")]
        single = "=" in block
        if self.missing_word():
            if not single:
                raise NotCarried("a missing-word question with several right answers: a LevelPath gap takes one")
            choices, right, notes = gap_choice(answers, "the gap")
            self.notes.extend(notes)
            content = {"stem": self.stem(gap=True), "gaps": [{"id": "g1", "options": choices}]}
            return self.draft("inline_choice", content, {"correct": {"g1": right}, "method": "partial"})
        item_type, scoring, notes = choice_scoring(answers, single=single)
        self.notes.extend(notes)
        return self.draft(item_type, {"stem": self.stem(), "options": options([t for t, _ in answers]),
                                      "shuffle": True}, scoring)

    def typed(self, block: str) -> Draft:
        """``=`` answers only: short answer, or a typed gap in a missing-word question."""
        answers = [(_show(text), weight if weight is not None else 1.0) for _, text, weight in self.answers(block, "=")]
        if self.missing_word():
            accepted, notes = typed_gap(answers, "the gap")
            self.notes.extend(notes)
            return self.draft("gap_fill", {"stem": self.stem(gap=True), "gaps": [{"id": "g1"}]},
                              {"gaps": {"g1": {"accepted": accepted, "case_sensitive": False}}, "method": "partial"})
        scoring, notes = short_answer_scoring(answers, case_sensitive=False)
        self.notes.extend(notes)
        return self.draft("short_answer", {"stem": self.stem()}, scoring)

    def matching(self, block: str) -> Draft:
        """``=question -> answer`` pairs; ``= -> answer`` is a spare answer."""
        pairs: list[tuple[str, str]] = []
        spare: list[str] = []
        for _, text, _ in self.answers(block, "="):
            source, arrow, target = text.partition("->")
            if not arrow:
                raise Broken(f"the pair {_show(text)!r} has no '->'")
            html, answer = self.html(source.strip()), _show(target).strip()
            if not answer:
                raise Broken(f"the pair {_show(text)!r} has nothing after '->'")
            if plain_text(html) or "<img" in html:
                pairs.append((html, answer))
            else:
                spare.append(answer)
        if not pairs:
            raise Broken("it has no pairs with a question before '->'")
        sources, targets, keys = matching_parts(pairs, spare)
        self.notes.append(MATCHING_NOTE)
        return self.draft("matching", {"stem": self.stem(), "sources": sources, "targets": targets, "shuffle": True},
                          {"pairs": keys, "method": "partial"})

    def true_false(self, block: str) -> Draft:
        """{T}, {TRUE}, {F} or {FALSE}, with optional feedback."""
        value, _, feedback = block.partition("#")
        self.feedback = self.feedback or bool(feedback.strip(" #\n"))
        correct = "TRUE" if value.strip().upper() in {"T", "TRUE"} else "FALSE"
        return self.draft("true_false_not_given", {"stem": self.stem(), "variant": "true_false",
                                                   "options": TrueFalseNotGiven.options_for("true_false")},
                          {"correct": correct})


def parse_question(chunk: Chunk, file: str) -> tuple[Draft, dict[str, Any] | None] | Unsupported | ReadError | str:
    """A question as a draft plus its LevelPath record, a category path (str), or why it is neither."""
    ids, tags, record_text = [], [], None
    for comment in chunk.comments:
        if comment.startswith(RECORD_PREFIX):
            record_text = comment[len(RECORD_PREFIX):]
        for kind, value in _METADATA.findall(comment):
            (ids if kind == "id" else tags).append(value.replace("\\]", "]").strip())
    text = _hide_escapes("\n".join(chunk.lines)).strip()
    if text.startswith("$CATEGORY:"):
        return _show(text[len("$CATEGORY:"):]).strip()
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            return ReadError(source=f"{file}#line {chunk.line}", reason="the title opened with '::' is never closed")
        title, text = " ".join(_show(text[2:end]).split()), text[end + 2:]
    source = f"{file}#line {chunk.line}" + (f' "{title}"' if title else "")
    identifier = ids[-1] if ids and ids[-1] else None
    found = FORMAT.match(text)
    text_format = GIFT_FORMATS[found.group(1)] if found else MOODLE
    text = text[found.end():] if found else text
    opening = text.find("{")
    if opening < 0 and "}" in text:
        return ReadError(source=source, reason="it has a '}' but no '{' to open an answer block")
    if opening < 0:
        return Unsupported(source=source, identifier=identifier, type=None, reason="description: no question")
    closing = text.find("}", opening)
    if closing < 0:
        return ReadError(source=source, reason="the answer block opened with '{' is never closed with '}'")
    if "{" in text[closing + 1:]:
        return ReadError(source=source, reason="it has more than one answer block; a GIFT question has one")
    lp_tags = read_levelpath_tags(tags)
    question = _Question(source, text_format, lp_tags.type, text[:opening], text[closing + 1:])
    block, separator, general = text[opening + 1:closing].partition("####")
    block = block.strip()
    try:
        if not block:
            draft = question.draft("essay", {"stem": question.stem()}, {})
        elif block.startswith("#"):
            return Unsupported(source=source, identifier=identifier, type="numerical",
                               reason="GIFT numerical question {#...}: LevelPath has no numeric-tolerance type")
        elif "~" in block:
            draft = question.choice(block)
        elif "=" in block and "->" in block:
            draft = question.matching(block)
        elif _TRUE_FALSE.fullmatch(block):
            draft = question.true_false(block)
        elif "=" in block:
            draft = question.typed(block)
        else:
            return ReadError(source=source, reason=f"cannot tell the question type from its answers "
                                                   f"{_show(block)[:60]!r}")
    except Broken as error:
        return ReadError(source=source, reason=f"broken GIFT question: {error}")
    except NotCarried as error:
        return Unsupported(source=source, identifier=identifier, type=None, reason=str(error))
    if question.feedback or (separator and general.strip()):
        draft.notes.append(FEEDBACK_NOTE)
    draft.notes.extend(lp_tags.notes)
    draft.identifier, draft.title, draft.tags = identifier, title, lp_tags.tags
    draft.skill, draft.level = lp_tags.skill, lp_tags.level
    record, notes = decode_record(record_text)
    draft.notes.extend(notes)
    return draft, record


def read_gift(source: str, text: str) -> list[ReadResult]:
    """Every question of a GIFT text, each as an item, an Unsupported entry or a ReadError.

    ``$CATEGORY:`` sets the category of the questions after it; each result's source names the
    file and the line the question starts on.
    """
    results: list[ReadResult] = []
    category: str | None = None
    for chunk in chunks(text):
        parsed = parse_question(chunk, source)
        if isinstance(parsed, str):
            category = parsed or category
        elif isinstance(parsed, Unsupported | ReadError):
            results.append(parsed)
        else:
            draft, record = parsed
            draft.category = category
            results.append(finish(draft, record))
    return results

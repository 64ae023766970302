"""Moodle's embedded-answer (cloze) syntax, ``{2:SHORTANSWER:=Paris#Right~%50%Lyon#Almost}``, read and written."""

from __future__ import annotations

import re
from dataclasses import dataclass

SHORT, SHORT_CASE, NUMERICAL, CHOICE, MULTIRESPONSE = "short", "short_case", "numerical", "choice", "multiresponse"
# Every spelling Moodle accepts, by kind. Choice codes ending in S shuffle; _V/_H ones show radio buttons.
CODES = {
    **dict.fromkeys(("SHORTANSWER", "SA", "MW"), SHORT),
    **dict.fromkeys(("SHORTANSWER_C", "SAC", "MWC"), SHORT_CASE),
    **dict.fromkeys(("NUMERICAL", "NM"), NUMERICAL),
    **dict.fromkeys(("MULTICHOICE", "MC", "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH", "MULTICHOICE_S", "MCS",
                     "MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS"), CHOICE),
    **dict.fromkeys(("MULTIRESPONSE", "MR", "MULTIRESPONSE_H", "MRH", "MULTIRESPONSE_S", "MRS",
                     "MULTIRESPONSE_HS", "MRHS"), MULTIRESPONSE),
}
RADIO_CODES = frozenset({"MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH", "MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS",
                         "MCHS"})
SHUFFLED_CODES = frozenset({"MULTICHOICE_S", "MCS", "MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS"})
_START = re.compile(r"\{(\d*):([A-Z_]+)(:|\})")
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ESCAPABLE = '\\}#~/"'


class ClozeError(ValueError):
    """A sub-question Moodle itself would refuse."""


@dataclass(frozen=True, slots=True)
class ClozeAnswer:
    """One answer of a sub-question: its text, its fraction (1.0 for ``=``) and its feedback."""

    text: str
    fraction: float
    feedback: str


@dataclass(frozen=True, slots=True)
class SubQuestion:
    """One ``{...}`` of a cloze text, with where it sits in the raw text."""

    number: int
    weight: int
    code: str
    answers: tuple[ClozeAnswer, ...]
    start: int
    end: int

    @property
    def kind(self) -> str:
        return CODES[self.code]

    def describe(self) -> str:
        return f"sub-question {self.number} ({self.code})"


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _split_unescaped(text: str, separator: str, limit: int = -1) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if text[i] == separator and limit != 0:
            parts.append("".join(current))
            current = []
            limit -= 1
        else:
            current.append(text[i])
        i += 1
    parts.append("".join(current))
    return parts


def _closing(text: str, start: int) -> int | None:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == "}":
            return i
        else:
            i += 1
    return None


def _answers(body: str) -> tuple[ClozeAnswer, ...]:
    answers = []
    for part in _split_unescaped(body, "~"):
        part = part.strip()
        if not part:
            continue
        fraction = 0.0
        if part.startswith("="):
            fraction, part = 1.0, part[1:]
        elif weight := _WEIGHT.match(part):
            fraction, part = float(weight.group(1)) / 100, part[weight.end():]
        text, *feedback = _split_unescaped(part, "#", limit=1)
        comment = _unescape(feedback[0]).strip() if feedback else ""
        answers.append(ClozeAnswer(_unescape(text).strip(), fraction, comment))
    return tuple(answers)


def find_subquestions(text: str) -> list[SubQuestion]:
    """Every ``{n:TYPE:...}`` in the text, in order. Raises ClozeError for one that is never closed."""
    found: list[SubQuestion] = []
    position = 0
    while match := _START.search(text, position):
        code = match.group(2)
        if code not in CODES:
            position = match.start() + 1
            continue
        if match.group(3) == "}":
            body, end = "", match.end()
        else:
            closing = _closing(text, match.end())
            if closing is None:
                raise ClozeError(f"sub-question {len(found) + 1} ({code}) is never closed with '}}'")
            body, end = text[match.end():closing], closing + 1
        found.append(SubQuestion(number=len(found) + 1, weight=int(match.group(1) or 1), code=code,
                                 answers=_answers(body), start=match.start(), end=end))
        position = end
    return found


def problems(sub: SubQuestion) -> list[str]:
    """What makes a sub-question unusable, in the words a Moodle author would understand."""
    name = sub.describe()
    if not sub.answers:
        return [f"{name} has no {'choices' if sub.kind in {CHOICE, MULTIRESPONSE} else 'answers'}"]
    found = []
    if sub.kind in {CHOICE, MULTIRESPONSE} and len(sub.answers) < 2:
        found.append(f"{name} has only one choice; a choice needs at least 2")
    if sub.kind == NUMERICAL:
        for answer in sub.answers:
            value = answer.text.split(":", 1)[0].strip()
            if value != "*" and not _NUMBER.match(value):
                found.append(f"{name} has a non-numeric answer {answer.text!r}")
    if sub.kind != MULTIRESPONSE and not any(a.fraction >= 1 - 1e-9 for a in sub.answers):
        found.append(f"{name} has no fully correct (100%) {'choice' if sub.kind == CHOICE else 'answer'}")
    return found


def escape(text: str) -> str:
    """Cloze answers escape the characters that would end or split them."""
    for character in _ESCAPABLE:
        text = text.replace(character, "\\" + character)
    return text


def short_answer(accepted: list[str], *, case_sensitive: bool) -> str:
    """A typed gap; the _C code makes Moodle compare case as LevelPath's case rule says."""
    code = "SHORTANSWER_C" if case_sensitive else "SHORTANSWER"
    return "{1:" + code + ":" + "~".join("=" + escape(text) for text in accepted) + "}"


def multichoice(options: list[str], correct: int) -> str:
    """A drop-down gap with its one right option marked ``=``."""
    parts = [("=" if index == correct else "") + escape(text) for index, text in enumerate(options)]
    return "{1:MULTICHOICE:" + "~".join(parts) + "}"

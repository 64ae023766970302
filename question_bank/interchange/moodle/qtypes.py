"""One reader per Moodle question type, each giving a draft in LevelPath's item model."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from html import escape
from typing import Any

from question_bank.interchange.moodle import cloze
from question_bank.interchange.moodle.levelpath import Broken, Draft, NotCarried, read_speaking_note
from question_bank.interchange.moodle.question import Question, flag, number, text_of
from question_bank.interchange.moodle.scoring import (
    FULL,
    MATCHING_NOTE,
    choice_scoring,
    from_percent,
    gap_choice,
    matching_parts,
    options,
    short_answer_scoring,
    typed_gap,
)
from question_bank.interchange.moodle.textformats import to_html
from question_bank.item_types.choice import TrueFalseNotGiven
from question_bank.markup import plain_text

_GAP_TOKEN = "\ue000{}\ue001"  # noqa: S105 - a private-use placeholder, not a secret
_GAP_TOKENS = re.compile("\ue000(\\d+)\ue001")
_SELECT_GAP = re.compile(r"\[\[(\d+)\]\]")


def _answers(q: Question) -> list[tuple[str, float]]:
    """(text as HTML, fraction) of every ``<answer>``."""
    return [(q.rich(answer), from_percent(number(answer.get("fraction", "0"), "fraction")))
            for answer in q.element.findall("answer")]


def _shuffle(q: Question) -> bool:
    return bool(flag(q.element.findtext("shuffleanswers"), True))


def multichoice(q: Question, *, all_or_nothing: bool = False) -> Draft:
    """multichoice: single → single_choice, multiple → multiple_response (or TFNG by its lp-type tag)."""
    answers = _answers(q)
    if not answers:
        raise Broken("it has no answers")
    texts = [text for text, _ in answers]
    if q.lp_type == "true_false_not_given" and [plain_text(t).casefold() for t in texts] == \
            ["true", "false", "not given"] and sum(f >= FULL for _, f in answers) == 1:
        correct = next(i for i, (_, f) in enumerate(answers) if f >= FULL)
        choices = TrueFalseNotGiven.options_for("true_false_not_given")
        return q.draft("true_false_not_given", {"stem": q.stem(), "variant": "true_false_not_given",
                                                "options": choices},
                       {"correct": choices[correct]["id"], "points": q.points()})
    single = flag(q.element.findtext("single"), True) and not all_or_nothing
    item_type, scoring, notes = choice_scoring(answers, single=single, all_or_nothing=all_or_nothing)
    q.notes.extend(notes)
    return q.draft(item_type, {"stem": q.stem(), "options": options(texts), "shuffle": _shuffle(q)},
                   {**scoring, "points": q.points()})


def truefalse(q: Question) -> Draft:
    """truefalse → true_false_not_given, variant true_false."""
    correct = None
    for index, answer in enumerate(q.element.findall("answer")):
        text = q.plain(answer).casefold()
        if text not in {"true", "false"}:
            text = "true" if index == 0 else "false"
            q.notes.append("answers not named true/false were taken in Moodle's old order: true, then false")
        if from_percent(number(answer.get("fraction", "0"), "fraction")) >= FULL:
            if correct is not None and correct != text.upper():
                raise Broken("both true and false are marked 100%, so every answer would be right")
            correct = text.upper()
    if correct is None:
        raise Broken("neither true nor false is marked 100%")
    return q.draft("true_false_not_given", {"stem": q.stem(), "variant": "true_false",
                                            "options": TrueFalseNotGiven.options_for("true_false")},
                   {"correct": correct, "points": q.points()})


def shortanswer(q: Question) -> Draft:
    """shortanswer → short_answer: fractions, ``*`` wildcards and usecase kept."""
    answers = [(text_of(a), from_percent(number(a.get("fraction", "0"), "fraction")))
               for a in q.element.findall("answer")]
    scoring, notes = short_answer_scoring(answers, case_sensitive=flag(q.element.findtext("usecase"), False))
    q.notes.extend(notes)
    return q.draft("short_answer", {"stem": q.stem()}, {**scoring, "points": q.points()})


def matching(q: Question) -> Draft:
    """match → matching; a sub-question without text is a spare answer (a distractor target)."""
    pairs: list[tuple[str, str]] = []
    spare: list[str] = []
    for sub in q.element.findall("subquestion"):
        text, answer = q.rich(sub), text_of(sub.find("answer"))
        if not plain_text(text) and "<img" not in text:
            spare.append(answer)
        elif not answer:
            raise Broken(f"the sub-question {plain_text(text)!r} has no answer")
        else:
            pairs.append((text, answer))
    if not pairs:
        raise Broken("it has no sub-questions with a text")
    sources, targets, keys = matching_parts(pairs, spare)
    q.notes.append(MATCHING_NOTE)
    return q.draft("matching", {"stem": q.stem(), "sources": sources, "targets": targets, "shuffle": _shuffle(q)},
                   {"pairs": keys, "method": "partial", "points": q.points()})


_SELECT_ALL = {"", "ALL", "SELECT_ALL", "0"}
_ALL_OR_NOTHING = {"ALL_OR_NOTHING", "-1"}
_ABSOLUTE = {"", "ABSOLUTE_POSITION", "0"}


def ordering(q: Question) -> Draft:
    """ordering (qtype_ordering) → ordering; answers come in the right order, fraction = position."""
    answers = _answers(q)
    select = (q.element.findtext("selecttype") or "").strip().upper()
    count = int(number(q.element.findtext("selectcount") or "0", "selectcount"))
    if select not in _SELECT_ALL and 0 < count < len(answers):
        raise NotCarried(f"Moodle ordering shows {count} of its {len(answers)} items (selecttype {select}); "
                         "LevelPath orders every option")
    grading = (q.element.findtext("gradingtype") or "").strip().upper()
    if grading not in _ALL_OR_NOTHING | _ABSOLUTE:
        q.notes.append(f"Moodle's grading {grading} becomes LevelPath's partial credit for options in their "
                       "right place")
    choices = options([text for text, _ in answers])
    order = [choices[i]["id"] for i in sorted(range(len(answers)), key=lambda i: answers[i][1])]
    return q.draft("ordering", {"stem": q.stem(), "options": choices, "shuffle": True},
                   {"order": order, "method": "all_or_nothing" if grading in _ALL_OR_NOTHING else "partial",
                    "points": q.points()})


def _with_gaps(q: Question, spans: Callable[[str], list[tuple[int, int]]]) -> str:
    """The stem with each span the finder gives in the raw text replaced by a ``{{gN}}`` marker."""

    def replace(raw: str) -> str:
        for index, (start, end) in sorted(enumerate(spans(raw)), key=lambda s: -s[1][0]):
            raw = raw[:start] + _GAP_TOKEN.format(index + 1) + raw[end:]
        return raw

    return _GAP_TOKENS.sub(lambda m: "{{g" + m.group(1) + "}}", q.stem(replace))


def gapselect(q: Question) -> Draft:
    """gapselect → inline_choice; each [[n]] gap offers the choices of choice n's group."""
    choices = [(text_of(option), (option.findtext("group") or "1").strip())
               for option in q.element.findall("selectoption")]
    raw = text_of(q.element.find("questiontext"))
    found = list(_SELECT_GAP.finditer(raw))
    if not found:
        raise Broken("the text has no [[n]] gaps")
    gaps, correct = [], {}
    for index, match in enumerate(found):
        choice = int(match.group(1))
        if not 1 <= choice <= len(choices):
            raise Broken(f"the gap [[{choice}]] refers to no choice (there are {len(choices)})")
        group = [text for text, g in choices if g == choices[choice - 1][1]]
        listed = options([escape(text, quote=False) for text in group])
        gaps.append({"id": f"g{index + 1}", "options": listed})
        correct[f"g{index + 1}"] = listed[group.index(choices[choice - 1][0])]["id"]
    if _shuffle(q):
        q.notes.append("Moodle shuffles the choices; LevelPath shows them in the order given")
    stem = _with_gaps(q, lambda raw: [(m.start(), m.end()) for m in _SELECT_GAP.finditer(raw)])
    return q.draft("inline_choice", {"stem": stem, "gaps": gaps},
                   {"correct": correct, "method": "partial", "points": q.points()})


def multianswer(q: Question) -> Draft:
    """cloze → gap_fill when every gap is typed, inline_choice when every gap is a choice."""
    raw = text_of(q.element.find("questiontext"))
    try:
        subs = cloze.find_subquestions(raw)
    except cloze.ClozeError as error:
        raise Broken(str(error)) from None
    if not subs:
        raise Broken("the text has no embedded sub-questions such as {1:SHORTANSWER:=answer}")
    problems = [problem for sub in subs for problem in cloze.problems(sub)]
    if problems:
        raise Broken("; ".join(problems))
    for sub in subs:
        if sub.kind == cloze.NUMERICAL:
            raise NotCarried(f"cloze {sub.describe()} is numerical: LevelPath has no numeric-tolerance type")
        if sub.kind == cloze.MULTIRESPONSE:
            raise NotCarried(f"cloze {sub.describe()} takes several answers in one gap; a LevelPath gap takes one")
    kinds = Counter("typed" if sub.kind in {cloze.SHORT, cloze.SHORT_CASE} else "choice" for sub in subs)
    if len(kinds) > 1:
        raise NotCarried(f"cloze mixes {kinds['choice']} choice (MULTICHOICE) and {kinds['typed']} typed "
                         "(SHORTANSWER) sub-questions; LevelPath's gap_fill holds only typed gaps and inline_choice "
                         "only choices, so split it into two items")
    if len({sub.weight for sub in subs}) > 1:
        q.notes.append(f"the gap weights ({', '.join(str(s.weight) for s in subs)}) are not kept: LevelPath "
                       "weighs gaps equally")
    stem = _with_gaps(q, lambda raw: [(sub.start, sub.end) for sub in cloze.find_subquestions(raw)])
    text_format = q.element.find("questiontext")
    fmt = text_format.get("format") if text_format is not None else None
    points = q.points(default=float(sum(sub.weight for sub in subs)))
    if "typed" in kinds:
        rules = {}
        for sub in subs:
            accepted, notes = typed_gap([(plain_text(to_html(a.text, fmt)), a.fraction) for a in sub.answers],
                                        f"cloze {sub.describe()}")
            q.notes.extend(notes)
            rules[f"g{sub.number}"] = {"accepted": accepted, "case_sensitive": sub.kind == cloze.SHORT_CASE}
        return q.draft("gap_fill", {"stem": stem, "gaps": [{"id": f"g{s.number}"} for s in subs]},
                       {"gaps": rules, "method": "partial", "points": points})
    gaps, correct = [], {}
    for sub in subs:
        choices, right, notes = gap_choice([(to_html(a.text, fmt), a.fraction) for a in sub.answers],
                                           f"cloze {sub.describe()}")
        q.notes.extend(notes)
        if sub.code in cloze.RADIO_CODES:
            q.notes.append(f"{sub.describe()} shows radio buttons in Moodle; LevelPath shows a drop-down")
        if sub.code in cloze.SHUFFLED_CODES:
            q.notes.append(f"{sub.describe()} shuffles its choices in Moodle; LevelPath shows them in the order "
                           "given")
        gaps.append({"id": f"g{sub.number}", "options": choices})
        correct[f"g{sub.number}"] = right
    return q.draft("inline_choice", {"stem": stem, "gaps": gaps},
                   {"correct": correct, "method": "partial", "points": points})


def essay(q: Question) -> Draft:
    """essay → essay (or speaking by its lp-type tag); graderinfo is the rubric."""
    response = (q.element.findtext("responseformat") or "editor").strip()
    rubric = q.rich(q.element.find("graderinfo"))
    scoring = {"rubric": rubric, "points": q.points()} if plain_text(rubric) else {"points": q.points()}
    if q.lp_type == "speaking":
        stem, timings = read_speaking_note(q.stem())
        return q.draft("speaking", {"stem": stem, **timings}, scoring)
    if response == "noinline":
        raise NotCarried("Moodle essay with responseformat 'noinline' takes file uploads only; a LevelPath writing "
                         "task takes typed text (a speaking task made in Moodle needs its timings set in LevelPath)")
    content: dict[str, Any] = {"stem": q.stem()}
    for key, element in (("min_words", "minwordlimit"), ("max_words", "maxwordlimit")):
        limit = int(number(q.element.findtext(element) or "0", element))
        if limit > 0:
            content[key] = limit
    if int(number(q.element.findtext("attachments") or "0", "attachments")) != 0:
        q.notes.append("file attachments are not carried: a LevelPath writing task takes typed text")
    if plain_text(q.rich(q.element.find("responsetemplate"))):
        q.notes.append("the response template is not carried")
    return q.draft("essay", content, scoring)


HANDLERS: dict[str, Callable[[Question], Draft]] = {
    "multichoice": multichoice,
    "multichoiceset": lambda q: multichoice(q, all_or_nothing=True),
    "truefalse": truefalse,
    "shortanswer": shortanswer,
    "matching": matching,
    "match": matching,
    "ordering": ordering,
    "gapselect": gapselect,
    "cloze": multianswer,
    "multianswer": multianswer,
    "essay": essay,
}

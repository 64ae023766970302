"""What Moodle XML and GIFT share on LevelPath's side: metadata tags, the LevelPath record, final checks.

Moodle has no place for LevelPath's option ids, classification or a few content fields (speaking
times, answer-length limits). Skill, level and type travel as visible tags (``lp-skill:reading``);
the rest travels in a small JSON record Moodle ignores (an element in XML, a comment in GIFT), and
only when it differs from what the reader would produce anyway. Moodle drops that record when it
re-exports a question, so a question edited in Moodle never comes back with stale LevelPath data.

Readers leave out what LevelPath assumes (1 point, no shuffling...), as stored items do, so an
exported item imported again compares unchanged.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.errors import RuleViolation
from question_bank import item_types
from question_bank.interchange.model import (
    ExportableItem,
    ImportedItem,
    ImportedStimulus,
    MediaFile,
    ReadError,
    strings_in,
    whole_number,
)
from question_bank.item_types.base import IDENTIFIER, gap_markers
from question_bank.models import MAX_EXPECTED_SECONDS, MAX_LANGUAGE, Skill

LP_SKILL, LP_LEVEL, LP_TYPE = "lp-skill:", "lp-level:", "lp-type:"
STIMULUS_CLASS, NOTE_CLASS = "levelpath-stimulus", "levelpath-note"
FALLBACK_RUBRIC = "No grader information came with this question; write the rubric before the item is reviewed."
STRUCTURAL_CONTENT = frozenset({"stem", "options", "gaps", "sources", "targets", "variant"})
STRUCTURAL_SCORING = frozenset({"correct", "accepted", "gaps", "pairs", "order"})
SHUFFLED_TYPES = frozenset({"single_choice", "multiple_response", "matching", "ordering"})
LIST_KEYS = ("options", "sources", "targets", "gaps")
# The record only ever sets plain values (flags, limits, timings, points, the rubric, a gap item's table of
# points per gaps right: Moodle scores each gap on its own).
SCALARS = (str, int, float, bool, type(None))
MAX_RECORD = 64 * 1024
MAX_TAG = 60
_DIV = re.compile(r"<div\b[^>]*>|</div>")
_MARKER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_.-]{0,63})\}\}")


def is_plain(value: Any) -> bool:
    """A value the record may set: a scalar, or a list of numbers."""
    return isinstance(value, SCALARS) or (isinstance(value, list) and all(
        isinstance(number, int | float) and not isinstance(number, bool) for number in value))


class CannotWrite(ValueError):
    """An item the format cannot carry without changing it; the message says why."""


class Broken(ValueError):
    """A question Moodle itself would refuse; it becomes a ReadError."""


class NotCarried(ValueError):
    """A question LevelPath cannot carry; it becomes an Unsupported entry."""


@dataclass(frozen=True, slots=True)
class LevelPathTags:
    """Tags split into the question's own and what LevelPath's ``lp-`` tags say."""

    tags: tuple[str, ...]
    skill: str | None = None
    level: int | None = None
    type: str | None = None
    notes: tuple[str, ...] = ()


@dataclass
class Draft:
    """A question read into LevelPath's model, before the LevelPath record and the type's rules apply."""

    source: str
    type: str
    content: dict[str, Any]
    scoring: dict[str, Any]
    identifier: str | None = None
    title: str = ""
    tags: tuple[str, ...] = ()
    skill: str | None = None
    level: int | None = None
    category: str | None = None
    media: list[MediaFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def levelpath_tags(item: ExportableItem) -> list[str]:
    """The item's own tags followed by the ones a LevelPath reader turns back into skill, level and type."""
    own = [t for t in item.tags if not t.startswith((LP_SKILL, LP_LEVEL, LP_TYPE))]
    extra = [f"{LP_SKILL}{item.skill}"] if item.skill else []
    extra += [f"{LP_LEVEL}{item.level}"] if item.level else []
    return list(dict.fromkeys([*own, *extra, f"{LP_TYPE}{item.type}"]))


def read_levelpath_tags(tags: Iterable[str]) -> LevelPathTags:
    """Split LevelPath's metadata tags from the question's own; a malformed one stays a plain tag, noted."""
    kept: list[str] = []
    notes: list[str] = []
    skill: str | None = None
    level: int | None = None
    lp_type: str | None = None
    for raw in tags:
        tag = " ".join(raw.split())
        value = tag.split(":", 1)[1].strip() if ":" in tag else ""
        if tag.startswith(LP_SKILL) and value in {s.value for s in Skill}:
            skill = value
        elif tag.startswith(LP_LEVEL) and whole_number(value) in range(1, 7):
            level = whole_number(value)
        elif tag.startswith(LP_TYPE) and value in item_types.REGISTRY:
            lp_type = value
        elif not tag:
            continue
        elif len(tag) > MAX_TAG:
            notes.append(f"tag {tag[:20]!r}… left out: LevelPath tags have at most {MAX_TAG} characters")
        else:
            if tag.startswith((LP_SKILL, LP_LEVEL, LP_TYPE)):
                notes.append(f"tag {tag!r} names no LevelPath skill, level (1-6) or item type; kept as a plain tag")
            kept.append(tag)
    return LevelPathTags(tuple(dict.fromkeys(kept)), skill, level, lp_type, tuple(notes))


def encode_record(record: dict[str, Any]) -> str:
    """The record as one line of ASCII JSON, so it fits a GIFT comment as well as an XML element."""
    return json.dumps(record, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def decode_record(text: str | None) -> tuple[dict[str, Any] | None, list[str]]:
    """The LevelPath record of a question, or None with a note when it is unreadable."""
    if text is None or not text.strip():
        return None, []
    if len(text) > MAX_RECORD:
        return None, ["ignored the LevelPath record: it is larger than any LevelPath writes"]
    try:
        record = json.loads(text)
    except ValueError:
        return None, ["ignored the LevelPath record: it is not valid JSON"]
    if not isinstance(record, dict):
        return None, ["ignored the LevelPath record: it is not a JSON object"]
    return record, []


# --- ids: readers number options A, B, C..., gaps g1, g2..., matching sources S1... and targets T1...

def letters(count: int) -> list[str]:
    """Option ids as readers give them (A, B, C...), the ids LevelPath's own editor uses."""
    return [chr(ord("A") + i) if i < 26 else f"O{i + 1}" for i in range(count)]


def numbered(prefix: str, count: int) -> list[str]:
    """Ids such as g1, g2 (gaps) or S1, T1 (matching sources and targets)."""
    return [f"{prefix}{i + 1}" for i in range(count)]


def written_targets(content: dict[str, Any], scoring: dict[str, Any]) -> list[str]:
    """Matching targets in the order writers put them: as sources first use them, then the spare ones."""
    by_source = {source: target for source, target in scoring.get("pairs", [])}
    used = [by_source[s["id"]] for s in content.get("sources", []) if s["id"] in by_source]
    return list(dict.fromkeys([*used, *(t["id"] for t in content.get("targets", []))]))


def _gap_order(content: dict[str, Any]) -> list[str]:
    return gap_markers(content.get("stem", ""))


def id_groups(item_type: str, content: dict[str, Any], scoring: dict[str, Any]) -> list[list[str]]:
    """Every id of an item, in the order Moodle and GIFT files list the things they name."""
    if item_type in {"single_choice", "multiple_response"}:
        return [[o["id"] for o in content.get("options", [])]]
    if item_type == "ordering":
        return [list(scoring.get("order", []))]
    if item_type == "matching":
        return [[s["id"] for s in content.get("sources", [])], written_targets(content, scoring)]
    if item_type == "gap_fill":
        return [_gap_order(content)]
    if item_type == "inline_choice":
        gaps = {g["id"]: g for g in content.get("gaps", [])}
        order = _gap_order(content)
        return [order, *([o["id"] for o in gaps[g].get("options", [])] if g in gaps else [] for g in order)]
    return []


def rename_ids(item_type: str, content: dict[str, Any], scoring: dict[str, Any], old: list[list[str]],
               new: list[list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Content and scoring with every id of ``old`` replaced by the one at the same place in ``new``."""
    content, scoring = copy.deepcopy(content), copy.deepcopy(scoring)
    maps = [dict(zip(a, b, strict=True)) for a, b in zip(old, new, strict=True)]
    if item_type in {"single_choice", "multiple_response", "ordering"}:
        ids = maps[0]
        for option in content.get("options", []):
            option["id"] = ids.get(option["id"], option["id"])
        if isinstance(scoring.get("correct"), list):
            scoring["correct"] = [ids.get(i, i) for i in scoring["correct"]]
        elif "correct" in scoring:
            scoring["correct"] = ids.get(scoring["correct"], scoring["correct"])
        if "order" in scoring:
            scoring["order"] = [ids.get(i, i) for i in scoring["order"]]
    elif item_type == "matching":
        sources, targets = maps
        for key, ids in (("sources", sources), ("targets", targets)):
            for entry in content.get(key, []):
                entry["id"] = ids.get(entry["id"], entry["id"])
        scoring["pairs"] = [[sources.get(s, s), targets.get(t, t)] for s, t in scoring.get("pairs", [])]
    elif item_type in {"gap_fill", "inline_choice"}:
        gaps = maps[0]
        position = {gap_id: index for index, gap_id in enumerate(old[0])}
        content["stem"] = _MARKER.sub(lambda m: "{{" + gaps.get(m.group(1), m.group(1)) + "}}", content["stem"])
        for gap in content.get("gaps", []):
            index = position.get(gap.get("id"))
            options = maps[1 + index] if item_type == "inline_choice" and index is not None else {}
            for option in gap.get("options", []):
                option["id"] = options.get(option["id"], option["id"])
            gap["id"] = gaps.get(gap["id"], gap["id"])
        if item_type == "gap_fill":
            scoring["gaps"] = {gaps.get(k, k): v for k, v in scoring.get("gaps", {}).items()}
        else:
            scoring["correct"] = {gaps.get(k, k): maps[1 + position[k]].get(v, v) if k in position else v
                                  for k, v in scoring.get("correct", {}).items()}
    return content, scoring


def reorder(content: dict[str, Any], orders: dict[str, Any]) -> bool:
    """Put listed entries in the recorded order; False (nothing changed) if the record does not fit."""
    for key, order in orders.items():
        entries = content.get(key)
        if key not in LIST_KEYS or not isinstance(entries, list) or not isinstance(order, list):
            return False
        by_id = {entry.get("id"): entry for entry in entries if isinstance(entry, dict)}
        if sorted(map(str, order)) != sorted(map(str, by_id)) or len(order) != len(entries):
            return False
    for key, order in orders.items():
        by_id = {entry["id"]: entry for entry in content[key]}
        content[key] = [by_id[i] for i in order]
    return True


# --- stems with a shared passage before them or a LevelPath note after them

def wrap_stimulus(body: str, stem: str) -> str:
    """A shared passage put before the stem, so a Moodle question stands on its own."""
    return f'<div class="{STIMULUS_CLASS}">{body}</div>{stem}'


def split_stimulus(stem: str) -> tuple[str | None, str]:
    """(passage, stem) when the stem starts with a LevelPath passage block, else (None, stem)."""
    opening = f'<div class="{STIMULUS_CLASS}">'
    if not stem.startswith(opening):
        return None, stem
    depth = 0
    for match in _DIV.finditer(stem):
        depth += -1 if match.group().startswith("</") else 1
        if depth == 0:
            return stem[len(opening):match.start()], stem[match.end():].strip()
    return None, stem


def speaking_note(stem: str, preparation: int, response: int) -> str:
    """The stem and what a Moodle candidate must do, with the timings a LevelPath reader takes back."""
    return (f'{stem}<div class="{NOTE_CLASS}"><p>Speaking task: record your answer and upload the recording. '
            f"Preparation time: {preparation} seconds. Speaking time: {response} seconds.</p></div>")


def read_speaking_note(stem: str) -> tuple[str, dict[str, int]]:
    """The stem without a trailing speaking note, and the timings the note gives."""
    note = re.search(rf'<div class="{NOTE_CLASS}">((?:(?!<div\b).)*?)</div>\s*$', stem, flags=re.DOTALL)
    if note is None:
        return stem, {}
    timings = {}
    for key, label in (("preparation_seconds", "Preparation time"), ("response_seconds", "Speaking time")):
        if found := re.search(rf"{label}: (\d{{1,5}}) seconds", note.group(1)):
            timings[key] = int(found.group(1))
    return stem[:note.start()].strip(), timings




def _referenced(files: Iterable[MediaFile], html: str) -> tuple[MediaFile, ...]:
    return tuple(f for f in files if f'src="{f.name}"' in html)


# --- turning a draft into an item



def _max_plays(info: dict[str, Any], notes: list[str]) -> int | None:
    value = info.get("max_plays")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        notes.append("ignored the passage's max_plays in the LevelPath record: it is not a whole number above 0")
        return None
    return value


def _language(value: Any, notes: list[str], whose: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_LANGUAGE:
        notes.append(f"ignored {whose} language in the LevelPath record: not a language code")
        return None
    return value


def _expected_seconds(value: Any, notes: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EXPECTED_SECONDS:
        notes.append(f"ignored expected_seconds in the LevelPath record: not a whole number from 1 to "
                     f"{MAX_EXPECTED_SECONDS}")
        return None
    return value

def _apply_record(draft: Draft, record: dict[str, Any], content: dict[str, Any], scoring: dict[str, Any],
                  notes: list[str]) -> tuple[dict[str, Any], dict[str, Any], ImportedStimulus | None]:
    stimulus = None
    info = record.get("stimulus")
    if isinstance(info, dict) and isinstance(info.get("identifier"), str) and isinstance(info.get("title"), str):
        body, stem = split_stimulus(content.get("stem", ""))
        if body is None:
            notes.append("ignored the LevelPath passage record: the passage is no longer at the start of the text")
        else:
            content["stem"] = stem
            stimulus = ImportedStimulus(identifier=info["identifier"], title=info["title"], body=body,
                                        media=_referenced(draft.media, body), max_plays=_max_plays(info, notes),
                                        language=_language(info.get("language"), notes, "the passage's") or "en")
    ids = record.get("ids")
    if ids is not None:
        current = id_groups(draft.type, content, scoring)
        fits = isinstance(ids, list) and all(isinstance(g, list) for g in ids) \
            and [len(g) for g in ids] == [len(g) for g in current] \
            and all(isinstance(i, str) and IDENTIFIER.match(i) and len(set(g)) == len(g) for g in ids for i in g)
        if fits:
            content, scoring = rename_ids(draft.type, content, scoring, current, ids)
        else:
            notes.append("ignored LevelPath's option ids: the question's options changed after it was exported")
    orders = record.get("orders")
    if isinstance(orders, dict) and orders and not reorder(content, orders):
        notes.append("ignored LevelPath's option order: it does not fit the question's options")
    defaults = record.get("defaults")
    if isinstance(defaults, list):
        spell_out(draft.type, content, scoring, (d for d in defaults if isinstance(d, str)))
    kind = item_types.get(draft.type)
    for section, target, structural in (("content", content, STRUCTURAL_CONTENT),
                                        ("scoring", scoring, STRUCTURAL_SCORING)):
        changes = record.get(section)
        if not isinstance(changes, dict):
            continue
        for key, value in changes.items():
            if key in structural:
                notes.append(f"ignored {section}.{key} in the LevelPath record: the question itself says it")
            elif section == "content" and key not in kind.content_keys:
                notes.append(f"ignored {section}.{key} in the LevelPath record: a LevelPath {kind.label} item "
                             "has no such field")
            elif not is_plain(value):
                notes.append(f"ignored {section}.{key} in the LevelPath record: LevelPath writes only plain values")
            elif value is None:
                target.pop(key, None)
            else:
                target[key] = value
    return content, scoring, stimulus


def compact(item_type: str, content: dict[str, Any], scoring: dict[str, Any]) -> None:
    """Leave out what LevelPath assumes anyway (1 point, the type's method, no shuffling, case-insensitive...).

    Stored items are written this way, so an item exported and imported again compares unchanged.
    """
    kind = item_types.get(item_type)
    if scoring.get("points") == 1:
        del scoring["points"]
    if kind.supports_partial_credit and scoring.get("method") == kind.default_method:
        del scoring["method"]
    if item_type in SHUFFLED_TYPES and content.get("shuffle") is False:
        del content["shuffle"]
    if item_type == "true_false_not_given" and content.get("variant") == "true_false_not_given":
        del content["variant"]
    if item_type == "short_answer":
        if scoring.get("case_sensitive") is False:
            del scoring["case_sensitive"]
        for accepted in scoring.get("accepted", []):
            if isinstance(accepted, dict) and accepted.get("fraction") == 1:
                del accepted["fraction"]
    if item_type == "gap_fill":
        for rule in scoring.get("gaps", {}).values():
            if isinstance(rule, dict) and rule.get("case_sensitive") is False:
                del rule["case_sensitive"]


def spell_out(item_type: str, content: dict[str, Any], scoring: dict[str, Any], defaults: Iterable[str]) -> None:
    """Write out the defaults an item spelled out inside its options, gaps or answers (see ``compact``)."""
    for default in defaults:
        if default == "variant" and item_type == "true_false_not_given":
            content.setdefault("variant", "true_false_not_given")
        elif default == "fraction" and item_type == "short_answer":
            for accepted in scoring.get("accepted", []):
                accepted.setdefault("fraction", 1.0)
        elif default == "case_sensitive" and item_type == "gap_fill":
            for rule in scoring.get("gaps", {}).values():
                rule.setdefault("case_sensitive", False)


def finish(draft: Draft, record: dict[str, Any] | None, *, validate: bool = True) -> ImportedItem | ReadError:
    """Apply the LevelPath record, then the item type's rules; a broken result is a ReadError naming them."""
    notes = list(draft.notes)
    content, scoring = copy.deepcopy(draft.content), copy.deepcopy(draft.scoring)
    compact(draft.type, content, scoring)
    stimulus = None
    language, topic, expected_seconds = "en", None, None
    if record:
        content, scoring, stimulus = _apply_record(draft, record, content, scoring, notes)
        language = _language(record.get("language"), notes, "the item's") or "en"
        if isinstance(record.get("topic"), str):
            topic = record["topic"]
        expected_seconds = _expected_seconds(record.get("expected_seconds"), notes)
    if draft.type in {"essay", "speaking"} and not str(scoring.get("rubric") or "").strip():
        scoring["rubric"] = FALLBACK_RUBRIC
        notes.append("no grader information came with the question: its rubric says so and must be written "
                     "before review")
    if validate:
        try:
            item_types.get(draft.type).validate(content, scoring)
        except RuleViolation as error:
            details = "; ".join(f"{name}: {', '.join(messages)}" for name, messages in error.errors.items())
            return ReadError(source=draft.source, reason=f"does not make a valid LevelPath "
                                                         f"{item_types.get(draft.type).label} item: {details}")
    texts = "\n".join(strings_in(content))
    media = [m for m in draft.media if stimulus is None or m not in stimulus.media or f'src="{m.name}"' in texts]
    return ImportedItem(
        source=draft.source, identifier=draft.identifier, type=draft.type, content=content, scoring=scoring,
        title=draft.title, language=language, skill=draft.skill, level=draft.level, topic=topic, tags=draft.tags,
        category=draft.category, expected_seconds=expected_seconds, stimulus=stimulus, media=tuple(media),
        notes=tuple(dict.fromkeys(notes)))

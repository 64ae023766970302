"""The strategy every item type implements, and the checks they share.

An item is split into ``content`` (safe to show a candidate) and ``scoring`` (keys and rules that
never leave the server). ``validate`` checks both, ``check_answer`` checks a candidate's answer
shape, ``score`` turns an answer into points. Everything here is pure: no database, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from core.errors import RuleViolation
from question_bank.markup import sanitise_html

MAX_TEXT_ANSWER = 20_000
FULL_MARKS_TOLERANCE = 1e-9  # points are stored rounded to 6 places
GAP_MARKER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_.-]{0,63})\}\}")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Score:
    """Points for one answer; ``points`` is None while the answer waits for a human rater."""

    points: float | None
    max_points: float

    @property
    def pending(self) -> bool:
        return self.points is None


# What a content key holds. MARKUP: XHTML a browser renders, sanitised before it is stored. PLAIN: an id,
# flag, number or name, never rendered as markup (the type's rules check its form: ids match IDENTIFIER).
MARKUP, PLAIN = "markup", "plain"


@dataclass(frozen=True, slots=True)
class Entries:
    """A list of objects (options, gaps) with these keys."""

    keys: Mapping[str, Spec]

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))


Spec = str | Entries
OPTION = Entries({"id": PLAIN, "text": MARKUP})


def with_stem(**keys: Spec) -> Mapping[str, Spec]:
    """A type's content keys: the stem (markup, as every type has one) and these."""
    return MappingProxyType({"stem": MARKUP, **keys})


def _sanitised(value: Any, spec: Spec) -> Any:
    if spec == MARKUP:
        return sanitise_html(value) if isinstance(value, str) else value  # not a text: the rules name it
    if isinstance(spec, Entries) and isinstance(value, list):
        return [{key: _sanitised(inner, spec.keys[key]) if key in spec.keys else inner
                 for key, inner in entry.items()} if isinstance(entry, dict) else entry for entry in value]
    return value


def _known(value: Any, spec: Spec) -> Any:
    if isinstance(spec, Entries) and isinstance(value, list):
        return [{key: _known(inner, spec.keys[key]) for key, inner in entry.items() if key in spec.keys}
                if isinstance(entry, dict) else entry for entry in value]
    return value


def _check_known(problems: Problems, field: str, value: dict[str, Any], keys: Mapping[str, Spec]) -> None:
    for key, inner in value.items():
        spec = keys.get(key)
        if spec is None:
            problems.add(f"{field}.{key}", f"unknown key; known here: {', '.join(keys)}")
        elif isinstance(spec, Entries) and isinstance(inner, list):
            for index, entry in enumerate(inner):
                if isinstance(entry, dict):
                    _check_known(problems, f"{field}.{key}.{index}", entry, spec.keys)


class Problems:
    """Collects field-level problems so one response can name all of them."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self, summary: str) -> None:
        if self.errors:
            raise RuleViolation(summary, errors=self.errors)


class ItemType(ABC):
    name: ClassVar[str]
    label: ClassVar[str]
    #: Scored by a person against a rubric rather than by a key.
    rater_scored: ClassVar[bool] = False
    #: Answers can earn a fraction of the points (the item's scoring says whether they do).
    supports_partial_credit: ClassVar[bool] = False
    #: How answers are scored when the item's scoring names no method.
    default_method: ClassVar[str] = "all_or_nothing"
    #: Every key this type's content may have, and what it holds; any other key is refused.
    content_keys: ClassVar[Mapping[str, Spec]] = with_stem()

    def sanitise(self, content: Any) -> Any:
        """Content with every text a browser renders as markup sanitised (unknown keys as they are: refused)."""
        if not isinstance(content, dict):
            return content
        return {key: _sanitised(value, self.content_keys[key]) if key in self.content_keys else value
                for key, value in content.items()}

    def known_content(self, content: dict[str, Any]) -> dict[str, Any]:
        """Content without keys this type does not know (an item stored before they were refused)."""
        return {key: _known(value, self.content_keys[key]) for key, value in content.items()
                if key in self.content_keys}

    def validate(self, content: dict[str, Any], scoring: dict[str, Any]) -> None:
        """Raises RuleViolation naming every field that breaks this type's rules."""
        problems = Problems()
        if not isinstance(content, dict) or not isinstance(scoring, dict):
            raise RuleViolation("content and scoring must be objects")
        _check_known(problems, "content", content, self.content_keys)
        check_text(problems, "content.stem", content.get("stem"))
        points = scoring.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, int | float) or not 0 < points <= 100:
            problems.add("scoring.points", "points must be a number above 0 and at most 100")
        method = scoring.get("method")
        if method is not None and method not in self.methods():
            problems.add("scoring.method", f"method must be one of {', '.join(self.methods())}")
        if "table" in scoring and method != "table":
            problems.add("scoring.table", "a table of points is only used with method table")
        self.check(content, scoring, problems)
        problems.raise_if_any(f"the item breaks the rules of a {self.label} item")

    def method_of(self, scoring: dict[str, Any]) -> str:
        return scoring.get("method", self.default_method)

    def methods(self) -> tuple[str, ...]:
        return ("all_or_nothing", "partial") if self.supports_partial_credit else ("all_or_nothing",)

    @abstractmethod
    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        """Add this type's own problems (the stem, points and method are checked already)."""

    @abstractmethod
    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        """Raises RuleViolation when an answer is not of this item's shape."""

    @abstractmethod
    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        """The share of the points an answer earns, 0..1 (partial or not, as the scoring says)."""

    def shuffled_lists(self, content: dict[str, Any]) -> tuple[str, ...]:
        """The content's lists of options that each attempt shows in an order and with ids of its own
        (assessment.presentation): those whose stored order or ids could give the key away. None by default."""
        return ()

    def relabel_answer(self, answer: Any, ids: Mapping[str, Mapping[str, str]]) -> Any:
        """The answer with each id of a shuffled list replaced by ``ids[list][id]``; anything else as it is, so that
        a malformed answer stays malformed for check_answer."""
        return answer

    @staticmethod
    def max_points(scoring: dict[str, Any]) -> float:
        """Full marks: what a wholly right answer earns."""
        return float(scoring.get("points", 1))

    def earns_full_marks(self, scoring: dict[str, Any], points: float) -> bool:
        """Right, for a right-or-wrong (dichotomous IRT) model: an answer earning less than full marks is wrong."""
        return points >= self.max_points(scoring) - FULL_MARKS_TOLERANCE

    def score(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any] | None) -> Score:
        max_points = self.max_points(scoring)
        if self.rater_scored:
            return Score(points=None if answer else 0.0, max_points=max_points)
        if answer is None:
            return Score(points=0.0, max_points=max_points)
        share = self.fraction(content, scoring, answer)
        if self.method_of(scoring) == "all_or_nothing" or not self.supports_partial_credit:
            share = 1.0 if share >= 1.0 - 1e-9 else 0.0
        return Score(points=round(max_points * min(max(share, 0.0), 1.0), 6), max_points=max_points)


# What an id the mapping does not know becomes: no option has it (ids start with a letter or _), so that
# check_answer refuses it; an attempt that shows labels takes no stored id in their place.
NOT_SHOWN = ""


def relabelled(value: Any, ids: Mapping[str, str]) -> Any:
    """An id of a shuffled list relabelled; any other text NOT_SHOWN, any other value as it is."""
    return ids.get(value, NOT_SHOWN) if isinstance(value, str) else value


def relabelled_all(values: Any, ids: Mapping[str, str]) -> Any:
    """A list of ids relabelled; anything but a list as it is."""
    return [relabelled(value, ids) for value in values] if isinstance(values, list) else values


def relabel_key(answer: Any, key: str, relabel: Callable[[Any], Any]) -> Any:
    """The answer with ``relabel`` applied to its ``key``, when it is an object holding one."""
    if not isinstance(answer, dict) or key not in answer:
        return answer
    return {**answer, key: relabel(answer[key])}


def wrong_answer(message: str, field: str = "answer") -> RuleViolation:
    return RuleViolation(message, field=field)


def check_text(problems: Problems, field: str, value: Any, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        problems.add(field, "a non-empty text is required")


def check_options(problems: Problems, field: str, options: Any, *, minimum: int = 2, maximum: int = 26
                  ) -> list[str]:
    """Checks a list of {id, text} and returns the ids that are usable."""
    if not isinstance(options, list) or not minimum <= len(options) <= maximum:
        problems.add(field, f"between {minimum} and {maximum} entries are required")
        return []
    ids: list[str] = []
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            problems.add(f"{field}.{index}", "each entry must be an object with id and text")
            continue
        option_id = option.get("id")
        if not isinstance(option_id, str) or not IDENTIFIER.match(option_id):
            problems.add(f"{field}.{index}.id", "ids are letters, digits, _ . - and start with a letter or _")
        else:
            ids.append(option_id)
        check_text(problems, f"{field}.{index}.text", option.get("text"))
    if len(set(ids)) != len(ids):
        problems.add(field, "ids must be unique")
    return ids


def check_bool(problems: Problems, field: str, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        problems.add(field, "must be true or false")


def check_count(problems: Problems, field: str, value: Any, *, minimum: int = 0) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
        problems.add(field, f"must be a whole number of at least {minimum}")


def option_ids(options: Iterable[dict[str, Any]]) -> list[str]:
    return [option["id"] for option in options]


def gap_markers(text: str) -> list[str]:
    return GAP_MARKER.findall(text or "")


# Phones and word processors type curly quotes; keys are usually written with straight ones.
TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
                             "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def normalise(text: str, *, case_sensitive: bool) -> str:
    """Composed (NFC) text, typographic quotes and dashes made plain, whitespace collapsed.

    Some keyboards (Vietnamese ones among them) type a letter and its accents as separate code points
    (NFD); NFC makes "tiếng" typed either way the same string. Case folding can decompose again.
    """
    collapsed = " ".join(unicodedata.normalize("NFC", text).translate(TYPOGRAPHIC).split())
    return collapsed if case_sensitive else unicodedata.normalize("NFC", collapsed.casefold())


def matches_accepted(given: str, accepted: str, *, case_sensitive: bool) -> bool:
    """Whitespace-insensitive comparison; ``*`` in an accepted answer stands for any text."""
    given_n = normalise(given, case_sensitive=case_sensitive)
    accepted_n = normalise(accepted, case_sensitive=case_sensitive)
    if "*" not in accepted_n:
        return given_n == accepted_n
    pattern = ".*".join(re.escape(part) for part in accepted_n.split("*"))
    return re.fullmatch(pattern, given_n, flags=re.DOTALL) is not None


def require_keys(answer: Any, keys: set[str]) -> dict[str, Any]:
    if not isinstance(answer, dict) or set(answer) != keys:
        raise wrong_answer(f"answer must be an object with exactly: {', '.join(sorted(keys))}")
    return answer


def require_text_answer(value: Any, field: str, *, max_length: int = MAX_TEXT_ANSWER) -> str:
    if not isinstance(value, str):
        raise wrong_answer("must be a text", field)
    if len(value) > max_length:
        raise wrong_answer(f"at most {max_length} characters", field)
    return value

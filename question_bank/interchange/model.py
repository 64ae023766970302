"""What readers produce and writers consume, independent of any file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from collections.abc import Callable, Iterator
from typing import Any, TypeVar


def whole_number(text: str | None) -> int | None:
    """A count or a number of seconds as a file writes it: ASCII digits, spaces around allowed; else None.

    str.isdigit alone also takes digits such as "²", which int() refuses.
    """
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


class EntryStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    UNSUPPORTED = "unsupported"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A file an item or stimulus refers to, read from the source (a package or a folder)."""

    name: str  # the reference as written in the source, e.g. "media/intro.ogg"
    data: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class ImportedStimulus:
    """A shared passage, audio or image text that several items are delivered with."""

    identifier: str
    title: str
    body: str  # sanitised XHTML fragment; media referenced by name
    media: tuple[MediaFile, ...] = ()
    max_plays: int | None = None  # how often a candidate may play its recording (None: no limit)
    language: str = "en"


@dataclass(frozen=True, slots=True)
class ImportedItem:
    """One item read from a source, in LevelPath's item model.

    ``content`` and ``scoring`` follow the item type's rules (question_bank.item_types); the HTML in
    them is already sanitised. ``source`` says where it came from precisely enough for a person to
    find it ("quiz.xml#question 3", "package.zip:items/q1.xml").
    """

    source: str
    identifier: str | None
    type: str
    content: dict[str, Any]
    scoring: dict[str, Any]
    title: str = ""
    language: str = "en"
    skill: str | None = None
    level: int | None = None
    topic: str | None = None
    tags: tuple[str, ...] = ()
    category: str | None = None  # e.g. Moodle's category path "$course$/Grammar/Tenses"
    expected_seconds: int | None = None  # how long a candidate is expected to take (LevelPath's own metadata)
    stimulus: ImportedStimulus | None = None
    media: tuple[MediaFile, ...] = ()
    # Parts of the source the model could carry only approximately (a note, not a failure).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A question the reader found but cannot carry, and exactly why."""

    source: str
    identifier: str | None
    type: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ReadError:
    """A part of the source that could not be read at all (malformed XML, unsafe package...).

    ``refused`` marks hostile or oversized input (entity tricks, zip slip, bombs): an import that
    meets one is refused as a whole and writes nothing.
    """

    source: str
    reason: str
    refused: bool = False


ReadResult = ImportedItem | Unsupported | ReadError


@dataclass(frozen=True, slots=True)
class ExportableItem:
    """A stored item as writers see it: its current version plus metadata."""

    identifier: str
    type: str
    content: dict[str, Any]
    scoring: dict[str, Any]
    title: str = ""
    language: str = "en"
    skill: str | None = None
    level: int | None = None
    topic: str | None = None
    tags: tuple[str, ...] = ()
    category: str | None = None
    expected_seconds: int | None = None
    stimulus: ImportedStimulus | None = None
    media: tuple[MediaFile, ...] = field(default_factory=tuple)


def strings_in(value: Any) -> Iterator[str]:
    """Every text inside a JSON-like value (content and scoring are such values)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from strings_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings_in(inner)


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """A copy of a JSON-like value with every text passed through ``change``."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: map_strings(inner, change) for key, inner in value.items()}
    if isinstance(value, list):
        return [map_strings(inner, change) for inner in value]
    return value


Written = TypeVar("Written")


def write_each(items: list[ExportableItem] | tuple[ExportableItem, ...], write: Callable[[ExportableItem], Written],
               *, category_of: Callable[[ExportableItem], str], refusal: type[Exception], format_name: str
               ) -> tuple[dict[str, list[Written]], list[Unsupported]]:
    """Write every item a format can carry, grouped by category; list the others with the reason."""
    groups: dict[str, list[Written]] = {}
    skipped: list[Unsupported] = []
    for item in items:
        try:
            written = write(item)
        except refusal as error:
            skipped.append(Unsupported(source=item.identifier, identifier=item.identifier, type=item.type,
                                       reason=f"cannot be written as {format_name}: {error}"))
            continue
        groups.setdefault(category_of(item), []).append(written)
    return groups, skipped

"""Exporting stored items (current versions) to QTI 3.0 packages, Moodle XML or GIFT."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from question_bank import item_types
from question_bank.interchange.model import ExportableItem, ImportedStimulus, MediaFile, Unsupported, map_strings
from question_bank.media import MEDIA_URL_PREFIX, MediaStore
from question_bank.models import Item, ItemStatus, MediaObject

FORMATS = ("qti3", "moodle", "gift")
MEDIA_REFERENCE = re.compile(re.escape(MEDIA_URL_PREFIX) + r"([0-9a-f]{64})")
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "audio/ogg": ".ogg",
              "audio/mpeg": ".mp3", "audio/wav": ".wav", "audio/webm": ".webm", "video/webm": ".webm",
              "video/mp4": ".mp4"}


# The name an export gives an item without an identifier of its own: its id and a fingerprint of when it was
# made, so that an import into the same bank knows it again and one into another bank (whose item with that
# id is another item) does not take it for its own.
EXPORTED_ITEM_NAME = re.compile(r"levelpath-item-([1-9][0-9]{0,9})-([0-9a-f]{8})")
MAX_ITEM_ID = 2**31 - 1  # the id column's range: a larger number names no item on any database


def _fingerprint(item: Item) -> str:
    made = f"{item.id}:{item.created_at.astimezone(UTC).isoformat()}"
    return hashlib.sha256(made.encode()).hexdigest()[:8]


def exported_identifier(item: Item) -> str:
    """The name an export gives an item: its own identifier, or one made of its id (an import knows it again)."""
    return item.identifier or f"levelpath-item-{item.id}-{_fingerprint(item)}"


def item_named_by_export(session: Session, identifier: str) -> Item | None:
    """The item of this bank an export named ``identifier`` (``exported_identifier``), if any.

    Only an item without an identifier of its own is known by the made-up name, and only when the name's
    fingerprint is that item's: a name from another LevelPath bank, or an old export's ``levelpath-item-N``,
    names nothing here, so it cannot take over an unrelated item with the same id.
    """
    match = EXPORTED_ITEM_NAME.fullmatch(identifier)
    if match is None or int(match.group(1)) > MAX_ITEM_ID:
        return None
    item = session.get(Item, int(match.group(1)))
    if item is None or item.identifier is not None or _fingerprint(item) != match.group(2):
        return None
    return item


@dataclass
class ExportResult:
    data: bytes
    exported: int
    skipped: list[Unsupported] = field(default_factory=list)


class _MediaCollector:
    """Finds stored media in texts and gives each a file name inside the export."""

    def __init__(self, session: Session, store: MediaStore) -> None:
        self.session, self.store = session, store

    def collect(self, value: Any) -> tuple[Any, tuple[MediaFile, ...]]:
        found: dict[str, MediaFile] = {}

        def rewrite(text: str) -> str:
            def replace(match: re.Match[str]) -> str:
                sha256 = match.group(1)
                stored = self.session.get(MediaObject, sha256)
                if stored is None:
                    return match.group(0)
                name = f"media/{sha256}{EXTENSIONS.get(stored.mime_type, '')}"
                found[name] = MediaFile(name=name, data=self.store.read(sha256), mime_type=stored.mime_type)
                return name

            return MEDIA_REFERENCE.sub(replace, text)

        return map_strings(value, rewrite), tuple(found.values())


def exportable_items(session: Session, store: MediaStore, *, statuses: Iterable[str] | None = None
                     ) -> list[ExportableItem]:
    """Current versions of the items with these statuses (default: all but retired), media attached."""
    wanted = set(statuses) if statuses else {s.value for s in ItemStatus} - {ItemStatus.RETIRED.value}
    items = session.scalars(select(Item).where(Item.status.in_(wanted)).order_by(Item.id).options(
        selectinload(Item.current_version), selectinload(Item.tag_links), selectinload(Item.stimulus)))
    media = _MediaCollector(session, store)
    exported = []
    for item in items:
        version = item.current_version
        assert version is not None
        # Keys the type does not know (a version stored before they were refused) leave no more than delivery.
        content, files = media.collect(item_types.get(item.type).known_content(version.content))
        stimulus = None
        if item.stimulus is not None:
            body, stimulus_files = media.collect(item.stimulus.body)
            stimulus = ImportedStimulus(identifier=item.stimulus.exported_identifier,
                                        title=item.stimulus.title, body=body, media=stimulus_files,
                                        max_plays=item.stimulus.max_plays, language=item.stimulus.language)
        exported.append(ExportableItem(
            identifier=exported_identifier(item), type=item.type, content=content,
            scoring=version.scoring, title=item.title, language=item.language, skill=item.skill, level=item.level,
            topic=item.topic, tags=tuple(item.tags), category=item.category, expected_seconds=item.expected_seconds,
            stimulus=stimulus, media=files))
    return exported


def export_items(items: list[ExportableItem], fmt: str) -> ExportResult:
    """Write items in a format; those the format cannot carry are listed, never written lossily."""
    from question_bank.interchange import gift, moodle, qti

    if fmt == "qti3":
        return ExportResult(data=qti.write_qti3_package(items), exported=len(items))
    if fmt == "moodle":
        data, skipped = moodle.write_moodle_xml_skipping(items)
        return ExportResult(data=data, exported=len(items) - len(skipped), skipped=list(skipped))
    if fmt == "gift":
        text, skipped = gift.write_gift(items)
        return ExportResult(data=text.encode("utf-8"), exported=len(items) - len(skipped), skipped=list(skipped))
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")

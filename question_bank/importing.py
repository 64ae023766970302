"""Importing read results into the bank, item by item, with a report that hides nothing."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import Actor
from core.errors import DomainError, PermissionDenied, RuleViolation
from core.languages import primary_subtag
from question_bank import item_types, services
from question_bank.exporting import item_named_by_export
from question_bank.interchange.model import (
    EntryStatus,
    ImportedItem,
    ImportedStimulus,
    MediaFile,
    ReadError,
    ReadResult,
    Unsupported,
    map_strings,
)
from question_bank.media import MediaStore, check_media, media_url, store_media
from question_bank.models import MAX_TEXT_FIELDS, Item, ItemStatus


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One line of an import report; ``to_dict`` is the contract of ``items import --json``."""

    source: str
    item_id: int | None
    type: str | None
    status: EntryStatus
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "item_id": self.item_id, "type": self.type, "status": str(self.status),
                "reason": self.reason}


class ImportRefused(RuleViolation):
    """The input is hostile or carries refused media: the whole import is refused, nothing written."""

    slug, title = "import-refused", "Import refused"


@dataclass(frozen=True, slots=True)
class ImportDefaults:
    """Classification for items whose source does not say (Moodle and GIFT rarely do)."""

    skill: str | None = None
    level: int | None = None


class _MediaRewriter:
    """Stores (or, in a dry run, only checks) media and maps source names to LevelPath URLs."""

    def __init__(self, session: Session, store: MediaStore | None, actor: Actor) -> None:
        self.session, self.store, self.actor = session, store, actor

    def urls_for(self, files: Iterable[MediaFile]) -> dict[str, str]:
        urls = {}
        for media in files:
            try:
                urls[media.name] = media_url(self._stored_hash(media))
            except RuleViolation as error:
                raise ImportRefused(f"refused media file {error.detail}", field="file") from None
        return urls

    def _stored_hash(self, media: MediaFile) -> str:
        if self.store is None:
            check_media(media.data, declared_type=media.mime_type, name=media.name)
            return hashlib.sha256(media.data).hexdigest()
        return store_media(self.session, self.store, actor=self.actor, data=media.data, name=media.name,
                           declared_type=media.mime_type).sha256


def _rewrite(value: Any, urls: dict[str, str]) -> Any:
    """Replace media references (src="name") in every text of content with stored URLs."""
    if not urls:
        return value

    def replace(text: str) -> str:
        for name, url in urls.items():
            text = text.replace(f'src="{name}"', f'src="{url}"').replace(f"src='{name}'", f"src='{url}'")
        return text

    return map_strings(value, replace)


def _language_code(tag: str | None) -> str:
    """The bank stores and searches language codes only: a regional tag's primary subtag, English without one.
    What is left is checked by services like any language."""
    return primary_subtag(tag) or "en"


def _stimulus_id(session: Session, actor: Actor, stimulus: ImportedStimulus | None,
                 media: _MediaRewriter) -> int | None:
    if stimulus is None:
        return None
    urls = media.urls_for(stimulus.media)
    kind = "audio" if "<audio" in stimulus.body else "passage"
    return services.create_stimulus(session, actor=actor, title=stimulus.title[:200], kind=kind,
                                    body=_rewrite(stimulus.body, urls), identifier=stimulus.identifier,
                                    language=_language_code(stimulus.language), max_plays=stimulus.max_plays).id


def _last_part(path: str | None, width: int) -> str | None:
    """A category path that fits: its deepest part, the most telling, after an ellipsis."""
    return path if path is None or len(path) <= width else "…" + path[len(path) - width + 1:]


def _describe(error: DomainError) -> str:
    errors = getattr(error, "errors", None)
    if not errors:
        return error.detail
    fields = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in errors.items())
    return fields if list(errors.values()) == [[error.detail]] else f"{error.detail}: {fields}"  # said once


def _import_one(session: Session, actor: Actor, imported: ImportedItem, defaults: ImportDefaults,
                media: _MediaRewriter) -> ReportEntry:
    def entry(status: EntryStatus, reason: str, item_id: int | None = None) -> ReportEntry:
        return ReportEntry(imported.source, item_id, imported.type, status, reason)

    notes = "; ".join(imported.notes)
    urls = media.urls_for(imported.media)
    content, scoring = _rewrite(imported.content, urls), imported.scoring
    item_types.get(imported.type).validate(content, scoring)
    stimulus_id = _stimulus_id(session, actor, imported.stimulus, media)
    metadata = {
        "skill": imported.skill or defaults.skill, "level": imported.level or defaults.level,
        "language": _language_code(imported.language), "title": imported.title[:MAX_TEXT_FIELDS["title"]],
        "topic": imported.topic, "tags": tuple(imported.tags), "source": imported.source[:MAX_TEXT_FIELDS["source"]],
        "stimulus_id": stimulus_id, "expected_seconds": imported.expected_seconds,
    }
    existing = _existing_item(session, imported.identifier)
    if existing is None:
        item = services.create_item(session, author=actor, draft=services.ItemDraft(
            type=imported.type, content=content, scoring=scoring, identifier=imported.identifier,
            category=_last_part(imported.category, MAX_TEXT_FIELDS["category"]), **metadata))
        return entry(EntryStatus.CREATED, notes, item.id)
    if existing.type != imported.type:
        return entry(EntryStatus.ERROR, f"identifier {imported.identifier!r} belongs to item {existing.id}, "
                                        f"a {existing.type} item; it cannot become {imported.type}", existing.id)
    if existing.status in (ItemStatus.IN_REVIEW, ItemStatus.RETIRED):
        return entry(EntryStatus.ERROR, f"item {existing.id} is {existing.status} and cannot be updated by an "
                                        "import", existing.id)
    if not existing.title and imported.title == imported.identifier:
        metadata["title"] = ""  # the name the writers give an untitled item (QTI needs a title, Moodle a name)
    before = _details(existing)
    version_before = existing.current_version_id
    changes = services.ItemChanges(content=content, scoring=scoring,
                                   **{k: v for k, v in metadata.items() if v is not None and k != "source"},
                                   comment=f"import from {imported.source}")
    item = services.update_item(session, actor=actor, item_id=existing.id, if_match=existing.etag, changes=changes)
    assert item.current_version is not None
    # A new version: content, scoring, passage, skill or level changed (back in draft if it was approved).
    # The details below are the item's own, changed without one.
    changed = [name for name, value in _details(item).items() if value != before[name]]
    said = [f"new version {item.current_version.number}"] if item.current_version_id != version_before else []
    said += [f"{', '.join(changed)} changed"] if changed else []
    if not said:
        return entry(EntryStatus.UNCHANGED, notes or "same content as the stored version", item.id)
    return entry(EntryStatus.UPDATED, "; ".join(said + ([notes] if notes else [])), item.id)


def _existing_item(session: Session, identifier: str | None) -> Item | None:
    """The item an import updates: the one with that identifier, else the one a LevelPath export of this bank
    named so (``exporting.item_named_by_export``)."""
    if not identifier:
        return None
    return session.scalar(select(Item).where(Item.identifier == identifier)) \
        or item_named_by_export(session, identifier)


def _details(item: Item) -> dict[str, Any]:
    """What an import may change on an item without making a new version."""
    return {"title": item.title, "language": item.language, "topic": item.topic, "tags": sorted(item.tags),
            "expected time": item.expected_seconds}


def import_results(session: Session, *, actor: Actor, results: Iterable[ReadResult], store: MediaStore | None,
                   defaults: ImportDefaults = ImportDefaults()) -> list[ReportEntry]:
    """Import what the readers found; one report entry per item, question or unreadable source.

    Raises ImportRefused for hostile input or refused media: the caller must then roll back.

    ``store=None`` is a dry run's media check: nothing is written to the media store. Each item is
    imported inside its own savepoint, so a refused item leaves nothing behind; the caller commits
    (or, for a dry run, rolls back) the whole import at once. A dry run reports no item ids: the items
    it made are rolled back, and their ids go to the next items anyone creates.
    """
    media = _MediaRewriter(session, store, actor)
    report: list[ReportEntry] = []
    first_with: dict[str, str] = {}  # identifier -> the source of the first question in this import that has it
    for result in results:
        if isinstance(result, Unsupported):
            report.append(ReportEntry(result.source, None, result.type, EntryStatus.UNSUPPORTED, result.reason))
        elif isinstance(result, ReadError):
            if result.refused:
                raise ImportRefused(_naming_source_once(result.source, result.reason), field="file")
            report.append(ReportEntry(result.source, None, None, EntryStatus.ERROR,
                                      _without_source(result.source, result.reason)))
        elif result.identifier and result.identifier in first_with:
            report.append(ReportEntry(result.source, None, result.type, EntryStatus.ERROR,
                                      f"identifier {result.identifier!r} is also that of "
                                      f"{first_with[result.identifier]}, earlier in this import; give each "
                                      "question its own identifier (Moodle: ID number) to import both"))
        else:
            if result.identifier:
                first_with[result.identifier] = result.source
            try:
                with session.begin_nested():
                    report.append(_import_one(session, actor, result, defaults, media))
            except ImportRefused:
                raise
            except DomainError as error:
                report.append(ReportEntry(result.source, None, result.type, EntryStatus.ERROR, _describe(error)))
    if store is None:
        return [replace(entry, item_id=None) for entry in report]
    return report


def _naming_source_once(source: str, reason: str) -> str:
    """"source: reason" for a refusal, unless the reason begins with its source already, as the messages of
    interchange.safety do (they also name a file inside a package or an included file, which says more)."""
    return reason if reason.startswith((f"{source}:", f"{source} (")) else f"{source}: {reason}"


def _without_source(source: str, reason: str) -> str:
    """A report line's reason without a leading "source: ": the line names its source already."""
    return reason.removeprefix(f"{source}: ")


def summarise(report: list[ReportEntry]) -> dict[str, int]:
    counts = {str(status): 0 for status in EntryStatus}
    for entry in report:
        counts[str(entry.status)] += 1
    return counts




def import_upload(session: Session, *, actor: Actor, data: bytes, filename: str, store: MediaStore,
                  dry_run: bool, defaults: ImportDefaults) -> list[ReportEntry]:
    """Import one uploaded file or package. Raises ImportRefused (nothing written) for hostile input."""
    from question_bank.interchange.sources import read_path
    from question_bank.policies import can_author_items

    if not can_author_items(actor):
        raise PermissionDenied("only authors can import items")
    # The client's file name is only a label: it names the file in reports, and the file is saved under a name
    # of ours (the client's may be too long for the file system or hold a NUL, which no database text can).
    label = Path(filename).name.replace("\x00", "\N{REPLACEMENT CHARACTER}") or "upload"
    suffix = Path(label).suffix.lower()
    if suffix not in {".zip", ".xml", ".gift", ".txt"}:
        raise RuleViolation("upload a .zip package, a .xml file (QTI or Moodle) or a .gift/.txt file", field="file")
    with tempfile.TemporaryDirectory(prefix="levelpath-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        return import_results(session, actor=actor, results=read_path(path, label=label),
                              store=None if dry_run else store,
                              defaults=defaults)

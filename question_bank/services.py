"""Item bank services: items and their versions, and stimuli (review and enemies have modules of their own)."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts import Actor
from core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
    RuleViolation,
)
from core.languages import LANGUAGE_CODE
from question_bank import item_types, policies
from question_bank.markup import plain_text, sanitise_html
from question_bank.models import (
    MAX_EXPECTED_SECONDS,
    MAX_IDENTIFIER,
    MAX_PLAYS,
    MAX_TEXT_FIELDS,
    Item,
    ItemStatus,
    ItemVersion,
    Skill,
    Stimulus,
    normal_tag,
)

LEVELS = range(1, 7)
MAX_TAGS = 30


@dataclass(frozen=True, slots=True)
class ItemDraft:
    type: str
    content: dict[str, Any]
    scoring: dict[str, Any]
    skill: str | None = None
    level: int | None = None
    language: str = "en"
    title: str = ""
    topic: str | None = None
    tags: tuple[str, ...] = ()
    category: str | None = None
    source: str = ""
    expected_seconds: int | None = None
    stimulus_id: int | None = None
    identifier: str | None = None


@dataclass(frozen=True, slots=True)
class ItemChanges:
    """A partial update: fields left as None are kept. Content, scoring, stimulus, skill or level changes make a
    new version; ``remove_stimulus`` takes the passage or recording off the item (None cannot say so)."""

    content: dict[str, Any] | None = None
    scoring: dict[str, Any] | None = None
    skill: str | None = None
    level: int | None = None
    language: str | None = None
    title: str | None = None
    topic: str | None = None
    tags: tuple[str, ...] | None = None
    source: str | None = None
    expected_seconds: int | None = None
    stimulus_id: int | None = None
    remove_stimulus: bool = False
    comment: str = field(default="")


METADATA_FIELDS = ("skill", "level", "language", "title", "topic", "tags", "source", "expected_seconds",
                   "stimulus_id")


def _sanitise_content(type_name: str, content: Any) -> Any:
    """Sanitise every text a browser will render as HTML: each key the item type declares as markup (stems,
    options, gap choices, matching sources and targets). Keys the type does not know are left for its
    ``validate`` to refuse, naming them. Raises RuleViolation for an unknown type."""
    return item_types.get(type_name).sanitise(content)


def searchable_text(content: dict[str, Any], title: str = "") -> str:
    """Lower-cased plain text (NFC, as queries are) of everything a person might search an item for."""
    parts = [title]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in {"stem", "text"} and isinstance(item, str):
                    parts.append(plain_text(item))
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(content)
    return unicodedata.normalize("NFC", " ".join(" ".join(parts).split()).casefold())


PREVIEW_LENGTH = 160


def preview_of(content: dict[str, Any]) -> str:
    text = plain_text(content.get("stem", "")) if isinstance(content.get("stem"), str) else ""
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1].rstrip() + "…"


def _check_names(identifier: Any, language: Any, whose: str) -> None:
    """An identifier that fits its column and a language code as the API takes it. Raises RuleViolation."""
    if identifier is not None and (not isinstance(identifier, str) or not 0 < len(identifier) <= MAX_IDENTIFIER):
        raise RuleViolation(f"{whose}identifier must be 1 to {MAX_IDENTIFIER} characters", field="identifier")
    if identifier is not None and (identifier != identifier.strip() or not identifier.isprintable()):
        # "item 1 " and "item 1" look alike in every list, and a blank one names nothing
        raise RuleViolation(f"{whose}identifier must not start or end with a space, nor hold a line break or "
                            "another control character", field="identifier")
    if language is not None and (not isinstance(language, str) or not LANGUAGE_CODE.fullmatch(language)):
        raise RuleViolation(f"{whose}language must be a lower-case ISO 639 language code such as en or vi",
                            field="language")


def _check_metadata(session: Session, values: dict[str, Any]) -> None:
    skill, level = values.get("skill"), values.get("level")
    if skill is not None and skill not in set(Skill):
        raise RuleViolation(f"unknown skill {skill!r}", field="skill")
    if level is not None and level not in LEVELS:
        raise RuleViolation("level must be between 1 and 6", field="level")
    _check_names(values.get("identifier"), values.get("language"), "")
    seconds = values.get("expected_seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int)
                                or not 1 <= seconds <= MAX_EXPECTED_SECONDS):
        raise RuleViolation(f"expected_seconds must be a whole number from 1 to {MAX_EXPECTED_SECONDS}",
                            field="expected_seconds")
    for name, width in MAX_TEXT_FIELDS.items():
        text = values.get(name)
        if text is not None and (not isinstance(text, str) or len(text) > width):
            raise RuleViolation(f"{name} must be a text of at most {width} characters", field=name)
    tags = values.get("tags") or ()
    if len(tags) > MAX_TAGS or any(not isinstance(t, str) or not t.strip() or len(normal_tag(t)) > 60 for t in tags):
        raise RuleViolation(f"at most {MAX_TAGS} tags of 1-60 characters", field="tags")
    stimulus_id = values.get("stimulus_id")
    if stimulus_id is not None and session.get(Stimulus, stimulus_id) is None:
        raise RuleViolation(f"stimulus {stimulus_id} does not exist", field="stimulus_id")


def create_item(session: Session, *, author: Actor, draft: ItemDraft) -> Item:
    """Create a draft item with its first version. Raises PermissionDenied, RuleViolation or Conflict."""
    if not policies.can_author_items(author):
        raise PermissionDenied("only authors can create items")
    values = {f.name: getattr(draft, f.name) for f in fields(draft)}
    _check_metadata(session, values)
    content = _sanitise_content(draft.type, draft.content)
    item_types.get(draft.type).validate(content, draft.scoring)
    if draft.identifier and session.scalar(select(Item.id).where(Item.identifier == draft.identifier)):
        raise Conflict(f"an item with identifier {draft.identifier!r} exists already", field="identifier")
    item = Item(**{k: v for k, v in values.items() if k not in {"content", "scoring", "tags"}},
                author_id=author.id, status=ItemStatus.DRAFT, revision=1,
                search_text=searchable_text(content, draft.title), preview=preview_of(content))
    session.add(item)
    item.tags = list(draft.tags)
    session.flush()
    version = ItemVersion(item_id=item.id, number=1, content=content, scoring=draft.scoring,
                          stimulus_id=draft.stimulus_id, skill=draft.skill, level=draft.level, created_by=author.id)
    session.add(version)
    session.flush()
    item.current_version = version
    audit.record(session, actor=author, action="item.created", entity_type="item", entity_id=item.id,
                 type=item.type, version=1)
    session.flush()
    return item


def get_item(session: Session, item_id: int, *, for_update: bool = False) -> Item:
    """Raises NotFound when there is no such item. ``for_update`` locks its row (PostgreSQL) until the transaction
    ends, so that a write checked against its ETag or status cannot pass beside another one checked alike."""
    item = session.get(Item, item_id, with_for_update=for_update or None, populate_existing=for_update)
    if item is None:
        raise NotFound(f"item {item_id} does not exist", field="item_id")
    return item


def get_item_for(session: Session, *, actor: Actor, item_id: int) -> Item:
    """An item for someone allowed to read the bank. Raises PermissionDenied or NotFound."""
    if not policies.can_read_bank(actor):
        raise PermissionDenied("the item bank is for examiners and test administrators")
    return get_item(session, item_id)


def require_current(item: Item, if_match: str | None) -> None:
    """Raises PreconditionRequired without an If-Match, PreconditionFailed unless it is the item's ETag."""
    if if_match is None:
        raise PreconditionRequired("send If-Match with the item's ETag, so concurrent edits cannot be lost",
                                   field="If-Match")
    if if_match.strip() not in (item.etag, "W/" + item.etag):
        raise PreconditionFailed("the item has changed since you read it; reload it and apply your edit again",
                                 field="If-Match", current_etag=item.etag)


def update_item(session: Session, *, actor: Actor, item_id: int, if_match: str | None,
                changes: ItemChanges) -> Item:
    """Apply an edit guarded by the item's ETag; content or classification changes add an immutable version.
    An edit that changes nothing (the values the item has, or none) leaves the item, its revision and the audit
    log as they are.

    Raises PreconditionFailed for a stale ETag, Conflict for a retired item or one in review,
    PermissionDenied for non-authors, RuleViolation for content the type refuses.
    """
    item = get_item(session, item_id, for_update=True)
    if not policies.can_edit_item(actor, item):
        raise PermissionDenied("only authors can edit items")
    require_current(item, if_match)
    if item.status in (ItemStatus.RETIRED, ItemStatus.IN_REVIEW):
        raise Conflict(f"an item that is {item.status} cannot be edited", status_now=item.status)
    metadata = {name: getattr(changes, name) for name in METADATA_FIELDS if getattr(changes, name) is not None}
    if changes.remove_stimulus:
        if changes.stimulus_id is not None:
            raise RuleViolation("give the item a stimulus or remove it, not both", field="stimulus_id")
        metadata["stimulus_id"] = None
    _check_metadata(session, metadata)
    if "tags" in metadata:  # compared and stored as the item keeps them: trimmed, composed, once each, sorted
        metadata["tags"] = sorted({normal_tag(tag) for tag in metadata["tags"]})
    changed_metadata = {name: [getattr(item, name), value] for name, value in metadata.items()
                        if getattr(item, name) != value}
    current = item.current_version
    assert current is not None
    item_type = item_types.get(item.type)
    # What candidates and exports get of the current content: a version stored before unknown keys were
    # refused may hold some. Content left as it is carries over without them into a new version (the old
    # version keeps them in the history); they alone do not make one.
    kept_content = item_type.known_content(current.content)
    new_content = _sanitise_content(item.type, changes.content) if changes.content is not None else kept_content
    new_scoring = changes.scoring if changes.scoring is not None else current.scoring
    # The passage is part of what a candidate reads: changing it is changing the content.
    new_stimulus = metadata.get("stimulus_id", current.stimulus_id)
    content_changed = (new_content, new_scoring, new_stimulus) != (kept_content, current.scoring,
                                                                    current.stimulus_id)
    # So is the classification: tests deliver, score and pool a version under its skill and level.
    new_skill = changes.skill if changes.skill is not None else current.skill
    new_level = changes.level if changes.level is not None else current.level
    reclassified = (new_skill, new_level) != (current.skill, current.level)
    if content_changed:
        item_type.validate(new_content, new_scoring)
    if not (content_changed or reclassified or changed_metadata):
        return item  # nothing changes: the ETag others hold stays good, and there is nothing to audit
    if content_changed or reclassified:
        version = ItemVersion(item_id=item.id, number=current.number + 1, content=new_content, scoring=new_scoring,
                              stimulus_id=new_stimulus, skill=new_skill, level=new_level, created_by=actor.id)
        session.add(version)
        session.flush()
        item.current_version = version
        dropped_keys = [f"content.{change['path']}" for change in diff_values(current.content, kept_content)]
        if item.status == ItemStatus.APPROVED:
            item.status = ItemStatus.DRAFT  # changed content or classification needs a fresh review
    else:
        dropped_keys = []
    for name, (_before, value) in changed_metadata.items():
        setattr(item, name, value)
    item.search_text = searchable_text(new_content, item.title)
    item.preview = preview_of(new_content)
    item.revision += 1
    audit.record(session, actor=actor, action="item.updated", entity_type="item", entity_id=item.id,
                 version=item.current_version.number if item.current_version else None,
                 content_changed=content_changed, reclassified=reclassified,
                 **({"unknown_content_keys_dropped": dropped_keys} if dropped_keys else {}),
                 metadata=changed_metadata,
                 comment=changes.comment)
    session.flush()
    return item


def list_versions(session: Session, *, actor: Actor, item_id: int) -> list[ItemVersion]:
    item = get_item_for(session, actor=actor, item_id=item_id)
    return list(session.scalars(select(ItemVersion).where(ItemVersion.item_id == item.id)
                                .order_by(ItemVersion.number)))


def get_version(session: Session, *, actor: Actor, item_id: int, number: int) -> ItemVersion:
    """Raises NotFound for a version the item does not have."""
    item = get_item_for(session, actor=actor, item_id=item_id)
    version = session.scalar(select(ItemVersion).where(ItemVersion.item_id == item.id,
                                                       ItemVersion.number == number))
    if version is None:
        raise NotFound(f"item {item_id} has no version {number}", field="number")
    return version


def diff_values(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """The changed leaves between two JSON values, as {path, before, after}."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in sorted(set(before) | set(after), key=str):
            changes.extend(diff_values(before.get(key), after.get(key), f"{path}.{key}" if path else str(key)))
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        changes = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            changes.extend(diff_values(old, new, f"{path}.{index}"))
        return changes
    return [] if before == after else [{"path": path, "before": before, "after": after}]


def diff_versions(session: Session, *, actor: Actor, item_id: int, from_number: int, to_number: int
                  ) -> list[dict[str, Any]]:
    """What changed between two versions of an item, leaf by leaf (classification and passage included)."""
    old = get_version(session, actor=actor, item_id=item_id, number=from_number)
    new = get_version(session, actor=actor, item_id=item_id, number=to_number)
    return diff_values(_diffed_fields(old), _diffed_fields(new))


def _diffed_fields(version: ItemVersion) -> dict[str, Any]:
    """Everything a version pins: what it shows, how it is scored, what it is classified as, its passage."""
    return {"content": version.content, "scoring": version.scoring, "skill": version.skill, "level": version.level,
            "stimulus_id": version.stimulus_id}


def create_stimulus(session: Session, *, actor: Actor, title: str, body: str, kind: str = "passage",
                    language: str = "en", identifier: str | None = None, max_plays: int | None = None) -> Stimulus:
    """Store a shared passage or recording; an identical one already stored is reused, also when it comes back
    from an export under the name the export gave it (``Stimulus.exported_identifier``)."""
    if not policies.can_author_items(actor):
        raise PermissionDenied("only authors can add stimuli")
    if kind not in {"passage", "audio", "image"}:
        raise RuleViolation("kind must be passage, audio or image", field="kind")
    _check_names(identifier, language, "a stimulus's ")
    if max_plays is not None and (type(max_plays) is not int or not 1 <= max_plays <= MAX_PLAYS):
        raise RuleViolation(f"a recording may allow 1 to {MAX_PLAYS} plays, or no limit", field="max_plays")
    clean = sanitise_html(body)
    if not clean:
        raise RuleViolation("a stimulus needs a body", field="body")
    digest = hashlib.sha256("\x00".join([kind, title, clean, language, str(max_plays)]).encode()).hexdigest()
    same = session.scalars(select(Stimulus).where(Stimulus.content_hash == digest).order_by(Stimulus.id))
    existing = next((stored for stored in same if stored.identifier == identifier
                     or (stored.identifier is None and stored.exported_identifier == identifier)), None)
    if existing is not None:
        return existing
    stimulus = Stimulus(identifier=identifier, kind=kind, title=title, body=clean, language=language,
                        max_plays=max_plays, content_hash=digest, created_by=actor.id)
    session.add(stimulus)
    session.flush()
    audit.record(session, actor=actor, action="stimulus.created", entity_type="stimulus", entity_id=stimulus.id)
    return stimulus


def get_stimulus(session: Session, stimulus_id: int) -> Stimulus:
    """Raises NotFound for an unknown stimulus."""
    stimulus = session.get(Stimulus, stimulus_id)
    if stimulus is None:
        raise NotFound(f"stimulus {stimulus_id} does not exist", field="stimulus_id")
    return stimulus

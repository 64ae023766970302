"""Items, their immutable versions, and the review trail."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import Base, JsonType, UtcDateTime
from core.errors import Conflict, RuleViolation


class ItemStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"


class Skill(StrEnum):
    LISTENING = "listening"
    READING = "reading"
    WRITING = "writing"
    SPEAKING = "speaking"
    GRAMMAR = "grammar"
    VOCABULARY = "vocabulary"


# What an item's language and expected time may hold (checked on every write and on import).
MAX_LANGUAGE = 8  # the column's width: "vi", "en-GB"
# The widths of an item's free-text descriptions (checked on every write; an import cuts title and source to fit).
MAX_TEXT_FIELDS = {"title": 200, "topic": 80, "category": 255, "source": 255}
MAX_IDENTIFIER = 120  # the width of an item's or a stimulus's identifier (an interchange file's name for it)
MAX_EXPECTED_SECONDS = 7200  # two hours: the longest task of any test
MAX_PLAYS = 10  # the most plays a stimulus's recording may allow (a limit, not a count kept)


def normal_tag(tag: str) -> str:
    """A tag as stored and looked for: trimmed, and composed (NFC), as some keyboards type accents apart (NFD)."""
    return unicodedata.normalize("NFC", tag.strip())


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        # The filters examiners combine most; the id makes page order and counts index-only.
        Index("ix_items_status_skill_level", "status", "skill", "level", "id"),
        Index("ix_items_skill_level", "skill", "level", "id"),
        Index("ix_items_level_id", "level", "id"),
        Index("ix_items_type_status_skill", "type", "status", "skill", "id"),
        Index("ix_items_topic_updated_at", "topic", "updated_at", "id"),  # a topic's newest items
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # An identifier from outside (QTI identifier, Moodle idnumber), so a re-import updates, not duplicates.
    identifier: Mapped[str | None] = mapped_column(String(MAX_IDENTIFIER), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(MAX_TEXT_FIELDS["title"]), default="")
    language: Mapped[str] = mapped_column(String(8), default="en", index=True)
    # Imported items may arrive unclassified; approval needs both. The current version's (each version pins
    # its own: ItemVersion.skill and level), here too for search and listing.
    skill: Mapped[str | None] = mapped_column(String(20), index=True)
    level: Mapped[int | None] = mapped_column(Integer, index=True)
    topic: Mapped[str | None] = mapped_column(String(MAX_TEXT_FIELDS["topic"]))
    category: Mapped[str | None] = mapped_column(String(MAX_TEXT_FIELDS["category"]))
    source: Mapped[str] = mapped_column(String(MAX_TEXT_FIELDS["source"]), default="")
    expected_seconds: Mapped[int | None] = mapped_column(Integer)
    # The current version's stimulus, here too for filtering and for grouping a test's item sets.
    stimulus_id: Mapped[int | None] = mapped_column(ForeignKey("stimuli.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.DRAFT, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_versions.id", use_alter=True, ondelete="SET NULL")
    )
    # Bumped on every change (content, metadata, status): the ETag that guards concurrent edits.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Lower-cased plain text of the current version (stem, options, passage title) for text search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The start of the stem as plain text, so that search results need not load versions.
    preview: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, onupdate=clock.now, index=True)

    current_version: Mapped[ItemVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)
    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", foreign_keys="ItemVersion.item_id", order_by="ItemVersion.number"
    )

    stimulus: Mapped[Stimulus | None] = relationship()
    tag_links: Mapped[list[ItemTag]] = relationship(cascade="all, delete-orphan", order_by="ItemTag.tag")

    @property
    def tags(self) -> list[str]:
        return [link.tag for link in self.tag_links]

    @tags.setter
    def tags(self, values: list[str] | tuple[str, ...]) -> None:
        wanted = sorted({normal_tag(value) for value in values if value.strip()})
        kept = [link for link in self.tag_links if link.tag in wanted]
        present = {link.tag for link in kept}
        self.tag_links = sorted(kept + [ItemTag(tag=tag) for tag in wanted if tag not in present],
                                key=lambda link: link.tag)

    @property
    def etag(self) -> str:
        return f'"{self.id}-{self.revision}"'

    def _move(self, to: ItemStatus, *, allowed_from: set[ItemStatus], action: str) -> None:
        if self.status not in allowed_from:
            raise Conflict(f"cannot {action} an item that is {self.status}", status_now=self.status)
        self.status = to
        self.revision += 1

    def submit_for_review(self) -> None:
        self._move(ItemStatus.IN_REVIEW, allowed_from={ItemStatus.DRAFT}, action="submit")

    def approve(self) -> None:
        # What is approved is the current version, under the classification it pins (the item's is the same).
        version = self.current_version
        missing = next((name for name in ("skill", "level") if getattr(self, name) is None
                        or (version is not None and getattr(version, name) is None)), None)
        if missing is not None:
            raise RuleViolation("classify the item (skill and level) before approving it", field=missing)
        self._move(ItemStatus.APPROVED, allowed_from={ItemStatus.IN_REVIEW}, action="approve")

    def return_to_draft(self) -> None:
        self._move(ItemStatus.DRAFT, allowed_from={ItemStatus.IN_REVIEW}, action="reject")

    def retire(self) -> None:
        self._move(ItemStatus.RETIRED, allowed_from={ItemStatus.APPROVED, ItemStatus.DRAFT, ItemStatus.IN_REVIEW},
                   action="retire")


class ItemVersion(Base):
    """An immutable snapshot of an item's content; attempts point at the exact version delivered."""

    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # What a candidate may see (stem, options) ...
    content: Mapped[dict[str, Any]] = mapped_column(JsonType)
    # ... and what they must never see (keys, scoring rules), kept in its own column.
    scoring: Mapped[dict[str, Any]] = mapped_column(JsonType)
    # The passage or recording delivered with this version; a different one makes a new version.
    stimulus_id: Mapped[int | None] = mapped_column(ForeignKey("stimuli.id", ondelete="RESTRICT"), index=True)
    # The classification this version was reviewed and delivered under; a different one makes a new version
    # (the item's skill and level are its current version's, kept there for search and listing).
    skill: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    item: Mapped[Item] = relationship(back_populates="versions", foreign_keys=[item_id])
    stimulus: Mapped[Stimulus | None] = relationship()
    statistics: Mapped[ItemStatistics | None] = relationship(viewonly=True)


class ItemReview(Base):
    """One step of the review trail: submissions, decisions and their comments."""

    __tablename__ = "item_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class Stimulus(Base):
    """A passage, recording or picture that several items are delivered with (an item set).

    Immutable once used: a changed passage is a new stimulus, so delivered versions never change.
    """

    __tablename__ = "stimuli"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str | None] = mapped_column(String(MAX_IDENTIFIER), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="passage")  # passage, audio, image
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # sanitised XHTML; media as /api/v1/media/<hash>
    language: Mapped[str] = mapped_column(String(8), default="en")
    # How often a candidate may play the stimulus's audio (None: no limit).
    max_plays: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    @property
    def exported_identifier(self) -> str:
        """The name an export gives it: its own identifier, or one made of its id (an import knows it again)."""
        return self.identifier or f"{EXPORTED_STIMULUS_PREFIX}{self.id}"


EXPORTED_STIMULUS_PREFIX = "stimulus-"


class MediaObject(Base):
    """A media file stored once under its SHA-256; the bytes live in the media store."""

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class ItemTag(Base):
    """Tags in a table of their own, so that filtering by tag is an indexed join on every backend."""

    __tablename__ = "item_tags"

    __table_args__ = (Index("ix_item_tags_tag_item", "tag", "item_id"),)  # tag filters read only the index

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)


class ItemEnemy(Base):
    """Two items that must not appear in the same test; stored once per pair, lower id first."""

    __tablename__ = "item_enemies"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    enemy_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True, index=True)


class ItemStatistics(Base):
    """Statistics of one delivered version, filled by assessment (exposure, classical, IRT)."""

    __tablename__ = "item_statistics"

    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="CASCADE"),
                                                 primary_key=True)
    exposure_count: Mapped[int] = mapped_column(Integer, default=0)
    response_count: Mapped[int] = mapped_column(Integer, default=0)
    p_value: Mapped[float | None] = mapped_column(Float)
    point_biserial: Mapped[float | None] = mapped_column(Float)
    irt_model: Mapped[str | None] = mapped_column(String(10))
    irt_a: Mapped[float | None] = mapped_column(Float)
    irt_b: Mapped[float | None] = mapped_column(Float)
    irt_c: Mapped[float | None] = mapped_column(Float)
    irt_se_a: Mapped[float | None] = mapped_column(Float)
    irt_se_b: Mapped[float | None] = mapped_column(Float)
    irt_se_c: Mapped[float | None] = mapped_column(Float)
    # Provisional parameters (an author's estimate) until a calibration replaces them.
    irt_provisional: Mapped[bool] = mapped_column(Boolean, default=True)
    calibrated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

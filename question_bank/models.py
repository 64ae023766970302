"""Items, their immutable versions, and the review trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import Base, JsonType, UtcDateTime
from core.errors import Conflict


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


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    skill: Mapped[str] = mapped_column(String(20), index=True)
    level: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.DRAFT, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_versions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, onupdate=clock.now)

    current_version: Mapped[ItemVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)
    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", foreign_keys="ItemVersion.item_id", order_by="ItemVersion.number"
    )

    def _move(self, to: ItemStatus, *, allowed_from: set[ItemStatus], action: str) -> None:
        if self.status not in allowed_from:
            raise Conflict(f"cannot {action} an item that is {self.status}", status_now=self.status)
        self.status = to

    def submit_for_review(self) -> None:
        self._move(ItemStatus.IN_REVIEW, allowed_from={ItemStatus.DRAFT}, action="submit")

    def approve(self) -> None:
        self._move(ItemStatus.APPROVED, allowed_from={ItemStatus.IN_REVIEW}, action="approve")

    def return_to_draft(self) -> None:
        self._move(ItemStatus.DRAFT, allowed_from={ItemStatus.IN_REVIEW}, action="reject")

    def retire(self) -> None:
        self._move(ItemStatus.RETIRED, allowed_from={ItemStatus.APPROVED, ItemStatus.DRAFT}, action="retire")


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
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    item: Mapped[Item] = relationship(back_populates="versions", foreign_keys=[item_id])


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

"""The audit log: who changed what, when. Written in the same transaction as the change itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock
from core.accounts.types import Actor
from core.db import Base, JsonType, UtcDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


def record(session: Session, *, actor: Actor | None, action: str, entity_type: str, entity_id: object,
           **detail: Any) -> AuditEvent:
    event = AuditEvent(at=clock.now(), actor_id=actor.id if actor else None, action=action,
                       entity_type=entity_type, entity_id=str(entity_id), detail=detail)
    session.add(event)
    return event


def list_events(session: Session, *, entity_type: str | None = None, entity_id: object | None = None,
                limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if entity_type is not None:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    return list(session.scalars(query))

"""Resumable uploads of media (a candidate's recording over a shaky connection), in the spirit of tus 1.0.

The client declares the size and type, then appends chunks at the offset it believes the server holds;
an interrupted upload resumes from the offset the server reports. The database row is the truth about
the offset: bytes a crashed request wrote past it are cut off before the next chunk is appended. A
finished upload is checked again as a whole and stored once by content hash, like any other media file.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import ForeignKey, Index, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock
from core.accounts import Actor
from core.db import Base, UtcDateTime
from core.errors import Conflict, DomainError, NotFound, RuleViolation
from question_bank.media import KINDS, MIB, MediaStore, sniff_mime_type, store_media
from question_bank.models import MediaObject

MAX_CHUNK_BYTES = 5 * MIB
UPLOAD_LIFETIME = timedelta(hours=24)
MAX_OPEN_UPLOADS = 20  # unfinished uploads per user: each one holds a partial file
SNIFF_BYTES = 64  # sniff_mime_type decides on this many leading bytes (WebM: audio or video, see below)
ORPHAN_GRACE = timedelta(hours=1)  # a partial file without a row may belong to a request still running


class UploadStatus(StrEnum):
    RECEIVING = "receiving"
    COMPLETE = "complete"
    REFUSED = "refused"  # the content is not what was declared, or not accepted media at all
    EXPIRED = "expired"


class Upload(Base):
    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_status_expires_at", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random and unguessable
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    media_type: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)  # the offset: bytes safely in the partial file
    status: Mapped[str] = mapped_column(String(20), default=UploadStatus.RECEIVING)
    refusal: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(ForeignKey("media.sha256", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def current_status(self) -> str:
        """The status as of now: a receiving upload past its deadline is expired before any sweep says so."""
        if self.status == UploadStatus.RECEIVING and self.expires_at <= clock.now():
            return UploadStatus.EXPIRED
        return self.status


class UploadTooLarge(DomainError):
    status, slug, title = 413, "too-large", "Too large"


class UploadRefused(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"
    keeps_changes = True  # the upload stays refused and its partial file stays deleted


class OffsetMismatch(Conflict):
    keeps_changes = True  # the offset may have been wound back to what the partial file really holds


class UploadGone(DomainError):
    status, slug, title = 410, "gone", "Upload no longer available"
    keeps_changes = True


@dataclass(frozen=True, slots=True)
class UploadArea:
    """Partial files live beside the media store (same file system), one per upload."""

    store: MediaStore

    @property
    def root(self) -> Path:
        return self.store.root / "partial"

    def path_for(self, upload_id: str) -> Path:
        return self.root / upload_id


def create_upload(session: Session, *, actor: Actor, size: int, media_type: str, filename: str = "") -> Upload:
    """Open an upload of ``size`` bytes of ``media_type``.

    Raises RuleViolation for a type LevelPath does not accept or a size below one byte, UploadTooLarge
    past the type's limit, Conflict when the user already has too many unfinished uploads.
    """
    kind = KINDS.get(media_type)
    if kind is None:
        raise RuleViolation(f"{media_type} is not accepted (accepted: {', '.join(sorted(KINDS))})",
                            field="media_type")
    if size < 1:
        raise RuleViolation("an upload has at least one byte", field="size")
    if size > kind.max_bytes:
        raise UploadTooLarge(f"{media_type} files may be at most {kind.max_bytes // MIB} MiB "
                             f"({kind.max_bytes} bytes); this one would be {size} bytes", field="size")
    now = clock.now()
    open_uploads = session.scalar(select(Upload.id).where(
        Upload.owner_id == actor.id, Upload.status == UploadStatus.RECEIVING, Upload.expires_at > now,
    ).offset(MAX_OPEN_UPLOADS - 1).limit(1))
    if open_uploads is not None:
        raise Conflict(f"you already have {MAX_OPEN_UPLOADS} unfinished uploads; finish them or let them expire")
    upload = Upload(id=secrets.token_urlsafe(16), owner_id=actor.id, media_type=media_type,
                    filename=filename[:255], size=size, received=0, status=UploadStatus.RECEIVING,
                    created_at=now, expires_at=now + UPLOAD_LIFETIME)
    session.add(upload)
    session.flush()
    return upload


def get_upload(session: Session, *, actor: Actor, upload_id: str, for_update: bool = False) -> Upload:
    """The actor's own upload. Raises NotFound for an unknown id or someone else's upload."""
    if len(upload_id) > 32:
        raise NotFound("no such upload", field="upload_id")
    upload = session.get(Upload, upload_id, with_for_update=for_update, populate_existing=for_update)
    if upload is None or upload.owner_id != actor.id:
        raise NotFound("no such upload", field="upload_id")
    return upload


def get_resumable_upload(session: Session, *, actor: Actor, upload_id: str) -> Upload:
    """The actor's upload, to resume. Raises NotFound, or UploadGone for an expired or refused upload."""
    upload = get_upload(session, actor=actor, upload_id=upload_id)
    if upload.current_status in (UploadStatus.EXPIRED, UploadStatus.REFUSED):
        raise _gone(upload)
    return upload


def append_chunk(session: Session, area: UploadArea, *, actor: Actor, upload_id: str, offset: int,
                 chunk: bytes) -> Upload:
    """Append ``chunk`` at ``offset``; the last chunk completes the upload (see ``complete_upload``).

    Resending the last chunk of a complete upload, or an empty chunk at its end, changes nothing.
    Raises NotFound, UploadGone (expired or refused), Conflict with the server's ``offset`` when the
    client's offset is not it, UploadTooLarge for a chunk past the declared size, UploadRefused when
    the content is not the declared type.
    """
    upload = get_upload(session, actor=actor, upload_id=upload_id, for_update=True)
    if upload.status == UploadStatus.COMPLETE and offset + len(chunk) == upload.size:
        return upload  # a retry after a lost response
    _check_receiving(session, area, upload)
    path = area.path_for(upload.id)
    on_disk = path.stat().st_size if path.exists() else 0
    if on_disk < upload.received:  # the partial file lost bytes (restored storage): resume from what is there
        upload.received = on_disk
        session.flush()
    if offset != upload.received:
        raise OffsetMismatch(f"the upload holds {upload.received} bytes: resume from offset {upload.received}",
                             field="Upload-Offset", offset=upload.received)
    if offset + len(chunk) > upload.size:
        raise UploadTooLarge(f"the chunk would take the upload to {offset + len(chunk)} bytes, past its declared "
                             f"size of {upload.size}", field="body", offset=upload.received)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        handle.truncate(upload.received)  # drop what a crashed request wrote past the recorded offset
        handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    upload.received += len(chunk)
    if offset < SNIFF_BYTES <= upload.received or (offset < SNIFF_BYTES and upload.received == upload.size):
        _check_head(session, area, upload)
    if upload.received == upload.size:
        complete_upload(session, area, actor=actor, upload=upload)
    session.flush()
    return upload


def complete_upload(session: Session, area: UploadArea, *, actor: Actor, upload: Upload) -> Upload:
    """Check the whole file and store it by content hash. Raises UploadRefused if the check fails."""
    path = area.path_for(upload.id)
    data = path.read_bytes()
    try:
        media = store_media(session, area.store, actor=actor, data=data, name=upload.filename or "upload",
                            declared_type=upload.media_type)
    except RuleViolation as error:
        _refuse(session, area, upload, error.detail)
    upload.status, upload.sha256, upload.completed_at = UploadStatus.COMPLETE, media.sha256, clock.now()
    path.unlink(missing_ok=True)
    session.flush()
    return upload


def was_uploaded_by(session: Session, media: MediaObject, user_id: int) -> bool:
    """Whether the user uploaded these bytes: stored them first, or finished a resumable upload of them."""
    return media.created_by == user_id or session.scalar(select(Upload.id).where(
        Upload.owner_id == user_id, Upload.sha256 == media.sha256,
        Upload.status == UploadStatus.COMPLETE).limit(1)) is not None


def sweep_uploads(session: Session, area: UploadArea) -> int:
    """Expire stale uploads and delete every partial file no receiving upload needs; returns files deleted."""
    now = clock.now()
    session.execute(update(Upload).where(Upload.status == UploadStatus.RECEIVING, Upload.expires_at <= now)
                    .values(status=UploadStatus.EXPIRED))
    session.flush()
    if not area.root.is_dir():
        return 0
    receiving = set(session.scalars(select(Upload.id).where(Upload.status == UploadStatus.RECEIVING)))
    deleted = 0
    for path in area.root.iterdir():
        if path.name in receiving or not path.is_file():
            continue
        if time.time() - path.stat().st_mtime < ORPHAN_GRACE.total_seconds() and session.get(Upload, path.name) is None:
            continue
        path.unlink(missing_ok=True)
        deleted += 1
    return deleted


def _check_receiving(session: Session, area: UploadArea, upload: Upload) -> None:
    if upload.status != upload.current_status:
        upload.status = UploadStatus.EXPIRED
        area.path_for(upload.id).unlink(missing_ok=True)
        session.flush()
    if upload.status in (UploadStatus.EXPIRED, UploadStatus.REFUSED):
        raise _gone(upload)
    if upload.status == UploadStatus.COMPLETE:
        raise Conflict(f"the upload is complete: {upload.size} bytes, sha256 {upload.sha256}",
                       field="Upload-Offset", offset=upload.received, sha256=upload.sha256)


def _gone(upload: Upload) -> UploadGone:
    if upload.current_status == UploadStatus.EXPIRED:
        return UploadGone(f"the upload expired at {upload.expires_at.isoformat()}; start a new one",
                          field="upload_id")
    return UploadGone(f"the upload was refused ({upload.refusal}); start a new one", field="upload_id")


def _check_head(session: Session, area: UploadArea, upload: Upload) -> None:
    """Refuse a mislabelled file as soon as its first bytes are in, not after the whole of it."""
    with area.path_for(upload.id).open("rb") as handle:
        actual = sniff_mime_type(handle.read(SNIFF_BYTES))
    if actual is None:
        _refuse(session, area, upload, f"{upload.filename or 'the file'} is not a supported image, audio or "
                                       f"video file (accepted: {', '.join(sorted(KINDS))})")
    # WebM audio and video differ only further in; the whole file is checked on completion.
    webm = {"audio/webm", "video/webm"}
    if actual != upload.media_type and not {actual, upload.media_type} <= webm:
        _refuse(session, area, upload, f"{upload.filename or 'the file'} was declared as {upload.media_type} "
                                       f"but the content is {actual}")


def _refuse(session: Session, area: UploadArea, upload: Upload, reason: str) -> None:
    upload.status, upload.refusal = UploadStatus.REFUSED, reason[:300]
    area.path_for(upload.id).unlink(missing_ok=True)
    session.flush()
    raise UploadRefused(reason, field="media_type")

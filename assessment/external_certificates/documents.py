"""The certificate's document (a PDF or a scan), checked by its content and stored once by its hash."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.accounts import Actor
from core.errors import RuleViolation
from question_bank.media import MIB, MediaStore, sniff_mime_type
from question_bank.models import MediaObject

# Documents are checked by their first bytes, never by their name or declared type alone.
DOCUMENT_TYPES = {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image"}
MAX_DOCUMENT_BYTES = 10 * MIB
FIELD = "document"


@dataclass(frozen=True)
class DocumentUpload:
    data: bytes
    name: str
    declared_type: str | None = None


def document_type(data: bytes) -> str | None:
    """The document's real type, or None when it is not a PDF, PNG or JPEG."""
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "application/pdf"
    sniffed = sniff_mime_type(data)
    return sniffed if sniffed in DOCUMENT_TYPES else None


def check_document(upload: DocumentUpload) -> str:
    """The checked media type. Raises RuleViolation (field ``document``) for an empty, unknown,
    mislabelled or oversized file."""
    if not upload.data:
        raise RuleViolation(f"{upload.name}: the file is empty", field=FIELD)
    if len(upload.data) > MAX_DOCUMENT_BYTES:
        raise RuleViolation(f"{upload.name}: a certificate document may be at most {MAX_DOCUMENT_BYTES // MIB} MiB, "
                            f"this one is {len(upload.data) / MIB:.1f} MiB", field=FIELD)
    actual = document_type(upload.data)
    if actual is None:
        raise RuleViolation(f"{upload.name}: not a PDF, PNG or JPEG file (checked by its content)", field=FIELD)
    declared = (upload.declared_type or "").split(";")[0].strip().lower()
    if declared and declared not in (actual, "application/octet-stream"):
        raise RuleViolation(f"{upload.name}: declared as {declared} but the content is {actual}", field=FIELD)
    return actual


def store_document(session: Session, store: MediaStore, *, actor: Actor, upload: DocumentUpload) -> MediaObject:
    """Check and store a document (once per content). Raises RuleViolation for a refused file."""
    mime_type = check_document(upload)
    sha256 = store.put(upload.data)
    existing = session.get(MediaObject, sha256)
    if existing is not None:
        return existing
    media = MediaObject(sha256=sha256, mime_type=mime_type, size=len(upload.data),
                        original_name=upload.name[:255], created_by=actor.id)
    session.add(media)
    session.flush()
    return media

"""The resumable upload contract: what a client declares, and what it is told back."""

from __future__ import annotations

import marshmallow as ma

from api.schemas import StrictSchema
from question_bank.media import KINDS, media_url
from question_bank.uploads import MAX_CHUNK_BYTES


class UploadCreateSchema(StrictSchema):
    size = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1), metadata={
        "description": "The whole file's size in bytes; at most the limit of its media type"})
    media_type = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(KINDS)), metadata={
        "description": "What the file is; its first bytes are checked against it as soon as they arrive"})
    filename = ma.fields.String(load_default="", validate=ma.validate.Length(max=255))


class UploadSchema(ma.Schema):
    id = ma.fields.String()
    offset = ma.fields.Integer(attribute="received", metadata={
        "description": "Bytes the server holds: the next chunk starts here"})
    size = ma.fields.Integer()
    media_type = ma.fields.String()
    filename = ma.fields.String()
    status = ma.fields.String(attribute="current_status", metadata={
        "description": "receiving, complete, refused or expired"})
    refusal = ma.fields.String(allow_none=True, metadata={"description": "Why the content was refused"})
    sha256 = ma.fields.String(allow_none=True, metadata={
        "description": "Once complete: the stored file's hash, e.g. a speaking answer's `audio`"})
    media_url = ma.fields.Function(lambda upload: media_url(upload.sha256) if upload.sha256 else None,
                                   allow_none=True)
    location = ma.fields.Function(lambda upload: f"/api/v1/uploads/{upload.id}")
    max_chunk_bytes = ma.fields.Function(lambda _upload: MAX_CHUNK_BYTES)
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime()
    completed_at = ma.fields.DateTime(allow_none=True)

"""Resumable uploads over HTTP, after tus 1.0 core: POST to open, PATCH chunks at an offset, HEAD to resume."""

from __future__ import annotations

import re

from flask import current_app, request
from flask.views import MethodView

from core.accounts import Role
from api.access import allow, roles
from api.auth import current_actor
from api.db import db_session
from api.question_bank.upload_schemas import UploadCreateSchema, UploadSchema
from api.schemas import Blueprint
from core.errors import DomainError, RuleViolation
from question_bank import uploads
from question_bank.uploads import MAX_CHUNK_BYTES, UploadArea, UploadTooLarge

blp = Blueprint("uploads", __name__, url_prefix="/api/v1",
                description="Resumable media uploads: a recording survives a dropped connection")

OFFSET_OCTET_STREAM = "application/offset+octet-stream"
OFFSET_HEADERS = {
    "Upload-Offset": {"description": "Bytes the server holds", "schema": {"type": "integer"}},
    "Upload-Length": {"description": "The declared size", "schema": {"type": "integer"}},
}
UPLOAD_OFFSET = {"in": "header", "name": "Upload-Offset", "required": True, "schema": {"type": "integer", "minimum": 0},
                 "description": "Where this chunk starts: the offset the server last reported"}
CHUNK_BODY = {"required": True,
              "description": f"The bytes from Upload-Offset on, at most {MAX_CHUNK_BYTES} per request",
              "content": {OFFSET_OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}}}




class UnsupportedContentType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


def upload_area() -> UploadArea:
    return UploadArea(current_app.extensions["levelpath.media"])


def _offset_headers(upload: uploads.Upload) -> dict[str, str]:
    return {"Upload-Offset": str(upload.received), "Upload-Length": str(upload.size), "Cache-Control": "no-store"}


def _client_offset() -> int:
    raw = request.headers.get("Upload-Offset", "")
    if not re.fullmatch(r"[0-9]{1,12}", raw):
        raise RuleViolation("send the Upload-Offset header: where this chunk starts, in bytes", field="Upload-Offset")
    return int(raw)


def _chunk() -> bytes:
    if request.mimetype != OFFSET_OCTET_STREAM:
        raise UnsupportedContentType(f"send chunks as Content-Type: {OFFSET_OCTET_STREAM}", field="Content-Type")
    if (request.content_length or 0) > MAX_CHUNK_BYTES:
        raise UploadTooLarge(f"a chunk may be at most {MAX_CHUNK_BYTES} bytes; send the file in several",
                             field="body")
    request.max_content_length = MAX_CHUNK_BYTES
    return request.get_data(cache=False)


@blp.route("/uploads")
class Uploads(MethodView):
    @allow(roles(Role.CANDIDATE))
    @blp.arguments(UploadCreateSchema)
    @blp.problem(413, "The declared size is past the limit of its media type (`size`)")
    @blp.response(201, UploadSchema, headers={"Location": {"schema": {"type": "string"}}, **OFFSET_HEADERS})
    def post(self, data):
        """Open a resumable upload of a declared size and media type; send its bytes with PATCH."""
        upload = uploads.create_upload(db_session(), actor=current_actor(), **data)
        return upload, {"Location": f"/api/v1/uploads/{upload.id}", **_offset_headers(upload)}


@blp.route("/uploads/<string:upload_id>")
class UploadResource(MethodView):
    @allow(roles(Role.CANDIDATE))
    @blp.response(200, UploadSchema, headers=OFFSET_HEADERS)
    def get(self, upload_id):
        """Where one of your uploads stands: offset, status, and the sha256 once complete."""
        upload = uploads.get_upload(db_session(), actor=current_actor(), upload_id=upload_id)
        return upload, _offset_headers(upload)

    @allow(roles(Role.CANDIDATE))
    @blp.response(200, description="The offset to resume from, in headers only", headers=OFFSET_HEADERS)
    @blp.problem(410, "The upload expired or was refused: start a new one")
    def head(self, upload_id):
        """The offset to resume an interrupted upload from (Upload-Offset header)."""
        upload = uploads.get_resumable_upload(db_session(), actor=current_actor(), upload_id=upload_id)
        return None, _offset_headers(upload)

    @allow(roles(Role.CANDIDATE))
    @blp.doc(parameters=[UPLOAD_OFFSET], requestBody=CHUNK_BODY)
    @blp.problem(409, "Upload-Offset is not the server's offset: resume from the problem's `offset`")
    @blp.problem(410, "The upload expired or was refused: start a new one")
    @blp.problem(413, "The chunk is larger than a request may carry, or runs past the declared size")
    @blp.problem(415, "The content is not the declared media type (the upload is refused), "
                   "or the body is not application/offset+octet-stream")
    @blp.response(200, UploadSchema, headers=OFFSET_HEADERS)
    def patch(self, upload_id):
        """Append a chunk at Upload-Offset; the last one completes the upload and gives its sha256."""
        offset, chunk = _client_offset(), _chunk()
        upload = uploads.append_chunk(db_session(), upload_area(), actor=current_actor(), upload_id=upload_id,
                                      offset=offset, chunk=chunk)
        return upload, _offset_headers(upload)

"""Certificates issued elsewhere: HR records them with their document, verifies, rejects or revokes them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask import Request, Response, current_app, request, send_file
from flask.views import MethodView
from werkzeug.datastructures import CombinedMultiDict, FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from core import clock
from core.accounts import Role
from api.access import SIGNED_IN, allow, roles
from api.auth import current_actor
from api.db import db_session
from api.errors import handle_http_exception, problem_response
from api.schemas import (
    INT32_MAX,
    QUERY_ID,
    Blueprint,
    PageArgsSchema,
    PageMetaSchema,
    StrictParser,
    StrictSchema,
    page_of,
)
from assessment import external_certificates as external
from assessment.rules import default_rulebook
from question_bank.media import MIB, MediaStore

class MultipartParser(StrictParser):
    """Adds the location "multipart": form fields and files read by one schema, so that the fields and the
    document are validated together and documented as one multipart/form-data body."""

    __location_map__ = {**StrictParser.__location_map__, "multipart": "load_multipart"}  # noqa: RUF012

    def load_multipart(self, req: Request, schema: ma.Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {  # noqa: RUF012
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


blp = MultipartBlueprint("external_certificates", __name__, url_prefix="/api/v1",
                         description="Certificates issued elsewhere (IELTS, TOEIC, TOEFL, Cambridge, VSTEP of other "
                                     "centres), converted to the 6 levels by the documented tables and verified by HR")

KIND_IDS = tuple(kind.id for kind in default_rulebook().certificate_kinds)
KIND_NAMES = {kind.id: kind.name for kind in default_rulebook().certificate_kinds}
PURPOSES = default_rulebook().purposes
STATUSES = tuple(status.value for status in external.ExternalStatus)
UPLOAD_SLACK = MIB  # room for the form fields; a larger document still gets the domain's clear refusal


def documents_store() -> MediaStore:
    """Documents live apart from item media: /api/v1/media serves item media to every user, these are personal."""
    return MediaStore(Path(current_app.config["MEDIA_ROOT"]) / "documents")


class Subscores(ma.fields.Field):
    """A JSON object of sub-scores, e.g. {"listening": 400, "reading": 385, "speaking": 160, "writing": 150}."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, str]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ma.ValidationError("must be a JSON object of sub-scores") from None
        if not isinstance(value, dict) or not value:
            raise ma.ValidationError("must be a JSON object of sub-scores, e.g. {\"listening\": 400, ...}")
        scores = {}
        for name, score in value.items():
            if isinstance(score, bool) or not isinstance(score, int | float | str):
                raise ma.ValidationError(f"{name}: a sub-score is a number")
            scores[str(name)] = repr(score) if isinstance(score, float) else str(score)
        return scores


class UploadedFile(ma.fields.Field):
    """A file part of a multipart body (a text field of the same name is refused)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ma.ValidationError("must be a file (a multipart file part)")
        return value


class ExternalCertificateCreateSchema(StrictSchema):
    holder_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=INT32_MAX),
                                  metadata={"description": "The user who holds the certificate"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KIND_IDS),
                            metadata={"description": "A certificate kind (GET /external-certificates/kinds)"})
    issuing_body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                                    metadata={"description": "Who issued it, e.g. IDP Vietnam, IIG Vietnam, "
                                                             "the VSTEP centre of a university"})
    certificate_number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    issued_on = ma.fields.Date(required=True)
    expires_on = ma.fields.Date(load_default=None, metadata={"description": "End of validity, if it has one"})
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf(PURPOSES),
                               metadata={"description": "Which documented table converts it "
                                                        "(GET /external-certificates/conversions)"})
    score = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40),
                             metadata={"description": "The stated score: IELTS 6.5, TOEFL iBT 80, JLPT N3, "
                                                      "VSTEP the stated level 3-5"})
    subscores = Subscores(load_default=None, metadata={
        "type": "string", "description": "For certificates scored by sections (TOEIC 4 skills): a JSON object, "
                                         "e.g. {\"listening\": 400, \"reading\": 385, \"speaking\": 160, "
                                         "\"writing\": 150}"})
    converted_on = ma.fields.Date(load_default=None, metadata={
        "description": "The day whose tables apply (default: today, Vietnam time)"})
    document = UploadedFile(required=True, metadata={"type": "string", "format": "binary", "description":
                                                      "The certificate as a PDF, PNG or JPEG (at most 10 MiB)"})

    @ma.pre_load
    def drop_empty_fields(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        """A form leaves optional fields empty: an empty value means the field was not given."""
        return {key: data[key] for key in data if data[key] != ""}

    @ma.validates_schema
    def one_score(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("score") is not None and data.get("subscores") is not None:
            raise ma.ValidationError("give either score or subscores, not both", field_name="subscores")


class ExternalCertificateSchema(ma.Schema):
    id = ma.fields.Integer()
    holder_id = ma.fields.Integer()
    kind = ma.fields.String()
    holder_name = ma.fields.Function(lambda c: c.holder.full_name or c.holder.username)
    holder_unit_id = ma.fields.Function(lambda c: c.holder.unit_id)
    kind_name = ma.fields.Function(lambda c: KIND_NAMES.get(c.kind, c.kind))
    issuing_body = ma.fields.String()
    certificate_number = ma.fields.String()
    issued_on = ma.fields.Date()
    expires_on = ma.fields.Date(allow_none=True)
    score = ma.fields.Raw(metadata={"description": "The stated score as recorded, or its sub-scores"})
    purpose = ma.fields.String()
    converted_on = ma.fields.Date(metadata={"description": "The day whose tables were applied"})
    level = ma.fields.Integer(allow_none=True, metadata={"description": "Level 1-6, or null: see the explanation"})
    cefr = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(metadata={"description": "matched, below_table, above_table, not_listed, ..."})
    level_basis = ma.fields.String(allow_none=True, metadata={"description": "stated or inferred by the table"})
    conversion_rule = ma.fields.String(metadata={"description": "The rule version applied: rule_id@version"})
    regulation_id = ma.fields.String()
    regulation_citation = ma.fields.String()
    conversion_explanation = ma.fields.String()
    document_name = ma.fields.String()
    document_url = ma.fields.Function(lambda c: f"/api/v1/external-certificates/{c.id}/document")
    status = ma.fields.String(metadata={"description": "recorded, verified, rejected or revoked"})
    recorded_by = ma.fields.Integer()
    recorded_at = ma.fields.DateTime()
    verified_by = ma.fields.Integer(allow_none=True)
    verified_at = ma.fields.DateTime(allow_none=True)
    verification_note = ma.fields.String(allow_none=True)
    rejected_by = ma.fields.Integer(allow_none=True)
    rejected_at = ma.fields.DateTime(allow_none=True)
    rejection_reason = ma.fields.String(allow_none=True)
    revoked_by = ma.fields.Integer(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)
    revocation_reason = ma.fields.String(allow_none=True)


class ExternalCertificatePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ExternalCertificateSchema))
    meta = ma.fields.Nested(PageMetaSchema)


class ExternalCertificateQueryArgsSchema(PageArgsSchema):
    holder_id = ma.fields.Integer(validate=QUERY_ID)
    unit_id = ma.fields.Integer(validate=QUERY_ID)
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    kind = ma.fields.String(validate=ma.validate.OneOf(KIND_IDS))


class VerifySchema(StrictSchema):
    note = ma.fields.String(load_default=None, validate=ma.validate.Length(max=2000), metadata={
        "description": "How it was checked, e.g. \"IELTS TRF verified on the issuer's portal\""})


class ReasonSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class ConversionArgsSchema(StrictSchema):
    purpose = ma.fields.String(validate=ma.validate.OneOf(PURPOSES))
    on = ma.fields.Date(metadata={"description": "The day whose tables apply (default: today, Vietnam time)"})


class ConversionTableSchema(ma.Schema):
    purpose = ma.fields.String()
    on = ma.fields.Date()
    rule = ma.fields.String()
    in_force = ma.fields.Boolean()
    rule_version = ma.fields.String()
    applies_under = ma.fields.String()
    table = ma.fields.Dict(metadata={"description": "Title, regulation, citation and rows (certificate, level, "
                                                    "condition) as the regulation prints them"})


class CertificateKindSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    language = ma.fields.String()
    score_kind = ma.fields.String(metadata={"description": "numeric, subscores, grade or national_level"})
    scale = ma.fields.Dict()
    subscores = ma.fields.Dict()
    grades = ma.fields.List(ma.fields.String())
    source = ma.fields.String(allow_none=True)


def _is_upload() -> bool:
    return request.endpoint == "external_certificates.ExternalCertificates" and request.method == "POST"


@blp.before_request
def _allow_document_uploads() -> None:
    if _is_upload():
        request.max_content_length = external.MAX_DOCUMENT_BYTES + UPLOAD_SLACK


@blp.errorhandler(413)
def _document_too_large(error: RequestEntityTooLarge) -> Response:
    if not _is_upload():
        return handle_http_exception(error)
    limit = external.MAX_DOCUMENT_BYTES // MIB
    return problem_response(413, title="Content Too Large", detail=f"document: at most {limit} MiB",
                            errors=[{"field": "document", "location": "multipart",
                                     "message": f"a certificate document may be at most {limit} MiB"}])


@blp.route("/external-certificates")
class ExternalCertificates(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(ExternalCertificateQueryArgsSchema, location="query")
    @blp.response(200, ExternalCertificatePageSchema)
    def get(self, args):
        """Certificates issued elsewhere: HR sees its unit's people, everyone else their own."""
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = external.list_external_certificates(
            db_session(), actor=current_actor(), filters=external.ExternalCertificateFilter(**args), page=page,
            per_page=per_page)
        return page_of(items, total=total, page=page, per_page=per_page)

    @allow(roles(Role.HR))
    @blp.arguments(ExternalCertificateCreateSchema, location="multipart")
    @blp.response(201, ExternalCertificateSchema)
    def post(self, data):
        """Record a certificate issued elsewhere with its document (HR of the holder's unit or a unit above it);
        409 if held already."""
        upload = data.pop("document")
        subscores, score = data.pop("subscores"), data.pop("score")
        return external.record_external_certificate(
            db_session(), actor=current_actor(), store=documents_store(),
            draft=external.ExternalCertificateDraft(score=subscores if subscores is not None else score, **data),
            document=external.DocumentUpload(data=upload.read(), name=upload.filename or "document",
                                             declared_type=upload.mimetype))


@blp.route("/external-certificates/kinds")
class CertificateKinds(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, CertificateKindSchema(many=True))
    def get(self):
        """The certificate kinds HR may record, and how each one's score is written."""
        current_actor()
        return external.describe_kinds()


@blp.route("/external-certificates/conversions")
class ConversionTables(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(ConversionArgsSchema, location="query")
    @blp.response(200, ConversionTableSchema(many=True))
    def get(self, args):
        """The documented conversion table of each purpose on a day, with the regulation it comes from."""
        current_actor()
        on: date = args.get("on") or clock.day_in_vietnam()
        return external.describe_conversions(on, args.get("purpose"))


@blp.route("/external-certificates/<int:certificate_id>")
class ExternalCertificateById(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, ExternalCertificateSchema)
    def get(self, certificate_id):
        """One certificate issued elsewhere, with its conversion and status (its holder, HR of the unit)."""
        return external.get_external_certificate_for(db_session(), actor=current_actor(),
                                                     certificate_id=certificate_id)


@blp.route("/external-certificates/<int:certificate_id>/verify")
class VerifyExternalCertificate(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(VerifySchema, required=False)
    @blp.response(200, ExternalCertificateSchema)
    def post(self, data, certificate_id):
        """Mark it verified (HR of the holder's unit or a unit above it): its level becomes a certified level."""
        return external.verify_external_certificate(db_session(), actor=current_actor(),
                                                    certificate_id=certificate_id, note=data.get("note"))


@blp.route("/external-certificates/<int:certificate_id>/reject")
class RejectExternalCertificate(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(ReasonSchema)
    @blp.response(200, ExternalCertificateSchema)
    def post(self, data, certificate_id):
        """Reject a recorded certificate, with the reason (HR of the holder's unit or a unit above it)."""
        return external.reject_external_certificate(db_session(), actor=current_actor(),
                                                    certificate_id=certificate_id, reason=data["reason"])


@blp.route("/external-certificates/<int:certificate_id>/revoke")
class RevokeExternalCertificate(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(ReasonSchema)
    @blp.response(200, ExternalCertificateSchema)
    def post(self, data, certificate_id):
        """Withdraw a verified certificate, with the reason: its certified level is removed."""
        return external.revoke_external_certificate(db_session(), actor=current_actor(),
                                                    certificate_id=certificate_id, reason=data["reason"])


@blp.route("/external-certificates/<int:certificate_id>/document")
class ExternalCertificateDocument(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, description="The certificate's document (PDF, PNG or JPEG)")
    def get(self, certificate_id):
        """The certificate's document (its holder and HR of the holder's unit or a unit above it only)."""
        certificate, media = external.get_document_for(db_session(), actor=current_actor(),
                                                       certificate_id=certificate_id)
        response = send_file(documents_store().path_for(media.sha256), mimetype=media.mime_type,
                             download_name=certificate.document_name or f"certificate-{certificate_id}", max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response

from __future__ import annotations

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView

from core.accounts import Role
from api.access import PUBLIC, SIGNED_IN, allow, roles
from api.auth import current_actor
from api.db import db_session
from api.schemas import Blueprint, StrictSchema
from api.files import file_answer
from assessment import certification

blp = Blueprint("certificates", __name__, url_prefix="/api/v1", description="Certificates and their verification")


class CertificateSchema(ma.Schema):
    id = ma.fields.Integer()
    serial = ma.fields.String()
    user_id = ma.fields.Integer()
    attempt_id = ma.fields.Integer(allow_none=True)
    issued_at = ma.fields.DateTime()
    revoked_at = ma.fields.DateTime(allow_none=True)
    revocation_reason = ma.fields.String(allow_none=True)
    data = ma.fields.Dict(metadata={"description": "What the certificate says"})
    verification_code = ma.fields.Function(certification.code_of, allow_none=True, metadata={
        "description": "Typed on the public verification page; null when this server lacks the key the certificate "
                       "was signed with (LEVELPATH_CERTIFICATE_KEYS, or the issuing server's SECRET_KEY)"})


class RevokeSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class PublicCertificateSchema(ma.Schema):
    serial = ma.fields.String()
    holder = ma.fields.String(metadata={"description": "The holder's name, shortened to initials after the first"})
    test_title = ma.fields.String()
    level_vi = ma.fields.String(allow_none=True)
    level_en = ma.fields.String(allow_none=True)
    cefr = ma.fields.String(allow_none=True)
    issue_date = ma.fields.Date()
    status = ma.fields.String(metadata={"description": "valid, revoked or expired"})


@blp.route("/certificates")
class Certificates(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, CertificateSchema(many=True))
    def get(self):
        """Your certificates (all of them for test administrators)."""
        return certification.list_certificates(db_session(), actor=current_actor())


@blp.route("/certificates/<int:certificate_id>")
class CertificateById(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, CertificateSchema)
    def get(self, certificate_id):
        """One certificate with its verification code."""
        return certification.get_certificate_for(db_session(), actor=current_actor(), certificate_id=certificate_id)


@blp.route("/certificates/<int:certificate_id>/pdf")
class CertificatePdf(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, description="The certificate as a PDF")
    @blp.doc(**file_answer("application/pdf"))
    def get(self, certificate_id):
        """The certificate as a one-page PDF (marked REVOKED once revoked)."""
        certificate = certification.get_certificate_for(db_session(), actor=current_actor(),
                                                        certificate_id=certificate_id)
        served = f"{request.url_root.rstrip('/')}{blp.url_prefix}/verify/"  # unless LEVELPATH_VERIFY_URL is set
        return Response(certification.certificate_pdf(certificate, served_verification_url=served),
                        mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{certificate.serial}.pdf"'})


@blp.route("/certificates/<int:certificate_id>/revoke")
class RevokeCertificate(MethodView):
    @allow(roles(Role.ADMIN))
    @blp.arguments(RevokeSchema)
    @blp.response(200, CertificateSchema)
    def post(self, data, certificate_id):
        """Revoke a certificate, with the reason (administrators; audited)."""
        return certification.revoke_certificate(db_session(), actor=current_actor(), certificate_id=certificate_id,
                                                reason=data["reason"])


@blp.route("/verify/<string:code>")
class VerifyCertificate(MethodView):
    @allow(PUBLIC)
    @blp.response(200, PublicCertificateSchema)
    def get(self, code):
        """Check a certificate by its verification code (public; codes cannot be guessed)."""
        return certification.verify_public(db_session(), code)

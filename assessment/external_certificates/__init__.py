"""Certificates issued elsewhere (IELTS, TOEIC, TOEFL, Cambridge, VSTEP from another centre, ...).

HR records one with its document; it is converted to the 6-level framework by the documented table of
the chosen purpose (assessment.rules), and the conversion is stored as made. Once HR verifies it, its
level is a certified level (AssessedLevel, basis "external") that learning/ counts.
"""

from assessment.external_certificates.documents import MAX_DOCUMENT_BYTES, DocumentUpload
from assessment.external_certificates.models import ExternalCertificate, ExternalStatus
from assessment.external_certificates.services import (
    ExternalCertificateDraft,
    ExternalCertificateFilter,
    certified_level_of,
    get_document_for,
    get_external_certificate_for,
    list_external_certificates,
    record_external_certificate,
    reject_external_certificate,
    revoke_external_certificate,
    verify_external_certificate,
)
from assessment.external_certificates.tables import describe_conversions, describe_kinds

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "DocumentUpload",
    "ExternalCertificate",
    "ExternalCertificateDraft",
    "ExternalCertificateFilter",
    "ExternalStatus",
    "certified_level_of",
    "describe_conversions",
    "describe_kinds",
    "get_document_for",
    "get_external_certificate_for",
    "list_external_certificates",
    "record_external_certificate",
    "reject_external_certificate",
    "revoke_external_certificate",
    "verify_external_certificate",
]

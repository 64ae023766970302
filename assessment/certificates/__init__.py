"""Certificates as pure functions over plain values: serial numbers, verification codes, the public view, PDF.

The service layer stores certificates and calls these; nothing here touches a database or the web.
"""

from assessment.certificates.errors import InvalidCertificate, InvalidSerial, InvalidVerificationKeys
from assessment.certificates.pdf import render_certificate_pdf
from assessment.certificates.public import (
    CertificateStatus,
    PublicCertificateView,
    certificate_status,
    mask_name,
    public_view,
)
from assessment.certificates.serial import Serial, is_valid_serial, make_serial, normalise_serial, parse_serial
from assessment.certificates.types import CertificateData, CertifiedLevel, SkillScores
from assessment.certificates.verification import (
    CodeCheck,
    VerificationKeys,
    issue_code,
    lookup_digest,
    normalise_code,
    verify_code,
)

__all__ = [
    "CertificateData",
    "CertificateStatus",
    "CertifiedLevel",
    "CodeCheck",
    "InvalidCertificate",
    "InvalidSerial",
    "InvalidVerificationKeys",
    "PublicCertificateView",
    "Serial",
    "SkillScores",
    "VerificationKeys",
    "certificate_status",
    "is_valid_serial",
    "issue_code",
    "lookup_digest",
    "make_serial",
    "mask_name",
    "normalise_code",
    "normalise_serial",
    "parse_serial",
    "public_view",
    "render_certificate_pdf",
    "verify_code",
]

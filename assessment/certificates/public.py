"""What the public verification page may show about a certificate, and nothing more.

TT 23/2017 asks results to be published while protecting candidates' personal data (FACTS §3.6).
A verifier already holds the certificate; the page confirms it: the holder's name partly masked,
the test, the level, the issue date and whether it is valid, revoked or expired. No date of birth,
candidate id, scores, centre-internal data or revocation reason.

Name policy: the first word (the family name in Vietnamese order) stays whole and every other word
becomes its initial: "Nguyễn Văn An" -> "Nguyễn V. A.". The common family names are shared by
millions, so it identifies no one; the initials let the verifier match the paper. A
one-word name shows its initial only. Names in another order are masked by the same positions.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import date

from assessment.certificates.types import CertificateData


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class PublicCertificateView:
    holder: str
    test_title: str
    level_label_vi: str | None
    level_label_en: str | None
    cefr: str | None
    issue_date: date
    status: CertificateStatus


def _initial(word: str) -> str:
    """The first letter with its combining marks, so "Ánh" gives "Á" even when decomposed."""
    initial = word[0]
    for char in word[1:]:
        if not unicodedata.combining(char):
            break
        initial += char
    return unicodedata.normalize("NFC", initial) + "."


def mask_name(full_name: str) -> str:
    """Mask a full name by the policy above: "Nguyễn Thị Minh Khai" -> "Nguyễn T. M. K."."""
    words = unicodedata.normalize("NFC", full_name).split()
    if not words:
        return ""
    if len(words) == 1:
        return _initial(words[0])
    return " ".join([words[0], *(_initial(word) for word in words[1:])])


def certificate_status(data: CertificateData, *, today: date) -> CertificateStatus:
    """Revoked wins over expired; a certificate without valid_until never expires by itself."""
    if data.revoked:
        return CertificateStatus.REVOKED
    if data.valid_until is not None and today > data.valid_until:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def public_view(data: CertificateData, *, today: date) -> PublicCertificateView:
    """The public verification view of a certificate on ``today`` (the caller's clock)."""
    level = data.level
    return PublicCertificateView(
        holder=mask_name(data.candidate_name), test_title=data.test_title,
        level_label_vi=level.label_vi if level else None, level_label_en=level.label_en if level else None,
        cefr=level.cefr if level else None, issue_date=data.issue_date,
        status=certificate_status(data, today=today))

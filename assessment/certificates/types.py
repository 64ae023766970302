"""What a certificate says, as plain immutable values: the service layer stores them, this package signs,
masks and renders them.

FACTS §3.6: the full list of official certificate fields is NOT CONFIRMED; these are the fields the
issue asks for (serial, candidate, test, dates, skill scores, overall, level, centre, validity).
Validity is per use, not national (FACTS §6.8), so ``valid_until`` is optional.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from assessment.certificates.errors import InvalidCertificate
from assessment.certificates.serial import normalise_serial
from assessment.rules.frameworks import Level

SKILLS = (("listening", "Nghe", "Listening"), ("reading", "Đọc", "Reading"),
          ("writing", "Viết", "Writing"), ("speaking", "Nói", "Speaking"))


def _check_score(name: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidCertificate(f"{name} must be a finite Decimal, got {value!r}", field=name)


@dataclass(frozen=True)
class SkillScores:
    """Scores per skill on the 0-10 scale; a placement test may report none or only some."""

    listening: Decimal | None = None
    reading: Decimal | None = None
    writing: Decimal | None = None
    speaking: Decimal | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            _check_score(field.name, getattr(self, field.name))

    def rows(self) -> list[tuple[str, str, Decimal]]:
        """(Vietnamese label, English label, score) for each skill that has a score."""
        return [(vi, en, value) for name, vi, en in SKILLS if (value := getattr(self, name)) is not None]

    @property
    def empty(self) -> bool:
        return not self.rows()


@dataclass(frozen=True)
class CertifiedLevel:
    """The level as certified: framework, level code and CEFR are signed; labels are for display."""

    framework_id: str
    code: str
    cefr: str
    label_vi: str
    label_en: str

    @classmethod
    def of(cls, level: Level) -> CertifiedLevel:
        return cls(level.framework_id, level.code, level.cefr, level.label_vi, level.label_en)


@dataclass(frozen=True)
class CertificateData:
    """One certificate. ``level`` None means no level was awarded ("không xét", e.g. VSTEP overall < 4.0).

    Raises InvalidCertificate for a bad serial, empty names, dates out of order, float scores, or a
    revocation without a reason.
    """

    serial: str
    candidate_name: str
    candidate_id: str
    test_title: str
    test_kind: str
    exam_date: date
    issue_date: date
    centre_name: str
    level: CertifiedLevel | None
    scores: SkillScores = SkillScores()
    overall: Decimal | None = None
    date_of_birth: date | None = None
    valid_until: date | None = None
    revoked: bool = False
    revocation_reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "serial", normalise_serial(self.serial))
        for name in ("candidate_name", "candidate_id", "test_title", "test_kind", "centre_name"):
            if not str(getattr(self, name)).strip():
                raise InvalidCertificate(f"{name} is required", field=name)
        _check_score("overall", self.overall)
        if self.issue_date < self.exam_date:
            raise InvalidCertificate("a certificate cannot be issued before its exam", field="issue_date")
        if self.valid_until is not None and self.valid_until < self.issue_date:
            raise InvalidCertificate("valid_until is before the issue date", field="valid_until")
        if self.date_of_birth is not None and self.date_of_birth >= self.exam_date:
            raise InvalidCertificate("date_of_birth is not before the exam", field="date_of_birth")
        if self.revoked != bool(self.revocation_reason and self.revocation_reason.strip()):
            raise InvalidCertificate("a revoked certificate needs a reason, and only a revoked one has one",
                                     field="revocation_reason")

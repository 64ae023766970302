"""A certificate issued elsewhere (IELTS, TOEIC, VSTEP from another centre, ...), as HR recorded it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.accounts import User
from core.db import Base, JsonType, UtcDateTime
from core.errors import Conflict, RuleViolation


class ExternalStatus(StrEnum):
    RECORDED = "recorded"  # entered by HR, document attached, not checked yet
    VERIFIED = "verified"  # HR checked it with the issuer: its level (if any) is a certified level
    REJECTED = "rejected"  # HR found it not genuine or not acceptable, before verification
    REVOKED = "revoked"  # verified once, withdrawn later: its level no longer counts


# A certificate number is held once per holder and kind while it is recorded or verified; a rejected or
# revoked record does not block entering it again (e.g. after a typo in the score).
ACTIVE_STATUSES = (ExternalStatus.RECORDED, ExternalStatus.VERIFIED)
_ACTIVE = text("status IN ('recorded', 'verified')")


NUMBER_KEY_LENGTH = 80  # a number's key finds duplicates; "ß" upper-cases to "SS", so it can outgrow the number


class ExternalCertificate(Base):
    __tablename__ = "external_certificates"
    __table_args__ = (
        Index("uq_external_certificates_active_number", "holder_id", "kind", "number_key", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # a certificate kind of the rule book (ielts, toeic_4_skills, ...)
    issuing_body: Mapped[str] = mapped_column(String(200))
    certificate_number: Mapped[str] = mapped_column(String(80))  # as printed
    number_key: Mapped[str] = mapped_column(String(NUMBER_KEY_LENGTH))  # upper case, letters and digits only
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # The stated score as the rules read it: "6.5", "N3", "4" (a VSTEP level), or {"listening": "400", ...}.
    score: Mapped[Any] = mapped_column(JsonType)
    # The conversion, stored as made: a later change of the tables does not rewrite it.
    purpose: Mapped[str] = mapped_column(String(40))
    converted_on: Mapped[date] = mapped_column(Date)
    level: Mapped[int | None] = mapped_column(Integer)
    cefr: Mapped[str | None] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(30))  # assessment.rules.Outcome
    level_basis: Mapped[str | None] = mapped_column(String(20))  # stated or inferred by the table
    conversion_rule: Mapped[str] = mapped_column(String(80))  # rule_id@version, e.g. conversion.masters@tt23-2021
    regulation_id: Mapped[str] = mapped_column(String(40))
    regulation_citation: Mapped[str] = mapped_column(String(300))
    conversion_explanation: Mapped[str] = mapped_column(Text)
    # The scan or PDF of the certificate, stored by content hash.
    document_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256", ondelete="RESTRICT"))
    document_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20), default=ExternalStatus.RECORDED, index=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verification_note: Mapped[str | None] = mapped_column(Text)  # how HR checked it, e.g. the issuer's portal
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rejected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    holder: Mapped[User] = relationship(foreign_keys=[holder_id], lazy="selectin")

    def verify(self, *, by: int, at: datetime, today: date, note: str | None = None) -> None:
        """Raises Conflict unless recorded, RuleViolation if the certificate has expired."""
        self._require(ExternalStatus.RECORDED, "verified")
        if self.expires_on is not None and self.expires_on < today:
            raise RuleViolation(f"this certificate expired on {self.expires_on.isoformat()}; reject it instead",
                                field="expires_on")
        self.status, self.verified_by, self.verified_at = ExternalStatus.VERIFIED, by, at
        self.verification_note = note or None

    def reject(self, *, by: int, at: datetime, reason: str) -> None:
        """Raises Conflict unless recorded (a verified certificate is revoked instead)."""
        hint = "; a verified certificate is revoked instead" if self.status == ExternalStatus.VERIFIED else ""
        self._require(ExternalStatus.RECORDED, "rejected", hint)
        self.status, self.rejected_by, self.rejected_at, self.rejection_reason = \
            ExternalStatus.REJECTED, by, at, reason

    def revoke(self, *, by: int, at: datetime, reason: str) -> None:
        """Raises Conflict unless verified (a certificate not verified yet is rejected instead)."""
        hint = "; a certificate not verified yet is rejected instead" \
            if self.status == ExternalStatus.RECORDED else ""
        self._require(ExternalStatus.VERIFIED, "revoked", hint)
        self.status, self.revoked_by, self.revoked_at, self.revocation_reason = \
            ExternalStatus.REVOKED, by, at, reason

    def _require(self, status: ExternalStatus, change: str, hint: str = "") -> None:
        if self.status != status:
            raise Conflict(f"only a {status} certificate can be {change}; this one is {self.status}{hint}",
                           certificate_status=self.status)

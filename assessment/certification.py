"""Certificates of certification results: issued when a certification attempt is scored with a level,
verified publicly by their code, revoked with a reason, rendered as PDF.

The signing keys and the centre's name are process configuration, set once at start-up by
``configure_issuer`` (the app factory does it from its settings), because every path that scores an
attempt (answers, submission, time running out, the sweep) may issue a certificate.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from assessment.certificates import (
    CertificateData,
    CertifiedLevel,
    CodeCheck,
    SkillScores,
    VerificationKeys,
    issue_code,
    lookup_digest,
    make_serial,
    public_view,
    render_certificate_pdf,
    verify_code,
)
from assessment.certificates.types import SKILLS
from assessment.models import AssessedLevel
from assessment.rules import framework
from core import audit, clock
from core.accounts import Actor, Role, User
from core.db import Base, JsonType, UtcDateTime, dialect_insert
from core.errors import Conflict, DomainError, NotFound, PermissionDenied, RuleViolation
from core.units import ancestors_that_matter, hr_scope_covers


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), unique=True)
    # What the certificate says, as issued (the code signs exactly this).
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    key_id: Mapped[str] = mapped_column(String(8))
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)


class CertificateSerialCounter(Base):
    """The last serial number issued in a year: one row per year, taken under its row lock."""

    __tablename__ = "certificate_serial_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


def next_serial_number(session: Session, year: int) -> int:
    """The year's next sequence number, counted in the database in one atomic upsert.

    The counter row stays locked until the issuing transaction ends, so certificates issued at the same
    moment take consecutive numbers in turn, and a rolled-back issue gives its number back. The first
    certificate of a year starts after any certificate of that year already stored (e.g. restored data).
    """
    insert = dialect_insert(session)
    already = (select(func.coalesce(func.max(Certificate.sequence), 0) + 1)
               .where(Certificate.year == year).scalar_subquery())
    statement = insert(CertificateSerialCounter).values(year=year, last=already)
    statement = statement.on_conflict_do_update(
        index_elements=[CertificateSerialCounter.year],
        set_={"last": CertificateSerialCounter.last + 1},
    ).returning(CertificateSerialCounter.last)
    return session.execute(statement).scalar_one()


@dataclass
class Issuer:
    keys: VerificationKeys | None = None
    centre_name: str = "LevelPath assessment centre"
    verification_url: str = ""  # configured; empty: the caller gives the address it is served from


ISSUER = Issuer()


def configure_issuer(*, keys: VerificationKeys, centre_name: str, verification_url: str) -> None:
    ISSUER.keys, ISSUER.centre_name, ISSUER.verification_url = keys, centre_name, verification_url


def _keys() -> VerificationKeys:
    if ISSUER.keys is None:
        raise RuntimeError("certificate keys are not configured (configure_issuer at start-up)")
    return ISSUER.keys


SKILL_NAMES = tuple(name for name, _vi, _en in SKILLS)


def _to_json(data: CertificateData) -> dict[str, Any]:
    level = data.level
    return {
        "serial": data.serial, "candidate_name": data.candidate_name, "candidate_id": data.candidate_id,
        "test_title": data.test_title, "test_kind": data.test_kind, "exam_date": data.exam_date.isoformat(),
        "issue_date": data.issue_date.isoformat(), "centre_name": data.centre_name,
        "overall": str(data.overall) if data.overall is not None else None,
        "scores": {name: str(value) for name in SKILL_NAMES if (value := getattr(data.scores, name)) is not None},
        "valid_until": data.valid_until.isoformat() if data.valid_until else None,
        "level": None if level is None else {"framework_id": level.framework_id, "code": level.code,
                                             "cefr": level.cefr, "label_vi": level.label_vi,
                                             "label_en": level.label_en},
    }


def _months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def certificate_data(certificate: Certificate) -> CertificateData:
    stored = certificate.data
    level = stored["level"]
    return CertificateData(
        serial=stored["serial"], candidate_name=stored["candidate_name"], candidate_id=stored["candidate_id"],
        test_title=stored["test_title"], test_kind=stored["test_kind"],
        exam_date=date.fromisoformat(stored["exam_date"]), issue_date=date.fromisoformat(stored["issue_date"]),
        centre_name=stored["centre_name"], level=CertifiedLevel(**level) if level else None,
        overall=Decimal(stored["overall"]) if stored["overall"] is not None else None,
        scores=SkillScores(**{name: Decimal(value) for name, value in stored.get("scores", {}).items()}),
        valid_until=date.fromisoformat(stored["valid_until"]) if stored["valid_until"] else None,
        revoked=certificate.revoked_at is not None, revocation_reason=certificate.revocation_reason)


def issue_certificate(session: Session, *, user_id: int, attempt_id: int | None, test_title: str, test_kind: str,
                      exam_date: date, level: int, scores: SkillScores | None = None, overall: Decimal | None = None,
                      valid_months: int | None = None) -> Certificate:
    """Issue the certificate of a certified level, with the next serial of the year and its code.

    ``valid_months`` counts from the exam date (None: no end date is printed).
    """
    user = session.get(User, user_id)
    assert user is not None
    today = clock.day_in_vietnam()  # the issue day and the serial's year are the centre's
    level_info = framework("vn6").level(level)
    sequence = next_serial_number(session, today.year)
    data = CertificateData(serial=make_serial(today.year, sequence), candidate_name=user.full_name or user.username,
                           candidate_id=str(user.id), test_title=test_title, test_kind=test_kind,
                           exam_date=exam_date, issue_date=today, centre_name=ISSUER.centre_name,
                           level=CertifiedLevel.of(level_info), scores=scores or SkillScores(), overall=overall,
                           valid_until=_months_after(exam_date, valid_months) if valid_months else None)
    code = issue_code(data, _keys())
    certificate = Certificate(serial=data.serial, year=today.year, sequence=sequence, user_id=user.id,
                              attempt_id=attempt_id, data=_to_json(data), key_id=_keys().signing_key_id,
                              code_digest=lookup_digest(code), issued_at=clock.now())
    session.add(certificate)
    session.flush()
    audit.record(session, actor=None, action="certificate.issued", entity_type="certificate",
                 entity_id=certificate.id, serial=certificate.serial, attempt_id=attempt_id)
    return certificate


class SigningKeyMissing(DomainError):
    """The server lacks the key a certificate was signed with: its code can be neither shown nor verified."""

    status, slug, title = 503, "certificate-key-missing", "Certificate key missing"


def code_of(certificate: Certificate) -> str | None:
    """The verification code, recomputed from what the certificate says (it is never stored, only its digest).

    None when this server does not hold the key it was signed with: its id is not configured, or a key under
    that id is another one (a backup restored on a host with another SECRET_KEY, say), which the stored digest
    tells. A code under a wrong key would be printed and never verify."""
    keys = _keys()
    if certificate.key_id not in keys.keys:
        return None
    code = issue_code(certificate_data(certificate), VerificationKeys(signing_key_id=certificate.key_id,
                                                                      keys=keys.keys))
    return code if lookup_digest(code) == certificate.code_digest else None


def certificates_without_key(session: Session) -> dict[str, int]:
    """Per key id, how many certificates this server cannot show or verify the code of (``code_of``): what an
    operator must hear after a restore, before candidates find their codes refused."""
    missing: dict[str, int] = {}
    for certificate in session.scalars(select(Certificate).order_by(Certificate.id)):
        if code_of(certificate) is None:
            missing[certificate.key_id] = missing.get(certificate.key_id, 0) + 1
    return missing


def can_see_certificate(actor: Actor, certificate: Certificate, holder_unit_id: int | None, *,
                        ancestor_ids: Collection[int] = ()) -> bool:
    """The holder, test administrators, and HR of the holder's unit or of a unit above it (``ancestor_ids``)."""
    if certificate.user_id == actor.id or actor.has(Role.TEST_ADMIN):
        return True
    return hr_scope_covers(actor, holder_unit_id, ancestor_ids)


def get_certificate_for(session: Session, *, actor: Actor, certificate_id: int) -> Certificate:
    """Raises NotFound, alike for a certificate that does not exist and one the actor may not see, so that
    nobody learns which certificate ids are taken (as with attempts)."""
    certificate = session.get(Certificate, certificate_id)
    holder = session.get(User, certificate.user_id) if certificate is not None else None
    holder_unit_id = holder.unit_id if holder else None
    if certificate is None or not can_see_certificate(
            actor, certificate, holder_unit_id, ancestor_ids=ancestors_that_matter(session, actor, holder_unit_id)):
        raise NotFound(f"certificate {certificate_id} does not exist", field="certificate_id")
    return certificate


def list_certificates(session: Session, *, actor: Actor) -> list[Certificate]:
    """The actor's own certificates; all of them for test administrators."""
    query = select(Certificate).order_by(Certificate.id)
    if not actor.has(Role.TEST_ADMIN):
        query = query.where(Certificate.user_id == actor.id)
    return list(session.scalars(query))


def verify_public(session: Session, code: str) -> dict[str, Any]:
    """What the public may learn from a code: nothing unless the code is genuine. Raises NotFound."""
    digest = lookup_digest(code)
    certificate = session.scalar(select(Certificate).where(Certificate.code_digest == digest)) if digest else None
    if certificate is None or verify_code(certificate_data(certificate), code, _keys()) != CodeCheck.VALID:
        raise NotFound("no certificate has this code; check it letter by letter", field="code")
    view = public_view(certificate_data(certificate), today=clock.day_in_vietnam())
    return {"serial": certificate.serial, "holder": view.holder, "test_title": view.test_title,
            "level_vi": view.level_label_vi, "level_en": view.level_label_en, "cefr": view.cefr,
            "issue_date": view.issue_date, "status": str(view.status)}


def revoke_certificate(session: Session, *, actor: Actor, certificate_id: int, reason: str) -> Certificate:
    """Revoke with a reason (audited); the certified level it came with is removed, so that it no longer counts
    for learning paths and compliance, as with a revoked external certificate. The attempt keeps its result.

    Raises PermissionDenied, Conflict if already revoked, RuleViolation.
    """
    if not actor.has(Role.ADMIN):
        raise PermissionDenied("only administrators revoke certificates")
    certificate = get_certificate_for(session, actor=actor, certificate_id=certificate_id)
    if certificate.revoked_at is not None:
        raise Conflict("this certificate is already revoked")
    if not reason.strip():
        raise RuleViolation("a revocation needs its reason", field="reason")
    certificate.revoked_at, certificate.revoked_by, certificate.revocation_reason = clock.now(), actor.id, reason
    level = None if certificate.attempt_id is None else session.scalar(
        select(AssessedLevel).where(AssessedLevel.attempt_id == certificate.attempt_id))
    if level is not None:
        session.delete(level)
    audit.record(session, actor=actor, action="certificate.revoked", entity_type="certificate",
                 entity_id=certificate.id, reason=reason, level_removed=level.level if level is not None else None)
    session.flush()
    return certificate


def certificate_pdf(certificate: Certificate, *, served_verification_url: str) -> bytes:
    """The PDF, whose link and QR code lead to the configured verification address, else to
    ``served_verification_url`` (the verification endpoint of the host that serves the PDF)."""
    code = code_of(certificate)
    if code is None:
        raise SigningKeyMissing(f"this server does not hold key {certificate.key_id}, which certificate "
                                f"{certificate.serial} was signed with: configure it (LEVELPATH_CERTIFICATE_KEYS, "
                                "or the SECRET_KEY of the server that issued it) to print it")
    base = ISSUER.verification_url or served_verification_url
    return render_certificate_pdf(certificate_data(certificate), base + code.replace("-", ""), verification_code=code)

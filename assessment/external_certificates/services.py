"""Record a certificate issued elsewhere, convert it by the documented table, verify, reject or revoke it.

A verified certificate with a level becomes an AssessedLevel with basis "external", which learning/
counts as a certified level; revoking it removes that level again. Every change is audited.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.external_certificates.documents import DocumentUpload, store_document
from assessment.external_certificates.models import (
    ACTIVE_STATUSES,
    NUMBER_KEY_LENGTH,
    ExternalCertificate,
    ExternalStatus,
)
from assessment.models import AssessedLevel, LevelBasis
from assessment.rules import ConversionResult, InvalidScore, NoRuleInForce, ScaleKind, UnknownRule, convert
from assessment.rules import default_rulebook as rulebook
from core import audit, clock
from core.accounts import Actor, Role, User
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from core.units import ancestors_that_matter, hr_scope_covers, subtree_ids
from question_bank.media import MediaStore
from question_bank.models import MediaObject

ENTITY = "external_certificate"


# --- who may do what ------------------------------------------------------------------------------------

def can_manage(actor: Actor, holder_unit_id: int | None, *, ancestor_ids: Collection[int] = ()) -> bool:
    """HR records, verifies, rejects and revokes for the people of its unit and of the units below it
    (``ancestor_ids``: the units above the holder's); all units when unscoped."""
    return hr_scope_covers(actor, holder_unit_id, ancestor_ids)


def can_read(actor: Actor, certificate: ExternalCertificate, holder_unit_id: int | None, *,
             ancestor_ids: Collection[int] = ()) -> bool:
    return certificate.holder_id == actor.id or can_manage(actor, holder_unit_id, ancestor_ids=ancestor_ids)


def _may_manage_for(session: Session, actor: Actor, holder_unit_id: int | None) -> bool:
    return can_manage(actor, holder_unit_id, ancestor_ids=ancestors_that_matter(session, actor, holder_unit_id))


# --- recording ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExternalCertificateDraft:
    holder_id: int
    kind: str
    issuing_body: str
    certificate_number: str
    issued_on: date
    score: str | Mapping[str, str] | None
    purpose: str
    expires_on: date | None = None
    converted_on: date | None = None


def number_key(number: str) -> str:
    """Upper case, letters and digits only: "22vn 0123-ab" and "22VN0123AB" are the same certificate, and so is
    "２２ＶＮ０１２３ＡＢ" (full-width, as Vietnamese input methods and PDFs give it: NFKC)."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", number)).upper()


def record_external_certificate(session: Session, *, actor: Actor, store: MediaStore, draft: ExternalCertificateDraft,
                                document: DocumentUpload) -> ExternalCertificate:
    """Record a certificate with its document and its conversion (a level, or none and why).

    Raises PermissionDenied (not HR of the holder's unit or a unit above it), NotFound (no such holder), RuleViolation
    (dates, score, purpose or document refused), Conflict (the same kind and number already held).
    """
    if not actor.has(Role.HR):
        raise PermissionDenied("only HR records certificates issued elsewhere")
    holder = session.get(User, draft.holder_id)
    if holder is None:
        raise NotFound(f"user {draft.holder_id} does not exist", field="holder_id")
    if not _may_manage_for(session, actor, holder.unit_id):
        raise PermissionDenied("HR of one unit records certificates only for the people of that unit and the units "
                               "below it", field="holder_id")
    today = clock.day_in_vietnam()
    _check_dates(draft, today)
    key = number_key(draft.certificate_number)
    if not key:
        raise RuleViolation("the certificate number needs letters or digits", field="certificate_number")
    if any(unicodedata.category(character) == "Cc" for character in draft.certificate_number) or \
            len(key) > NUMBER_KEY_LENGTH:
        raise RuleViolation(f"a certificate number is printed text of at most {NUMBER_KEY_LENGTH} letters and digits, "
                            "without control characters", field="certificate_number")
    duplicate = session.scalar(select(ExternalCertificate.id).where(
        ExternalCertificate.holder_id == holder.id, ExternalCertificate.kind == draft.kind,
        ExternalCertificate.number_key == key, ExternalCertificate.status.in_(ACTIVE_STATUSES)))
    if duplicate is not None:
        raise Conflict(f"this {draft.kind} certificate number is already recorded for this person "
                       f"(external certificate {duplicate})", field="certificate_number",
                       external_certificate_id=duplicate)
    converted_on = draft.converted_on or today
    result = _convert(draft, converted_on)
    media = store_document(session, store, actor=actor, upload=document)  # last: nothing is stored for bad input
    now = clock.now()
    certificate = ExternalCertificate(
        holder_id=holder.id, kind=draft.kind, issuing_body=draft.issuing_body.strip(),
        certificate_number=draft.certificate_number.strip(), number_key=key, issued_on=draft.issued_on,
        expires_on=draft.expires_on, score=_stored_score(draft.score), purpose=draft.purpose,
        converted_on=converted_on, level=result.level, cefr=result.cefr, outcome=str(result.outcome),
        level_basis=result.level_basis, conversion_rule=result.rule_ref, regulation_id=result.regulation.id,
        regulation_citation=result.provenance.cite()[:300], conversion_explanation=result.explanation,
        document_sha256=media.sha256, document_name=document.name[:255], status=ExternalStatus.RECORDED,
        recorded_by=actor.id, recorded_at=now)
    session.add(certificate)
    session.flush()
    audit.record(session, actor=actor, action="external_certificate.recorded", entity_type=ENTITY,
                 entity_id=certificate.id, holder_id=holder.id, kind=draft.kind,
                 certificate_number=certificate.certificate_number, score=certificate.score, purpose=draft.purpose,
                 level=result.level, outcome=str(result.outcome), conversion_rule=result.rule_ref,
                 regulation=result.regulation.id, document_sha256=media.sha256)
    session.flush()
    return certificate


def _check_dates(draft: ExternalCertificateDraft, today: date) -> None:
    if draft.issued_on > today:
        raise RuleViolation(f"issued_on {draft.issued_on.isoformat()} is in the future", field="issued_on")
    if draft.expires_on is not None and draft.expires_on <= draft.issued_on:
        raise RuleViolation("a certificate expires after it is issued", field="expires_on")
    if draft.converted_on is not None and draft.converted_on > today:
        raise RuleViolation("a conversion date cannot be in the future", field="converted_on")
    if draft.converted_on is not None and draft.converted_on < draft.issued_on:
        raise RuleViolation("a certificate is converted on or after the day it was issued", field="converted_on")


def _convert(draft: ExternalCertificateDraft, on: date) -> ConversionResult:
    try:
        kind = rulebook().certificate_kind(draft.kind)
    except UnknownRule as error:
        raise RuleViolation(error.detail, field="kind") from None
    if kind.scale_kind is ScaleKind.SUBSCORES and not isinstance(draft.score, Mapping):
        names = ", ".join(name for name, _ in kind.subscores)
        raise RuleViolation(f"{kind.name} is recorded by its sub-scores ({names})", field="subscores")
    if kind.scale_kind is not ScaleKind.SUBSCORES and isinstance(draft.score, Mapping):
        raise RuleViolation(f"{kind.name} has one stated score, not sub-scores", field="subscores")
    try:
        return convert(draft.kind, draft.score, draft.purpose, on)
    except InvalidScore as error:
        field = error.field or "score"
        if isinstance(draft.score, Mapping):
            field = field.replace("score", "subscores", 1)
        raise RuleViolation(error.detail, field=field) from None
    except NoRuleInForce as error:
        raise RuleViolation(error.detail, field="converted_on") from None
    except UnknownRule as error:
        raise RuleViolation(error.detail, field=error.field or "purpose") from None


def _stored_score(score: str | Mapping[str, str] | None) -> Any:
    if isinstance(score, Mapping):
        return {name: str(value).strip() for name, value in score.items()}
    return None if score is None else str(score).strip()


# --- reading --------------------------------------------------------------------------------------------

def _holder_unit(session: Session, certificate: ExternalCertificate) -> int | None:
    return session.scalar(select(User.unit_id).where(User.id == certificate.holder_id))


def get_external_certificate_for(session: Session, *, actor: Actor, certificate_id: int) -> ExternalCertificate:
    """A certificate the actor may read (its holder, HR of the holder's unit or a unit above it). Raises
    NotFound otherwise, so that others cannot learn which certificates exist."""
    certificate = session.get(ExternalCertificate, certificate_id)
    holder_unit_id = _holder_unit(session, certificate) if certificate is not None else None
    if certificate is None or not can_read(actor, certificate, holder_unit_id,
                                           ancestor_ids=ancestors_that_matter(session, actor, holder_unit_id)):
        raise NotFound(f"external certificate {certificate_id} does not exist", field="certificate_id")
    return certificate


@dataclass(frozen=True)
class ExternalCertificateFilter:
    holder_id: int | None = None
    unit_id: int | None = None
    status: str | None = None
    kind: str | None = None


def list_external_certificates(session: Session, *, actor: Actor, filters: ExternalCertificateFilter, page: int,
                               per_page: int) -> tuple[list[ExternalCertificate], int]:
    """Certificates the actor may read, newest first, and how many match. HR sees the people of its unit and
    of the units below it (all units when unscoped), everyone else their own. Raises PermissionDenied for a
    unit outside the HR's."""
    query = select(ExternalCertificate).join(User, User.id == ExternalCertificate.holder_id)
    if actor.has(Role.HR):
        if actor.unit_id is not None and Role.ADMIN not in actor.roles:
            visible = subtree_ids(session, actor.unit_id)
            if filters.unit_id is not None and filters.unit_id not in visible:
                raise PermissionDenied("HR of one unit sees only the people of that unit and the units below it",
                                       field="unit_id")
            query = query.where(User.unit_id.in_(visible))
    else:
        query = query.where(ExternalCertificate.holder_id == actor.id)
    if filters.holder_id is not None:
        query = query.where(ExternalCertificate.holder_id == filters.holder_id)
    if filters.unit_id is not None:
        query = query.where(User.unit_id == filters.unit_id)
    if filters.status is not None:
        query = query.where(ExternalCertificate.status == filters.status)
    if filters.kind is not None:
        query = query.where(ExternalCertificate.kind == filters.kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ExternalCertificate.recorded_at.desc(), ExternalCertificate.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def get_document_for(session: Session, *, actor: Actor,
                     certificate_id: int) -> tuple[ExternalCertificate, MediaObject]:
    """The certificate and its stored document, for its holder and HR of the holder's unit or a unit above it.
    Raises NotFound."""
    certificate = get_external_certificate_for(session, actor=actor, certificate_id=certificate_id)
    media = session.get(MediaObject, certificate.document_sha256)
    assert media is not None  # the foreign key keeps it
    return certificate, media


# --- decisions ------------------------------------------------------------------------------------------

def _for_decision(session: Session, actor: Actor, certificate_id: int, what: str) -> ExternalCertificate:
    certificate = get_external_certificate_for(session, actor=actor, certificate_id=certificate_id)
    if not _may_manage_for(session, actor, _holder_unit(session, certificate)):
        raise PermissionDenied(f"only HR of the holder's unit or a unit above it may {what} this certificate")
    if certificate.holder_id == actor.id:
        raise PermissionDenied(f"you cannot {what} your own certificate; another HR officer must")
    return certificate


def verify_external_certificate(session: Session, *, actor: Actor, certificate_id: int,
                                note: str | None = None) -> ExternalCertificate:
    """Mark a recorded certificate verified (with how, if noted); its level, if any, becomes a certified level.

    Raises NotFound, PermissionDenied (not HR in scope, or the holder), Conflict (not recorded),
    RuleViolation (expired).
    """
    certificate = _for_decision(session, actor, certificate_id, "verify")
    now = clock.now()
    certificate.verify(by=actor.id, at=now, today=clock.day_in_vietnam(now), note=note.strip() if note else None)
    if certificate.level is not None:
        session.add(AssessedLevel(user_id=certificate.holder_id, level=certificate.level, basis=LevelBasis.EXTERNAL,
                                  language=rulebook().certificate_kind(certificate.kind).language,
                                  external_certificate_id=certificate.id, awarded_at=awarded_at_issue(certificate),
                                  valid_until=certificate.expires_on))
    audit.record(session, actor=actor, action="external_certificate.verified", entity_type=ENTITY,
                 entity_id=certificate.id, holder_id=certificate.holder_id, level=certificate.level,
                 note=certificate.verification_note)
    session.flush()
    return certificate


def awarded_at_issue(certificate: ExternalCertificate) -> datetime:
    """When a verified certificate's level counts from: its issue day, not the day HR checked it (verified_at).

    00:00 UTC on that day is 07:00 in Vietnam, so the level falls on the issue day whether a report counts
    days in UTC or at the centre.
    """
    return datetime.combine(certificate.issued_on, time(0), tzinfo=UTC)


def reject_external_certificate(session: Session, *, actor: Actor, certificate_id: int,
                                reason: str) -> ExternalCertificate:
    """Reject a recorded certificate with the reason. Raises NotFound, PermissionDenied, Conflict, RuleViolation."""
    if not reason.strip():
        raise RuleViolation("a rejection needs its reason", field="reason")
    certificate = _for_decision(session, actor, certificate_id, "reject")
    certificate.reject(by=actor.id, at=clock.now(), reason=reason.strip())
    audit.record(session, actor=actor, action="external_certificate.rejected", entity_type=ENTITY,
                 entity_id=certificate.id, holder_id=certificate.holder_id, reason=certificate.rejection_reason)
    session.flush()
    return certificate


def revoke_external_certificate(session: Session, *, actor: Actor, certificate_id: int,
                                reason: str) -> ExternalCertificate:
    """Withdraw a verified certificate with the reason; its certified level is removed.

    Raises NotFound, PermissionDenied, Conflict (not verified), RuleViolation (no reason).
    """
    if not reason.strip():
        raise RuleViolation("a revocation needs its reason", field="reason")
    certificate = _for_decision(session, actor, certificate_id, "revoke")
    certificate.revoke(by=actor.id, at=clock.now(), reason=reason.strip())
    level = certified_level_of(session, certificate)
    if level is not None:
        session.delete(level)
    audit.record(session, actor=actor, action="external_certificate.revoked", entity_type=ENTITY,
                 entity_id=certificate.id, holder_id=certificate.holder_id, reason=certificate.revocation_reason,
                 level_removed=level.level if level is not None else None)
    session.flush()
    return certificate


def certified_level_of(session: Session, certificate: ExternalCertificate) -> AssessedLevel | None:
    """The certified level a verified certificate gave, if any."""
    return session.scalar(select(AssessedLevel).where(AssessedLevel.external_certificate_id == certificate.id))


"""The public verification view: the holder's name masked, level, test, issue date and status only."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date

import pytest

from assessment.certificates import CertificateStatus, PublicCertificateView, mask_name, public_view


@pytest.mark.parametrize(("name", "masked"), [
    ("Nguyễn Văn An", "Nguyễn V. A."),
    ("Nguyễn Thị Minh Khai", "Nguyễn T. M. K."),
    ("  Trần   Ánh  ", "Trần Á."),
    ("Đặng Ưng", "Đặng Ư."),
    (unicodedata.normalize("NFD", "Lê Ánh Dương"), "Lê Á. D."),  # decomposed input keeps its tone marks
    ("Madonna", "M."),
    ("", ""),
])
def test_mask_name_keeps_the_family_name_and_initials(name: str, masked: str) -> None:
    assert mask_name(name) == masked
    assert unicodedata.is_normalized("NFC", mask_name(name))


def test_the_view_shows_only_what_the_policy_allows(certificate) -> None:
    view = public_view(certificate, today=date(2027, 1, 1))
    assert {field.name for field in dataclasses.fields(PublicCertificateView)} == {
        "holder", "test_title", "level_label_vi", "level_label_en", "cefr", "issue_date", "status"}
    assert view == PublicCertificateView(
        holder="Nguyễn T. Á. T.", test_title=certificate.test_title, level_label_vi="Bậc 4", level_label_en="Level 4",
        cefr="B2", issue_date=date(2026, 5, 25), status=CertificateStatus.VALID)
    shown = repr(view)
    for secret in ("Tuyết", "user-42", "1990", "6.5", "7.5", certificate.serial, certificate.centre_name):
        assert secret not in shown


def test_status_is_revoked_expired_or_valid(certificate) -> None:
    assert public_view(certificate, today=date(2028, 5, 25)).status is CertificateStatus.VALID
    assert public_view(certificate, today=date(2028, 5, 26)).status is CertificateStatus.EXPIRED
    revoked = dataclasses.replace(certificate, revoked=True, revocation_reason="thi hộ")
    assert public_view(revoked, today=date(2026, 6, 1)).status is CertificateStatus.REVOKED
    assert public_view(revoked, today=date(2030, 1, 1)).status is CertificateStatus.REVOKED  # revoked wins
    assert "thi hộ" not in repr(public_view(revoked, today=date(2026, 6, 1)))
    no_end = dataclasses.replace(certificate, valid_until=None)
    assert public_view(no_end, today=date(2099, 1, 1)).status is CertificateStatus.VALID


def test_no_level_awarded_shows_no_level(certificate) -> None:
    view = public_view(dataclasses.replace(certificate, level=None), today=date(2027, 1, 1))
    assert (view.level_label_vi, view.level_label_en, view.cefr) == (None, None, None)

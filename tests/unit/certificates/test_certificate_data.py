"""Certificate data refuses what could not be printed truthfully."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from assessment.certificates import InvalidCertificate, InvalidSerial, SkillScores


@pytest.mark.parametrize(("changes", "field"), [
    ({"candidate_name": "  "}, "candidate_name"),
    ({"issue_date": date(2026, 5, 9)}, "issue_date"),
    ({"valid_until": date(2026, 5, 24)}, "valid_until"),
    ({"date_of_birth": date(2026, 6, 1)}, "date_of_birth"),
    ({"revoked": True}, "revocation_reason"),
    ({"revocation_reason": "lỗi"}, "revocation_reason"),
    ({"overall": 7.0}, "overall"),
])
def test_inconsistent_certificates_are_refused(certificate, changes: dict, field: str) -> None:
    with pytest.raises(InvalidCertificate) as error:
        dataclasses.replace(certificate, **changes)
    assert error.value.field == field


def test_float_skill_scores_and_bad_serials_are_refused(certificate) -> None:
    with pytest.raises(InvalidCertificate, match="listening"):
        SkillScores(listening=6.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidSerial):
        dataclasses.replace(certificate, serial="LP-2026-000123-0" if not certificate.serial.endswith("0")
                            else "LP-2026-000123-1")


def test_the_serial_is_stored_in_its_canonical_form(certificate) -> None:
    typed = dataclasses.replace(certificate, serial=certificate.serial.lower().replace("-", ""))
    assert typed.serial == certificate.serial


def test_a_placement_result_may_have_no_skill_scores(certificate) -> None:
    placement = dataclasses.replace(certificate, scores=SkillScores(), overall=None, test_kind="placement")
    assert placement.scores.empty
    assert SkillScores(reading=Decimal("5.5")).rows() == [("Đọc", "Reading", Decimal("5.5"))]

"""A sample certificate with Vietnamese diacritics in every text field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assessment.certificates import CertificateData, CertifiedLevel, SkillScores, make_serial
from assessment.rules import framework

@pytest.fixture
def certificate() -> CertificateData:
    return CertificateData(
        serial=make_serial(2026, 123), candidate_name="Nguyễn Thị Ánh Tuyết", candidate_id="user-42",
        test_title="VSTEP.3-5 — Đánh giá năng lực sử dụng tiếng Anh bậc 3-5", test_kind="vstep_3_5",
        exam_date=date(2026, 5, 10), issue_date=date(2026, 5, 25),
        centre_name="Trung tâm Khảo thí Ngoại ngữ LevelPath", level=CertifiedLevel.of(framework("vn6").level(4)),
        scores=SkillScores(Decimal("6.5"), Decimal("7.0"), Decimal("6.0"), Decimal("7.5")), overall=Decimal("7.0"),
        date_of_birth=date(1990, 3, 12), valid_until=date(2028, 5, 25))


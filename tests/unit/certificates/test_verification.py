"""Verification codes: a keyed MAC over the certificate's fields, typeable, rotatable, unforgeable."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import pytest

from assessment.certificates import (
    CertificateData,
    CertifiedLevel,
    CodeCheck,
    InvalidVerificationKeys,
    SkillScores,
    VerificationKeys,
    issue_code,
    lookup_digest,
    make_serial,
    verify_code,
)
from assessment.certificates import verification as module
from assessment.rules import framework

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(100, 148))



@pytest.fixture
def keys() -> VerificationKeys:
    return VerificationKeys("K1", {"K1": KEY_1})


ALTERATIONS = {
    "serial": make_serial(2026, 124),
    "candidate_name": "Nguyễn Thị Ánh Tuyến",
    "candidate_id": "user-43",
    "date_of_birth": date(1990, 3, 13),
    "test_title": "VSTEP.3-5 (mock)",
    "test_kind": "placement",
    "exam_date": date(2026, 5, 11),
    "issue_date": date(2026, 5, 26),
    "centre_name": "Trung tâm khác",
    "level": CertifiedLevel.of(framework("vn6").level(5)),
    "scores": SkillScores(Decimal("6.5"), Decimal("7.0"), Decimal("6.0"), Decimal("8.0")),
    "overall": Decimal("7.5"),
    "valid_until": date(2029, 5, 25),
}


def test_a_code_is_24_crockford_characters_in_groups_of_four_and_verifies(certificate, keys) -> None:
    code = issue_code(certificate, keys)
    assert re.fullmatch(r"K1[0-9A-HJKMNP-TV-Z]{2}(-[0-9A-HJKMNP-TV-Z]{4}){5}", code), code
    assert verify_code(certificate, code, keys) is CodeCheck.VALID
    assert module.MAC_BITS >= 100 and module.MAC_CHARS * 5 == module.MAC_BITS


@pytest.mark.parametrize("field", sorted(ALTERATIONS))
def test_changing_any_covered_field_fails_verification(certificate, keys, field: str) -> None:
    code = issue_code(certificate, keys)
    altered = dataclasses.replace(certificate, **{field: ALTERATIONS[field]})
    assert verify_code(altered, code, keys) is CodeCheck.MISMATCH
    assert issue_code(altered, keys) != code


def test_removing_an_optional_field_fails_verification(certificate, keys) -> None:
    code = issue_code(certificate, keys)
    for field in ("date_of_birth", "valid_until", "overall", "level"):
        assert verify_code(dataclasses.replace(certificate, **{field: None}), code, keys) is CodeCheck.MISMATCH


def test_equal_values_written_differently_keep_the_code(certificate, keys) -> None:
    code = issue_code(certificate, keys)
    same = dataclasses.replace(certificate, overall=Decimal("7.00"), candidate_name=" Nguyễn  Thị Ánh Tuyết ",
                               scores=SkillScores(Decimal("6.50"), Decimal("7"), Decimal("6.0"), Decimal("7.5")))
    decomposed = dataclasses.replace(
        certificate, candidate_name="Nguye\u0302\u0303n Thi\u0323 A\u0301nh Tuye\u0302\u0301t")
    assert verify_code(same, code, keys) is CodeCheck.VALID
    assert verify_code(decomposed, code, keys) is CodeCheck.VALID


def test_revocation_is_status_not_part_of_the_code(certificate, keys) -> None:
    code = issue_code(certificate, keys)
    revoked = dataclasses.replace(certificate, revoked=True, revocation_reason="gian lận")
    assert verify_code(revoked, code, keys) is CodeCheck.VALID


def test_a_code_made_with_another_secret_fails(certificate, keys) -> None:
    forged = issue_code(certificate, VerificationKeys("K1", {"K1": KEY_2}))
    assert verify_code(certificate, forged, keys) is CodeCheck.MISMATCH


def test_rotation_keeps_old_codes_valid_and_signs_new_ones_with_the_new_key(certificate, keys) -> None:
    old_code = issue_code(certificate, keys)
    rotated = VerificationKeys("K2", {"K1": KEY_1, "K2": KEY_2})
    new_code = issue_code(certificate, rotated)
    assert new_code.startswith("K2") and new_code != old_code
    assert verify_code(certificate, old_code, rotated) is CodeCheck.VALID
    assert verify_code(certificate, new_code, rotated) is CodeCheck.VALID
    assert verify_code(certificate, new_code, keys) is CodeCheck.UNKNOWN_KEY
    retired = VerificationKeys("K2", {"K2": KEY_2})
    assert verify_code(certificate, old_code, retired) is CodeCheck.UNKNOWN_KEY


def test_a_code_cannot_be_moved_to_another_key_id(certificate) -> None:
    same_secret = VerificationKeys("K1", {"K1": KEY_1, "K3": KEY_1})
    code = issue_code(certificate, same_secret)
    assert verify_code(certificate, "K3" + code[2:], same_secret) is CodeCheck.MISMATCH


def test_truncated_garbled_and_misread_codes(certificate, keys) -> None:
    code = issue_code(certificate, keys)
    assert verify_code(certificate, code[:-1], keys) is CodeCheck.MALFORMED
    assert verify_code(certificate, code + "0", keys) is CodeCheck.MALFORMED
    assert verify_code(certificate, code[:-1] + "U", keys) is CodeCheck.MALFORMED  # U is not Crockford
    assert verify_code(certificate, "", keys) is CodeCheck.MALFORMED
    last = code[-1]
    garbled = code[:-1] + ("0" if last != "0" else "1")
    assert verify_code(certificate, garbled, keys) is CodeCheck.MISMATCH
    typed = code.lower().replace("-", " ").replace("1", "l").replace("0", "o")
    assert verify_code(certificate, typed, keys) is CodeCheck.VALID


def test_the_mac_is_compared_in_constant_time(certificate, keys, monkeypatch) -> None:
    calls = []
    real = module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(module.hmac, "compare_digest", spy)
    assert verify_code(certificate, issue_code(certificate, keys), keys) is CodeCheck.VALID
    assert len(calls) == 1


def test_lookup_digest_finds_a_code_however_it_is_typed(certificate, keys) -> None:
    code = issue_code(certificate, keys)
    assert lookup_digest(code) == lookup_digest(code.lower().replace("-", ""))
    assert lookup_digest(code) != lookup_digest(issue_code(dataclasses.replace(certificate, overall=None), keys))
    assert lookup_digest(code[:-2]) is None


@pytest.mark.parametrize(("signing", "keys", "message"), [
    ("K1", {"K1": b"short"}, "shorter than 32 bytes"),
    ("KEY1", {"KEY1": KEY_1}, "must be 2 of"),
    ("K1", {"KU": KEY_1}, "must be 2 of"),
    ("K2", {"K1": KEY_1}, "signing key 'K2' is not among the keys"),
])
def test_misconfigured_keys_are_refused_at_start_up(signing: str, keys: dict, message: str) -> None:
    with pytest.raises(InvalidVerificationKeys, match=message):
        VerificationKeys(signing, keys)


def test_distinct_certificates_get_unrelated_codes(certificate: CertificateData, keys) -> None:
    codes = {issue_code(dataclasses.replace(certificate, serial=make_serial(2026, n)), keys) for n in range(1, 51)}
    assert len(codes) == 50

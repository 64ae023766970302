"""Verification codes: an HMAC-SHA256 of the certificate's essential fields, typeable by a person.

A code reads ``K1AB-CDEF-GHJK-MNPQ-RSTV-WXYZ``: two characters of key id, then 110 bits of the MAC,
in Crockford base32 (no I, L, O, U; misread I/L/O are accepted as 1/1/0). 110 bits cannot be guessed,
and without the server's key a code cannot be made for altered data. The key id lets old codes
verify after a new key starts signing. Revocation is not covered: it is status, looked up at
verification time, and the code must keep naming the same certificate after it.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from assessment.certificates.errors import InvalidVerificationKeys
from assessment.certificates.types import CertificateData

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"I": "1", "L": "1", "O": "0"}
KEY_ID_CHARS = 2
MAC_BITS = 110  # >= 100 bits: guessing one valid code takes ~2^109 tries on average
MAC_CHARS = MAC_BITS // 5
CODE_CHARS = KEY_ID_CHARS + MAC_CHARS
GROUP = 4
MIN_KEY_BYTES = 32  # an HMAC-SHA256 key as strong as its output
ENCODING_VERSION = b"levelpath-certificate-v1"


class CodeCheck(enum.StrEnum):
    VALID = "valid"
    MALFORMED = "malformed"  # wrong length or characters: a typo or a truncated code
    UNKNOWN_KEY = "unknown_key"  # no key with that id (retired, or made up)
    MISMATCH = "mismatch"  # well formed, but not this certificate's code: forged, altered or mistyped


@dataclass(frozen=True)
class VerificationKeys:
    """The server's MAC keys by id, and the id that signs new codes; old ids keep verifying."""

    signing_key_id: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if len(key_id) != KEY_ID_CHARS or any(char not in CROCKFORD for char in key_id):
                raise InvalidVerificationKeys(f"key id {key_id!r} must be {KEY_ID_CHARS} of {CROCKFORD}")
            if len(key) < MIN_KEY_BYTES:
                raise InvalidVerificationKeys(f"key {key_id} is shorter than {MIN_KEY_BYTES} bytes")
        if self.signing_key_id not in self.keys:
            raise InvalidVerificationKeys(f"the signing key {self.signing_key_id!r} is not among the keys")


def _field(name: str, value: object) -> bytes:
    """Length-prefixed, so no two different field lists encode to the same bytes."""
    if value is None:
        return f"{name}!".encode()
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")  # 6.5, 6.50 and 6.500 are the same score
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    encoded = text.encode()
    return f"{name}={len(encoded)}:".encode() + encoded


def canonical_fields(data: CertificateData) -> Iterable[tuple[str, object]]:
    """The fields a code covers: everything printed on the certificate that identifies or grades the holder."""
    level = data.level
    return (
        ("serial", data.serial), ("candidate_name", data.candidate_name), ("candidate_id", data.candidate_id),
        ("date_of_birth", data.date_of_birth), ("test_title", data.test_title), ("test_kind", data.test_kind),
        ("exam_date", data.exam_date), ("issue_date", data.issue_date), ("centre_name", data.centre_name),
        ("listening", data.scores.listening), ("reading", data.scores.reading),
        ("writing", data.scores.writing), ("speaking", data.scores.speaking), ("overall", data.overall),
        ("level_framework", level.framework_id if level else None), ("level_code", level.code if level else None),
        ("level_cefr", level.cefr if level else None), ("valid_until", data.valid_until),
    )


def canonical_bytes(data: CertificateData, key_id: str) -> bytes:
    """The exact message the MAC is taken over, bound to the key id so a code cannot switch keys."""
    parts = [ENCODING_VERSION, _field("key_id", key_id)]
    parts.extend(_field(name, value) for name, value in canonical_fields(data))
    return b"\n".join(parts)


def _mac_chars(data: CertificateData, key_id: str, key: bytes) -> str:
    digest = hmac.new(key, canonical_bytes(data, key_id), hashlib.sha256).digest()
    bits = int.from_bytes(digest, "big") >> (len(digest) * 8 - MAC_BITS)
    return "".join(CROCKFORD[(bits >> shift) & 31] for shift in range(MAC_BITS - 5, -1, -5))


def issue_code(data: CertificateData, keys: VerificationKeys) -> str:
    """The verification code of a certificate, signed with the current key, grouped for reading aloud."""
    key_id = keys.signing_key_id
    return format_code(key_id + _mac_chars(data, key_id, keys.keys[key_id]))


def format_code(compact: str) -> str:
    return "-".join(compact[start:start + GROUP] for start in range(0, len(compact), GROUP))


def normalise_code(code: str) -> str | None:
    """The code without separators, upper case, misread letters mapped; None if it cannot be a code."""
    compact = "".join(_READ_AS.get(char, char) for char in code.upper() if char not in "- \t")
    if len(compact) != CODE_CHARS or any(char not in CROCKFORD for char in compact):
        return None
    return compact


def lookup_digest(code: str) -> str | None:
    """SHA-256 of the normalised code: an index key to find a certificate by its code without a serial."""
    compact = normalise_code(code)
    return hashlib.sha256(compact.encode()).hexdigest() if compact else None


def verify_code(data: CertificateData, code: str, keys: VerificationKeys) -> CodeCheck:
    """Whether ``code`` is this certificate's code under the key it names; compares in constant time."""
    compact = normalise_code(code)
    if compact is None:
        return CodeCheck.MALFORMED
    key_id, given = compact[:KEY_ID_CHARS], compact[KEY_ID_CHARS:]
    key = keys.keys.get(key_id)
    if key is None:
        return CodeCheck.UNKNOWN_KEY
    expected = _mac_chars(data, key_id, key)
    return CodeCheck.VALID if hmac.compare_digest(expected.encode(), given.encode()) else CodeCheck.MISMATCH

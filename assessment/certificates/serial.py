"""Certificate serial numbers such as ``LP-2026-000123-Q`` with an ISO 7064 MOD 37-2 check character.

The check character catches every single-character substitution, every swap of two adjacent
characters and every swap across one character, so a mistyped serial is rejected before any
look-up: MOD 37-2 weighs position i by 2^i modulo the prime 37, and 2 has order 36 modulo 37.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assessment.certificates.errors import InvalidSerial

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"  # ISO 7064 MOD 37-2: values 0-36
MODULUS = 37
SEQUENCE_DIGITS = 6
_PATTERN = re.compile(r"^([A-Z]{2,4})-?(\d{4})-?(\d{6})-?([0-9A-Z*])$")


def check_character(body: str) -> str:
    """The MOD 37-2 check character of the letters and digits of ``body`` (hyphens ignored)."""
    total = 0
    for char in body.replace("-", ""):
        value = ALPHABET.index(char)
        if value == MODULUS - 1:
            raise InvalidSerial("'*' may only be a check character", field="serial")
        total = (total + value) * 2 % MODULUS
    return ALPHABET[(MODULUS + 1 - total) % MODULUS]


@dataclass(frozen=True)
class Serial:
    prefix: str
    year: int
    sequence: int

    def __str__(self) -> str:
        body = f"{self.prefix}-{self.year:04d}-{self.sequence:0{SEQUENCE_DIGITS}d}"
        return f"{body}-{check_character(body)}"


def make_serial(year: int, sequence: int, *, prefix: str = "LP") -> str:
    """The serial of the ``sequence``-th certificate of ``year``; raises InvalidSerial out of range."""
    if not re.fullmatch(r"[A-Z]{2,4}", prefix):
        raise InvalidSerial("the prefix must be 2-4 capital letters", field="prefix")
    if not 1000 <= year <= 9999 or not 1 <= sequence < 10**SEQUENCE_DIGITS:
        raise InvalidSerial(f"year must have 4 digits and sequence 1 to {10**SEQUENCE_DIGITS - 1}", field="serial")
    return str(Serial(prefix, year, sequence))


def parse_serial(text: str) -> Serial:
    """Read a serial typed by a person (any case, spaces, with or without hyphens); raises InvalidSerial."""
    compact = "".join(text.split()).upper()
    match = _PATTERN.match(compact)
    if match is None:
        raise InvalidSerial("a serial looks like LP-2026-000123-Q", field="serial")
    prefix, year, sequence, check = match.groups()
    if check_character(prefix + year + sequence) != check:
        raise InvalidSerial("the serial's check character does not match: please check it for a typo",
                            field="serial")
    return Serial(prefix, int(year), int(sequence))


def normalise_serial(text: str) -> str:
    """The canonical form of a valid serial, e.g. for a database look-up."""
    return str(parse_serial(text))


def is_valid_serial(text: str) -> bool:
    try:
        parse_serial(text)
    except InvalidSerial:
        return False
    return True

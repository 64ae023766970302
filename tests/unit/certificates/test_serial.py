"""Serial numbers carry an ISO 7064 MOD 37-2 check character that catches typos before any look-up."""

from __future__ import annotations

import itertools
import string

import pytest

from assessment.certificates import InvalidSerial, is_valid_serial, make_serial, normalise_serial, parse_serial
from assessment.certificates.serial import ALPHABET, check_character

SERIALS = [make_serial(2026, n) for n in (1, 123, 99_999, 456_789, 999_999)] + [make_serial(2031, 7, prefix="HCM")]


def test_serial_round_trips_and_reads_what_a_person_types() -> None:
    serial = make_serial(2026, 123)
    assert serial.startswith("LP-2026-000123-")
    parsed = parse_serial(serial)
    assert (parsed.prefix, parsed.year, parsed.sequence) == ("LP", 2026, 123)
    assert normalise_serial(f" {serial.lower().replace('-', '')} ") == serial
    assert normalise_serial(serial.replace("-", " - ")) == serial


def test_the_check_character_satisfies_the_mod_37_2_equation() -> None:
    """Weighted sum of every character, check included, is 1 modulo 37 (ISO 7064 pure system)."""
    for serial in SERIALS:
        chars = serial.replace("-", "")
        total = sum(ALPHABET.index(char) * pow(2, len(chars) - 1 - i, 37) for i, char in enumerate(chars))
        assert total % 37 == 1, serial


def test_every_single_character_substitution_is_caught() -> None:
    for serial in SERIALS:
        for position, original in enumerate(serial):
            if original == "-":
                continue
            pool = ALPHABET if position == len(serial) - 1 else string.digits + string.ascii_uppercase
            for replacement in pool:
                if replacement != original:
                    typo = serial[:position] + replacement + serial[position + 1:]
                    assert not is_valid_serial(typo), typo


def test_every_transposition_of_neighbours_and_of_characters_one_apart_is_caught() -> None:
    for serial in SERIALS:
        chars = list(serial.replace("-", ""))
        for i, gap in itertools.product(range(len(chars)), (1, 2)):
            j = i + gap
            if j >= len(chars) or chars[i] == chars[j]:
                continue
            swapped = chars.copy()
            swapped[i], swapped[j] = swapped[j], swapped[i]
            assert not is_valid_serial("".join(swapped)), "".join(swapped)


def test_a_star_check_character_is_valid_when_the_sum_calls_for_it() -> None:
    starred = next(make_serial(2026, n) for n in range(1, 200) if check_character(f"LP2026{n:06d}") == "*")
    assert starred.endswith("-*")
    assert is_valid_serial(starred)


@pytest.mark.parametrize(("text", "message"), [
    ("LP-2026-00123-Z", "looks like"), ("", "looks like"), ("LP-26-000123-Z", "looks like"),
    ("L*-2026-000123-Z", "looks like"),
])
def test_malformed_serials_say_what_a_serial_looks_like(text: str, message: str) -> None:
    with pytest.raises(InvalidSerial, match=message):
        parse_serial(text)


def test_a_typo_is_reported_as_a_typo() -> None:
    serial = make_serial(2026, 123)
    with pytest.raises(InvalidSerial, match="typo"):
        parse_serial(serial.replace("000123", "000132"))


@pytest.mark.parametrize(("year", "sequence", "prefix"), [(2026, 0, "LP"), (2026, 1_000_000, "LP"), (26, 1, "LP"),
                                                          (2026, 1, "lp"), (2026, 1, "LPXYZ")])
def test_make_serial_refuses_what_it_cannot_number(year: int, sequence: int, prefix: str) -> None:
    with pytest.raises(InvalidSerial):
        make_serial(year, sequence, prefix=prefix)

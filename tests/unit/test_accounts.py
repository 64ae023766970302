from __future__ import annotations

import pytest

from core.accounts import Actor, Role
from core.accounts.security import hash_password, hash_token, new_token_secret, verify_password
from core.accounts.services import check_password_rules
from core.errors import RuleViolation


def test_passwords_are_hashed_with_argon2id_and_verified():
    stored = hash_password("a-long-password")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a-long-password")
    assert not verify_password(stored, "a-long-passworD")
    assert not verify_password(None, "anything-at-all")
    assert not verify_password("not-a-hash", "anything-at-all")


def test_token_secrets_are_random_and_hashed():
    first, second = new_token_secret(), new_token_secret()
    assert first != second and first.startswith("lp_") and len(first) > 40
    assert hash_token(first) == hash_token(first) != hash_token(second)


@pytest.mark.parametrize(("password", "username", "reason"), [
    ("short", "anna", "at least 10"),
    ("anna-is-my-name", "anna", "username"),
    ("ANNA-is-my-name", "anna", "username"),
    ("MyPassword2026", "anna", "'password'"),
    ("matkhau-cua-toi", "anna", "'matkhau'"),
    ("1234567890ab", "anna", "'1234567'"),
    ("qwertyuiop!!", "anna", "'qwerty'"),
    ("abababababab", "anna", "5 different"),
    ("x" * 257 + "yzabc", "anna", "at most 256"),
])
def test_password_rules(password, username, reason):
    with pytest.raises(RuleViolation) as refused:
        check_password_rules(password, username=username)
    assert reason in str(refused.value) and refused.value.field == "password"


@pytest.mark.parametrize("password", ["correct-horse-battery", "Hà Nội mùa thu 1975", "t7#Kp2!vQz",
                                      "x" * 250 + "yzabc"])
def test_long_or_varied_passwords_pass_without_composition_rules(password):
    check_password_rules(password, username="anna")


def test_admin_holds_every_role_and_others_only_their_own():
    admin = Actor(id=1, roles=frozenset({Role.ADMIN}))
    author = Actor(id=2, roles=frozenset({Role.AUTHOR}))
    assert admin.has(Role.REVIEWER) and admin.has(Role.HR)
    assert author.has(Role.AUTHOR) and not author.has(Role.REVIEWER, Role.HR)

"""Account services: creating users, checking passwords, issuing and resolving API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, contains_eager

from core import clock
from core.accounts.models import ApiToken, User, account_usable_on
from core.accounts.security import hash_password, hash_token, new_token_secret, verify_password
from core.accounts.types import Actor, Role
from core.errors import Conflict, NotFound, RuleViolation

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MIN_DISTINCT_CHARACTERS = 5
# Words and runs that password-guessing lists try first (English and Vietnamese), compared case-folded.
GUESSABLE_PARTS = ("password", "passw0rd", "matkhau", "mat khau", "levelpath", "1234567", "7654321",
                   "qwerty", "asdfgh", "zxcvbn", "1q2w3e", "abcdef", "iloveyou", "admin123", "welcome1",
                   "letmein", "000000", "111111", "123123", "abc123")
TOKEN_USE_RESOLUTION = timedelta(minutes=5)
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")


def check_password_rules(password: str, *, username: str) -> None:
    """Raises RuleViolation for a password that is easy to guess; no composition rules (NIST SP 800-63B):
    long enough, not the username, not built on a word or keyboard run everyone tries first, not one or
    two characters repeated. The upper bound keeps hashing cheap enough to refuse floods."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RuleViolation(f"password must have at most {MAX_PASSWORD_LENGTH} characters", field="password")
    folded = password.casefold()
    if username.casefold() in folded:
        raise RuleViolation("password must not contain the username", field="password")
    guessable = next((part for part in GUESSABLE_PARTS if part in folded), None)
    if guessable is not None:
        raise RuleViolation(f"password must not be built on '{guessable}', one of the first things guessed",
                            field="password")
    if len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        raise RuleViolation(f"password must use at least {MIN_DISTINCT_CHARACTERS} different characters",
                            field="password")


MAX_FULL_NAME, MAX_TOKEN_NAME = 200, 100  # what users.full_name and api_tokens.name hold


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    roles: list[Role],
    unit_id: int | None = None,
    full_name: str = "",
) -> User:
    """Create an account. Raises RuleViolation for a bad username/password, Conflict if it exists."""
    if not USERNAME_PATTERN.match(username):
        raise RuleViolation("username must be 3-80 letters, digits or . _ @ -", field="username")
    if not roles:
        raise RuleViolation("at least one role is required", field="roles")
    if len(full_name) > MAX_FULL_NAME:
        raise RuleViolation(f"a full name has at most {MAX_FULL_NAME} characters", field="full_name")
    check_password_rules(password, username=username)
    if get_user_by_username(session, username) is not None:
        raise Conflict(f"user {username!r} already exists", field="username")
    user = User(
        username=username,
        password_hash=hash_password(password),
        roles=sorted({Role(r).value for r in roles}),
        unit_id=unit_id,
        full_name=full_name,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Replace a user's password; the browser sessions begun with the old one end. Raises RuleViolation if it
    breaks the password rules."""
    check_password_rules(password, username=user.username)
    user.password_hash = hash_password(password)
    end_browser_sessions(session, user=user)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def require_user_by_username(session: Session, username: str) -> User:
    """Raises NotFound when there is no such user."""
    user = get_user_by_username(session, username)
    if user is None:
        raise NotFound(f"no user named {username!r}", field="username")
    return user


def require_usable_user(session: Session, username: str) -> User:
    """The account a command acts as (``--as``), which must be one its owner could sign in with today: a closed
    account or a leaver's past their last day does no work in anyone's name. Raises NotFound, RuleViolation."""
    user = require_user_by_username(session, username)
    if not is_usable_today(session, user):
        raise RuleViolation(f"the account {username!r} is closed or its access has ended: it cannot act",
                            field="username")
    return user


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The user with these credentials, if the account may be used today (account_usable_on), or None: the same
    work and the same answer for an unknown name, a wrong password, a closed account and one whose access ended."""
    found = session.execute(select(User, account_usable_on(clock.day_in_vietnam()))
                            .where(User.username == username)).first()
    user, usable = found if found is not None else (None, False)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not usable:
        return None
    return user


def issue_token(session: Session, *, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; returns the record and the secret, which is never stored. Raises
    RuleViolation for a name that is empty or longer than MAX_TOKEN_NAME (the API's schema says the same)."""
    if not name.strip() or len(name) > MAX_TOKEN_NAME:
        raise RuleViolation(f"a token's name has 1 to {MAX_TOKEN_NAME} characters", field="name")
    secret = new_token_secret()
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:10], token_hash=hash_token(secret))
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    """The account's API tokens, revoked ones too, newest first (their secrets are not stored)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, *, user_id: int, token_id: int) -> ApiToken:
    """Revoke one of the account's API tokens at once (again: no change). Raises NotFound for anyone else's."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound(f"you have no API token {token_id}", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        session.flush()
    return token


def revoke_all_tokens(session: Session, *, user: User) -> int:
    """Revoke every live API token of ``user`` (an incident: a leak, a departure); returns how many."""
    now, revoked = clock.now(), 0
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at, revoked = now, revoked + 1
    session.flush()
    return revoked


def is_usable_today(session: Session, user: User) -> bool:
    """Whether the account may be used on the centre's today, by the rule every way in asks (account_usable_on)."""
    session.flush()
    return bool(session.scalar(select(account_usable_on(clock.day_in_vietnam())).where(User.id == user.id)))


def set_active(session: Session, *, user: User, active: bool) -> None:
    """Open or close an account. Closing it ends its browser sessions at once; its API tokens stop working
    while it is closed (they are read only for usable accounts) and are not revoked by this alone. Opening it
    does not move its access end (``access_ends_on``, a leaver's last day employed)."""
    user.is_active = active
    if not active:
        end_browser_sessions(session, user=user)
    session.flush()


def end_browser_sessions(session: Session, *, user: User) -> None:
    """End every browser session of ``user``, wherever it runs and whoever holds a copy of its cookie."""
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()


# Built once, of the table's columns (no ORM entity to compile for): it runs on every signed-in request.
_ACCOUNTS = User.__table__.columns
_ACTIVE_ACCOUNT = select(_ACCOUNTS.roles, _ACCOUNTS.unit_id, _ACCOUNTS.username).where(
    _ACCOUNTS.id == bindparam("user_id"), account_usable_on(bindparam("day"), _ACCOUNTS),
    _ACCOUNTS.session_generation == bindparam("generation"))


def active_actor(session: Session, user_id: int, *, session_generation: int) -> tuple[Actor, str] | None:
    """The actor and username of an account usable today whose browser sessions of ``session_generation`` have
    not been ended, or None: read on every signed-in request, so only the columns it needs are fetched, in one
    statement, without building the ORM object."""
    row = session.execute(_ACTIVE_ACCOUNT, {"user_id": user_id, "generation": session_generation,
                                            "day": clock.day_in_vietnam()}).first()
    if row is None:
        return None
    return Actor.of_account(user_id, row.roles, row.unit_id), row.username


def get_user_by_token(session: Session, secret: str) -> User | None:
    """The owner of a valid, unrevoked token if the account may be used today (account_usable_on), or None."""
    token = session.scalar(  # one query: every API request runs it
        select(ApiToken).join(ApiToken.user).options(contains_eager(ApiToken.user))
        .where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None),
               account_usable_on(clock.day_in_vietnam())))
    if token is None:
        return None
    now = clock.now()
    # Record use at most every few minutes, so reads through a token do not each become a write.
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        token.last_used_at = now
    return token.user


def ensure_service_account(session: Session, *, username: str, roles: list[Role], full_name: str) -> User:
    """An account for work done by the system itself (imports), which nobody can log in as."""
    user = get_user_by_username(session, username)
    if user is None:
        # "!" is never a valid Argon2 hash, so no password can ever match it.
        user = User(username=username, full_name=full_name, password_hash="!service-account",  # noqa: S106
                    roles=sorted(r.value for r in roles))
        session.add(user)
        session.flush()
    return user

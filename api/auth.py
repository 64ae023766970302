"""Browser sessions (flask-login) and personal API tokens (Bearer) resolve to one Actor."""

from __future__ import annotations

import hmac
import re
import secrets

from flask import Flask, Request, current_app, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user

from api import access
from api.db import db_session
from core import clock
from core.accounts import Actor, User
from core.accounts import services as accounts
from core.errors import PermissionDenied, Unauthenticated


class _NoRememberMeLoginManager(LoginManager):
    """flask-login without its remember-me cookie: LevelPath issues none, and reads none.

    flask-login 0.6.3 reads a ``remember_token`` cookie whenever the browser session holds no usable login, and
    in place of the request loader: a request carrying a stray one (another app on the host, a forgery) was never
    authenticated by its ``Authorization: Bearer`` token. Here the cookie is ignored and the request loader runs as
    for any request without one, so that the cookie signs nobody in and hides no token.
    """

    def _load_user_from_remember_cookie(self, cookie: str) -> UserMixin | None:
        return self._load_user_from_request(request)


login_manager = _NoRememberMeLoginManager()


class LoginUser(UserMixin):
    """The slice of an account flask-login keeps per request."""

    def __init__(self, actor: Actor, username: str, session_generation: int = 0) -> None:
        self.id = str(actor.id)
        self.actor = actor
        self.username = username
        self.session_generation = session_generation

    @classmethod
    def of(cls, user: User) -> LoginUser:
        return cls(user.as_actor(), user.username, user.session_generation or 0)

    def get_id(self) -> str:
        """What the browser session keeps: the account and the generation of its sessions, ``id:generation``."""
        return f"{self.id}:{self.session_generation}"


SESSION_USER = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")
SESSION_STARTED = "started_at"  # the login's time, seconds since the epoch, in the signed session


def start_browser_session(user: User) -> None:
    """Sign this browser in with a fresh session, dated for its lifetime; nothing of a session begun before
    the login carries into it."""
    session.clear()
    login_user(LoginUser.of(user))
    session[SESSION_STARTED] = int(clock.now().timestamp())


def _session_is_current() -> bool:
    """Whether the browser session's login is less than PERMANENT_SESSION_LIFETIME ago (LEVELPATH_SESSION_HOURS).

    The cookie is signed, not stored: its login time is what ends a copy of it left on a shared computer, however
    often it is used. A session from before logins were dated has none, so it signs nobody in (nor does
    flask-login's remember-me cookie, which is not read at all: _NoRememberMeLoginManager).
    """
    started = session.get(SESSION_STARTED)
    if type(started) is not int:
        return False
    return clock.now().timestamp() - started < current_app.permanent_session_lifetime.total_seconds()


@login_manager.user_loader
def _load_user(session_user: str) -> LoginUser | None:
    """The account of a browser session, unless the session is past its lifetime, the account may not be used
    today (closed, or its access ended: a leaver) or its sessions were ended since (logout, a new password); a
    session from before generations were kept has none, and logs in again."""
    matched = SESSION_USER.fullmatch(session_user)
    if matched is None or not _session_is_current() or _bearer_secret(request) is not None:
        return None  # a request that names a token is the token's, whatever cookie the browser also sends
    user_id, generation = int(matched[1]), int(matched[2])
    found = accounts.active_actor(db_session(), user_id, session_generation=generation)
    return LoginUser(*found, session_generation=generation) if found is not None else None


def _bearer_secret(request: Request) -> str | None:
    """The secret of an ``Authorization: Bearer`` header; None without one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


@login_manager.request_loader
def _load_user_from_token(request: Request) -> LoginUser | None:
    secret = _bearer_secret(request)
    if secret is None:
        return None
    user = accounts.get_user_by_token(db_session(), secret)
    return LoginUser.of(user) if user is not None else None


@login_manager.unauthorized_handler
def _unauthorized() -> None:
    raise Unauthenticated("log in or send a valid API token (Authorization: Bearer ...)")


def current_actor() -> Actor:
    """The authenticated actor. Raises Unauthenticated (401 problem, never a redirect)."""
    if not current_user.is_authenticated:
        raise Unauthenticated("log in or send a valid API token (Authorization: Bearer ...)")
    return current_user.actor


CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_csrf_token() -> str:
    """A fresh token for a browser session, kept in the (signed) session and handed to the page once."""
    token = secrets.token_urlsafe(32)
    session["csrf_token"] = token
    return token


def csrf_token() -> str | None:
    return session.get("csrf_token")


def cookie_authenticated() -> bool:
    """Whether this request is signed in by a browser session's cookie: a request naming a token is signed in by
    that token or by nobody (``_load_user`` then ignores the session)."""
    return current_user.is_authenticated and _bearer_secret(request) is None


def _enforce_access() -> None:
    """Apply the endpoint's declared rule (api.access) before anything is parsed.

    Anonymous callers of a non-public endpoint get 401, signed-in callers the rule turns away 403, and an
    endpoint without a rule is refused to everybody. A change made with a browser session's cookie must
    also carry the session's CSRF token in the X-CSRF-Token header: another site can make a browser send
    the cookie, never that header. Requests with an API token are not cookie-borne and need none.
    """
    if request.endpoint is None or request.method == "OPTIONS":
        return  # 404 / 405 follow, or Flask's automatic OPTIONS answer: no data either way
    rule = access.rule_for(current_app, request.endpoint, request.method)
    if rule is None:
        current_app.logger.error("no access rule for %s %s: refused", request.method, request.endpoint)
        raise PermissionDenied("this endpoint has no access rule yet, so it is closed to everyone")
    if not rule.public and not rule.admits(current_actor()):
        raise PermissionDenied(f"this request is for {rule.describe()} only")
    if request.method in SAFE_METHODS or request.endpoint == "auth.Login" or not cookie_authenticated():
        return
    expected, sent = csrf_token(), request.headers.get(CSRF_HEADER, "")
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise PermissionDenied(f"a change made with a browser session needs the session's CSRF token in the "
                               f"{CSRF_HEADER} header (from the login response or GET /api/v1/auth/me)",
                               field=CSRF_HEADER)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_enforce_access)

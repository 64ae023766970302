"""Browser sessions (flask-login) and personal API tokens (Bearer) resolve to one Actor."""

from __future__ import annotations

from flask import Flask, Request, request
from flask_login import LoginManager, UserMixin, current_user

from api.db import db_session
from core.accounts import Actor, User
from core.accounts import services as accounts
from core.errors import Unauthenticated

login_manager = LoginManager()


class LoginUser(UserMixin):
    """The slice of an account flask-login keeps per request."""

    def __init__(self, user: User) -> None:
        self.id = str(user.id)
        self.actor = user.as_actor()
        self.username = user.username


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    if not user_id.isdigit():
        return None
    user = db_session().get(User, int(user_id))
    return LoginUser(user) if user is not None and user.is_active else None


@login_manager.request_loader
def _load_user_from_token(request: Request) -> LoginUser | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    user = accounts.get_user_by_token(db_session(), secret.strip())
    return LoginUser(user) if user is not None else None


@login_manager.unauthorized_handler
def _unauthorized() -> None:
    raise Unauthenticated("log in or send a valid API token (Authorization: Bearer ...)")


def current_actor() -> Actor:
    """The authenticated actor. Raises Unauthenticated (401 problem, never a redirect)."""
    if not current_user.is_authenticated:
        raise Unauthenticated("log in or send a valid API token (Authorization: Bearer ...)")
    return current_user.actor


# Everything under /api needs an authenticated actor except these endpoints.
PUBLIC_ENDPOINTS = frozenset({
    "system.Health",
    "auth.Login",
    "auth.Logout",
    "certificates.VerifyCertificate",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
})


def _require_authentication() -> None:
    """Authenticate before parsing, so anonymous callers learn nothing about a request's shape."""
    if request.path.startswith("/api/v1") and request.endpoint and request.endpoint not in PUBLIC_ENDPOINTS:
        current_actor()


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_require_authentication)

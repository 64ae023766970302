from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_login import logout_user

from api.access import PUBLIC, SIGNED_IN, allow
from api.accounts.schemas import LoginSchema, SessionUserSchema, TokenCreateSchema, TokenListedSchema, TokenSchema
from api.auth import cookie_authenticated, current_actor, new_csrf_token, start_browser_session
from api.schemas import Blueprint
from api.db import db_session
from core.accounts import User, throttle
from core.accounts import services as accounts
from core.errors import Unauthenticated

class LoginFailed(Unauthenticated):
    """A failed login is answered with 401, and its count is kept for the throttle."""

    keeps_changes = True


blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in, log out, API tokens")


@blp.route("/login")
class Login(MethodView):
    @allow(PUBLIC)
    @blp.arguments(LoginSchema)
    @blp.response(200, SessionUserSchema)
    def post(self, credentials):
        """Log in with a username and password; starts a browser session.

        The response's `csrf_token` goes in the X-CSRF-Token header of every change made with this session.
        """
        address = request.remote_addr or "unknown"
        throttle.check_allowed(db_session(), username=credentials["username"], address=address)
        user = accounts.authenticate(db_session(), **credentials)
        if user is None:
            throttle.record_failure(db_session(), username=credentials["username"], address=address)
            raise LoginFailed("unknown username or wrong password")
        throttle.record_success(db_session(), username=credentials["username"], address=address)
        start_browser_session(user)
        new_csrf_token()
        return user


@blp.route("/logout")
class Logout(MethodView):
    @allow(PUBLIC)
    @blp.response(204)
    def post(self):
        """End the browser session, and every other browser session of the account (copies of its cookie too)."""
        if cookie_authenticated():
            accounts.end_browser_sessions(db_session(), user=db_session().get(User, current_actor().id))
        logout_user()


@blp.route("/me")
class Me(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, SessionUserSchema)
    def get(self):
        """The account behind this request (with a browser session: its CSRF token too)."""
        return db_session().get(User, current_actor().id)


@blp.route("/tokens")
class Tokens(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        """Create a personal API token for the current account; the secret is shown once."""
        user = db_session().get(User, current_actor().id)
        token, secret = accounts.issue_token(db_session(), user=user, name=data["name"])
        return {"id": token.id, "name": token.name, "prefix": token.prefix, "created_at": token.created_at,
                "token": secret}

    @allow(SIGNED_IN)
    @blp.response(200, TokenListedSchema(many=True))
    def get(self):
        """Your API tokens, revoked ones too, newest first (never their secrets)."""
        return accounts.list_tokens(db_session(), user_id=current_actor().id)


@blp.route("/tokens/<int:token_id>")
class TokenById(MethodView):
    @allow(SIGNED_IN)
    @blp.response(204)
    def delete(self, token_id):
        """Revoke one of your API tokens at once, e.g. one that leaked (404 for anyone else's)."""
        accounts.revoke_token(db_session(), user_id=current_actor().id, token_id=token_id)

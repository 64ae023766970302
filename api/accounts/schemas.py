from __future__ import annotations

import marshmallow as ma

from api.schemas import StrictSchema


class LoginSchema(StrictSchema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1000))


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    unit_id = ma.fields.Integer(allow_none=True)
    access_ends_on = ma.fields.Date(allow_none=True, metadata={
        "description": "The last day (inclusive, the centre's day in Vietnam) the account may be used: from the next "
                       "day its login fails like a wrong password and its sessions and API tokens stop working; null: "
                       "no end. An account linked to a staff record ends with the record's left_on (last day "
                       "employed) and opens again when HR clears it"})


class SessionUserSchema(UserSchema):
    csrf_token = ma.fields.Function(lambda _user: _session_csrf_token(), allow_none=True, metadata={
        "description": "Browser sessions: send it as X-CSRF-Token with every change (null with an API token)"})


def _session_csrf_token() -> str | None:
    from api.auth import cookie_authenticated, csrf_token

    return csrf_token() if cookie_authenticated() else None


class TokenCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))


class TokenSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String()
    created_at = ma.fields.DateTime()
    token = ma.fields.String(metadata={"description": "The secret; shown only in the response that creates it"})


class TokenListedSchema(ma.Schema):
    """A token as listed: never its secret, which is not stored."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "The secret's first characters, to tell tokens apart"})
    created_at = ma.fields.DateTime()
    last_used_at = ma.fields.DateTime(allow_none=True, metadata={"description": "To within a few minutes"})
    revoked_at = ma.fields.DateTime(allow_none=True)

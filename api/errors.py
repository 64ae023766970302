"""The one place that turns errors into RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Flask, Response, current_app, g, json, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.errors import DomainError

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String(metadata={"description": "Path of the offending field, dot-separated"})
    location = ma.fields.String(metadata={"description": "json, query, path or headers"})
    message = ma.fields.String()


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error under /api is reported; extension members (e.g. the
    current ETag of a stale write, the attempt already in progress) add what the client needs next."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


class LevelPathApi(Api):
    """flask-smorest's Api, documenting and producing problem+json for every error."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Response:
        return handle_http_exception(error)


def problem_response(status: int, *, title: str, detail: str, slug: str | None = None,
                     errors: list[dict[str, str]] | None = None, headers: Mapping[str, str] | None = None,
                     **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or _slug(status)),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if k not in body})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _slug(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-")
    except ValueError:
        return "error"


def flatten_messages(messages: Any, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Turn marshmallow's nested {field: [msg] | {...}} into (dotted path, message) pairs."""
    if isinstance(messages, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in messages.items():
            pairs.extend(flatten_messages(value, (*path, str(key))))
        return pairs
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return [(".".join(path), m) for m in messages]
        pairs = []
        for index, value in enumerate(messages):
            pairs.extend(flatten_messages(value, (*path, str(index))))
        return pairs
    return [(".".join(path), str(messages))]


def _validation_errors(messages: Mapping[str, Any]) -> list[dict[str, str]]:
    # webargs keys messages by location first: {"json": {"level": ["Not a valid integer."]}}
    entries = []
    for location, by_field in messages.items():
        for field, message in flatten_messages(by_field):
            entries.append({"field": field or "(body)", "location": location, "message": message})
    return entries


def handle_http_exception(error: HTTPException) -> Response:
    if not request.path.startswith("/api"):
        return error.get_response()
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = _validation_errors(data["messages"]) if "messages" in data else None
    detail = error.description or ""
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    headers = dict(data.get("headers") or {})
    # a client acts on these: the methods allowed (405), the length a range must fall in (416)
    if (needed := {405: "allow", 416: "content-range"}.get(code)) is not None:
        headers.update({k: v for k, v in error.get_headers() if k.lower() == needed})
    return problem_response(code, title=HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_
                            else error.name, detail=detail, errors=errors, headers=headers)


def handle_domain_error(error: DomainError) -> Response:
    if error.keeps_changes:
        g.keep_changes = True
    errors = None
    field_errors = getattr(error, "errors", None) or ({error.field: [error.detail]} if error.field else {})
    if field_errors:
        errors = [{"field": field, "message": message}
                  for field, messages in field_errors.items() for message in messages]
    headers = {"WWW-Authenticate": 'Bearer realm="levelpath"'} if error.status == 401 else {}
    if "retry_after" in error.extra:  # seconds, e.g. a login pause (429)
        headers["Retry-After"] = str(error.extra["retry_after"])
    return problem_response(error.status, title=error.title, detail=error.detail, slug=error.slug,
                            errors=errors, headers=headers, **error.extra)


def handle_value_out_of_range(error: Exception) -> Response:
    """A value the database cannot hold (a safety net: schemas and routes bound what they take)."""
    current_app.logger.warning("value out of range: %s", error)
    return problem_response(422, title="Unprocessable Content", slug="unprocessable-content",
                            detail="a value in the request is out of range or too long for what it names "
                                   "(numbers at most 2147483647)")


def handle_integrity_error(error: IntegrityError) -> Response:
    """A constraint the database enforces was hit by a concurrent change: the client may retry."""
    current_app.logger.warning("integrity error: %s", error.orig)
    return problem_response(409, title="Conflict with the current state", slug="conflict",
                            detail="the change conflicts with data saved meanwhile; reload and retry")


def handle_database_unavailable(error: OperationalError) -> Response:
    current_app.logger.error("database unavailable: %s", error.orig)
    return problem_response(503, title="Service unavailable", slug="service-unavailable",
                            detail="the database is unavailable; retry shortly", headers={"Retry-After": "5"})


def handle_unexpected(error: Exception) -> Response:
    current_app.logger.exception("unhandled error", exc_info=error)
    if not request.path.startswith("/api"):
        return InternalServerError().get_response()
    return problem_response(500, title="Internal Server Error",
                            detail="an unexpected error occurred; it has been logged")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OverflowError, handle_value_out_of_range)
    app.register_error_handler(DataError, handle_value_out_of_range)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)

"""Schema building blocks shared by every blueprint."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NoReturn

import flask_smorest
import marshmallow as ma
from flask import Request, current_app, request
from marshmallow.utils import missing
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from api.errors import PROBLEM_MEDIA_TYPE, ProblemSchema
from core.db import INT32_MAX
from core.languages import LANGUAGE_CODE

MAX_PER_PAGE = 200
# The last page whose rows a database integer can still count to: a larger page reached the database as an offset
# it could not bind (a 422 naming no parameter).
MAX_PAGE = INT32_MAX // MAX_PER_PAGE
# An id in a query string (an Id in a body is a JSON number): 1 up to the database's largest.
QUERY_ID = ma.validate.Range(min=1, max=INT32_MAX)


class StrictSchema(ma.Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = ma.RAISE


class PageArgsSchema(StrictSchema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


class Id(ma.fields.Integer):
    """An id in a request body: a whole number (a JSON number, not text) from 1 to the database's largest. In a
    query string, where every value is text, an id is an Integer validated by QUERY_ID."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", ma.validate.Range(min=1, max=INT32_MAX))
        super().__init__(strict=True, **kwargs)


class IdConverter(IntegerConverter):
    """Integers in paths as the database stores them: a larger one matches no route (404), never a 500."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(url_map, *args, **kwargs)


def id_parameter_schema(_converter: IdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": INT32_MAX}


class PageMetaSchema(ma.Schema):
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
    total_capped = ma.fields.Boolean(metadata={"description": "True when there are at least `total` matches"})


def page_of(items: list, *, total: int, page: int, per_page: int, total_capped: bool = False) -> dict:
    return {"items": items, "meta": {"page": page, "per_page": per_page, "total": total,
                                     "total_capped": total_capped}}


class CommentSchema(StrictSchema):
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class WholeMatch(ma.validate.Regexp):
    """A pattern the whole value must match: Python's ``$`` also matches before a final newline, so "en\\n" passed
    ``^[a-z]{2,3}$`` and was stored, and found by no search for "en". Documented as its pattern, as Regexp is."""

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


# A language as the whole product stores it (core.languages), in a query or a body.
# (Anchored for the OpenAPI document, whose patterns match anywhere in the value unless anchored.)
LANGUAGE = WholeMatch(f"^{LANGUAGE_CODE.pattern}$", error="a lower-case ISO 639 language code such as en")


class StrictParser(FlaskParser):
    """Unknown query parameters are errors too (webargs would drop them), as in JSON bodies; and a body is JSON
    as RFC 8259 has it: Python's parser also takes NaN and Infinity, which SQLite then stored and PostgreSQL's
    JSONB refused with a 422 naming nothing."""

    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict[str, str | None]] = {
        location: None for location in FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION
    }

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            return missing
        data = req.get_data(cache=True)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:  # as webargs reports it
            raise json.JSONDecodeError(f"Bytes decoding error : {error.reason}", doc=str(error.object),
                                       pos=error.start) from error
        try:
            body = json.loads(text, parse_constant=_not_a_json_number, parse_float=_finite_number,
                              parse_int=_integer)
        except RecursionError:  # a few thousand nested brackets: Python's parser gives up, not the body's fault
            raise json.JSONDecodeError(f"nested more than {MAX_JSON_DEPTH} levels deep", doc=text, pos=0) from None
        unstorable = _first_unstorable_text(body)
        if unstorable is not None:
            where, reason = unstorable
            abort(422, messages={"json": {where or "json": [reason]}})
        return body

    def pre_load(self, location_data: Mapping, *, schema: ma.Schema, req: Request, location: str) -> Mapping:
        if location == "query":
            problems = query_problems(req.args, schema.fields)
            if problems:
                raise ma.ValidationError(problems)
        return location_data

    def _handle_invalid_json_error(self, error: json.JSONDecodeError | UnicodeDecodeError, req: Request,
                                   *args: Any, **kwargs: Any) -> NoReturn:
        """As webargs answers, saying what is wrong with the body."""
        reason = error.msg if isinstance(error, json.JSONDecodeError) else error.reason
        abort(400, exc=error, messages={"json": [f"Invalid JSON body: {reason}."]})


# Query values are text that marshmallow reads with Python's int() and date.fromisoformat(), which take more than
# the OpenAPI types say: "1_0", " 1 ", fullwidth and Arabic-Indic digits; "20251231" and "2025-W01-1".
QUERY_TEXT_FORMS: tuple[tuple[type[ma.fields.Field], re.Pattern[str], str], ...] = (
    (ma.fields.Integer, re.compile(r"-?[0-9]+"), "Not a valid integer: ASCII digits, with a leading minus or none."),
    (ma.fields.Date, re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "Not a valid date: YYYY-MM-DD."),
)


def query_problems(args: MultiDict[str, str], fields: Mapping[str, ma.fields.Field]) -> dict[str, list[str]]:
    """What is wrong with a query string's parameters, by name, before the schema of ``fields`` reads any: a name
    it does not have, a value given more than once for a field that takes one (webargs read the first and
    dropped the others unseen), text no column stores, or an integer or a date in another form than the plain
    one."""
    by_key = {field.data_key or name: field for name, field in fields.items() if not field.dump_only}
    problems: dict[str, list[str]] = {}
    for key in args:
        field = by_key.get(key)
        values = args.getlist(key)
        if field is None:
            problems[key] = ["Unknown field."]
        elif len(values) > 1 and not isinstance(field, ma.fields.List):
            problems[key] = [f"given more than once ({len(values)} times); give it once"]
        else:
            single = field.inner if isinstance(field, ma.fields.List) else field
            reasons = (_query_text_problem(value, single) for value in values)
            reason = next((reason for reason in reasons if reason is not None), None)
            if reason is not None:
                problems[key] = [reason]
    return problems


def _query_text_problem(value: str, field: ma.fields.Field) -> str | None:
    reason = _unstorable(value)
    if reason is not None:
        return reason
    for kind, form, message in QUERY_TEXT_FORMS:
        if isinstance(field, kind) and form.fullmatch(value) is None:
            return message
    return None


def _unstorable(text: str) -> str | None:
    """Why no text column stores ``text``, or None: a lone UTF-16 surrogate ("\\ud83d": valid JSON escaping but
    no character, which UTF-8 cannot encode, so writing it was a 500) or NUL (PostgreSQL refuses it in text and
    JSON, where SQLite kept it)."""
    if "\x00" in text:
        return "text may not hold the NUL character (\\u0000)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "text may not hold a lone UTF-16 surrogate (\\ud800-\\udfff unpaired)"
    return None


# No body the API takes nests deeper than a few levels; deeper ones are refused before anything walks them.
MAX_JSON_DEPTH = 64


def _first_unstorable_text(value: Any, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """Where in a JSON body a string or a key is one no text column stores (_unstorable), or the body nests
    deeper than MAX_JSON_DEPTH, and why."""
    if len(path) > MAX_JSON_DEPTH:
        return ".".join(path[:3]), f"nested more than {MAX_JSON_DEPTH} levels deep"
    if isinstance(value, str):
        reason = _unstorable(value)
        return None if reason is None else (".".join(path), reason)
    if isinstance(value, dict):
        for key, item in value.items():
            reason = _unstorable(key)
            if reason is not None:
                return ".".join(path), f"a key: {reason}"
            found = _first_unstorable_text(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_unstorable_text(item, (*path, str(index)))
            if found is not None:
                return found
    return None


# The longest integer Python reads from text (PYTHONINTMAXSTRDIGITS; 0 is no limit): longer is a ValueError.
MAX_INTEGER_DIGITS = sys.get_int_max_str_digits() or 4300


def _not_a_json_number(name: str) -> NoReturn:
    raise json.JSONDecodeError(f"{name} is not a number JSON has", doc=name, pos=0)


def _finite_number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999: a JSON number, but no float holds it
        raise json.JSONDecodeError(f"{text} is too large a number", doc=text, pos=0)
    return number


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:  # Python refuses to read it (ValueError): a 500 before this
        raise json.JSONDecodeError(f"an integer of {digits} digits is too large a number", doc=text[:20], pos=0)
    return int(text)


# Set on a view method that reads its query string with a schema (Blueprint.arguments, location "query").
QUERY_ATTRIBUTE = "levelpath_reads_query"


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the strict parser; an endpoint without a query schema refuses any query
    parameter as one with a schema refuses an unknown one (before, ?status=draft was silently ignored)."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(_refuse_query_not_read)

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Callable[[Callable], Callable]:
        decorator = super().arguments(schema, location=location, **kwargs)
        if location != "query":
            return decorator

        def reads_query(view: Callable) -> Callable:
            view = decorator(view)
            setattr(view, QUERY_ATTRIBUTE, True)  # the decorators above it copy it (functools.wraps)
            return view

        return reads_query

    def problem(self, status: int, description: str):
        """Document a problem+json answer an endpoint gives, with when it gives it."""
        return self.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE,
                                 description=description)


def _refuse_query_not_read() -> None:
    """A query string sent to an endpoint that reads none is a 422 naming its parameters (after the access rule:
    the app's own before_request hooks run first)."""
    if not request.args or request.endpoint is None or request.method == "OPTIONS":
        return
    view = current_app.view_functions[request.endpoint]
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = request.method.lower()
        view = getattr(view_class, method, None) or (getattr(view_class, "get", None) if method == "head" else None)
    if view is None or getattr(view, QUERY_ATTRIBUTE, False):
        return
    abort(422, messages={"query": query_problems(request.args, {})})

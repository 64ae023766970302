"""Schema building blocks shared by every blueprint."""

from __future__ import annotations

import json
import math
import sys
from typing import Any, ClassVar, NoReturn

import flask_smorest
import marshmallow as ma
from flask import Request
from marshmallow.utils import missing
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.routing import IntegerConverter

from api.errors import PROBLEM_MEDIA_TYPE, ProblemSchema
from core.db import INT32_MAX

MAX_PER_PAGE = 200


class StrictSchema(ma.Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = ma.RAISE


class PageArgsSchema(StrictSchema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


class Id(ma.fields.Integer):
    """An id in a request body or query: a whole number from 1 to the database's largest."""

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

    def _handle_invalid_json_error(self, error: json.JSONDecodeError | UnicodeDecodeError, req: Request,
                                   *args: Any, **kwargs: Any) -> NoReturn:
        """As webargs answers, saying what is wrong with the body."""
        reason = error.msg if isinstance(error, json.JSONDecodeError) else error.reason
        abort(400, exc=error, messages={"json": [f"Invalid JSON body: {reason}."]})


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


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def problem(self, status: int, description: str):
        """Document a problem+json answer an endpoint gives, with when it gives it."""
        return self.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE,
                                 description=description)

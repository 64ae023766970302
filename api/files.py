"""Stored files sent with range requests as RFC 9110 §14 asks: one byte range is answered (206), any other
Range header is ignored (200, the whole file), and an unsatisfiable range is a 416 with its length."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Response, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

RANGE_NOT_SATISFIABLE = ("A byte range past the file's end (`Content-Range: bytes */<size>`); a Range header of "
                         "another unit, unparseable or of several ranges is ignored (200, the whole file)")
_RANGE_SPEC = re.compile(r"(?P<first>[0-9]+)-(?P<last>[0-9]*)|-(?P<suffix>[0-9]+)")
_MAX_DIGITS = 18  # positions past 10**18 bytes mean "past the end" for any file; int() need not read 5000 digits


def send_stored_file(path: Path, *, mimetype: str, etag: str, max_age: int | None) -> Response:
    """Send a file with conditional and range requests: If-None-Match / If-Modified-Since (304), If-Range,
    a single byte range (206 with Content-Range), an unsatisfiable one (416 with `Content-Range: bytes */size`);
    a Range header of another unit, unparseable or of several ranges is ignored, so the whole file is sent."""
    response = send_file(path, mimetype=mimetype, etag=etag, max_age=max_age, conditional=False)
    environ = dict(request.environ)
    single = single_byte_range(environ.get("HTTP_RANGE"), length=response.content_length)
    if single is None:
        environ.pop("HTTP_RANGE", None)
    else:
        environ["HTTP_RANGE"] = single
    try:
        response = response.make_conditional(environ, accept_ranges=True, complete_length=response.content_length)
    except RequestedRangeNotSatisfiable:
        response.close()  # the open file
        raise
    if response.status_code == 304:
        response.headers.pop("X-Sendfile", None)  # some front servers would send the file anyway
    return response


def single_byte_range(value: str | None, *, length: int | None) -> str | None:
    """The Range header as one byte range (`bytes=0-99`, `bytes=100-`, `bytes=-500`) of a file of `length`
    bytes, or None when it is to be ignored: absent, of another unit than bytes, not parseable, a first
    position after the last, or several ranges (answering those with the whole file is what RFC 9110 allows
    and every client understands)."""
    if not value:
        return None
    unit, equals, specs = value.partition("=")
    if not equals or unit.strip(" \t").lower() != "bytes":
        return None
    ranges = [spec.strip(" \t") for spec in specs.split(",")]
    ranges = [spec for spec in ranges if spec]  # empty list elements are allowed (RFC 9110 §5.6.1)
    if len(ranges) != 1:
        return None
    match = _RANGE_SPEC.fullmatch(ranges[0])
    if match is None:
        return None
    if match["suffix"] is not None:
        suffix = _position(match["suffix"])  # the last N bytes of a shorter file: all of it (RFC 9110 §14.1.2)
        return f"bytes=-{suffix if length is None else min(suffix, length)}"
    first = _position(match["first"])
    if not match["last"]:
        return f"bytes={first}-"
    last = _position(match["last"])
    if _digits(match["first"]) > _digits(match["last"]):
        return None
    return f"bytes={first}-{last}"


def _digits(number: str) -> tuple[int, str]:
    """A key ordering decimal strings of any length by value."""
    significant = number.lstrip("0")
    return len(significant), significant


def _position(number: str) -> int:
    return int(number) if len(number.lstrip("0")) <= _MAX_DIGITS else 10**_MAX_DIGITS


def file_answer(*media_types: str, json_schema: type | None = None) -> dict:
    """The OpenAPI of a 200 answered with a file of one of these types: `@blp.doc(**file_answer("application/pdf"))`;
    ``json_schema``: the schema of the JSON answer the endpoint gives otherwise (a doc replaces it)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = dict.fromkeys(media_types, binary)
    if json_schema is not None:
        content = {"application/json": {"schema": json_schema}, **content}
    return {"responses": {200: {"content": content}}}

"""Reading untrusted XML and packages safely: no external entities, no entity bombs, no zip slip."""

from __future__ import annotations

import lzma
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_XML_BYTES = 20 * 1024 * 1024
MAX_PACKAGE_BYTES = 200 * 1024 * 1024  # uncompressed, all members together
MAX_PACKAGE_MEMBERS = 20_000
MAX_COMPRESSION_RATIO = 200
# Below this a member cannot be a bomb whatever its ratio (a second of near-silent WAV compresses
# 200 times): the cap on the package's total uncompressed size bounds what small members unpack to.
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # one uploaded file or package, as sent
# What zipfile raises for a member it cannot unpack: a failed CRC, a damaged or cut-off stream, an unknown
# compression method (NotImplementedError) or a password (RuntimeError).
_UNREADABLE_MEMBER = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError,
                      RuntimeError)


class UnsafeInput(ValueError):
    """The input is refused outright: it is hostile or too large to read safely."""


def parse_xml(data: bytes, *, source: str) -> Element:
    """Parse XML with DTDs, entities and external references forbidden.

    Raises UnsafeInput for anything hostile or oversized and ValueError for malformed XML.
    """
    if len(data) > MAX_XML_BYTES:
        raise UnsafeInput(f"{source}: XML larger than {MAX_XML_BYTES // (1024 * 1024)} MiB")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise UnsafeInput(f"{source}: refused XML with a DTD or entity declarations ({type(error).__name__})") \
            from None
    except SyntaxError as error:  # ParseError is a SyntaxError
        raise ValueError(f"{source}: malformed XML: {error}") from None
    except LookupError as error:  # an encoding Python does not know
        raise ValueError(f"{source}: malformed XML: {error}") from None


def safe_member_name(name: str) -> str:
    """A package member's normalised path; raises UnsafeInput for absolute or escaping paths."""
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeInput(f"package member {name!r} has an absolute or Windows path")
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        raise UnsafeInput(f"package member {name!r} points outside the package")
    return str(PurePosixPath(*parts)) if parts else ""


def open_package(path_or_file: str | Path | BinaryIO, *, source: str) -> dict[str, bytes]:
    """Read every member of a zip package after checking names, sizes and compression ratios.

    Raises UnsafeInput before extracting anything if any member is unsafe.
    """
    try:
        archive = zipfile.ZipFile(path_or_file)
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"{source}: not a readable zip package ({error})") from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_PACKAGE_MEMBERS:
            raise UnsafeInput(f"{source}: more than {MAX_PACKAGE_MEMBERS} files in the package")
        total = 0
        for info in members:
            safe_member_name(info.filename)
            total += info.file_size
            if info.file_size > RATIO_CHECK_FROM_BYTES and info.compress_size \
                    and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
                raise UnsafeInput(f"{source}: member {info.filename!r} is compressed suspiciously well (zip bomb?)")
        if total > MAX_PACKAGE_BYTES:
            raise UnsafeInput(f"{source}: unpacks to more than {MAX_PACKAGE_BYTES // (1024 * 1024)} MiB")
        files: dict[str, bytes] = {}
        for info in members:
            try:
                data = archive.read(info)
            except _UNREADABLE_MEMBER as error:
                raise ValueError(f"{source}: not a readable zip package (member {info.filename!r}: {error})") \
                    from None
            if len(data) != info.file_size:
                raise UnsafeInput(f"{source}: member {info.filename!r} is not the size its header says")
            files[safe_member_name(info.filename)] = data
        return files

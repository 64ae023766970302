"""Loading one QTI document safely, with its XIncludes, and finding the files it refers to."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

from question_bank.interchange.model import MediaFile
from question_bank.interchange.qti.names import XINCLUDE_NAMESPACES, Version, detect_version, rename, split_tag
from question_bank.interchange.safety import UnsafeInput, parse_xml

Resolve = Callable[[str], bytes | None]
MAX_INCLUDE_DEPTH = 4
MIME_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
              ".ogg": "audio/ogg", ".oga": "audio/ogg", ".mp3": "audio/mpeg", ".wav": "audio/wav",
              ".weba": "audio/webm", ".webm": "video/webm", ".mp4": "video/mp4"}
# Refused even though browsers show them: SVG can carry scripts.
REFUSED_TYPES = {".svg": "SVG images can carry scripts", ".svgz": "SVG images can carry scripts"}


class NotQti(ValueError):
    """The XML is well formed but is not a QTI 2.x or 3.0 document."""


@dataclass(slots=True)
class Document:
    """A parsed QTI document, renamed to QTI 3 vocabulary, and how to reach the files beside it."""

    source: str
    root: Element
    version: Version
    resolve: Resolve
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.root.tag.removeprefix("qti-")


def relative(resolve: Resolve, base: str) -> Resolve:
    """A resolver for a file referred to as ``base``: its references are relative to it."""
    folder = posixpath.dirname(base)

    def resolve_relative(href: str) -> bytes | None:
        return resolve(posixpath.normpath(posixpath.join(folder, href)) if folder else href)

    return resolve_relative


def sibling_source(source: str, href: str) -> str:
    """How to name a referenced file in reports: the referring source's folder plus the href."""
    prefix, separator, path = source.rpartition(":")  # "package.zip:items/q1.xml" or a plain path
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), href))
    return f"{prefix}{separator}{joined}"


def parse(data: bytes, *, source: str) -> Element:
    """``safety.parse_xml``, with an unknown declared encoding reported as malformed XML too."""
    try:
        return parse_xml(data, source=source)
    except LookupError as error:
        raise ValueError(f"{source}: malformed XML: {error}") from None


def load(source: str, data: bytes, resolve: Resolve) -> Document:
    """Parse, rename and expand XIncludes. Raises UnsafeInput, ValueError (malformed) or NotQti."""
    root = parse(data, source=source)
    version = detect_version(root)
    if version is None:
        _namespace, local = split_tag(root.tag)
        if local == "questestinterop":
            raise NotQti(f"{source}: QTI 1.x (<questestinterop>) is not supported; export QTI 2.1 or 3.0")
        raise NotQti(f"{source}: not a QTI 2.x or 3.0 document (root element <{local}>)")
    rename(root, version)
    document = Document(source, root, version, resolve)
    _expand_includes(document, root, resolve, depth=0)
    return document


def _expand_includes(document: Document, root: Element, resolve: Resolve, *, depth: int) -> None:
    parents = {node: parent for parent in root.iter() for node in parent}
    for include in [node for node in root.iter() if isinstance(node.tag, str)
                    and split_tag(node.tag)[0] in XINCLUDE_NAMESPACES and split_tag(node.tag)[1] == "include"]:
        parent = parents.get(include)
        if parent is None:
            continue
        href = (include.get("href") or "").strip()
        replacement = _included(document, href, include.get("parse") or "xml", resolve, depth)
        index = list(parent).index(include)
        tail = include.tail or ""
        parent.remove(include)
        if isinstance(replacement, str):
            text = replacement + tail
            if index:
                parent[index - 1].tail = (parent[index - 1].tail or "") + text
            else:
                parent.text = (parent.text or "") + text
        else:
            replacement.tail = (replacement.tail or "") + tail
            parent.insert(index, replacement)


def _included(document: Document, href: str, mode: str, resolve: Resolve, depth: int) -> Element | str:
    where = f"xi:include of {href!r}"
    if depth >= MAX_INCLUDE_DEPTH:
        document.notes.append(f"{where} is nested more than {MAX_INCLUDE_DEPTH} deep; left out")
        return ""
    data = resolve(href) if href else None
    if data is None:
        document.notes.append(f"{where}: the file is missing from the source; left out")
        return ""
    if mode == "text":
        return data.decode("utf-8", errors="replace")
    try:
        root = parse(data, source=f"{document.source} ({where})")
    except UnsafeInput:
        raise  # a hostile include refuses the whole document
    except ValueError as error:
        document.notes.append(f"{where}: {error}; left out")
        return ""
    rename(root, detect_version(root) or document.version)
    _expand_includes(document, root, relative(resolve, href), depth=depth + 1)
    return root


class _Sources(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []  # (src, enclosing media tag, declared type)
        self.media: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("audio", "video"):
            self.media.append(tag)
        if values.get("src"):
            self.found.append((values["src"], tag if tag != "source" or not self.media else self.media[-1],
                               values.get("type", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("audio", "video") and self.media:
            self.media.pop()


def media_type(src: str, tag: str, declared: str) -> str | None:
    extension = posixpath.splitext(src.split("?", 1)[0].split("#", 1)[0])[1].lower()
    mime = MIME_TYPES.get(extension)
    if extension == ".webm" and (tag == "audio" or declared.startswith("audio/")):
        return "audio/webm"
    return mime


def collect_media(fragments: Iterable[str], resolve: Resolve, notes: list[str]) -> tuple[MediaFile, ...]:
    """The media files sanitised fragments refer to, read through ``resolve``; problems become notes."""
    parser = _Sources()
    for fragment in fragments:
        parser.feed(fragment)
    parser.close()
    media: dict[str, MediaFile] = {}
    for src, tag, declared in parser.found:
        name = escape(src, quote=True)
        if name in media or src.startswith("data:"):
            continue
        if ":" in src.split("/", 1)[0]:
            notes.append(f"media {src!r} is on another site; it was not copied into LevelPath")
            continue
        extension = posixpath.splitext(src)[1].lower()
        if extension in REFUSED_TYPES:
            notes.append(f"media {src!r} refused: {REFUSED_TYPES[extension]}")
            continue
        mime = media_type(src, tag, declared)
        if mime is None:
            notes.append(f"media {src!r} is not a type LevelPath accepts (images PNG/JPEG/GIF, audio, video)")
            continue
        data = resolve(src)
        if data is None:
            notes.append(f"media file {src!r} is missing from the source")
            continue
        media[name] = MediaFile(name=name, data=data, mime_type=mime)
    return tuple(media.values())

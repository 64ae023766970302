"""One Moodle ``<question>`` being read: its texts as sanitised HTML, its files, its notes."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from question_bank.interchange.model import MediaFile
from question_bank.interchange.moodle.files import decode_media
from question_bank.interchange.moodle.levelpath import Broken, Draft
from question_bank.interchange.moodle.textformats import MOODLE, to_html
from question_bank.markup import plain_text

_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'<>\s?#]+)")


def text_of(element: Element | None) -> str:
    """The ``<text>`` of an element (or its own text, as very old files have it), stripped."""
    if element is None:
        return ""
    inner = element.find("text")
    return ((inner.text if inner is not None else element.text) or "").strip()


def flag(value: str | None, default: bool) -> bool:
    """Moodle writes booleans as 1/0 or true/false."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes"}


def number(value: str | None, what: str) -> float:
    """A finite number, or Broken naming the field: NaN and infinity are not marks."""
    try:
        parsed = float((value or "").strip())
    except ValueError:
        parsed = math.nan
    if not math.isfinite(parsed):
        raise Broken(f"{what} {value!r} is not a number")
    return parsed


class Question:
    """One ``<question>`` being read: its texts, its files and what had to be noted on the way."""

    def __init__(self, element: Element, source: str, lp_type: str | None) -> None:
        self.element, self.source, self.lp_type = element, source, lp_type
        self.media: dict[str, MediaFile] = {}
        self.notes: list[str] = []

    def rich(self, element: Element | None, transform: Callable[[str], str] | None = None) -> str:
        """The element's text as sanitised HTML, its ``@@PLUGINFILE@@`` files decoded and named."""
        if element is None:
            return ""
        raw = text_of(element)
        files = {}
        for file in element.findall("file"):
            folder = (file.get("path") or "/").strip("/")
            files[f"{folder}/{file.get('name', '')}" if folder else file.get("name", "")] = file.text or ""

        def local(match: re.Match[str]) -> str:
            name = unquote(match.group(1))
            if name not in self.media:
                if name in files:
                    self.media[name] = decode_media(name, files[name])
                else:
                    self.notes.append(f"refers to the file {name!r}, which the Moodle file does not contain")
            return name

        if transform is not None:  # first, so spans found in the raw text still fit
            raw = transform(raw)
        raw = _PLUGINFILE.sub(local, raw)
        return to_html(raw, element.get("format") or MOODLE)  # Moodle's default for texts without one

    def plain(self, element: Element | None) -> str:
        """The element's text without markup (Moodle's true/false answer names)."""
        return plain_text(self.rich(element))

    def stem(self, transform: Callable[[str], str] | None = None) -> str:
        """The question text, with a Moodle 1.9 ``<image>`` appended as the upgrade to 2.0 did."""
        stem = self.rich(self.element.find("questiontext"), transform)
        image = (self.element.findtext("image") or "").strip()
        if image:
            encoded = self.element.findtext("image_base64")
            if encoded and encoded.strip():
                self.media[image] = decode_media(image, encoded)
                stem += f'<p><img src="{image}" alt="" /></p>'
            else:
                self.notes.append(f"refers to the legacy image {image!r}, which the Moodle file does not contain")
        return stem

    def points(self, default: float = 1.0) -> float:
        """defaultgrade, or the given default (a cloze's weights) when the file has none."""
        grade = self.element.findtext("defaultgrade")
        return number(grade, "defaultgrade") if grade and grade.strip() else default

    def draft(self, item_type: str, content: dict[str, Any], scoring: dict[str, Any]) -> Draft:
        """The draft of this question; a contradicting lp-type tag is noted, not obeyed."""
        if self.lp_type and self.lp_type != item_type:
            self.notes.append(f"ignored the tag lp-type:{self.lp_type}: the Moodle question is a "
                              f"{self.element.get('type')} question read as {item_type}")
        return Draft(source=self.source, type=item_type, content=content, scoring=scoring,
                     media=list(self.media.values()), notes=self.notes)

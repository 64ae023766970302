"""Item text is a small, safe subset of XHTML: formatting, lists, tables, images and audio.

Anything else (scripts, event handlers, javascript: URLs, styles, forms, iframes, other tools' classes)
is removed, so text from imports or authors can be shown to candidates as is.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset({
    "p", "br", "b", "strong", "i", "em", "u", "s", "sub", "sup", "small", "span", "div", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr",
    "td", "th", "caption", "colgroup", "col", "img", "audio", "video", "source", "track", "figure", "figcaption",
    "hr", "a", "abbr", "cite", "q", "ruby", "rt", "rp", "label",
})
VOID_TAGS = frozenset({"br", "img", "source", "track", "hr", "col"})
# Contents dropped together with the tag.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg",
                                  "math", "form", "select", "textarea", "button", "head", "title"})
ALLOWED_ATTRIBUTES = frozenset({
    "class", "lang", "xml:lang", "dir", "title", "alt", "src", "href", "width", "height", "colspan", "rowspan",
    "scope", "controls", "type", "start", "reversed", "kind", "srclang", "label", "data-lp-gap",
})
# Classes and titles from other tools can give the key away to a candidate (Moodle's editors mark the right
# choice with class="ACorrectChoice"; a tooltip may say "correct"), and LevelPath styles nothing by them.
# Only LevelPath's own classes stay: the blocks its Moodle and GIFT export wraps around a passage or a
# note, and the parts of its starter bank (instructions, e-mails, a listening transcript delivery hides),
# and QTI 3's standard layout classes.
LEVELPATH_CLASSES = frozenset({
    "levelpath-stimulus", "levelpath-note", "lp-instruction", "lp-instructions", "lp-task", "lp-email", "lp-note",
    "lp-data", "transcript",
})
# QTI 3's shared CSS vocabulary for layout (columns, alignment, sizes, hiding): names fixed by the standard.
QTI_LAYOUT_CLASS = re.compile(r"qti-(?:(?:layout|align|valign|float|width|height|padding|margin|list-style-type"
                              r"|input-width|writing-orientation)-[a-z0-9-]+|hidden|visually-hidden|bordered|well"
                              r"|underline|fullwidth)")
# Attributes kept only where they mean something: an abbreviation's expansion, a subtitle track's name
# (elsewhere a title is a tooltip, and a label is nothing at all).
ONLY_ON = {"title": frozenset({"abbr"}), "label": frozenset({"track"})}
URL_ATTRIBUTES = frozenset({"src", "href"})
SAFE_URL_SCHEMES = ("http:", "https:", "mailto:", "data:image/")


def _safe_url(value: str) -> bool:
    compact = "".join(value.split()).lower()
    if ":" not in compact.split("/", 1)[0]:
        return True  # relative reference, e.g. media/intro.ogg
    return compact.startswith(SAFE_URL_SCHEMES)


# Parts of a passage for examiners only, which delivery to candidates leaves out (a recording's transcript).
HIDDEN_FROM_CANDIDATES = frozenset({"transcript"})


class _Sanitiser(HTMLParser):
    def __init__(self, hidden_classes: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0
        self.hidden_classes = hidden_classes
        self.hiding = 0  # depth inside an element whose class is hidden: it goes with all it holds

    def _hides(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        """Track elements of a hidden class (and everything inside them); True while inside one."""
        if tag in VOID_TAGS:
            return self.hiding > 0
        if self.hiding:
            self.hiding += 1
            return True
        classes = {c for name, value in attrs if name == "class" for c in (value or "").split()}
        if classes & self.hidden_classes:
            self.hiding = 1
            return True
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.hidden_classes and self._hides(tag, attrs):
            return
        if tag in DROPPED_WITH_CONTENT:
            if tag not in VOID_TAGS:
                self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        kept = []
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES or (name in URL_ATTRIBUTES and not _safe_url(value or "")) \
                    or tag not in ONLY_ON.get(name, (tag,)):
                continue
            if name == "class":
                value = " ".join(c for c in (value or "").split()
                                 if c in LEVELPATH_CLASSES or QTI_LAYOUT_CLASS.fullmatch(c))
                if not value:
                    continue
            kept.append(f' {name}="{escape(value or "", quote=True)}"' if value is not None else f" {name}")
        if tag == "a":
            kept.append(' rel="noopener noreferrer"')
        self.out.append(f"<{tag}{''.join(kept)}{' /' if tag in VOID_TAGS else ''}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS or tag in DROPPED_WITH_CONTENT:
            self.handle_starttag(tag, attrs)
            if tag in DROPPED_WITH_CONTENT and tag not in VOID_TAGS:
                self.dropping -= 1
            return
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.hiding:
            self.hiding -= tag not in VOID_TAGS
            return
        if tag in DROPPED_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:
            closing = self.open.pop()
            self.out.append(f"</{closing}>")
            if closing == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping and not self.hiding:
            self.out.append(escape(data, quote=False))

    def close(self) -> None:
        super().close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")


def sanitise_html(fragment: str) -> str:
    """The fragment with only allowed tags and attributes, well nested, text escaped, in NFC.

    NFC (composed accents) changes nothing a reader sees, and makes text typed on keyboards that
    decompose accents (some Vietnamese ones) compare, search and re-import as the same text.
    """
    parser = _Sanitiser()
    parser.feed(unicodedata.normalize("NFC", fragment))
    parser.close()
    return "".join(parser.out).strip()


def for_candidates(fragment: str) -> str:
    """A sanitised fragment without its examiners-only parts (HIDDEN_FROM_CANDIDATES: a listening passage's
    transcript would answer the questions on the recording)."""
    parser = _Sanitiser(HIDDEN_FROM_CANDIDATES)
    parser.feed(fragment)
    parser.close()
    return "".join(parser.out).strip()


# Elements a browser shows apart from the text around them: their edges part words as a space does.
BLOCK_TAGS = frozenset({
    "p", "br", "div", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure", "figcaption", "hr",
    "section", "article", "header", "footer", "aside", "nav", "main", "address",
})


def plain_text(fragment: str) -> str:
    """The text of a fragment without any markup, whitespace collapsed (for search and GIFT); a block element's
    edges and a line break part words ("Line one<br/>line two" is "Line one line two", not "oneline")."""

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in BLOCK_TAGS:
                self.parts.append(" ")

        def handle_endtag(self, tag: str) -> None:
            if tag in BLOCK_TAGS:
                self.parts.append(" ")

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())

"""Between QTI's XML body content and LevelPath's sanitised XHTML fragments, both ways.

Readers serialise (already renamed) XML elements to HTML text and run it through
``markup.sanitise_html``; writers parse a stored fragment back into XML elements, turning
``{{gap}}`` markers into interaction elements on the way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

from question_bank.interchange.qti.names import MATHML_NAMESPACE, XHTML_TAGS, split_tag
from question_bank.item_types.base import GAP_MARKER
from question_bank.markup import VOID_TAGS, sanitise_html

# Attributes HTML may write without a value. XML needs one, and QTI 3.0's schema types them as
# xs:boolean, so a bare one travels as name="1" ("true" and "controls" stay what they are).
BOOLEAN_ATTRIBUTES = frozenset({"controls", "reversed"})
BARE = "1"
BLOCK_TAGS = ("p", "div", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "h1",
              "h2", "h3", "h4", "h5", "h6", "blockquote", "dl", "dt", "dd", "figure", "figcaption", "section",
              "article", "aside", "header", "footer", "nav", "hr", "br", "audio", "video", "source", "track")
_LAYOUT_SPACE = re.compile(r"[ \t\r\n]+")  # not \s: a no-break space is content, not layout
_BLOCK = r"(?:" + "|".join(BLOCK_TAGS) + r")\b"
_WRAPPERS = r"(?:strong|b|em|i|u|span|small|sub|sup|code|q|cite|abbr|a)\b"
_SPACE_AT_BLOCKS = re.compile(r" ?(</?" + _BLOCK + r"[^>]*>) ?")
# "<p><strong> Title </strong></p>": padding just inside a block, even within inline wrappers.
_SPACE_AFTER_OPEN = re.compile(r"(<" + _BLOCK + r"[^>]*>(?:<" + _WRAPPERS + r"[^>]*>)+) ")
_SPACE_BEFORE_CLOSE = re.compile(r" ((?:</" + _WRAPPERS + r">)+</" + _BLOCK + r">)")
_EMPTY_WRAPPER = re.compile(r"<(div|p|span)(?: [^>]*)?></\1>")
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MEDIA_TYPES = {"audio": "audio", "video": "video", "image": "img"}


class Serialiser:
    """Renders renamed QTI body content as HTML, noting what it had to flatten or drop."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def inner(self, element: Element) -> str:
        parts = [escape(element.text or "", quote=False)]
        for node in element:
            parts.append(self.outer(node))
            parts.append(escape(node.tail or "", quote=False))
        return "".join(parts)

    def outer(self, element: Element) -> str:
        if not isinstance(element.tag, str):
            return ""  # a comment or processing instruction
        namespace, local = split_tag(element.tag)
        if namespace is not None:
            if namespace == MATHML_NAMESPACE:
                self.note("MathML was kept as plain text")
            else:
                self.note(f"kept only the text of <{local}> (namespace {namespace})")
            return escape("".join(element.itertext()), quote=False)
        if local == "object":
            return self._object(element)
        if local not in XHTML_TAGS:
            if local != "qti-content-body":
                self.note(f"<{local}> has no LevelPath equivalent; only its content was kept")
            return self.inner(element)
        attributes = "".join(self._attribute(name, value) for name, value in element.attrib.items())
        if local in VOID_TAGS:
            return f"<{local}{attributes} />"
        return f"<{local}{attributes}>{self.inner(element)}</{local}>"

    @staticmethod
    def _attribute(name: str, value: str) -> str:
        if name in BOOLEAN_ATTRIBUTES and value in ("", BARE):
            return f" {name}"
        return f' {name}="{escape(value, quote=True)}"'

    def _object(self, element: Element) -> str:
        """QTI 2 embeds media as <object data type>; LevelPath uses <audio>, <video> and <img>."""
        kind = MEDIA_TYPES.get(element.get("type", "").split("/")[0])
        source = element.get("data", "")
        if kind is None or not source:
            self.note(f"an <object> of type {element.get('type') or 'unknown'} was dropped")
            return ""
        if kind == "img":
            return f'<img src="{escape(source, quote=True)}" alt="" />'
        return f'<{kind} controls src="{escape(source, quote=True)}"></{kind}>'


def to_fragment(html: str, *, preserve_space: bool) -> str:
    """Sanitised XHTML; layout whitespace of foreign files is collapsed unless it must stay exact."""
    if not preserve_space and "<pre" not in html:
        html = _LAYOUT_SPACE.sub(" ", html)
        html = _SPACE_AT_BLOCKS.sub(r"\1", html)
        html = _SPACE_BEFORE_CLOSE.sub(r"\1", _SPACE_AFTER_OPEN.sub(r"\1", html))
    fragment = sanitise_html(html)
    if not preserve_space:
        while _EMPTY_WRAPPER.search(fragment):  # layout boxes the removed interaction or stimulus left empty
            fragment = _EMPTY_WRAPPER.sub("", fragment)
    return fragment


def unwrap_single_paragraph(fragment: str) -> str:
    """``<p>text</p>`` -> ``text``: choices are often wrapped in one paragraph or span for layout only."""
    match = re.fullmatch(r"<(p|span)>(.*)</\1>", fragment, flags=re.DOTALL)
    if match and f"<{match.group(1)}" not in match.group(2) and f"</{match.group(1)}>" not in match.group(2):
        return match.group(2).strip()
    return fragment


def xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot hold at all (control characters)."""
    return _XML_UNSAFE.sub("", text)


class _FragmentParser(HTMLParser):
    def __init__(self, root: Element, gap: Callable[[str], Element] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [root]
        self.gap = gap

    def _append_text(self, text: str) -> None:
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    def handle_data(self, data: str) -> None:
        data = xml_safe(data)
        if self.gap is None:
            self._append_text(data)
            return
        position = 0
        for match in GAP_MARKER.finditer(data):
            self._append_text(data[position:match.start()])
            self.stack[-1].append(self.gap(match.group(1)))
            position = match.end()
        self._append_text(data[position:])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: xml_safe(value if value is not None else BARE if name in BOOLEAN_ATTRIBUTES
                                               else "") for name, value in attrs})
        self.stack[-1].append(element)
        if tag not in VOID_TAGS:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or all(element.tag != tag for element in self.stack[1:]):
            return
        while self.stack[-1].tag != tag:
            self.stack.pop()
        self.stack.pop()


def parse_fragment(fragment: str, container: Element, *, gap: Callable[[str], Element] | None = None) -> Element:
    """Append a (sanitised) HTML fragment's nodes to ``container``; ``gap(id)`` replaces each marker."""
    parser = _FragmentParser(container, gap)
    parser.feed(fragment)
    parser.close()
    return container

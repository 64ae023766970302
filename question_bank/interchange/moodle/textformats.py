"""Moodle's four text formats turned into LevelPath's sanitised XHTML.

Moodle (and GIFT) texts come as ``html``, ``moodle_auto_format``, ``plain_text`` or ``markdown``.
Everything ends up as a sanitised fragment; a text that is one short block stays without a ``<p>``
wrapper so option labels and one-line stems read as they did in Moodle.
"""

from __future__ import annotations

import re
from html import escape

from question_bank.markup import sanitise_html

HTML, MOODLE, PLAIN, MARKDOWN = "html", "moodle_auto_format", "plain_text", "markdown"
FORMATS = (HTML, MOODLE, PLAIN, MARKDOWN)
# Names GIFT uses in its [format] prefixes.
GIFT_FORMATS = {"html": HTML, "moodle": MOODLE, "plain": PLAIN, "markdown": MARKDOWN}

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")


def to_html(text: str, text_format: str | None) -> str:
    """The text as a sanitised fragment; an unknown format is treated as Moodle's auto-format."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text_format == HTML:
        return sanitise_html(text)
    if text_format == MARKDOWN:
        return sanitise_html(_markdown(text))
    if text_format == PLAIN:
        return sanitise_html(_blocks(escape(text, quote=False)))
    return sanitise_html(_blocks(text))  # moodle_auto_format keeps inline HTML, as Moodle does


def _blocks(text: str) -> str:
    """Blank lines separate paragraphs; a single newline is a line break."""
    blocks = [block.strip() for block in _BLANK_LINE.split(text.strip()) if block.strip()]
    rendered = [block.replace("\n", "<br />") for block in blocks]
    if len(rendered) == 1:
        return rendered[0]
    return "".join(f"<p>{block}</p>" for block in rendered)


def _inline(text: str) -> str:
    text = escape(text, quote=False)
    text = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", text)
    text = _LINK.sub(lambda m: f'<a href="{m.group(2).replace(chr(34), "&quot;")}">{m.group(1)}</a>', text)
    text = _STRONG.sub(lambda m: f"<strong>{m.group(2)}</strong>", text)
    text = _EMPHASIS.sub(lambda m: f"<em>{m.group(2)}</em>", text)
    return re.sub(r" {2,}\n", "<br />", text).replace("\n", " ")


class _MarkdownBlocks:
    """Collects the paragraphs, headings and lists of a markdown text, one line at a time."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.paragraph: list[str] = []
        self.items: list[str] = []
        self.list_tag = ""

    def end_paragraph(self) -> None:
        if self.paragraph:
            self.parts.append(f"<p>{_inline(chr(10).join(self.paragraph))}</p>")
            self.paragraph = []

    def end_list(self) -> None:
        if self.items:
            items = "".join(f"<li>{_inline(item)}</li>" for item in self.items)
            self.parts.append(f"<{self.list_tag}>{items}</{self.list_tag}>")
            self.items = []
        self.list_tag = ""

    def line(self, line: str) -> None:
        bullet, numbered, heading = _BULLET.match(line), _NUMBERED.match(line), _HEADING.match(line)
        if bullet or numbered:
            self.end_paragraph()
            tag = "ul" if bullet else "ol"
            if self.list_tag != tag:
                self.end_list()
            self.list_tag = tag
            self.items.append((bullet or numbered).group(1))  # type: ignore[union-attr]
        elif heading:
            self.end_paragraph()
            self.end_list()
            level = len(heading.group(1))
            self.parts.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif self.items and line.strip():
            self.items[-1] += "\n" + line.strip()  # a continuation of the last list item
        elif line.strip():
            self.end_list()
            self.paragraph.append(line)


def _markdown(text: str) -> str:
    """Paragraphs, headings, bulleted and numbered lists, emphasis, code and links: what Moodle users type."""
    blocks = _MarkdownBlocks()
    for block in _BLANK_LINE.split(text.strip()):
        for line in block.split("\n"):
            blocks.line(line)
        blocks.end_paragraph()
        blocks.end_list()
    if len(blocks.parts) == 1 and blocks.parts[0].startswith("<p>"):
        return blocks.parts[0][3:-4]
    return "".join(blocks.parts)

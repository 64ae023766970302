"""One vocabulary for QTI 2.x and 3.0: every document is renamed to QTI 3 names before it is read.

QTI 2 writes ``choiceInteraction responseIdentifier="R"``; QTI 3 writes
``qti-choice-interaction response-identifier="R"``. Readers only ever see the QTI 3 spelling with
namespaces removed, so the mapping to LevelPath's model exists once. Elements of other namespaces
(MathML, XInclude, vendor extensions) keep a ``{namespace}`` prefix so they are never mistaken for
QTI or XHTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import IntEnum
from xml.etree.ElementTree import Element

QTI3_NAMESPACE = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
QTI2_NAMESPACES = frozenset({
    "http://www.imsglobal.org/xsd/imsqti_v2p0",
    "http://www.imsglobal.org/xsd/imsqti_v2p1",
    "http://www.imsglobal.org/xsd/imsqti_v2p2",
})
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
XINCLUDE_NAMESPACES = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

# XHTML elements QTI 2 places in its own namespace; every other QTI 2 element is a QTI element.
XHTML_TAGS = frozenset({
    "a", "abbr", "acronym", "address", "article", "aside", "audio", "b", "bdi", "bdo", "big", "blockquote", "br",
    "caption", "cite", "code", "col", "colgroup", "dd", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "kbd", "label", "li", "nav",
    "object", "ol", "p", "param", "pre", "q", "rb", "rp", "rt", "rtc", "ruby", "samp", "section", "small", "source",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "track", "tt",
    "u", "ul", "var", "video", "wbr",
})
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


class Version(IntEnum):
    QTI2 = 2
    QTI3 = 3


def split_tag(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    return None, tag


def kebab(name: str) -> str:
    """``responseIdentifier`` -> ``response-identifier`` (QTI 2 to QTI 3 spelling)."""
    return _CAMEL.sub(r"-\1", name).lower()


def detect_version(root: Element) -> Version | None:
    """The QTI version of a document from its root's namespace (or, lacking one, its spelling)."""
    namespace, local = split_tag(root.tag)
    if namespace == QTI3_NAMESPACE:
        return Version.QTI3
    if namespace in QTI2_NAMESPACES:
        return Version.QTI2
    if namespace is None and local.startswith("qti-"):
        return Version.QTI3
    if namespace is None and local in {"assessmentItem", "assessmentTest", "assessmentStimulus"}:
        return Version.QTI2
    return None


def canonical_tag(tag: str, version: Version) -> str:
    """The QTI 3 local name of a QTI or XHTML element; ``{ns}local`` for anything else."""
    namespace, local = split_tag(tag)
    if namespace is not None and namespace != QTI3_NAMESPACE and namespace not in QTI2_NAMESPACES:
        return tag
    if version is Version.QTI3 or local in XHTML_TAGS:
        return local
    return "qti-" + kebab(local)


def canonical_attribute(name: str, version: Version) -> str | None:
    """The QTI 3 spelling of an attribute; ``xml:lang``/``xml:base`` kept; other namespaced ones dropped."""
    namespace, local = split_tag(name)
    if namespace == XML_NAMESPACE:
        return "xml:" + local
    if namespace is not None:
        return None
    return local if version is Version.QTI3 else kebab(local)


def rename(element: Element, version: Version) -> None:
    """Rename a whole tree in place to canonical tags and attributes."""
    for node in element.iter():
        if not isinstance(node.tag, str):  # comments and processing instructions
            continue
        node.tag = canonical_tag(node.tag, version)
        attributes = {}
        for key, value in node.attrib.items():
            renamed = canonical_attribute(key, version)
            if renamed is not None:
                attributes[renamed] = value
        node.attrib.clear()
        node.attrib.update(attributes)


def children(element: Element, *tags: str) -> Iterator[Element]:
    return (child for child in element if child.tag in tags)


def child(element: Element, tag: str) -> Element | None:
    return next(children(element, tag), None)


def descendants(element: Element, *tags: str) -> Iterator[Element]:
    return (node for node in element.iter() if node.tag in tags and node is not element)


def text_of(element: Element | None) -> str:
    """All text inside an element, whitespace collapsed (values are often padded with newlines)."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def is_interaction(tag: str) -> bool:
    return tag.startswith("qti-") and tag.endswith("-interaction")


def describe(element: Element, version: Version) -> str:
    """An element's name as its own document spells it, for messages a person will search for."""
    tag = element.tag
    if version is Version.QTI2 and tag.startswith("qti-"):
        words = tag[4:].split("-")
        return "<" + words[0] + "".join(word.capitalize() for word in words[1:]) + ">"
    return f"<{tag}>"

"""Reading one QTI document: an item, a stimulus, or an assessment test and the items it refers to."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from xml.etree.ElementTree import Element

from question_bank.interchange.model import ImportedItem, ReadError, ReadResult, Unsupported
from question_bank.interchange.qti.documents import Document, NotQti, Resolve, load, relative, sibling_source
from question_bank.interchange.qti.extension import Metadata, with_metadata
from question_bank.interchange.qti.items import read_item
from question_bank.interchange.qti.names import describe
from question_bank.interchange.safety import UnsafeInput

MAX_SECTION_DEPTH = 8


def read_qti_document(source: str, data: bytes, *, resolve: Resolve) -> list[ReadResult]:
    """Read one QTI 2.x/3.0 XML document. Never raises: problems become ReadError or Unsupported.

    ``resolve(href)`` returns the bytes of a file referred to relative to this document (stimuli,
    XIncludes, media, a test's items), or None when it is absent.
    """
    return read_document(source, data, resolve)


def read_document(source: str, data: bytes, resolve: Resolve, *, metadata: Metadata | None = None,
                  tests: bool = True) -> list[ReadResult]:
    try:
        document = load(source, data, resolve)
        if document.kind == "assessment-item":
            return [with_metadata(read_item(document, metadata), metadata)]
        if document.kind in ("assessment-test", "assessment-section"):
            if tests:
                return _read_test(document)
            return [ReadError(source=source, reason=f"{describe(document.root, document.version)} where an item "
                                                    "was expected")]
        identifier = (document.root.get("identifier") or "").strip() or None
        if document.kind == "assessment-stimulus":
            return [Unsupported(source=source, identifier=identifier, type=None,
                                reason="a stimulus on its own is not a question: it is imported with the items "
                                       "that refer to it")]
        return [ReadError(source=source, reason=f"{describe(document.root, document.version)} is not a QTI item, "
                                                "stimulus or test (a fragment another file includes?)")]
    except UnsafeInput as error:
        return [ReadError(source=source, reason=str(error), refused=True)]
    except (NotQti, ValueError) as error:
        return [ReadError(source=source, reason=str(error))]
    except RecursionError:
        return [ReadError(source=source, reason="elements nested too deeply to read")]
    except Exception as error:  # one unreadable document must not end the whole import
        return [ReadError(source=source, reason=f"could not be read ({type(error).__name__}: {error})")]


def item_references(document: Document, root: Element, *, base: str = "", depth: int = 0) -> list[str]:
    """Every item a test refers to, in delivery order and through section files, as paths relative
    to the test document.
    """
    found: list[str] = []
    for node in root.iter():
        href = (node.get("href") or "").strip()
        path = posixpath.normpath(posixpath.join(base, href)) if href else ""
        if node.tag == "qti-assessment-item-ref" and href:
            found.append(path)
        elif node.tag == "qti-assessment-section-ref" and href:
            data = document.resolve(path) if depth < MAX_SECTION_DEPTH else None
            if data is None:
                document.notes.append(f"section {href} is missing from the source")
                continue
            section = load(sibling_source(document.source, path), data, relative(document.resolve, path))
            found.extend(item_references(document, section.root, base=posixpath.dirname(path), depth=depth + 1))
    return found


def _read_test(document: Document) -> list[ReadResult]:
    root = document.root
    identifier = (root.get("identifier") or "").strip() or None
    name = (root.get("title") or "").strip() or identifier or document.source
    note = (f"read through assessment test {name!r} ({document.source}); its structure (parts, sections, order, "
            "time limits) is not imported: tests are defined in LevelPath")
    results: list[ReadResult] = []
    seen: set[str] = set()
    references = item_references(document, root)
    for href in references:
        source = sibling_source(document.source, href)
        if source in seen:
            continue
        seen.add(source)
        data = document.resolve(href)
        if data is None:
            results.append(ReadError(source=source, reason=f"assessment test {name!r} refers to {href}, "
                                                           "which is missing from the source"))
            continue
        for result in read_document(source, data, relative(document.resolve, href), tests=False):
            if isinstance(result, ImportedItem):
                result = replace(result, notes=(*result.notes, *document.notes, note))
            results.append(result)
    if not references:
        results.append(Unsupported(source=document.source, identifier=identifier, type=None,
                                   reason="an assessment test that refers to no items; its structure is not "
                                          "imported: tests are defined in LevelPath"))
    return results

"""Turning paths (files, folders, zip packages) into read results, whatever their format."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from collections.abc import Callable, Iterator
from pathlib import Path

from question_bank.interchange.model import ReadError, ReadResult
from question_bank.interchange.safety import UnsafeInput, open_package, parse_xml, safe_member_name

QTI_ITEM_ROOTS = {"qti-assessment-item", "assessmentItem"}
QTI_TEST_ROOTS = {"qti-assessment-test", "assessmentTest"}
QTI_STIMULUS_ROOTS = {"qti-assessment-stimulus", "assessmentStimulus"}
MANIFEST = "imsmanifest.xml"
GIFT_SUFFIXES = {".gift", ".txt"}
# Archives inside a package or folder are not opened (nesting is how zip bombs multiply); they are named.
ARCHIVE_SUFFIXES = {".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar"}
NOTHING_FOUND = "no QTI, Moodle XML or GIFT file found in it"
NO_QUESTION = "no question found in it"


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _root_name(data: bytes, source: str) -> str:
    return _local_name(parse_xml(data, source=source).tag)


def read_files(label: str, files: dict[str, bytes]) -> Iterator[ReadResult]:
    """Read a set of files that belong together (a folder or an unpacked package).

    A manifest makes it a content package. Otherwise every file is read on its own, except files
    that another one pulls in (a test's items, an item's stimulus), which are read once, through it.
    """
    from question_bank.interchange import gift, moodle, qti

    manifests = sorted((name for name in files if posixpath.basename(name) == MANIFEST),
                       key=lambda name: (name.count("/"), name))
    if manifests:
        # A package may sit in a folder (re-zipped by "compress folder"): its folder is the package, and
        # whatever lies outside it is read as it would be without it.
        base = posixpath.dirname(manifests[0])
        package = {name: data for name, data in files.items() if not base or name.startswith(base + "/")}
        yield from qti.read_qti_package(label, package)
        if rest := {name: data for name, data in files.items() if name not in package}:
            yield from read_files(label, rest)
        return
    consumed: set[str] = set()

    def resolver_for(name: str) -> Callable[[str], bytes | None]:
        def resolve(href: str) -> bytes | None:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), href))
            if target.startswith("../") or target not in files:
                return None
            consumed.add(target)
            return files[target]

        return resolve

    documents: list[tuple[int, str, str]] = []
    for name in sorted(files):
        source = f"{label}:{name}" if label else name
        suffix = Path(name).suffix.lower()
        if suffix in GIFT_SUFFIXES:
            documents.append((2, name, "gift"))
            continue
        if suffix in ARCHIVE_SUFFIXES:
            yield ReadError(source=source, reason="an archive inside a package or folder is not opened; "
                                                  "unpack it, or import it on its own")
            continue
        if suffix != ".xml":
            continue  # media and other files are read when an item refers to them
        try:
            root = _root_name(files[name], source)
        except UnsafeInput as error:
            yield ReadError(source=source, reason=str(error), refused=True)
            continue
        except ValueError as error:
            yield ReadError(source=source, reason=str(error))
            continue
        if root in QTI_TEST_ROOTS:
            documents.append((0, name, "qti"))
        elif root in QTI_ITEM_ROOTS:
            documents.append((1, name, "qti"))
        elif root == "quiz":
            documents.append((1, name, "moodle"))
        elif root in QTI_STIMULUS_ROOTS:
            documents.append((3, name, "stimulus"))
        else:
            yield ReadError(source=source, reason=f"not an item format LevelPath reads (root element <{root}>)")
    # Tests first, so the items they pull in are read once with the test's context; stimuli last.
    for _order, name, kind in sorted(documents):
        source = f"{label}:{name}" if label else name
        if name in consumed:
            continue
        if kind == "qti":
            yield from qti.read_qti_document(source, files[name], resolve=resolver_for(name))
        elif kind == "moodle":
            yield from moodle.read_moodle_xml(source, files[name])
        elif kind == "gift":
            try:
                text = files[name].decode("utf-8-sig")
            except UnicodeDecodeError:
                yield ReadError(source=source, reason="GIFT files must be UTF-8 text")
                continue
            yield from gift.read_gift(source, text)
        else:
            yield ReadError(source=source, reason="a stimulus that no item in this import refers to; "
                                                  "import it together with its items")


def read_path(path: Path, *, label: str | None = None) -> Iterator[ReadResult]:
    """Read a file, a folder (recursively) or a zip package. Hostile input becomes a ReadError.

    ``label`` names the source in reports (default: the path), e.g. an uploaded file's own name.
    """
    label = label or str(path)
    try:
        if path.is_dir():
            files = {}
            for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
                files[safe_member_name(file.relative_to(path).as_posix())] = file.read_bytes()
            yield from _or_nothing_found(read_files(label, files), label)
        elif path.suffix.lower() == ".zip":
            yield from _or_nothing_found(read_files(label, open_package(path, source=label)), label)
        elif path.is_file():
            # A lone file may refer to its neighbours (stimuli, media): offer the folder lazily.
            yield from _or_nothing_found(_read_single(path, label), label, NO_QUESTION)
        else:
            yield ReadError(source=label, reason="no such file or folder")
    except UnsafeInput as error:
        yield ReadError(source=label, reason=str(error), refused=True)
    except (OSError, ValueError) as error:
        yield ReadError(source=label, reason=str(error))


def _or_nothing_found(results: Iterator[ReadResult], label: str, reason: str = NOTHING_FOUND
                      ) -> Iterator[ReadResult]:
    """The results, or an error saying the package, folder or file held nothing to import (never an empty report)."""
    found = False
    for result in results:
        found = True
        yield result
    if not found:
        yield ReadError(source=label, reason=reason)


def _read_single(path: Path, label: str) -> Iterator[ReadResult]:
    from question_bank.interchange import qti

    data = path.read_bytes()
    if path.suffix.lower() != ".xml":
        yield from _relabelled(read_files("", {path.name: data}), path.name, label)
        return
    try:
        root = _root_name(data, label)
    except UnsafeInput as error:
        yield ReadError(source=label, reason=str(error), refused=True)
        return
    except ValueError as error:
        yield ReadError(source=label, reason=str(error))
        return
    if root not in QTI_ITEM_ROOTS | QTI_TEST_ROOTS:
        yield from _relabelled(read_files("", {path.name: data}), path.name, label)
        return
    folder = path.parent.resolve()

    def resolve(href: str) -> bytes | None:
        target = (path.parent / href).resolve()
        if not target.is_relative_to(folder) or not target.is_file():
            return None
        return target.read_bytes()

    yield from qti.read_qti_document(label, data, resolve=resolve)


def _relabelled(results: Iterator[ReadResult], name: str, label: str) -> Iterator[ReadResult]:
    """Sources read under a file's bare name, reported under the label the caller chose."""
    for result in results:
        if result.source.startswith(name) and label != name:
            yield replace(result, source=label + result.source[len(name):])
        else:
            yield result

"""IMS content packages: reading QTI 2.x/3.0 packages in manifest order, writing QTI 3.0 ones."""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import unquote
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from question_bank import item_types
from question_bank.interchange.model import (
    ExportableItem,
    ImportedItem,
    MediaFile,
    ReadError,
    ReadResult,
    Unsupported,
)
from question_bank.interchange.qti import extension
from question_bank.interchange.qti.documents import Resolve, load, parse
from question_bank.interchange.qti.names import split_tag
from question_bank.interchange.qti.reader import item_references, read_document
from question_bank.interchange.qti.writer import (
    XML_DECLARATION,
    build_item,
    file_name,
    qti_identifier,
    write_qti3_stimulus,
)
from question_bank.interchange.safety import UnsafeInput, safe_member_name

MANIFEST = "imsmanifest.xml"
CP_NAMESPACE = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
CP_SCHEMA = f"{CP_NAMESPACE} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed, so the same items always give the same bytes
ITEM_MARKERS = (b"assessmentItem", b"qti-assessment-item", b"assessmentTest", b"qti-assessment-test")


def _local(tag: object) -> str:
    return split_tag(tag)[1] if isinstance(tag, str) else ""


def _resolver(files: dict[str, bytes], path: str) -> Resolve:
    """References from the document at ``path``, inside the package only."""
    folder = posixpath.dirname(path)

    def resolve(href: str) -> bytes | None:
        for candidate in dict.fromkeys((href, unquote(href))):
            target = posixpath.normpath(posixpath.join(folder, candidate.split("#", 1)[0]))
            if not target.startswith(("../", "/")) and target in files:
                return files[target]
        return None

    return resolve


def _manifest_path(files: dict[str, bytes]) -> str | None:
    found = sorted((name for name in files if posixpath.basename(name) == MANIFEST), key=lambda n: n.count("/"))
    return found[0] if found else None


def read_qti_package(source: str, files: dict[str, bytes]) -> list[ReadResult]:
    """Read an unpacked IMS content package (member name -> bytes). Never raises.

    Items are read in manifest order with their dependencies (stimuli, media); a test's items
    that are not resources of their own are read through the test. Files the manifest does not
    list are not imported; those that look like items are reported.
    """
    try:
        for name in files:
            safe_member_name(name)
        manifest_name = _manifest_path(files)
        if manifest_name is None:
            return [ReadError(source=source, reason=f"no {MANIFEST}: not an IMS content package")]
        manifest = parse(files[manifest_name], source=f"{source}:{manifest_name}")
    except UnsafeInput as error:
        return [ReadError(source=source, reason=str(error), refused=True)]
    except ValueError as error:
        return [ReadError(source=source, reason=str(error))]
    try:
        return _PackageReader(source, files, manifest_name, manifest).read()
    except Exception as error:  # one unreadable package must not end the whole import
        return [ReadError(source=source, reason=f"could not be read ({type(error).__name__}: {error})")]


class _PackageReader:
    def __init__(self, source: str, files: dict[str, bytes], manifest_name: str, manifest: Element) -> None:
        self.source, self.files, self.manifest = source, files, manifest
        self.base = posixpath.dirname(manifest_name)
        catalogue_name = posixpath.join(self.base, extension.CATALOGUE) if self.base else extension.CATALOGUE
        self.catalogue = extension.read_catalogue(files[catalogue_name]) if catalogue_name in files else {}
        self.results: list[ReadResult] = []
        self.listed: set[str] = {manifest_name}

    def where(self, path: str) -> str:
        return f"{self.source}:{path}"

    def _resources(self) -> list[tuple[Element, str, str]]:
        """(resource, type, package path of its href) in manifest order, honouring xml:base."""
        found = []
        for resources in (node for node in self.manifest.iter() if _local(node.tag) == "resources"):
            outer = resources.get("{http://www.w3.org/XML/1998/namespace}base", "")
            for resource in (node for node in resources if _local(node.tag) == "resource"):
                inner = resource.get("{http://www.w3.org/XML/1998/namespace}base", "")
                href = posixpath.join(self.base, outer, inner, unquote(resource.get("href") or ""))
                found.append((resource, (resource.get("type") or "").strip().lower(), posixpath.normpath(href)))
                for file_node in (node for node in resource if _local(node.tag) == "file"):
                    self.listed.add(posixpath.normpath(posixpath.join(self.base, outer, inner,
                                                                      unquote(file_node.get("href") or ""))))
        return found

    def read(self) -> list[ReadResult]:
        resources = self._resources()
        items = [(resource, path) for resource, kind, path in resources if kind.startswith("imsqti_item_xml")]
        item_paths = {path for _resource, path in items}
        tested: dict[str, str] = {}  # item path -> note about the test it belongs to
        extra: list[str] = []
        for _resource, kind, path in resources:
            if kind.startswith("imsqti_test_xml"):
                self._test(path, tested, extra, item_paths)
            elif kind.startswith("imsqti_xmlv1"):
                self.results.append(ReadError(source=self.where(path), reason="QTI 1.x resources are not supported"))
        for resource, path in items:
            self._item(path, resource, tested.get(path))
        for path in extra:
            self._item(path, None, tested.get(path))
        self._unlisted(item_paths | set(extra))
        return self.results

    def _test(self, path: str, tested: dict[str, str], extra: list[str], item_paths: set[str]) -> None:
        data = self.files.get(path)
        if data is None or path.startswith("../"):
            self.results.append(ReadError(source=self.where(path), reason="listed in the manifest but missing"))
            return
        try:
            document = load(self.where(path), data, _resolver(self.files, path))
            references = item_references(document, document.root)
        except UnsafeInput as error:
            self.results.append(ReadError(source=self.where(path), reason=str(error), refused=True))
            return
        except ValueError as error:
            self.results.append(ReadError(source=self.where(path), reason=str(error)))
            return
        name = (document.root.get("title") or document.root.get("identifier") or path).strip()
        note = (f"part of assessment test {name!r} ({path}); its structure (parts, sections, order, time limits) "
                "is not imported: tests are defined in LevelPath")
        for href in references:
            item_path = posixpath.normpath(posixpath.join(posixpath.dirname(path), href))
            tested.setdefault(item_path, note)
            if item_path not in item_paths and item_path not in extra:
                extra.append(item_path)
        self.listed.add(path)

    def _item(self, path: str, resource: Element | None, test_note: str | None) -> None:
        data = self.files.get(path)
        self.listed.add(path)
        if data is None:
            reason = "listed in the manifest but missing" if resource is not None else \
                "an assessment test refers to it but it is missing from the package"
            self.results.append(ReadError(source=self.where(path), reason=reason))
            return
        own = extension.read_metadata(resource) if resource is not None else None
        key = resource.get("identifier", "") if resource is not None else ""
        metadata = own.over(self.catalogue.get(key)) if own else self.catalogue.get(key)
        for result in read_document(self.where(path), data, _resolver(self.files, path), metadata=metadata,
                                    tests=False):
            if isinstance(result, ImportedItem):
                if result.identifier in self.catalogue and result.identifier != key:
                    result = extension.with_metadata(result, self.catalogue[result.identifier])
                if test_note:
                    result = replace(result, notes=(*result.notes, test_note))
            self.results.append(result)

    def _unlisted(self, read: set[str]) -> None:
        for name in sorted(self.files):
            if name in self.listed or name in read or not name.lower().endswith(".xml"):
                continue
            if any(marker in self.files[name][:4096] for marker in ITEM_MARKERS):
                self.results.append(Unsupported(
                    source=self.where(name), identifier=None, type=None,
                    reason=f"not listed in {MANIFEST}, so not imported: a content package imports what its "
                           "manifest lists"))


def _zip_write(archive: zipfile.ZipFile, name: str, data: bytes, *, deflate: bool = True) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _media_resources(resources: Element, media: Sequence[MediaFile], known: dict[str, str],
                     files: dict[str, bytes]) -> list[str]:
    """Webcontent resources for media files (once each); returns their resource identifiers."""
    identifiers = []
    for file in media:
        try:
            name = safe_member_name(file.name.replace("&amp;", "&"))
        except UnsafeInput:
            continue  # a reference that cannot be a file inside a package is left as it is
        if not name or name == MANIFEST:
            continue
        if name not in known:
            known[name] = f"media-{len(known) + 1}"
            files[name] = file.data
            resource = SubElement(resources, "resource", {"identifier": known[name], "type": "webcontent",
                                                          "href": name})
            SubElement(resource, "file", {"href": name})
        identifiers.append(known[name])
    return identifiers


def write_qti3_package(items: Sequence[ExportableItem]) -> bytes:
    """A QTI 3.0 content package (zip): one file per item and per stimulus, media, and a manifest
    whose resources carry LevelPath's metadata (see ``extension``). Raises RuleViolation for an
    item that breaks its type's rules.
    """
    manifest = Element("manifest", {"xmlns": CP_NAMESPACE, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                    "xmlns:lp": extension.NAMESPACE, "xsi:schemaLocation": CP_SCHEMA,
                                    "identifier": "MANIFEST-levelpath-export"})
    header = SubElement(manifest, "metadata")
    SubElement(header, "schema").text = "QTI Package"
    SubElement(header, "schemaversion").text = "3.0.0"
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    files: dict[str, bytes] = {}
    stimuli: dict[str, tuple[str, str]] = {}  # stimulus identifier -> (file name, resource identifier)
    media: dict[str, str] = {}
    used: set[str] = set()
    for item in items:
        item_types.get(item.type).validate(item.content, item.scoring)
        dependencies = []
        if item.stimulus is not None:
            if item.stimulus.identifier not in stimuli:
                stimulus_file = _unique(file_name("stimulus", item.stimulus.identifier), used)
                resource_id = _unique(f"stimulus-{qti_identifier(item.stimulus.identifier)}", used)
                stimuli[item.stimulus.identifier] = (stimulus_file, resource_id)
                files[stimulus_file] = write_qti3_stimulus(item.stimulus)
                resource = SubElement(resources, "resource", {"identifier": resource_id,
                                                              "type": "imsqti_stimulus_xmlv3p0", "href": stimulus_file})
                SubElement(resource, "file", {"href": stimulus_file})
                for media_id in _media_resources(resources, item.stimulus.media, media, files):
                    SubElement(resource, "dependency", {"identifierref": media_id})
            dependencies.append(stimuli[item.stimulus.identifier][1])
        item_file = _unique(file_name("item", item.identifier), used)
        stimulus_href = stimuli[item.stimulus.identifier][0] if item.stimulus is not None else None
        files[item_file] = build_item(item, stimulus_href=stimulus_href)
        dependencies.extend(_media_resources(resources, item.media, media, files))
        resource = SubElement(resources, "resource", {"identifier": _unique(f"item-{qti_identifier(item.identifier)}",
                                                                            used),
                                                      "type": "imsqti_item_xmlv3p0", "href": item_file})
        extension.write_metadata(SubElement(resource, "metadata"), item)
        SubElement(resource, "file", {"href": item_file})
        for dependency in dependencies:
            SubElement(resource, "dependency", {"identifierref": dependency})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        indent(manifest)
        _zip_write(archive, MANIFEST, XML_DECLARATION + tostring(_prefixed(manifest), encoding="unicode").encode())
        for name, data in files.items():
            # Media are mostly compressed already; deflating gains little, and a file that compresses
            # very well (near-silent audio) looks like a zip bomb to careful importers.
            _zip_write(archive, name, data, deflate=name not in media)
    return buffer.getvalue()


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate.lower() in used:
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem}-{number}.{suffix}" if dot and suffix == "xml" else f"{name}-{number}"
        number += 1
    used.add(candidate.lower())
    return candidate


def _prefixed(manifest: Element) -> Element:
    """Write the extension with its ``lp:`` prefix (declared on the root) instead of ns0."""
    for node in manifest.iter():
        if isinstance(node.tag, str) and node.tag.startswith(f"{{{extension.NAMESPACE}}}"):
            node.tag = "lp:" + node.tag.split("}", 1)[1]
    return manifest

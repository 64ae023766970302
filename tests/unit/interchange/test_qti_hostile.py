"""Hostile and broken input is refused with a reason, never followed, never a crash."""

from __future__ import annotations

import io
import zipfile

import pytest

from question_bank.interchange.model import ImportedItem, ReadError, Unsupported
from question_bank.interchange.qti import read_qti_document, read_qti_package
from question_bank.interchange.safety import MAX_XML_BYTES, UnsafeInput, open_package

ITEM = b"""<?xml version="1.0"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q1" title="Q">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response></qti-response-declaration>
  <qti-item-body>%s<qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
    <qti-simple-choice identifier="A">yes</qti-simple-choice><qti-simple-choice identifier="B">no</qti-simple-choice>
  </qti-choice-interaction></qti-item-body>
</qti-assessment-item>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE qti-assessment-item [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q1">
  <qti-item-body><p>&secret;</p></qti-item-body></qti-assessment-item>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q1">
  <qti-item-body><p>&lol4;</p></qti-item-body></qti-assessment-item>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE qti-assessment-item SYSTEM "http://attacker.example/qti.dtd">
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q1"/>"""
MANIFEST = b"""<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m"><resources>
  <resource identifier="q1" type="imsqti_item_xmlv3p0" href="q1.xml"><file href="q1.xml"/></resource>
</resources></manifest>"""


def _nothing(href: str) -> bytes | None:
    raise AssertionError(f"a refused document must not be followed ({href})")


@pytest.mark.parametrize(("data", "words"), [
    (XXE, "DTD"), (BILLION_LAUGHS, "DTD"), (EXTERNAL_DTD, "DTD"),
    (b" " * (MAX_XML_BYTES + 1), "larger than"),
])
def test_entity_tricks_dtds_and_oversized_xml_are_refused(data, words):
    (result,) = read_qti_document("evil.xml", data, resolve=_nothing)
    assert isinstance(result, ReadError) and result.refused
    assert result.source == "evil.xml" and words in result.reason
    assert "root:" not in result.reason


@pytest.mark.parametrize("data", [b"", b"\x00\x01binary\xff", b"PK\x03\x04not really a zip", b"<unclosed",
                                  b"<?xml version='1.0'?><a><b></a>", b'<?xml version="1.0" encoding="true"?><a/>'])
def test_bytes_that_are_not_xml_are_a_read_error_naming_the_file(data):
    (result,) = read_qti_document("junk.xml", data, resolve=_nothing)
    assert isinstance(result, ReadError) and not result.refused
    assert "junk.xml" in result.reason and "malformed XML" in result.reason


@pytest.mark.parametrize(("data", "words"), [
    (b"<questestinterop/>", "QTI 1.x"),
    (b"<html><body/></html>", "root element <html>"),
    (b'<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x"/>', "no item body"),
])
def test_xml_that_is_not_a_qti_item_says_what_it_is(data, words):
    (result,) = read_qti_document("other.xml", data, resolve=_nothing)
    assert isinstance(result, ReadError | Unsupported)
    assert words in result.reason


def test_a_hostile_stimulus_or_include_refuses_the_item_that_pulls_it_in():
    stimulus_ref = b'<qti-assessment-stimulus-ref identifier="s" href="s.xml"/>'
    item = ITEM.replace(b"<qti-item-body>", stimulus_ref + b"<qti-item-body>") % b""
    (result,) = read_qti_document("q1.xml", item, resolve={"s.xml": XXE}.get)
    assert isinstance(result, ReadError) and result.refused
    include = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="part.xml"/>'
    (result,) = read_qti_document("q1.xml", ITEM % include, resolve={"part.xml": BILLION_LAUGHS}.get)
    assert isinstance(result, ReadError) and result.refused


def test_references_outside_a_package_are_not_followed():
    body = (b'<img src="../../etc/passwd.png" alt=""/><img src="/etc/hosts.png" alt=""/>'
            b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="../secret.xml"/>')
    files = {"imsmanifest.xml": MANIFEST, "q1.xml": ITEM % body, "../secret.xml": b"<p>secret</p>"}
    (result,) = read_qti_package("evil.zip", files)
    assert isinstance(result, ReadError) and result.refused and "outside the package" in result.reason
    del files["../secret.xml"]
    (item,) = read_qti_package("pkg.zip", {**files, "secret.xml": b"<p>secret</p>"})
    assert isinstance(item, ImportedItem) and not item.media
    assert "secret" not in item.content["stem"]
    assert any("../../etc/passwd.png" in note and "missing" in note for note in item.notes)


def test_an_svg_image_is_refused_and_said_so():
    (item,) = read_qti_document("q1.xml", ITEM % b'<p><img src="chart.svg" alt=""/></p>',
                                resolve={"chart.svg": b"<svg onload='alert(1)'/>"}.get)
    assert isinstance(item, ImportedItem) and not item.media
    assert any("chart.svg" in note and "scripts" in note for note in item.notes)


def test_a_hostile_item_inside_a_package_refuses_the_package():
    results = read_qti_package("evil.zip", {"imsmanifest.xml": MANIFEST, "q1.xml": XXE})
    assert any(isinstance(result, ReadError) and result.refused for result in results)


def test_a_package_without_manifest_is_a_read_error():
    (result,) = read_qti_package("loose.zip", {"q1.xml": ITEM % b""})
    assert isinstance(result, ReadError) and "no imsmanifest.xml" in result.reason


def test_a_manifest_with_a_dtd_is_refused():
    (result,) = read_qti_package("evil.zip", {"imsmanifest.xml": EXTERNAL_DTD})
    assert isinstance(result, ReadError) and result.refused


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(("name", "words"), [("../../evil.xml", "outside the package"),
                                            ("/etc/cron.d/evil", "absolute"),
                                            ("C:\\Windows\\evil.xml", "absolute")])
def test_zip_slip_is_refused_before_anything_is_read(name, words):
    with pytest.raises(UnsafeInput, match=words):
        open_package(_zip({"imsmanifest.xml": MANIFEST, name: b"x"}), source="evil.zip")
    (result,) = read_qti_package("evil.zip", {"imsmanifest.xml": MANIFEST, name: b"x"})
    assert isinstance(result, ReadError) and result.refused and words in result.reason


def test_a_zip_bomb_is_refused():
    with pytest.raises(UnsafeInput, match="zip bomb"):
        open_package(_zip({"imsmanifest.xml": MANIFEST, "q1.xml": b"\x00" * 5_000_000}), source="bomb.zip")


def test_deeply_nested_markup_is_a_read_error_not_a_crash():
    body = b"<div>" * 5000 + b"deep" + b"</div>" * 5000
    (result,) = read_qti_document("deep.xml", ITEM % body, resolve=lambda href: None)
    assert isinstance(result, ReadError) and "deep.xml" in result.source


def test_an_include_that_includes_itself_stops():
    include = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="loop.xml"/>'
    loop = b'<div xmlns:xi="http://www.w3.org/2001/XInclude">again <xi:include href="loop.xml"/></div>'
    (item,) = read_qti_document("q1.xml", ITEM % include, resolve={"loop.xml": loop}.get)
    assert isinstance(item, ImportedItem)
    assert any("nested more than" in note for note in item.notes)

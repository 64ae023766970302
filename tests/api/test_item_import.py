"""Importing over HTTP: a per-item report, dry runs, and hostile input refused whole (problem+json)."""

from __future__ import annotations

import io
import wave
import zipfile

import pytest
from sqlalchemy import func, select

from question_bank.models import Item
from tests.api.test_item_bank import png_bytes
from tests.factories import single_choice_spec

PROBLEM = "application/problem+json"

GIFT = """// two questions LevelPath carries and one it does not
::capital::What is the capital of Viet Nam? {=Hanoi =Ha Noi}

::tense::She ___ to work every day. {~go =goes ~going}

::number::How many days are in a week? {#7}
"""

QTI_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="{identifier}"
    title="Picture item" adaptive="false" time-dependent="false" xml:lang="en">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <p>Look at the sign. <img src="sign.png" alt="a sign"/></p>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-prompt>What does it mean?</qti-prompt>
      <qti-simple-choice identifier="A">No entry</qti-simple-choice>
      <qti-simple-choice identifier="B">Exit</qti-simple-choice>
      <qti-simple-choice identifier="C">Lift</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="shortanswer"><name><text>&secret;</text></name>
<questiontext format="html"><text>x</text></questiontext><answer fraction="100"><text>a</text></answer>
</question></quiz>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<quiz><question type="description"><name><text>&lol3;</text></name></question></quiz>
"""


def upload(client, data: bytes, filename: str, query: str = ""):
    return client.post(f"/api/v1/items/import{query}", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def item_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Item))


@pytest.fixture
def author(api_as):
    return api_as("author")


def test_gift_import_reports_every_question(author, db_session):
    response = upload(author, GIFT.encode(), "quiz.gift", "?skill=grammar&level=2")
    assert response.status_code == 200, response.json
    entries = response.json["entries"]
    assert [(e["type"], e["status"]) for e in entries] == [
        ("short_answer", "created"), ("single_choice", "created"), (entries[2]["type"], "unsupported")]
    assert "numer" in entries[2]["reason"].lower()
    created = db_session.get(Item, entries[1]["item_id"])
    assert (created.skill, created.level, created.status) == ("grammar", 2, "draft")
    assert response.json["summary"]["created"] == 2


def test_dry_run_reports_but_writes_nothing(author, db_session):
    before = item_count(db_session)
    response = upload(author, GIFT.encode(), "quiz.gift", "?dry_run=true")
    assert response.status_code == 200
    assert response.json["dry_run"] is True
    assert [e["status"] for e in response.json["entries"]][:2] == ["created", "created"]
    assert item_count(db_session) == before


def test_reimport_updates_by_identifier(author, db_session):
    first = upload(author, QTI_ITEM.format(identifier="sign-1").encode(), "item.xml")
    assert first.status_code == 200, first.json
    # a lone item file cannot reach its picture: the report says so, the item still imports
    package = zip_of({"item.xml": QTI_ITEM.format(identifier="sign-1").replace("Exit", "Way out").encode(),
                      "sign.png": png_bytes()})
    second = upload(author, package, "items.zip")
    statuses = [e["status"] for e in second.json["entries"]]
    assert statuses == ["updated"], second.json


@pytest.mark.parametrize(("payload", "filename"), [
    (XXE.encode(), "xxe.xml"),
    (BILLION_LAUGHS.encode(), "laughs.xml"),
    (zip_of({"../../evil.xml": b"<quiz/>"}), "slip.zip"),
    (zip_of({"/etc/cron.d/evil.xml": b"<quiz/>"}), "absolute.zip"),
    (zip_of({"bomb.xml": b"<quiz>" + b" " * 5_000_000 + b"</quiz>"}), "bomb.zip"),
])
def test_hostile_input_is_refused_whole(author, db_session, payload, filename):
    before = item_count(db_session)
    response = upload(author, payload, filename)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    assert response.json["errors"][0]["field"] == "file"
    assert item_count(db_session) == before


def test_a_package_with_a_good_item_and_a_disguised_file_writes_nothing(author, db_session):
    before = item_count(db_session)
    package = zip_of({"a.xml": QTI_ITEM.format(identifier="good-one").replace('<img src="sign.png" alt="a sign"/>',
                                                                                "").encode(),
                      "b.xml": QTI_ITEM.format(identifier="bad-one").encode(),
                      "sign.png": b"#!/bin/sh\nrm -rf /\n"})
    response = upload(author, package, "mixed.zip")
    assert response.status_code == 422
    assert "sign.png" in response.json["detail"]
    assert item_count(db_session) == before


def test_oversized_media_in_an_import_is_refused(author, db_session, monkeypatch):
    from question_bank import media

    monkeypatch.setitem(media.KINDS, "image/png", media.MediaKind("image/png", 40))
    before = item_count(db_session)
    response = upload(author, zip_of({"i.xml": QTI_ITEM.format(identifier="big-pic").encode(),
                                      "sign.png": png_bytes(30, 30)}), "big.zip")
    assert response.status_code == 422 and "at most" in response.json["detail"]
    assert item_count(db_session) == before


def test_unknown_file_kinds_and_non_authors_are_refused(author, api_as):
    assert upload(author, b"%PDF-1.7", "quiz.pdf").status_code == 422
    assert upload(api_as("candidate"), GIFT.encode(), "quiz.gift").status_code == 403


def test_a_dry_run_reports_no_item_ids(author):
    """The items a dry run makes are rolled back; their ids go to the next items anyone creates."""
    response = upload(author, GIFT.encode(), "quiz.gift", "?dry_run=true")
    assert [e["status"] for e in response.json["entries"]][:2] == ["created", "created"]
    assert [e["item_id"] for e in response.json["entries"]] == [None, None, None]


def test_an_archive_inside_a_package_is_named_not_ignored(author, db_session):
    before = item_count(db_session)
    inner = zip_of({"quiz.gift": GIFT.encode()})
    response = upload(author, zip_of({"questions/inner.zip": inner}), "outer.zip")
    assert response.status_code == 200
    [entry] = response.json["entries"]
    assert (entry["status"], entry["source"]) == ("error", "outer.zip:questions/inner.zip")
    assert "archive" in entry["reason"]
    assert item_count(db_session) == before


def test_a_package_with_nothing_to_import_says_so(author):
    response = upload(author, zip_of({"notes.pdf": b"%PDF-1.7"}), "empty.zip")
    assert response.status_code == 200
    assert [(e["status"], e["source"], e["reason"]) for e in response.json["entries"]] == [
        ("error", "empty.zip", "no QTI, Moodle XML or GIFT file found in it")]


@pytest.mark.parametrize(("data", "filename"), [
    (b"", "empty.gift"), (b"// only a comment\n\n", "notes.txt"), (b"<quiz></quiz>", "quiz.xml")])
def test_a_lone_file_with_no_question_says_so(author, data, filename):
    """An empty package had its error line; an empty lone file gave an empty report."""
    response = upload(author, data, filename)
    assert response.status_code == 200, response.json
    assert [(e["status"], e["source"], e["reason"]) for e in response.json["entries"]] == [
        ("error", filename, "no question found in it")]


def test_a_package_zipped_inside_a_folder_is_read_as_a_package(author, db_session):
    """A package re-zipped under a folder ("compress folder") lost its manifest's metadata: only a manifest at the
    top was looked for, and the manifest itself became an error line. Files beside the folder are still read."""
    from question_bank.interchange.model import ExportableItem
    from question_bank.interchange.qti import write_qti3_package

    item = ExportableItem("q-nested", "single_choice", {"stem": "Pick", "options": [
        {"id": "A", "text": "a"}, {"id": "B", "text": "b"}]}, {"correct": "B"}, title="T", skill="reading", level=4,
        topic="travel", tags=("x",), expected_seconds=60)
    with zipfile.ZipFile(io.BytesIO(write_qti3_package([item]))) as package:
        files = {f"export/{name}": package.read(name) for name in package.namelist()}
    response = upload(author, zip_of({**files, "more.gift": b"::tense::She ___ to work. {~go =goes}"}), "export.zip")
    assert response.status_code == 200, response.json
    entries = response.json["entries"]
    assert [(e["status"], e["reason"]) for e in entries] == [("created", ""), ("created", "")], entries
    stored = db_session.get(Item, entries[0]["item_id"])
    assert (stored.identifier, stored.skill, stored.level, stored.topic, stored.tags, stored.expected_seconds) == (
        "q-nested", "reading", 4, "travel", ["x"], 60)


def near_silent_wav(frames: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * frames)
    return buffer.getvalue()


def test_a_small_member_that_compresses_very_well_is_no_bomb(author):
    wav = near_silent_wav()
    package = zip_of({"item.xml": QTI_ITEM.format(identifier="quiet-1").replace(
        '<img src="sign.png" alt="a sign"/>', '<audio src="quiet.wav" controls="true"></audio>').encode(),
        "quiet.wav": wav})
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.getinfo("quiet.wav").file_size / archive.getinfo("quiet.wav").compress_size > 200
    response = upload(author, package, "quiet.zip")
    assert response.status_code == 200, response.json
    assert [e["status"] for e in response.json["entries"]] == ["created"]


def test_a_levelpath_export_with_near_silent_audio_imports_again(author, app, db_session):
    from question_bank.exporting import export_items, exportable_items

    sound = author.post("/api/v1/media", data={"file": (io.BytesIO(near_silent_wav()), "quiet.wav", "audio/wav")},
                        content_type="multipart/form-data")
    assert sound.status_code == 201, sound.json
    stimulus = author.post("/api/v1/stimuli", json={
        "title": "A quiet room", "kind": "audio", "max_plays": 1,
        "body": f'<p>Listen.</p><audio src="{sound.json["url"]}" controls></audio>'}).json
    item = author.post("/api/v1/items", json={**single_choice_spec(skill="listening"), "identifier": "quiet-room-1",
                                              "stimulus_id": stimulus["id"]})
    assert item.status_code == 201, item.json
    package = export_items(exportable_items(db_session, app.extensions["levelpath.media"]), "qti3").data
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        media = [info for info in archive.infolist() if info.filename.endswith(".wav")]
        assert [info.compress_type for info in media] == [zipfile.ZIP_STORED]
    response = upload(author, package, "export.zip")
    assert response.status_code == 200, response.json
    assert {e["status"] for e in response.json["entries"]} == {"unchanged"}, response.json
    # the passage, which has no identifier of its own, is known again by the name the export gave it
    # (stimulus-<id>): no second copy of it, and so no new version of the item pointing at the copy
    from question_bank.models import ItemVersion, Stimulus

    assert db_session.scalar(select(func.count()).select_from(Stimulus)) == 1
    assert db_session.scalar(select(func.count()).select_from(ItemVersion)
                             .where(ItemVersion.item_id == item.json["id"])) == 1


def _talk_package(*, plays: str = "2", stimulus_id: str = "talk", item_id: str = "q-talk",
                  language: str = "en") -> bytes:
    """An item on a recorded talk (its stimulus file beside it) and a plain item, as one package."""
    from question_bank.interchange.model import ExportableItem, ImportedStimulus
    from question_bank.interchange.qti import write_qti3_item, write_qti3_stimulus
    from question_bank.interchange.qti.writer import file_name

    stimulus = ImportedStimulus(identifier=stimulus_id, title="A talk", body="<p>Listen to the talk.</p>",
                                max_plays=2, language=language)
    item = ExportableItem(identifier=item_id, type="single_choice", scoring={"correct": "A"}, stimulus=stimulus,
                          content={"stem": "Why?", "options": [{"id": "A", "text": "x"}, {"id": "B", "text": "y"}]})
    written = write_qti3_stimulus(stimulus).replace(b'data-lp-max-plays="2"', f'data-lp-max-plays="{plays}"'.encode())
    plain = QTI_ITEM.format(identifier="plain").replace('<img src="sign.png" alt="a sign"/>', "")
    return zip_of({"q-talk.xml": write_qti3_item(item), file_name("stimulus", stimulus_id): written,
                   "q-plain.xml": plain.encode()})


@pytest.mark.parametrize(("package", "reason"), [
    ({"plays": "20"}, "max_plays: a recording may allow 1 to 10 plays, or no limit"),
    ({"plays": "99999999999"}, "max_plays: a recording may allow 1 to 10 plays, or no limit"),
    ({"language": "notalanguagecode"}, "language: a stimulus's language must be a lower-case ISO 639 language "
                                          "code such as en or vi"),
    ({"stimulus_id": "s" * 121}, "identifier: a stimulus's identifier must be 1 to 120 characters"),
    ({"item_id": "i" * 121}, "identifier: identifier must be 1 to 120 characters"),
], ids=["plays", "plays-past-int32", "language", "stimulus-identifier", "item-identifier"])
def test_what_a_column_cannot_hold_is_that_items_error_line_on_either_database(author, db_session, package, reason):
    """The API allowed 1 to 10 plays, an 8-letter language and 120-character identifiers; an import file anything.
    SQLite stored it, and PostgreSQL refused the whole import ("a value in the request is out of range or too
    long", no field). The rules are the domain's (create_stimulus, create_item), for every way in, and only the
    item that breaks one is not imported."""
    before = item_count(db_session)
    response = upload(author, _talk_package(**package), "talk.zip")
    assert response.status_code == 200, response.json
    lines = {line["source"]: line for line in response.json["entries"]}
    assert (lines["talk.zip:q-talk.xml"]["status"], lines["talk.zip:q-talk.xml"]["reason"]) == ("error", reason)
    assert lines["talk.zip:q-plain.xml"]["status"] == "created"  # the rest of the import stands
    assert item_count(db_session) == before + 1
    within_the_rules = upload(author, _talk_package(), "talk.zip").json["summary"]
    assert within_the_rules["created"] == 1


MOODLE_IN_A_CATEGORY = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<question type="category"><category><text>$course$/top/{category}</text></category></question>
<question type="truefalse"><name><text>tf</text></name>
<questiontext format="html"><text>Hanoi is in Viet Nam.</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
</question>
</quiz>
"""


def test_a_moodle_category_path_too_long_to_keep_keeps_its_deepest_part(author, db_session):
    """A deep Moodle category path (over 255 characters) was stored on SQLite and refused the whole import on
    PostgreSQL ("a value in the request is out of range or too long", no field)."""
    path = "/".join(f"Chuyên đề tiếng Anh số {number}" for number in range(1, 13))
    response = upload(author, MOODLE_IN_A_CATEGORY.format(category=path).encode(), "quiz.xml")
    assert response.status_code == 200, response.json
    (entry,) = response.json["entries"]
    assert entry["status"] == "created", entry
    category = db_session.get(Item, entry["item_id"]).category
    assert len(category) == 255 and category.startswith("…") and category.endswith("Chuyên đề tiếng Anh số 12")


def test_an_items_texts_and_identifier_fit_their_columns_whichever_way_they_come_in(factory, db_session):
    """The API's limits were its schemas' alone: the domain refuses what its columns cannot hold, naming the field."""
    from dataclasses import replace

    from core.errors import RuleViolation
    from question_bank import services
    from question_bank.models import MAX_IDENTIFIER, MAX_TEXT_FIELDS

    author = factory.user("author").as_actor()
    draft = services.ItemDraft(**single_choice_spec())
    for name, width in {**MAX_TEXT_FIELDS, "identifier": MAX_IDENTIFIER}.items():
        with pytest.raises(RuleViolation) as refused:
            services.create_item(db_session, author=author, draft=replace(draft, **{name: "x" * (width + 1)}))
        assert list(refused.value.errors) == [name]
        services.create_item(db_session, author=author, draft=replace(draft, **{name: "x" * width}))


@pytest.mark.parametrize("identifier", [" ", "item 1 ", " item 1", "item\n1", "item\t1"])
def test_an_identifier_that_is_blank_or_padded_or_holds_control_characters_is_refused(author, identifier):
    """Before, an identifier of one space was taken, and "item 1 " stood beside "item 1" looking the same."""
    response = author.post("/api/v1/items", json={**single_choice_spec(), "identifier": identifier})
    assert response.status_code == 422, response.json
    assert response.json["errors"][0]["field"] == "identifier"
    assert author.post("/api/v1/items", json={**single_choice_spec(), "identifier": "item 1"}).status_code == 201


def _export(app, db_session, fmt: str) -> bytes:
    from question_bank.exporting import export_items, exportable_items

    return export_items(exportable_items(db_session, app.extensions["levelpath.media"]), fmt).data


@pytest.mark.parametrize(("fmt", "filename"), [("qti3", "bank.zip"), ("moodle", "bank.xml"), ("gift", "bank.gift")])
def test_a_bank_export_imported_back_into_the_bank_leaves_every_item_as_it_was(author, app, db_session, fmt,
                                                                                filename):
    """The export names an item without an identifier levelpath-item-<id>-...; the import looked items up by their
    own identifier only, and so made a copy of each of them."""
    plain = author.post("/api/v1/items", json=single_choice_spec())
    named = author.post("/api/v1/items", json={**single_choice_spec(), "identifier": "unit 3/q1", "title": "Q1",
                                               "tags": ["verbs"], "expected_seconds": 40})
    assert plain.status_code == named.status_code == 201, (plain.json, named.json)
    before = item_count(db_session)
    response = upload(author, _export(app, db_session, fmt), filename)
    assert response.status_code == 200, response.json
    assert [(e["status"], e["item_id"]) for e in response.json["entries"]] == [
        ("unchanged", plain.json["id"]), ("unchanged", named.json["id"])], response.json
    assert item_count(db_session) == before


def test_an_exported_name_updates_the_item_it_names_and_no_other(author, app, db_session):
    """Only this bank's own name for an item without an identifier finds it: the same id with another fingerprint
    (an export of another LevelPath bank), an old export's bare levelpath-item-<id> or an item that has an identifier
    of its own are not taken over; an exported name on a question of another type is that question's error line."""
    from question_bank.exporting import exported_identifier

    item_id = author.post("/api/v1/items", json=single_choice_spec()).json["id"]
    name = exported_identifier(db_session.get(Item, item_id))
    other_bank = name[:-8] + ("0" * 8 if not name.endswith("0" * 8) else "1" * 8)
    own = author.post("/api/v1/items", json={**single_choice_spec(), "identifier": "own-1"}).json["id"]
    own_name = f"levelpath-item-{own}-" + exported_identifier(db_session.get(Item, item_id))[-8:]

    def gift(identifier: str, question: str = "Which one? {~a =b}") -> bytes:
        return f"// [id:{identifier}]\n[html]{question}\n".encode()

    stored = author.get(f"/api/v1/items/{item_id}").json
    for foreign in (other_bank, f"levelpath-item-{item_id}", own_name, f"levelpath-item-{2**40}-{name[-8:]}"):
        response = upload(author, gift(foreign), "other.gift")
        assert [e["status"] for e in response.json["entries"]] == ["created"], (foreign, response.json)
    assert author.get(f"/api/v1/items/{item_id}").json == stored
    updated = upload(author, gift(name), "mine.gift").json["entries"]
    assert [(e["status"], e["item_id"]) for e in updated] == [("updated", item_id)], updated
    assert author.get(f"/api/v1/items/{item_id}").json["current_version"]["number"] == 2
    wrong_type = upload(author, gift(name, "Hanoi is in Viet Nam. {T}"), "mine.gift").json["entries"]
    assert [(e["status"], e["item_id"]) for e in wrong_type] == [("error", item_id)], wrong_type
    assert "cannot become true_false_not_given" in wrong_type[0]["reason"]


PASSAGE_GIFT = ('// [id:q-pass]\n// levelpath: {{"stimulus": {{"identifier": "pass-1", "title": "Notice"}}}}\n'
                '::{title}::[html]<div class="levelpath-stimulus"><p>The office opens at {hour}.</p></div>'
                'When does it open? {{=8 ~9}}\n')


def test_a_reimport_reports_what_it_wrote_passage_and_details_included(author, db_session):
    """A new passage alone made a new version that the report called "unchanged, same content as the stored
    version": the report compared content, scoring, skill and level only."""
    from question_bank.models import ItemVersion

    def versions(item_id: int) -> int:
        return db_session.scalar(select(func.count()).select_from(ItemVersion).where(ItemVersion.item_id == item_id))

    def reimport(hour: str, title: str = "Opening") -> tuple[str, str]:
        response = upload(author, PASSAGE_GIFT.format(hour=hour, title=title).encode(), "a.gift")
        assert response.status_code == 200, response.json
        [line] = response.json["entries"]
        return line["status"], line["reason"]

    [created] = upload(author, PASSAGE_GIFT.format(hour="8", title="Opening").encode(), "a.gift").json["entries"]
    item_id = created["item_id"]
    assert reimport("8") == ("unchanged", "same content as the stored version")
    assert versions(item_id) == 1
    assert reimport("9") == ("updated", "new version 2")
    assert versions(item_id) == 2
    from question_bank.models import Stimulus

    assert "opens at 9" in db_session.get(Stimulus, db_session.get(Item, item_id).stimulus_id).body
    assert reimport("9", title="Opening hours") == ("updated", "title changed")
    assert versions(item_id) == 2
    assert author.get(f"/api/v1/items/{item_id}").json["title"] == "Opening hours"
    assert reimport("9", title="Opening hours") == ("unchanged", "same content as the stored version")


def damaged_zip(package: bytes, how: str) -> bytes:
    """The package with its first member failing its CRC check ("crc") or its deflate stream damaged."""
    damaged = bytearray(package)
    if how == "crc":  # the CRC-32 in the local header and in the central directory
        damaged[14:18] = b"\0\0\0\0"
        directory = damaged.rfind(b"PK\x01\x02")
        damaged[directory + 16:directory + 20] = b"\0\0\0\0"
    else:  # a byte inside the first member's data, after its local header, name and extra field
        name_length, extra_length = int.from_bytes(damaged[26:28], "little"), int.from_bytes(damaged[28:30], "little")
        damaged[30 + name_length + extra_length + 5] ^= 0xFF
    return bytes(damaged)


@pytest.mark.parametrize("how", ["crc", "deflate"])
def test_a_damaged_zip_is_an_error_line_like_any_unreadable_package(author, db_session, how):
    """A member failing its CRC or a damaged deflate stream raised out of open_package: HTTP 500."""
    before = item_count(db_session)
    package = damaged_zip(zip_of({"a.xml": QTI_ITEM.format(identifier="crc-1").replace("Exit", "Exit " * 50).encode()}),
                       how)
    response = upload(author, package, "damaged.zip")
    assert response.status_code == 200, response.get_data(as_text=True)
    [line] = response.json["entries"]
    assert (line["source"], line["status"]) == ("damaged.zip", "error")
    assert line["reason"].startswith("not a readable zip package (member 'a.xml': ")
    assert item_count(db_session) == before


@pytest.mark.parametrize("filename", [
    "a" * 300 + ".gift",
    "Ngân hàng câu hỏi kỹ năng đọc hiểu trình độ bậc 4 - " * 4 + ".gift",  # 210 characters, 290 bytes in UTF-8
    "a\x00b.gift",
], ids=["300-characters", "over-255-bytes-in-utf-8", "nul"])
def test_an_upload_is_imported_whatever_its_name_and_reported_under_it(author, db_session, filename):
    """The client's file name was the temporary file's name: too long for the file system, or holding a NUL,
    it gave HTTP 500."""
    response = upload(author, b"::q1::What is 2+2? {=4 ~3 ~5}\n", filename)
    assert response.status_code == 200, response.get_data(as_text=True)
    [line] = response.json["entries"]
    assert line["status"] == "created"
    assert line["source"] == filename.replace("\x00", "\N{REPLACEMENT CHARACTER}") + '#line 1 "q1"'
    assert db_session.get(Item, line["item_id"]).source == line["source"][:255]


def test_a_refusal_names_the_upload_not_the_name_it_was_saved_under(author):
    response = upload(author, XXE.encode(), "mine.xml")
    assert response.status_code == 422
    assert response.json["detail"].startswith("mine.xml: refused XML with a DTD")


def test_an_imported_items_regional_language_tag_is_stored_as_its_language_code(author, db_session):
    """xml:lang="en-US" was stored as it was: a value the API refuses, and the item was not found by language=en."""
    response = upload(author, QTI_ITEM.format(identifier="us-1").replace('xml:lang="en"', 'xml:lang="EN-us"').encode(),
                      "item.xml")
    [line] = response.json["entries"]
    assert line["status"] == "created", line
    assert db_session.get(Item, line["item_id"]).language == "en"
    assert [item["id"] for item in author.get("/api/v1/items?language=en").json["items"]] == [line["item_id"]]


@pytest.mark.parametrize("language", ["en-US", "EN", "english", "e"])
def test_the_domain_takes_only_a_language_code_as_the_api_does(factory, db_session, language):
    from dataclasses import replace

    from core.errors import RuleViolation
    from question_bank import services

    draft = services.ItemDraft(**single_choice_spec())
    with pytest.raises(RuleViolation) as refused:
        services.create_item(db_session, author=factory.user("author").as_actor(), draft=replace(draft,
                                                                                               language=language))
    assert list(refused.value.errors) == ["language"]


MOODLE_SAME_IDNUMBER = """<quiz>
<question type="category"><category><text>$course$/Unit A</text></category></question>
<question type="shortanswer"><name><text>France</text></name><idnumber>Q1</idnumber>
<questiontext format="html"><text>Capital of France?</text></questiontext>
<answer fraction="100"><text>Paris</text></answer>
</question>
<question type="category"><category><text>$course$/Unit B</text></category></question>
<question type="shortanswer"><name><text>Viet Nam</text></name><idnumber>Q1</idnumber>
<questiontext format="html"><text>Capital of Viet Nam?</text></questiontext>
<answer fraction="100"><text>Ha Noi</text></answer>
</question>
</quiz>"""


def test_a_second_question_with_the_same_identifier_in_one_import_is_an_error_line(author, db_session):
    """Moodle allows an ID number again in another category: the second question updated the item the first had
    just created, leaving one item, reported as "updated"."""
    before = item_count(db_session)
    response = upload(author, MOODLE_SAME_IDNUMBER.encode(), "two-units.xml")
    first, second = response.json["entries"]
    assert (first["status"], second["status"], second["item_id"]) == ("created", "error", None)
    assert second["reason"].startswith(f"identifier 'Q1' is also that of {first['source']}, earlier in this import")
    assert item_count(db_session) == before + 1
    assert "France" in db_session.get(Item, first["item_id"]).current_version.content["stem"]
    again = upload(author, MOODLE_SAME_IDNUMBER.encode(), "two-units.xml").json["entries"]
    assert [line["status"] for line in again] == ["unchanged", "error"]  # a later import still updates the first


@pytest.mark.parametrize(("payload", "filename", "detail"), [
    (XXE.encode(), "x.xml", "x.xml: refused XML with a DTD"),
    (zip_of({"x.xml": XXE.encode()}), "p.zip", "p.zip:x.xml: refused XML with a DTD"),
    (zip_of({"bomb.xml": b"<quiz>" + b" " * 5_000_000 + b"</quiz>"}), "bomb.zip",
     "bomb.zip: member 'bomb.xml' is compressed suspiciously well"),
    (zip_of({"../evil.xml": b"<quiz/>"}), "slip.zip", "slip.zip: package member '../evil.xml' points outside"),
], ids=["file", "member", "bomb", "slip"])
def test_a_refusal_names_its_source_once(author, payload, filename, detail):
    """Messages read "x.xml: x.xml: refused XML..." and "p.zip:x.xml: p.zip:x.xml: ..."."""
    response = upload(author, payload, filename)
    assert response.status_code == 422
    assert response.json["detail"].startswith(detail), response.json["detail"]
    assert response.json["detail"].count(filename) == 1

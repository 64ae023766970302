"""LevelPath's delivery details survive every export format LevelPath reads back: a recording's play limit
and language, and the time a candidate is expected to take."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest

from question_bank.interchange.gift import read_gift, write_gift
from question_bank.interchange.model import ExportableItem, ImportedItem, ImportedStimulus, MediaFile
from question_bank.interchange.moodle import read_moodle_xml, write_moodle_xml_skipping
from question_bank.interchange.qti import read_qti_package, write_qti3_package

OGG = MediaFile("media/talk.ogg", b"OggS" + bytes(60), "audio/ogg")
RECORDING = ImportedStimulus("talk-vi-1", "Bài nghe", '<p>Nghe.</p><audio src="media/talk.ogg" controls></audio>',
                             media=(OGG,), max_plays=1, language="vi")
ITEM = ExportableItem("listen-1", "single_choice",
                      {"stem": "What is the talk about?",
                       "options": [{"id": "A", "text": "Safety"}, {"id": "B", "text": "Pay"}]},
                      {"correct": "A"}, skill="listening", level=3, expected_seconds=45, stimulus=RECORDING)


def _qti(items: list[ExportableItem]) -> list:
    with zipfile.ZipFile(io.BytesIO(write_qti3_package(items))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return read_qti_package("export.zip", files)


def _moodle(items: list[ExportableItem]) -> list:
    data, skipped = write_moodle_xml_skipping(items)
    assert skipped == []
    return read_moodle_xml("export.xml", data)


def _gift(items: list[ExportableItem]) -> list:
    # GIFT cannot embed files: the recording is announced in the passage instead.
    items = [replace(item, stimulus=replace(item.stimulus, body="<p>Nghe bài nói.</p>", media=()))
             if item.stimulus else item for item in items]
    text, skipped = write_gift(items)
    assert skipped == []
    return read_gift("export.gift", text)


FORMATS = {"qti3": _qti, "moodle": _moodle, "gift": _gift}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_play_limit_language_and_expected_time_come_back(fmt):
    [result] = FORMATS[fmt]([ITEM])
    assert isinstance(result, ImportedItem), result
    assert result.stimulus is not None
    assert (result.stimulus.max_plays, result.stimulus.language) == (1, "vi")
    assert result.expected_seconds == 45


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_without_them_nothing_is_made_up(fmt):
    plain = ExportableItem("plain-1", "single_choice", ITEM.content, ITEM.scoring,
                           stimulus=ImportedStimulus("note-1", "Note", "<p>Read.</p>"))
    [result] = FORMATS[fmt]([plain])
    assert isinstance(result, ImportedItem), result
    assert (result.stimulus.max_plays, result.stimulus.language, result.expected_seconds) == (None, "en", None)


@pytest.mark.parametrize(("record", "note"), [
    ('"expected_seconds":0', "ignored expected_seconds"),
    ('"expected_seconds":"45"', "ignored expected_seconds"),
    ('"stimulus":{"identifier":"n","title":"N","max_plays":true}', "ignored the passage's max_plays"),
    ('"stimulus":{"identifier":"n","title":"N","language":"a-very-long-tag"}', "ignored the passage's language"),
])
def test_a_broken_record_value_is_noted_and_left_out(record, note):
    stem = '<div class="levelpath-stimulus"><p>Read.</p></div>Why?' if "stimulus" in record else "Why?"
    text = f"// levelpath: {{{record}}}\n::q::[html]{stem}{{=yes ~no}}\n"
    [result] = read_gift("t.gift", text)
    assert isinstance(result, ImportedItem), result
    assert result.expected_seconds is None
    assert any(n.startswith(note) for n in result.notes), result.notes

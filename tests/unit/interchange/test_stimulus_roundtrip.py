"""Stimulus play limits and language survive a QTI 3 round trip (they are delivery rules)."""

from __future__ import annotations

from question_bank.interchange.model import ExportableItem, ImportedStimulus, whole_number
from question_bank.interchange.qti import read_qti_document, write_qti3_item, write_qti3_stimulus


def test_play_limit_and_language_round_trip():
    stimulus = ImportedStimulus(identifier="talk-1", title="A talk", body="<p>Listen to the talk.</p>",
                                max_plays=2, language="vi")
    item = ExportableItem(identifier="q-1", type="single_choice",
                          content={"stem": "What is the talk about?",
                                   "options": [{"id": "A", "text": "Safety"}, {"id": "B", "text": "Pay"}]},
                          scoring={"correct": "A"}, stimulus=stimulus)
    written_stimulus = write_qti3_stimulus(stimulus)
    assert b'data-lp-max-plays="2"' in written_stimulus

    def resolve(href: str) -> bytes | None:
        return written_stimulus if href.endswith("talk-1.xml") else None

    (result,) = read_qti_document("q-1.xml", write_qti3_item(item), resolve=resolve)
    assert result.stimulus is not None, result
    assert (result.stimulus.max_plays, result.stimulus.language) == (2, "vi")


def test_a_stimulus_without_a_limit_has_none():
    stimulus = ImportedStimulus(identifier="note-1", title="Note", body="<p>Read the note.</p>")
    item = ExportableItem(identifier="q-2", type="single_choice",
                          content={"stem": "Why?", "options": [{"id": "A", "text": "x"}, {"id": "B", "text": "y"}]},
                          scoring={"correct": "B"}, stimulus=stimulus)
    written = write_qti3_stimulus(stimulus)
    (result,) = read_qti_document("q-2.xml", write_qti3_item(item), resolve=lambda href: written)
    assert result.stimulus is not None and result.stimulus.max_plays is None


def test_a_play_limit_written_in_other_digits_is_ignored_not_an_unreadable_file():
    """str.isdigit takes "²", which int() refuses: the whole file was an error ("invalid literal for int()")."""
    stimulus = ImportedStimulus(identifier="talk-2", title="A talk", body="<p>Listen.</p>", max_plays=2)
    item = ExportableItem(identifier="q-3", type="single_choice",
                          content={"stem": "Why?", "options": [{"id": "A", "text": "x"}, {"id": "B", "text": "y"}]},
                          scoring={"correct": "B"}, stimulus=stimulus)
    written = write_qti3_stimulus(stimulus).replace(b'data-lp-max-plays="2"', 'data-lp-max-plays="²"'.encode())
    (result,) = read_qti_document("q-3.xml", write_qti3_item(item), resolve=lambda href: written)
    assert result.stimulus is not None, result
    assert result.stimulus.max_plays is None


def test_whole_numbers_are_ascii_digits():
    assert [whole_number(text) for text in ("3", " 12 ", "²", "٣", "-1", "1.5", "", None)] == [
        3, 12, None, None, None, None, None, None]

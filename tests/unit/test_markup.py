"""The sanitiser keeps what candidates need to read an item and nothing that could give its key away."""

from __future__ import annotations

import unicodedata

import pytest

from question_bank.markup import for_candidates, sanitise_html


@pytest.mark.parametrize(("fragment", "kept"), [
    ('<p class="ACorrectChoice">Paris</p>', "<p>Paris</p>"),  # how Moodle's editor marks the right choice
    ('<span class="correct answer">x</span>', "<span>x</span>"),
    ('<span title="this one is right">x</span>', "<span>x</span>"),
    ('<img src="a.png" alt="a map" title="the key is B" />', '<img src="a.png" alt="a map" />'),
    ('<span label="right">x</span>', "<span>x</span>"),
    ('<abbr title="World Health Organization">WHO</abbr>', '<abbr title="World Health Organization">WHO</abbr>'),
    ('<video><track kind="captions" label="English" srclang="en" /></video>',
     '<video><track kind="captions" label="English" srclang="en" /></video>'),
    ('<div class="levelpath-stimulus"><p class="lp-instructions x-hint">Listen.</p></div>',
     '<div class="levelpath-stimulus"><p class="lp-instructions">Listen.</p></div>'),
    ('<div class="transcript">Hello</div>', '<div class="transcript">Hello</div>'),
    ('<div class="content qti-layout-row"><div class="qti-layout-col6 ACorrectChoice">x</div></div>',
     '<div class="qti-layout-row"><div class="qti-layout-col6">x</div></div>'),
    ('<p data-lp-gap="g1" data-answer="B">x</p>', '<p data-lp-gap="g1">x</p>'),
])
def test_attributes_that_could_hint_at_the_key_are_dropped(fragment, kept):
    assert sanitise_html(fragment) == kept


def test_text_comes_out_composed():
    decomposed = unicodedata.normalize("NFD", "<p>Tiếng Việt</p>")
    assert decomposed != "<p>Tiếng Việt</p>"
    assert sanitise_html(decomposed) == "<p>Tiếng Việt</p>"


def test_delivery_to_candidates_leaves_out_the_transcript_and_all_it_holds():
    body = ('<p>Listen.</p><div class="transcript"><div><p>Nested <br /> text</p></div><img src="x.png" /></div>'
            '<p class="lp-note">After</p>')
    assert for_candidates(body) == '<p>Listen.</p><p class="lp-note">After</p>'
    assert for_candidates("<p>No transcript</p>") == "<p>No transcript</p>"

"""Media uploads declared under another common name of their type (what browsers and Python's mimetypes send)."""

from __future__ import annotations

import io

import pytest

from tests.api.test_item_bank import png_bytes
from tests.api.test_item_import import near_silent_wav

MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 413  # an MPEG-1 Layer III frame header, then silence


@pytest.mark.parametrize(("data", "name", "declared", "canonical"), [
    (near_silent_wav(), "prompt.wav", "audio/x-wav", "audio/wav"),
    (near_silent_wav(), "prompt.wav", "audio/wave", "audio/wav"),
    (near_silent_wav(), "prompt.wav", "audio/vnd.wave", "audio/wav"),
    (MP3_FRAME, "prompt.mp3", "audio/mp3", "audio/mpeg"),
    (png_bytes(), "photo.png", "IMAGE/PNG", "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 60, "photo.jpg", "image/jpg", "image/jpeg"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 60, "photo.jpg", "image/pjpeg", "image/jpeg"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_a_type_declared_by_one_of_its_other_names_is_stored_under_its_own(api_as, data, name, declared, canonical):
    stored = api_as("author").post("/api/v1/media", data={"file": (io.BytesIO(data), name, declared)},
                                   content_type="multipart/form-data")
    assert stored.status_code == 201, stored.json
    assert stored.json["mime_type"] == canonical


def test_an_alias_of_another_type_is_still_refused(api_as):
    refused = api_as("author").post("/api/v1/media",
                                    data={"file": (io.BytesIO(near_silent_wav()), "prompt.wav", "audio/mp3")},
                                    content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "declared as audio/mp3 but the content is audio/wav" in refused.json["detail"]

"""Embedded files (base64 in Moodle XML) checked by their first bytes before anything trusts them."""

from __future__ import annotations

import base64
import binascii
from pathlib import PurePosixPath

from question_bank.interchange.model import MediaFile
from question_bank.media import KINDS, sniff_mime_type

MIB = 1024 * 1024
# The media LevelPath takes from Moodle: images and audio (webm may hold either audio or video).
ACCEPTED = ("image/png", "image/jpeg", "image/gif", "audio/ogg", "audio/mpeg", "audio/wav", "audio/webm", "video/webm")
BY_EXTENSION = {
    ".png": {"image/png"}, ".jpg": {"image/jpeg"}, ".jpeg": {"image/jpeg"}, ".jpe": {"image/jpeg"},
    ".gif": {"image/gif"}, ".ogg": {"audio/ogg"}, ".oga": {"audio/ogg"}, ".mp3": {"audio/mpeg"},
    ".wav": {"audio/wav"}, ".webm": {"audio/webm", "video/webm"},
}
MAX_ENCODED = max(KINDS[kind].max_bytes for kind in ACCEPTED) * 4 // 3 + 4


class EmbeddedFileProblem(ValueError):
    """A file that cannot be taken: ``refused`` for hostile or oversized ones, ``unsupported`` for other types."""

    def __init__(self, reason: str, *, refused: bool = False, unsupported: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.refused, self.unsupported = reason, refused, unsupported


def decode_media(name: str, encoded: str) -> MediaFile:
    """The decoded, checked file. Raises EmbeddedFileProblem.

    A name that promises an accepted type must match the bytes (a disguised file is refused, not
    skipped), and each type has LevelPath's size limit.
    """
    compact = "".join(encoded.split())
    if len(compact) > MAX_ENCODED:
        raise EmbeddedFileProblem(f"embedded file {name!r} is larger than any media LevelPath accepts "
                                  f"({len(compact) * 3 // 4 // MIB} MiB)", refused=True)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise EmbeddedFileProblem(f"embedded file {name!r} is not valid base64") from None
    actual = sniff_mime_type(data)
    promised = BY_EXTENSION.get(PurePosixPath(name).suffix.lower())
    if promised is not None and actual not in promised:
        found = actual or "not an image or audio file"
        raise EmbeddedFileProblem(f"embedded file {name!r} is named as {'/'.join(sorted(promised))} but its content "
                                  f"is {found}", refused=True)
    if actual not in ACCEPTED:
        raise EmbeddedFileProblem(f"embedded file {name!r} is {actual or 'of a type LevelPath does not accept'}; "
                                  "LevelPath takes png, jpeg, gif, ogg, mp3, wav and webm media", unsupported=True)
    limit = KINDS[actual].max_bytes
    if len(data) > limit:
        raise EmbeddedFileProblem(f"embedded file {name!r} ({actual}) has {len(data):,} bytes; at most "
                                  f"{limit:,} ({limit // MIB} MiB) are accepted", refused=True)
    return MediaFile(name=name, data=data, mime_type=actual)


def encode_media(media: MediaFile) -> str:
    """The file as base64, as Moodle XML embeds it."""
    return base64.b64encode(media.data).decode("ascii")

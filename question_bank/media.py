"""Media files (audio, images) stored once by content hash, with type and size checks."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import Actor, Role, User
from core.errors import NotFound, PermissionDenied, RuleViolation
from question_bank.models import MediaObject, Stimulus
from question_bank.policies import can_add_media, can_fetch_media, can_hear_recordings_at_will

MEDIA_URL_PREFIX = "/api/v1/media/"


@dataclass(frozen=True, slots=True)
class MediaKind:
    mime_type: str
    max_bytes: int


MIB = 1024 * 1024
# Types LevelPath serves to candidates, recognised by their first bytes (never by name alone).
KINDS = {
    "image/png": MediaKind("image/png", 5 * MIB),
    "image/jpeg": MediaKind("image/jpeg", 5 * MIB),
    "image/gif": MediaKind("image/gif", 5 * MIB),
    "audio/ogg": MediaKind("audio/ogg", 20 * MIB),
    "audio/mpeg": MediaKind("audio/mpeg", 20 * MIB),
    "audio/wav": MediaKind("audio/wav", 50 * MIB),
    "audio/webm": MediaKind("audio/webm", 20 * MIB),
    "video/webm": MediaKind("video/webm", 100 * MIB),
    "video/mp4": MediaKind("video/mp4", 100 * MIB),
}
MAX_MEDIA_BYTES = max(kind.max_bytes for kind in KINDS.values())
# Other names clients declare the same types by (Python's mimetypes says audio/x-wav, some browsers audio/mp3).
TYPE_ALIASES = {
    "audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav",
    "audio/mp3": "audio/mpeg", "audio/x-mp3": "audio/mpeg", "audio/mpeg3": "audio/mpeg", "audio/x-mpeg": "audio/mpeg",
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/ogg": "audio/ogg", "audio/x-ogg": "audio/ogg",
}


def sniff_mime_type(data: bytes) -> str | None:
    """The media type the bytes really are, or None for anything LevelPath does not accept."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in data[:4096] and b"V_" in data[:4096] else "audio/webm"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    return None


class MediaStore:
    """Files under ``root`` at ab/cd/<sha256>; writes are atomic, so readers never see half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path_for(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha256

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


def check_media(data: bytes, *, declared_type: str | None, name: str) -> str:
    """The checked media type. Raises RuleViolation for unknown, mislabelled or oversized files."""
    actual = sniff_mime_type(data)
    if actual is None:
        raise RuleViolation(f"{name}: not a supported image, audio or video file "
                            f"(accepted: {', '.join(sorted(KINDS))})", field="file")
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared and TYPE_ALIASES.get(declared, declared) not in (actual, "application/octet-stream"):
        raise RuleViolation(f"{name}: declared as {declared_type} but the content is {actual}", field="file")
    limit = KINDS[actual].max_bytes
    if len(data) > limit:
        raise RuleViolation(f"{name}: {actual} files may be at most {limit // MIB} MiB", field="file")
    return actual


def add_media(session: Session, store: MediaStore, *, actor: Actor, data: bytes, name: str,
              declared_type: str | None = None) -> MediaObject:
    """A file sent by a person: an author's item media, or a candidate's spoken answer."""
    if not can_add_media(actor):
        raise PermissionDenied("only item authors and candidates (for their spoken answers) store media")
    return store_media(session, store, actor=actor, data=data, name=name, declared_type=declared_type)


def store_media(session: Session, store: MediaStore, *, actor: Actor | None, data: bytes, name: str,
                declared_type: str | None = None) -> MediaObject:
    """Check and store a media file (once per content). Raises RuleViolation for a refused file."""
    mime_type = check_media(data, declared_type=declared_type, name=name)
    sha256 = store.put(data)
    existing = session.get(MediaObject, sha256)
    if existing is not None:
        return existing
    media = MediaObject(sha256=sha256, mime_type=mime_type, size=len(data), original_name=name[:255],
                        created_by=actor.id if actor else None)
    session.add(media)
    session.flush()
    return media


def get_media(session: Session, sha256: str) -> MediaObject:
    """Raises NotFound for an unknown hash."""
    media = session.get(MediaObject, sha256) if len(sha256) == 64 else None
    if media is None:
        raise NotFound("no such media file", field="sha256")
    return media


def get_media_for(session: Session, *, actor: Actor, sha256: str) -> MediaObject:
    """A media file the actor may fetch. Raises NotFound, also for a recording they may not hear (another
    candidate's answer; a recording with a play limit, which candidates play through their attempt)."""
    media = get_media(session, sha256)
    creator = session.get(User, media.created_by) if media.created_by is not None else None
    in_the_bank = creator is None or creator.as_actor().has(Role.AUTHOR)
    play_limited = (media.created_by != actor.id and not can_hear_recordings_at_will(actor)
                    and is_play_limited(session, media))
    if not can_fetch_media(actor, created_by=media.created_by, in_the_bank=in_the_bank, play_limited=play_limited):
        raise NotFound("no such media file", field="sha256")
    return media


def is_playable(media: MediaObject) -> bool:
    """Audio and video are played (and a play limit counts them); images are only seen."""
    return media.mime_type.startswith(("audio/", "video/"))


def is_play_limited(session: Session, media: MediaObject) -> bool:
    """Whether the file is the recording of a stimulus with a play limit (``max_plays``)."""
    if not is_playable(media):
        return False
    return session.scalar(select(Stimulus.id).where(
        Stimulus.max_plays.is_not(None), Stimulus.body.contains(media_url(media.sha256))).limit(1)) is not None


PLAYED_MEDIA_ATTRIBUTE = "data-play-sha256"
_MEDIA_REFERENCE = re.compile(f"(?:{re.escape(MEDIA_URL_PREFIX)}|{PLAYED_MEDIA_ATTRIBUTE}=\")([0-9a-f]{{64}})")


def media_in(body: str) -> list[str]:
    """The hashes of the media files a sanitised body refers to, in order, each once (linked, or named for a
    play: recordings_as_plays)."""
    return list(dict.fromkeys(_MEDIA_REFERENCE.findall(body)))


def media_url(sha256: str) -> str:
    return MEDIA_URL_PREFIX + sha256


# An <audio>, <video> or <source> element's link to a stored file, as the sanitiser writes it (double quotes).
_PLAYED_SOURCE = re.compile(r'(<(?:audio|video|source)\b[^>]*?) src="' + re.escape(MEDIA_URL_PREFIX)
                            + r'([0-9a-f]{64})"')


def recordings_as_plays(body: str) -> str:
    """A play-limited stimulus's body as its candidate gets it: each recording names its file in
    PLAYED_MEDIA_ATTRIBUTE instead of linking it, since the candidate hears it through counted plays
    (assessment.plays) and cannot fetch it by its hash; pictures keep their links."""
    return _PLAYED_SOURCE.sub(rf'\1 {PLAYED_MEDIA_ATTRIBUTE}="\2"', body)

"""Plays of the recordings shown in an attempt, held to their stimulus's play limit by the server.

A listening passage may be heard a limited number of times (``Stimulus.max_plays``; VSTEP recordings are
heard once). The candidate asks for a play of a recording shown in their attempt; the play is counted at
once, under the attempt's row lock, and comes with a short-lived token from which the recording streams
(range requests included, as an <audio> element makes, several per play and again while seeking) until
the play expires: PLAY_WINDOW after it starts, and never after the attempt or the section it started in.
Only the token's hash is stored. Candidates cannot fetch such a recording by its hash
(question_bank.media.get_media_for), so the plays are the only way they hear it.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment.models import Attempt, AttemptStatus, RecordingPlay
from assessment.scoring import ShownStimulus
from assessment.sections import SECTIONED
from core import clock
from core.accounts import Actor
from core.accounts.security import hash_token
from core.errors import Conflict, DomainError, NotFound, RuleViolation
from question_bank import media
from question_bank.models import MediaObject, Stimulus

# How long one play's token streams the recording: longer than any listening recording (VSTEP's run to a
# few minutes) with room for buffering and a slow network, short enough that one play is not a session's
# worth of replays. The attempt's deadline (the running section's end) cuts it shorter.
PLAY_WINDOW = timedelta(minutes=10)
PLAY_URL_PREFIX = "/api/v1/plays/"


class NoPlaysLeft(Conflict):
    """Every play the recording allows has been used in this attempt."""

    slug, title = "no-plays-left", "No plays left"


class PlayEnded(DomainError):
    """The play's time is over, or its attempt or section has ended: the token streams no more."""

    status, slug, title = 410, "play-ended", "The play has ended"


@dataclass(frozen=True, slots=True)
class PlaySource:
    sha256: str
    mime_type: str
    url: str  # where the play streams this file: PLAY_URL_PREFIX + token + "/" + sha256


@dataclass(frozen=True, slots=True)
class IssuedPlay:
    """A play just started; ``token`` is shown this once (only its hash is stored)."""

    play: RecordingPlay
    token: str
    max_plays: int | None
    plays_left: int | None  # after this play; None: no limit
    sources: tuple[PlaySource, ...]  # the recording's files (e.g. one Ogg, one MP3 of the same talk)


def plays_used(session: Session, attempt_id: int, stimulus_ids: Collection[int]) -> dict[int, int]:
    """How many plays of each of these stimuli the attempt has started."""
    if not stimulus_ids:
        return {}
    rows = session.execute(select(RecordingPlay.stimulus_id, func.count()).where(
        RecordingPlay.attempt_id == attempt_id, RecordingPlay.stimulus_id.in_(stimulus_ids))
        .group_by(RecordingPlay.stimulus_id))
    return {stimulus_id: count for stimulus_id, count in rows}


def with_plays_left(session: Session, attempt_id: int,
                    stimuli: Mapping[int | None, ShownStimulus]) -> dict[int | None, ShownStimulus]:
    """The stimuli with ``plays_left`` filled in for those with a play limit (one query, none without)."""
    limited = {key for key, stimulus in stimuli.items() if key is not None and stimulus.max_plays is not None}
    if not limited:
        return dict(stimuli)
    used = plays_used(session, attempt_id, limited)
    return {key: replace(stimulus, plays_left=max(0, stimulus.max_plays - used.get(key, 0)))
            if key in limited and stimulus.max_plays is not None else stimulus
            for key, stimulus in stimuli.items()}


def _sources(session: Session, stimulus: ShownStimulus) -> list[MediaObject]:
    hashes = media.media_in(stimulus.body)
    found = {stored.sha256: stored for stored in session.scalars(
        select(MediaObject).where(MediaObject.sha256.in_(hashes)))} if hashes else {}
    return [found[sha256] for sha256 in hashes if sha256 in found and media.is_playable(found[sha256])]


def record_play(session: Session, attempt: Attempt, stimulus: ShownStimulus,
                idempotency_key: str | None = None) -> IssuedPlay:
    """Count one play of a recording shown in the attempt and issue its token.

    The caller holds the attempt's row lock (assessment.services.start_play), so plays of one attempt are
    counted one at a time. A retry with the same ``idempotency_key`` gets the same play again (same number
    and expiry, a fresh token: only hashes are kept) and uses up no other. Raises NoPlaysLeft once the limit
    is reached, RuleViolation for a stimulus without a recording or a key reused for another recording.
    """
    files = _sources(session, stimulus)
    if not files:
        raise RuleViolation(f"stimulus {stimulus.id} has no recording to play", field="stimulus_id")
    used = plays_used(session, attempt.id, [stimulus.id]).get(stimulus.id, 0)
    if idempotency_key is not None:
        earlier = session.scalar(select(RecordingPlay).where(RecordingPlay.attempt_id == attempt.id,
                                                             RecordingPlay.idempotency_key == idempotency_key))
        if earlier is not None:
            return _issued_again(session, earlier, stimulus, files, used)
    if stimulus.max_plays is not None and used >= stimulus.max_plays:
        raise NoPlaysLeft(f"the recording of stimulus {stimulus.id} may be played {stimulus.max_plays} "
                          f"time{'s' if stimulus.max_plays != 1 else ''} in an attempt, and every play is used",
                          field="stimulus_id", max_plays=stimulus.max_plays, plays_used=used)
    now = clock.now()
    expires_at = now + PLAY_WINDOW
    if attempt.deadline is not None:
        expires_at = min(expires_at, attempt.deadline)
    token = secrets.token_urlsafe(32)
    play = RecordingPlay(attempt_id=attempt.id, stimulus_id=stimulus.id, number=used + 1,
                         token_hash=hash_token(token), started_at=now, expires_at=expires_at,
                         idempotency_key=idempotency_key,
                         section=len(attempt.sections) - 1 if attempt.test.kind == SECTIONED and attempt.sections
                         else None)
    session.add(play)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same number taken meanwhile: only where no row lock serialises (SQLite)
        raise NoPlaysLeft("another play of this recording started at the same moment; ask again",
                          field="stimulus_id", max_plays=stimulus.max_plays) from None
    return _issued(play, token, stimulus, files, used + 1)


def _issued_again(session: Session, play: RecordingPlay, stimulus: ShownStimulus, files: list[MediaObject],
                  used: int) -> IssuedPlay:
    """A retried request's play, with a new token (the first one's answer may never have arrived)."""
    if play.stimulus_id != stimulus.id:
        raise RuleViolation("this Idempotency-Key was used for a play of another recording",
                            field="Idempotency-Key")
    token = secrets.token_urlsafe(32)
    play.token_hash = hash_token(token)
    session.flush()
    return _issued(play, token, stimulus, files, used)


def _issued(play: RecordingPlay, token: str, stimulus: ShownStimulus, files: list[MediaObject],
            used: int) -> IssuedPlay:
    plays_left = None if stimulus.max_plays is None else max(0, stimulus.max_plays - used)
    return IssuedPlay(play=play, token=token, max_plays=stimulus.max_plays, plays_left=plays_left,
                      sources=tuple(PlaySource(stored.sha256, stored.mime_type,
                                               f"{PLAY_URL_PREFIX}{token}/{stored.sha256}") for stored in files))


def media_of_play(session: Session, *, actor: Actor, token: str, sha256: str) -> MediaObject:
    """The file a play streams, for each of the requests an <audio> element makes while the play lasts.

    Raises NotFound for an unknown token, another candidate's, or a file that is not the play's recording;
    PlayEnded once the play's time, its attempt or its section is over.
    """
    row = session.execute(select(RecordingPlay, Attempt).join(Attempt, Attempt.id == RecordingPlay.attempt_id)
                          .where(RecordingPlay.token_hash == hash_token(token))).first()
    if row is None or row.Attempt.candidate_id != actor.id:
        raise NotFound("no such play", field="token")
    play, attempt = row.RecordingPlay, row.Attempt
    body = session.scalar(select(Stimulus.body).where(Stimulus.id == play.stimulus_id)) or ""
    if sha256 not in media.media_in(body):
        raise NotFound("this play does not stream that file", field="sha256")
    stored = media.get_media(session, sha256)
    if not media.is_playable(stored):
        raise NotFound("this play does not stream that file", field="sha256")
    now = clock.now()
    if now >= play.expires_at:
        raise PlayEnded(f"this play ended at {play.expires_at.isoformat()}; start another if any are left",
                        field="token", expires_at=play.expires_at.isoformat())
    if attempt.status != AttemptStatus.IN_PROGRESS or attempt.time_is_up(now) or (
            play.section is not None and len(attempt.sections or ()) - 1 != play.section):
        raise PlayEnded("the attempt or the section this play belongs to has ended", field="token")
    return stored

"""A recording's play limit (max_plays) is held by the server: each play is counted in the attempt and
streams through a short-lived play URL, and candidates cannot fetch the recording by its hash instead
(two plays asked for at once, on PostgreSQL: tests/integration/test_concurrent_plays.py)."""

from __future__ import annotations

import hashlib
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assessment.models import RecordingPlay
from question_bank import services as bank
from tests.api.test_vstep_exam import _exam_payload
from tests.factories import published_test, single_choice_spec

RECORDING = b"OggS\x00\x02" + bytes(range(256)) * 4  # a once-only talk, 1030 bytes
FREE_RECORDING = b"OggS\x00\x02" + bytes(range(255, -1, -1)) * 2  # a recording without a play limit
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _upload(client, data: bytes, name: str) -> str:
    stored = client.post("/api/v1/media", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert stored.status_code == 201, stored.json
    return stored.json["sha256"]


def _body(recording: str, picture: str | None = None) -> str:
    shown = f'<p><img src="/api/v1/media/{picture}" alt="A map"/></p>' if picture else ""
    return f'{shown}<audio controls="controls" src="/api/v1/media/{recording}"></audio>'


@pytest.fixture
def bank_world(api_as, factory, db_session):
    """A once-only talk with a picture beside it, and a recording anyone may replay, each with its item."""
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    author = api_as(author_user)
    recording, picture = _upload(author, RECORDING, "talk.ogg"), _upload(author, PICTURE, "map.png")
    free = _upload(author, FREE_RECORDING, "practice.ogg")
    talk = bank.create_stimulus(db_session, actor=author_user.as_actor(), kind="audio", title="A talk",
                                body=_body(recording, picture), max_plays=1)
    practice = bank.create_stimulus(db_session, actor=author_user.as_actor(), kind="audio", title="Practice",
                                    body=_body(free))
    items = [factory.approved_item(author_user, reviewer, **single_choice_spec(skill="listening"),
                                   stimulus_id=stimulus.id).id for stimulus in (talk, practice)]
    return SimpleNamespace(author=author, author_user=author_user, reviewer=reviewer, recording=recording,
                           picture=picture, free=free, talk=talk, practice=practice, items=items)


@pytest.fixture
def sitting(api_as, bank_world, fake_clock):
    """A candidate in an attempt at a fixed test of the two recordings."""
    test = published_test(api_as("test_admin"), bank_world.items)
    candidate = api_as("candidate")
    started = candidate.post(f"/api/v1/tests/{test['id']}/attempts")
    assert started.status_code == 201, started.json
    return SimpleNamespace(candidate=candidate, attempt=started.json,
                           plays=f"/api/v1/attempts/{started.json['id']}/plays")


def _stimuli(attempt_view: dict) -> dict[int, dict]:
    return {item["stimulus"]["id"]: item["stimulus"] for item in attempt_view["items"]}


def test_a_once_only_recording_plays_once_and_a_second_play_is_refused(bank_world, sitting, db_session):
    shown = _stimuli(sitting.attempt)
    assert (shown[bank_world.talk.id]["max_plays"], shown[bank_world.talk.id]["plays_left"]) == (1, 1)
    assert shown[bank_world.practice.id]["plays_left"] is None  # no limit

    play = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id})
    assert play.status_code == 201, play.json
    assert (play.json["number"], play.json["max_plays"], play.json["plays_left"]) == (1, 1, 0)
    assert [(s["sha256"], s["mime_type"]) for s in play.json["sources"]] == [(bank_world.recording, "audio/ogg")]
    assert play.json["url"] == play.json["sources"][0]["url"]
    assert play.json["url"].startswith("/api/v1/plays/") and play.json["url"].endswith("/" + bank_world.recording)
    again = sitting.candidate.get(f"/api/v1/attempts/{sitting.attempt['id']}")
    assert _stimuli(again.json)[bank_world.talk.id]["plays_left"] == 0

    refused = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id})
    assert refused.status_code == 409, refused.json
    assert refused.json["type"].endswith("/no-plays-left")
    assert refused.json["errors"][0]["field"] == "stimulus_id"
    assert refused.json["max_plays"] == 1 and "1 time" in refused.json["detail"]

    token = play.json["url"].split("/")[4]
    (stored,) = db_session.scalars(select(RecordingPlay)).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()  # the token itself is not kept
    # a recording without a limit plays as often as the candidate likes
    for number in (1, 2, 3):
        free = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.practice.id})
        assert (free.status_code, free.json["number"], free.json["plays_left"]) == (201, number, None)


def test_a_play_streams_with_range_requests_until_it_expires(bank_world, sitting, fake_clock):
    url = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id}).json["url"]
    probe = sitting.candidate._call("HEAD", url)  # what a player may ask first: size, and that it can seek
    assert probe.status_code == 200 and probe.headers["Accept-Ranges"] == "bytes"
    assert probe.headers["Content-Length"] == str(len(RECORDING))
    head = sitting.candidate.get(url, headers={"Range": "bytes=0-99"})
    assert head.status_code == 206
    assert head.data == RECORDING[:100] and head.headers["Content-Range"] == f"bytes 0-99/{len(RECORDING)}"
    assert "no-store" in head.headers["Cache-Control"] and "public" not in head.headers["Cache-Control"]
    rest = sitting.candidate.get(url, headers={"Range": "bytes=100-", "If-Range": head.headers["ETag"]})
    assert rest.status_code == 206 and rest.data == RECORDING[100:]
    fake_clock.advance(minutes=5)  # seeking back, buffering again: the same play
    whole = sitting.candidate.get(url)
    assert whole.status_code == 200 and whole.data == RECORDING

    fake_clock.advance(minutes=5, seconds=1)  # past the play's 10 minutes
    ended = sitting.candidate.get(url, headers={"Range": "bytes=0-99"})
    assert ended.status_code == 410, ended.json
    assert ended.json["type"].endswith("/play-ended")


def test_a_play_url_streams_to_its_candidate_only_its_recording_only_while_the_attempt_runs(
        api_as, bank_world, sitting):
    play = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id}).json
    url, token = play["url"], play["url"].split("/")[4]
    assert api_as("candidate").get(url).status_code == 404  # another candidate's token
    assert api_as("test_admin").get(url).status_code == 403
    assert sitting.candidate.get(f"/api/v1/plays/{'x' * len(token)}/{bank_world.recording}").status_code == 404
    assert sitting.candidate.get(f"/api/v1/plays/{token}/{bank_world.picture}").status_code == 404
    assert sitting.candidate.get(f"/api/v1/plays/{token}/{bank_world.free}").status_code == 404  # not this play's
    assert sitting.candidate.get(url).status_code == 200

    assert sitting.candidate.post(f"/api/v1/attempts/{sitting.attempt['id']}/submit").status_code == 200
    ended = sitting.candidate.get(url)
    assert ended.status_code == 410, ended.json
    late = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.practice.id})
    assert late.status_code == 409, late.json


def test_only_the_candidate_plays_the_recordings_their_attempt_shows(api_as, factory, bank_world, sitting,
                                                                     db_session):
    other = api_as("candidate")
    assert other.post(sitting.plays, json={"stimulus_id": bank_world.talk.id}).status_code == 404  # as if missing
    assert api_as("test_admin").post(sitting.plays, json={"stimulus_id": bank_world.talk.id}).status_code == 403
    elsewhere = bank.create_stimulus(db_session, actor=bank_world.author_user.as_actor(), kind="audio",
                                     title="Not in this test", body=_body(bank_world.free), max_plays=3)
    unknown = sitting.candidate.post(sitting.plays, json={"stimulus_id": elsewhere.id})
    assert unknown.status_code == 404 and unknown.json["errors"][0]["field"] == "stimulus_id"
    bad = sitting.candidate.post(sitting.plays, json={"stimulus_id": "one"})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "stimulus_id"
    assert db_session.scalars(select(RecordingPlay)).all() == []


def test_candidates_cannot_fetch_a_recording_with_a_play_limit_by_its_hash(api_as, factory, bank_world):
    candidate = api_as("candidate")
    assert candidate.get(f"/api/v1/media/{bank_world.recording}").status_code == 404
    assert candidate.get(f"/api/v1/media/{bank_world.recording}", headers={"Range": "bytes=0-9"}).status_code == 404
    assert api_as("hr").get(f"/api/v1/media/{bank_world.recording}").status_code == 404
    picture = candidate.get(f"/api/v1/media/{bank_world.picture}")  # the picture beside it: only seen
    assert picture.status_code == 200 and picture.data == PICTURE
    assert candidate.get(f"/api/v1/media/{bank_world.free}").status_code == 200  # no limit: as before
    own = _upload(candidate, b"OggS\x00\x02my spoken answer", "answer.ogg")
    assert candidate.get(f"/api/v1/media/{own}").status_code == 200
    for examiner in ("author", "reviewer", "rater", "senior_rater", "test_admin", "admin"):
        heard = api_as(examiner).get(f"/api/v1/media/{bank_world.recording}")
        assert heard.status_code == 200 and heard.data == RECORDING, examiner
        assert "private" in heard.headers["Cache-Control"] and "public" not in heard.headers["Cache-Control"]


def test_a_listening_recording_plays_only_while_the_listening_section_runs(api_as, factory, db_session,
                                                                           fake_clock):
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    recording = _upload(api_as(author_user), RECORDING, "talk.ogg")
    talk = bank.create_stimulus(db_session, actor=author_user.as_actor(), kind="audio", title="Part 1",
                                body=_body(recording), max_plays=2)
    items = factory.vstep_items(author_user, reviewer)
    items["listening"] = [factory.approved_item(author_user, reviewer, **single_choice_spec(skill="listening"),
                                                stimulus_id=talk.id).id for _ in range(35)]
    payload = _exam_payload(items)
    payload["sections"][0]["time_limit_seconds"] = 300  # shorter than a play's 10 minutes
    admin = api_as("test_admin")
    exam = admin.post("/api/v1/tests", json=payload)
    assert exam.status_code == 201, exam.json
    assert admin.post(f"/api/v1/tests/{exam.json['id']}/publish").status_code == 200
    candidate = api_as("candidate")
    attempt = candidate.post(f"/api/v1/tests/{exam.json['id']}/attempts").json
    assert {item["stimulus"]["plays_left"] for item in attempt["items"]} == {2}
    plays = f"/api/v1/attempts/{attempt['id']}/plays"

    play = candidate.post(plays, json={"stimulus_id": talk.id})
    assert play.status_code == 201, play.json
    assert play.json["expires_at"] == attempt["deadline"]  # the section's end comes first
    assert candidate.get(play.json["url"], headers={"Range": "bytes=0-9"}).status_code == 206

    finished = candidate.post(f"/api/v1/attempts/{attempt['id']}/sections/0/finish")
    assert finished.status_code == 200 and finished.json["current_section"] == 1
    assert candidate.get(play.json["url"]).status_code == 410  # the play ended with its section
    refused = candidate.post(plays, json={"stimulus_id": talk.id})  # one play left, but not in reading
    assert refused.status_code == 409, refused.json
    assert "section" in refused.json["detail"]


def test_a_retried_play_request_gets_its_play_again_and_uses_up_no_other(bank_world, sitting):
    """The answer to a play request can be lost on the way; the retry must not cost the candidate their one play."""
    key = {"Idempotency-Key": "play-talk-1"}
    first = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id}, headers=key)
    retried = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id}, headers=key)
    assert (first.status_code, retried.status_code) == (201, 201), retried.json
    assert (retried.json["number"], retried.json["plays_left"]) == (1, 0)
    assert retried.json["expires_at"] == first.json["expires_at"]
    assert retried.json["url"] != first.json["url"]  # a fresh token: only hashes are kept
    assert sitting.candidate.get(retried.json["url"]).status_code == 200
    assert sitting.candidate.get(first.json["url"]).status_code == 404  # the lost answer's token is replaced
    other = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id},
                                   headers={"Idempotency-Key": "play-talk-2"})
    assert other.status_code == 409 and other.json["type"].endswith("/no-plays-left")  # a new play: none left
    misused = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.practice.id}, headers=key)
    assert misused.status_code == 422 and misused.json["errors"][0]["field"] == "Idempotency-Key"


def test_a_candidate_gets_a_limited_recording_named_for_a_play_not_linked(bank_world, sitting):
    """The link would 404 for the candidate (no fetching by hash); the play's sources are the way to hear it."""
    shown = _stimuli(sitting.attempt)
    talk, practice = shown[bank_world.talk.id]["body"], shown[bank_world.practice.id]["body"]
    assert f'data-play-sha256="{bank_world.recording}"' in talk
    assert f"/api/v1/media/{bank_world.recording}" not in talk
    assert f'src="/api/v1/media/{bank_world.picture}"' in talk  # a picture is seen, not played: still linked
    assert f'src="/api/v1/media/{bank_world.free}"' in practice  # no limit: fetched at will
    play = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id}).json
    assert [source["sha256"] for source in play["sources"]] == [bank_world.recording]


def test_recordings_as_plays_names_audio_video_and_source_files_only():
    from question_bank.media import recordings_as_plays

    sha = "ab" * 32
    body = (f'<audio controls="controls" src="/api/v1/media/{sha}"><source src="/api/v1/media/{sha}" '
            f'type="audio/ogg" /></audio><video src="/api/v1/media/{sha}"></video>'
            f'<img src="/api/v1/media/{sha}" alt="x" />')
    assert recordings_as_plays(body) == (
        f'<audio controls="controls" data-play-sha256="{sha}"><source data-play-sha256="{sha}" type="audio/ogg" />'
        f'</audio><video data-play-sha256="{sha}"></video><img src="/api/v1/media/{sha}" alt="x" />')


# --- Range headers (RFC 9110 §14): the same answers from a play URL and from /api/v1/media ---------------------


@pytest.fixture(params=["play", "media"])
def stream(request, bank_world, sitting):
    """Who streams what, at which URL: the once-only talk through a play, or a free recording by its hash."""
    if request.param == "play":
        url = sitting.candidate.post(sitting.plays, json={"stimulus_id": bank_world.talk.id}).json["url"]
        return SimpleNamespace(who=sitting.candidate, url=url, data=RECORDING)
    return SimpleNamespace(who=sitting.candidate, url=f"/api/v1/media/{bank_world.free}", data=FREE_RECORDING)


@pytest.mark.parametrize("header", ["bytes=x", "items=0-5", "bytes=0-1,5-6", "bytes=5-3", "bytes=", "bytes 0-5",
                                    "bytes=0-5-", "bytes=\u0661-\u0665", "bytes=0-1,999999-"])
def test_a_range_header_of_another_unit_unparseable_or_of_several_ranges_is_ignored(stream, header):
    for method in ("GET", "HEAD"):
        whole = stream.who._call(method, stream.url, headers={"Range": header})
        assert whole.status_code == 200, (method, whole.get_data(as_text=True))
        assert "Content-Range" not in whole.headers and whole.headers["Accept-Ranges"] == "bytes"
        assert whole.headers["Content-Length"] == str(len(stream.data))
        assert whole.data == (stream.data if method == "GET" else b"")


@pytest.mark.parametrize("header", ["bytes=5000-6000", "bytes=1030-", "bytes=-0", "bytes=" + "9" * 5000 + "-"])
def test_an_unsatisfiable_range_is_a_416_problem_naming_the_length(stream, header):
    header = header.replace("1030", str(len(stream.data)))
    for method in ("GET", "HEAD"):
        refused = stream.who._call(method, stream.url, headers={"Range": header})
        assert refused.status_code == 416, method
        assert refused.headers["Content-Range"] == f"bytes */{len(stream.data)}"
        assert refused.content_type == "application/problem+json"
        if method == "GET":
            assert refused.json["type"].endswith("/requested-range-not-satisfiable") and refused.json["status"] == 416


@pytest.mark.parametrize(("header", "start", "stop"), [
    ("bytes=0-9", 0, 10), ("bytes=100-", 100, None), ("bytes=-10", -10, None), ("Bytes=5-5", 5, 6),
    ("bytes=0-9,", 0, 10), ("bytes=10-" + "9" * 30, 10, None), ("bytes=-5000", 0, None),
    ("bytes=-" + "9" * 30, 0, None),
])
def test_a_single_byte_range_gets_its_bytes_with_their_content_range(stream, header, start, stop):
    expected = stream.data[start:stop]
    first = start % len(stream.data)
    part = stream.who.get(stream.url, headers={"Range": header})
    assert part.status_code == 206 and part.data == expected
    assert part.headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(stream.data)}"
    head = stream.who._call("HEAD", stream.url, headers={"Range": header})
    assert head.status_code == 206 and head.headers["Content-Length"] == str(len(expected))


def test_a_range_under_an_if_range_is_answered_only_while_the_file_is_the_one_named(stream):
    etag = stream.who.get(stream.url).headers["ETag"]
    same = stream.who.get(stream.url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert same.status_code == 206 and same.data == stream.data[:10]
    changed = stream.who.get(stream.url, headers={"Range": "bytes=0-9", "If-Range": '"another-version"'})
    assert changed.status_code == 200 and changed.data == stream.data
    unchanged = stream.who.get(stream.url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""

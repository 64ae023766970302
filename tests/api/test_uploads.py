"""Resumable uploads: a recording survives a dropped connection; a wrong or oversized file is refused clearly."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest

from api.question_bank import upload_routes
from core import clock
from question_bank import media, uploads
from question_bank.uploads import UploadArea, sweep_uploads
from tests.api.test_item_bank import png_bytes
from tests.api.test_vstep_exam import _answer, exam, vstep_items  # noqa: F401 (fixtures)
from tests.factories import ApiClient

RECORDING = b"OggS\x00\x02" + bytes(range(256)) * 40  # 10 246 bytes of a fake Ogg recording
CHUNK = "application/offset+octet-stream"


def _open(who: ApiClient, data: bytes = RECORDING, media_type: str = "audio/ogg", **extra):
    return who.post("/api/v1/uploads", json={"size": len(data), "media_type": media_type,
                                             "filename": "part1.ogg", **extra})


def _send(who: ApiClient, upload_id: str, offset: int, chunk: bytes, content_type: str = CHUNK):
    return who.client.open(f"/api/v1/uploads/{upload_id}", method="PATCH", data=chunk, headers={
        "Authorization": f"Bearer {who.token}", "Upload-Offset": str(offset), "Content-Type": content_type})


def _head(who: ApiClient, upload_id: str):
    return who.client.open(f"/api/v1/uploads/{upload_id}", method="HEAD",
                           headers={"Authorization": f"Bearer {who.token}"})


def _partial(app, upload_id: str):
    return UploadArea(app.extensions["levelpath.media"]).path_for(upload_id)


@pytest.fixture
def candidate(api_as):
    return api_as("candidate")


def test_a_recording_sent_in_three_chunks_is_stored_by_its_hash_and_streams_back(candidate, app, api_as):
    opened = _open(candidate)
    assert opened.status_code == 201, opened.json
    upload = opened.json
    assert len(upload["id"]) >= 22 and upload["offset"] == 0 and upload["status"] == "receiving"
    assert upload["max_chunk_bytes"] == upload_routes.MAX_CHUNK_BYTES
    assert opened.headers["Location"] == upload["location"] == f"/api/v1/uploads/{upload['id']}"

    third = len(RECORDING) // 3
    for start, end in ((0, third), (third, 2 * third)):
        sent = _send(candidate, upload["id"], start, RECORDING[start:end])
        assert sent.status_code == 200, sent.json
        assert sent.json["offset"] == end and sent.headers["Upload-Offset"] == str(end)
        assert sent.json["status"] == "receiving" and sent.json["sha256"] is None
    last = _send(candidate, upload["id"], 2 * third, RECORDING[2 * third:])
    assert last.status_code == 200, last.json
    sha256 = hashlib.sha256(RECORDING).hexdigest()
    assert last.json["status"] == "complete" and last.json["sha256"] == sha256
    assert last.json["media_url"] == f"/api/v1/media/{sha256}"
    assert not _partial(app, upload["id"]).exists()
    assert app.extensions["levelpath.media"].read(sha256) == RECORDING

    # A rater streams it: the whole file, or a range of it.
    rater = api_as("rater")
    whole = rater.get(f"/api/v1/media/{sha256}")
    assert whole.status_code == 200 and whole.data == RECORDING and whole.mimetype == "audio/ogg"
    ranged = rater.get(f"/api/v1/media/{sha256}", headers={"Range": "bytes=100-199"})
    assert ranged.status_code == 206 and ranged.data == RECORDING[100:200]

    # Completing twice changes nothing: a retried last chunk, or an empty one at the end.
    again = _send(candidate, upload["id"], 2 * third, RECORDING[2 * third:])
    assert again.status_code == 200 and again.json["sha256"] == sha256
    empty = _send(candidate, upload["id"], len(RECORDING), b"")
    assert empty.status_code == 200 and empty.json["sha256"] == sha256
    late = _send(candidate, upload["id"], 0, RECORDING[:10])
    assert late.status_code == 409 and late.json["sha256"] == sha256


def test_an_upload_interrupted_half_way_resumes_from_the_offset_the_server_reports(candidate, app, factory):
    upload_id = _open(candidate).json["id"]
    half = len(RECORDING) // 2
    assert _send(candidate, upload_id, 0, RECORDING[:2000]).status_code == 200
    assert _send(candidate, upload_id, 2000, RECORDING[2000:half]).status_code == 200
    # The client crashes; a request that died after writing bytes it never recorded left them behind too.
    with _partial(app, upload_id).open("ab") as partial:
        partial.write(b"half a chunk that was never acknowledged")

    restarted = ApiClient(app.test_client(), factory.token_for(candidate.user), candidate.user)
    head = _head(restarted, upload_id)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Upload-Offset"] == str(half) and head.headers["Upload-Length"] == str(len(RECORDING))
    assert head.headers["Cache-Control"] == "no-store"
    status = restarted.get(f"/api/v1/uploads/{upload_id}").json
    assert status["offset"] == half and status["status"] == "receiving"

    offset = int(head.headers["Upload-Offset"])
    while offset < len(RECORDING):
        sent = _send(restarted, upload_id, offset, RECORDING[offset:offset + 3000])
        assert sent.status_code == 200, sent.json
        offset = sent.json["offset"]
    assert sent.json["sha256"] == hashlib.sha256(RECORDING).hexdigest()
    assert app.extensions["levelpath.media"].read(sent.json["sha256"]) == RECORDING


def test_a_chunk_at_the_wrong_offset_is_a_409_telling_the_server_offset(candidate):
    upload_id = _open(candidate).json["id"]
    assert _send(candidate, upload_id, 0, RECORDING[:1000]).status_code == 200
    for wrong in (0, 500, 1500):
        refused = _send(candidate, upload_id, wrong, RECORDING[wrong:wrong + 100])
        assert refused.status_code == 409, refused.json
        assert refused.json["offset"] == 1000 and refused.json["errors"][0]["field"] == "Upload-Offset"
        assert "resume from offset 1000" in refused.json["detail"]
    assert candidate.get(f"/api/v1/uploads/{upload_id}").json["offset"] == 1000


@pytest.mark.parametrize(("content", "message"), [
    (png_bytes(8, 8), "declared as audio/ogg but the content is image/png"),
    (b"Just some notes, not a recording at all. " * 10, "not a supported image, audio or video file"),
])
def test_content_that_is_not_the_declared_type_is_refused_and_its_partial_file_deleted(candidate, app, content,
                                                                                       message):
    upload_id = _open(candidate, content).json["id"]
    assert _send(candidate, upload_id, 0, content[:10]).status_code == 200  # too little to tell yet
    refused = _send(candidate, upload_id, 10, content[10:100])
    assert refused.status_code == 415, refused.json
    assert refused.mimetype == "application/problem+json" and message in refused.json["detail"]
    assert refused.json["errors"] == [{"field": "media_type", "message": refused.json["detail"]}]
    assert not _partial(app, upload_id).exists()
    status = candidate.get(f"/api/v1/uploads/{upload_id}").json
    assert status["status"] == "refused" and message in status["refusal"]
    assert _head(candidate, upload_id).status_code == 410
    gone = _send(candidate, upload_id, 100, content[100:])
    assert gone.status_code == 410 and "refused" in gone.json["detail"]


def test_a_small_file_is_checked_when_it_completes(candidate, app):
    text = b"hello"
    upload_id = _open(candidate, text).json["id"]
    refused = _send(candidate, upload_id, 0, text)
    assert refused.status_code == 415 and refused.json["errors"][0]["field"] == "media_type"
    assert not _partial(app, upload_id).exists()


def test_declared_sizes_and_types_are_checked_before_any_byte_is_sent(candidate):
    too_big = candidate.post("/api/v1/uploads", json={"size": 20 * media.MIB + 1, "media_type": "audio/ogg"})
    assert too_big.status_code == 413 and too_big.json["errors"][0]["field"] == "size"
    assert "at most 20 MiB" in too_big.json["detail"]
    unknown = candidate.post("/api/v1/uploads", json={"size": 100, "media_type": "text/plain"})
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "media_type"
    empty = candidate.post("/api/v1/uploads", json={"size": 0, "media_type": "audio/ogg"})
    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "size"


def test_a_chunk_past_the_declared_size_is_refused_and_the_upload_goes_on(candidate):
    upload_id = _open(candidate).json["id"]
    assert _send(candidate, upload_id, 0, RECORDING[:10_000]).status_code == 200
    overrun = _send(candidate, upload_id, 10_000, RECORDING[10_000:] + b"extra")
    assert overrun.status_code == 413 and overrun.json["errors"][0]["field"] == "body"
    assert f"past its declared size of {len(RECORDING)}" in overrun.json["detail"]
    done = _send(candidate, upload_id, 10_000, RECORDING[10_000:])
    assert done.status_code == 200 and done.json["status"] == "complete"


def test_chunks_are_limited_in_size_and_sent_as_offset_octet_streams(candidate, monkeypatch):
    upload_id = _open(candidate).json["id"]
    monkeypatch.setattr(upload_routes, "MAX_CHUNK_BYTES", 1000)
    big = _send(candidate, upload_id, 0, RECORDING[:1001])
    assert big.status_code == 413 and "at most 1000 bytes" in big.json["detail"]
    wrong_type = _send(candidate, upload_id, 0, RECORDING[:100], content_type="audio/ogg")
    assert wrong_type.status_code == 415 and wrong_type.json["errors"][0]["field"] == "Content-Type"
    no_offset = candidate.client.open(f"/api/v1/uploads/{upload_id}", method="PATCH", data=b"OggS", headers={
        "Authorization": f"Bearer {candidate.token}", "Content-Type": CHUNK})
    assert no_offset.status_code == 422 and no_offset.json["errors"][0]["field"] == "Upload-Offset"
    assert candidate.get(f"/api/v1/uploads/{upload_id}").json["offset"] == 0


def test_a_user_has_a_bounded_number_of_unfinished_uploads(candidate, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_OPEN_UPLOADS", 2)
    first = _open(candidate).json["id"]
    assert _open(candidate).status_code == 201
    refused = _open(candidate)
    assert refused.status_code == 409 and "2 unfinished uploads" in refused.json["detail"]
    assert _send(candidate, first, 0, RECORDING).json["status"] == "complete"
    assert _open(candidate).status_code == 201


def test_only_the_owner_sees_or_appends_to_an_upload(candidate, api_as):
    upload_id = _open(candidate).json["id"]
    other = api_as("candidate")
    assert other.get(f"/api/v1/uploads/{upload_id}").status_code == 404
    assert _head(other, upload_id).status_code == 404
    assert _send(other, upload_id, 0, RECORDING[:100]).status_code == 404
    assert candidate.get(f"/api/v1/uploads/{upload_id}").json["offset"] == 0
    assert candidate.get("/api/v1/uploads/" + "x" * 40).status_code == 404
    assert ApiClient(candidate.client, "not-a-token", candidate.user).get(
        f"/api/v1/uploads/{upload_id}").status_code == 401


def test_an_expired_upload_is_gone_and_the_sweep_deletes_its_partial_file(candidate, app, db_session):
    upload_id = _open(candidate).json["id"]
    kept_id = _open(candidate).json["id"]
    assert _send(candidate, upload_id, 0, RECORDING[:100]).status_code == 200
    later = clock.now() + timedelta(hours=25)
    previous = clock.set_source(lambda: later)
    try:
        assert candidate.get(f"/api/v1/uploads/{kept_id}").json["status"] == "expired"
        assert _head(candidate, kept_id).status_code == 410
        assert _send(candidate, kept_id, 0, RECORDING[:100]).status_code == 410
        assert _partial(app, upload_id).exists()
        assert sweep_uploads(db_session, UploadArea(app.extensions["levelpath.media"])) == 1
        assert not _partial(app, upload_id).exists()
        gone = _send(candidate, upload_id, 100, RECORDING[100:200])
        assert gone.status_code == 410 and "expired" in gone.json["detail"]
        assert candidate.get(f"/api/v1/uploads/{upload_id}").json["status"] == "expired"
    finally:
        clock.set_source(previous)


def test_the_sweep_runs_from_the_command_line(app, candidate):
    upload_id = _open(candidate).json["id"]
    assert _send(candidate, upload_id, 0, RECORDING[:100]).status_code == 200
    result = app.test_cli_runner().invoke(args=["uploads", "sweep"])
    assert result.exit_code == 0, result.output
    assert "deleted 0 partial files" in result.output  # the upload is still receiving
    assert _partial(app, upload_id).exists()


def test_a_resumed_upload_is_a_speaking_answer_in_a_vstep_exam(api_as, exam):  # noqa: F811
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json["id"]
    for section in range(3):
        assert candidate.post(f"/api/v1/attempts/{attempt_id}/sections/{section}/finish").status_code == 200
    upload_id = _open(candidate).json["id"]
    assert _send(candidate, upload_id, 0, RECORDING[:5000]).status_code == 200
    offset = int(_head(candidate, upload_id).headers["Upload-Offset"])
    sha256 = _send(candidate, upload_id, offset, RECORDING[offset:]).json["sha256"]
    saved = _answer(candidate, attempt_id, 78, {"audio": sha256})
    assert saved.status_code == 200, saved.json
    image_id = _open(candidate, png_bytes(), "image/png").json["id"]
    image = _send(candidate, image_id, 0, png_bytes()).json["sha256"]
    refused = _answer(candidate, attempt_id, 79, {"audio": image})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "answer.audio"


def test_a_spoken_answer_names_only_a_recording_its_candidate_uploaded(api_as, exam):  # noqa: F811
    """Another candidate's recording (or any audio on the server) was accepted as this candidate's answer, for raters
    to mark as theirs, and the 422 for an unknown hash against the 200 told which recordings exist."""
    other = api_as("candidate")
    theirs = other.post("/api/v1/media", data={"file": (io.BytesIO(RECORDING), "mine.ogg")},
                        content_type="multipart/form-data").json["sha256"]
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json["id"]
    for section in range(3):
        assert candidate.post(f"/api/v1/attempts/{attempt_id}/sections/{section}/finish").status_code == 200
    unknown = _answer(candidate, attempt_id, 78, {"audio": "a" * 64})
    borrowed = _answer(candidate, attempt_id, 78, {"audio": theirs})
    assert borrowed.status_code == unknown.status_code == 422
    assert borrowed.json["errors"] == unknown.json["errors"]
    own_bytes = RECORDING[:-1] + b"\x01"
    upload_id = _open(candidate, own_bytes).json["id"]
    own = _send(candidate, upload_id, 0, own_bytes).json["sha256"]
    assert _answer(candidate, attempt_id, 78, {"audio": own}).status_code == 200

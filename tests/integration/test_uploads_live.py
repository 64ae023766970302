"""Uploads with real commits: chunks sent at once take turns, so no byte is written twice; the sweep command."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.cli import main
from core.accounts import services as accounts
from core.accounts.types import Role
from question_bank.uploads import Upload, UploadArea

THREADS = 6
RECORDING = b"OggS\x00\x02" + bytes(range(256)) * 20


@pytest.fixture
def live(live_app, empty_database, tmp_path):
    app = live_app
    with Session(empty_database.engine) as session:
        user = accounts.create_user(session, username="speaker", password="long-enough-pw", roles=[Role.CANDIDATE])
        _token, secret = accounts.issue_token(session, user=user, name="race")
        session.commit()
    return app, {"Authorization": f"Bearer {secret}"}, empty_database.backend


def test_the_same_chunk_sent_by_many_tabs_at_once_is_appended_once(live):
    app, auth, _backend = live
    upload_id = app.test_client().post("/api/v1/uploads", headers=auth, json={
        "size": len(RECORDING), "media_type": "audio/ogg"}).json["id"]
    barrier, results = threading.Barrier(THREADS, timeout=60), [None] * THREADS

    def send(index: int) -> None:
        barrier.wait()
        results[index] = app.test_client().patch(f"/api/v1/uploads/{upload_id}", data=RECORDING[:3000], headers={
            **auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})

    threads = [threading.Thread(target=send, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    statuses = sorted(response.status_code for response in results)
    assert statuses.count(200) == 1, statuses
    # The others wait (PostgreSQL: for the row lock; SQLite: for the write lock) and then see the new offset.
    assert set(statuses[1:]) == {409}, statuses
    assert all(r.json["offset"] == 3000 for r in results if r.status_code == 409)
    partial = UploadArea(app.extensions["levelpath.media"]).path_for(upload_id)
    assert partial.read_bytes() == RECORDING[:3000]

    done = app.test_client().patch(f"/api/v1/uploads/{upload_id}", data=RECORDING[3000:], headers={
        **auth, "Upload-Offset": "3000", "Content-Type": "application/offset+octet-stream"})
    assert done.status_code == 200 and done.json["sha256"] == hashlib.sha256(RECORDING).hexdigest()


def test_levelpath_uploads_sweep_deletes_the_partial_files_of_expired_uploads(live, empty_database, tmp_path,
                                                                            monkeypatch):
    app, auth, _backend = live
    upload_id = app.test_client().post("/api/v1/uploads", headers=auth, json={
        "size": len(RECORDING), "media_type": "audio/ogg"}).json["id"]
    assert app.test_client().patch(f"/api/v1/uploads/{upload_id}", data=RECORDING[:100], headers={
        **auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}).status_code == 200
    partial = UploadArea(app.extensions["levelpath.media"]).path_for(upload_id)
    with empty_database.engine.begin() as connection:
        connection.execute(update(Upload).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    monkeypatch.setenv("DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("LEVELPATH_MEDIA_ROOT", str(tmp_path))
    result = CliRunner().invoke(main, ["uploads", "sweep"], catch_exceptions=False)
    assert result.exit_code == 0 and "deleted 1 partial file\n" in result.output, result.output
    assert not partial.exists()
    status = app.test_client().get(f"/api/v1/uploads/{upload_id}", headers=auth).json["status"]
    assert status == "expired"

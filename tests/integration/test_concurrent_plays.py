"""Plays of a recording asked for at once, with real commits on PostgreSQL: never more than its limit."""

from __future__ import annotations


import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment import services as assessment
from assessment.models import RecordingPlay
from core import clock
from core.accounts import services as accounts
from core.accounts.types import Role
from question_bank import media
from question_bank import review
from question_bank import services as bank
from question_bank.models import Stimulus
from tests.factories import single_choice_spec
from tests.integration.test_concurrent_answers import THREADS, _together_while_locked

RECORDING = b"OggS\x00\x02" + bytes(range(256))
MAX_PLAYS = 2


@pytest.fixture
def live(live_postgres_app, empty_database):
    app = live_postgres_app
    with Session(empty_database.engine) as session:
        made = {role: accounts.create_user(session, username=f"{role.value}.p", password="long-enough-pw",
                                           roles=[role]) for role in (Role.AUTHOR, Role.REVIEWER, Role.TEST_ADMIN,
                                                                      Role.CANDIDATE)}
        author, admin = made[Role.AUTHOR].as_actor(), made[Role.TEST_ADMIN].as_actor()
        stored = media.store_media(session, app.extensions["levelpath.media"], actor=author, data=RECORDING,
                                   name="talk.ogg")
        talk = bank.create_stimulus(session, actor=author, kind="audio", title="Talk", max_plays=MAX_PLAYS,
                                    body=f'<audio src="{media.media_url(stored.sha256)}"></audio>')
        item = bank.create_item(session, author=author, draft=bank.ItemDraft(
            **single_choice_spec(skill="listening"), stimulus_id=talk.id))
        review.submit_item(session, actor=author, item_id=item.id)
        review.approve_item(session, actor=made[Role.REVIEWER].as_actor(), item_id=item.id)
        test = assessment.create_test(session, actor=admin, draft=assessment.TestDraft(
            title="Listening", purpose="practice", item_ids=[item.id], cut_scores=[{"level": 1, "min_score": 0}]))
        assessment.publish_test(session, actor=admin, test_id=test.id)
        attempt = assessment.start_attempt(session, actor=made[Role.CANDIDATE].as_actor(), test_id=test.id)
        issued, secret = accounts.issue_token(session, user=made[Role.CANDIDATE], name="plays")
        issued.last_used_at = clock.now()  # no request records its use (that row's lock would serialise them)
        session.commit()
        yield app, attempt.id, talk.id, secret, empty_database.engine


def test_plays_asked_for_at_once_never_pass_the_recordings_limit(live):
    app, attempt_id, stimulus_id, token, engine = live
    # Hold every request's insert up (a play's row locks its stimulus's key) until all have read how many
    # plays are used: only the attempt's row lock can then keep them from counting the same plays.
    responses = _together_while_locked(engine, select(Stimulus.id).where(Stimulus.id == stimulus_id).with_for_update(),
                                    lambda _i: app.test_client().post(
                                        f"/api/v1/attempts/{attempt_id}/plays", json={"stimulus_id": stimulus_id},
                                        headers={"Authorization": f"Bearer {token}"}))
    statuses = sorted(r.status_code for r in responses)
    # the attempt's row lock makes them take turns: the first two play, every later one finds none left
    assert statuses == [201] * MAX_PLAYS + [409] * (THREADS - MAX_PLAYS), statuses
    assert {r.json["type"] for r in responses if r.status_code == 409} == {"/problems/no-plays-left"}
    assert sorted(r.json["number"] for r in responses if r.status_code == 201) == [1, 2]
    with Session(engine) as session:
        assert sorted(session.scalars(select(RecordingPlay.number)).all()) == [1, 2]
    urls = [r.json["url"] for r in responses if r.status_code == 201]
    for url in urls:  # each play streams
        streamed = app.test_client().get(url, headers={"Authorization": f"Bearer {token}", "Range": "bytes=0-9"})
        assert streamed.status_code == 206 and streamed.data == RECORDING[:10]

"""Raters finishing at the same moment, with real commits (PostgreSQL and SQLite): the result is settled once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment import answers
from assessment import services as assessment
from assessment.certification import Certificate
from assessment.models import AssessedLevel, Attempt
from assessment.rating.models import RatingAssignment
from core import clock
from core.accounts import services as accounts
from core.accounts.types import Role
from question_bank.media import MediaStore, store_media
from tests.api.test_vstep_exam import OGG_RECORDING, _exam_payload
from tests.factories import Factory


@pytest.fixture
def live(live_app, empty_database, tmp_path):
    """A handed-in VSTEP attempt whose last two markings (two answers) are left to one rater."""
    app = live_app
    with Session(empty_database.engine) as session:
        made = {role: accounts.create_user(session, username=f"{role.value}.x", password="long-enough-pw",
                                           roles=[role]) for role in (Role.AUTHOR, Role.REVIEWER, Role.TEST_ADMIN,
                                                                      Role.CANDIDATE)}
        raters = [accounts.create_user(session, username=f"rater.{n}", password="long-enough-pw",
                                       roles=[Role.RATER]) for n in (1, 2)]
        items = Factory(session).vstep_items(made[Role.AUTHOR], made[Role.REVIEWER])
        admin, candidate = made[Role.TEST_ADMIN].as_actor(), made[Role.CANDIDATE].as_actor()
        payload = _exam_payload(items)
        test = assessment.create_test(session, actor=admin, draft=assessment.TestDraft(
            title=payload["title"], purpose="certification", kind="sectioned",
            sections=[assessment.SectionDraft(**section) for section in payload["sections"]]))
        assessment.publish_test(session, actor=admin, test_id=test.id)
        attempt = assessment.start_attempt(session, actor=candidate, test_id=test.id)
        for section in (0, 1):
            assessment.finish_section(session, actor=candidate, attempt_id=attempt.id, index=section)
        for position in (76, 77):
            answers.save_response(session, actor=candidate, attempt_id=attempt.id, position=position,
                                     answer={"text": "Training plans for the union " * 30})
        assessment.finish_section(session, actor=candidate, attempt_id=attempt.id, index=2)
        recording = store_media(session, MediaStore(tmp_path / "media"), actor=candidate, data=OGG_RECORDING,
                                name="part.ogg")
        for position in (78, 79, 80):
            answers.save_response(session, actor=candidate, attempt_id=attempt.id, position=position,
                                     answer={"audio": recording.sha256})
        assessment.finish_section(session, actor=candidate, attempt_id=attempt.id, index=3)
        from assessment.rating import services as rating

        first_rater, second_rater = (rater.as_actor() for rater in raters)
        for rater in (first_rater, second_rater):
            open_ones = session.scalars(select(RatingAssignment.id).where(RatingAssignment.rater_id == rater.id)
                                        .order_by(RatingAssignment.id)).all()
            assert len(open_ones) == 5
            keep = 0 if rater is first_rater else 2  # the second rater leaves two answers for the race
            for assignment_id in open_ones[keep:]:
                view = rating.get_marking(session, actor=rater, assignment_id=assignment_id)
                rating.submit_marking(session, actor=rater, assignment_id=assignment_id,
                                      criteria={c["key"]: 7 for c in view.rubric["criteria"]})
        waiting = session.scalars(select(RatingAssignment.id).where(
            RatingAssignment.rater_id == second_rater.id, RatingAssignment.status == "assigned")).all()
        issued, token = accounts.issue_token(session, user=raters[1], name="race")
        issued.last_used_at = clock.now()  # both reads would record its use at once: on SQLite one would get a 503
        session.commit()
        yield app, attempt.id, list(waiting), token, empty_database.engine


def test_the_last_two_markings_at_once_settle_the_result_once(live):
    app, attempt_id, waiting, token, engine = live
    barrier, results = threading.Barrier(len(waiting), timeout=60), [None] * len(waiting)

    def mark(index: int) -> None:
        client = app.test_client()
        criteria = client.get(f"/api/v1/rating/assignments/{waiting[index]}",
                              headers={"Authorization": f"Bearer {token}"}).json["rubric"]["criteria"]
        barrier.wait()
        results[index] = client.post(f"/api/v1/rating/assignments/{waiting[index]}/submit",
                                     json={"criteria": {c["key"]: 7 for c in criteria}},
                                     headers={"Authorization": f"Bearer {token}"})

    threads = [threading.Thread(target=mark, args=(index,)) for index in range(len(waiting))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in results] == [200, 200], [r.json for r in results]
    with Session(engine) as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt.status == "scored"  # neither missed the other's final score
        assert session.scalar(select(func.count()).select_from(AssessedLevel)) == (1 if attempt.level else 0)
        assert session.scalar(select(func.count()).select_from(Certificate)) == (1 if attempt.level else 0)

"""Concurrent requests on one attempt, with real commits (PostgreSQL and SQLite): each outcome happens once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment import certification
from assessment import services as assessment
from assessment.certification import Certificate
from assessment.models import AssessedLevel, Attempt, AttemptItem, Response
from core import clock
from core.db import SQLITE_WRITE_LOCK
from core.errors import Conflict
from core.accounts import services as accounts
from core.accounts.types import Role
from question_bank.models import ItemStatistics
from question_bank.statistics import count_exposures
from tests.factories import single_choice_spec

THREADS = 8


@pytest.fixture
def live(live_app, empty_database, tmp_path):
    app = live_app
    with Session(empty_database.engine) as session:
        made = {role: accounts.create_user(session, username=f"{role.value}.x", password="long-enough-pw",
                                           roles=[role]) for role in (Role.AUTHOR, Role.REVIEWER, Role.TEST_ADMIN,
                                                                      Role.CANDIDATE)}
        from question_bank import services as bank
        from question_bank import review

        item = bank.create_item(session, author=made[Role.AUTHOR].as_actor(),
                                draft=bank.ItemDraft(**single_choice_spec(correct="B")))
        review.submit_item(session, actor=made[Role.AUTHOR].as_actor(), item_id=item.id)
        review.approve_item(session, actor=made[Role.REVIEWER].as_actor(), item_id=item.id)
        test = assessment.create_test(session, actor=made[Role.TEST_ADMIN].as_actor(), draft=assessment.TestDraft(
            title="Race", purpose="certification", item_ids=[item.id], cut_scores=[{"level": 3, "min_score": 1}]))
        assessment.publish_test(session, actor=made[Role.TEST_ADMIN].as_actor(), test_id=test.id)
        attempt = assessment.start_attempt(session, actor=made[Role.CANDIDATE].as_actor(), test_id=test.id)
        _token, secret = accounts.issue_token(session, user=made[Role.CANDIDATE], name="race")
        session.commit()
        yield app, attempt.id, secret, empty_database.engine


def _together_while_locked(engine, row_lock, call) -> list:
    """``_together(call)`` while another connection holds ``row_lock`` (a SELECT ... FOR UPDATE) for 1.5 s: the
    calls all read what they check before any can write, so only a lock they take themselves keeps them apart."""
    result: list = []
    requests = threading.Thread(target=lambda: result.extend(_together(call)))
    with engine.connect() as holder:
        holder.execute(row_lock)
        requests.start()
        time.sleep(1.5)
        holder.rollback()
    requests.join(timeout=60)
    return result


def _together(call) -> list:
    """Run ``call`` on THREADS threads released at the same moment; their responses."""
    barrier, results = threading.Barrier(THREADS, timeout=60), [None] * THREADS

    def run(index: int) -> None:
        barrier.wait()
        results[index] = call(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_same_answer_sent_many_times_with_one_key_is_recorded_once(live):
    app, attempt_id, token, engine = live
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "tab-1-answer-1"}
    responses = _together(lambda _i: app.test_client().put(
        f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "B"}}, headers=headers))
    # the row lock makes the requests take turns: the first records, the others replay it
    assert [r.status_code for r in responses] == [200] * THREADS
    assert len({r.json["answered_at"] for r in responses}) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_two_tabs_answering_the_same_item_leave_one_answer(live):
    app, attempt_id, token, engine = live
    choices = "ABCDABCD"
    responses = _together(lambda i: app.test_client().put(
        f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": choices[i]}},
        headers={"Authorization": f"Bearer {token}"}))
    assert all(r.status_code in (200, 409) for r in responses), [r.status_code for r in responses]
    with Session(engine) as session:
        stored = session.scalars(select(Response)).all()
        assert len(stored) == 1 and stored[0].answer["choice"] in "ABCD"


def test_submitting_twice_at_once_scores_once(live):
    app, attempt_id, token, engine = live
    app.test_client().put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "B"}},
                          headers={"Authorization": f"Bearer {token}"})
    responses = _together(lambda _i: app.test_client().post(
        f"/api/v1/attempts/{attempt_id}/submit", headers={"Authorization": f"Bearer {token}"}))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1 and statuses.count(409) == THREADS - 1, statuses
    with Session(engine) as session:
        assert session.get(Attempt, attempt_id).level == 3
        assert session.scalar(select(func.count()).select_from(AssessedLevel)) == 1
        (certificate,) = session.scalars(select(Certificate)).all()  # one certificate, not one per request
        assert certificate.attempt_id == attempt_id


def test_certificates_issued_at_the_same_moment_get_distinct_consecutive_serials(live):
    """Different attempts certified at once: each takes the next free serial of the year, none fails."""
    _app, _attempt_id, _token, engine = live
    with Session(engine) as session:
        holders = [accounts.create_user(session, username=f"holder.{n}", password="long-enough-pw",
                                        roles=[Role.CANDIDATE]).id for n in range(THREADS)]
        session.commit()

    writer = engine.execution_options(**{SQLITE_WRITE_LOCK: True})  # on SQLite writers take turns, as requests do

    def issue(index: int) -> str:
        with Session(writer) as session:
            certificate = certification.issue_certificate(
                session, user_id=holders[index], attempt_id=None, test_title="VSTEP.3-5", test_kind="vstep",
                exam_date=clock.now().date(), level=4)
            session.commit()
            return certificate.serial

    serials = _together(issue)
    assert None not in serials and len(set(serials)) == THREADS
    with Session(engine) as session:
        sequences = sorted(session.scalars(select(Certificate.sequence)))
        assert sequences == list(range(1, THREADS + 1))


def test_deliveries_at_the_same_moment_are_all_counted(live):
    """The exposure count is added by the database: no delivery is lost to a read-modify-write race."""
    _app, attempt_id, _token, engine = live
    with Session(engine) as session:
        version_ids = sorted(session.scalars(select(AttemptItem.item_version_id)).all()
                             or [session.get(Attempt, attempt_id).test.entries[0].item_version_id])
        before = {v: (session.get(ItemStatistics, v).exposure_count if session.get(ItemStatistics, v) else 0)
                  for v in version_ids}

    def deliver(_index: int) -> None:
        with Session(engine) as session:
            count_exposures(session, version_ids)
            session.commit()

    _together(deliver)
    with Session(engine) as session:
        assert {v: session.get(ItemStatistics, v).exposure_count for v in version_ids} == \
            {v: count + THREADS for v, count in before.items()}


def test_a_locked_read_replaces_what_the_session_held_of_an_attempt_changed_meanwhile(live):
    """The locked read refreshes an attempt the session read before (unlocked): a request acting on what it
    held would hand in an exam already handed in elsewhere."""
    _app, attempt_id, _token, engine = live
    with Session(engine, expire_on_commit=False) as holding, Session(engine) as elsewhere:  # as requests
        candidate = accounts.get_user_by_username(holding, "candidate.x").as_actor()
        held = assessment.get_attempt_for(holding, actor=candidate, attempt_id=attempt_id)
        assert held.status == "in_progress" and held.responses == []
        holding.commit()  # the transaction ends; the session keeps the attempt as it read it
        assessment.submit_attempt(elsewhere, actor=candidate, attempt_id=attempt_id)
        elsewhere.commit()
        locked = assessment.get_attempt_for(holding, actor=candidate, attempt_id=attempt_id, for_update=True)
        assert locked is held and locked.status == "scored" and locked.submitted_at is not None
        with pytest.raises(Conflict):  # handed in once
            assessment.submit_attempt(holding, actor=candidate, attempt_id=attempt_id)


def test_two_tests_of_a_purpose_started_at_once_under_a_purpose_wide_wait_start_one(live):
    """Each start checks that no other test of the purpose is running: without the candidate's row locked,
    starts at the same moment each saw none and all began."""
    from assessment.scheduling import services as scheduling

    app, attempt_id, _token, engine = live
    with Session(engine) as session:
        admin = accounts.get_user_by_username(session, "test_admin.x").as_actor()
        item_id = session.get(Attempt, attempt_id).test.entries[0].item_version.item_id
        tests = []
        for title in ("Race A", "Race B"):
            test = assessment.create_test(session, actor=admin, draft=assessment.TestDraft(
                title=title, purpose="certification", item_ids=[item_id],
                cut_scores=[{"level": 3, "min_score": 1}]))
            assessment.publish_test(session, actor=admin, test_id=test.id)
            scheduling.set_rules(session, actor=admin, test_id=test.id, draft=scheduling.RulesDraft(
                retake_wait_days=30, retake_scope="purpose"))
            tests.append(test.id)
        racer = accounts.create_user(session, username="racer.x", password="long-enough-pw", roles=[Role.CANDIDATE])
        # a token per request: one shared token's use is written to its row, which would make them take turns
        secrets = [accounts.issue_token(session, user=racer, name=f"tab {n}")[1] for n in range(THREADS)]
        racer_id = racer.id
        session.commit()
    responses = _together(lambda i: app.test_client().post(
        f"/api/v1/tests/{tests[i % 2]}/attempts", headers={"Authorization": f"Bearer {secrets[i]}"}))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (THREADS - 1), statuses
    with Session(engine) as session:
        started = session.scalars(select(Attempt).where(Attempt.candidate_id == racer_id)).all()
        assert len(started) == 1 and started[0].test_id in tests

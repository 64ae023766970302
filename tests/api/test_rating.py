"""Writing and speaking marked blind by two raters, a senior rater when they disagree, then certified."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from assessment.models import Attempt
from assessment.rating import services as rating
from assessment.rating import sweep as rating_sweep
from assessment.rating.models import RatingAssignment
from core import clock
from tests.api.test_vstep_exam import OGG_RECORDING, _answer, _exam_payload
from tests.factories import ApiClient

WRITING_CRITERIA = ("task_fulfilment", "organisation", "vocabulary", "grammar")
SPEAKING_CRITERIA = ("grammar", "vocabulary", "pronunciation", "fluency", "discourse_management")


@pytest.fixture
def centre(api_as, factory):
    """A published VSTEP form, a candidate of one unit, raters of other units, one of the same unit."""
    home, other = factory.unit(), factory.unit()
    admin = api_as("test_admin")
    exam = admin.post("/api/v1/tests", json=_exam_payload(factory.vstep_items(factory.user("author"),
                                                                              factory.user("reviewer"))))
    assert exam.status_code == 201, exam.json
    assert admin.post(f"/api/v1/tests/{exam.json['id']}/publish").status_code == 200
    return {
        "admin": admin, "exam_id": exam.json["id"],
        "candidate": api_as("candidate", unit=home),
        "raters": [api_as("rater", unit=other) for _ in range(2)],
        "colleague": api_as("rater", unit=home),  # the candidate's own unit: never assigned
        "senior": api_as("senior_rater", unit=other),
    }


def _hand_in(centre, *, right: tuple[str, ...] = ()) -> int:
    """The candidate writes both tasks, records three parts, and hands in; listening and reading all
    right when named in ``right``, else skipped."""
    candidate = centre["candidate"]
    attempt_id = candidate.post(f"/api/v1/tests/{centre['exam_id']}/attempts").json["id"]
    for section, skill, positions in ((0, "listening", range(1, 36)), (1, "reading", range(36, 76))):
        for position in positions if skill in right else ():
            assert _answer(candidate, attempt_id, position, {"choice": "B"}).status_code == 200
        candidate.post(f"/api/v1/attempts/{attempt_id}/sections/{section}/finish")
    for position in (76, 77):
        assert _answer(candidate, attempt_id, position, {"text": "My colleagues and I " * 40}).status_code == 200
    candidate.post(f"/api/v1/attempts/{attempt_id}/sections/2/finish")
    sha = candidate.post("/api/v1/media", data={"file": (io.BytesIO(OGG_RECORDING), "part.ogg")},
                         content_type="multipart/form-data").json["sha256"]
    for position in (78, 79, 80):
        assert _answer(candidate, attempt_id, position, {"audio": sha}).status_code == 200
    handed_in = candidate.post(f"/api/v1/attempts/{attempt_id}/sections/3/finish").json
    assert handed_in["status"] == "awaiting_rating"
    return attempt_id


def _mark(rater: ApiClient, assignment: dict, value: float | tuple[float, ...]):
    """Every criterion ``value``, or one value per criterion in the rubric's order."""
    keys = WRITING_CRITERIA if assignment["skill"] == "writing" else SPEAKING_CRITERIA
    values = value if isinstance(value, tuple) else (value,) * len(keys)
    return rater.post(f"/api/v1/rating/assignments/{assignment['id']}/submit",
                      json={"criteria": dict(zip(keys, values, strict=True))})


def _queue_by_position(rater: ApiClient, db_session, attempt_id: int) -> dict[int, dict]:
    """The rater's open assignments on one attempt, by the position of the answer in the test."""
    positions = {entry.item_version_id: entry.position for entry in db_session.get(Attempt, attempt_id).test.entries}
    queue = {}
    for assignment in rater.get("/api/v1/rating/queue").json:
        response = db_session.get(RatingAssignment, assignment["id"]).response
        if response is not None and response.attempt_id == attempt_id:
            queue[positions[response.item_version_id]] = assignment
    return queue


def test_two_raters_in_agreement_certify_the_attempt(centre, db_session):
    attempt_id = _hand_in(centre, right=("listening", "reading"))
    first, second = centre["raters"]
    queues = [first.get("/api/v1/rating/queue").json, second.get("/api/v1/rating/queue").json]
    assert [len(queue) for queue in queues] == [5, 5]  # 2 writing tasks and 3 speaking parts each
    assert centre["colleague"].get("/api/v1/rating/queue").json == []  # same unit as the candidate
    assert centre["senior"].get("/api/v1/rating/queue").json == []
    # Blind: nothing about the candidate, the attempt or the other rating.
    text = json.dumps(queues).lower()
    candidate = centre["candidate"].user
    assert candidate.full_name.lower() not in text and candidate.username.lower() not in text
    assert not {"candidate_id", "attempt_id", "user_id", "rater_id"} & {key for a in queues[0] for key in a}
    assert first.get(f"/api/v1/rating/assignments/{queues[1][0]['id']}").status_code == 404
    speaking = next(a for a in queues[0] if a["skill"] == "speaking")
    assert speaking["answer"]["audio_url"].startswith("/api/v1/media/")
    assert [c["key"] for c in speaking["rubric"]["criteria"]] == list(SPEAKING_CRITERIA)
    letters = [a for a in queues[0] if a["stimulus"] is not None]  # task 1 answers an email: shown with it
    assert [a["skill"] for a in letters] == ["writing"]
    assert letters[0]["stimulus"]["title"] == "An email from a colleague"
    assert letters[0]["stimulus"]["body"].startswith("<p>Could you tell me about the training course")

    # Writing: 6 and 7 (task 1), 6 and 7 (task 2) -> 6.5 each -> composite 6.5. Speaking 7 and 7.5 -> 7.25 -> 7.5.
    for rater, writing, speaking_score in ((first, 6, 7), (second, 7, 7.5)):
        for assignment in rater.get("/api/v1/rating/queue").json:
            marked = _mark(rater, assignment, writing if assignment["skill"] == "writing" else speaking_score)
            assert marked.status_code == 200, marked.json
    assert _mark(first, queues[0][0], 6).status_code == 409  # once only

    result = centre["candidate"].get(f"/api/v1/attempts/{attempt_id}/result").json
    assert result["provisional"] is False
    scores = {s["skill"]: s["score"] for s in result["section_scores"]}
    assert (scores["writing"], scores["speaking"]) == (6.5, 7.5)
    # Listening 35/35 -> 9.5 by the form's table, reading 40/40 -> 10: (9.5 + 10 + 6.5 + 7.5) / 4 = 8.375 -> 8.5.
    assert (result["overall_score"], result["level"]) == (8.5, 5)
    certificates = centre["candidate"].get("/api/v1/certificates").json
    assert len(certificates) == 1 and certificates[0]["attempt_id"] == attempt_id  # one, from delivery
    assert certificates[0]["data"]["scores"] == {"listening": "9.5", "reading": "10.0", "writing": "6.5",
                                                 "speaking": "7.5"}
    from assessment.models import AssessedLevel
    from core.audit import AuditEvent

    held = db_session.query(AssessedLevel).filter_by(attempt_id=attempt_id).one()
    assert (held.level, held.language, held.valid_until.isoformat()) == (5, "en",
                                                                         certificates[0]["data"]["valid_until"])

    actions = [event.action for event in db_session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("rating.assigned") == 10 and actions.count("rating.submitted") == 10
    assert actions.count("rating.final") == 5 and "certificate.issued" in actions
    record = centre["admin"].get(f"/api/v1/attempts/{attempt_id}/marking").json
    assert {r["status"] for r in record} == {"final"} and {r["rule"] for r in record} == {"mean_of_two"}
    assert all(len(r["ratings"]) == 2 and r["ratings"][0]["rubric"].endswith("v1") for r in record)
    assert centre["candidate"].get(f"/api/v1/attempts/{attempt_id}/marking").status_code == 403

    # Rater quality against the final scores (on the 0.5 grid: 6.5 writing, 7.25 -> 7.5 speaking).
    report = centre["admin"].get("/api/v1/rating/quality?period=month").json
    by_rater = {r["rater_id"]: r for r in report["raters"]}
    one, two = by_rater[first.user.id]["live"], by_rater[second.user.id]["live"]
    assert (one["n"], one["exact"], one["adjacent"], one["severity"]) == (5, 0.0, 1.0, -0.5)  # 6,6,7,7,7
    assert (two["exact"], two["adjacent"], round(two["severity"], 9)) == (0.6, 1.0, 0.2)  # 7,7,7.5,7.5,7.5
    assert not by_rater[first.user.id]["flagged"]  # five ratings are too few to judge anyone by
    assert [entry["quality"]["n"] for entry in report["over_time"][str(first.user.id)]] == [5]
    assert first.get("/api/v1/rating/quality").status_code == 403


def test_a_senior_rater_settles_a_disagreement(centre, db_session):
    attempt_id = _hand_in(centre)
    first, second = centre["raters"]
    for rater, score in ((first, 8), (second, 5)):  # 3 points apart: beyond the threshold
        for assignment in rater.get("/api/v1/rating/queue").json:
            assert _mark(rater, assignment, score).status_code == 200
    assert centre["candidate"].get(f"/api/v1/attempts/{attempt_id}/result").json["provisional"] is True
    senior_queue = centre["senior"].get("/api/v1/rating/queue").json
    assert len(senior_queue) == 5 and "criteria" not in json.dumps([a["answer"] for a in senior_queue])
    assert all(a["criteria"] is None and a["score"] is None for a in senior_queue)  # blind to rounds 1 and 2
    for assignment in senior_queue:
        assert _mark(centre["senior"], assignment, 7).status_code == 200
    record = centre["admin"].get(f"/api/v1/attempts/{attempt_id}/marking").json
    # Senior 7, nearer of 8 and 5 is 8: (7 + 8) / 2 = 7.5 for every answer.
    assert {(r["rule"], r["final_score"]) for r in record} == {("senior_and_nearer", 7.5)}
    result = centre["candidate"].get(f"/api/v1/attempts/{attempt_id}/result").json
    assert {s["skill"]: s["score"] for s in result["section_scores"]}["writing"] == 7.5


@pytest.mark.parametrize(("first", "second", "senior", "expected"), [
    ("6", "7", None, ("6.5", "mean_of_two")),  # exactly at the threshold: no adjudication
    ("6", "7.5", None, (None, "adjudication")),
    ("4", "8", "6", ("6", "senior_on_tie")),
    ("4", "8", "7", ("7.5", "senior_and_nearer")),
    ("8", "4", "4.5", ("4.25", "senior_and_nearer")),
    ("5.6", "5.8", None, ("5.7", "mean_of_two")),  # as floats: 5.699999999999999
    ("17/3", "6", None, ("35/6", "mean_of_two")),  # a three-criterion mean stays a sixth
])
def test_the_final_score_rule(first, second, senior, expected):
    score, rule = rating.final_score(Fraction(first), Fraction(second), senior and Fraction(senior), Fraction(1))
    assert (score, rule) == (expected[0] and Fraction(expected[0]), expected[1])


def test_the_speaking_score_is_the_exact_mean_of_its_parts(centre, db_session):
    """Parts 5.0, 5.05 and 5.7 average 5.25, which rounds up to 5.5: overall 5.75 -> 6.0, level 4.

    As binary floats 5.7 was 5.699999999999999, the mean fell below 5.25 and rounded down to 5.0: level 3.
    """
    attempt_id = _hand_in(centre, right=("reading",))
    first, second = centre["raters"]
    low, mid, high = (5, 5, 5, 5, 5), (5, 5, 5, 5, 5.5), (5.5, 5.5, 5.5, 5.5, 6)  # means 5.0, 5.1, 5.6
    # Part means: 78 -> (5.0 + 5.0) / 2, 79 -> (5.0 + 5.1) / 2 = 5.05, 80 -> (5.6 + 5.8) / 2 = 5.7.
    marks = {first: {76: 7.5, 77: 7.5, 78: low, 79: low, 80: high},
             second: {76: 7.5, 77: 7.5, 78: low, 79: mid, 80: (6, 6, 6, 5.5, 5.5)}}
    for rater, by_position in marks.items():
        for position, assignment in _queue_by_position(rater, db_session, attempt_id).items():
            assert _mark(rater, assignment, by_position[position]).status_code == 200

    record = centre["admin"].get(f"/api/v1/attempts/{attempt_id}/marking").json
    assert sorted(r["final_score"] for r in record) == [5.0, 5.05, 5.7, 7.5, 7.5]
    result = centre["candidate"].get(f"/api/v1/attempts/{attempt_id}/result").json
    scores = {s["skill"]: s["score"] for s in result["section_scores"]}
    assert scores == {"listening": 0.0, "reading": 10.0, "writing": 7.5, "speaking": 5.5}
    assert (result["provisional"], result["overall_score"], result["level"]) == (False, 6.0, 4)
    (certificate,) = centre["candidate"].get("/api/v1/certificates").json
    assert (certificate["data"]["scores"]["speaking"], certificate["data"]["overall"]) == ("5.5", "6.0")


def test_overdue_work_goes_to_another_rater_only_when_one_is_free(centre, api_as, factory, fake_clock, db_session):
    attempt_id = _hand_in(centre)
    raters = centre["raters"]
    before = {rater: {a["id"] for a in rater.get("/api/v1/rating/queue").json} for rater in raters}
    spare = api_as("rater", unit=factory.unit())
    fake_clock.advance(hours=49)
    report = rating_sweep.sweep(db_session)
    # Both rounds of every answer are overdue and one rater is free: one round of each goes to the spare rater,
    # the other stays with its rater, still overdue (taking it back would leave the answer with nobody).
    assert (report.withdrawn, report.assigned, len(report.still_overdue)) == (5, 5, 5)
    assert len(spare.get("/api/v1/rating/queue").json) == 5
    after = {rater: {a["id"] for a in rater.get("/api/v1/rating/queue").json} for rater in raters}
    assert set(report.still_overdue) == after[raters[0]] | after[raters[1]]
    taken_back = [(rater, assignment_id) for rater in raters for assignment_id in before[rater] - after[rater]]
    assert len(taken_back) == 5
    rater, assignment_id = taken_back[0]
    late = _mark(rater, {"id": assignment_id, "skill": "writing"}, 6)
    assert late.status_code == 409 and "withdrawn" in late.json["detail"]
    again = rating_sweep.sweep(db_session)  # still nobody free: nothing moves, the same work is reported again
    assert (again.withdrawn, again.assigned, again.still_overdue) == (0, 0, report.still_overdue)

    for marker in (*raters, spare):
        for assignment in marker.get("/api/v1/rating/queue").json:
            assert _mark(marker, assignment, 6).status_code == 200  # late, yet still theirs
    assert centre["candidate"].get(f"/api/v1/attempts/{attempt_id}/result").json["provisional"] is False


def test_overdue_work_never_goes_to_a_closed_account_or_a_leaver_past_their_last_day(centre, api_as, factory,
                                                                                       fake_clock, db_session):
    _hand_in(centre)
    gone, closed = api_as("rater", unit=factory.unit()), api_as("rater", unit=factory.unit())
    gone.user.access_ends_on = date(2026, 11, 24)  # their last day employed: the sweep runs on the 25th
    closed.user.is_active = False
    db_session.flush()
    fake_clock.advance(hours=49)
    report = rating_sweep.sweep(db_session)
    assert (report.withdrawn, report.assigned, len(report.still_overdue)) == (0, 0, 10)  # nobody free to take it
    assert db_session.scalar(select(func.count()).select_from(RatingAssignment).where(
        RatingAssignment.rater_id.in_([gone.user.id, closed.user.id]))) == 0


def test_markings_are_checked_against_the_rubric(centre, api_as):
    _hand_in(centre)
    rater = centre["raters"][0]
    assignment = next(a for a in rater.get("/api/v1/rating/queue").json if a["skill"] == "writing")
    url = f"/api/v1/rating/assignments/{assignment['id']}/submit"
    full = dict.fromkeys(WRITING_CRITERIA, 6)
    cases = [({**full, "grammar": 6.25}, "criteria.grammar"), ({**full, "grammar": 11}, "criteria.grammar"),
             ({k: v for k, v in full.items() if k != "grammar"}, "criteria.grammar"),
             ({**full, "charm": 5}, "criteria.charm"), ({**full, "grammar": "six"}, "criteria.grammar")]
    for criteria, field in cases:
        refused = rater.post(url, json={"criteria": criteria})
        assert refused.status_code == 422 and refused.json["errors"][0]["field"] == field, refused.json
    assert api_as("candidate").get("/api/v1/rating/queue").status_code == 403
    assert rater.post(url, json={"criteria": full}).status_code == 200


def test_rubrics_are_versioned_and_ratings_keep_theirs(centre, db_session):
    admin = centre["admin"]
    shipped = admin.get("/api/v1/rubrics").json
    assert {r["code"] for r in shipped} >= {"vstep-writing-task1", "vstep-writing-task2", "vstep-speaking"}
    attempt_id = _hand_in(centre)
    writing = next(r for r in shipped if r["code"] == "vstep-writing-task2")
    changed = admin.post("/api/v1/rubrics", json={
        "code": writing["code"], "skill": "writing", "title": writing["title"] + " (2027)",
        "criteria": writing["criteria"][:3]})
    assert changed.status_code == 201 and changed.json["version"] == 2
    assert [r["version"] for r in admin.get(f"/api/v1/rubrics/{writing['code']}").json] == [1, 2]
    bad = admin.post("/api/v1/rubrics", json={"code": "new-one", "skill": "writing", "title": "T", "criteria": [
        {"key": "x", "label": "X", "bands": [{"min": 5, "descriptor": "bands must reach down to 0"}]}]})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "criteria.0.bands"
    record = admin.get(f"/api/v1/attempts/{attempt_id}/marking").json
    assert all(r["ratings"][0]["rubric"].endswith("v1") for r in record)  # assigned before the change
    assert centre["raters"][0].post("/api/v1/rubrics", json={"code": "mine", "skill": "writing", "title": "T",
                                                             "criteria": writing["criteria"]}).status_code == 403


def test_benchmark_scripts_join_queues_unannounced(centre, db_session, monkeypatch):
    admin = centre["admin"]
    exam = admin.get(f"/api/v1/tests/{centre['exam_id']}").json
    assert exam["sections"][2]["item_count"] == 2
    from assessment.models import Test

    essay_item_id = db_session.get(Test, centre["exam_id"]).entries[75].item_version.item_id
    benchmark = admin.post("/api/v1/rating/benchmarks", json={
        "item_id": essay_item_id, "answer": {"text": "An agreed script about training plans. " * 20},
        "agreed_score": 6.5})
    assert benchmark.status_code == 201, benchmark.json
    assert admin.post("/api/v1/rating/benchmarks", json={"item_id": essay_item_id, "answer": {"audio": "x"},
                                                         "agreed_score": 5}).status_code == 422
    monkeypatch.setattr(rating, "POLICY", rating.RatingPolicy(benchmark_rate=1.0))
    _hand_in(centre)
    queue = centre["raters"][0].get("/api/v1/rating/queue").json
    assert len(queue) == 6  # five answers and the benchmark script, shaped alike
    assert len({tuple(sorted(a)) for a in queue}) == 1
    scripts = [a for a in queue if a["answer"].get("text", "").startswith("An agreed script")]
    assert len(scripts) == 1 and _mark(centre["raters"][0], scripts[0], 6).status_code == 200


def test_a_section_score_set_by_an_administrator_takes_its_answers_out_of_marking(centre, api_as, factory,
                                                                                  db_session):
    attempt_id = _hand_in(centre, right=("listening", "reading"))
    admin, (first, second) = centre["admin"], centre["raters"]
    assert admin.put(f"/api/v1/attempts/{attempt_id}/sections/writing/score", json={"score": 6}).status_code == 200
    spare = api_as("rater", unit=factory.unit())
    report = rating_sweep.sweep(db_session)  # the writing answers are settled: nobody is handed them again
    assert (report.withdrawn, report.assigned, report.still_overdue) == (0, 0, ())
    assert spare.get("/api/v1/rating/queue").json == []
    for rater in (first, second):
        queue = rater.get("/api/v1/rating/queue").json
        assert [a["skill"] for a in queue] == ["speaking"] * 3
        for assignment in queue:
            assert _mark(rater, assignment, 7).status_code == 200

    result = centre["candidate"].get(f"/api/v1/attempts/{attempt_id}/result").json
    assert {s["skill"]: s["score"] for s in result["section_scores"]} == {
        "listening": 9.5, "reading": 10.0, "writing": 6.0, "speaking": 7.0}
    # (9.5 + 10 + 6 + 7) / 4 = 8.125 -> 8.0: level 4, certified once.
    assert (result["provisional"], result["overall_score"], result["level"]) == (False, 8.0, 4)
    assert len(centre["candidate"].get("/api/v1/certificates").json) == 1
    record = admin.get(f"/api/v1/attempts/{attempt_id}/marking").json
    assert sorted((r["status"], r["final_score"]) for r in record) == [
        ("final", 7.0)] * 3 + [("overridden", None)] * 2
    assert {rating_["status"] for r in record if r["status"] == "overridden" for rating_ in r["ratings"]} == {
        "withdrawn"}


def test_an_override_of_the_last_unmarked_section_settles_the_result_at_once(centre, db_session):
    attempt_id = _hand_in(centre)
    admin, raters = centre["admin"], centre["raters"]
    for rater in raters:
        for position, assignment in _queue_by_position(rater, db_session, attempt_id).items():
            if position in (78, 79, 80):  # speaking only; the writing is left unmarked
                assert _mark(rater, assignment, 8).status_code == 200
    waiting = centre["candidate"].get(f"/api/v1/attempts/{attempt_id}/result").json
    assert waiting["provisional"] is True
    assert {s["skill"]: s["score"] for s in waiting["section_scores"]}["speaking"] == 8.0  # marked: known now
    assert admin.put(f"/api/v1/attempts/{attempt_id}/sections/speaking/score",
                     json={"score": 5}).status_code == 409  # the raters' score stands
    settled = admin.put(f"/api/v1/attempts/{attempt_id}/sections/writing/score", json={"score": 8})
    assert settled.status_code == 200
    # (0 + 0 + 8 + 8) / 4 = 4.0: level 3.
    assert (settled.json["provisional"], settled.json["overall_score"], settled.json["level"]) == (False, 4.0, 3)
    assert all(rater.get("/api/v1/rating/queue").json == [] for rater in raters)


def test_every_rater_of_an_answer_marks_against_its_first_rubric_version(centre, api_as, factory, fake_clock,
                                                                        db_session):
    attempt_id = _hand_in(centre)
    admin, (first, _second) = centre["admin"], centre["raters"]
    for rubric in admin.get("/api/v1/rubrics").json:  # every rubric gets a version 2 with one criterion less
        assert admin.post("/api/v1/rubrics", json={
            "code": rubric["code"], "skill": rubric["skill"], "title": rubric["title"] + " (2027)",
            "criteria": rubric["criteria"][:-1]}).status_code == 201
    for assignment in first.get("/api/v1/rating/queue").json:
        assert _mark(first, assignment, 8).status_code == 200
    spare = api_as("rater", unit=factory.unit())
    fake_clock.advance(hours=49)
    report = rating_sweep.sweep(db_session)
    assert (report.withdrawn, report.assigned, report.still_overdue) == (5, 5, ())
    replacements = spare.get("/api/v1/rating/queue").json
    assert [a["rubric"]["version"] for a in replacements] == [1] * 5  # as the first rater's, not the newest
    for assignment in replacements:
        assert _mark(spare, assignment, 5).status_code == 200  # 3 apart from 8: a senior rater adjudicates
    senior_queue = centre["senior"].get("/api/v1/rating/queue").json
    assert [a["rubric"]["version"] for a in senior_queue] == [1] * 5
    for assignment in senior_queue:
        assert _mark(centre["senior"], assignment, 7).status_code == 200
    record = admin.get(f"/api/v1/attempts/{attempt_id}/marking").json
    assert {(r["status"], r["final_score"]) for r in record} == {("final", 7.5)}
    assert {rating_["rubric"][-2:] for r in record for rating_ in r["ratings"]} == {"v1"}


def test_a_spoken_benchmark_needs_a_recording_that_exists(centre, api_as, db_session):
    admin = centre["admin"]
    from assessment.models import Test

    speaking_item_id = db_session.get(Test, centre["exam_id"]).entries[77].item_version.item_id
    missing = admin.post("/api/v1/rating/benchmarks", json={
        "item_id": speaking_item_id, "answer": {"audio": "0" * 64}, "agreed_score": 6})
    assert missing.status_code == 422, missing.json
    assert missing.json["errors"][0]["field"] == "answer.audio"
    sha = api_as("author").post("/api/v1/media", data={"file": (io.BytesIO(OGG_RECORDING), "script.ogg")},
                                content_type="multipart/form-data").json["sha256"]  # examiners upload recordings
    stored = admin.post("/api/v1/rating/benchmarks", json={
        "item_id": speaking_item_id, "answer": {"audio": sha}, "agreed_score": 6})
    assert stored.status_code == 201, stored.json


def test_the_marking_record_of_an_attempt_that_does_not_exist_is_not_found(centre):
    missing = centre["admin"].get("/api/v1/attempts/99999/marking")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    assert missing.json["errors"][0]["field"] == "attempt_id", missing.json


def test_rater_quality_per_day_counts_the_centres_days(centre, fake_clock):
    _hand_in(centre)
    first = centre["raters"][0]
    fake_clock.set(datetime(2026, 11, 23, 18, 30, tzinfo=UTC))  # 01:30 on 24 November in Vietnam
    for assignment in first.get("/api/v1/rating/queue").json:
        assert _mark(first, assignment, 6).status_code == 200
    report = centre["admin"].get("/api/v1/rating/quality?period=day").json
    (period,) = report["over_time"][str(first.user.id)]
    start = datetime.fromisoformat(period["period_start"])
    assert start == datetime(2026, 11, 24, tzinfo=clock.VIETNAM) and start.utcoffset() == clock.VIETNAM.utcoffset(None)


def test_a_benchmarks_agreed_score_is_kept_exact_and_compared_exactly(centre, db_session, monkeypatch):
    """An agreed score just under 5.25 rounds to 5.0, where the raters' 5.0 agrees with it exactly; as a float it
    was already 5.25, rounded to 5.5, and the rater who gave 5.0 counted as off by a step."""
    from assessment.models import Test
    from assessment.rating.models import Benchmark

    admin = centre["admin"]
    essay_item_id = db_session.get(Test, centre["exam_id"]).entries[75].item_version.item_id
    script = {"text": "An agreed script about training plans. " * 20}
    stored = admin.post("/api/v1/rating/benchmarks", json={
        "item_id": essay_item_id, "answer": script, "agreed_score": "5.2499999999999999"})
    assert stored.status_code == 201, stored.json
    assert db_session.get(Benchmark, stored.json["id"]).agreed_score == Fraction("5.2499999999999999")
    third = admin.post("/api/v1/rating/benchmarks", json={"item_id": essay_item_id, "answer": script,
                                                          "agreed_score": "17/3"})
    assert third.status_code == 201 and third.json["agreed_score"] == 17 / 3  # shown as the nearest number
    assert db_session.get(Benchmark, third.json["id"]).agreed_score == Fraction(17, 3)
    typed = admin.post("/api/v1/rating/benchmarks", json={"item_id": essay_item_id, "answer": script,
                                                          "agreed_score": 5.7})
    assert db_session.get(Benchmark, typed.json["id"]).agreed_score == Fraction(57, 10)  # as written, not binary
    # an exponent is refused before any arithmetic: "1e-4000000" made a four-million-digit denominator first
    for bad in ("abc", "1/0", True, 10.5, "-1/3", "0." + "0" * 40 + "1", None, "1e-3", "5e0", "1e-4000000"):
        refused = admin.post("/api/v1/rating/benchmarks", json={"item_id": essay_item_id, "answer": script,
                                                                "agreed_score": bad})
        assert refused.status_code == 422, (bad, refused.json)
        assert refused.json["errors"][0]["field"] == "agreed_score", (bad, refused.json)
    for other in (third, typed):  # only the first script joins the queue
        db_session.get(Benchmark, other.json["id"]).active = False
    db_session.flush()

    monkeypatch.setattr(rating, "POLICY", rating.RatingPolicy(benchmark_rate=1.0))
    _hand_in(centre)
    rater = centre["raters"][0]
    [script_assignment] = [a for a in rater.get("/api/v1/rating/queue").json
                           if a["answer"].get("text", "").startswith("An agreed script")]
    assert _mark(rater, script_assignment, 5).status_code == 200  # 5.0 on every criterion
    [quality] = [r for r in admin.get("/api/v1/rating/quality").json["raters"] if r["rater_id"] == rater.user.id]
    assert quality["benchmark"]["n"] == 1
    assert (quality["benchmark"]["exact"], quality["benchmark"]["severity"]) == (1.0, 0.0)


def test_an_override_of_minus_zero_is_a_zero(centre, db_session):
    """-0.0 is within 0-10 as a number, but was stored and printed on the certificate as "-0.0"."""
    from assessment.models import Attempt

    attempt_id = _hand_in(centre)
    admin = centre["admin"]
    assert admin.put(f"/api/v1/attempts/{attempt_id}/sections/writing/score", json={"score": -0.0}).status_code == 200
    db_session.expire_all()
    record = next(r for r in db_session.get(Attempt, attempt_id).sections if r.get("score") is not None)
    assert record["score"] == "0.0"
    shown = {s["skill"]: s["score"] for s in admin.get(f"/api/v1/attempts/{attempt_id}/result").json["section_scores"]}
    assert shown["writing"] == 0 and math.copysign(1, shown["writing"]) == 1


def test_a_test_administrator_who_is_also_a_rater_is_never_drawn_to_mark(centre, api_as, factory):
    """They see every marking record (the other rating, the rater) and the attempt with its candidate: drawn,
    they read the first rater's 8.0 before giving their own score."""
    both = api_as("rater", "test_admin", unit=factory.unit())
    for _ in range(3):  # drawn at random among the least loaded: three hand-ins give every eligible rater work
        _hand_in(centre)
    assert both.get("/api/v1/rating/queue").json == []
    assert all(len(rater.get("/api/v1/rating/queue").json) == 15 for rater in centre["raters"])

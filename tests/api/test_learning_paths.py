"""Courses, learning paths, enrolments and training-needs surveys over HTTP (both databases)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.models import AssessedLevel, Attempt, Test
from core import clock
from core.accounts import Role
from core.accounts import services as accounts
from core.errors import RuleViolation
from learning import catalogue as catalogue_services
from learning import paths as paths_service
from learning.models import JobPosition, StaffMember, Unit
from learning.training_models import Enrolment, LearningPath

# The fake clock starts on 2026-11-23 (09:00 UTC, 16:00 in Vietnam); offerings run from December on.
MONTHS = [(2026, 12), (2027, 1), (2027, 2), (2027, 3), (2027, 4), (2027, 5)]


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.json


def fields_of(body: dict) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


@pytest.fixture
def unit(factory):
    return factory.unit()


@pytest.fixture
def hr(api_as, unit, fake_clock):
    return api_as("hr", unit=unit)


@pytest.fixture
def positions(db_session):
    made = {level: JobPosition(title=f"Officer needing level {level}", language="en", required_level=level)
            for level in (4, 5)}
    db_session.add_all(made.values())
    db_session.flush()
    return made


def add_staff(session, unit, user, position) -> StaffMember:
    staff = StaffMember(full_name=user.full_name, unit_id=unit.id, category="civil_servant",
                        position_id=position.id if position else None, user_id=user.id)
    session.add(staff)
    session.flush()
    return staff


def placement(session, user, level: int, skills: dict[str, int]) -> AssessedLevel:
    test = Test(title="Placement", purpose="placement", kind="adaptive", cut_scores=[], created_by=user.id)
    session.add(test)
    session.flush()
    attempt = Attempt(test_id=test.id, candidate_id=user.id, status="scored", level=level,
                      placement={"skills": {skill: {"level": value} for skill, value in skills.items()}})
    session.add(attempt)
    session.flush()
    assessed = AssessedLevel(user_id=user.id, level=level, basis="placement", attempt_id=attempt.id, language="en")
    session.add(assessed)
    session.flush()
    return assessed


def certify(session, user, level: int, **fields) -> AssessedLevel:
    assessed = AssessedLevel(user_id=user.id, level=level, basis="certification", language="en", **fields)
    session.add(assessed)
    session.flush()
    return assessed


COURSES = [  # code, band, skills
    ("EN23-W", (2, 3), ["writing"]),
    ("EN23-L", (2, 3), ["listening"]),
    ("EN34-S", (3, 4), ["speaking"]),
    ("EN34-R", (3, 4), ["reading"]),
    ("EN45-G", (4, 5), []),
]


@pytest.fixture
def keeper(api_as, fake_clock):
    """Organisation-wide HR: keeps the shared course catalogue."""
    return api_as("hr")


@pytest.fixture
def catalogue(hr, keeper):
    """Five English courses, each offered monthly from December 2026 to May 2027 (1st to 20th).

    The catalogue is shared by every unit: organisation-wide HR keeps it, a unit's HR may not.
    """
    offerings = {}
    assert hr.post("/api/v1/courses", json={"code": "X"}).status_code in (403, 422)
    for code, (low, high), skills in COURSES:
        response = keeper.post("/api/v1/courses", json={
            "code": code, "title": f"English {low} to {high} {' '.join(skills)}", "language": "en",
            "from_level": low, "to_level": high, "skill_focus": skills, "hours": 60, "capacity": 20,
            "format": "blended", "provider": "Trade Union University"})
        assert response.status_code == 201, response.json
        course_id = response.json["id"]
        offerings[code] = []
        for year, month in MONTHS:
            made = keeper.post(f"/api/v1/courses/{course_id}/offerings", json={
                "starts_on": date(year, month, 1).isoformat(), "ends_on": date(year, month, 20).isoformat()})
            assert made.status_code == 201, made.json
            offerings[code].append(made.json)
    return offerings


@pytest.fixture
def learner(api_as, db_session, unit, positions):
    client = api_as("candidate", unit=unit)
    client.staff = add_staff(db_session, unit, client.user, positions[4])
    return client


def patch(client, url: str, body: dict):
    return client.client.patch(url, json=body, headers={"Authorization": f"Bearer {client.token}"})


def steps(body: dict) -> list[str]:
    return [step["course_code"] for step in body["steps"]]


def test_placement_2_against_level_4_gives_an_ordered_path_a_certificate_closes_it_level_5_reopens_it(
        hr, learner, catalogue, db_session, positions):
    placement(db_session, learner.user, 2, {"writing": 1, "speaking": 2, "reading": 3, "listening": 3})
    planned = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={})
    assert planned.status_code == 200, planned.json
    body = planned.json
    assert (body["status"], body["verdict"], body["ready_for_retest"]) == ("open", "on_track", False)
    assert (body["current_level"], body["level_basis"], body["target_level"]) == (2, "placement", 4)
    # Band 2->3 then 3->4; weakest skill first in each: writing (1) before listening (3), speaking (2) before
    # reading (3). One course a month from December.
    assert steps(body) == ["EN23-W", "EN23-L", "EN34-S", "EN34-R"]
    assert [step["band"] for step in body["steps"]] == [[2, 3], [2, 3], [3, 4], [3, 4]]
    assert [step["starts_on"] for step in body["steps"]] == ["2026-12-01", "2027-01-01", "2027-02-01", "2027-03-01"]
    assert body["earliest_finish"] == "2027-03-20"
    assert learner.get("/api/v1/me/path").json["steps"] == body["steps"]

    certify(db_session, learner.user, 4)
    closed = hr.get(f"/api/v1/staff/{learner.staff.id}/path").json
    assert closed["status"] == "closed"
    assert "certified level 4" in closed["reason"]
    assert learner.get("/api/v1/me/path").json["status"] == "closed"

    learner.staff.position_id = positions[5].id
    db_session.flush()
    db_session.expire_all()
    reopened = hr.get(f"/api/v1/staff/{learner.staff.id}/path").json
    assert (reopened["status"], reopened["target_level"], reopened["current_level"]) == ("open", 5, 4)
    assert reopened["level_basis"] == "certification"
    assert steps(reopened) == ["EN45-G"]


def test_a_closed_path_names_the_centres_day_of_the_award(hr, learner, db_session):
    certify(db_session, learner.user, 4, awarded_at=datetime(2026, 11, 21, 18, 0, tzinfo=UTC))  # the 22nd in Hanoi
    closed = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert closed["status"] == "closed"
    assert "awarded 2026-11-22)" in closed["reason"], closed["reason"]


def test_a_new_placement_result_replans_the_path(hr, learner, catalogue, db_session):
    placement(db_session, learner.user, 2, {})
    assert steps(hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json) == [
        "EN23-L", "EN23-W", "EN34-R", "EN34-S"]  # no profile: code order within each band
    placement(db_session, learner.user, 3, {"reading": 2, "speaking": 4})
    replanned = learner.get("/api/v1/me/path").json
    assert replanned["current_level"] == 3
    assert steps(replanned) == ["EN34-R", "EN34-S"]


def test_a_deadline_that_cannot_be_met_is_said(hr, learner, catalogue, db_session):
    placement(db_session, learner.user, 2, {})
    body = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={"deadline": "2027-01-31"}).json
    assert body["verdict"] == "cannot_meet_deadline"
    assert body["status"] == "open"
    assert body["earliest_finish"] == "2027-03-20"
    assert "2027-01-31" in body["reason"]
    assert "2027-03-20" in body["reason"]
    # The deadline is kept when re-planning without one.
    assert hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json["deadline"] == "2027-01-31"


def test_a_band_without_courses_is_said(hr, learner, db_session):
    placement(db_session, learner.user, 2, {})
    body = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert body["verdict"] == "no_course"
    assert "from level 2 to 3" in body["reason"]


def test_capacity_is_enforced(keeper, hr, api_as, learner, catalogue, db_session, unit, positions):
    course_id = catalogue["EN34-S"][0]["course_id"]
    small = keeper.post(f"/api/v1/courses/{course_id}/offerings",
                    json={"starts_on": "2027-06-01", "ends_on": "2027-06-20", "seats": 1}).json
    other = add_staff(db_session, unit, api_as("candidate", unit=unit).user, positions[4])
    first = learner.post(f"/api/v1/offerings/{small['id']}/enrolments", json={"staff_member_id": learner.staff.id})
    assert first.status_code == 201, first.json
    again = problem(learner.post(f"/api/v1/offerings/{small['id']}/enrolments",
                                 json={"staff_member_id": learner.staff.id}), 409)
    assert "already enrolled" in again["detail"]
    full = problem(hr.post(f"/api/v1/offerings/{small['id']}/enrolments",
                           json={"staff_member_id": other.id}), 409)
    assert fields_of(full) == {"offering_id"}
    assert full["seats"] == 1
    listed = keeper.get(f"/api/v1/courses/{course_id}/offerings").json
    assert next(o for o in listed if o["id"] == small["id"])["seats_left"] == 0
    # A dropped seat frees the place.
    dropped = patch(learner, f"/api/v1/enrolments/{first.json['id']}", {"status": "dropped"})
    assert dropped.status_code == 200, dropped.json
    assert hr.post(f"/api/v1/offerings/{small['id']}/enrolments",
                   json={"staff_member_id": other.id}).status_code == 201


def test_completing_the_last_step_opens_re_testing(hr, learner, catalogue, db_session, fake_clock):
    placement(db_session, learner.user, 3, {"speaking": 1, "reading": 2})
    path = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert steps(path) == ["EN34-S", "EN34-R"]
    for step in path["steps"]:
        enrolment = learner.post(f"/api/v1/offerings/{step['offering_id']}/enrolments",
                                 json={"staff_member_id": learner.staff.id})
        assert enrolment.status_code == 201, enrolment.json
        halfway = patch(learner, f"/api/v1/enrolments/{enrolment.json['id']}", {"progress": 50})
        assert (halfway.json["status"], halfway.json["progress"]) == ("in_progress", 50)
        mine = learner.get("/api/v1/me/path").json
        assert mine["status"] == "open"
        fake_clock.set(datetime.fromisoformat(f"{step['starts_on']}T09:00:00+00:00"))  # the course has begun
        done = patch(hr, f"/api/v1/enrolments/{enrolment.json['id']}", {"status": "completed"})
        assert (done.json["status"], done.json["progress"]) == ("completed", 100)
        assert done.json["completed_at"]
    final = learner.get("/api/v1/me/path").json
    assert (final["status"], final["ready_for_retest"]) == ("ready_for_retest", True)
    assert [step["status"] for step in final["steps"]] == ["completed", "completed"]
    assert hr.get(f"/api/v1/staff/{learner.staff.id}/path").json["ready_for_retest"] is True
    # Completed is final.
    late = problem(patch(learner, f"/api/v1/enrolments/{final['steps'][0]['enrolment_id']}", {"progress": 10}), 409)
    assert fields_of(late) == {"status"}
    # A new certified level at the requirement closes the path.
    certify(db_session, learner.user, 4)
    assert learner.get("/api/v1/me/path").json["status"] == "closed"


def test_an_expired_certificate_does_not_close_the_path(hr, learner, catalogue, db_session):
    certify(db_session, learner.user, 4, valid_until=date(2026, 11, 1))
    body = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert body["status"] == "open"
    assert body["current_level"] == 0  # no valid level, no placement: from the start
    assert body["verdict"] == "no_course"  # the catalogue has nothing below level 2


def test_hr_of_another_unit_sees_and_plans_no_one_here(api_as, factory, learner, catalogue, db_session):
    placement(db_session, learner.user, 2, {})
    stranger = api_as("hr", unit=factory.unit())
    problem(stranger.post(f"/api/v1/staff/{learner.staff.id}/path", json={}), 403)
    problem(stranger.get(f"/api/v1/staff/{learner.staff.id}/path"), 403)
    offering = catalogue["EN23-W"][0]["id"]
    problem(stranger.post(f"/api/v1/offerings/{offering}/enrolments", json={"staff_member_id": learner.staff.id}),
            403)
    # Organisation-wide HR may; the person cannot plan their own path, only read it.
    assert api_as("hr").post(f"/api/v1/staff/{learner.staff.id}/path", json={}).status_code == 200
    problem(learner.post(f"/api/v1/staff/{learner.staff.id}/path", json={}), 403)
    assert learner.get(f"/api/v1/staff/{learner.staff.id}/path").status_code == 200
    problem(api_as("candidate").get("/api/v1/me/path"), 404)


def test_bad_input_is_a_problem_naming_the_field(keeper, hr, api_as, learner, catalogue, db_session):
    body = problem(keeper.post("/api/v1/courses", json={"code": "X1", "title": "X", "hours": "many", "capacity": 5,
                                                    "colour": "red"}), 422)
    assert {"hours", "colour"} <= fields_of(body)
    body = problem(keeper.post("/api/v1/courses", json={"code": "X2", "title": "X", "hours": 10, "capacity": 5,
                                                    "language": "en", "to_level": 3}), 422)
    assert fields_of(body) == {"from_level"}
    body = problem(keeper.post("/api/v1/courses", json={"code": "X3", "title": "X", "hours": 10, "capacity": 5,
                                                    "language": "en", "from_level": 3, "to_level": 4,
                                                    "prerequisites": ["NOPE"]}), 422)
    assert fields_of(body) == {"prerequisites"}
    problem(keeper.post("/api/v1/courses", json={"code": "EN23-W", "title": "X", "hours": 10, "capacity": 5,
                                             "language": "en", "from_level": 2, "to_level": 3}), 409)
    problem(api_as("candidate").post("/api/v1/courses", json={"code": "X4", "title": "X", "hours": 10,
                                                              "capacity": 5, "kind": "professional"}), 403)
    course_id = catalogue["EN23-W"][0]["course_id"]
    body = problem(keeper.post(f"/api/v1/courses/{course_id}/offerings",
                           json={"starts_on": "2027-02-01", "ends_on": "2027-01-01"}), 422)
    assert fields_of(body) == {"ends_on"}
    body = problem(hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={"deadline": "2020-01-01"}), 422)
    assert fields_of(body) == {"deadline"}
    body = problem(hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={"deadline": "soon"}), 422)
    assert fields_of(body) == {"deadline"}
    enrolment = learner.post(f"/api/v1/offerings/{catalogue['EN23-W'][0]['id']}/enrolments",
                             json={"staff_member_id": learner.staff.id}).json
    body = problem(patch(learner, f"/api/v1/enrolments/{enrolment['id']}", {"progress": 150}), 422)
    assert fields_of(body) == {"progress"}
    problem(hr.get("/api/v1/staff/999999/path"), 404)
    problem(hr.post("/api/v1/offerings/999999/enrolments", json={"staff_member_id": learner.staff.id}), 404)


def test_a_person_without_a_position_has_no_path_to_plan(hr, api_as, db_session, unit):
    staff = add_staff(db_session, unit, api_as("candidate", unit=unit).user, None)
    body = problem(hr.post(f"/api/v1/staff/{staff.id}/path", json={}), 422)
    assert fields_of(body) == {"staff_id"}


def test_a_prerequisite_that_would_close_a_cycle_is_refused_and_paths_still_plan(
        keeper, hr, learner, reading_before_speaking, db_session):
    course_id = {code: offerings[0]["course_id"] for code, offerings in reading_before_speaking.items()}
    body = problem(patch(keeper, f"/api/v1/courses/{course_id['EN34-R']}", {"prerequisites": ["EN34-S"]}), 422)
    assert fields_of(body) == {"prerequisites"} and "EN34-R -> EN34-S -> EN34-R" in body["detail"]
    # a longer way round: W needs R, then R may not need W (R -> W -> ... -> R)
    assert patch(keeper, f"/api/v1/courses/{course_id['EN23-W']}", {"prerequisites": ["EN34-R"]}).status_code == 200
    body = problem(patch(keeper, f"/api/v1/courses/{course_id['EN34-R']}", {"prerequisites": ["EN23-L", "EN23-W"]}),
                   422)
    assert fields_of(body) == {"prerequisites"} and "EN34-R -> EN23-W -> EN34-R" in body["detail"]
    assert keeper.get(f"/api/v1/courses/{course_id['EN34-R']}").json["prerequisites"] == []
    assert patch(keeper, f"/api/v1/courses/{course_id['EN34-R']}", {"prerequisites": ["EN23-L"]}).status_code == 200
    placement(db_session, learner.user, 2, {})
    planned = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={})
    assert planned.status_code == 200, planned.json
    assert steps(planned.json).index("EN34-R") < steps(planned.json).index("EN34-S")


def test_courses_crud_and_non_language_courses(keeper, hr, api_as):
    made = keeper.post("/api/v1/courses", json={"code": "EXT-PROTOCOL", "title": "Diplomatic protocol",
                                            "kind": "external_affairs", "hours": 24, "capacity": 30,
                                            "format": "classroom"})
    assert made.status_code == 201, made.json
    assert made.json["from_level"] is None
    course_id = made.json["id"]
    changed = patch(keeper, f"/api/v1/courses/{course_id}", {"hours": 32, "format": "online"})
    assert (changed.json["hours"], changed.json["format"]) == (32, "online")
    listed = api_as("candidate").get("/api/v1/courses?kind=external_affairs").json
    assert [c["code"] for c in listed] == ["EXT-PROTOCOL"]
    problem(patch(keeper, f"/api/v1/courses/{course_id}", {"from_level": 2}), 422)
    assert keeper.delete(f"/api/v1/courses/{course_id}").status_code == 204
    problem(keeper.get(f"/api/v1/courses/{course_id}"), 404)


# --- surveys ----------------------------------------------------------------------------------------------

QUESTIONS = [
    {"id": "language", "text": "Which language do you need most?", "type": "choice",
     "options": ["english", "chinese", "russian"], "required": True},
    {"id": "confidence", "text": "How confident are you in meetings with foreign partners?", "type": "scale",
     "min": 1, "max": 5},
    {"id": "topics", "text": "Which training do you need?", "type": "multi",
     "options": ["protocol", "negotiation", "interpreting"]},
    {"id": "comment", "text": "Anything else?", "type": "text"},
]


def answering(api_as, db_session, unit):
    """A staff member of ``unit`` who may answer surveys."""
    person = api_as("candidate", unit=unit)
    add_staff(db_session, unit, person.user, None)
    return person


def test_survey_results_by_target_group_and_unit(api_as, factory, db_session, fake_clock):
    org_hr = api_as("hr")
    survey = org_hr.post("/api/v1/surveys", json={"title": "External-relations training needs 2027",
                                                  "questions": QUESTIONS,
                                                  "target_groups": ["leader", "specialist"]})
    assert survey.status_code == 201, survey.json
    url = f"/api/v1/surveys/{survey.json['id']}"
    north, south = factory.unit(), factory.unit()
    answers = [  # five alike of each, the fewest respondents whose answers a cell shows
        (north, "leader", {"language": "english", "confidence": 4, "topics": ["protocol", "negotiation"]}),
        (north, "specialist", {"language": "chinese", "confidence": 2, "topics": ["interpreting"]}),
        (south, "specialist", {"language": "english", "confidence": 3, "comment": "evening classes"}),
    ]
    for unit, group, answer in answers:
        for _ in range(5):
            person = answering(api_as, db_session, unit)
            sent = person.post(f"{url}/responses", json={"target_group": group, "answers": answer})
            assert sent.status_code == 201, sent.json
    problem(person.post(f"{url}/responses", json={"target_group": "specialist", "answers": {"language": "english"}}),
            409)

    results = org_hr.get(f"{url}/results").json
    assert (results["responses"], results["suppressed"], results["min_group_size"]) == (15, False, 5)
    assert results["overall"]["language"]["counts"] == {"english": 10, "chinese": 5, "russian": 0}
    assert results["overall"]["confidence"]["mean"] == 3.0
    assert results["overall"]["topics"]["counts"] == {"protocol": 5, "negotiation": 5, "interpreting": 5}
    by_group = {g["target_group"]: g for g in results["by_target_group"]}
    assert by_group["specialist"]["responses"] == 10
    assert by_group["specialist"]["questions"]["confidence"]["mean"] == 2.5
    assert by_group["leader"]["questions"]["language"]["counts"]["english"] == 5
    by_unit = {u["unit_id"]: u for u in results["by_unit"]}
    assert by_unit[north.id]["responses"] == 10
    assert by_unit[north.id]["by_target_group"] == {"leader": 5, "specialist": 5}
    assert by_unit[south.id]["questions"]["language"]["counts"]["english"] == 5
    assert not any(cell["suppressed"] for cell in [*results["by_target_group"], *results["by_unit"]])

    north_hr = api_as("hr", unit=north)
    problem(north_hr.get(f"{url}/results"), 403)
    problem(north_hr.get(f"{url}/results?unit_id={south.id}"), 403)
    mine = north_hr.get(f"{url}/results?unit_id={north.id}").json
    assert mine["responses"] == 10
    assert mine["overall"]["language"]["counts"] == {"english": 5, "chinese": 5, "russian": 0}
    assert [u["unit_id"] for u in mine["by_unit"]] == [north.id]


def survey_answered(api_as, db_session, org_hr, answers) -> str:
    """A survey of QUESTIONS answered as ``answers`` say: (unit, target group, answer, how many people)."""
    survey = org_hr.post("/api/v1/surveys", json={"title": "Needs", "questions": QUESTIONS,
                                                  "target_groups": ["leader", "specialist"]})
    url = f"/api/v1/surveys/{survey.json['id']}"
    for unit, group, answer, people in answers:
        for _ in range(people):
            sent = answering(api_as, db_session, unit).post(f"{url}/responses",
                                                            json={"target_group": group, "answers": answer})
            assert sent.status_code == 201, sent.json
    return url


def test_survey_results_hide_the_answers_of_a_unit_with_one_respondent(api_as, factory, db_session):
    """One person's answers showed as their unit's, to HR of the organisation and of that unit."""
    org_hr = api_as("hr")
    north, south, east = factory.unit(), factory.unit(), factory.unit()
    url = survey_answered(api_as, db_session, org_hr, [
        (north, "leader", {"language": "english", "confidence": 4}, 6),
        (south, "specialist", {"language": "chinese", "confidence": 2}, 6),
        (east, "specialist", {"language": "russian", "confidence": 1, "comment": "I alone need Russian"}, 1)])

    results = org_hr.get(f"{url}/results").json
    assert (results["min_group_size"], results["responses"], results["suppressed"]) == (5, 13, False)
    by_unit = {unit["unit_id"]: unit for unit in results["by_unit"]}
    assert by_unit[east.id] == {"unit_id": east.id, "responses": 1, "suppressed": True, "questions": None,
                                "by_target_group": {"specialist": 1}}
    hidden = [unit["responses"] for unit in results["by_unit"] if unit["suppressed"]]
    assert len(hidden) > 1 and sum(hidden) >= 5  # the whole less the units shown is no one person

    alone = org_hr.get(f"{url}/results?unit_id={east.id}").json  # its overall and its groups hide too
    assert (alone["responses"], alone["suppressed"], alone["overall"]) == (1, True, None)
    assert alone["by_target_group"] == [{"target_group": "specialist", "responses": 1, "suppressed": True,
                                         "questions": None}]
    assert api_as("hr", unit=east).get(f"{url}/results?unit_id={east.id}").json == alone


def all_sums_shown(org_hr, url: str, unit_ids: list[int]) -> list[tuple[dict, list[dict]]]:
    """Every total HR can read with its parts: the whole of its units and of its groups (the organisation's view),
    each unit of its groups (one unit at a time), each group of its units (those views put together)."""
    whole = org_hr.get(f"{url}/results").json
    units = [org_hr.get(f"{url}/results?unit_id={unit_id}").json for unit_id in unit_ids]
    sums = [(whole, whole["by_unit"]), (whole, whole["by_target_group"])]
    sums += [(unit, unit["by_target_group"]) for unit in units]
    sums += [(group, [cell for unit in units for cell in unit["by_target_group"]
                      if cell["target_group"] == group["target_group"]]) for group in whole["by_target_group"]]
    return sums


def test_survey_results_cannot_be_subtracted_to_recover_a_hidden_cell(api_as, factory, db_session):
    """North's one leader: north less its four specialists, or the leaders less south's five (all of south),
    gave that person's answers though their own cell was hidden."""
    org_hr = api_as("hr")
    north, south, east = factory.unit(), factory.unit(), factory.unit()
    url = survey_answered(api_as, db_session, org_hr, [
        (north, "leader", {"language": "russian", "confidence": 1}, 1),
        (north, "specialist", {"language": "english", "confidence": 3}, 4),
        (south, "leader", {"language": "english", "confidence": 4}, 5),
        (east, "specialist", {"language": "chinese", "confidence": 2}, 6)])

    sums = all_sums_shown(org_hr, url, [north.id, south.id, east.id])
    assert len(sums) == 2 + 3 + 2
    north_alone = sums[2][0]
    assert [(cell["target_group"], cell["responses"], cell["suppressed"]) for cell in north_alone["by_target_group"]
            if cell["target_group"] == "leader"] == [("leader", 1, True)]
    for total, parts in sums:
        hidden = [part["responses"] for part in parts if part["suppressed"]]
        if total["suppressed"]:
            assert hidden, (total, parts)  # shown parts would add up to it
        else:  # what the shown parts leave of the total is nobody, or at least five people
            assert not hidden or (len(hidden) > 1 and sum(hidden) >= 5), (total, parts)
    for total, parts in sums:
        for cell in (total, *parts):
            assert cell["suppressed"] == (cell.get("questions", cell.get("overall")) is None)
    whole = org_hr.get(f"{url}/results").json
    assert whole["overall"]["language"]["counts"]["russian"] == 1  # the sixteen together still show


def test_survey_results_show_a_cell_at_the_minimum(api_as, factory, db_session):
    org_hr = api_as("hr")
    north, south = factory.unit(), factory.unit()
    url = survey_answered(api_as, db_session, org_hr, [
        (north, "leader", {"language": "english", "confidence": 4}, 5),
        (south, "specialist", {"language": "chinese", "confidence": 2}, 5)])
    results = org_hr.get(f"{url}/results").json
    cells = [*results["by_target_group"], *results["by_unit"]]
    assert [cell["responses"] for cell in cells] == [5, 5, 5, 5]
    assert not results["suppressed"] and not any(cell["suppressed"] for cell in cells)
    assert {group["target_group"]: group["questions"]["confidence"]["mean"]
            for group in results["by_target_group"]} == {"leader": 4, "specialist": 2}
    north_only = api_as("hr", unit=north).get(f"{url}/results?unit_id={north.id}").json
    assert north_only["overall"]["language"]["counts"] == {"english": 5, "chinese": 0, "russian": 0}
    assert north_only["by_target_group"][0]["questions"]["language"]["counts"]["english"] == 5


def test_survey_bad_input_names_the_field(api_as, factory, db_session):
    org_hr = api_as("hr")
    body = problem(org_hr.post("/api/v1/surveys", json={"title": "T", "target_groups": ["leader"], "questions": [
        {"id": "q", "text": "Pick", "type": "choice", "options": ["only one"]}]}), 422)
    assert fields_of(body) == {"questions.0.options"}
    body = problem(org_hr.post("/api/v1/surveys", json={"title": "T", "target_groups": [], "questions": [
        {"id": "q", "text": "Pick", "type": "colour"}]}), 422)
    assert {"target_groups", "questions.0.type"} <= fields_of(body)
    survey = org_hr.post("/api/v1/surveys", json={"title": "T", "target_groups": ["leader"],
                                                  "questions": QUESTIONS}).json
    unit = factory.unit()
    person = api_as("candidate", unit=unit)
    problem(person.post(f"/api/v1/surveys/{survey['id']}/responses",
                        json={"target_group": "leader", "answers": {"language": "english"}}), 403)  # not staff
    add_staff(db_session, unit, person.user, None)
    url = f"/api/v1/surveys/{survey['id']}/responses"
    body = problem(person.post(url, json={"target_group": "leader", "answers": {"language": "english",
                                                                                "confidence": 9}}), 422)
    assert fields_of(body) == {"answers.confidence"}
    body = problem(person.post(url, json={"target_group": "leader", "answers": {"confidence": 3}}), 422)
    assert fields_of(body) == {"answers.language"}
    body = problem(person.post(url, json={"target_group": "driver", "answers": {"language": "english"}}), 422)
    assert fields_of(body) == {"target_group"}
    problem(person.post("/api/v1/surveys", json={"title": "T", "target_groups": ["x"], "questions": QUESTIONS}), 403)
    # One option chosen fifty times counted fifty: one respondent could outweigh all the others.
    body = problem(person.post(url, json={"target_group": "leader", "answers": {
        "language": "english", "topics": ["protocol"] * 50}}), 422)
    assert fields_of(body) == {"answers.topics"} and "at most once" in body["detail"]
    # A scale up to 10**400 took answers whose mean no number holds: every read of the results failed.
    body = problem(org_hr.post("/api/v1/surveys", json={"title": "T", "target_groups": ["leader"], "questions": [
        {"id": "q", "text": "How many?", "type": "scale", "min": 0, "max": 10**400}]}), 422)
    assert fields_of(body) == {"questions.0.max"}
    problem(org_hr.get(f"/api/v1/surveys/{survey['id']}/results?unit_id=999999"), 404)  # as elsewhere


def test_refresh_paths_after_a_new_result_and_the_sweep(hr, learner, catalogue, db_session):
    from learning.paths import refresh_all_paths, refresh_paths
    from learning.training_models import LearningPath

    placement(db_session, learner.user, 2, {})
    path_id = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json["id"]
    assert refresh_all_paths(db_session) == (1, 0)  # nothing new
    certify(db_session, learner.user, 5)
    [path] = refresh_paths(db_session, learner.user.id)
    assert (path.id, path.status) == (path_id, "closed")
    assert refresh_paths(db_session, 999999) == []
    db_session.delete(db_session.scalars(select(AssessedLevel).where(AssessedLevel.level == 5)).one())
    db_session.flush()
    assert refresh_all_paths(db_session) == (1, 1)  # the certificate is gone: the path re-opens
    assert db_session.get(LearningPath, path_id).status == "open"



def test_a_leavers_path_is_left_as_it_was_and_no_new_one_is_planned(keeper, hr, learner, catalogue, db_session):
    from learning.paths import refresh_all_paths

    placement(db_session, learner.user, 2, {})
    url = f"/api/v1/staff/{learner.staff.id}"
    planned = hr.post(f"{url}/path", json={}).json
    assert patch(hr, url, {"left_on": "2026-11-23"}).status_code == 200  # the last day is today: still employed
    certify(db_session, learner.user, 5)
    assert refresh_all_paths(db_session) == (1, 1)
    db_session.delete(db_session.scalars(select(AssessedLevel).where(AssessedLevel.level == 5)).one())
    db_session.flush()
    replanned = hr.post(f"{url}/path", json={}).json
    assert replanned["status"] == "open"

    assert patch(hr, url, {"left_on": "2026-11-22"}).status_code == 200  # gone since yesterday
    db_session.expire_all()
    certify(db_session, learner.user, 5)  # a new result: the path of someone employed would close
    first = replanned["steps"][0]
    assert keeper.post(f"/api/v1/offerings/{first['offering_id']}/cancel", json={"reason": "No teacher"}
                       ).status_code == 200  # moves the steps of everyone employed using it
    assert refresh_all_paths(db_session) == (0, 0)
    kept = hr.get(f"{url}/path").json
    assert (kept["status"], kept["planned_at"], kept["steps"]) == ("open", replanned["planned_at"],
                                                                    replanned["steps"])
    refused = problem(hr.post(f"{url}/path", json={}), 422)
    assert fields_of(refused) == {"staff_id"} and "left on 2026-11-22" in refused["detail"]
    assert planned["id"] == kept["id"]
    later = replanned["steps"][-1]["offering_id"]
    no_seat = problem(hr.post(f"/api/v1/offerings/{later}/enrolments", json={"staff_member_id": learner.staff.id}),
                      422)
    assert fields_of(no_seat) == {"staff_member_id"} and "a leaver takes no seat" in no_seat["detail"]

    assert patch(hr, url, {"left_on": None}).json["left_on"] is None  # reinstated: planned again when read
    assert hr.get(f"{url}/path").json["status"] == "closed"


def test_the_training_endpoints_are_documented(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/courses", "/api/v1/courses/{course_id}", "/api/v1/courses/{course_id}/offerings",
                 "/api/v1/staff/{staff_id}/path", "/api/v1/me/path", "/api/v1/paths", "/api/v1/surveys/{survey_id}",
                 "/api/v1/offerings/{offering_id}/enrolments",
                 "/api/v1/enrolments/{enrolment_id}", "/api/v1/surveys", "/api/v1/surveys/{survey_id}/responses",
                 "/api/v1/surveys/{survey_id}/results"):
        assert path in paths, path


THREADS = 8


@pytest.fixture
def live(live_postgres_app, empty_database, tmp_path):
    app = live_postgres_app
    with Session(empty_database.engine) as session:
        unit = Unit(code="RACE", name="Race unit", group="vgcl_department")
        session.add(unit)
        session.flush()
        hr_user = accounts.create_user(session, username="hr.race", password="long-enough-pw", roles=[Role.HR])
        draft = catalogue_services.CourseDraft(code="RACE-1", title="Race", hours=10, capacity=3, language="en",
                                               from_level=2, to_level=3)
        course = catalogue_services.create_course(session, actor=hr_user.as_actor(), draft=draft)
        soon = clock.day_in_vietnam() + timedelta(days=30)  # a live server runs on the real clock
        offering = catalogue_services.create_offering(session, actor=hr_user.as_actor(), course_id=course.id,
                                                      starts_on=soon, ends_on=soon + timedelta(days=19))
        people = []
        for index in range(THREADS):
            user = accounts.create_user(session, username=f"learner.{index}", password="long-enough-pw",
                                        roles=[Role.CANDIDATE])
            staff = add_staff(session, unit, user, None)
            people.append((staff.id, accounts.issue_token(session, user=user, name="race")[1]))
        session.commit()
        yield app, offering.id, people, empty_database.engine


def test_concurrent_enrolments_never_exceed_the_seats(live):
    app, offering_id, people, engine = live
    barrier, results = threading.Barrier(THREADS, timeout=60), [None] * THREADS

    def run(index: int) -> None:
        staff_id, token = people[index]
        barrier.wait()
        results[index] = app.test_client().post(f"/api/v1/offerings/{offering_id}/enrolments",
                                                json={"staff_member_id": staff_id},
                                                headers={"Authorization": f"Bearer {token}"}).status_code

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [201] * 3 + [409] * (THREADS - 3), results
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Enrolment)) == 3


def test_hr_lists_its_units_paths_by_status(hr, api_as, factory, learner, catalogue, db_session, unit):
    placement(db_session, learner.user, 2, {})
    hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={})
    listed = hr.get(f"/api/v1/paths?unit_id={unit.id}").json
    assert [p["staff_member_id"] for p in listed] == [learner.staff.id]
    assert hr.get(f"/api/v1/paths?unit_id={unit.id}&status=ready_for_retest").json == []
    problem(api_as("hr", unit=factory.unit()).get(f"/api/v1/paths?unit_id={unit.id}"), 403)
    body = problem(hr.get(f"/api/v1/paths?unit_id={unit.id}&status=done"), 422)
    assert fields_of(body) == {"status"}


def test_a_closed_survey_takes_no_responses(api_as, factory, db_session):
    org_hr = api_as("hr")
    survey = org_hr.post("/api/v1/surveys", json={"title": "T", "target_groups": ["leader"],
                                                  "questions": QUESTIONS}).json
    assert patch(org_hr, f"/api/v1/surveys/{survey['id']}", {"is_open": False}).json["is_open"] is False
    assert org_hr.get(f"/api/v1/surveys/{survey['id']}").json["questions"][0]["id"] == "language"
    unit = factory.unit()
    person = api_as("candidate", unit=unit)
    add_staff(db_session, unit, person.user, None)
    problem(person.post(f"/api/v1/surveys/{survey['id']}/responses",
                        json={"target_group": "leader", "answers": {"language": "english"}}), 409)
    problem(patch(person, f"/api/v1/surveys/{survey['id']}", {"is_open": True}), 403)


def test_unit_hr_opens_and_closes_only_the_surveys_it_defined(api_as, factory):
    north_hr, south_hr, org_hr = api_as("hr", unit=factory.unit()), api_as("hr", unit=factory.unit()), api_as("hr")
    survey = north_hr.post("/api/v1/surveys", json={"title": "North needs", "target_groups": ["leader"],
                                                    "questions": QUESTIONS}).json
    url = f"/api/v1/surveys/{survey['id']}"
    assert patch(north_hr, url, {"is_open": False}).json["is_open"] is False
    problem(patch(south_hr, url, {"is_open": True}), 403)
    assert north_hr.get(url).json["is_open"] is False
    assert patch(org_hr, url, {"is_open": True}).json["is_open"] is True
    organisation_wide = org_hr.post("/api/v1/surveys", json={"title": "All", "target_groups": ["leader"],
                                                             "questions": QUESTIONS}).json
    problem(patch(north_hr, f"/api/v1/surveys/{organisation_wide['id']}", {"is_open": False}), 403)


def test_a_certified_exam_orders_the_path_by_its_section_scores(hr, learner, catalogue, db_session):
    test = Test(title="VSTEP.3-5", purpose="certification", kind="sectioned", cut_scores=[],
                created_by=learner.user.id)
    db_session.add(test)
    db_session.flush()
    sections = [{"skill": skill, "score": score} for skill, score in
                (("listening", "6.0"), ("reading", "4.0"), ("writing", "5.0"), ("speaking", "6.5"))]
    attempt = Attempt(test_id=test.id, candidate_id=learner.user.id, status="scored", level=3, sections=sections,
                      overall_score=5.5)
    db_session.add(attempt)
    db_session.flush()
    certify(db_session, learner.user, 3, attempt_id=attempt.id)
    body = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert (body["current_level"], body["level_basis"]) == (3, "certification")
    assert body["skill_profile"] == {"listening": 6.0, "reading": 4.0, "writing": 5.0, "speaking": 6.5}
    assert steps(body) == ["EN34-R", "EN34-S"]  # reading 4.0 is weaker than speaking 6.5


def test_survey_results_hide_an_optional_question_only_a_few_of_a_shown_cell_answered(api_as, factory, db_session):
    """Six leaders answered, one of them the optional questions too: the cell shows, their answers did."""
    org_hr = api_as("hr")
    north = factory.unit()
    url = survey_answered(api_as, db_session, org_hr, [
        (north, "leader", {"language": "english"}, 5),
        (north, "leader", {"language": "chinese", "confidence": 1, "topics": ["interpreting"],
                           "comment": "evening classes only"}, 1)])

    results = org_hr.get(f"{url}/results").json
    assert (results["responses"], results["suppressed"]) == (6, False)
    for question in ("confidence", "topics", "comment"):
        assert results["overall"][question] == {"answered": 1, "suppressed": True}, question
    assert results["overall"]["language"] == {"answered": 6, "suppressed": False,  # answered by all: as before
                                              "counts": {"english": 5, "chinese": 1, "russian": 0}}
    for cell in (*results["by_target_group"], *results["by_unit"]):
        assert (cell["suppressed"], cell["questions"]) == (False, results["overall"])
    north_only = api_as("hr", unit=north).get(f"{url}/results?unit_id={north.id}").json
    assert north_only["overall"] == results["overall"]
    assert north_only["by_target_group"][0]["questions"] == results["overall"]


def test_survey_results_hide_a_question_whose_few_answers_a_total_less_a_unit_would_give(api_as, factory, db_session):
    """Seven answered how confident they are, five in north: the whole less north gave south's two answers."""
    org_hr = api_as("hr")
    north, south = factory.unit(), factory.unit()
    url = survey_answered(api_as, db_session, org_hr, [
        (north, "leader", {"language": "english", "confidence": 4}, 5),
        (north, "leader", {"language": "english"}, 1),
        (south, "leader", {"language": "russian", "confidence": 1}, 2),
        (south, "leader", {"language": "chinese"}, 4)])

    whole = org_hr.get(f"{url}/results").json
    assert whole["overall"]["confidence"] == {"answered": 7, "suppressed": False, "mean": 3.14,
                                              "counts": {"1": 2, "4": 5}}
    by_unit = {unit["unit_id"]: unit for unit in whole["by_unit"]}
    assert [by_unit[unit.id]["suppressed"] for unit in (north, south)] == [False, False]
    assert [by_unit[unit.id]["questions"]["confidence"] for unit in (north, south)] == [
        {"answered": 5, "suppressed": True}, {"answered": 2, "suppressed": True}]
    assert by_unit[south.id]["questions"]["language"] == {  # answered by all of them: shown as before
        "answered": 6, "suppressed": False, "counts": {"english": 0, "chinese": 4, "russian": 2}}

    sums = all_sums_shown(org_hr, url, [north.id, south.id])
    for total, parts in sums:
        shown = total.get("questions", total.get("overall"))
        for question, entry in shown.items():
            if entry["suppressed"]:
                continue
            hidden = [part["questions"][question]["answered"] for part in parts
                      if part["questions"][question]["suppressed"]]
            assert not hidden or (len(hidden) > 1 and sum(hidden) >= 5), (question, total, parts)
    for unit in (north, south):  # one unit's view is that unit's cell of the whole view
        alone = org_hr.get(f"{url}/results?unit_id={unit.id}").json
        assert alone["overall"] == by_unit[unit.id]["questions"]
        assert alone["by_target_group"][0]["questions"] == alone["overall"]


def test_hr_of_a_unit_plans_lists_and_reads_surveys_for_the_units_below_it(api_as, factory, db_session, catalogue,
                                                                           positions, fake_clock):
    province = factory.unit()
    district = factory.unit()
    district.parent_id = province.id
    sibling = factory.unit()
    db_session.flush()
    person = api_as("candidate", unit=district)
    staff = add_staff(db_session, district, person.user, positions[4])
    placement(db_session, person.user, 2, {})
    province_hr, sibling_hr = api_as("hr", unit=province), api_as("hr", unit=sibling)

    planned = province_hr.post(f"/api/v1/staff/{staff.id}/path", json={})
    assert planned.status_code in (200, 201), planned.json
    assert province_hr.get(f"/api/v1/staff/{staff.id}/path").status_code == 200
    assert [p["staff_member_id"] for p in province_hr.get(f"/api/v1/paths?unit_id={district.id}").json] == [staff.id]
    problem(sibling_hr.post(f"/api/v1/staff/{staff.id}/path", json={}), 403)
    problem(sibling_hr.get(f"/api/v1/paths?unit_id={district.id}"), 403)
    problem(api_as("hr", unit=district).get(f"/api/v1/paths?unit_id={province.id}"), 403)  # never upwards

    survey = api_as("hr").post("/api/v1/surveys", json={"title": "Needs", "target_groups": ["leader"],
                                                        "questions": QUESTIONS}).json
    answered = person.post(f"/api/v1/surveys/{survey['id']}/responses",
                           json={"target_group": "leader", "answers": {"language": "english"}})
    assert answered.status_code == 201, answered.json
    results = province_hr.get(f"/api/v1/surveys/{survey['id']}/results?unit_id={district.id}").json
    assert results["responses"] == 1 and [u["unit_id"] for u in results["by_unit"]] == [district.id]
    problem(sibling_hr.get(f"/api/v1/surveys/{survey['id']}/results?unit_id={district.id}"), 403)


def test_cancelling_an_offering_drops_its_enrolments_and_replans_the_paths_that_used_it(
        keeper, hr, learner, catalogue, db_session):
    placement(db_session, learner.user, 3, {"speaking": 1, "reading": 2})
    path = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    first = path["steps"][0]
    enrolment = learner.post(f"/api/v1/offerings/{first['offering_id']}/enrolments",
                             json={"staff_member_id": learner.staff.id})
    assert enrolment.status_code == 201, enrolment.json
    url = f"/api/v1/offerings/{first['offering_id']}"

    problem(hr.post(f"{url}/cancel", json={"reason": "No teacher"}), 403)  # a unit's HR does not keep the catalogue
    assert fields_of(problem(keeper.post(f"{url}/cancel", json={}), 422)) == {"reason"}
    assert fields_of(problem(keeper.post(f"{url}/cancel", json={"reason": "  "}), 422)) == {"reason"}
    cancelled = keeper.post(f"{url}/cancel", json={"reason": "No teacher this month"})
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["cancelled_at"] and cancelled.json["cancellation_reason"] == "No teacher this month"
    assert cancelled.json["seats_left"] == 0 and keeper.get(url).json["cancelled_at"]

    assert db_session.get(Enrolment, enrolment.json["id"]).status == "dropped"
    replanned = learner.get("/api/v1/me/path").json
    again = next(step for step in replanned["steps"] if step["course_code"] == first["course_code"])
    assert again["offering_id"] != first["offering_id"] and again["status"] == "planned"
    assert again["starts_on"] > first["starts_on"]  # the next month's cohort
    refused = problem(learner.post(f"{url}/enrolments", json={"staff_member_id": learner.staff.id}), 409)
    assert fields_of(refused) == {"offering_id"}
    problem(keeper.post(f"{url}/cancel", json={"reason": "Twice"}), 409)
    problem(patch(keeper, url, {"seats": 5}), 409)


def test_moving_an_offering_moves_the_paths_that_use_it_and_seats_never_go_below_those_taken(
        keeper, hr, learner, catalogue, db_session, factory, unit):
    placement(db_session, learner.user, 3, {"speaking": 1, "reading": 2})
    first = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json["steps"][0]
    url = f"/api/v1/offerings/{first['offering_id']}"
    assert learner.post(f"{url}/enrolments", json={"staff_member_id": learner.staff.id}).status_code == 201

    assert fields_of(problem(patch(keeper, url, {"seats": 0}), 422)) == {"seats"}
    assert fields_of(problem(patch(keeper, url, {"venue": "x" * 201}), 422)) == {"venue"}
    assert fields_of(problem(patch(keeper, url, {"ends_on": "2026-11-30"}), 422)) == {"ends_on"}
    assert fields_of(problem(patch(keeper, url, {"starts_on": "2027-01-02", "ends_on": "2027-01-01"}),
                             422)) == {"ends_on"}
    assert fields_of(problem(patch(keeper, url, {"colour": "red"}), 422)) == {"colour"}
    problem(patch(hr, url, {"venue": "Room 2"}), 403)
    for _ in range(2):
        colleague = add_staff(db_session, unit, factory.user("candidate", unit=unit), None)
        db_session.add(Enrolment(offering_id=first["offering_id"], staff_member_id=colleague.id))
    db_session.flush()
    few = problem(patch(keeper, url, {"seats": 2}), 409)
    assert fields_of(few) == {"seats"} and few["seats_taken"] == 3

    moved = patch(keeper, url, {"starts_on": "2026-12-07", "ends_on": "2026-12-27", "seats": 3, "venue": "Hall B"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["seats"], moved.json["seats_left"], moved.json["venue"]) == (3, 0, "Hall B")
    step = next(s for s in learner.get("/api/v1/me/path").json["steps"] if s["offering_id"] == first["offering_id"])
    assert (step["starts_on"], step["ends_on"], step["status"]) == ("2026-12-07", "2026-12-27", "enrolled")


def test_an_offering_starts_today_or_later_keeps_its_first_day_once_started_and_its_record_once_ended(
        keeper, catalogue, fake_clock):
    fake_clock.set(datetime(2026, 11, 30, 17, 30, tzinfo=UTC))  # 00:30 on 1 December in Vietnam
    course_id = catalogue["EN23-W"][0]["course_id"]
    url = f"/api/v1/courses/{course_id}/offerings"
    late = problem(keeper.post(url, json={"starts_on": "2026-11-30", "ends_on": "2026-12-20"}), 422)
    assert fields_of(late) == {"starts_on"} and "2026-12-01" in late["detail"]
    assert keeper.post(url, json={"starts_on": "2026-12-01", "ends_on": "2026-12-20"}).status_code == 201

    january = f"/api/v1/offerings/{catalogue['EN23-W'][1]['id']}"  # 2027-01-01 to 2027-01-20
    assert fields_of(problem(patch(keeper, january, {"starts_on": "2026-11-30"}), 422)) == {"starts_on"}
    assert keeper.get(january).json["starts_on"] == "2027-01-01"
    moved = patch(keeper, january, {"starts_on": "2026-12-01"})  # today still takes seats: not started
    assert moved.status_code == 200, moved.json

    fake_clock.set(datetime(2026, 12, 5, 2, tzinfo=UTC))
    december = f"/api/v1/offerings/{catalogue['EN23-W'][0]['id']}"  # started on 2026-12-01
    kept = patch(keeper, december, {"starts_on": "2026-12-01", "ends_on": "2026-12-21", "venue": "Hall C"})
    assert kept.status_code == 200, kept.json  # its own first day, sent back unchanged
    assert (kept.json["starts_on"], kept.json["ends_on"]) == ("2026-12-01", "2026-12-21")
    assert fields_of(problem(patch(keeper, december, {"starts_on": "2026-12-04"}), 422)) == {"starts_on"}
    # Started: its people are in it, so its first day is a fact; a later one was accepted and moved the cohort.
    later = problem(patch(keeper, december, {"starts_on": "2026-12-08", "ends_on": "2026-12-28"}), 409)
    assert fields_of(later) == {"starts_on"} and "started on 2026-12-01" in later["detail"]
    assert patch(keeper, december, {"ends_on": "2026-12-24"}).status_code == 200  # its last day may move
    assert (keeper.get(december).json["starts_on"], keeper.get(december).json["ends_on"]) == ("2026-12-01",
                                                                                            "2026-12-24")
    fake_clock.set(datetime(2026, 12, 25, 2, tzinfo=UTC))  # ended yesterday: its record stays
    assert fields_of(problem(patch(keeper, december, {"venue": "Hall D"}), 409)) == {"offering_id"}
    assert keeper.get(december).json["venue"] == "Hall C"


@pytest.fixture
def reading_before_speaking(keeper, catalogue):
    """EN34-S needs EN34-R first."""
    course_id = catalogue["EN34-S"][0]["course_id"]
    assert patch(keeper, f"/api/v1/courses/{course_id}", {"prerequisites": ["EN34-R"]}).status_code == 200
    return catalogue


def schedule(body: dict) -> list[tuple[str, str, str, str]]:
    return [(s["course_code"], s["starts_on"], s["ends_on"], s["status"]) for s in body["steps"]]


def test_taking_a_later_seat_re_plans_the_courses_after_it_and_dropping_it_too(
        hr, learner, reading_before_speaking, db_session):
    catalogue = reading_before_speaking
    placement(db_session, learner.user, 3, {"speaking": 1, "reading": 2})
    planned = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={"deadline": "2027-02-28"}).json
    assert schedule(planned) == [("EN34-R", "2026-12-01", "2026-12-20", "planned"),
                                 ("EN34-S", "2027-01-01", "2027-01-20", "planned")]
    assert (planned["verdict"], planned["earliest_finish"]) == ("on_track", "2027-01-20")

    february = catalogue["EN34-R"][2]
    seat = learner.post(f"/api/v1/offerings/{february['id']}/enrolments", json={"staff_member_id": learner.staff.id})
    assert seat.status_code == 201, seat.json
    moved = learner.get("/api/v1/me/path").json
    assert schedule(moved) == [("EN34-R", "2027-02-01", "2027-02-20", "enrolled"),
                               ("EN34-S", "2027-03-01", "2027-03-20", "planned")]
    assert (moved["verdict"], moved["earliest_finish"]) == ("cannot_meet_deadline", "2027-03-20")
    assert moved["steps"][0]["enrolment_id"] == seat.json["id"]

    # seats that contradict the ones held are refused: the course needing EN34-R before EN34-R ends, a 2nd seat
    early = problem(learner.post(f"/api/v1/offerings/{catalogue['EN34-S'][2]['id']}/enrolments",
                                 json={"staff_member_id": learner.staff.id}), 409)
    assert fields_of(early) == {"offering_id"} and "EN34-R" in early["detail"]
    twice = problem(hr.post(f"/api/v1/offerings/{catalogue['EN34-R'][3]['id']}/enrolments",
                            json={"staff_member_id": learner.staff.id}), 409)
    assert fields_of(twice) == {"offering_id"} and twice["enrolment_id"] == seat.json["id"]

    dropped = patch(learner, f"/api/v1/enrolments/{seat.json['id']}", {"status": "dropped"})
    assert dropped.status_code == 200, dropped.json
    back = learner.get("/api/v1/me/path").json
    assert schedule(back) == schedule(planned)
    assert (back["verdict"], back["earliest_finish"]) == ("on_track", "2027-01-20")


def test_a_prerequisite_seat_must_end_before_the_seat_that_needs_it(keeper, hr, learner, reading_before_speaking,
                                                                    db_session):
    catalogue = reading_before_speaking
    placement(db_session, learner.user, 3, {})
    hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={})
    january = catalogue["EN34-S"][1]
    assert learner.post(f"/api/v1/offerings/{january['id']}/enrolments",
                        json={"staff_member_id": learner.staff.id}).status_code == 201
    body = learner.get("/api/v1/me/path").json
    assert schedule(body) == [("EN34-R", "2026-12-01", "2026-12-20", "planned"),
                              ("EN34-S", "2027-01-01", "2027-01-20", "enrolled")]
    late = problem(learner.post(f"/api/v1/offerings/{catalogue['EN34-R'][1]['id']}/enrolments",
                                json={"staff_member_id": learner.staff.id}), 409)
    assert fields_of(late) == {"offering_id"} and "EN34-S" in late["detail"]
    # December is cancelled: no offering of EN34-R ends before the January seat starts, and the path says so
    cancelled = keeper.post(f"/api/v1/offerings/{catalogue['EN34-R'][0]['id']}/cancel", json={"reason": "No room"})
    assert cancelled.status_code == 200, cancelled.json
    stuck = learner.get("/api/v1/me/path").json
    assert stuck["verdict"] == "no_offering"
    assert "course EN34-R has no offering with a free seat starting from 2026-11-23 and ending before the seat in " \
           "EN34-S starts (2027-01-01)" in stuck["reason"]
    assert schedule(stuck)[1] == ("EN34-S", "2027-01-01", "2027-01-20", "enrolled")


def test_the_sweep_re_plans_a_path_whose_seats_changed_behind_its_back(hr, learner, reading_before_speaking,
                                                                       db_session):
    """Paths left stale before enrolments re-planned them (only the enrolled step was patched) are repaired."""
    catalogue = reading_before_speaking
    placement(db_session, learner.user, 3, {})
    path = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={"deadline": "2027-02-28"}).json
    february = catalogue["EN34-R"][2]
    seat = Enrolment(offering_id=february["id"], staff_member_id=learner.staff.id, status="enrolled")
    db_session.add(seat)
    db_session.flush()
    stored = db_session.get(LearningPath, path["id"])
    reading = stored.steps[0]
    reading.offering_id, reading.enrolment_id, reading.status = february["id"], seat.id, "enrolled"
    reading.starts_on, reading.ends_on = date(2027, 2, 1), date(2027, 2, 20)
    db_session.flush()

    assert paths_service.refresh_all_paths(db_session) == (1, 1)
    assert [(s.course.code, s.starts_on.isoformat(), s.status) for s in stored.steps] == [
        ("EN34-R", "2027-02-01", "enrolled"), ("EN34-S", "2027-03-01", "planned")]
    assert (stored.verdict, stored.earliest_finish) == ("cannot_meet_deadline", date(2027, 3, 20))
    assert paths_service.refresh_all_paths(db_session) == (1, 0)  # up to date now: nothing more to do


def test_completion_is_recorded_by_hr_and_not_before_the_course_starts(
        hr, api_as, learner, catalogue, db_session, unit, positions, fake_clock):
    placement(db_session, learner.user, 3, {"speaking": 1, "reading": 2})
    first = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json["steps"][0]
    enrolment = learner.post(f"/api/v1/offerings/{first['offering_id']}/enrolments",
                             json={"staff_member_id": learner.staff.id}).json
    url = f"/api/v1/enrolments/{enrolment['id']}"

    refused = problem(patch(learner, url, {"status": "completed"}), 403)
    assert fields_of(refused) == {"status"}
    reported = patch(learner, url, {"progress": 100})
    assert (reported.json["status"], reported.json["progress"], reported.json["completed_at"]) == (
        "in_progress", 100, None)
    assert learner.get("/api/v1/me/path").json["status"] == "open"

    early = problem(patch(hr, url, {"status": "completed"}), 409)  # the clock stands at 2026-11-23
    assert fields_of(early) == {"status"} and first["starts_on"] in early["detail"]
    assert fields_of(problem(patch(hr, url, {"progress": 100}), 409)) == {"progress"}
    fake_clock.set(datetime(2026, 12, 1, 2, tzinfo=UTC))  # 09:00 in Vietnam on the first day
    done = patch(hr, url, {"status": "completed"})
    assert (done.json["status"], done.json["progress"]) == ("completed", 100)

    # HR who is also a learner does not sign off their own course
    colleague = api_as("hr", "candidate", unit=unit)
    colleague.staff = add_staff(db_session, unit, colleague.user, positions[4])
    own = colleague.post(f"/api/v1/offerings/{first['offering_id']}/enrolments",
                         json={"staff_member_id": colleague.staff.id}).json
    assert fields_of(problem(patch(colleague, f"/api/v1/enrolments/{own['id']}", {"status": "completed"}),
                             403)) == {"status"}
    assert patch(hr, f"/api/v1/enrolments/{own['id']}", {"status": "completed"}).json["status"] == "completed"


def test_an_offering_that_has_started_takes_no_new_seat_from_the_person_or_hr(
        hr, api_as, learner, catalogue, db_session, unit, positions, fake_clock):
    """Enrolment took seats in an offering that had started, one planning treats as closed."""
    december = catalogue["EN34-S"][0]  # 2026-12-01 to 2026-12-20
    url = f"/api/v1/offerings/{december['id']}/enrolments"
    colleague = api_as("candidate", unit=unit)
    colleague.staff = add_staff(db_session, unit, colleague.user, positions[4])
    fake_clock.set(datetime(2026, 12, 1, 16, 59, tzinfo=UTC))  # 23:59 in Vietnam on its first day: still open
    first_day = learner.post(url, json={"staff_member_id": learner.staff.id})
    assert first_day.status_code == 201, first_day.json

    fake_clock.set(datetime(2026, 12, 1, 17, tzinfo=UTC))  # midnight in Vietnam: 2 December, it has started
    for client in (colleague, hr):
        refused = problem(client.post(url, json={"staff_member_id": colleague.staff.id}), 409)
        assert fields_of(refused) == {"offering_id"}
        assert refused["starts_on"] == "2026-12-01" and "2026-12-01" in refused["detail"]
    assert db_session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.offering_id == december["id"])) == 1
    # the seat taken before stays and goes on; once dropped, it is not taken again
    seat = f"/api/v1/enrolments/{first_day.json['id']}"
    assert patch(learner, seat, {"progress": 30}).json["status"] == "in_progress"
    assert patch(learner, seat, {"status": "dropped"}).json["status"] == "dropped"
    assert fields_of(problem(hr.post(url, json={"staff_member_id": learner.staff.id}), 409)) == {"offering_id"}


def test_the_sweep_re_plans_steps_whose_offering_filled_up_or_started_and_keeps_the_seats_held(
        hr, api_as, learner, catalogue, db_session, unit, positions, fake_clock):
    from learning.training_models import CourseOffering

    placement(db_session, learner.user, 3, {"speaking": 1, "reading": 2})
    path = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert schedule(path) == [("EN34-S", "2026-12-01", "2026-12-20", "planned"),
                              ("EN34-R", "2027-01-01", "2027-01-20", "planned")]
    stored = db_session.get(LearningPath, path["id"])

    def planned() -> list[tuple[str, str, str]]:
        return [(s.course.code, s.starts_on.isoformat(), s.status) for s in stored.steps]

    # December's speaking course fills up: a colleague takes its last seat, so the learner cannot join it
    december = db_session.get(CourseOffering, catalogue["EN34-S"][0]["id"])
    colleague = add_staff(db_session, unit, api_as("candidate", unit=unit).user, positions[4])
    db_session.add(Enrolment(offering_id=december.id, staff_member_id=colleague.id, status="enrolled"))
    december.seats = 1
    db_session.flush()
    fake_clock.advance(minutes=5)  # a re-plan shows in planned_at
    assert paths_service.refresh_all_paths(db_session) == (1, 1)
    assert planned() == [("EN34-S", "2027-01-01", "planned"), ("EN34-R", "2027-02-01", "planned")]
    assert paths_service.refresh_all_paths(db_session) == (1, 0)

    # the learner takes January's seat; once January's and February's courses have started, the seat held in
    # January stays, and the reading step planned in February (which can no longer be joined) moves to March
    january = catalogue["EN34-S"][1]
    assert learner.post(f"/api/v1/offerings/{january['id']}/enrolments",
                        json={"staff_member_id": learner.staff.id}).status_code == 201
    db_session.expire_all()  # the request re-planned the path in its own session
    assert planned() == [("EN34-S", "2027-01-01", "enrolled"), ("EN34-R", "2027-02-01", "planned")]
    fake_clock.set(datetime(2027, 1, 2, 2, tzinfo=UTC))
    assert paths_service.refresh_all_paths(db_session) == (1, 0)  # nothing planned has started
    fake_clock.set(datetime(2027, 2, 2, 2, tzinfo=UTC))
    assert paths_service.refresh_all_paths(db_session) == (1, 1)
    assert planned() == [("EN34-S", "2027-01-01", "enrolled"), ("EN34-R", "2027-03-01", "planned")]
    assert stored.steps[0].offering_id == january["id"]
    assert paths_service.refresh_all_paths(db_session) == (1, 0)


def test_a_course_completed_before_is_taken_again_in_one_seat_at_a_time(hr, keeper, learner, catalogue, db_session,
                                                                        fake_clock):
    """Once a course was completed, its seats were no longer held against each other: one person took four."""
    placement(db_session, learner.user, 2, {})
    hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={})
    course = keeper.get("/api/v1/courses").json[0]
    first = keeper.post(f"/api/v1/courses/{course['id']}/offerings",
                        json={"starts_on": fake_clock.now.date().isoformat(),
                              "ends_on": (fake_clock.now.date() + timedelta(days=7)).isoformat()}).json
    seat = learner.post(f"/api/v1/offerings/{first['id']}/enrolments", json={"staff_member_id": learner.staff.id})
    assert patch(hr, f"/api/v1/enrolments/{seat.json['id']}", {"status": "completed"}).status_code == 200
    again, *others = catalogue[course["code"]][:4]
    assert learner.post(f"/api/v1/offerings/{again['id']}/enrolments",
                        json={"staff_member_id": learner.staff.id}).status_code == 201  # taken again: one seat
    for offering in others:
        refused = learner.post(f"/api/v1/offerings/{offering['id']}/enrolments",
                               json={"staff_member_id": learner.staff.id})
        assert refused.status_code == 409
        assert f"holds a seat in {course['code']} already (offering {again['id']})" in refused.json["detail"]
        assert keeper.get(f"/api/v1/offerings/{offering['id']}").json["seats_taken"] == 0


# --- the catalogue changing under planned paths ------------------------------------------------------------

def add_course(keeper, code: str, band: tuple[int, int], *, offered: tuple[str, str] | None = None,
               language: str = "en") -> dict:
    made = keeper.post("/api/v1/courses", json={"code": code, "title": f"English {band[0]} to {band[1]}",
                                                "language": language, "from_level": band[0], "to_level": band[1],
                                                "hours": 60, "capacity": 20})
    assert made.status_code == 201, made.json
    if offered is not None:
        offer(keeper, made.json, offered)
    return made.json


def offer(keeper, course: dict, dates: tuple[str, str]) -> dict:
    made = keeper.post(f"/api/v1/courses/{course['id']}/offerings", json={"starts_on": dates[0], "ends_on": dates[1]})
    assert made.status_code == 201, made.json
    return made.json


def planned_steps(body: dict) -> list[tuple[str, int | None, str]]:
    return [(step["course_code"], step["offering_id"], step["status"]) for step in body["steps"]]


def test_reading_and_the_sweep_re_plan_a_path_when_a_course_gets_an_offering_or_is_added(
        keeper, hr, learner, db_session, fake_clock):
    certify(db_session, learner.user, 3)
    first = add_course(keeper, "EN34-A", (3, 4))
    url = f"/api/v1/staff/{learner.staff.id}/path"
    planned = hr.post(url, json={}).json
    assert (planned["verdict"], planned_steps(planned)) == ("no_offering", [("EN34-A", None, "planned")])
    db_session.expire_all()
    assert paths_service.refresh_all_paths(db_session) == (1, 0)  # nothing new: left as planned

    january = offer(keeper, first, ("2027-01-04", "2027-02-26"))
    fake_clock.advance(minutes=5)
    db_session.expire_all()
    assert paths_service.refresh_all_paths(db_session) == (1, 1)
    mine = learner.get("/api/v1/me/path").json
    assert (mine["verdict"], planned_steps(mine)) == ("on_track", [("EN34-A", january["id"], "planned")])
    db_session.expire_all()
    assert paths_service.refresh_all_paths(db_session) == (1, 0)

    # a seat taken stays when another course of the band joins the catalogue: the new course follows it
    seat = learner.post(f"/api/v1/offerings/{january['id']}/enrolments", json={"staff_member_id": learner.staff.id})
    assert seat.status_code == 201, seat.json
    march = offer(keeper, add_course(keeper, "EN34-B", (3, 4)), ("2027-03-01", "2027-03-26"))
    fake_clock.advance(minutes=5)
    read = hr.get(url).json
    assert planned_steps(read) == [("EN34-A", january["id"], "enrolled"), ("EN34-B", march["id"], "planned")]
    assert read["steps"][0]["enrolment_id"] == seat.json["id"]
    fake_clock.advance(minutes=5)
    assert hr.get(url).json["planned_at"] == read["planned_at"]  # read again, nothing changed: not re-planned


def test_reading_a_path_drops_a_course_re_banded_or_moved_to_another_language_and_says_what_is_missing(
        keeper, hr, learner, db_session, fake_clock):
    certify(db_session, learner.user, 3)
    kept = add_course(keeper, "EN34-A", (3, 4), offered=("2027-01-04", "2027-02-26"))
    moved = add_course(keeper, "EN34-B", (3, 4), offered=("2027-03-01", "2027-03-26"))
    url = f"/api/v1/staff/{learner.staff.id}/path"
    assert steps(hr.post(url, json={}).json) == ["EN34-A", "EN34-B"]

    assert patch(keeper, f"/api/v1/courses/{moved['id']}", {"from_level": 4, "to_level": 5}).status_code == 200
    fake_clock.advance(minutes=5)
    assert steps(learner.get("/api/v1/me/path").json) == ["EN34-A"]  # a level-3 person needing 4: 4->5 is not theirs

    assert patch(keeper, f"/api/v1/courses/{kept['id']}", {"language": "fr"}).status_code == 200
    fake_clock.advance(minutes=5)
    db_session.expire_all()
    assert paths_service.refresh_all_paths(db_session) == (1, 1)
    body = hr.get(url).json
    assert (body["verdict"], body["steps"]) == ("no_course", [])
    assert body["reason"] == "no course takes a learner from level 3 to 4"

    assert patch(keeper, f"/api/v1/courses/{moved['id']}", {"from_level": 3, "to_level": 4}).status_code == 200
    fake_clock.advance(minutes=5)
    body = hr.get(url).json  # a no_course path that can now be planned is
    assert (body["verdict"], steps(body)) == ("on_track", ["EN34-B"])
    db_session.expire_all()
    assert paths_service.refresh_all_paths(db_session) == (1, 0)


def test_a_course_language_is_a_code_as_a_positions_is(keeper, db_session):
    for language in ("EN", "English", "en-US", "en\n"):
        body = problem(keeper.post("/api/v1/courses", json={
            "code": "EN34", "title": "English 3 to 4", "language": language, "from_level": 3, "to_level": 4,
            "hours": 60, "capacity": 20}), 422)
        assert fields_of(body) == {"language"}, language
    course = add_course(keeper, "EN34", (3, 4))
    assert fields_of(problem(patch(keeper, f"/api/v1/courses/{course['id']}", {"language": "EN"}), 422)) == {
        "language"}
    assert keeper.get(f"/api/v1/courses/{course['id']}").json["language"] == "en"
    # the domain's rule too, for callers other than the API
    with pytest.raises(RuleViolation) as refused:
        catalogue_services._check_course(db_session, {"kind": "professional", "language": "English",
                                                      "prerequisites": []}, code="PRO-1")
    assert refused.value.field == "language"


def test_a_course_spanning_two_levels_is_planned_for_the_bands_it_covers(keeper, hr, learner, db_session):
    certify(db_session, learner.user, 2)
    january = offer(keeper, add_course(keeper, "EN24", (2, 4)), ("2027-01-04", "2027-04-30"))
    body = hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert (body["verdict"], planned_steps(body)) == ("on_track", [("EN24", january["id"], "planned")])
    assert body["steps"][0]["band"] == [2, 4]


def test_a_units_paths_take_in_its_sub_units(api_as, factory, db_session, positions, fake_clock):
    province, district = factory.unit(), factory.unit()
    district.parent_id = province.id
    db_session.flush()
    people = {}
    for unit in (province, district):
        person = api_as("candidate", unit=unit)
        people[unit.id] = add_staff(db_session, unit, person.user, positions[4])
        certify(db_session, person.user, 3)
    province_hr = api_as("hr", unit=province)
    for staff in people.values():
        assert province_hr.post(f"/api/v1/staff/{staff.id}/path", json={}).status_code == 200
    listed = province_hr.get(f"/api/v1/paths?unit_id={province.id}").json
    assert [p["staff_member_id"] for p in listed] == [people[province.id].id, people[district.id].id]
    listed = province_hr.get(f"/api/v1/paths?unit_id={district.id}").json
    assert [p["staff_member_id"] for p in listed] == [people[district.id].id]


def test_a_course_a_path_holds_is_not_deleted_and_the_refusal_says_so(keeper, hr, learner, db_session):
    certify(db_session, learner.user, 3)
    course = add_course(keeper, "EN34", (3, 4))
    assert steps(hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json) == ["EN34"]
    for _ in range(2):  # the same answer every time: retrying does not help
        body = problem(keeper.delete(f"/api/v1/courses/{course['id']}"), 409)
        assert fields_of(body) == {"course_id"}
        assert body["paths"] == 1 and "EN34 is a step of 1 learning path" in body["detail"]
    assert keeper.get(f"/api/v1/courses/{course['id']}").status_code == 200


def test_ids_beyond_what_the_database_stores_are_a_422_naming_the_field(keeper, hr, learner, catalogue, api_as):
    offering = catalogue["EN34-S"][0]["id"]
    survey = api_as("hr").post("/api/v1/surveys", json={"title": "T", "target_groups": ["leader"],
                                                        "questions": QUESTIONS}).json
    for too_large in (2**31, 2**64):
        body = problem(hr.get(f"/api/v1/paths?unit_id={too_large}"), 422)
        assert fields_of(body) == {"unit_id"}
        body = problem(keeper.get(f"/api/v1/surveys/{survey['id']}/results?unit_id={too_large}"), 422)
        assert fields_of(body) == {"unit_id"}
        body = problem(hr.post(f"/api/v1/offerings/{offering}/enrolments", json={"staff_member_id": too_large}), 422)
        assert fields_of(body) == {"staff_member_id"}

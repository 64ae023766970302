"""Issue 7's gaps: job positions with a date, external-relations staff's own plan and surveys (both databases)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from learning.models import JobPosition, Unit
from learning.training_models import Enrolment, StepStatus
from tests.api.test_learning_paths import add_staff, fields_of, patch, placement, problem, steps

# The fake clock starts on 2026-11-23; offerings run monthly, 1st to 20th, from December 2026 to May 2027.
MONTHS = [(2026, 12), (2027, 1), (2027, 2), (2027, 3), (2027, 4), (2027, 5)]
COURSES = [  # code, kind, band, prerequisites
    ("EN23", "language", (2, 3), []),
    ("EN34", "language", (3, 4), []),
    ("PRO-DIPLOMACY", "professional", None, []),
    ("EA-NEGOTIATION", "external_affairs", None, ["PRO-DIPLOMACY"]),
]


@pytest.fixture
def org_hr(api_as, fake_clock):
    return api_as("hr")


@pytest.fixture
def offerings(org_hr):
    """Two English courses, one professional and one external-affairs course, each offered every month."""
    made = {}
    for code, kind, band, prerequisites in COURSES:
        body = {"code": code, "title": f"Course {code}", "kind": kind, "hours": 40, "capacity": 20,
                "prerequisites": prerequisites}
        if band is not None:
            body |= {"language": "en", "from_level": band[0], "to_level": band[1]}
        response = org_hr.post("/api/v1/courses", json=body)
        assert response.status_code == 201, response.json
        made[code] = [org_hr.post(f"/api/v1/courses/{response.json['id']}/offerings", json={
            "starts_on": date(year, month, 1).isoformat(), "ends_on": date(year, month, 20).isoformat()}).json
            for year, month in MONTHS]
    return made


@pytest.fixture
def er_units(db_session):
    """The External Relations Department (code 88, as in units.csv) and a division under it."""
    department = Unit(code="88", name="Ban Đối ngoại", group="vgcl_department")
    db_session.add(department)
    db_session.flush()
    division = Unit(code="88-ASIA", name="Asia-Pacific division", group="vgcl_department", parent_id=department.id)
    db_session.add(division)
    db_session.flush()
    return department, division


@pytest.fixture
def officer(db_session):
    position = JobPosition(title="External relations officer", language="en", required_level=4)
    db_session.add(position)
    db_session.flush()
    return position


def person(api_as, db_session, unit, position, *, level: int | None = 2, **flags):
    client = api_as("candidate", unit=unit)
    client.staff = add_staff(db_session, unit, client.user, position)
    for name, value in flags.items():
        setattr(client.staff, name, value)
    db_session.flush()
    if level is not None:
        placement(db_session, client.user, level, {})
    return client


# --- job positions ----------------------------------------------------------------------------------------

def test_positions_are_created_listed_and_changed_by_organisation_wide_hr(org_hr, api_as, factory):
    made = org_hr.post("/api/v1/positions", json={"title": "Department manager", "language": "en",
                                                  "required_level": 4, "is_leadership": True,
                                                  "required_by": "2030-12-31"})
    assert made.status_code == 201, made.json
    assert made.json | {"id": 0} == {"id": 0, "title": "Department manager", "language": "en", "required_level": 4,
                                     "is_leadership": True, "required_by": "2030-12-31"}
    url = f"/api/v1/positions/{made.json['id']}"
    assert made.json in org_hr.get("/api/v1/positions").json
    changed = patch(org_hr, url, {"required_by": "2029-06-30", "required_level": 5})
    assert changed.status_code == 200, changed.json
    assert (changed.json["required_by"], changed.json["required_level"]) == ("2029-06-30", 5)
    assert patch(org_hr, url, {"required_by": None}).json["required_by"] is None
    assert org_hr.get(url).json["required_level"] == 5

    unit_hr = api_as("hr", unit=factory.unit())
    assert unit_hr.get("/api/v1/positions").status_code == 200
    problem(unit_hr.post("/api/v1/positions", json={"title": "X", "required_level": 3}), 403)
    problem(patch(unit_hr, url, {"required_level": 3}), 403)
    problem(org_hr.post("/api/v1/positions", json={"title": "Department manager", "required_level": 3}), 409)
    problem(org_hr.get("/api/v1/positions/999999"), 404)


def test_position_input_is_checked_field_by_field(org_hr):
    for body, field in (({"title": "A", "required_level": 7}, "required_level"),
                        ({"title": "A", "required_level": 0}, "required_level"),
                        ({"title": "A", "required_level": "4"}, "required_level"),
                        ({"title": "A", "required_level": 4, "language": "English"}, "language"),
                        ({"title": "A", "required_level": 4, "required_by": "31/12/2030"}, "required_by"),
                        ({"title": "", "required_level": 4}, "title"),
                        ({"title": "A", "required_level": 4, "colour": "red"}, "colour")):
        assert field in fields_of(problem(org_hr.post("/api/v1/positions", json=body), 422)), body
    made = org_hr.post("/api/v1/positions", json={"title": "A", "required_level": 3}).json
    assert made["language"] == "en"
    assert made["required_by"] is None
    problem(patch(org_hr, f"/api/v1/positions/{made['id']}", {}), 422)


def test_the_positions_date_becomes_the_paths_deadline_and_an_explicit_one_wins(
        org_hr, api_as, db_session, factory, offerings, officer):
    officer.required_by = date(2027, 6, 30)
    learner = person(api_as, db_session, factory.unit(), officer)
    url = f"/api/v1/staff/{learner.staff.id}/path"
    body = org_hr.post(url, json={}).json
    assert (body["deadline"], body["deadline_from_position"], body["verdict"]) == ("2027-06-30", True, "on_track")
    assert body["external_relations"] is False
    # The path follows the position's date when it changes.
    assert patch(org_hr, f"/api/v1/positions/{officer.id}", {"required_by": "2027-07-31"}).status_code == 200
    assert learner.get("/api/v1/me/path").json["deadline"] == "2027-07-31"
    # An explicit deadline wins, and stays when re-planned or refreshed without one.
    explicit = org_hr.post(url, json={"deadline": "2027-05-31"}).json
    assert (explicit["deadline"], explicit["deadline_from_position"]) == ("2027-05-31", False)
    assert org_hr.post(url, json={}).json["deadline"] == "2027-05-31"
    assert patch(org_hr, f"/api/v1/positions/{officer.id}", {"required_by": "2027-08-31"}).status_code == 200
    assert learner.get("/api/v1/me/path").json["deadline"] == "2027-05-31"


def test_a_positions_date_that_cannot_be_reached_gives_the_cannot_meet_deadline_verdict(
        org_hr, api_as, db_session, factory, offerings, officer):
    learner = person(api_as, db_session, factory.unit(), officer)
    changed = patch(org_hr, f"/api/v1/positions/{officer.id}", {"required_by": "2027-01-10"})
    assert changed.status_code == 200, changed.json
    body = org_hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert steps(body) == ["EN23", "EN34"]
    assert (body["deadline"], body["verdict"], body["earliest_finish"]) == (
        "2027-01-10", "cannot_meet_deadline", "2027-01-20")
    assert "2027-01-10" in body["reason"]


def test_a_position_without_a_date_keeps_the_paths_previous_deadline(
        org_hr, api_as, db_session, factory, offerings, officer):
    learner = person(api_as, db_session, factory.unit(), officer)
    url = f"/api/v1/staff/{learner.staff.id}/path"
    assert org_hr.post(url, json={}).json["deadline"] is None
    assert org_hr.post(url, json={"deadline": "2027-03-31"}).json["deadline"] == "2027-03-31"
    assert org_hr.post(url, json={}).json["deadline"] == "2027-03-31"


# --- external-relations staff's own plan ------------------------------------------------------------------

def test_external_relations_staff_get_professional_and_external_affairs_courses_after_the_language_steps(
        org_hr, api_as, db_session, offerings, officer, er_units):
    _, division = er_units
    learner = person(api_as, db_session, division, officer)  # a sub-unit of the department counts
    body = org_hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert (body["verdict"], body["external_relations"]) == ("on_track", True), body
    assert steps(body) == ["EN23", "EN34", "PRO-DIPLOMACY", "EA-NEGOTIATION"]
    assert [s["kind"] for s in body["steps"]] == ["language", "language", "professional", "external_affairs"]
    assert [s["band"] for s in body["steps"]] == [[2, 3], [3, 4], None, None]
    assert [s["starts_on"] for s in body["steps"]] == ["2026-12-01", "2027-01-01", "2027-02-01", "2027-03-01"]
    assert body["earliest_finish"] == "2027-03-20"
    assert learner.get("/api/v1/me/path").json["steps"][2]["kind"] == "professional"


def test_the_deadline_covers_the_non_language_steps_too(org_hr, api_as, db_session, offerings, officer, er_units):
    department, _ = er_units
    learner = person(api_as, db_session, department, officer)
    body = org_hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={"deadline": "2027-02-28"}).json
    assert (body["verdict"], body["earliest_finish"]) == ("cannot_meet_deadline", "2027-03-20")


def test_staff_marked_as_external_relations_in_another_unit_get_them_too(
        org_hr, api_as, db_session, factory, offerings, officer):
    provincial = factory.unit("provincial_federation")
    learner = person(api_as, db_session, provincial, officer, is_external_relations=True)
    body = org_hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert steps(body) == ["EN23", "EN34", "PRO-DIPLOMACY", "EA-NEGOTIATION"]


def test_a_path_follows_when_someone_becomes_or_stops_being_external_relations_staff(
        org_hr, api_as, db_session, factory, offerings, officer, er_units):
    department, _ = er_units
    elsewhere = factory.unit()
    learner = person(api_as, db_session, elsewhere, officer)
    assert steps(org_hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json) == ["EN23", "EN34"]
    assert patch(org_hr, f"/api/v1/staff/{learner.staff.id}", {"unit_id": department.id}).status_code == 200
    assert steps(learner.get("/api/v1/me/path").json) == ["EN23", "EN34", "PRO-DIPLOMACY", "EA-NEGOTIATION"]
    assert patch(org_hr, f"/api/v1/staff/{learner.staff.id}", {"unit_id": elsewhere.id}).status_code == 200
    assert steps(learner.get("/api/v1/me/path").json) == ["EN23", "EN34"]


def test_other_staff_never_get_non_language_courses(org_hr, api_as, db_session, factory, offerings, officer,
                                                    er_units):
    learner = person(api_as, db_session, factory.unit(), officer)
    body = org_hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert steps(body) == ["EN23", "EN34"]
    assert {s["kind"] for s in body["steps"]} == {"language"}


def test_completed_and_held_courses_are_respected_and_a_met_level_leaves_the_other_courses(
        org_hr, api_as, db_session, offerings, officer, er_units, fake_clock):
    department, _ = er_units
    learner = person(api_as, db_session, department, officer, level=4)  # a placement level meets level 4
    db_session.add(Enrolment(offering_id=offerings["PRO-DIPLOMACY"][0]["id"], staff_member_id=learner.staff.id,
                             status=StepStatus.COMPLETED, progress=100))
    db_session.flush()
    body = org_hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert (body["status"], body["verdict"]) == ("open", "on_track")
    assert steps(body) == ["EA-NEGOTIATION"]
    assert body["steps"][0]["starts_on"] == "2026-12-01"

    enrolled = learner.post(f"/api/v1/offerings/{offerings['EA-NEGOTIATION'][2]['id']}/enrolments",
                            json={"staff_member_id": learner.staff.id})
    assert enrolled.status_code == 201, enrolled.json
    body = org_hr.post(f"/api/v1/staff/{learner.staff.id}/path", json={}).json
    assert (body["steps"][0]["offering_id"], body["steps"][0]["status"]) == (
        offerings["EA-NEGOTIATION"][2]["id"], "enrolled")
    reported = patch(learner, f"/api/v1/enrolments/{enrolled.json['id']}", {"progress": 100})
    assert (reported.json["status"], reported.json["progress"]) == ("in_progress", 100)  # HR confirms completion
    fake_clock.set(datetime(2027, 2, 20, 9, tzinfo=UTC))
    done = patch(org_hr, f"/api/v1/enrolments/{enrolled.json['id']}", {"progress": 100})
    assert (done.json["status"], done.json["progress"]) == ("completed", 100)
    assert learner.get("/api/v1/me/path").json["status"] == "ready_for_retest"


# --- surveys for external-relations staff ---------------------------------------------------------------

QUESTIONS = [{"id": "language", "text": "Which language do you need most?", "type": "choice",
              "options": ["english", "chinese"], "required": True},
             {"id": "confidence", "text": "Confidence with foreign partners", "type": "scale", "min": 1, "max": 5}]


def test_only_external_relations_staff_answer_a_survey_for_them_and_results_stay_by_group_and_unit(
        org_hr, api_as, db_session, factory, er_units):
    department, division = er_units
    made = org_hr.post("/api/v1/surveys", json={"title": "External-relations training needs 2027",
                                                "questions": QUESTIONS, "target_groups": ["leader", "specialist"],
                                                "audience": "external_relations"})
    assert made.status_code == 201, made.json
    assert made.json["audience"] == "external_relations"
    url = f"/api/v1/surveys/{made.json['id']}"
    provincial = factory.unit("provincial_federation")
    answers = [(department, {}, "leader", "english", 4), (division, {}, "specialist", "chinese", 2),
               (provincial, {"is_external_relations": True}, "specialist", "english", 3)]
    for unit, flags, group, language, confidence in answers:
        for _ in range(5):  # the fewest respondents whose answers a cell of the results shows
            who = person(api_as, db_session, unit, None, level=None, **flags)
            response = who.post(f"{url}/responses", json={
                "target_group": group, "answers": {"language": language, "confidence": confidence}})
            assert response.status_code == 201, response.json

    outsider = person(api_as, db_session, factory.unit(), None, level=None)
    body = problem(outsider.post(f"{url}/responses", json={"target_group": "leader",
                                                          "answers": {"language": "english"}}), 403)
    assert "external-relations staff" in body["detail"]

    results = org_hr.get(f"{url}/results").json
    assert results["responses"] == 15
    by_group = {g["target_group"]: g for g in results["by_target_group"]}
    assert by_group["specialist"]["responses"] == 10
    assert by_group["leader"]["questions"]["confidence"]["mean"] == 4
    by_unit = {u["unit_id"]: u for u in results["by_unit"]}
    assert set(by_unit) == {department.id, division.id, provincial.id}
    assert by_unit[division.id]["by_target_group"] == {"specialist": 5}
    provincial_only = org_hr.get(f"{url}/results?unit_id={provincial.id}").json
    assert provincial_only["responses"] == 5
    assert provincial_only["overall"]["language"]["counts"] == {"english": 5, "chinese": 0}


def test_a_survey_for_everyone_stays_the_default(org_hr, api_as, db_session, factory):
    made = org_hr.post("/api/v1/surveys", json={"title": "T", "questions": QUESTIONS, "target_groups": ["leader"]})
    assert made.json["audience"] == "all"
    who = person(api_as, db_session, factory.unit(), None, level=None)
    assert who.post(f"/api/v1/surveys/{made.json['id']}/responses", json={
        "target_group": "leader", "answers": {"language": "english"}}).status_code == 201
    body = problem(org_hr.post("/api/v1/surveys", json={"title": "T", "questions": QUESTIONS,
                                                        "target_groups": ["leader"], "audience": "everyone"}), 422)
    assert "audience" in fields_of(body)


def test_hr_marks_a_staff_member_as_external_relations(org_hr, api_as, db_session, factory):
    who = person(api_as, db_session, factory.unit(), None, level=None)
    edited = patch(org_hr, f"/api/v1/staff/{who.staff.id}", {"is_external_relations": True})
    assert edited.status_code == 200, edited.json
    assert edited.json["is_external_relations"] is True


def test_the_positions_endpoints_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/positions", "/api/v1/positions/{position_id}"):
        assert path in spec["paths"], path
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/positions"])
    assert "patch" in spec["paths"]["/api/v1/positions/{position_id}"]
    assert "required_by" in spec["components"]["schemas"]["Position"]["properties"]

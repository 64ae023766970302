"""The authorization matrix: every endpoint of the route table × every role, anonymous, and HR of another unit.

The expected outcome of each cell is written out below (ADMITTED), so a change of who may do what shows
in review, and an endpoint that is added without a declared rule (api.access) or without a row here fails.
Every request runs against one world of real objects (an exam handed in and in marking, a certificate,
staff of unit A, a course, a path, a survey, ...) inside a savepoint that is rolled back afterwards, so
each cell sees the same world. A cell that is not admitted must answer 401 (anonymous) or 403/404, and a
role the endpoint's rule turns away gets its 403 before the request is parsed. No response to someone
outside unit A, or to a rater, ever carries the name of unit A's staff member. An attempt that the caller
may not see answers exactly as one that does not exist (AS_IF_MISSING), so that its id tells nothing.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from flask import Flask

from sqlalchemy import select

from api import access
import question_bank.services as question_bank
from assessment import certification
from assessment.models import RecordingPlay
from core import clock
from core.accounts import ApiToken
from core.accounts.security import hash_token
from learning.models import JobPosition, StaffMember
from question_bank.models import Item
from tests.api.test_external_certificates import form as external_certificate_form
from tests.api.test_learning_paths import placement
from tests.api.test_permissions import without_attempt_id
from tests.api.test_rating import _hand_in as hand_in
from tests.api.test_vstep_exam import OGG_RECORDING, _exam_payload
from tests.factories import ApiClient

PRINCIPALS = ("anonymous", "candidate", "author", "reviewer", "rater", "senior_rater", "test_admin", "hr",
              "hr_other_unit", "hr_organisation", "admin")
PLAY_TOKEN = "matrix-play-token"
SECRET_NAME = "Matrixa Unitalpha"  # unit A's staff member (and the candidate): never shown outside unit A
NEVER_SEE_UNIT_A = ("anonymous", "author", "reviewer", "rater", "senior_rater", "hr_other_unit")

ALL = " ".join(PRINCIPALS)
SIGNED = " ".join(PRINCIPALS[1:])
# Who gets through each operation in this world (everyone else: 401 anonymous, else 403 or 404).
ADMITTED: dict[str, str] = {
    "GET /api/v1/attempts/{attempt_id}": "candidate test_admin admin",
    "GET /api/v1/attempts/{attempt_id}/marking": "test_admin admin",
    "PUT /api/v1/attempts/{attempt_id}/responses/{position}": "candidate",
    "GET /api/v1/attempts/{attempt_id}/result": "candidate test_admin admin",
    "POST /api/v1/attempts/{attempt_id}/sections/{index}/finish": "candidate",
    "PUT /api/v1/attempts/{attempt_id}/sections/{skill}/score": "test_admin admin",
    "POST /api/v1/attempts/{attempt_id}/submit": "candidate",
    "POST /api/v1/attempts/{attempt_id}/plays": "candidate",
    "GET /api/v1/plays/{token}/{sha256}": "candidate",
    "GET /api/v1/audit": "admin",
    "POST /api/v1/auth/login": ALL,
    "POST /api/v1/auth/logout": ALL,
    "GET /api/v1/auth/me": SIGNED,
    "POST /api/v1/auth/tokens": SIGNED,
    "GET /api/v1/auth/tokens": SIGNED,
    "DELETE /api/v1/auth/tokens/{token_id}": "candidate",  # the candidate's own token
    "GET /api/v1/certificates": SIGNED,
    "GET /api/v1/certificates/{certificate_id}": "candidate test_admin hr hr_organisation admin",
    "GET /api/v1/certificates/{certificate_id}/pdf": "candidate test_admin hr hr_organisation admin",
    "POST /api/v1/certificates/{certificate_id}/revoke": "admin",
    "GET /api/v1/courses": SIGNED,
    "POST /api/v1/courses": "hr_organisation admin",
    "DELETE /api/v1/courses/{course_id}": "hr_organisation admin",
    "GET /api/v1/courses/{course_id}": SIGNED,
    "PATCH /api/v1/courses/{course_id}": "hr_organisation admin",
    "GET /api/v1/courses/{course_id}/offerings": SIGNED,
    "POST /api/v1/courses/{course_id}/offerings": "hr_organisation admin",
    "PATCH /api/v1/enrolments/{enrolment_id}": "candidate hr hr_organisation admin",
    "GET /api/v1/external-certificates": SIGNED.replace(" hr_other_unit", ""),  # with unit A's filter
    "POST /api/v1/external-certificates": "hr hr_organisation admin",
    "GET /api/v1/external-certificates/conversions": SIGNED,
    "GET /api/v1/external-certificates/kinds": SIGNED,
    "GET /api/v1/external-certificates/{certificate_id}": "candidate hr hr_organisation admin",
    "GET /api/v1/external-certificates/{certificate_id}/document": "candidate hr hr_organisation admin",
    "POST /api/v1/external-certificates/{certificate_id}/reject": "hr hr_organisation admin",
    "POST /api/v1/external-certificates/{certificate_id}/revoke": "hr hr_organisation admin",
    "POST /api/v1/external-certificates/{certificate_id}/verify": "hr hr_organisation admin",
    "GET /api/v1/health": ALL,
    "GET /api/v1/hr/compliance": "hr hr_other_unit hr_organisation admin",
    "GET /api/v1/hr/compliance/chart.svg": "hr hr_other_unit hr_organisation admin",
    "GET /api/v1/hr/levels": "hr hr_organisation admin",
    "GET /api/v1/hr/people-levels": "hr hr_organisation admin",
    "GET /api/v1/items": "author reviewer test_admin admin",
    "POST /api/v1/items": "author admin",
    "POST /api/v1/items/import": "author admin",
    "GET /api/v1/items/{item_id}": "author reviewer test_admin admin",
    "PATCH /api/v1/items/{item_id}": "author admin",
    "POST /api/v1/items/{item_id}/approve": "reviewer admin",
    "GET /api/v1/items/{item_id}/audit": "author reviewer test_admin admin",
    "GET /api/v1/items/{item_id}/diff": "author reviewer test_admin admin",
    "GET /api/v1/items/{item_id}/enemies": "author reviewer test_admin admin",
    "PUT /api/v1/items/{item_id}/enemies": "author admin",
    "POST /api/v1/items/{item_id}/reject": "reviewer admin",
    "POST /api/v1/items/{item_id}/retire": "author reviewer test_admin admin",
    "GET /api/v1/items/{item_id}/reviews": "author reviewer test_admin admin",
    "POST /api/v1/items/{item_id}/submit": "author admin",
    "GET /api/v1/items/{item_id}/versions": "author reviewer test_admin admin",
    "GET /api/v1/items/{item_id}/versions/{number}": "author reviewer test_admin admin",
    "GET /api/v1/me/path": "candidate",
    "GET /api/v1/me/registrations": SIGNED,
    "POST /api/v1/media": "candidate author admin",
    "GET /api/v1/media/{sha256}": "candidate rater senior_rater test_admin admin",
    "GET /api/v1/offerings/{offering_id}": SIGNED,
    "PATCH /api/v1/offerings/{offering_id}": "hr_organisation admin",
    "POST /api/v1/offerings/{offering_id}/cancel": "hr_organisation admin",
    "POST /api/v1/offerings/{offering_id}/enrolments": "candidate hr hr_organisation admin",
    "GET /api/v1/openapi.json": ALL,
    "GET /api/v1/paths": "hr hr_organisation admin",
    "GET /api/v1/ping": ALL,
    "GET /api/v1/positions": SIGNED,
    "POST /api/v1/positions": "hr_organisation admin",
    "GET /api/v1/positions/{position_id}": SIGNED,
    "PATCH /api/v1/positions/{position_id}": "hr_organisation admin",
    "GET /api/v1/rating/assignments/{assignment_id}": "rater",
    "POST /api/v1/rating/assignments/{assignment_id}/submit": "rater",
    "POST /api/v1/rating/benchmarks": "test_admin admin",
    "GET /api/v1/rating/quality": "test_admin admin",
    "GET /api/v1/rating/queue": "rater senior_rater",
    "GET /api/v1/rubrics": SIGNED,
    "POST /api/v1/rubrics": "test_admin admin",
    "GET /api/v1/rubrics/{code}": SIGNED,
    "GET /api/v1/sessions/{session_id}": SIGNED,
    "PATCH /api/v1/sessions/{session_id}": "test_admin admin",
    "GET /api/v1/sessions/{session_id}/registrations": "test_admin admin",
    "POST /api/v1/sessions/{session_id}/registrations": "test_admin admin",
    "DELETE /api/v1/sessions/{session_id}/registrations/{user_id}": "candidate test_admin admin",
    "GET /api/v1/staff": "hr hr_organisation admin",
    "POST /api/v1/staff/import": "hr hr_other_unit hr_organisation admin",
    "GET /api/v1/staff/{staff_id}": "hr hr_organisation admin",
    "PATCH /api/v1/staff/{staff_id}": "hr hr_organisation admin",
    "GET /api/v1/staff/{staff_id}/path": "candidate hr hr_organisation admin",
    "POST /api/v1/staff/{staff_id}/path": "hr hr_organisation admin",
    "POST /api/v1/stimuli": "author admin",
    "GET /api/v1/stimuli/{stimulus_id}": "author reviewer test_admin admin",
    "GET /api/v1/surveys": SIGNED,
    "POST /api/v1/surveys": "hr hr_other_unit hr_organisation admin",
    "GET /api/v1/surveys/{survey_id}": SIGNED,
    "PATCH /api/v1/surveys/{survey_id}": "hr_organisation admin",
    "POST /api/v1/surveys/{survey_id}/responses": "candidate",
    "GET /api/v1/surveys/{survey_id}/results": "hr hr_organisation admin",
    "GET /api/v1/tests": SIGNED,
    "POST /api/v1/tests": "test_admin admin",
    "POST /api/v1/tests/forms": "test_admin admin",
    "GET /api/v1/tests/{test_id}": SIGNED,
    "GET /api/v1/tests/{test_id}/admission-rules": SIGNED,
    "PUT /api/v1/tests/{test_id}/admission-rules": "test_admin admin",
    "POST /api/v1/tests/{test_id}/attempts": "candidate",
    "POST /api/v1/tests/{test_id}/archive": "test_admin admin",
    "POST /api/v1/tests/{test_id}/publish": "test_admin admin",
    "GET /api/v1/tests/{test_id}/sessions": SIGNED,
    "POST /api/v1/tests/{test_id}/sessions": "test_admin admin",
    "GET /api/v1/units": SIGNED,
    "POST /api/v1/units": "admin",
    "POST /api/v1/uploads": "candidate admin",
    "GET /api/v1/uploads/{upload_id}": "candidate",
    "PATCH /api/v1/uploads/{upload_id}": "candidate",
    "GET /api/v1/verify/{code}": ALL,
}
# Every operation that reaches an attempt by id, and who gets past its rule but may not see the attempt: they
# get 404, exactly as for an attempt that does not exist (a 403 would confirm the id). Anyone else the rule
# lets in but the attempt refuses may see it, and gets its proper 403 (an administrator answering for the
# candidate). Another candidate meets every one of them as a missing attempt too (test below).
NOT_THE_ATTEMPTS_VIEWERS = "author reviewer rater senior_rater hr hr_other_unit hr_organisation"
AS_IF_MISSING: dict[str, str] = {
    "GET /api/v1/attempts/{attempt_id}": NOT_THE_ATTEMPTS_VIEWERS,
    "GET /api/v1/attempts/{attempt_id}/marking": "",
    "PUT /api/v1/attempts/{attempt_id}/responses/{position}": "",
    "GET /api/v1/attempts/{attempt_id}/result": NOT_THE_ATTEMPTS_VIEWERS,
    "POST /api/v1/attempts/{attempt_id}/sections/{index}/finish": "",
    "PUT /api/v1/attempts/{attempt_id}/sections/{skill}/score": "",
    "POST /api/v1/attempts/{attempt_id}/submit": "",
    "POST /api/v1/attempts/{attempt_id}/plays": "",
}
MISSING_ATTEMPT_ID = 2_000_000_000


class World:
    """The objects every cell is asked about, and one API client per principal."""

    def __init__(self, app: Flask, api_as, factory, db_session) -> None:
        unit_a, unit_b, unit_c = factory.unit(), factory.unit(), factory.unit()
        self.unit_a = unit_a
        users = {
            "candidate": factory.user("candidate", unit=unit_a),
            "author": factory.user("author", unit=unit_c),
            "reviewer": factory.user("reviewer", unit=unit_c),
            "rater": factory.user("rater", unit=unit_c),
            "senior_rater": factory.user("senior_rater", unit=unit_c),
            "test_admin": factory.user("test_admin", unit=unit_c),
            "hr": factory.user("hr", unit=unit_a),
            "hr_other_unit": factory.user("hr", unit=unit_b),
            "hr_organisation": factory.user("hr"),
            "admin": factory.user("admin"),
        }
        users["candidate"].full_name = SECRET_NAME
        self.clients: dict[str, ApiClient | None] = {"anonymous": None}
        self.clients.update({name: api_as(user) for name, user in users.items()})
        self.users = users
        self.other_candidate = api_as(factory.user("candidate", unit=unit_b))
        candidate, admin, hr = self.clients["candidate"], api_as(factory.user("admin")), self.clients["hr"]
        factory.user("rater", unit=unit_c)  # a second rater, so that marking can be double

        position = JobPosition(title="Officer", language="en", required_level=4)
        db_session.add(position)
        db_session.flush()
        staff = StaffMember(full_name=SECRET_NAME, unit_id=unit_a.id, category="civil_servant",
                            position_id=position.id, user_id=users["candidate"].id)
        db_session.add(staff)
        db_session.flush()
        placement(db_session, users["candidate"], 2, {"listening": 2, "reading": 2, "writing": 2, "speaking": 2})

        items = factory.vstep_items(users["author"], users["reviewer"])
        exam = admin.post("/api/v1/tests", json=_exam_payload(items))
        assert exam.status_code == 201, exam.json
        assert admin.post(f"/api/v1/tests/{exam.json['id']}/publish").status_code == 200
        attempt_id = hand_in({"candidate": candidate, "exam_id": exam.json["id"]})
        self.recording = hashlib.sha256(OGG_RECORDING).hexdigest()  # the spoken answers' recording
        opens = clock.now() + timedelta(days=7)
        sitting = admin.post(f"/api/v1/tests/{exam.json['id']}/sessions", json={
            "title": "Sitting", "venue": "Hanoi", "opens_at": opens.isoformat(),
            "closes_at": (opens + timedelta(hours=4)).isoformat(), "capacity": 10})
        assert sitting.status_code == 201, sitting.json
        registered = admin.post(f"/api/v1/sessions/{sitting.json['id']}/registrations",
                                json={"user_ids": [users["candidate"].id]})
        assert registered.status_code in (200, 201), registered.json
        queue = self.clients["rater"].get("/api/v1/rating/queue").json
        assert queue, "the rater has marking to do"

        certificate = certification.issue_certificate(
            db_session, user_id=users["candidate"].id, attempt_id=None, test_title="VSTEP.3-5",
            test_kind="vstep", exam_date=date(2026, 11, 1), level=4)
        external = hr.post("/api/v1/external-certificates",
                           data=external_certificate_form(users["candidate"].id), content_type="multipart/form-data")
        assert external.status_code == 201, external.get_data(as_text=True)

        course = admin.post("/api/v1/courses", json={
            "code": "EN23", "title": "English 2 to 3", "language": "en", "from_level": 2, "to_level": 3,
            "skill_focus": [], "hours": 60, "capacity": 20, "format": "blended", "provider": "TUU"})
        assert course.status_code == 201, course.json
        offering = admin.post(f"/api/v1/courses/{course.json['id']}/offerings", json={
            "starts_on": (clock.now().date() + timedelta(days=30)).isoformat(),
            "ends_on": (clock.now().date() + timedelta(days=50)).isoformat()})
        assert offering.status_code == 201, offering.json
        path = hr.post(f"/api/v1/staff/{staff.id}/path", json={})
        assert path.status_code in (200, 201), path.json
        enrolment = hr.post(f"/api/v1/offerings/{offering.json['id']}/enrolments", json={"staff_member_id": staff.id})
        assert enrolment.status_code == 201, enrolment.json
        survey = admin.post("/api/v1/surveys", json={
            "title": "Needs", "target_groups": ["specialist"],
            "questions": [{"id": "q", "text": "Pick", "type": "choice", "options": ["a", "b"]}]})
        assert survey.status_code == 201, survey.json
        upload = candidate.post("/api/v1/uploads", json={"size": 300, "media_type": "audio/ogg"})
        assert upload.status_code == 201, upload.json

        # A play of a recording in the candidate's attempt (handed in since: the play has ended, 410).
        talk = question_bank.create_stimulus(
            db_session, actor=users["author"].as_actor(), kind="audio", title="A talk",
            body=f'<audio src="/api/v1/media/{self.recording}"></audio>')
        db_session.add(RecordingPlay(attempt_id=attempt_id, stimulus_id=talk.id, number=1,
                                     token_hash=hash_token(PLAY_TOKEN), expires_at=clock.now() + timedelta(minutes=5)))
        db_session.flush()

        item_id = items["writing"][0]
        self.path_values = {
            "attempt_id": attempt_id, "position": 1, "index": 0, "skill": "writing",
            "test_id": exam.json["id"], "item_id": item_id, "number": 1,
            "stimulus_id": db_session.get(Item, items["reading"][0]).stimulus_id,
            "sha256": self.recording, "assignment_id": queue[0]["id"],
            "session_id": sitting.json["id"], "user_id": users["candidate"].id, "staff_id": staff.id,
            "course_id": course.json["id"], "offering_id": offering.json["id"],
            "enrolment_id": enrolment.json["id"], "survey_id": survey.json["id"], "position_id": position.id,
            "upload_id": upload.json["id"], "token": PLAY_TOKEN,
            "token_id": db_session.scalar(select(ApiToken.id).where(ApiToken.user_id == users["candidate"].id)),
        }
        self.certificate_values = {"/api/v1/certificates": certificate.id,
                                   "/api/v1/external-certificates": external.json["id"]}
        self.code_values = {"/api/v1/verify": certification.code_of(certificate), "/api/v1/rubrics": "vstep-speaking"}
        self.query = {
            "/api/v1/paths": {"unit_id": unit_a.id}, "/api/v1/hr/levels": {"unit_id": unit_a.id},
            "/api/v1/staff": {"unit": unit_a.id}, "/api/v1/hr/people-levels": {"unit_id": unit_a.id},
            "/api/v1/external-certificates": {"unit_id": unit_a.id},
            "/api/v1/surveys/{survey_id}/results": {"unit_id": unit_a.id},
            "/api/v1/hr/compliance": {"deadline": "2025-12-31"},
            "/api/v1/hr/compliance/chart.svg": {"deadline": "2025-12-31"},
        }
        # Valid requests where the object decides (an empty body would stop at validation, and hide that).
        criteria = ("task_fulfilment", "organisation", "vocabulary", "grammar")
        self.requests = {
            "POST /api/v1/offerings/{offering_id}/enrolments": {"json": {"staff_member_id": staff.id}},
            "PATCH /api/v1/offerings/{offering_id}": {"json": {"venue": "Room 2"}},
            "POST /api/v1/offerings/{offering_id}/cancel": {"json": {"reason": "Too few teachers"}},
            "PATCH /api/v1/enrolments/{enrolment_id}": {"json": {"progress": 40}},
            "POST /api/v1/surveys/{survey_id}/responses": {"json": {"target_group": "specialist",
                                                                    "answers": {"q": "a"}}},
            "PATCH /api/v1/surveys/{survey_id}": {"json": {"is_open": False}},
            "POST /api/v1/courses": {"json": {
                "code": "EN34", "title": "English 3 to 4", "language": "en", "from_level": 3, "to_level": 4,
                "skill_focus": [], "hours": 60, "capacity": 20, "format": "blended", "provider": "TUU"}},
            "PATCH /api/v1/courses/{course_id}": {"json": {"title": "English, 2 to 3"}},
            "POST /api/v1/courses/{course_id}/offerings": {"json": {
                "starts_on": (clock.now().date() + timedelta(days=60)).isoformat(),
                "ends_on": (clock.now().date() + timedelta(days=80)).isoformat()}},
            "POST /api/v1/positions": {"json": {"title": "Deputy", "required_level": 4}},
            "PATCH /api/v1/positions/{position_id}": {"json": {"required_level": 5}},
            "PATCH /api/v1/staff/{staff_id}": {"json": {"category": "public_employee"}},
            "POST /api/v1/external-certificates": {
                "data": lambda: external_certificate_form(users["candidate"].id, certificate_number="X1"),
                "content_type": "multipart/form-data"},
            "POST /api/v1/external-certificates/{certificate_id}/reject": {"json": {"reason": "illegible"}},
            "POST /api/v1/external-certificates/{certificate_id}/revoke": {"json": {"reason": "forged"}},
            "POST /api/v1/rating/assignments/{assignment_id}/submit": {"json": {
                "criteria": {key: 6 for key in criteria}}},
            "PUT /api/v1/attempts/{attempt_id}/responses/{position}": {"json": {"answer": {"choice": "B"}}},
            "POST /api/v1/attempts/{attempt_id}/plays": {"json": {"stimulus_id": talk.id}},
            "PATCH /api/v1/uploads/{upload_id}": {"data": b"OggS" + bytes(10), "headers": {
                "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}},
        }

    def url(self, template: str, **values: object) -> str:
        url = template
        for name, value in values.items():
            url = url.replace("{" + name + "}", str(value))
        for prefix, value in self.certificate_values.items():
            if template.startswith(prefix + "/{certificate_id}"):
                url = url.replace("{certificate_id}", str(value))
        for prefix, value in self.code_values.items():
            if template.startswith(prefix + "/{code}"):
                url = url.replace("{code}", str(value))
        for name, value in self.path_values.items():
            url = url.replace("{" + name + "}", str(value))
        assert "{" not in url, f"no value for a parameter of {template}"
        return url


def operations(app: Flask) -> list[tuple[str, str, str]]:
    """(method, OpenAPI-style path, endpoint) of every route under /api/v1, HEAD and OPTIONS aside."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        template = rule.rule
        for argument in rule.arguments:
            template = template.replace(f"<int:{argument}>", "{" + argument + "}")
            template = template.replace(f"<string:{argument}>", "{" + argument + "}")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, template, rule.endpoint))
    return sorted(found)


def call(app: Flask, world: World, who: str | ApiClient, method: str, template: str, **values: object):
    client = world.clients[who] if isinstance(who, str) else who
    url = world.url(template, **values)
    # the query filters a listing: another method on the path takes none (a query parameter there is a 422)
    options = {"query_string": world.query.get(template, {}) if method == "GET" else {}}
    if method in ("POST", "PUT", "PATCH"):
        options["json"] = {}
    if f"{method} {template}" in world.requests:
        options.pop("json")
        options.update({key: value() if callable(value) else value
                        for key, value in world.requests[f"{method} {template}"].items()})
    if client is None:
        return app.test_client().open(url, method=method, **options)
    return client._call(method.lower(), url, **options)


def test_every_endpoint_declares_who_may_call_it(app):
    missing = [f"{method} {template} ({endpoint})" for method, template, endpoint in operations(app)
               if access.rule_for(app, endpoint, method) is None]
    assert not missing, "endpoints without an access rule (api.access.allow):\n" + "\n".join(missing)
    pages = [rule.endpoint for rule in app.url_map.iter_rules() for method in rule.methods - {"OPTIONS"}
             if not rule.rule.startswith("/api/v1") and access.rule_for(app, rule.endpoint, method) is None]
    assert not pages, f"pages without an access rule (api.access.FOREIGN_RULES): {pages}"


@pytest.fixture
def world(app, api_as, factory, db_session, fake_clock):
    return World(app, api_as, factory, db_session)


def test_authorization_matrix(app, world, db_session):
    observed: dict[str, list[str]] = {}
    problems = []
    for method, template, endpoint in operations(app):
        label = f"{method} {template}"
        rule = access.rule_for(app, endpoint, method)
        admitted = []
        for who in PRINCIPALS:
            savepoint = db_session.begin_nested()
            db_session.connection()  # emits the SAVEPOINT now, before the request's own
            try:
                response = call(app, world, who, method, template)
            finally:
                savepoint.rollback()
            status = response.status_code
            if status >= 500:
                problems.append(f"{label} as {who}: {status}")
                continue
            if status not in (401, 403, 404):
                admitted.append(who)
            actor = None if who == "anonymous" else world.users[who].as_actor()
            if rule is not None and not rule.admits(actor) and status != (401 if actor is None else 403):
                problems.append(f"{label} as {who}: the rule turns them away, yet {status}")
            if who in NEVER_SEE_UNIT_A and SECRET_NAME.encode() in response.get_data():
                problems.append(f"{label} as {who}: shows unit A's staff member")
            if label in AS_IF_MISSING and status in (403, 404) and (rule is None or rule.admits(actor)):
                expected_status = 404 if who in AS_IF_MISSING[label].split() else 403
                if status != expected_status:
                    problems.append(f"{label} as {who}: {status}, expected {expected_status} (AS_IF_MISSING)")
        observed[label] = admitted
    for label, admitted in observed.items():
        expected = ADMITTED.get(label)
        if expected is None:
            problems.append(f'no row in ADMITTED: "{label}": "{" ".join(admitted)}",')
        elif admitted != expected.split():
            problems.append(f"{label}: admitted {admitted}, expected {expected.split()}")
    problems += [f"{label}: row for an operation that does not exist" for label in set(ADMITTED) - set(observed)]
    problems += [f'reaches an attempt by id, but no row in AS_IF_MISSING: "{label}"' for label in observed
                 if "{attempt_id}" in label and label not in AS_IF_MISSING]
    problems += [f"{label}: AS_IF_MISSING row for an operation that does not exist"
                 for label in set(AS_IF_MISSING) - set(observed)]
    assert not problems, "\n".join(problems)


def test_another_candidates_attempt_answers_exactly_as_a_missing_one_everywhere(app, world, db_session):
    """Every operation on an attempt id answers another candidate the same whether the attempt exists or not."""
    problems = []
    attempt_id = world.path_values["attempt_id"]
    for method, template, _ in operations(app):
        if "{attempt_id}" not in template:
            continue
        answers = []
        for asked in (attempt_id, MISSING_ATTEMPT_ID):
            savepoint = db_session.begin_nested()
            db_session.connection()
            try:
                response = call(app, world, world.other_candidate, method, template, attempt_id=asked)
            finally:
                savepoint.rollback()
            answers.append((response.status_code, response.content_type,
                            without_attempt_id(response.get_data(), asked)))
        if answers[0] != answers[1] or answers[0][0] not in (403, 404):
            problems.append(f"{method} {template}: another candidate's attempt {answers[0]}, a missing one "
                            f"{answers[1]}")
    assert not problems, "\n".join(problems)


def test_hr_of_another_unit_gets_a_compliance_report_without_that_unit(world):
    report = world.clients["hr_other_unit"].get("/api/v1/hr/compliance", query_string={"deadline": "2025-12-31"})
    assert report.status_code == 200
    assert world.unit_a.code not in {row["unit"] for row in report.json["rows"]}
    report = world.clients["hr"].get("/api/v1/hr/compliance", query_string={"deadline": "2025-12-31"})
    assert world.unit_a.code in {row["unit"] for row in report.json["rows"]}

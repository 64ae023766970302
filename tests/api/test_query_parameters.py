"""Query strings are input like bodies: what no endpoint reads, what could match nothing, what the database cannot
hold and what is not the documented form are each a 422 naming the parameter, never ignored or read otherwise."""

from __future__ import annotations

import pytest

from api.schemas import MAX_PAGE, MAX_PER_PAGE
from core.db import INT32_MAX
from tests.api.test_bad_input import assert_problem, field_errors
from tests.compliance_org import AS_OF, build_organisation

HUGE = 10**20  # past 2**63: SQLite could not bind it, and the safety net's 422 named no parameter


def named(response, field: str) -> str:
    """The message of the 422 for ``field`` (fails when the response is anything else)."""
    errors = field_errors(assert_problem(response, 422))
    assert field in errors, errors
    return errors[field]


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/courses?language=zzzz", "language"),
    ("/api/v1/courses?language=EN", "language"),
    ("/api/v1/courses?language=en-US", "language"),
    ("/api/v1/courses?language=en%0A", "language"),
    ("/api/v1/hr/people-levels?leadership_role=zz-garbage", "leadership_role"),
    ("/api/v1/hr/people-levels?leadership_role=", "leadership_role"),
    ("/api/v1/staff?position=-1", "position"),
    ("/api/v1/staff?position=0", "position"),
    ("/api/v1/staff?unit=0", "unit"),
    ("/api/v1/external-certificates?holder_id=-1", "holder_id"),
    ("/api/v1/external-certificates?holder_id=0", "holder_id"),
    ("/api/v1/external-certificates?unit_id=0", "unit_id"),
])
def test_a_filter_that_could_match_nothing_is_a_422_naming_it(api_as, url, field):
    named(api_as("admin").get(url), field)


def test_people_levels_read_a_leadership_title_as_the_staff_record_stores_it(api_as, db_session, factory):
    build_organisation(db_session, factory)
    hr = api_as("hr")

    def people(role: str) -> set[int]:
        response = hr.get("/api/v1/hr/people-levels", query_string={"leadership_role": role, "as_of": AS_OF})
        assert response.status_code == 200, response.json
        return {row["staff_id"] for row in response.json}

    heads = people("division_head")
    assert len(heads) == 2
    assert people("Trưởng phòng") == people("truong_phong") == heads  # as PATCH /staff/{id} takes the title


@pytest.mark.parametrize(("who", "url", "field"), [
    ("admin", "/api/v1/tests?status=draft", "status"),
    ("admin", "/api/v1/tests?page=2&per_page=1", "page"),
    ("admin", "/api/v1/certificates?status=revoked", "status"),
    ("admin", "/api/v1/audit?page=2&actor_id=1", "actor_id"),
    ("admin", "/api/v1/surveys?is_open=false", "is_open"),
    ("admin", "/api/v1/positions?language=zz", "language"),
    ("admin", "/api/v1/rubrics?skill=bogus", "skill"),
    ("rater", "/api/v1/rating/queue?x=1", "x"),
    ("admin", "/api/v1/auth/tokens?x=1", "x"),
    ("candidate", "/api/v1/me/registrations?x=1", "x"),
    ("admin", "/api/v1/external-certificates/kinds?x=1", "x"),
    ("admin", "/api/v1/items/1?x=1", "x"),
    ("admin", "/api/v1/items/1/versions?page=2", "page"),
])
def test_an_endpoint_that_reads_no_query_refuses_its_parameters(api_as, who, url, field):
    assert named(api_as(who).get(url), field) == "Unknown field."


def test_the_access_rule_answers_before_the_query_is_looked_at(api_as, client):
    assert_problem(client.get("/api/v1/tests?status=draft"), 401)
    assert_problem(api_as("candidate").get("/api/v1/audit?page=2"), 403)
    assert named(api_as("author").post("/api/v1/items?dry_run=true", json={}), "dry_run") == "Unknown field."


def test_an_endpoint_with_a_query_schema_still_takes_its_parameters(api_as):
    admin = api_as("admin")
    assert admin.get("/api/v1/items?level=3&page=1&sort=-id&tag=a&tag=b").status_code == 200  # tag: an array
    assert admin.get("/api/v1/courses?kind=language&language=en").status_code == 200
    assert admin.get("/api/v1/units?view=tree").status_code == 200


def test_pages_and_documents_outside_the_api_blueprints_take_any_query(client):
    assert client.get("/api/v1/openapi.json?v=2").status_code == 200
    assert client.get("/api/docs?v=2").status_code == 200
    assert client.get("/?v=2").status_code == 200


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/items?level=1&level=9", "level"),
    ("/api/v1/items?status=draft&status=bogus", "status"),
    ("/api/v1/items?sort=-id&sort=garbage", "sort"),
    ("/api/v1/items?level=3&level=3", "level"),
    ("/api/v1/courses?kind=language&kind=bogus", "kind"),
    ("/api/v1/units?view=flat&view=bogus", "view"),
    ("/api/v1/rating/quality?period=day&period=bogus", "period"),
    ("/api/v1/staff?unit=1&unit=2", "unit"),
    ("/api/v1/hr/people-levels?limit=1&limit=-5", "limit"),
])
def test_a_single_value_parameter_given_twice_is_a_422(api_as, url, field):
    assert "more than once" in named(api_as("admin").get(url), field)


@pytest.mark.parametrize(("url", "field"), [
    (f"/api/v1/items?page={HUGE}", "page"),
    (f"/api/v1/items?page={2**62}", "page"),
    (f"/api/v1/items?page={MAX_PAGE + 1}", "page"),
    (f"/api/v1/staff?page={HUGE}", "page"),
    (f"/api/v1/staff?unit={HUGE}", "unit"),
    (f"/api/v1/staff?position={HUGE}", "position"),
    (f"/api/v1/staff?position={INT32_MAX + 1}", "position"),
    (f"/api/v1/hr/levels?unit_id={HUGE}", "unit_id"),
    (f"/api/v1/hr/people-levels?unit_id={HUGE}", "unit_id"),
    (f"/api/v1/hr/people-levels?offset={HUGE}", "offset"),
    (f"/api/v1/hr/people-levels?offset={2**63 - 1}", "offset"),
    (f"/api/v1/external-certificates?holder_id={HUGE}", "holder_id"),
    (f"/api/v1/external-certificates?unit_id={HUGE}", "unit_id"),
    (f"/api/v1/external-certificates?page={HUGE}", "page"),
    (f"/api/v1/items/1/diff?from={HUGE}&to=1", "from"),
    (f"/api/v1/items/1/diff?from=1&to={HUGE}", "to"),
])
def test_an_integer_the_database_cannot_hold_is_a_422_naming_it(api_as, url, field):
    named(api_as("admin").get(url), field)


def test_the_last_page_is_one_the_database_can_count_to(api_as):
    admin = api_as("admin")
    last = admin.get(f"/api/v1/items?page={MAX_PAGE}&per_page={MAX_PER_PAGE}")
    assert last.status_code == 200, last.json
    assert last.json["items"] == []
    assert admin.get(f"/api/v1/hr/people-levels?offset={INT32_MAX}").json == []


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/items?page=1_0", "page"),  # was page 10
    ("/api/v1/items?page=%EF%BC%92", "page"),  # fullwidth 2: was page 2
    ("/api/v1/items?level=%D9%A3", "level"),  # Arabic-Indic 3: was level 3
    ("/api/v1/items?page=%201%20", "page"),
    ("/api/v1/items?page=+1", "page"),  # "+" is a space in a query string
    ("/api/v1/items?page=%2B1", "page"),
    ("/api/v1/items?page=", "page"),
    ("/api/v1/staff?unit=1_0", "unit"),
    ("/api/v1/external-certificates/conversions?on=20251231", "on"),
    ("/api/v1/external-certificates/conversions?on=2025-W01-1", "on"),  # was 2024-12-30
    ("/api/v1/external-certificates/conversions?on=2025-12-31T00:00", "on"),
    ("/api/v1/hr/compliance?deadline=2025-W52-3", "deadline"),  # was 2025-12-24, a 404
    ("/api/v1/hr/compliance?deadline=2025-12-31&as_of=%EF%BC%92025-01-01", "as_of"),
])
def test_integers_and_dates_are_taken_in_their_plain_form_only(api_as, url, field):
    named(api_as("admin").get(url), field)


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/items?topic=a%00b", "topic"),
    ("/api/v1/items?tag=a&tag=b%00", "tag"),
    ("/api/v1/courses?language=e%00n", "language"),
    ("/api/v1/hr/people-levels?leadership_role=division_head%00", "leadership_role"),
])
def test_nul_in_a_query_is_a_422_naming_the_parameter_as_in_a_body(api_as, url, field):
    assert "NUL" in named(api_as("admin").get(url), field)


def test_plain_integers_and_dates_still_read(api_as):
    admin = api_as("admin")
    assert admin.get("/api/v1/items?page=2&per_page=5&level=3").json["meta"]["page"] == 2
    on = admin.get("/api/v1/external-certificates/conversions?on=2025-12-31")
    assert on.status_code == 200
    assert {table["on"] for table in on.json} == {"2025-12-31"}
    assert "page" in field_errors(assert_problem(admin.get("/api/v1/items?page=-1"), 422))  # read, then out of range


def test_every_integer_query_parameter_is_bounded_within_the_database_integer(app):
    """The OpenAPI document states each integer parameter's range: none may reach past what a column holds."""
    document = app.test_client().get("/api/v1/openapi.json").json
    integers = [(f"{method.upper()} {path} {parameter['name']}", parameter["schema"])
                for path, operations in document["paths"].items()
                for method, operation in operations.items() if isinstance(operation, dict)
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "query" and parameter["schema"].get("type") == "integer"]
    assert integers
    unbounded = [name for name, schema in integers
                 if "minimum" not in schema or "maximum" not in schema
                 or schema["minimum"] < -INT32_MAX - 1 or schema["maximum"] > INT32_MAX]
    assert not unbounded, unbounded

"""HR's staff endpoints: import over HTTP, listing filters, the unit tree and the HR scope in every endpoint."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from assessment.models import AssessedLevel
from core.accounts import User
from learning.models import JobPosition, StaffMember, Unit
from tests.integration.test_staff_import import HEADER, csv_bytes, xlsx_bytes

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    body = response.json
    assert body["status"] == status and {"type", "title", "status", "detail"} <= set(body)
    return body


def field_errors(body: dict) -> dict[str, str]:
    return {error["field"]: error["message"] for error in body.get("errors", [])}


def upload(client, data: bytes, filename: str, query: str = ""):
    return client.post(f"/api/v1/staff/import{query}", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def patch(client, url: str, body: dict):
    return client._call("PATCH", url, json=body)


@pytest.fixture
def org(db_session, factory):
    parent = factory.unit("provincial_federation")
    child = Unit(code=f"{parent.code}-A", name="Sub-unit A", group=parent.group, parent_id=parent.id)
    other = factory.unit("central_sector_union")
    translator = JobPosition(title=f"Translator {parent.code}", required_level=4)
    db_session.add_all([child, translator])
    db_session.flush()

    def member(number: str, unit: Unit, **fields) -> StaffMember:
        person = StaffMember(**{"staff_number": number, "full_name": f"Person {number}", "unit_id": unit.id,
                                "category": "civil_servant", "birth_date": date(1980, 1, 1), "gender": "female",
                                "languages": [], **fields})
        db_session.add(person)
        db_session.flush()
        return person

    people = {
        "lan": member("S1", parent, is_leader=True, leadership_role="division_head", languages=["en", "fr"],
                      birth_date=date(1990, 6, 1), position_id=translator.id),
        "minh": member("S2", child, category="public_employee", languages=["fr"], birth_date=date(1987, 1, 1)),
        "hoa": member("S3", other, languages=["en"], birth_date=date(1999, 1, 1)),
    }
    return {"parent": parent, "child": child, "other": other, "translator": translator, **people}


def staff_ids(response) -> set[int]:
    assert response.status_code == 200, response.json
    return {person["id"] for person in response.json["items"]}


def test_import_over_http_writes_and_reports_every_row(api_as, db_session, org):
    hr = api_as("hr")
    rows = [["N1", "Vũ Hà", "1992-04-01", "female", org["child"].code, "public_employee", "", "",
             org["translator"].title, "en;ja", ""],
            ["S2", "Person S2", "01/01/1987", "female", org["child"].code, "public_employee", "", "", "", "fr", ""]]
    dry = upload(hr, xlsx_bytes(rows), "staff.xlsx", "?dry_run=true")
    assert dry.status_code == 200, dry.json
    assert dry.json["written"] is False and dry.json["summary"]["created"] == 1
    assert db_session.scalar(select(func.count()).select_from(StaffMember)) == 3
    response = upload(hr, xlsx_bytes(rows), "staff.xlsx")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["written"] is True and body["dry_run"] is False
    assert [(e["row"], e["staff_number"], e["status"]) for e in body["entries"]] == [
        (2, "N1", "created"), (3, "S2", "unchanged")]
    created = hr.get(f"/api/v1/staff/{body['entries'][0]['staff_id']}").json
    assert (created["unit_code"], created["position_title"], created["languages"]) == (
        org["child"].code, org["translator"].title, ["en", "ja"])


def test_a_rejected_import_is_a_422_problem_with_the_report_and_writes_nothing(api_as, db_session, org):
    hr = api_as("hr")
    rows = [["N1", "Good", "1990-01-01", "male", org["parent"].code, "civil_servant", "", "", "", "", ""],
            ["N2", "Bad", "1990-02-30", "male", "NO-SUCH", "civil_servant", "", "", "", "", ""]]
    body = assert_problem(upload(hr, csv_bytes(rows), "staff.csv"), 422)
    assert body["type"].endswith("/staff-import-rejected") and "1 of 2 rows rejected" in body["detail"]
    errors = field_errors(body)
    assert errors["rows.3.birth_date"].startswith("birth_date: '1990-02-30' is not a date")
    assert errors["rows.3.unit"] == "unit: no unit with code 'NO-SUCH'"
    assert [e["status"] for e in body["report"]["entries"]] == ["created", "rejected"]
    assert body["report"]["written"] is False
    assert db_session.scalar(select(func.count()).select_from(StaffMember)) == 3

    refused = assert_problem(upload(hr, csv_bytes([["N9"]], ["staff_number"]), "staff.csv"), 422)
    assert refused["type"].endswith("/staff-file-refused")
    assert "missing: birth_date" in [e["message"] for e in refused["errors"]]
    no_file = assert_problem(hr.post("/api/v1/staff/import", data={}, content_type="multipart/form-data"), 422)
    assert "file" in field_errors(no_file)
    assert_problem(upload(api_as("author"), csv_bytes(rows[:1]), "staff.csv"), 403)


def test_an_upload_past_the_http_row_limit_is_refused_pointing_to_the_cli(api_as, org, monkeypatch):
    monkeypatch.setattr("learning.staff_sheet.MAX_HTTP_ROWS", 1)
    rows = [[f"N{i}", "A", "1990-01-01", "male", org["parent"].code, "civil_servant", "", "", "", "", ""]
            for i in range(2)]
    body = assert_problem(upload(api_as("hr"), csv_bytes(rows), "staff.csv"), 422)
    assert "more than 1 rows" in body["detail"] and "levelpath staff import" in body["detail"]


def test_the_age_filter_counts_birthdays_by_the_centres_day(api_as, org, fake_clock):
    """At 01:00 in Hanoi on 1 June 2027 (18:00 UTC the day before) Lan, born 1990-06-01, is 37 there."""
    fake_clock.set(datetime(2027, 5, 31, 18, 0, tzinfo=UTC))
    assert org["lan"].id not in staff_ids(api_as("hr").get(f"/api/v1/staff?unit={org['parent'].id}&age_under=37"))


def test_listing_filters_by_unit_subtree_category_leader_position_language_and_age(api_as, org, fake_clock):
    hr = api_as("hr")
    lan, minh, hoa = org["lan"].id, org["minh"].id, org["hoa"].id
    assert staff_ids(hr.get(f"/api/v1/staff?unit={org['parent'].id}")) == {lan, minh}
    assert staff_ids(hr.get(f"/api/v1/staff?unit={org['child'].id}")) == {minh}
    assert staff_ids(hr.get("/api/v1/staff?category=public_employee")) >= {minh}
    assert hoa not in staff_ids(hr.get("/api/v1/staff?category=public_employee"))
    scoped = f"unit={org['parent'].id}"
    assert staff_ids(hr.get(f"/api/v1/staff?{scoped}&leader=true")) == {lan}
    assert staff_ids(hr.get(f"/api/v1/staff?{scoped}&leader=false")) == {minh}
    assert staff_ids(hr.get(f"/api/v1/staff?position={org['translator'].id}")) == {lan}
    assert staff_ids(hr.get(f"/api/v1/staff?{scoped}&language=fr")) == {lan, minh}
    assert staff_ids(hr.get(f"/api/v1/staff?{scoped}&language=en")) == {lan}
    # the clock stands at 2026-11-23: Lan (1990-06-01) is 36, Minh (1987-01-01) 39, Hoa (1999-01-01) 27
    assert staff_ids(hr.get(f"/api/v1/staff?{scoped}&age_under=37")) == {lan}
    assert staff_ids(hr.get(f"/api/v1/staff?{scoped}&age_under=40")) == {lan, minh}
    assert staff_ids(hr.get(f"/api/v1/staff?{scoped}&age_under=36")) == set()
    page = hr.get(f"/api/v1/staff?{scoped}&per_page=1&page=2").json
    assert page["meta"] == {"page": 2, "per_page": 1, "total": 2, "total_capped": False}
    assert [p["id"] for p in page["items"]] == [minh]


def test_unit_scoped_hr_sees_only_its_subtree_in_every_staff_endpoint(api_as, db_session, org):
    parent_hr = api_as("hr", unit=org["parent"])
    child_hr = api_as("hr", unit=org["child"])
    lan, minh, hoa = org["lan"].id, org["minh"].id, org["hoa"].id
    assert staff_ids(parent_hr.get("/api/v1/staff?per_page=200")) == {lan, minh}
    assert staff_ids(child_hr.get("/api/v1/staff")) == {minh}
    assert_problem(parent_hr.get(f"/api/v1/staff?unit={org['other'].id}"), 403)
    assert_problem(child_hr.get(f"/api/v1/staff?unit={org['parent'].id}"), 403)
    assert parent_hr.get(f"/api/v1/staff/{minh}").status_code == 200
    assert_problem(parent_hr.get(f"/api/v1/staff/{hoa}"), 404)
    assert_problem(child_hr.get(f"/api/v1/staff/{lan}"), 404)
    assert_problem(patch(parent_hr, f"/api/v1/staff/{hoa}", {"full_name": "X"}), 404)
    moved = assert_problem(patch(parent_hr, f"/api/v1/staff/{minh}", {"unit_id": org["other"].id}), 403)
    assert "unit_id" in field_errors(moved)
    edited = patch(child_hr, f"/api/v1/staff/{minh}", {"languages": ["en"], "is_language_teacher": True})
    assert edited.status_code == 200, edited.json
    assert (edited.json["languages"], edited.json["is_language_teacher"]) == (["en"], True)
    outside = [["N5", "Elsewhere", "1990-01-01", "male", org["other"].code, "civil_servant", "", "", "", "", ""]]
    rejected = assert_problem(upload(parent_hr, csv_bytes(outside), "staff.csv"), 422)
    assert "outside your HR scope" in field_errors(rejected)["rows.2.unit"]
    # HR levels: the parent's HR sees the sub-unit, the sub-unit's HR does not see the parent
    assert parent_hr.get(f"/api/v1/hr/levels?unit_id={org['child'].id}").status_code == 200
    assert_problem(child_hr.get(f"/api/v1/hr/levels?unit_id={org['parent'].id}"), 403)
    assert_problem(api_as("author").get("/api/v1/staff"), 403)
    assert db_session.get(StaffMember, hoa).full_name == "Person S3"


def test_bad_staff_input_is_a_problem_naming_the_field(api_as, org):
    hr = api_as("hr")
    minh = org["minh"].id
    assert "age_under" in field_errors(assert_problem(hr.get("/api/v1/staff?age_under=old"), 422))
    assert "language" in field_errors(assert_problem(hr.get("/api/v1/staff?language=EN!"), 422))
    assert "colour" in field_errors(assert_problem(hr.get("/api/v1/staff?colour=red"), 422))
    assert "birth_date" in field_errors(assert_problem(patch(hr, f"/api/v1/staff/{minh}", {"birth_date": "x"}),
                                                       422))
    assert "category" in field_errors(assert_problem(patch(hr, f"/api/v1/staff/{minh}", {"category": "boss"}), 422))
    assert "position_id" in field_errors(assert_problem(
        patch(hr, f"/api/v1/staff/{minh}", {"position_id": 999999}), 404))
    taken = assert_problem(patch(hr, f"/api/v1/staff/{minh}", {"staff_number": "S1"}), 409)
    assert "staff_number" in field_errors(taken)
    assert_problem(patch(hr, f"/api/v1/staff/{minh}", {}), 422)


def test_an_implausible_birth_date_is_refused_on_edit_as_on_import(api_as, org, fake_clock):
    hr = api_as("hr")  # the centre's today is 2026-11-23
    minh = f"/api/v1/staff/{org['minh'].id}"
    for day in ("9999-12-31", "2026-11-24", "1899-12-31"):
        refused = assert_problem(patch(hr, minh, {"birth_date": day}), 422)
        assert field_errors(refused)["birth_date"] == f"{day} is not a plausible birth date", day
    rows = [["B-1", "An", "9999-12-31", "nam", org["parent"].code, "civil_servant", "", "", "", "", ""]]
    report = assert_problem(upload(hr, csv_bytes(rows), "s.csv"), 422)["report"]
    assert report["entries"][0]["reasons"] == ["birth_date: 9999-12-31 is not a plausible birth date"]
    for day in ("1900-01-01", "2026-11-23"):
        assert patch(hr, minh, {"birth_date": day}).json["birth_date"] == day


def test_units_come_flat_or_as_a_tree_and_admins_add_sub_units(api_as, org):
    hr = api_as("hr")
    flat = {u["id"]: u for u in hr.get("/api/v1/units").json}
    assert flat[org["child"].id]["parent_id"] == org["parent"].id
    tree = {u["id"]: u for u in hr.get("/api/v1/units?view=tree").json}
    assert org["child"].id not in tree
    assert [c["id"] for c in tree[org["parent"].id]["children"]] == [org["child"].id]
    admin = api_as("admin")
    body = {"code": f"{org['child'].code}-1", "name": "Team one", "parent_id": org["child"].id}
    created = admin.post("/api/v1/units", json=body)
    assert created.status_code == 201, created.json
    assert (created.json["parent_id"], created.json["group"]) == (org["child"].id, org["parent"].group)
    assert "code" in field_errors(assert_problem(admin.post("/api/v1/units", json=body), 409))
    assert "parent_id" in field_errors(assert_problem(
        admin.post("/api/v1/units", json={**body, "code": "Z9", "parent_id": 999999}), 404))
    assert_problem(hr.post("/api/v1/units", json={**body, "code": "Z8"}), 403)
    # the parent's HR now sees staff placed in the new grandchild unit
    parent_hr = api_as("hr", unit=org["parent"])
    rows = [["N7", "Deep", "1990-01-01", "male", body["code"], "civil_servant", "", "", "", "", ""]]
    assert upload(parent_hr, csv_bytes(rows, HEADER), "staff.csv").status_code == 200
    assert len(staff_ids(parent_hr.get("/api/v1/staff"))) == 3


def test_a_moved_record_takes_its_account_to_the_new_unit_and_out_of_the_old_units_hr(api_as, db_session, factory,
                                                                                      org):
    parent, other = org["parent"], org["other"]
    hoa = org["hoa"]  # of the other unit
    account = factory.user("candidate", unit=other, username="hoa.mover")
    boss = factory.user("hr", username="org.hr.with.record")  # organisation-wide HR, no unit, with a record
    hoa.user_id = account.id
    org["minh"].user_id = boss.id
    db_session.add(AssessedLevel(user_id=account.id, level=4, basis="certification", language="en",
                                 awarded_at=datetime(2026, 1, 5, tzinfo=UTC)))
    db_session.flush()
    hr, hr_old, hr_new = api_as("hr"), api_as("hr", unit=other), api_as("hr", unit=parent)

    def unit_of(user) -> int | None:
        db_session.expire_all()  # the request wrote through its own session
        return db_session.get(User, user.id).unit_id

    def level_holders(client, unit):
        response = client.get(f"/api/v1/hr/levels?unit_id={unit.id}")
        assert response.status_code == 200, response.json
        return {row["username"] for row in response.json}

    assert (level_holders(hr_old, other), level_holders(hr_new, parent)) == ({"hoa.mover"}, set())
    assert patch(hr, f"/api/v1/staff/{hoa.id}", {"unit_id": parent.id}).status_code == 200
    assert unit_of(account) == parent.id
    assert (level_holders(hr_old, other), level_holders(hr_new, parent)) == (set(), {"hoa.mover"})
    assert {p["full_name"] for p in hr_new.get("/api/v1/hr/people-levels").json} >= {hoa.full_name}

    # the import moves it back, and the account with it
    rows = [[hoa.staff_number, hoa.full_name, "1999-01-01", "female", other.code, "civil_servant", "", "", "", "",
             ""]]
    assert upload(hr, csv_bytes(rows), "s.csv").status_code == 200
    assert unit_of(account) == other.id
    assert (level_holders(hr_old, other), level_holders(hr_new, parent)) == ({"hoa.mover"}, set())
    # an account without a unit (organisation-wide HR) keeps none when its record moves
    assert patch(hr, f"/api/v1/staff/{org['minh'].id}", {"unit_id": other.id}).status_code == 200
    assert unit_of(boss) is None


def test_hr_links_a_staff_record_to_a_login_account_within_its_scope(api_as, db_session, factory, org):
    """The link is how a person's certified levels, path and certificates are found (StaffMember.user_id)."""
    parent_hr = api_as("hr", unit=org["parent"])
    lan, minh = org["lan"].id, org["minh"].id
    learner = api_as("candidate", unit=org["parent"], username="lan.nguyen")
    assert learner.get("/api/v1/me/path").json["detail"] == "your account is not linked to a staff member"

    linked = patch(parent_hr, f"/api/v1/staff/{lan}", {"username": "lan.nguyen"})
    assert linked.status_code == 200, linked.json
    assert (linked.json["username"], linked.json["user_id"]) == ("lan.nguyen", learner.user.id)
    assert parent_hr.get(f"/api/v1/staff/{lan}").json["username"] == "lan.nguyen"
    listed = {p["id"]: p["username"] for p in parent_hr.get("/api/v1/staff").json["items"]}
    assert listed == {lan: "lan.nguyen", minh: None}
    # the person now has a path of their own (their position is Translator)
    assert parent_hr.post(f"/api/v1/staff/{lan}/path", json={}).status_code == 200
    assert learner.get("/api/v1/me/path").status_code == 200

    # one account, one person: 409 naming the field
    taken = assert_problem(patch(parent_hr, f"/api/v1/staff/{minh}", {"username": "lan.nguyen"}), 409)
    assert set(field_errors(taken)) == {"username"}
    # unknown, and another unit's account, look alike: HR learns nothing about accounts outside its scope
    factory.user("candidate", unit=org["other"], username="hoa.outside")
    factory.user("candidate", username="no.unit")
    for name in ("nobody.here", "hoa.outside", "no.unit"):
        refused = assert_problem(patch(parent_hr, f"/api/v1/staff/{minh}", {"username": name}), 422)
        assert field_errors(refused) == {"username": f"no account named {name!r} in your HR scope"}
    assert "username" in field_errors(assert_problem(patch(parent_hr, f"/api/v1/staff/{minh}", {"username": ""}),
                                                     422))
    # organisation-wide HR may link any account
    assert patch(api_as("hr"), f"/api/v1/staff/{minh}", {"username": "no.unit"}).json["username"] == "no.unit"

    unlinked = patch(parent_hr, f"/api/v1/staff/{lan}", {"username": None})
    assert unlinked.status_code == 200, unlinked.json
    assert (unlinked.json["username"], unlinked.json["user_id"]) == (None, None)
    assert db_session.get(StaffMember, lan).user_id is None
    assert learner.get("/api/v1/me/path").json["detail"] == "your account is not linked to a staff member"


def test_names_and_leadership_titles_are_normalised_on_edit(api_as, org):
    hr = api_as("hr")
    minh = org["minh"].id
    decomposed = unicodedata.normalize("NFD", "  Trần   Thị Nữ ")
    edited = patch(hr, f"/api/v1/staff/{minh}", {"full_name": decomposed,
                                                 "leadership_role": unicodedata.normalize("NFD", "Trưởng phòng")})
    assert edited.status_code == 200, edited.json
    assert edited.json["full_name"] == "Trần Thị Nữ" == unicodedata.normalize("NFC", "Trần Thị Nữ")
    assert edited.json["leadership_role"] == "division_head"
    for title, role in [("Phó trưởng phòng", "deputy_division_head"), ("PHÓ VỤ TRƯỞNG", "deputy_department_head"),
                        ("Trưởng ban", "department_head"), ("pho chu tich", "vice_president"),
                        ("Department head", "department_head"), ("president", "president")]:
        assert patch(hr, f"/api/v1/staff/{minh}", {"leadership_role": title}).json["leadership_role"] == role, title
    refused = assert_problem(patch(hr, f"/api/v1/staff/{minh}", {"leadership_role": "Trưởng nhóm"}), 422)
    assert "not a leadership role" in field_errors(refused)["leadership_role"]
    assert "full_name" in field_errors(assert_problem(patch(hr, f"/api/v1/staff/{minh}", {"full_name": "   "}), 422))
    assert patch(hr, f"/api/v1/staff/{minh}", {"leadership_role": None}).json["leadership_role"] is None


def test_a_leadership_role_given_on_edit_makes_a_leader_as_the_import_does_for_a_new_record(api_as, org):
    hr = api_as("hr")
    minh = org["minh"].id  # a public employee, no role, not a leader
    made = patch(hr, f"/api/v1/staff/{minh}", {"leadership_role": "Trưởng phòng"})
    assert made.status_code == 200, made.json
    assert (made.json["leadership_role"], made.json["is_leader"]) == ("division_head", True)
    renamed = patch(hr, f"/api/v1/staff/{minh}", {"full_name": "Trần Minh"})  # no role given: the flag stays
    assert renamed.json["is_leader"] is True
    explicit = patch(hr, f"/api/v1/staff/{minh}", {"leadership_role": "Phó trưởng phòng", "is_leader": False})
    assert (explicit.json["leadership_role"], explicit.json["is_leader"]) == ("deputy_division_head", False)
    cleared = patch(hr, f"/api/v1/staff/{minh}", {"leadership_role": None})
    assert (cleared.json["leadership_role"], cleared.json["is_leader"]) == (None, False)
    assert patch(hr, f"/api/v1/staff/{minh}", {"is_leader": True}).json["is_leader"] is True


def test_position_titles_alike_but_for_case_and_spaces_are_one_title(api_as, org):
    hr = api_as("hr")
    title = org["translator"].title  # "Translator <code>"
    for alike in (title.lower(), f"  {title.upper()} ", title.replace(" ", "\t  ")):
        refused = assert_problem(hr.post("/api/v1/positions", json={"title": alike, "required_level": 3}), 409)
        assert set(field_errors(refused)) == {"title"}, alike
    other = hr.post("/api/v1/positions", json={"title": f"Interpreter {org['parent'].code}", "required_level": 5})
    assert other.status_code == 201, other.json
    renamed = patch(hr, f"/api/v1/positions/{other.json['id']}", {"title": f"{title.lower()} "})
    assert set(field_errors(assert_problem(renamed, 409))) == {"title"}
    assert set(field_errors(assert_problem(hr.post("/api/v1/positions", json={"title": "   ", "required_level": 3}),
                                           422))) == {"title"}
    own = patch(hr, f"/api/v1/positions/{org['translator'].id}", {"title": title.upper()})  # its own title, recased
    assert own.status_code == 200 and own.json["title"] == title.upper()


def test_hr_records_when_someone_joined_and_left_and_null_reinstates_them(api_as, db_session, org):
    hr = api_as("hr")
    url = f"/api/v1/staff/{org['minh'].id}"
    edited = patch(hr, url, {"joined_on": "2020-01-06", "left_on": "2026-10-31"})
    assert edited.status_code == 200, edited.json
    assert (edited.json["joined_on"], edited.json["left_on"]) == ("2020-01-06", "2026-10-31")
    assert {p["id"]: (p["joined_on"], p["left_on"]) for p in hr.get("/api/v1/staff?per_page=200").json["items"]}[
        org["minh"].id] == ("2020-01-06", "2026-10-31")

    before = assert_problem(patch(hr, url, {"left_on": "2019-12-31"}), 422)
    assert field_errors(before) == {"left_on": "the last day employed (left_on 2019-12-31) is before the first "
                                               "(joined_on 2020-01-06)"}
    after = assert_problem(patch(hr, url, {"joined_on": "2026-11-01"}), 422)  # after the stored last day
    assert set(field_errors(after)) == {"joined_on"}
    both = assert_problem(patch(hr, url, {"joined_on": "2021-01-01", "left_on": "2020-12-31"}), 422)
    assert set(field_errors(both)) == {"left_on"}
    for body in ({"left_on": "2026-02-30"}, {"joined_on": "soon"}, {"left_on": 20261031}):
        assert set(field_errors(assert_problem(patch(hr, url, body), 422))) == set(body)
    db_session.expire_all()
    assert (org["minh"].joined_on, org["minh"].left_on) == (date(2020, 1, 6), date(2026, 10, 31))

    same_day = patch(hr, url, {"left_on": "2020-01-06"})  # one day employed: both days count
    assert same_day.status_code == 200, same_day.json
    reinstated = patch(hr, url, {"left_on": None})
    assert reinstated.status_code == 200, reinstated.json
    assert (reinstated.json["joined_on"], reinstated.json["left_on"]) == ("2020-01-06", None)
    assert patch(hr, url, {"joined_on": None}).json["joined_on"] is None


def test_listing_shows_every_record_by_default_and_filters_current_staff_or_leavers(api_as, db_session, org,
                                                                                    fake_clock):
    """Scripts listed every record before the employment period existed: the default still does."""
    hr = api_as("hr")
    # the clock stands at 2026-11-23: Lan left yesterday, Minh's last day is today, Hoa joins in December
    org["lan"].left_on, org["minh"].left_on = date(2026, 11, 22), date(2026, 11, 23)
    org["minh"].joined_on, org["hoa"].joined_on = date(2001, 1, 1), date(2026, 12, 1)
    db_session.flush()
    ours = {org["lan"].id, org["minh"].id, org["hoa"].id}

    def listed(query: str = "") -> set[int]:
        return staff_ids(hr.get(f"/api/v1/staff?per_page=200{query}")) & ours

    assert listed() == listed("&employment=all") == ours
    assert listed("&employment=current") == {org["minh"].id}
    assert listed("&employment=left") == {org["lan"].id}
    scoped = hr.get(f"/api/v1/staff?unit={org['parent'].id}&employment=current").json
    assert [p["id"] for p in scoped["items"]] == [org["minh"].id] and scoped["meta"]["total"] == 1
    assert "employment" in field_errors(assert_problem(hr.get("/api/v1/staff?employment=former"), 422))


def test_import_over_http_takes_the_employment_period_and_names_a_bad_one(api_as, db_session, org):
    hr = api_as("hr")
    header = [*HEADER, "joined_on", "left_on"]
    row = ["N1", "Vũ Hà", "1992-04-01", "female", org["child"].code, "public_employee", "", "", "", "en", ""]
    bad = assert_problem(upload(hr, csv_bytes([[*row, "2020-01-06", "2019-12-31"],
                                               ["N2", *row[1:], "06/01/2020", "31/13/2026"]],
                                              header), "staff.csv"), 422)
    assert field_errors(bad) == {
        "rows.2.left_on": "left_on: the last day employed (left_on 2019-12-31) is before the first "
                          "(joined_on 2020-01-06)",
        "rows.3.left_on": "left_on: '31/13/2026' is not a date (YYYY-MM-DD or DD/MM/YYYY)"}
    response = upload(hr, csv_bytes([[*row, "2020-01-06", "2026-10-31"]], header), "staff.csv")
    assert response.status_code == 200, response.json
    created = hr.get(f"/api/v1/staff/{response.json['entries'][0]['staff_id']}").json
    assert (created["joined_on"], created["left_on"]) == ("2020-01-06", "2026-10-31")


def _can_log_in(client, username: str) -> bool:
    from tests.factories import TEST_PASSWORD

    response = client.post("/api/v1/auth/login", json={"username": username, "password": TEST_PASSWORD})
    assert response.status_code in (200, 401), response.json
    if response.status_code == 401:  # a leaver is told exactly what a wrong password is told
        assert response.json["detail"] == "unknown username or wrong password"
    return response.status_code == 200


def test_a_leavers_account_stops_working_after_their_last_day_and_reinstating_opens_it(api_as, client, org,
                                                                                        fake_clock):
    """HR's joiner-mover-leaver rule: access ends after the last day employed, with nobody running
    `users deactivate`, and comes back when HR reinstates the person. The clock stands at 2026-11-23 in Hanoi."""
    hr = api_as("hr")
    learner = api_as("candidate", unit=org["parent"], username="lan.leaver")
    url = f"/api/v1/staff/{org['lan'].id}"
    assert patch(hr, url, {"username": "lan.leaver"}).status_code == 200
    assert _can_log_in(client, "lan.leaver")  # a browser session, next to the API token

    assert patch(hr, url, {"left_on": "2026-11-22"}).json["left_on"] == "2026-11-22"  # left yesterday
    assert learner.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401
    assert not _can_log_in(client, "lan.leaver")

    assert patch(hr, url, {"left_on": "2026-11-23"}).status_code == 200  # corrected: today is the last day
    me = learner.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json["access_ends_on"] == "2026-11-23"
    assert _can_log_in(client, "lan.leaver")
    fake_clock.advance(hours=8)  # 17:00 UTC: the 24th in Hanoi
    assert learner.get("/api/v1/auth/me").status_code == 401
    assert not _can_log_in(client, "lan.leaver")

    assert patch(hr, url, {"left_on": None}).json["left_on"] is None  # reinstated
    me = learner.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json["access_ends_on"] is None
    assert _can_log_in(client, "lan.leaver")


def test_linking_an_account_gives_it_the_records_last_day_and_unlinking_keeps_it(api_as, db_session, factory, org):
    """The access end comes with the link: an account linked to a leaver's record is closed with it, and the
    account a record is moved off, or unlinked from, stays closed (unlinking must not let a leaver back in)
    until it is linked to a record of someone employed or an administrator opens it."""
    from core.accounts import User
    from learning import staff

    hr = api_as("hr")
    first = api_as("candidate", unit=org["child"], username="minh.first")
    second = api_as("candidate", unit=org["child"], username="minh.second")
    url = f"/api/v1/staff/{org['minh'].id}"
    assert patch(hr, url, {"left_on": "2026-10-31"}).status_code == 200  # left before the account was linked
    assert first.get("/api/v1/auth/me").status_code == 200

    assert patch(hr, url, {"username": "minh.first"}).status_code == 200
    assert first.get("/api/v1/auth/me").status_code == 401
    assert patch(hr, url, {"username": "minh.second"}).status_code == 200  # the record's link moves
    assert first.get("/api/v1/auth/me").status_code == 401  # the leaver's old account stays closed
    assert second.get("/api/v1/auth/me").status_code == 401
    assert patch(hr, url, {"username": None}).status_code == 200  # unlinked: still the leaver's account
    assert second.get("/api/v1/auth/me").status_code == 401
    db_session.expire_all()
    ends = [db_session.get(User, caller.user.id).access_ends_on for caller in (first, second)]
    assert ends == [date(2026, 10, 31)] * 2

    assert patch(hr, f"/api/v1/staff/{org['lan'].id}", {"username": "minh.first"}).status_code == 200
    assert first.get("/api/v1/auth/me").status_code == 200  # linked to someone employed: that record decides
    assert staff.lift_access_end_of_unlinked(db_session, db_session.get(User, first.user.id)) is None  # linked
    assert staff.lift_access_end_of_unlinked(db_session, db_session.get(User, second.user.id)) == date(2026, 10, 31)
    assert second.get("/api/v1/auth/me").status_code == 200  # an administrator opened it (users activate)
    db_session.expire_all()
    assert [db_session.get(User, caller.user.id).access_ends_on for caller in (first, second)] == [None, None]


def test_an_account_without_a_unit_linked_by_organisation_wide_hr_takes_its_records_unit(api_as, db_session,
                                                                                         factory, org):
    """Only HR's unit is a scope: a candidate's account made without one and linked over HTTP kept none, so its
    unit's HR saw the person in /staff and the compliance report but not their levels or certificates."""
    child = org["child"]
    learner = factory.user("candidate", username="no.unit.learner")
    db_session.add(AssessedLevel(user_id=learner.id, level=4, basis="certification", language="en",
                                 awarded_at=datetime(2026, 1, 5, tzinfo=UTC)))
    db_session.flush()
    assert patch(api_as("hr"), f"/api/v1/staff/{org['minh'].id}", {"username": "no.unit.learner"}).status_code == 200
    db_session.expire_all()
    assert db_session.get(User, learner.id).unit_id == child.id
    levels = api_as("hr", unit=child).get(f"/api/v1/hr/levels?unit_id={child.id}")
    assert levels.status_code == 200 and [row["username"] for row in levels.json] == ["no.unit.learner"]


def test_people_levels_of_a_unit_take_in_its_sub_units_as_the_staff_list_does(api_as, org):
    parent_hr = api_as("hr", unit=org["parent"])
    listed = parent_hr.get(f"/api/v1/hr/people-levels?unit_id={org['parent'].id}")
    assert listed.status_code == 200
    expected = staff_ids(parent_hr.get(f"/api/v1/staff?unit={org['parent'].id}"))
    assert {person["staff_id"] for person in listed.json} == expected == {org["lan"].id, org["minh"].id}
    only_child = parent_hr.get(f"/api/v1/hr/people-levels?unit_id={org['child'].id}")
    assert [person["staff_id"] for person in only_child.json] == [org["minh"].id]

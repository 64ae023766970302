"""Bulk staff import: CSV and XLSX, every row reported, all or nothing; and ``levelpath staff import``."""

from __future__ import annotations

import csv
import functools
import io
import json
import unicodedata
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cli import main
from core.accounts import Actor
from core.audit import AuditEvent
from core.errors import PermissionDenied
from learning import organisation
from learning.models import JobPosition, StaffMember, Unit
from learning.staff_import import import_staff
from learning.staff_sheet import MAX_ROWS, StaffFileRefused, read_staff_file

HEADER = ["staff_number", "full_name", "birth_date", "gender", "unit", "category", "leadership_role", "is_leader",
          "position", "languages", "is_language_teacher"]


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER, *, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def org(db_session: Session, factory):
    parent = factory.unit("provincial_federation")
    child = Unit(code=f"{parent.code}-A", name="Sub-unit A", group=parent.group, parent_id=parent.id)
    other = factory.unit("central_sector_union")
    position = JobPosition(title=f"Staff translator {parent.code}", required_level=4)
    db_session.add_all([child, position])
    db_session.flush()
    return {"parent": parent, "child": child, "other": other, "position": position,
            "hr": factory.user("hr").as_actor()}


def good_rows(org) -> list[list[object]]:
    p, c = org["parent"].code, org["child"].code
    return [
        ["HR-001", "Nguyễn Thị Lan", "1988-03-14", "female", p, "civil_servant", "division_head", "yes",
         org["position"].title, "en;fr", "no"],
        ["HR-002", "Trần Văn Minh", "02/11/1995", "nam", c, "public_employee", "", "", "", "en", ""],
    ]


def staff_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StaffMember)) or 0


def run_import(session: Session, data: bytes, filename: str, *, actor: Actor, dry_run: bool = False):
    return import_staff(session, actor=actor, sheet=read_staff_file(data, filename=filename), dry_run=dry_run)


@pytest.mark.parametrize("kind", ["csv", "csv-bom", "xlsx"])
def test_a_good_file_creates_everyone_then_reimport_updates_or_leaves_unchanged(db_session, org, kind):
    rows = good_rows(org)
    make = xlsx_bytes if kind == "xlsx" else (lambda r: csv_bytes(r, bom=kind == "csv-bom"))
    filename = "staff.xlsx" if kind == "xlsx" else "staff.csv"
    report = run_import(db_session, make(rows), filename, actor=org["hr"])
    assert report.written and not report.rejected
    assert [(e.row, e.staff_number, e.status) for e in report.entries] == [(2, "HR-001", "created"),
                                                                           (3, "HR-002", "created")]
    lan = db_session.scalar(select(StaffMember).where(StaffMember.staff_number == "HR-001"))
    assert (lan.full_name, lan.birth_date, lan.gender, lan.unit_id, lan.category, lan.leadership_role,
            lan.is_leader, lan.position_id, lan.languages, lan.is_language_teacher) == (
        "Nguyễn Thị Lan", date(1988, 3, 14), "female", org["parent"].id, "civil_servant", "division_head",
        True, org["position"].id, ["en", "fr"], False)
    minh = db_session.get(StaffMember, report.entries[1].staff_id)
    assert (minh.birth_date, minh.gender, minh.unit_id, minh.is_leader) == (date(1995, 11, 2), "male",
                                                                            org["child"].id, False)

    rows[1][5] = "civil_servant"  # Minh changes category; Lan's row is the same
    again = run_import(db_session, make(rows), filename, actor=org["hr"])
    assert [(e.staff_number, e.status) for e in again.entries] == [("HR-001", "unchanged"), ("HR-002", "updated")]
    assert again.entries[1].reasons == ["changed: category"] and again.entries[1].staff_id == minh.id
    assert staff_count(db_session) == 2 and minh.category == "civil_servant"
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "staff.import")) == 2


def test_a_malformed_file_is_rejected_row_by_row_and_nothing_is_written(db_session, org):
    existing = run_import(db_session, csv_bytes(good_rows(org)), "staff.csv", actor=org["hr"])
    assert existing.written
    before = staff_count(db_session)
    p = org["parent"].code
    rows = [
        ["HR-010", "Good Person", "1990-01-01", "female", p, "civil_servant", "", "", "", "en", ""],
        ["HR-011", "Bad Date", "31/02/1990", "male", p, "civil_servant", "", "", "", "", ""],
        ["HR-012", "Unknown Unit", "1990-01-01", "male", "NOPE-99", "civil_servant", "", "", "", "", ""],
        ["HR-010", "Same Number", "1991-01-01", "female", p, "public_employee", "", "", "", "", ""],
        ["HR-013", "Unknown Position", "1990-01-01", "male", p, "civil_servant", "", "", "Astronaut", "", ""],
        ["", "", "tomorrow", "robot", p, "soldier", "", "maybe", "", "english!", ""],
        ["HR-002", "Trần Văn Minh", "2099-01-01", "male", p, "public_employee", "", "", "", "en", ""],
    ]
    report = run_import(db_session, csv_bytes(rows), "staff.csv", actor=org["hr"])
    assert report.rejected and not report.written
    statuses = {e.row: (e.status, e.reasons) for e in report.entries}
    assert len(statuses) == 7
    assert statuses[2] == ("created", [])  # would have been created: the report still lists it
    assert statuses[3][0] == "rejected" and statuses[3][1] == [
        "birth_date: '31/02/1990' is not a date (YYYY-MM-DD or DD/MM/YYYY)"]
    assert statuses[4][1] == ["unit: no unit with code 'NOPE-99'"]
    assert statuses[5][1] == ["staff_number: 'HR-010' is also on row 2"]
    assert statuses[6][1] == ["position: no job position titled 'Astronaut'"]
    reasons = " | ".join(statuses[7][1])
    for fragment in ("staff_number: required, empty", "full_name: required, empty", "birth_date: 'tomorrow'",
                     "gender: 'robot'", "category: 'soldier'", "is_leader: 'maybe'", "languages: not language"):
        assert fragment in reasons
    assert statuses[8][1] == ["birth_date: 2099-01-01 is not a plausible birth date"]
    assert staff_count(db_session) == before
    assert db_session.scalar(select(StaffMember.birth_date).where(StaffMember.staff_number == "HR-002")) == \
        date(1995, 11, 2)


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes])
def test_missing_columns_refuse_the_whole_file_naming_them(db_session, org, make):
    header = ["staff_number", "full_name", "unit", "category"]
    with pytest.raises(StaffFileRefused) as refused:
        read_staff_file(make([["X1", "A", org["parent"].code, "civil_servant"]], header), filename="s.xlsx"
                        if make is xlsx_bytes else "s.csv")
    assert "missing required columns: birth_date, gender" in refused.value.detail
    assert refused.value.errors == {"columns": ["missing: birth_date", "missing: gender"]}


def test_non_xlsx_content_old_excel_and_non_utf8_are_refused(db_session):
    for data, filename, message in [
        (b"staff_number,full_name\n", "staff.xlsx", "not an XLSX workbook"),
        (b"\xd0\xcf\x11\xe0 old excel", "staff.xls", "only .xlsx or .csv"),
        ("staff_number,full_name\nX,Nguy\u1ec5n\n".encode("cp1258", errors="replace").replace(b"?", b"\xec"),
         "staff.csv", "not UTF-8"),
    ]:
        with pytest.raises(StaffFileRefused, match=message):
            read_staff_file(data, filename=filename)
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(StaffFileRefused, match="not an XLSX workbook"):
        read_staff_file(out.getvalue(), filename="staff.xlsx")


def test_more_rows_than_the_limit_are_refused():
    rows = [[f"N{i}", "A", "1990-01-01", "male", "1", "civil_servant"] for i in range(4)]
    assert len(read_staff_file(csv_bytes(rows, HEADER[:6]), filename="s.csv", max_rows=4).rows) == 4
    with pytest.raises(StaffFileRefused, match="more than 3 rows"):
        read_staff_file(csv_bytes(rows, HEADER[:6]), filename="s.csv", max_rows=3)
    assert MAX_ROWS == 200_000


def test_blank_lines_semicolons_and_extra_columns_are_tolerated(db_session, org):
    text = ("\ufeffStaff Number;Full Name;Birth Date;Gender;Unit;Category;Notes\n"
            f"HR-100;Lê Văn A;1990-05-05;male;{org['parent'].code};civil_servant;new hire\n;;;;;;\n")
    report = run_import(db_session, text.encode(), "s.csv", actor=org["hr"])
    assert report.written and [e.status for e in report.entries] == ["created"]
    assert report.ignored_columns == ("notes",)


def test_dry_run_reports_but_writes_nothing(db_session, org):
    report = run_import(db_session, csv_bytes(good_rows(org)), "staff.csv", dry_run=True, actor=org["hr"])
    assert [e.status for e in report.entries] == ["created", "created"] and not report.written
    assert staff_count(db_session) == 0


def test_unit_scoped_hr_imports_only_into_its_subtree(db_session, factory, org):
    hr = factory.user("hr", unit=org["parent"]).as_actor()
    rows = good_rows(org)
    assert run_import(db_session, csv_bytes(rows), "s.csv", actor=hr).written  # unit and sub-unit
    outside = [["HR-050", "Elsewhere", "1990-01-01", "male", org["other"].code, "civil_servant", "", "", "", "",
                ""]]
    report = run_import(db_session, csv_bytes(outside), "s.csv", actor=hr)
    assert report.entries[0].reasons == [f"unit: {org['other'].code!r} is outside your HR scope"]
    child_hr = factory.user("hr", unit=org["child"]).as_actor()
    moved = [["HR-001", "Nguyễn Thị Lan", "1988-03-14", "female", org["child"].code, "civil_servant", "", "", "",
              "", ""]]
    assert run_import(db_session, csv_bytes(moved), "s.csv", actor=child_hr).entries[0].reasons == [
        "staff_number: 'HR-001' belongs to a person outside your HR scope"]
    with pytest.raises(PermissionDenied):
        run_import(db_session, csv_bytes(rows), "s.csv", actor=factory.user("author").as_actor())


def test_subtree_and_ancestors_follow_the_unit_tree(db_session, org):
    grandchild = Unit(code=f"{org['child'].code}-1", name="Team", group=org["parent"].group,
                      parent_id=org["child"].id)
    db_session.add(grandchild)
    db_session.flush()
    assert organisation.subtree_ids(db_session, org["parent"].id) == {org["parent"].id, org["child"].id,
                                                                      grandchild.id}
    assert organisation.subtree_ids(db_session, org["other"].id) == {org["other"].id}
    assert organisation.ancestor_ids(db_session, grandchild.id) == {org["parent"].id, org["child"].id}


def test_cli_imports_reports_and_fails_on_rejected_rows(empty_database, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    with Session(empty_database.engine) as session:
        session.add_all([Unit(code="U1", name="Unit one", group="vgcl_department"),
                         JobPosition(title="Translator", required_level=4)])
        session.commit()
    good = tmp_path / "staff.xlsx"
    good.write_bytes(xlsx_bytes([
        ["HR-1", "Phạm Thu", date(1990, 1, 2), "female", "U1", "civil_servant", "", "", "Translator", "en", "x"],
        ["HR-2", "Đỗ Nam", "1985-12-30", "male", "U1", "public_employee", "Phó trưởng phòng", "1", "", "", ""],
    ]))
    dry = runner.invoke(main, ["staff", "import", str(good), "--dry-run"], catch_exceptions=False)
    assert dry.exit_code == 0, dry.output
    assert "dry run: 2 created; nothing written" in dry.output
    written = runner.invoke(main, ["staff", "import", str(good), "--json"], catch_exceptions=False)
    assert written.exit_code == 0, written.output
    report = json.loads(written.stdout)
    assert report["written"] and report["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["HR-1", "Phạm Thu", "1990-01-02", "female", "U1", "civil_servant", "", "",
                                "Translator", "en", "x"],
                               ["HR-3", "Ghost", "1990-13-01", "male", "U9", "civil_servant", "", "", "", "", ""]]))
    rejected = runner.invoke(main, ["staff", "import", str(bad)], catch_exceptions=False)
    assert rejected.exit_code == 1
    assert "unchanged" in rejected.output and "unit: no unit with code 'U9'" in rejected.output
    assert "1 unchanged, 1 rejected; nothing written" in rejected.output
    missing = tmp_path / "missing.csv"
    missing.write_text("staff_number,full_name\nHR-9,Someone\n", encoding="utf-8")
    refused = runner.invoke(main, ["staff", "import", str(missing)], catch_exceptions=False)
    assert refused.exit_code == 1 and "missing required columns: birth_date, gender, unit, category" in \
        refused.output
    with Session(empty_database.engine) as session:
        assert session.scalar(select(func.count()).select_from(StaffMember)) == 2
        assert session.scalar(select(StaffMember.is_language_teacher).where(StaffMember.staff_number == "HR-1"))
        assert session.scalar(select(StaffMember.leadership_role).where(StaffMember.staff_number == "HR-2")) == \
            "deputy_division_head"

    for command in (["users", "create", "--username", "hr.gone", "--password", "a-long-hr-secret", "--role", "hr"],
                    ["users", "deactivate", "hr.gone"]):
        assert runner.invoke(main, command, catch_exceptions=False).exit_code == 0
    as_closed = runner.invoke(main, ["staff", "import", str(good), "--as", "hr.gone"], catch_exceptions=False)
    assert as_closed.exit_code != 0 and "the account 'hr.gone' is closed" in as_closed.output  # nobody acts in its name


def test_external_relations_staff_are_marked_from_the_file(db_session, org):
    header = [*HEADER, "is_external_relations"]
    code = org["parent"].code
    rows = [["ER-1", "Lê Văn Đối", "1985-02-03", "male", code, "civil_servant", "", "no", "", "en;fr", "no", "yes"],
            ["ER-2", "Phạm Thị Hai", "1990-04-05", "female", code, "civil_servant", "", "no", "", "en", "no", "no"],
            ["ER-3", "Đỗ Văn Ba", "1991-06-07", "male", code, "civil_servant", "", "no", "", "en", "no", "perhaps"]]
    refused = run_import(db_session, csv_bytes(rows, header), "er.csv", actor=org["hr"])
    assert refused.rejected and not refused.written
    assert [(e.row, e.status) for e in refused.entries if e.status == "rejected"] == [(4, "rejected")]
    assert "is_external_relations" in " ".join(refused.entries[2].reasons)
    written = run_import(db_session, csv_bytes(rows[:2], header), "er.csv", actor=org["hr"])
    assert written.written and not written.rejected
    marked = dict(db_session.execute(select(StaffMember.staff_number, StaffMember.is_external_relations)
                                     .where(StaffMember.staff_number.in_(["ER-1", "ER-2"]))).all())
    assert marked == {"ER-1": True, "ER-2": False}


def test_a_username_column_links_login_accounts_one_account_one_person(db_session, factory, org):
    hr = factory.user("hr", unit=org["parent"]).as_actor()
    lan = factory.user("candidate", unit=org["parent"], username="lan.import")
    minh = factory.user("candidate", unit=org["child"], username="minh.import")
    factory.user("candidate", unit=org["other"], username="outsider")
    header = [*HEADER, "username"]
    rows = [[*row, name] for row, name in zip(good_rows(org), ["lan.import", ""], strict=True)]
    report = run_import(db_session, csv_bytes(rows, header), "s.csv", actor=hr)
    assert report.written, report.to_dict()
    people = {m.staff_number: m for m in db_session.scalars(select(StaffMember))}
    assert (people["HR-001"].user_id, people["HR-002"].user_id) == (lan.id, None)

    rows[1][-1] = "minh.import"
    assert [e.status for e in run_import(db_session, csv_bytes(rows, header), "s.csv", actor=hr).entries] == [
        "unchanged", "updated"]
    assert people["HR-002"].user_id == minh.id
    rows[0][-1] = ""  # empty keeps the link; so does a sheet without the column
    assert [e.status for e in run_import(db_session, csv_bytes(rows, header), "s.csv", actor=hr).entries] == [
        "unchanged", "unchanged"]
    assert run_import(db_session, csv_bytes(good_rows(org)), "s.csv", actor=hr).written
    assert (people["HR-001"].user_id, people["HR-002"].user_id) == (lan.id, minh.id)

    p = org["parent"].code
    bad = [["HR-001", "Nguyễn Thị Lan", "1988-03-14", "female", p, "civil_servant", "", "", "", "", "", "minh.import"],
           ["HR-020", "New One", "1990-01-01", "male", p, "civil_servant", "", "", "", "", "", "ghost"],
           ["HR-021", "New Two", "1990-01-01", "male", p, "civil_servant", "", "", "", "", "", "outsider"],
           ["HR-022", "New Three", "1990-01-01", "male", p, "civil_servant", "", "", "", "", "", "fresh"],
           ["HR-023", "New Four", "1990-01-01", "male", p, "civil_servant", "", "", "", "", "", "fresh"]]
    factory.user("candidate", unit=org["parent"], username="fresh")
    rejected = run_import(db_session, csv_bytes(bad, header), "s.csv", actor=hr)
    assert not rejected.written
    assert {e.row: e.reasons for e in rejected.entries} == {
        2: ["username: the account 'minh.import' is linked to another staff member; unlink it there first"],
        3: ["username: no account named 'ghost' in your HR scope"],
        4: ["username: no account named 'outsider' in your HR scope"],  # another unit's account
        5: [],
        6: ["username: 'fresh' is also on row 5"]}
    assert (people["HR-001"].user_id, people["HR-002"].user_id) == (lan.id, minh.id)


def test_decomposed_unicode_headers_and_cells_are_read_as_composed(db_session, org):
    """Text typed with combining accents (NFD, e.g. from macOS) is the same text as its composed form."""
    nfd = functools.partial(unicodedata.normalize, "NFD")
    header = [nfd(name) for name in ["Mã nhân sự", "Họ và tên", "Ngày sinh", "Giới tính", "Đơn vị", "category",
                                     "Chức vụ"]]
    rows = [["VN-1", nfd("Nguyễn Thị Nữ"), "14/03/1988", nfd("Nữ"), org["parent"].code, "civil_servant",
             nfd("Trưởng phòng")]]
    for make, filename in [(csv_bytes, "s.csv"), (xlsx_bytes, "s.xlsx")]:
        report = run_import(db_session, make(rows, header), filename, actor=org["hr"])
        assert report.written and not report.rejected, report.to_dict()
        member = db_session.scalar(select(StaffMember).where(StaffMember.staff_number == "VN-1"))
        assert (member.full_name, member.gender, member.leadership_role) == (
            unicodedata.normalize("NFC", "Nguyễn Thị Nữ"), "female", "division_head")
        composed = [["VN-1", "Nguyễn Thị Nữ", "1988-03-14", "Nữ", org["parent"].code, "civil_servant",
                     "Trưởng phòng"]]
        assert [e.status for e in run_import(db_session, make(composed, header), filename,
                                             actor=org["hr"]).entries] == ["unchanged"]


def test_leadership_roles_must_be_on_the_ladder_or_one_of_its_titles(db_session, org):
    p = org["parent"].code
    rows = [[f"LR-{i}", "A Person", "1990-01-01", "male", p, "civil_servant", title, "", "", "", ""]
            for i, title in enumerate(["Phó trưởng ban", "Vụ trưởng", "deputy division head", "Trưởng nhóm"])]
    report = run_import(db_session, csv_bytes(rows), "s.csv", actor=org["hr"])
    assert [e.status for e in report.entries] == ["created", "created", "created", "rejected"]
    assert report.entries[3].reasons[0].startswith("leadership_role: 'Trưởng nhóm' is not a leadership role")
    written = run_import(db_session, csv_bytes(rows[:3]), "s.csv", actor=org["hr"])
    roles = dict(db_session.execute(select(StaffMember.staff_number, StaffMember.leadership_role)).all())
    assert written.written and roles == {"LR-0": "deputy_department_head", "LR-1": "department_head",
                                         "LR-2": "deputy_division_head"}


def test_a_leadership_role_makes_a_leader_alike_for_new_and_existing_records(db_session, org):
    p = org["parent"].code
    base = ["staff_number", "full_name", "birth_date", "gender", "unit", "category"]
    first = [["LD-1", "An", "1985-01-01", "nam", p, "public_employee"]]
    assert run_import(db_session, csv_bytes(first, base), "s.csv", actor=org["hr"]).written
    existing = db_session.scalar(select(StaffMember).where(StaffMember.staff_number == "LD-1"))
    assert existing.is_leader is False
    with_role = [["LD-1", "An", "1985-01-01", "nam", p, "public_employee", "Trưởng phòng"],
                 ["LD-2", "Bình", "1985-01-01", "nam", p, "public_employee", "Trưởng phòng"]]
    report = run_import(db_session, csv_bytes(with_role, [*base, "leadership_role"]), "s.csv", actor=org["hr"])
    assert [(e.status, e.reasons) for e in report.entries] == [
        ("updated", ["changed: leadership_role, is_leader"]), ("created", [])]
    people = {m.staff_number: (m.leadership_role, m.is_leader) for m in db_session.scalars(
        select(StaffMember).where(StaffMember.staff_number.in_(["LD-1", "LD-2"])))}
    assert people == {"LD-1": ("division_head", True), "LD-2": ("division_head", True)}
    # an is_leader given wins; an empty cell means "from the role", the one given or the record's own
    cells = [["LD-1", "An", "1985-01-01", "nam", p, "public_employee", "no"],
             ["LD-2", "Bình", "1985-01-01", "nam", p, "public_employee", ""]]
    run_import(db_session, csv_bytes(cells, [*base, "is_leader"]), "s.csv", actor=org["hr"])
    people = {m.staff_number: (m.leadership_role, m.is_leader) for m in db_session.scalars(
        select(StaffMember).where(StaffMember.staff_number.in_(["LD-1", "LD-2"])))}
    assert people == {"LD-1": ("division_head", False), "LD-2": ("division_head", True)}


def test_a_position_named_alike_by_two_stored_positions_rejects_the_row_instead_of_picking_one(db_session, org):
    p = org["parent"].code
    # stored before titles were unique by case and spaces: the import cannot know which one HR meant
    twins = [JobPosition(title=f"Interpreter {p}", required_level=5),
             JobPosition(title=f"interpreter {p} ", required_level=2)]
    db_session.add_all(twins)
    db_session.flush()
    rows = [["PS-1", "An", "1985-01-01", "nam", p, "civil_servant", "", "", f"Interpreter {p}", "", ""],
            ["PS-2", "Bình", "1985-01-01", "nam", p, "civil_servant", "", "",
             f" STAFF  translator {p}", "", ""]]
    report = run_import(db_session, csv_bytes(rows), "s.csv", actor=org["hr"])
    assert not report.written and [e.status for e in report.entries] == ["rejected", "created"]
    assert report.entries[0].reasons == [
        f"position: 'Interpreter {p}' matches 2 job positions ('Interpreter {p}', 'interpreter {p} '); "
        "rename them apart first"]
    twins[1].title = f"Junior interpreter {p}"
    db_session.flush()
    assert run_import(db_session, csv_bytes(rows), "s.csv", actor=org["hr"]).written
    placed = dict(db_session.execute(select(StaffMember.staff_number, StaffMember.position_id)
                                     .where(StaffMember.staff_number.in_(["PS-1", "PS-2"]))).all())
    assert placed == {"PS-1": twins[0].id, "PS-2": org["position"].id}


def test_a_rejected_row_of_someone_outside_the_scope_does_not_reveal_their_record_id(db_session, factory, org):
    assert run_import(db_session, csv_bytes(good_rows(org)), "s.csv", actor=org["hr"]).written
    child_hr = factory.user("hr", unit=org["child"]).as_actor()
    rows = good_rows(org)
    report = run_import(db_session, csv_bytes(rows), "s.csv", actor=child_hr)
    outside, inside = report.entries
    assert outside.status == "rejected" and "outside your HR scope" in " ".join(outside.reasons)
    assert outside.staff_id is None and outside.to_dict()["staff_id"] is None
    assert inside.staff_id == db_session.scalar(select(StaffMember.id).where(StaffMember.staff_number == "HR-002"))


def test_joined_on_and_left_on_columns_record_the_employment_period(db_session, org):
    header = [*HEADER, "joined_on", "left_on"]
    rows = [[*good_rows(org)[0], "2015-09-01", ""], [*good_rows(org)[1], "01/03/2020", "31/10/2026"]]
    assert run_import(db_session, csv_bytes(rows, header), "s.csv", actor=org["hr"]).written
    people = {m.staff_number: m for m in db_session.scalars(select(StaffMember))}
    assert (people["HR-001"].joined_on, people["HR-001"].left_on) == (date(2015, 9, 1), None)
    assert (people["HR-002"].joined_on, people["HR-002"].left_on) == (date(2020, 3, 1), date(2026, 10, 31))

    # Vietnamese headers and date cells; an empty left_on reinstates, as an empty optional cell clears its field
    vietnamese = [*HEADER, "Ngày vào", "Ngày nghỉ"]
    rows = [[*good_rows(org)[0], date(2015, 9, 1), date(2026, 11, 30)], [*good_rows(org)[1], date(2020, 3, 1), ""]]
    report = run_import(db_session, xlsx_bytes(rows, vietnamese), "s.xlsx", actor=org["hr"])
    assert [(e.status, e.reasons) for e in report.entries] == [("updated", ["changed: left_on"]),
                                                                ("updated", ["changed: left_on"])]
    assert (people["HR-001"].left_on, people["HR-002"].left_on) == (date(2026, 11, 30), None)
    # a file without the columns leaves the period alone
    assert [e.status for e in run_import(db_session, csv_bytes(good_rows(org)), "s.csv", actor=org["hr"]).entries
            ] == ["unchanged", "unchanged"]
    assert (people["HR-001"].joined_on, people["HR-001"].left_on) == (date(2015, 9, 1), date(2026, 11, 30))


def test_a_bad_employment_date_or_a_last_day_before_the_first_rejects_the_row(db_session, org):
    assert run_import(db_session, csv_bytes([[*good_rows(org)[0], "2015-09-01", "2026-11-30"]],
                                            [*HEADER, "joined_on", "left_on"]), "s.csv", actor=org["hr"]).written
    p = org["parent"].code
    row = ["HR-030", "New Person", "1990-01-01", "male", p, "civil_servant", "", "", "", "", ""]
    report = run_import(db_session, csv_bytes([
        [*row, "2026-02-30", "soon"],
        ["HR-031", *row[1:], "2021-01-01", "31/12/2020"],
        ["HR-032", *row[1:], "2021-01-01", "2021-01-01"],  # one day employed: both days count
    ], [*HEADER, "joined_on", "left_on"]), "s.csv", actor=org["hr"])
    assert {e.row: e.reasons for e in report.entries} == {
        2: ["joined_on: '2026-02-30' is not a date (YYYY-MM-DD or DD/MM/YYYY)",
            "left_on: 'soon' is not a date (YYYY-MM-DD or DD/MM/YYYY)"],
        3: ["left_on: the last day employed (left_on 2020-12-31) is before the first (joined_on 2021-01-01)"],
        4: []}
    assert not report.written and staff_count(db_session) == 1
    # one column alone is checked against the date the record holds (HR-001 joined 2015-09-01, left 2026-11-30)
    lan = good_rows(org)[0]
    only_left = run_import(db_session, csv_bytes([[*lan, "2014-12-31"]], [*HEADER, "ngày_nghỉ"]), "s.csv",
                           actor=org["hr"])
    assert only_left.entries[0].reasons == [
        "left_on: the last day employed (left_on 2014-12-31) is before the first (joined_on 2015-09-01)"]
    only_joined = run_import(db_session, csv_bytes([[*lan, "2026-12-01"]], [*HEADER, "ngày_vào"]), "s.csv",
                             actor=org["hr"])
    assert only_joined.entries[0].reasons == [
        "joined_on: the last day employed (left_on 2026-11-30) is before the first (joined_on 2026-12-01)"]
    assert not only_left.written and not only_joined.written
    stored = db_session.scalar(select(StaffMember).where(StaffMember.staff_number == "HR-001"))
    assert (stored.joined_on, stored.left_on) == (date(2015, 9, 1), date(2026, 11, 30))


def test_the_import_ends_a_linked_accounts_access_after_the_last_day_employed(db_session, factory, org, fake_clock):
    """A created or updated row that links an account, or sets, changes or clears left_on, sets the account's
    access_ends_on; the account a row moves its record off keeps the end it had (a leaver's old account stays
    closed). The clock stands at 2026-11-23 in Hanoi."""
    from core.accounts import User
    from core.accounts import services as accounts
    from tests.factories import TEST_PASSWORD

    lan = factory.user("candidate", unit=org["parent"], username="lan.leaving")
    minh = factory.user("candidate", unit=org["child"], username="minh.staying")
    minh_new = factory.user("candidate", unit=org["child"], username="minh.new")

    def ends() -> dict[str, date | None]:
        db_session.expire_all()
        return {user.username: db_session.get(User, user.id).access_ends_on for user in (lan, minh, minh_new)}

    def can_log_in(user: User) -> bool:
        return accounts.authenticate(db_session, username=user.username, password=TEST_PASSWORD) is not None

    header = [*HEADER, "username", "left_on"]
    rows = [[*good_rows(org)[0], "lan.leaving", "2026-11-22"], [*good_rows(org)[1], "minh.staying", ""]]
    assert run_import(db_session, csv_bytes(rows, header), "s.csv", actor=org["hr"]).written  # both created
    assert ends() == {"lan.leaving": date(2026, 11, 22), "minh.staying": None, "minh.new": None}
    assert not can_log_in(lan) and can_log_in(minh)

    rows[0][-1], rows[1][-1] = "", "2026-11-23"  # Lan reinstated (an empty cell), Minh's last day is today
    assert [e.status for e in run_import(db_session, csv_bytes(rows, header), "s.csv", actor=org["hr"]).entries] \
        == ["updated", "updated"]
    assert ends() == {"lan.leaving": None, "minh.staying": date(2026, 11, 23), "minh.new": None}
    assert can_log_in(lan) and can_log_in(minh)

    rows[1][-2] = "minh.new"  # Minh's record now has another account: the old one keeps its end
    assert run_import(db_session, csv_bytes(rows, header), "s.csv", actor=org["hr"]).written
    assert ends() == {"lan.leaving": None, "minh.staying": date(2026, 11, 23), "minh.new": date(2026, 11, 23)}
    left_only = [[*good_rows(org)[1], "2026-11-20"]]  # a file with left_on and no username column
    assert run_import(db_session, csv_bytes(left_only, [*HEADER, "ngày_nghỉ"]), "s.csv", actor=org["hr"]).written
    assert ends()["minh.new"] == date(2026, 11, 20) and not can_log_in(minh_new)

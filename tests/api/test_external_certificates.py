"""Certificates issued elsewhere: recorded by HR with their document, converted by the documented table of a
purpose, verified into certified levels that learning/ counts, rejected or revoked; scope, bad input, audit."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from assessment.external_certificates import ExternalCertificate
from assessment.external_certificates.documents import MAX_DOCUMENT_BYTES
from assessment.models import AssessedLevel
from core import clock
from core.audit import AuditEvent
from learning import queries
from question_bank.models import MediaObject

PROBLEM = "application/problem+json"
URL = "/api/v1/external-certificates"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TODAY = clock.day_in_vietnam()  # the service's calendar day


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    body = response.json
    assert body["status"] == status and {"type", "title", "detail"} <= set(body)
    return body


def field_errors(body: dict) -> dict[str, str]:
    return {error["field"]: error["message"] for error in body.get("errors", [])}


@pytest.fixture
def unit(factory):
    return factory.unit()


@pytest.fixture
def hr(api_as, unit):
    return api_as("hr", unit=unit)


@pytest.fixture
def holder(api_as, unit):
    return api_as("candidate", unit=unit)


def form(holder_id: int, /, *, document=None, **fields) -> dict:
    data = {"holder_id": str(holder_id), "kind": "ielts", "issuing_body": "IDP Vietnam",
            "certificate_number": f"25VN{holder_id:06d}IELTS", "issued_on": (TODAY - timedelta(days=30)).isoformat(),
            "expires_on": (TODAY + timedelta(days=700)).isoformat(), "purpose": "masters", "score": "6.5"}
    data.update({key: value for key, value in fields.items() if value is not None})
    for key in [key for key, value in fields.items() if value is None]:
        data.pop(key, None)
    content, name, media_type = document if document else (PDF, "certificate.pdf", "application/pdf")
    if document is not False:
        data["document"] = (io.BytesIO(content), name, media_type)
    return data


def record(client, holder_id: int, /, **fields):
    return client.post(URL, data=form(holder_id, **fields), content_type="multipart/form-data")


def recorded(client, holder_id: int, **fields) -> dict:
    response = record(client, holder_id, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- conversion by the documented tables, at their boundaries --------------------------------------------

@pytest.mark.parametrize(("fields", "level", "outcome", "rule", "regulation"), [
    # TT 23/2021 (master's): IELTS 4.0-5.0 level 3, 5.5-6.5 level 4; nothing below 4.0 or above 6.5.
    ({"score": "4.0"}, 3, "matched", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"score": "5.0"}, 3, "matched", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"score": "5.5"}, 4, "matched", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"score": "6.5"}, 4, "matched", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"score": "3.5"}, None, "below_table", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"score": "7.0"}, None, "above_table", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"kind": "toefl_ibt", "score": "45"}, 3, "matched", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"kind": "toefl_ibt", "score": "46"}, 4, "matched", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"kind": "toeic_4_skills", "score": None,
      "subscores": '{"listening": 400, "reading": 385, "speaking": 160, "writing": 150}'},
     4, "matched", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"kind": "toeic_4_skills", "score": None,
      "subscores": '{"listening": 399, "reading": 385, "speaking": 160, "writing": 150}'},
     None, "subscores_split", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"kind": "cambridge_b2_first", "score": "160"}, 4, "matched", "conversion.masters@tt23-2021", "TT-23-2021"),
    ({"kind": "cambridge_b2_first", "score": "159"}, None, "below_table", "conversion.masters@tt23-2021",
     "TT-23-2021"),
    # TT 18/2021 (doctoral) gives minimums only: IELTS 5.5 is level 4, 5.0 is nothing; TOEIC is not accepted.
    ({"purpose": "doctoral", "score": "5.5"}, 4, "matched", "conversion.doctoral@tt18-2021", "TT-18-2021"),
    ({"purpose": "doctoral", "score": "9.0"}, 4, "matched", "conversion.doctoral@tt18-2021", "TT-18-2021"),
    ({"purpose": "doctoral", "score": "5.0"}, None, "below_table", "conversion.doctoral@tt18-2021", "TT-18-2021"),
    ({"purpose": "doctoral", "kind": "toeic_listening_reading", "score": "900"}, None, "not_listed",
     "conversion.doctoral@tt18-2021", "TT-18-2021"),
    # The older table (TT 05/2012): TOEIC Listening & Reading minimums 450 (level 3) and 600 (level 4).
    ({"purpose": "legacy", "kind": "toeic_listening_reading", "score": "449"}, None, "below_table",
     "conversion.legacy@tt05-2012", "TT-05-2012"),
    ({"purpose": "legacy", "kind": "toeic_listening_reading", "score": "450"}, 3, "matched",
     "conversion.legacy@tt05-2012", "TT-05-2012"),
    ({"purpose": "legacy", "kind": "toeic_listening_reading", "score": "599"}, 3, "matched",
     "conversion.legacy@tt05-2012", "TT-05-2012"),
    ({"purpose": "legacy", "kind": "toeic_listening_reading", "score": "600"}, 4, "matched",
     "conversion.legacy@tt05-2012", "TT-05-2012"),
    ({"purpose": "legacy", "kind": "cambridge_b2_first", "score": None}, 4, "matched",
     "conversion.legacy@tt05-2012", "TT-05-2012"),
    # A VSTEP certificate from another centre states its national level: no equivalence table is involved.
    ({"kind": "vstep_3_5", "score": "5", "issuing_body": "ĐH Ngoại ngữ, ĐHQG Hà Nội"}, 5, "matched",
     "framework.national@tt01-2014", "TT-01-2014"),
])
def test_a_recorded_certificate_is_converted_by_the_purposes_table(hr, holder, fields, level, outcome, rule,
                                                                   regulation):
    body = recorded(hr, holder.user.id, **fields)
    assert (body["level"], body["outcome"], body["status"]) == (level, outcome, "recorded")
    assert body["conversion_rule"].startswith(rule.split("@")[0])
    if not rule.startswith("framework."):
        assert (body["conversion_rule"], body["regulation_id"]) == (rule, regulation)
    assert body["conversion_explanation"]  # says why, level or not
    assert body["converted_on"] == TODAY.isoformat()
    assert body["recorded_by"] == hr.user.id and body["holder_id"] == holder.user.id
    assert body["holder_name"] == holder.user.full_name and body["holder_unit_id"] == holder.user.unit_id


def test_an_unconvertible_certificate_says_why(hr, holder):
    body = recorded(hr, holder.user.id, purpose="doctoral", kind="toeic_listening_reading", score="900")
    assert body["level"] is None and body["cefr"] is None
    assert "does not list TOEIC Listening & Reading" in body["conversion_explanation"]


def test_the_table_of_the_chosen_day_applies_and_is_kept_as_made(hr, holder):
    # Before 15/10/2021, master's admission used the older table: IELTS 4.5 was level 3 there.
    body = recorded(hr, holder.user.id, score="4.5", converted_on="2021-01-04", issued_on="2020-12-01",
                    expires_on="2022-12-01")
    assert (body["level"], body["conversion_rule"], body["regulation_id"]) == (
        3, "conversion.masters@tt15-2014", "TT-05-2012")
    assert body["converted_on"] == "2021-01-04"
    again = hr.get(f"{URL}/{body['id']}").json
    assert again["conversion_rule"] == "conversion.masters@tt15-2014" and again["level"] == 3


def test_verification_uses_the_stored_conversion_not_todays_tables(hr, holder, unit, monkeypatch):
    from assessment.external_certificates import services

    body = recorded(hr, holder.user.id, score="5.5")

    def changed_tables(*args, **kwargs):
        raise AssertionError("a recorded conversion is never made again")

    monkeypatch.setattr(services, "convert", changed_tables)
    assert hr.post(f"{URL}/{body['id']}/verify").status_code == 200
    assert [row["level"] for row in hr.get(f"/api/v1/hr/levels?unit_id={unit.id}").json] == [4]


def test_the_documented_tables_and_kinds_are_published(hr, holder):
    tables = hr.get(f"{URL}/conversions?purpose=masters").json
    assert len(tables) == 1 and tables[0]["rule_version"] == "conversion.masters@tt23-2021"
    table = tables[0]["table"]
    assert table["regulation"]["id"] == "TT-23-2021"
    assert {"certificate": "ielts", "certificate_name": "IELTS", "level": 4, "condition": "score 5.5–6.5",
            "level_basis": "stated", "note": None} in table["rows"]
    older = holder.get(f"{URL}/conversions?purpose=masters&on=2020-06-01").json
    assert older[0]["rule_version"] == "conversion.masters@tt15-2014"
    every = hr.get(f"{URL}/conversions").json
    assert {entry["purpose"] for entry in every} >= {"masters", "doctoral", "legacy"}
    kinds = {kind["id"]: kind for kind in hr.get(f"{URL}/kinds").json}
    assert kinds["ielts"]["scale"] == {"min": "0", "max": "9", "step": "0.5"}
    assert set(kinds["toeic_4_skills"]["subscores"]) == {"listening", "reading", "speaking", "writing"}
    assert_problem(hr.get(f"{URL}/conversions?purpose=astrology"), 422)


# --- verification feeds learning/, revocation takes it back ----------------------------------------------

def test_verification_makes_the_level_certified_for_learning_and_revocation_removes_it(hr, holder, unit,
                                                                                     db_session, api_as):
    body = recorded(hr, holder.user.id, score="6.0")
    levels_url = f"/api/v1/hr/levels?unit_id={unit.id}"
    assert hr.get(levels_url).json == []  # recorded is not verified

    verified = hr.post(f"{URL}/{body['id']}/verify", json={"note": "TRF checked on the issuer's portal"})
    assert verified.status_code == 200, verified.json
    assert (verified.json["status"], verified.json["verified_by"], verified.json["verification_note"]) == (
        "verified", hr.user.id, "TRF checked on the issuer's portal")
    rows = hr.get(levels_url).json
    assert [(row["user_id"], row["level"], row["basis"], row["external_certificate_id"]) for row in rows] == [
        (holder.user.id, 4, "external", body["id"])]
    assert [row["level"] for row in hr.get(levels_url + "&basis=external").json] == [4]
    assert hr.get(levels_url + "&basis=certification").json == []
    # learning/ reads it directly too, as a certified level of the unit.
    records = queries.list_unit_levels(db_session, actor=hr.user.as_actor(), unit_id=unit.id)
    assert [(r.user_id, r.level, r.basis) for r in records] == [(holder.user.id, 4, "external")]
    assert db_session.scalar(select(AssessedLevel.external_certificate_id).where(
        AssessedLevel.user_id == holder.user.id)) == body["id"]

    assert_problem(hr.post(f"{URL}/{body['id']}/verify"), 409)
    assert_problem(hr.post(f"{URL}/{body['id']}/reject", json={"reason": "late"}), 409)
    assert "reason" in field_errors(assert_problem(hr.post(f"{URL}/{body['id']}/revoke", json={}), 422))
    revoked = hr.post(f"{URL}/{body['id']}/revoke", json={"reason": "the issuer says the number is not theirs"})
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["status"] == "revoked" and revoked.json["revoked_by"] == hr.user.id
    assert revoked.json["verified_by"] == hr.user.id  # history is kept
    assert hr.get(levels_url).json == []
    assert count(db_session, AssessedLevel) == 0

    actions = [e["action"] for e in api_as("admin").get("/api/v1/audit").json if e["entity_id"] == str(body["id"])
               and e["entity_type"] == "external_certificate"]
    assert actions == ["external_certificate.revoked", "external_certificate.verified",
                       "external_certificate.recorded"]


def test_a_rejected_certificate_never_counts(hr, holder, unit, api_as):
    body = recorded(hr, holder.user.id)
    assert "reason" in field_errors(assert_problem(hr.post(f"{URL}/{body['id']}/reject", json={"reason": ""}), 422))
    rejected = hr.post(f"{URL}/{body['id']}/reject", json={"reason": "the scan is of someone else's certificate"})
    assert rejected.status_code == 200
    assert (rejected.json["status"], rejected.json["rejected_by"], rejected.json["rejection_reason"]) == (
        "rejected", hr.user.id, "the scan is of someone else's certificate")
    assert_problem(hr.post(f"{URL}/{body['id']}/verify"), 409)
    assert_problem(hr.post(f"{URL}/{body['id']}/revoke", json={"reason": "x"}), 409)
    assert hr.get(f"/api/v1/hr/levels?unit_id={unit.id}").json == []
    audit = api_as("admin").get("/api/v1/audit").json
    assert any(e["action"] == "external_certificate.rejected"
               and e["detail"]["reason"] == "the scan is of someone else's certificate" for e in audit)


def test_a_verified_certificate_without_a_level_adds_no_level(hr, holder, db_session):
    body = recorded(hr, holder.user.id, score="3.0")
    assert hr.post(f"{URL}/{body['id']}/verify").json["status"] == "verified"
    assert count(db_session, AssessedLevel) == 0


def test_an_expired_certificate_cannot_be_verified(hr, holder):
    body = recorded(hr, holder.user.id, issued_on="2022-01-10", expires_on="2024-01-10")
    assert "expires_on" in field_errors(assert_problem(hr.post(f"{URL}/{body['id']}/verify"), 422))


def test_a_verified_level_dates_from_the_issue_day_not_from_the_verification(hr, holder, unit, db_session):
    from learning.models import StaffMember

    db_session.add(StaffMember(full_name=holder.user.full_name, unit_id=unit.id, category="public_employee",
                               user_id=holder.user.id))
    db_session.flush()
    issued = TODAY - timedelta(days=300)
    body = recorded(hr, holder.user.id, score="6.0", issued_on=issued.isoformat())
    verified = hr.post(f"{URL}/{body['id']}/verify").json
    level = db_session.scalar(select(AssessedLevel).where(AssessedLevel.external_certificate_id == body["id"]))
    assert level.awarded_at.isoformat() == f"{issued.isoformat()}T00:00:00+00:00"
    assert level.awarded_at.astimezone(clock.VIETNAM).date() == issued  # the issue day at the centre too
    assert datetime.fromisoformat(verified["verified_at"]).date() >= TODAY - timedelta(days=1)  # kept as it was
    # Held since the issue day: counted for a day between issue and verification.
    between = (issued + timedelta(days=30)).isoformat()
    rows = hr.get(f"/api/v1/hr/people-levels?unit_id={unit.id}&as_of={between}").json
    assert [(row["level"], row["basis"]) for row in rows] == [(4, "external")]
    assert hr.get(f"/api/v1/hr/people-levels?unit_id={unit.id}&as_of={issued - timedelta(days=1)}"
                  ).json[0]["level"] is None


@pytest.mark.parametrize(("kind", "score", "language"), [
    ("jlpt", "N3", "ja"), ("delf_dalf", "B2", "fr"), ("goethe", "B2", "de"), ("hsk", "HSK 4", "zh"),
    ("ielts", "6.0", "en"),
])
def test_a_verified_level_is_in_the_certificates_language(hr, holder, unit, db_session, kind, score, language):
    from learning.models import StaffMember

    db_session.add(StaffMember(full_name=holder.user.full_name, unit_id=unit.id, category="public_employee",
                               user_id=holder.user.id))
    db_session.flush()
    body = recorded(hr, holder.user.id, kind=kind, score=score, certificate_number=f"{kind}-0001")
    assert body["level"] == 4, body
    assert hr.post(f"{URL}/{body['id']}/verify").status_code == 200
    level = db_session.scalar(select(AssessedLevel).where(AssessedLevel.external_certificate_id == body["id"]))
    assert (level.level, level.language) == (4, language)
    people = f"/api/v1/hr/people-levels?unit_id={unit.id}&language="
    assert [(row["level"], row["language"]) for row in hr.get(people + language).json] == [(4, language)]
    other = "en" if language != "en" else "ja"
    assert hr.get(people + other).json == []  # no level in another language


def test_an_old_certificate_verified_today_is_not_a_recent_achievement(hr, holder, unit, db_session):
    from learning.models import StaffMember

    db_session.add(StaffMember(full_name=holder.user.full_name, unit_id=unit.id, category="public_employee",
                               user_id=holder.user.id))
    db_session.flush()
    body = recorded(hr, holder.user.id, score="6.0", issued_on=(TODAY - timedelta(days=500)).isoformat(),
                    expires_on=(TODAY + timedelta(days=200)).isoformat())
    assert hr.post(f"{URL}/{body['id']}/verify").status_code == 200
    report = hr.get(f"/api/v1/hr/compliance?deadline=2025-12-31&as_of={TODAY.isoformat()}").json
    (row,) = [row for row in report["rows"] if row["unit"] == unit.code and row["cohort"] == "public_employee"]
    assert (row["at_or_above"], row["recent"]) == (1, 0)  # first reached 500 days ago, not in the last 12 months


# --- who may do what ------------------------------------------------------------------------------------

def test_hr_of_another_unit_neither_sees_nor_decides(hr, holder, api_as, factory):
    body = recorded(hr, holder.user.id)
    other_unit = factory.unit()
    stranger = api_as("hr", unit=other_unit)
    assert_problem(stranger.get(f"{URL}/{body['id']}"), 404)
    assert_problem(stranger.get(f"{URL}/{body['id']}/document"), 404)
    assert_problem(stranger.post(f"{URL}/{body['id']}/verify"), 404)
    assert_problem(stranger.post(f"{URL}/{body['id']}/reject", json={"reason": "no"}), 404)
    assert stranger.get(URL).json["items"] == []
    assert "unit_id" in field_errors(assert_problem(stranger.get(f"{URL}?unit_id={holder.user.unit_id}"), 403))
    refused = assert_problem(record(stranger, holder.user.id, certificate_number="OTHER-1"), 403)
    assert "holder_id" in field_errors(refused)
    # HR of the whole organisation reaches every unit.
    everywhere = api_as("hr")
    assert everywhere.get(f"{URL}/{body['id']}").status_code == 200
    assert everywhere.get(f"{URL}?unit_id={holder.user.unit_id}").json["meta"]["total"] == 1


def test_the_holder_reads_their_own_and_nobody_else_does(hr, holder, api_as, unit):
    body = recorded(hr, holder.user.id)
    own = holder.get(f"{URL}/{body['id']}")
    assert own.status_code == 200 and own.json["certificate_number"] == body["certificate_number"]
    document = holder.get(f"{URL}/{body['id']}/document")
    assert document.status_code == 200 and document.data == PDF and document.mimetype == "application/pdf"
    assert "no-store" in document.headers["Cache-Control"]
    assert holder.get(URL).json["meta"]["total"] == 1
    assert_problem(holder.post(f"{URL}/{body['id']}/verify"), 403)  # the holder cannot verify their own

    colleague = api_as("candidate", unit=unit)
    assert_problem(colleague.get(f"{URL}/{body['id']}"), 404)
    assert_problem(colleague.get(f"{URL}/{body['id']}/document"), 404)
    assert colleague.get(URL).json["items"] == []
    assert colleague.get(f"{URL}?holder_id={holder.user.id}").json["items"] == []
    assert_problem(record(colleague, colleague.user.id, certificate_number="SELF-1"), 403)
    assert_problem(record(holder, holder.user.id, certificate_number="SELF-2"), 403)


def test_hr_cannot_verify_their_own_certificate(api_as, unit):
    hr_one, hr_two = api_as("hr", unit=unit), api_as("hr", unit=unit)
    body = recorded(hr_one, hr_one.user.id)
    assert_problem(hr_one.post(f"{URL}/{body['id']}/verify"), 403)
    assert hr_two.post(f"{URL}/{body['id']}/verify").status_code == 200


def test_the_list_filters_by_holder_status_and_unit_and_pages(hr, holder, api_as, unit):
    other = api_as("candidate", unit=unit)
    first = recorded(hr, holder.user.id)
    recorded(hr, holder.user.id, kind="toefl_ibt", score="80", certificate_number="TOEFL-1")
    recorded(hr, other.user.id)
    hr.post(f"{URL}/{first['id']}/verify")
    assert hr.get(URL).json["meta"]["total"] == 3
    assert hr.get(f"{URL}?holder_id={holder.user.id}").json["meta"]["total"] == 2
    assert [c["id"] for c in hr.get(f"{URL}?status=verified").json["items"]] == [first["id"]]
    assert hr.get(f"{URL}?kind=toefl_ibt").json["meta"]["total"] == 1
    assert hr.get(f"{URL}?unit_id={unit.id}&per_page=2&page=2").json["meta"] == {
        "page": 2, "per_page": 2, "total": 3, "total_capped": False}
    assert len(hr.get(f"{URL}?per_page=2&page=2").json["items"]) == 1
    assert "status" in field_errors(assert_problem(hr.get(f"{URL}?status=lost"), 422))


# --- duplicates and bad input ------------------------------------------------------------------------------

def test_the_same_certificate_twice_is_a_conflict_until_the_first_is_rejected(hr, holder, db_session):
    body = recorded(hr, holder.user.id, certificate_number="25VN-012345-ABCD")
    again = assert_problem(record(hr, holder.user.id, certificate_number="25vn 012345 abcd"), 409)
    assert "certificate_number" in field_errors(again) and again["external_certificate_id"] == body["id"]
    assert count(db_session, ExternalCertificate) == 1
    # Another kind with the same number, or another holder, is another certificate.
    assert record(hr, holder.user.id, kind="toefl_ibt", score="80", certificate_number="25VN-012345-ABCD"
                  ).status_code == 201
    # typed in full-width characters (an input method, a PDF copied): the same number (NFKC)
    wide = assert_problem(record(hr, holder.user.id, certificate_number="２５ＶＮ－０１２３４５－ＡＢＣＤ"), 409)
    assert wide["external_certificate_id"] == body["id"]
    hr.post(f"{URL}/{body['id']}/reject", json={"reason": "score typed wrong; recorded again"})
    assert record(hr, holder.user.id, certificate_number="25VN012345ABCD", score="7.0").status_code == 201


def _oversized_pdf(size: int) -> bytes:
    return PDF + b"0" * (size - len(PDF))


@pytest.mark.parametrize(("fields", "status", "field"), [
    ({"kind": "ielts-academic"}, 422, "kind"),
    ({"kind": None}, 422, "kind"),
    ({"purpose": "astrology"}, 422, "purpose"),
    ({"score": "9.5"}, 422, "score"),
    ({"score": "55"}, 422, "score"),
    ({"score": "6.3"}, 422, "score"),
    ({"score": "six"}, 422, "score"),
    ({"kind": "toeic_listening_reading", "score": "1200"}, 422, "score"),
    ({"kind": "jlpt", "score": "N6"}, 422, "score"),
    ({"kind": "vstep_3_5", "score": "6"}, 422, "score"),
    ({"kind": "toeic_4_skills", "score": "800"}, 422, "subscores"),
    ({"kind": "toeic_4_skills", "score": None, "subscores": '{"listening": 400, "reading": 385}'}, 422,
     "subscores"),
    ({"kind": "toeic_4_skills", "score": None,
      "subscores": '{"listening": 600, "reading": 385, "speaking": 160, "writing": 150}'}, 422,
     "subscores.listening"),
    ({"kind": "toeic_4_skills", "score": None, "subscores": "listening 400"}, 422, "subscores"),
    ({"subscores": '{"listening": 400}'}, 422, "subscores"),
    ({"issued_on": "2026-13-40"}, 422, "issued_on"),
    ({"issued_on": (TODAY + timedelta(days=3)).isoformat()}, 422, "issued_on"),
    ({"expires_on": "2020-01-01"}, 422, "expires_on"),
    ({"converted_on": "2019-01-01", "issued_on": "2018-05-02", "purpose": "doctoral"}, 422, "converted_on"),
    ({"converted_on": "2021-01-04", "issued_on": "2021-02-01"}, 422, "converted_on"),
    ({"holder_id": "abc"}, 422, "holder_id"),
    ({"holder_id": "99999999"}, 404, "holder_id"),
    ({"certificate_number": "---"}, 422, "certificate_number"),
    ({"certificate_number": "ß" * 80}, 422, "certificate_number"),  # its key, "SS" each, outgrew the column
    ({"certificate_number": "25VN\x00012345"}, 422, "certificate_number"),  # PostgreSQL's text holds no NUL
    ({"score": "1e10000000"}, 422, "score"),  # refused before ten million digits are worked out
    ({"score": "1e-40"}, 422, "score"),
    ({"kind": "toeic_4_skills", "score": None,
      "subscores": '{"listening": "1e10000000", "reading": 385, "speaking": 160, "writing": 150}'}, 422,
     "subscores.listening"),
    ({"certificate_number": None}, 422, "certificate_number"),
    ({"colour": "blue"}, 422, "colour"),
    ({"document": False}, 422, "document"),
    ({"document": (b"just some text, not a certificate", "certificate.txt", "text/plain")}, 422,
     "document"),
    ({"document": (b"", "empty.pdf", "application/pdf")}, 422, "document"),
    ({"document": (PDF, "certificate.png", "image/png")}, 422, "document"),
    ({"document": (b"GIF89a" + b"\x00" * 32, "certificate.gif", "image/gif")}, 422, "document"),
    ({"document": (_oversized_pdf(MAX_DOCUMENT_BYTES + 1), "big.pdf", "application/pdf")}, 422,
     "document"),
    ({"document": (_oversized_pdf(MAX_DOCUMENT_BYTES + 2 * 1024 * 1024), "huge.pdf",
                   "application/pdf")}, 413, "document"),
])
def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(hr, holder, db_session, fields, status, field):
    before = (count(db_session, ExternalCertificate), count(db_session, AuditEvent), count(db_session, MediaObject))
    body = assert_problem(record(hr, holder.user.id, **fields), status)
    assert field in field_errors(body), body
    after = (count(db_session, ExternalCertificate), count(db_session, AuditEvent), count(db_session, MediaObject))
    assert after == before


def test_a_document_sent_as_text_is_refused(hr, holder, db_session):
    data = form(holder.user.id, document=False)
    data["document"] = "%PDF-1.4 pasted as text"
    body = assert_problem(hr.post(URL, data=data, content_type="multipart/form-data"), 422)
    assert "document" in field_errors(body)
    assert count(db_session, ExternalCertificate) == 0


def test_an_image_scan_is_accepted_and_an_empty_optional_field_is_ignored(hr, holder):
    body = recorded(hr, holder.user.id, expires_on="", converted_on="",
                    document=(PNG, "scan.png", "image/png"))
    assert body["expires_on"] is None and body["document_name"] == "scan.png"
    assert hr.get(body["document_url"]).mimetype == "image/png"


def test_unauthenticated_callers_get_401(client):
    assert_problem(client.get(URL), 401)
    assert_problem(client.post(URL, data={}), 401)


def test_the_endpoints_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in (URL, f"{URL}/{{certificate_id}}", f"{URL}/{{certificate_id}}/verify",
                 f"{URL}/{{certificate_id}}/reject", f"{URL}/{{certificate_id}}/revoke",
                 f"{URL}/{{certificate_id}}/document", f"{URL}/conversions", f"{URL}/kinds"):
        assert path in spec["paths"], path
    body = spec["paths"][URL]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body


def test_the_document_is_not_served_as_item_media(hr, holder, api_as):
    import hashlib

    recorded(hr, holder.user.id)
    sha256 = hashlib.sha256(PDF).hexdigest()
    response = api_as("author").get(f"/api/v1/media/{sha256}")
    assert response.status_code == 404, response.status_code


def test_an_oversized_decision_body_is_a_plain_413(hr, holder):
    body = recorded(hr, holder.user.id)
    response = hr.post(f"{URL}/{body['id']}/reject", json={"reason": "x" * (2 * 1024 * 1024)})
    problem = assert_problem(response, 413)
    assert "document" not in field_errors(problem)


def test_hr_of_a_unit_above_the_holders_records_reads_lists_and_decides(api_as, factory, db_session):
    province, sibling = factory.unit(), factory.unit()
    district = factory.unit()
    district.parent_id = province.id
    db_session.flush()
    holder = api_as("candidate", unit=district)
    province_hr, sibling_hr = api_as("hr", unit=province), api_as("hr", unit=sibling)
    body = recorded(province_hr, holder.user.id)
    assert province_hr.get(f"{URL}/{body['id']}").status_code == 200
    assert province_hr.get(f"{URL}/{body['id']}/document").status_code == 200
    assert [c["id"] for c in province_hr.get(URL).json["items"]] == [body["id"]]
    assert province_hr.get(f"{URL}?unit_id={district.id}").json["meta"]["total"] == 1
    assert province_hr.post(f"{URL}/{body['id']}/verify").status_code == 200
    assert_problem(sibling_hr.get(f"{URL}/{body['id']}"), 404)
    assert sibling_hr.get(URL).json["items"] == []
    assert "unit_id" in field_errors(assert_problem(sibling_hr.get(f"{URL}?unit_id={district.id}"), 403))
    district_hr = api_as("hr", unit=district)  # never upwards: the district's HR sees no one of the province
    assert "unit_id" in field_errors(assert_problem(district_hr.get(f"{URL}?unit_id={province.id}"), 403))
    assert_problem(record(district_hr, api_as("candidate", unit=province).user.id, certificate_number="UP-1"), 403)

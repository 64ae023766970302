"""Certificates: issued with a certified level, verified publicly by code, revoked, rendered as PDF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from tests.factories import single_choice_spec


@pytest.fixture
def certified(api_as, factory, db_session):
    """A candidate who passed a short certification test, and what they received."""
    author, reviewer = factory.user("author"), factory.user("reviewer")
    items = [factory.approved_item(author, reviewer, **single_choice_spec(correct="B")) for _ in range(2)]
    admin = api_as("test_admin")
    test_id = admin.post("/api/v1/tests", json={"title": "Certification check", "purpose": "certification",
                                                 "item_ids": [i.id for i in items],
                                                 "cut_scores": [{"level": 3, "min_score": 1},
                                                                {"level": 4, "min_score": 2}]}).json["id"]
    admin.post(f"/api/v1/tests/{test_id}/publish")
    candidate = api_as("candidate", username="nguyen.van.an")
    candidate.user.full_name = "Nguyễn Văn An"
    db_session.flush()
    attempt_id = candidate.post(f"/api/v1/tests/{test_id}/attempts").json["id"]
    for position in (1, 2):
        candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}", json={"answer": {"choice": "B"}})
    candidate.post(f"/api/v1/attempts/{attempt_id}/submit")
    (certificate,) = candidate.get("/api/v1/certificates").json
    return candidate, certificate


def test_a_certified_level_comes_with_a_certificate_that_verifies(certified, client):
    _candidate, certificate = certified
    assert certificate["data"]["level"]["label_en"] == "Level 4"
    assert certificate["serial"].startswith("LP-")
    public = client.get(f"/api/v1/verify/{certificate['verification_code']}")
    assert public.status_code == 200, public.json
    assert public.json == {"serial": certificate["serial"], "holder": "Nguyễn V. A.",
                           "test_title": "Certification check", "level_vi": "Bậc 4", "level_en": "Level 4",
                           "cefr": "B2",
                           "issue_date": certificate["data"]["issue_date"], "status": "valid"}
    lower = certificate["verification_code"].lower().replace("-", " ")
    assert client.get(f"/api/v1/verify/{lower}").status_code == 200  # typed loosely, still found


def test_forged_or_altered_codes_fail(certified, client):
    _candidate, certificate = certified
    code = certificate["verification_code"]
    flipped = code[:-1] + ("A" if code[-1] != "A" else "B")
    for wrong in (flipped, "K1AB-CDEF-GHJK-MNPQ-RSTV-WXYZ", "nonsense", code[:-5]):
        response = client.get(f"/api/v1/verify/{wrong}")
        assert response.status_code == 404 and response.content_type == "application/problem+json"


def test_an_altered_certificate_no_longer_verifies(certified, client, db_session):
    from assessment.certification import Certificate

    _candidate, certificate = certified
    stored = db_session.get(Certificate, certificate["id"])
    stored.data = {**stored.data, "level": {**stored.data["level"], "code": "5", "cefr": "C1", "label_en": "Level 5"}}
    db_session.flush()
    assert client.get(f"/api/v1/verify/{certificate['verification_code']}").status_code == 404


def test_a_revoked_certificate_shows_as_revoked(certified, client, api_as):
    candidate, certificate = certified
    assert candidate.post(f"/api/v1/certificates/{certificate['id']}/revoke",
                          json={"reason": "x"}).status_code == 403
    admin = api_as("admin")
    refused = admin.post(f"/api/v1/certificates/{certificate['id']}/revoke", json={"reason": ""})
    assert refused.status_code == 422
    revoked = admin.post(f"/api/v1/certificates/{certificate['id']}/revoke",
                         json={"reason": "impersonation found at the exam"})
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.get(f"/api/v1/verify/{certificate['verification_code']}").json["status"] == "revoked"
    assert admin.post(f"/api/v1/certificates/{certificate['id']}/revoke",
                      json={"reason": "again"}).status_code == 409
    audit = admin.get("/api/v1/audit").json
    assert any(e["action"] == "certificate.revoked" and e["detail"]["reason"] == "impersonation found at the exam"
               for e in audit)


def test_a_revoked_certificate_no_longer_counts_as_a_certified_level(certified, api_as, factory, db_session):
    from sqlalchemy import select

    from assessment.models import AssessedLevel
    from learning.models import StaffMember

    candidate, certificate = certified
    unit = factory.unit()
    db_session.add(StaffMember(full_name="Nguyễn Văn An", unit_id=unit.id, category="civil_servant",
                               user_id=candidate.user.id))
    db_session.flush()
    hr = api_as("hr", unit=unit)
    people = f"/api/v1/hr/people-levels?unit_id={unit.id}"
    assert [(row["level"], row["basis"]) for row in hr.get(people).json] == [(4, "certification")]
    admin = api_as("admin")
    assert admin.post(f"/api/v1/certificates/{certificate['id']}/revoke",
                      json={"reason": "impersonation found at the exam"}).status_code == 200
    assert [(row["level"], row["basis"]) for row in hr.get(people).json] == [(None, None)]
    assert db_session.scalars(select(AssessedLevel).where(AssessedLevel.user_id == candidate.user.id)).all() == []
    (event,) = [e for e in admin.get("/api/v1/audit").json if e["action"] == "certificate.revoked"]
    assert event["detail"]["level_removed"] == 4


def test_the_pdf_renders_and_reads_back(certified, api_as):
    candidate, certificate = certified
    pdf = candidate.get(f"/api/v1/certificates/{certificate['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Nguyễn Văn An" in text and certificate["serial"] in text and certificate["verification_code"] in text
    assert "REVOKED" not in text
    api_as("admin").post(f"/api/v1/certificates/{certificate['id']}/revoke", json={"reason": "test"})
    revoked_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        candidate.get(f"/api/v1/certificates/{certificate['id']}/pdf").data)).pages)
    assert "REVOKED" in revoked_text


def test_others_cannot_read_someone_elses_certificate(certified, api_as):
    _candidate, certificate = certified
    stranger = api_as("candidate")
    hidden = stranger.get(f"/api/v1/certificates/{certificate['id']}")
    missing = stranger.get("/api/v1/certificates/999999")
    assert (hidden.status_code, missing.status_code) == (404, 404)  # nothing tells a taken id from a free one
    assert hidden.json["detail"].replace(str(certificate["id"]), "N") == missing.json["detail"].replace("999999", "N")
    assert stranger.get(f"/api/v1/certificates/{certificate['id']}/pdf").status_code == 404
    assert api_as("candidate").get("/api/v1/certificates").json == []
    assert api_as("test_admin").get(f"/api/v1/certificates/{certificate['id']}").status_code == 200


def test_hr_of_the_holders_unit_or_a_unit_above_reads_the_certificate_and_no_other_hr_does(certified, api_as,
                                                                                            factory, db_session):
    candidate, certificate = certified
    province, sibling = factory.unit(), factory.unit()
    district = factory.unit()
    district.parent_id = province.id
    candidate.user.unit_id = district.id
    db_session.flush()
    url = f"/api/v1/certificates/{certificate['id']}"
    for reader in (api_as("hr", unit=district), api_as("hr", unit=province), api_as("hr")):
        assert reader.get(url).status_code == 200
    assert api_as("hr", unit=sibling).get(url).status_code == 404


@pytest.fixture
def vietnamese_new_year(fake_clock):
    """18:30 UTC on 31 December: already 01:30 on 1 January at the centre."""
    fake_clock.set(datetime(2026, 12, 31, 18, 30, tzinfo=UTC))
    return fake_clock


def test_certificate_dates_are_the_centres_calendar_days(vietnamese_new_year, certified):
    _candidate, certificate = certified
    assert (certificate["data"]["exam_date"], certificate["data"]["issue_date"]) == ("2027-01-01", "2027-01-01")
    assert certificate["serial"].startswith("LP-2027-")


def test_a_certificate_expires_at_the_end_of_its_last_day_at_the_centre(app, db_session, factory, client, fake_clock):
    from assessment import certification

    holder = factory.user("candidate")
    issued = certification.issue_certificate(
        db_session, user_id=holder.id, attempt_id=None, test_title="VSTEP.3-5", test_kind="sectioned",
        exam_date=date(2026, 10, 23), level=4, valid_months=1)
    assert issued.data["valid_until"] == "2026-11-23"
    code = certification.code_of(issued)
    fake_clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))  # 23:30 on its last day
    assert client.get(f"/api/v1/verify/{code}").json["status"] == "valid"
    fake_clock.set(datetime(2026, 11, 23, 17, 30, tzinfo=UTC))  # 00:30 the next day, still the 23rd in UTC
    assert client.get(f"/api/v1/verify/{code}").json["status"] == "expired"


def test_the_pdf_links_to_the_address_it_is_served_from_unless_one_is_configured(certified, monkeypatch):
    from assessment.certification import ISSUER

    candidate, certificate = certified
    code = certificate["verification_code"].replace("-", "")
    url = f"/api/v1/certificates/{certificate['id']}/pdf"

    def link(**request_options) -> str:
        pdf = candidate.get(url, **request_options).data
        return "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())

    assert f"https://centre.example.vn:8443/api/v1/verify/{code}" in link(base_url="https://centre.example.vn:8443")
    assert "127.0.0.1:8000" not in link()
    monkeypatch.setattr(ISSUER, "verification_url", "https://verify.levelpath.vn/v/")
    assert f"https://verify.levelpath.vn/v/{code}" in link(base_url="http://10.0.0.5:9000")


@pytest.mark.parametrize("keys", [{"K2": b"k" * 32}, {"K1": b"another host's key".ljust(32, b".")}],
                         ids=["key-id-retired", "same-id-other-key"])
def test_a_certificate_whose_key_the_server_lacks_shows_no_code_and_no_pdf(certified, client, api_as, monkeypatch,
                                                                            keys):
    """Before, a retired key id made every certificate read a 500, and another key under the same id (a backup
    restored where SECRET_KEY differs) printed a new code on the PDF that never verified."""
    from assessment.certificates import VerificationKeys
    from assessment.certification import ISSUER

    candidate, certificate = certified
    monkeypatch.setattr(ISSUER, "keys", VerificationKeys(signing_key_id=next(iter(keys)), keys=keys))
    listed = candidate.get("/api/v1/certificates")
    assert listed.status_code == 200 and listed.json[0]["verification_code"] is None
    assert api_as("test_admin").get("/api/v1/certificates").status_code == 200
    one = candidate.get(f"/api/v1/certificates/{certificate['id']}")
    assert one.status_code == 200 and one.json["verification_code"] is None
    pdf = candidate.get(f"/api/v1/certificates/{certificate['id']}/pdf")
    assert pdf.status_code == 503 and pdf.content_type == "application/problem+json"
    assert pdf.json["type"].endswith("/certificate-key-missing") and "K1" in pdf.json["detail"]
    assert client.get(f"/api/v1/verify/{certificate['verification_code']}").status_code == 404
